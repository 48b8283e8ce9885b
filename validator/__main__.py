"""`python -m validator` runs the billcheck command line.

`python -m` puts the working directory first on `sys.path`. billcheck runs in checkouts
of other people's pull requests, where a `click.py` or `json.py` beside the config would
then be imported, and run, in place of the real module. The package itself is already
imported when this file runs, so the working directory is taken off the path before
anything else is imported.
"""

import os
import sys

_here = os.getcwd()
sys.path[:] = [entry for entry in sys.path if entry not in ("", ".", _here)]

from .cli import run  # noqa: E402 - only once the path is safe

run()
