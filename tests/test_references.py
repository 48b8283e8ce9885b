"""Reference rules beyond what the rule cases show: suggestions in very large trees."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

from validator.checker import RuleSelection, check_paths
from validator.config import Config
from validator.rules import references


def test_suggestions_stop_when_their_budget_is_spent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # Each look-up compares with the 3 known accounts: the first fits a budget of 4, the
    # second does not, and a repeated code reuses the first look-up.
    monkeypatch.setattr(references, "SUGGESTION_BUDGET", 4)
    write_tree(tmp_path, {"accounts.yaml": """\
        accounts:
          - {code: acme, name: Acme, emailAddress: a@x.example}
          - {code: globex, name: Globex, emailAddress: g@x.example}
          - {code: initech, name: Initech, emailAddress: i@x.example}
        accountPlans:
          - {account: acmee, plan: api, startDate: 2024-01-01}
          - {account: globx, plan: api, startDate: 2024-01-01}
          - {account: acmee, plan: api, startDate: 2024-01-01}
        """})

    result = check_paths(["."], Config(), RuleSelection(), tmp_path)

    messages = [f.message for f in result.findings if "unknown account" in f.message]
    assert messages == [
        "account plan at accounts.yaml:6 names an unknown account 'acmee' (did you mean 'acme'?)",
        "account plan at accounts.yaml:7 names an unknown account 'globx'",
        "account plan at accounts.yaml:8 names an unknown account 'acmee' (did you mean 'acme'?)",
    ]
