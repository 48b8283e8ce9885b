"""The config tree as it was at a git revision, for `billcheck diff --git REV`.

SECURITY: this is the one place billcheck runs another program. It runs `git` (found on
PATH) with a fixed argument list and no shell: `git rev-parse`, `git ls-tree` and
`git cat-file --batch`, which only read objects. The revision is resolved to a tree id
before it is used, a revision that starts with `-` is refused (it would read as an
option), and PATHs go after `--` with literal pathspecs (no glob magic). No checkout: the
working tree and the index are never touched, and git's filters (smudge, textconv) do not
run, because blobs are read as stored. The files are written under a fresh temporary
directory outside the repository, which is removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from .tree import YAML_SUFFIXES

GIT = "git"
REGULAR_FILE_MODES = ("100644", "100755")
_CHUNK = 1024 * 1024


class GitFailure(Exception):
    """git could not give the tree (not a repository, unknown revision, no git at all)."""


@contextmanager
def revision_tree(revision: str, cwd: Path, targets: Sequence[str]) -> Iterator[Path]:
    """Write the files of `revision` under `targets` to a temporary directory.

    Yields the directory that stands for `cwd` in that copy, so the same relative PATHs,
    excludes and display paths work on both sides. Only YAML files (and files named
    exactly by a target) are written; symbolic links and submodules are left out.
    """
    if not revision or revision.startswith("-"):
        raise GitFailure(f"--git needs a revision such as main or HEAD~1, not {revision!r}")
    try:
        prefix = _git(cwd, "rev-parse", "--show-prefix").rstrip("\n")
    except GitFailure as failure:
        raise GitFailure(f"--git needs a git repository: {failure}") from None
    tree = _resolve_tree(cwd, revision)
    listing = _git(cwd, "--literal-pathspecs", "ls-tree", "-r", "-z", "--full-name", tree,
                   "--", *targets)
    named = {_full_name(prefix, target) for target in targets}
    wanted = [(oid, path) for oid, path in _blobs(listing) if _is_wanted(path, named)]
    with tempfile.TemporaryDirectory(prefix="billcheck-diff-") as scratch:
        root = Path(scratch)
        _write_blobs(cwd, root, wanted)
        base = root / prefix
        base.mkdir(parents=True, exist_ok=True)
        yield base


def _resolve_tree(cwd: Path, revision: str) -> str:
    try:
        return _git(cwd, "rev-parse", "--verify", "--quiet", f"{revision}^{{tree}}").strip()
    except GitFailure:
        raise GitFailure(f"unknown git revision {revision!r}") from None


def _git(cwd: Path, *arguments: str) -> str:
    """Run git with a fixed argv (no shell) and return its output; failures as GitFailure."""
    try:
        completed = subprocess.run(
            [GIT, *arguments], cwd=cwd, capture_output=True, check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError as error:
        raise GitFailure(f"cannot run git (needed for --git): {error.strerror or error}") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitFailure(message[-1] if message else f"git {arguments[0]} failed")
    return completed.stdout.decode("utf-8", "surrogateescape")


def _blobs(listing: str) -> Iterator[tuple[str, str]]:
    """(object id, repository path) of each regular file in `ls-tree -z` output."""
    for record in listing.split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, kind, oid = meta.split(" ")
        if kind == "blob" and mode in REGULAR_FILE_MODES:
            yield oid, path


def _full_name(prefix: str, target: str) -> str:
    """A PATH relative to the working directory as a repository path (`.` and `..` folded)."""
    return os.path.normpath(os.path.join(prefix, target)).replace(os.sep, "/")


def _is_wanted(path: str, named: set[str]) -> bool:
    return path.endswith(YAML_SUFFIXES) or path in named


def _write_blobs(cwd: Path, root: Path, wanted: list[tuple[str, str]]) -> None:
    """Stream each blob into `root/<path>` through one `git cat-file --batch` process."""
    if not wanted:
        return
    process = subprocess.Popen(
        [GIT, "cat-file", "--batch"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for oid, path in wanted:
            process.stdin.write(f"{oid}\n".encode("ascii"))
            process.stdin.flush()
            _copy_blob(process.stdout, _inside(root, path), oid)
    finally:
        process.stdin.close()
        process.stdout.close()
        process.wait()


def _inside(root: Path, path: str) -> Path:
    """Where a repository path goes under `root`; git never lists `..` or absolute paths."""
    parts = PurePosixPath(path).parts
    if not parts or any(part in ("", ".", "..") for part in parts) or parts[0] == "/":
        raise GitFailure(f"git listed an unexpected path: {path!r}")
    target = root.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _copy_blob(stream: IO[bytes], target: Path, oid: str) -> None:
    header = stream.readline().decode("ascii", "replace").split()
    if len(header) != 3 or header[1] != "blob":
        raise GitFailure(f"git cat-file could not read object {oid}")
    remaining = int(header[2])
    with target.open("wb") as out:
        while remaining:
            chunk = stream.read(min(remaining, _CHUNK))
            if not chunk:
                raise GitFailure(f"git cat-file stopped while reading object {oid}")
            out.write(chunk)
            remaining -= len(chunk)
    stream.read(1)  # the newline after each object
