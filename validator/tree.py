"""Finding and reading the config tree: which files, in which order, and their text.

Every `*.yaml` / `*.yml` file under the given paths is read, recursively and in sorted
order. Hidden files and directories (a name starting with `.`) are skipped unless named
on the command line; anything the config file's `exclude` globs match is skipped, even
when named on the command line (so a pre-commit hook that passes file names honours it). Symbolic
links to directories are not followed, so a link loop cannot trap the walk.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from .positions import Mark

YAML_SUFFIXES = (".yaml", ".yml")


class MissingPath(Exception):
    """A path named on the command line does not exist (exit status 2)."""


@dataclass(frozen=True)
class SourceFile:
    """One file of the tree: its display path (relative, `/`-separated) and where it lives."""

    display: str
    path: Path


@dataclass(frozen=True)
class ReadProblem:
    """Why a file's text could not be had: a rule id (BC003, BC004), a message, where."""

    rule: str
    message: str
    mark: Mark = (1, 1)
    hint: str | None = None


def display_path(path: Path, cwd: Path) -> str:
    """The path as findings show it: relative to the working directory when under it."""
    try:
        shown = path.relative_to(cwd)
    except ValueError:
        shown = path
    return shown.as_posix()


def discover(paths: Sequence[str], exclude: Sequence[str], cwd: Path) -> list[SourceFile]:
    """Every YAML file under `paths`, sorted by display path, without duplicates."""
    found: dict[str, SourceFile] = {}
    for given in paths:
        path = Path(given)
        absolute = path if path.is_absolute() else cwd / path
        if not os.path.lexists(absolute):
            raise MissingPath(given)
        for file in _walk(absolute, cwd, exclude):
            found.setdefault(file.display, file)
    return [found[name] for name in sorted(found)]


def _walk(root: Path, cwd: Path, exclude: Sequence[str]) -> Iterable[SourceFile]:
    if not root.is_dir():
        display = display_path(root, cwd)
        if not is_excluded(display, exclude):
            yield SourceFile(display, root)
        return
    for directory, subdirs, files in os.walk(root, onerror=None):
        base = Path(directory)
        shown = display_path(base, cwd)
        prefix = "" if shown == "." else shown.rstrip("/") + "/"
        subdirs[:] = [
            name for name in subdirs
            if not name.startswith(".") and not is_excluded(prefix + name, exclude)
        ]
        for name in files:
            if name.startswith(".") or not name.endswith(YAML_SUFFIXES):
                continue
            display = prefix + name
            if not is_excluded(display, exclude):
                yield SourceFile(display, base / name)


def is_excluded(display: str, patterns: Sequence[str]) -> bool:
    """Whether a path matches one of the `exclude` globs.

    A glob matches the whole relative path (`*` crosses `/`), the file's name, or any
    directory above the file (`vendor` excludes `vendor/a.yaml`); a leading `**/` is
    optional.
    """
    name = display.rsplit("/", 1)[-1]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if pattern.startswith("**/"):
            pattern = pattern[3:]
        if (
            fnmatchcase(display, pattern)
            or fnmatchcase(name, pattern)
            or fnmatchcase(display, pattern + "/*")
            or fnmatchcase(display, "*/" + pattern)
            or fnmatchcase(display, "*/" + pattern + "/*")
        ):
            return True
    return False


def read_text(file: SourceFile, max_bytes: int) -> tuple[str | None, ReadProblem | None]:
    """A file's text decoded as UTF-8 (a BOM is allowed), or why it cannot be had."""
    data, problem = read_bytes(file, max_bytes)
    if data is None:
        return None, problem
    return decode_text(data)


def read_bytes(file: SourceFile, max_bytes: int) -> tuple[bytes | None, ReadProblem | None]:
    """A file's bytes as stored, or why they cannot be had (unreadable, over the limit)."""
    try:
        size = file.path.stat().st_size
        if size > max_bytes:
            return None, _too_big(size, max_bytes)
        data = file.path.read_bytes()
    except IsADirectoryError:
        return None, ReadProblem("BC003", "cannot read file: it is a directory")
    except OSError as error:
        return None, ReadProblem("BC003", f"cannot read file: {error.strerror or error}")
    if len(data) > max_bytes:
        return None, _too_big(len(data), max_bytes)
    return data, None


def decode_text(data: bytes) -> tuple[str | None, ReadProblem | None]:
    """A file's bytes decoded as UTF-8 (a leading BOM is dropped), or where they are not."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, _not_utf8(data, error)


def _too_big(size: int, limit: int) -> ReadProblem:
    return ReadProblem(
        "BC004",
        f"file is {size} bytes, over the limit of {limit} bytes per file",
        hint="raise limits.maxFileBytes in .billcheck.yaml if this file is meant to be this big",
    )


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> ReadProblem:
    before = data[: error.start]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
    return ReadProblem(
        "BC003",
        f"file is not valid UTF-8: byte 0x{data[error.start]:02X} cannot be decoded",
        (line, column),
        "save the file as UTF-8",
    )
