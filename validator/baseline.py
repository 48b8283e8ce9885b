"""Baseline files: accept the findings a tree has today and fail only on new ones.

A baseline is a JSON file, `{"version": 1, "tool": "billcheck", "findings": [{"rule",
"path", "entity", "message"}]}`. A finding matches a baseline entry by rule, entity
(kind and code) and message — the SPEC's matching of findings for `diff` — never by line
or column, so edits elsewhere in a file, or moving an entity to another file, keep it
matched. A finding without an entity, or whose entity has no code, has nothing else to
tell it apart, so its path takes part in the match too. Each entry matches one finding:
three identical findings against a baseline of two leave one new finding.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .checker import CheckResult
from .findings import Finding

BASELINE_VERSION = 1

# (rule, kind, code, path or "", message)
Key = tuple[str, str, str, str, str]


class BaselineError(Exception):
    """The baseline file cannot be read or written; the message names the file."""


def finding_key(finding: Finding) -> Key:
    """What a baseline entry must share with a finding to match it."""
    entity = finding.entity
    kind = entity.kind if entity is not None else ""
    code = entity.code if entity is not None and entity.code is not None else None
    path = "" if code is not None else finding.location.path
    return (finding.rule, kind, code or "", path, finding.message)


def entry_key(entry: dict[str, Any]) -> Key:
    """The key of one entry of a baseline file, as `finding_key` builds it for a finding."""
    entity = entry.get("entity")
    kind = entity["kind"] if entity else ""
    code = entity["code"] if entity else None
    path = "" if code is not None else entry["path"]
    return (entry["rule"], kind, code or "", path, entry["message"])


def baseline_document(findings: Iterable[Finding]) -> dict[str, Any]:
    """The baseline of these findings, in the text output's order."""
    entries = []
    for finding in sorted(findings, key=Finding.sort_key):
        entity = finding.entity
        entries.append({
            "rule": finding.rule,
            "path": finding.location.path,
            "entity": {"kind": entity.kind, "code": entity.code} if entity else None,
            "message": finding.message,
        })
    return {"version": BASELINE_VERSION, "tool": "billcheck", "findings": entries}


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    """Write the baseline file (replacing it)."""
    text = json.dumps(baseline_document(findings), indent=2, ensure_ascii=False) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BaselineError(f"cannot write baseline {path}: {error.strerror or error}") from None


def read_baseline(path: Path) -> Counter[Key]:
    """The entries of a baseline file, counted by key."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"cannot read baseline {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline {path} is not a JSON file: {error}") from None
    except RecursionError:  # json's decoder recurses once per nesting level
        raise BaselineError(f"baseline {path} nests too deeply to be a baseline") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"baseline {path} is not a billcheck baseline of version {BASELINE_VERSION}"
        )
    entries = data.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f"baseline {path}: 'findings' must be a list")
    for number, entry in enumerate(entries, start=1):
        if not _valid_entry(entry):
            raise BaselineError(
                f"baseline {path}: finding #{number} needs string 'rule', 'path' and "
                "'message', and 'entity' null or {kind, code}"
            )
    return Counter(entry_key(entry) for entry in entries)


def _valid_entry(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    if not all(isinstance(entry.get(name), str) for name in ("rule", "path", "message")):
        return False
    entity = entry.get("entity")
    return entity is None or (
        isinstance(entity, dict)
        and isinstance(entity.get("kind"), str)
        and (entity.get("code") is None or isinstance(entity.get("code"), str))
    )


def apply_baseline(result: CheckResult, accepted: Counter[Key]) -> CheckResult:
    """The result without the findings the baseline accepts, counting how many it left out."""
    remaining = Counter(accepted)
    new = []
    for finding in result.findings:
        key = finding_key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(finding)
    return replace(result, findings=new, baselined=len(result.findings) - len(new))


def accept_all(result: CheckResult) -> CheckResult:
    """The result once every finding is written to a new baseline."""
    return replace(result, findings=[], baselined=len(result.findings))
