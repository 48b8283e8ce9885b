"""The config file, `.billcheck.yaml`: paths, excludes, rule severities, limits, asOf.

It is read with the same safe loader as the tree and validated by
`schemas/config.schema.json`; a config file that cannot be used is an error naming its
file, line and column (exit status 2), never a guess.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loading import LoadLimits
from .tree import SourceFile, link_boundary, read_text

CONFIG_NAME = ".billcheck.yaml"
LIMIT_FIELDS = {
    "maxFileBytes": "max_file_bytes",
    "maxTotalBytes": "max_total_bytes",
    "maxDepth": "max_depth",
    "maxAliasNodes": "max_alias_nodes",
    "maxEntities": "max_entities",
}


class ConfigError(Exception):
    """The config file cannot be used; the message names the file, line and column."""


@dataclass(frozen=True)
class Config:
    """Settings from the config file (all optional)."""

    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rules: dict[str, str] = field(default_factory=dict)
    limits: LoadLimits = field(default_factory=LoadLimits)
    as_of: datetime.date | None = None
    source: str | None = None


def load_config(explicit: str | None, cwd: Path) -> Config:
    """The config from `--config FILE`, else `.billcheck.yaml` in `cwd`, else defaults."""
    if explicit is not None:
        path = Path(explicit) if Path(explicit).is_absolute() else cwd / explicit
        if not path.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        shown = explicit
    else:
        path = cwd / CONFIG_NAME
        if not path.is_file():
            return Config()
        shown = CONFIG_NAME
    return _parse(path, shown, cwd)


def _parse(path: Path, shown: str, cwd: Path) -> Config:
    from .yamlload import load  # only a run with a config file pays for the YAML parser

    # Like a file of the tree, a config file that is a link may only point inside the checkout.
    text, problem = read_text(SourceFile(shown, path, link_boundary(path, cwd)), 1024 * 1024)
    if problem is not None:
        raise ConfigError(f"{shown}:{problem.mark[0]}:{problem.mark[1]}: {problem.message}")
    assert text is not None
    loaded = load(text)
    if loaded.fatal is not None:
        line, column = loaded.fatal.mark
        raise ConfigError(f"{shown}:{line}:{column}: {loaded.fatal.message}")
    if loaded.duplicates:
        first = loaded.duplicates[0]
        raise ConfigError(f"{shown}:{first.mark[0]}:{first.mark[1]}: {first.message}")
    data = loaded.documents[0] if loaded.documents else None
    if data is None:
        return Config(source=shown)
    _validate(data, loaded, shown)
    _check_paths_stay_inside(data, loaded, shown, cwd)
    return _build(data, shown)


def _validate(data: Any, loaded: Any, shown: str) -> None:
    from .schema import validator

    try:
        errors = list(validator("config").iter_errors(data))
    except ValueError as unsupported:
        raise ConfigError(f"{shown}:1:1: {unsupported}") from None
    if not errors:
        return
    first = errors[0]
    node: Any = data
    line, column = loaded.positions.start(data) or (1, 1)
    for step in first.instance_path:
        mark = loaded.positions.value_mark(node, step)
        if mark is None:
            break
        line, column = mark
        node = node[step]
    where = "/".join(map(str, first.instance_path)) or "top level"
    raise ConfigError(f"{shown}:{line}:{column}: invalid config at {where}: {first.message}")


def _check_paths_stay_inside(data: Any, loaded: Any, shown: str, cwd: Path) -> None:
    """Config `paths` may not leave the working directory.

    The config file is usually part of the checked repository, so whoever edits it in a
    pull request could otherwise make billcheck read (and quote in findings) files from
    anywhere on the machine that runs the check. Paths named on the command line are not
    limited: whoever writes the command line already controls the machine.
    """
    root = Path(os.path.realpath(cwd))
    entries = data.get("paths") or []
    for index, entry in enumerate(entries):
        if Path(os.path.realpath(cwd / entry)).is_relative_to(root):
            continue
        line, column = loaded.positions.value_mark(entries, index) or (1, 1)
        raise ConfigError(
            f"{shown}:{line}:{column}: paths entry {entry!r} leads outside the working "
            "directory; config paths must stay inside it (name other paths on the command line)"
        )


def _build(data: dict[str, Any], shown: str) -> Config:
    limits = LoadLimits(**{
        LIMIT_FIELDS[name]: value for name, value in (data.get("limits") or {}).items()
    })
    as_of = data.get("asOf")
    return Config(
        paths=tuple(data.get("paths") or ()),
        exclude=tuple(data.get("exclude") or ()),
        rules={rule_id.upper(): level for rule_id, level in (data.get("rules") or {}).items()},
        limits=limits,
        as_of=datetime.date.fromisoformat(as_of) if isinstance(as_of, str) else None,
        source=shown,
    )
