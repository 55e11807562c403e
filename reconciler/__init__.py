"""A Terraform-style declarative reconciler for cloud integrations."""

__version__ = "0.1.0"
