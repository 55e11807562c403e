"""Command bodies: each module holds one command (or a group), taking plain arguments.
``reconciler.cli`` parses the command line and calls them."""
