"""The config file, `.billcheck.yaml`: paths, excludes, rule severities, limits, asOf.

It is read with the same safe loader as the tree and validated by
`schemas/config.schema.json`; a config file that cannot be used is an error naming its
file, line and column (exit status 2), never a guess.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loading import LoadLimits
from .tree import SourceFile, read_text

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
    return _parse(path, shown)


def _parse(path: Path, shown: str) -> Config:
    from .yamlload import load  # only a run with a config file pays for the YAML parser

    text, problem = read_text(SourceFile(shown, path), 1024 * 1024)
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
