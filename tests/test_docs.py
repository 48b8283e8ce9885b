"""The generated docs pages match what the rule docs and schemas generate now."""

from __future__ import annotations

import pytest

from validator.docgen import pages


@pytest.mark.parametrize(
    ("path", "text"), list(pages().items()), ids=lambda v: getattr(v, "name", "")
)
def test_generated_page_is_up_to_date(path, text) -> None:  # type: ignore[no-untyped-def]
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} is stale: run `python -m validator.docgen`"
    )
