"""The load cache: each file's loaded and schema-checked form, kept between runs.

An entry is addressed by a digest of the file's bytes, its display path (messages name
it), and a salt made of everything else that shapes the entry: billcheck's version, the
source of the loading and schema stages, the schema files, the Python and `marshal`
versions, and the limits that affect loading. A changed input is a different address,
so an entry is never stale; the directory can be deleted at any time.

Entries live outside the checked tree: `$BILLCHECK_CACHE_DIR`, else
`$XDG_CACHE_HOME/billcheck`, else `~/.cache/billcheck`. Writing is best effort and
atomic (a temporary file renamed into place), so concurrent runs never see half an
entry, and a run whose cache cannot be written simply runs without one. An entry that
fails its checksum or cannot be decoded is ignored.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

try:  # hashlib's own BLAKE2, without loading OpenSSL as `import hashlib` does (2 ms a run)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b

from . import __version__
from .findings import EntityRef, Finding, Location
from .resources import schemas_dir

ENTRY_FORMAT = 1
_MAGIC = b"BCC2"
_CHECKSUM_SIZE = 4


def cache_directory(environ: dict[str, str] | None = None) -> Path | None:
    """Where entries are kept, after the environment; None when no home can be found."""
    env = os.environ if environ is None else environ
    explicit = env.get("BILLCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = env.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "billcheck"
    try:
        return Path.home() / ".cache" / "billcheck"
    except RuntimeError:  # no home directory can be determined
        return None


def code_salt(limits: Iterable[Any]) -> bytes:
    """Everything besides a file's bytes and path that an entry depends on."""
    digest = blake2b(digest_size=16)
    for part in (
        __version__, ENTRY_FORMAT, sys.version_info[:2], marshal.version, tuple(limits),
    ):
        digest.update(repr(part).encode() + b"\0")
    digest.update(source_digest())
    for schema in sorted(Path(schemas_dir()).glob("*.json")):
        digest.update(schema.name.encode() + b"\0" + _read(schema) + b"\0")
    return digest.digest()


_SOURCE_DIGEST: list[bytes] = []


def source_digest() -> bytes:
    """A digest of billcheck's own source, every module of the package.

    An editable install or a development checkout changes code without changing the
    version: entries and rule records written by other code must not be reused.
    """
    if not _SOURCE_DIGEST:
        digest = blake2b(digest_size=16)
        package = Path(__file__).parent
        for source in sorted(package.rglob("*.py")):
            digest.update(source.relative_to(package).as_posix().encode() + b"\0")
            digest.update(_read(source) + b"\0")
        _SOURCE_DIGEST.append(digest.digest())
    return _SOURCE_DIGEST[0]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0unreadable"


class FileCache:
    """Entries in one directory, addressed by `key()`; reads and writes never raise."""

    def __init__(self, directory: Path, salt: bytes) -> None:
        self.directory = directory / f"v{ENTRY_FORMAT}"
        self._prefix = os.path.join(self.directory, "")
        self.salt = salt
        self.writable = True
        self.hits = 0
        self.misses = 0

    def key(self, display: str, data: bytes) -> str:
        """The address of a file's entry: its bytes, its display path and the salt."""
        digest = blake2b(self.salt, digest_size=20)
        digest.update(display.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return f"{self._prefix}{key[:2]}{os.sep}{key}"

    def get(self, key: str) -> Any:
        """The stored value under `key`, or None when there is none or it is damaged."""
        try:
            with open(self._path(key), "rb") as stored:
                raw = stored.read()
        except OSError:
            self.misses += 1
            return None
        body = raw[len(_MAGIC) + _CHECKSUM_SIZE:]
        checksum = raw[len(_MAGIC):len(_MAGIC) + _CHECKSUM_SIZE]
        if not raw.startswith(_MAGIC) or _checksum(body) != checksum:
            self.misses += 1
            return None
        try:
            value = marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store `value` (plain data `marshal` can write) under `key`, if at all possible."""
        if not self.writable:
            return
        try:
            body = marshal.dumps(value)
        except ValueError:  # a value marshal cannot write (a !!timestamp): not cached
            return
        target = self._path(key)
        try:
            folder = os.path.dirname(target)
            os.makedirs(folder, exist_ok=True)
            handle, scratch = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(_MAGIC + _checksum(body) + body)
                os.replace(scratch, target)
            except BaseException:
                _remove(scratch)
                raise
        except OSError:
            self.writable = False  # a read-only or full disk: carry on without writing


def finding_row(finding: Finding) -> tuple[Any, ...]:
    """A finding as plain data for an entry."""
    entity = (finding.entity.kind, finding.entity.code) if finding.entity else None
    loc = finding.location
    return (finding.rule, finding.severity, finding.message, loc.path, loc.line, loc.column,
            entity, finding.hint, finding.anchor_lines)


def finding_of_row(row: Any) -> Finding:
    """The finding an entry's `finding_row` stands for."""
    rule, severity, message, path, line, column, entity, hint, anchor_lines = row
    return Finding(
        rule, severity, message, Location(path, line, column),
        EntityRef(*entity) if entity is not None else None, hint, tuple(anchor_lines),
    )


def _checksum(body: bytes) -> bytes:
    # CRC-32 finds a truncated or damaged entry at a fraction of a cryptographic hash's cost.
    return zlib.crc32(body).to_bytes(_CHECKSUM_SIZE, "big")


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def open_cache(limits: Iterable[Any], environ: dict[str, str] | None = None) -> FileCache | None:
    """The cache for a run with these loading limits, or None when no directory is known."""
    directory = cache_directory(environ)
    if directory is None:
        return None
    return FileCache(directory, code_salt(limits))
