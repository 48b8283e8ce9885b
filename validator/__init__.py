"""billcheck: checks declarative billing configuration and previews the bills it produces."""

__version__ = "0.1.0"
