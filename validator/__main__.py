"""`python -m validator` runs the billcheck command line."""

from .cli import run

run()
