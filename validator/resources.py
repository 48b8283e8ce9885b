"""Where the shipped schemas and templates are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    """`validator/<name>` inside an installed wheel, else `<repo>/<name>` in a checkout."""
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def schemas_dir() -> Path:
    """The folder of billcheck's JSON Schemas."""
    return _data_dir("schemas")


def templates_dir() -> Path:
    """The folder of billcheck's Jinja templates."""
    return _data_dir("templates")
