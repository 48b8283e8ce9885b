"""Stable fingerprints of findings, for tools that track a finding from run to run.

A fingerprint hashes what the finding is about (rule, path, entity, message), never its
line or column, so an edit elsewhere in the file keeps it. Identical findings in one file
(same rule, entity and message) are told apart by their order of occurrence.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from ..findings import Finding


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """One sha256 hex digest per finding, in the findings' order, all distinct."""
    seen: Counter[tuple[str, ...]] = Counter()
    digests = []
    for finding in findings:
        parts = identity(finding)
        occurrence = seen[parts]
        seen[parts] += 1
        if occurrence:
            parts = (*parts, str(occurrence))
        digests.append(hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest())
    return digests


def identity(finding: Finding) -> tuple[str, ...]:
    """Rule, path, entity kind and code, and message: what the fingerprint hashes."""
    entity = finding.entity
    kind = entity.kind if entity is not None else ""
    code = entity.code if entity is not None and entity.code is not None else ""
    return (finding.rule, finding.location.path, kind, code, finding.message)
