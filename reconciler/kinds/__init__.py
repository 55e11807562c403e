"""Resource kinds: one module each, satisfying ``reconciler.kinds.base.ResourceKind``.
The list of kinds lives in ``reconciler.registry``."""
