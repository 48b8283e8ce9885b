"""Subcommands beyond validate, each in its own module with lazy imports."""
