"""A Terraform-style declarative reconciler for cloud integrations.

Installed as the distribution ``integration-reconciler`` (the command is ``reconciler``).
"""

# The one place the version is written: pyproject.toml reads it (dynamic = ["version"]) and
# examples/gitops/workflow.yml pins it (a test keeps the two equal).
__version__ = "0.1.0"
