"""Hierarchy rules on trees too large to write as rule cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from validator.checker import RuleSelection, check_paths
from validator.config import Config

CYCLE_LENGTH = 20_000


def test_a_cycle_of_20000_accounts_is_one_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = ["accounts:"]
    for index in range(CYCLE_LENGTH):
        parent = (index + 1) % CYCLE_LENGTH
        lines.append(f"  - {{code: a{index:05d}, name: A, emailAddress: a@x.example, "
                     f"parentAccount: a{parent:05d}}}")
    write_tree(tmp_path, {"accounts.yaml": "\n".join(lines) + "\n"})

    result = check_paths(["."], Config(), RuleSelection(), tmp_path)

    assert [(f.rule, f.location.line, f.location.column, f.message) for f in result.findings] == [
        ("BC204", 2, 71,
         "the parent links of 20000 accounts form a cycle: "
         "'a00000' -> 'a00001' -> 'a00002' -> 'a00003' -> ... -> 'a19999' -> 'a00000'"),
    ]
