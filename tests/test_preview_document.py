"""The preview document: number formats, bill grouping and the streamed JSON text."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from fractions import Fraction

from validator.findings import Finding, Location
from validator.preview.document import Line, Preview, proration_text
from validator.preview.schedule import Window

D = date.fromisoformat
WINDOW = Window(D("2025-01-01"), D("2025-02-01"))


def line(account: str, amount: str, bill_date: str = "2025-02-01", **changes: object) -> Line:
    fields: dict[str, object] = dict(
        account=account, bill_date=D(bill_date), type="USAGE", product="api", plan="pro",
        account_plan=None, child_account=None, aggregation="calls", pricing=None,
        period=(D("2025-01-01"), D("2025-02-01")), quantity=Decimal("150.00"),
        unit_price=None, bands=None, proration=Fraction(1), amount=Decimal(amount),
    )
    fields.update(changes)
    return Line(**fields)  # type: ignore[arg-type]


def test_proration_is_printed_to_six_places_without_trailing_zeros() -> None:
    assert proration_text(Fraction(14, 31)) == "0.451613"
    assert proration_text(Fraction(1)) == "1"
    assert proration_text(Fraction(1, 2)) == "0.5"
    assert proration_text(Fraction(1, 10**7)) == "0"


def test_bills_group_lines_sort_by_account_then_date_and_drop_zero_lines() -> None:
    preview = Preview(WINDOW, [], [
        line("zeta", "1.00"),
        line("acme", "2.50", "2025-03-01"),
        line("acme", "0.00"),
        line("acme", "1.25"),
        line("acme", "0.00", "2025-04-01"),
    ], lambda account: "USD", set())
    document = preview.document()
    assert [(b["account"], b["billDate"], b["total"]) for b in document["bills"]] == [
        ("acme", "2025-02-01", "1.25"),
        ("acme", "2025-03-01", "2.50"),
        ("zeta", "2025-02-01", "1.00"),
    ]
    assert document["bills"][0]["lineItems"][0] == {
        "type": "USAGE", "product": "api", "plan": "pro", "accountPlan": None,
        "childAccount": None, "aggregation": "calls", "pricing": None,
        "servicePeriod": {"start": "2025-01-01", "end": "2025-02-01"},
        "quantity": "150", "unitPrice": None, "bands": None, "prorationFactor": "1",
        "amount": "1.25",
    }


def test_streamed_json_is_the_document() -> None:
    warning = Finding("BC305", "warning", "a gap", Location("a.yaml", 3, 5))
    for lines in ([], [line("acme", "1.25"), line("zeta", "1.00")]):
        preview = Preview(WINDOW, [warning], lines, lambda account: "USD", set())
        out = io.StringIO()
        preview.write_json(out)
        assert json.loads(out.getvalue()) == preview.document()
        assert list(json.loads(out.getvalue())) == ["from", "to", "warnings", "bills"]
