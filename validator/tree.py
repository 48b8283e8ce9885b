"""Finding and reading the config tree: which files, in which order, and their text.

Every `*.yaml` / `*.yml` file under the given paths is read, recursively and in sorted
order. Hidden files and directories (a name starting with `.`) are skipped unless named
on the command line; anything the config file's `exclude` globs match is skipped, even
when named on the command line (so a pre-commit hook that passes file names honours it). Symbolic
links to directories are not followed, so a link loop cannot trap the walk.

The tree is untrusted (anyone who opens a pull request writes it), so reading is careful:
only regular files are read (a FIFO or a device would block the run or never end), never
more than the size limit, and a symbolic link to a file is followed only when its target
is a file the walk could reach anyway — inside the checked directory and not hidden — so a
link cannot smuggle `~/.ssh/id_rsa` or `.git/config` into findings posted on a pull request.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
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
    """One file of the tree: its display path (relative, `/`-separated) and where it lives.

    When `boundary` is set and the file is a symbolic link, the link is followed only to a
    target inside that directory and not under a hidden name.
    """

    display: str
    path: Path
    boundary: Path | None = None


@dataclass(frozen=True)
class ReadProblem:
    """Why a file's text could not be had: a rule id (BC003, BC004), a message, where."""

    rule: str
    message: str
    mark: Mark = (1, 1)
    hint: str | None = None


# A file name's bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape).
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_FILE_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory",
}


def display_path(path: Path, cwd: Path) -> str:
    """The path as findings show it: relative to the working directory when under it.

    Bytes of a file name that are not UTF-8 are shown as `\\xNN`, so every output format
    can carry the path.
    """
    try:
        shown = path.relative_to(cwd)
    except ValueError:
        shown = path
    return _printable(shown.as_posix())


def _printable(text: str) -> str:
    """`text` with the bytes of a file name that are not UTF-8 shown as `\\xNN`."""
    return _UNDECODABLE.sub(lambda match: f"\\x{ord(match.group()) - 0xDC00:02x}", text)


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
            yield SourceFile(display, root, link_boundary(root, cwd))
        return
    for directory, subdirs, files in os.walk(root, onerror=None):
        base = Path(directory)
        shown = display_path(base, cwd)
        prefix = "" if shown == "." else shown.rstrip("/") + "/"
        subdirs[:] = [
            name for name in subdirs
            if not name.startswith(".") and not is_excluded(prefix + _printable(name), exclude)
        ]
        for name in files:
            if name.startswith(".") or not name.endswith(YAML_SUFFIXES):
                continue
            display = prefix + _printable(name)
            if not is_excluded(display, exclude):
                yield SourceFile(display, base / name, root)


def link_boundary(path: Path, cwd: Path) -> Path:
    """Where a named file that is a link may point: the working directory, else its own."""
    inside = Path(os.path.realpath(path.parent)).is_relative_to(os.path.realpath(cwd))
    return cwd if inside else path.parent


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


def decode_text(data: bytes) -> tuple[str | None, ReadProblem | None]:
    """A file's bytes decoded as UTF-8 (a leading BOM is dropped), or where they are not."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, _not_utf8(data, error)


def read_bytes(file: SourceFile, max_bytes: int) -> tuple[bytes | None, ReadProblem | None]:
    """A regular file's bytes, at most `max_bytes` of them, or why they cannot be had."""
    if file.boundary is not None and not _link_stays_inside(file.path, file.boundary):
        return None, ReadProblem(
            "BC003",
            "not read: a symbolic link to a file outside the checked directory "
            "or under a hidden name",
            hint="check the target itself (name it on the command line), not a link to it",
        )
    try:
        data = _read_regular_file(file.path, max_bytes)
    except _TooBig as too_big:
        return None, _too_big(too_big.size, max_bytes)
    except _NotRegular as not_regular:
        return None, ReadProblem(
            "BC003", f"not read: it is {not_regular.kind}, not a regular file",
            hint="give billcheck regular files, or exclude this path",
        )
    except IsADirectoryError:
        return None, ReadProblem("BC003", "cannot read file: it is a directory")
    except OSError as error:
        return None, ReadProblem("BC003", f"cannot read file: {error.strerror or error}")
    if len(data) > max_bytes:
        return None, _too_big(len(data), max_bytes)
    return data, None


class _TooBig(Exception):
    """The file is larger than the limit (its size, from the file system)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class _NotRegular(Exception):
    """The path is a FIFO, a device, a socket or a directory: nothing to read as a file."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """At most `max_bytes + 1` bytes of a regular file; never opens anything else for long.

    The type is checked before opening (opening a FIFO blocks until a writer comes; opening
    some devices has effects) and again on the open descriptor, which O_NONBLOCK keeps from
    blocking should the path have been swapped in between.
    """
    _ensure_regular(os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    with os.fdopen(os.open(path, flags | getattr(os, "O_BINARY", 0)), "rb") as stream:
        status = os.fstat(stream.fileno())
        _ensure_regular(status.st_mode)
        if status.st_size > max_bytes:
            raise _TooBig(status.st_size)
        return stream.read(max_bytes + 1)


def _ensure_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise _NotRegular(_FILE_KINDS.get(stat.S_IFMT(mode), "a special file"))


def _link_stays_inside(path: Path, boundary: Path) -> bool:
    """Whether `path` is no link, or a link whose target the walk could reach without it.

    The target must lie inside `boundary` and under no hidden name that the link itself
    does not already stand under.
    """
    if not path.is_symlink():
        return True
    root = Path(os.path.realpath(boundary))
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(root):
        return False
    parts = target.relative_to(root).parts
    link_dir = Path(os.path.realpath(path.parent))
    own = link_dir.relative_to(root).parts if link_dir.is_relative_to(root) else ()
    shared = 0
    while shared < min(len(own), len(parts)) and own[shared] == parts[shared]:
        shared += 1
    return not any(part.startswith(".") for part in parts[shared:])


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
