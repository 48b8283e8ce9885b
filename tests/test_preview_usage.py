"""Usage input: CSV and JSON Lines rows, timestamps in the organization's timezone, and
malformed rows reported with file, line and column."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from validator.preview.usage import (
    MAX_LISTED_ERRORS,
    UnreadableUsage,
    UsageReader,
    UsageSource,
    parse_timestamp,
)

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def read(path: Path, text: str | bytes, zone: ZoneInfo = UTC) -> tuple[list, list[str]]:
    """(rows, errors as `path:line:col: message`) of one usage file."""
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    reader = UsageReader({"acme", "globex"}, {"calls", "storage"}, zone)
    rows = [
        (account, aggregation, day.isoformat(), value, line)
        for account, aggregation, day, _, value, line in reader.rows(UsageSource(path.name, path))
    ]
    errors = [
        f"{e.location.path}:{e.location.line}:{e.location.column}: {e.message}"
        for e in reader.errors
    ]
    return rows, errors


# --- timestamps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day", "instant"),
    [
        ("2025-01-31", "2025-01-31", datetime(2025, 1, 31, 5, tzinfo=timezone.utc)),
        ("2025-01-31T23:30:00", "2025-01-31", datetime(2025, 2, 1, 4, 30, tzinfo=timezone.utc)),
        ("2025-02-01T03:00:00Z", "2025-01-31", datetime(2025, 2, 1, 3, tzinfo=timezone.utc)),
        ("2025-02-01T06:00:00+01:00", "2025-02-01",
         datetime(2025, 2, 1, 5, tzinfo=timezone.utc)),
        # Summer time: New York is UTC-4 in July.
        ("2025-07-01T03:30:00+00:00", "2025-06-30",
         datetime(2025, 7, 1, 3, 30, tzinfo=timezone.utc)),
    ],
)
def test_timestamp_is_a_calendar_day_in_the_organizations_timezone(
    text: str, day: str, instant: datetime
) -> None:
    parsed_day, parsed_instant = parse_timestamp(text, NEW_YORK)
    assert parsed_day == date.fromisoformat(day)
    assert parsed_instant == instant


@pytest.mark.parametrize("text", ["2025-02-30", "yesterday", "2025-01-01T25:00:00", ""])
def test_bad_timestamp_raises(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text, UTC)


# --- CSV -----------------------------------------------------------------------------------


def test_csv_rows_are_read_exactly(tmp_path: Path) -> None:
    rows, errors = read(tmp_path / "u.csv", (
        "account,aggregation,timestamp,value\n"
        "acme,calls,2025-01-05,1.005\n"
        "\n"
        " globex , storage ,2025-01-06T10:00:00Z, 7 \n"
    ))
    assert errors == []
    assert rows == [
        ("acme", "calls", "2025-01-05", Decimal("1.005"), 2),
        ("globex", "storage", "2025-01-06", Decimal("7"), 4),
    ]


def test_csv_columns_may_come_in_any_order_with_extra_ones(tmp_path: Path) -> None:
    rows, errors = read(tmp_path / "u.csv", (
        "value,note,timestamp,aggregation,account\n"
        '3,"a, quoted note",2025-01-05,calls,acme\n'
    ))
    assert errors == []
    assert rows == [("acme", "calls", "2025-01-05", Decimal("3"), 2)]


def test_csv_header_must_name_every_column(tmp_path: Path) -> None:
    rows, errors = read(tmp_path / "u.csv", "account,aggregation,time,value\nacme,calls,x,1\n")
    assert rows == []
    assert errors == [
        "u.csv:1:1: usage header lacks column 'timestamp' (found account,aggregation,time,value)"
    ]


def test_empty_csv_file_lacks_its_header(tmp_path: Path) -> None:
    _, errors = read(tmp_path / "u.csv", "")
    assert errors == [
        "u.csv:1:1: usage header lacks columns 'account', 'aggregation', 'timestamp', "
        "'value' (found nothing)"
    ]


def test_malformed_csv_rows_name_line_and_column(tmp_path: Path) -> None:
    rows, errors = read(tmp_path / "u.csv", (
        "account,aggregation,timestamp,value\n"
        "acme,calls,2025-01-05,1\n"
        "acm,calls,2025-01-05,1\n"
        "acme,cals,2025-01-05,1\n"
        "acme,calls,2025-13-01,1\n"
        "acme,calls,2025-01-05,ten\n"
        "acme,calls,2025-01-05,NaN\n"
        "acme,calls,2025-01-05\n"
        "zzz,calls,2025-01-05,1\n"
    ))
    assert rows == [("acme", "calls", "2025-01-05", Decimal("1"), 2)]
    assert errors == [
        "u.csv:3:1: unknown account 'acm' (did you mean 'acme'?)",
        "u.csv:4:6: unknown aggregation 'cals' (did you mean 'calls'?)",
        "u.csv:5:12: bad timestamp '2025-13-01'",
        "u.csv:6:23: bad number 'ten' in value",
        "u.csv:7:23: bad number 'NaN' in value",
        "u.csv:8:1: row has 3 columns, the header has 4",
        "u.csv:9:1: unknown account 'zzz'",
    ]


def test_a_file_of_bad_rows_lists_the_first_ones_and_counts_the_rest(tmp_path: Path) -> None:
    bad_rows = "".join("nobody,calls,2025-01-05,1\n" for _ in range(MAX_LISTED_ERRORS + 5))
    _, errors = read(tmp_path / "u.csv", "account,aggregation,timestamp,value\n" + bad_rows)
    assert len(errors) == MAX_LISTED_ERRORS + 1
    assert errors[-1] == f"u.csv:{MAX_LISTED_ERRORS + 2}:1: 5 more malformed rows in this " \
        "file are not listed"


def test_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    text = b"account,aggregation,timestamp,value\nacme,calls,2025-01-05,1\n\xc3\xa9t\xe9,calls\n"
    _, errors = read(tmp_path / "u.csv", text)
    assert errors == ["u.csv:3:3: file is not valid UTF-8: byte 0xE9 cannot be decoded"]


def test_csv_that_the_parser_rejects_is_an_error(tmp_path: Path) -> None:
    huge = "x" * 200_000
    rows, errors = read(tmp_path / "u.csv", (
        "account,aggregation,timestamp,value\n"
        "acme,calls,2025-01-05,1\n"
        f"acme,calls,2025-01-05,{huge}\n"
    ))
    assert rows == [("acme", "calls", "2025-01-05", Decimal("1"), 2)]
    assert errors == ["u.csv:3:1: unreadable CSV: field larger than field limit (131072)"]


def test_unreadable_file_cannot_run(tmp_path: Path) -> None:
    reader = UsageReader(set(), set(), UTC)
    with pytest.raises(UnreadableUsage, match="cannot read usage file gone.csv"):
        list(reader.rows(UsageSource("gone.csv", tmp_path / "gone.csv")))


# --- JSON Lines ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["u.jsonl", "u.ndjson", "u.txt"])
def test_json_lines_by_extension_or_by_content(tmp_path: Path, name: str) -> None:
    rows, errors = read(tmp_path / name, (
        '{"account": "acme", "aggregation": "calls", "timestamp": "2025-01-05", "value": 1.005}\n'
        "\n"
        '{"account": "acme", "aggregation": "calls", "timestamp": "2025-01-06", "value": "2"}\n'
    ))
    assert errors == []
    assert rows == [
        ("acme", "calls", "2025-01-05", Decimal("1.005"), 1),
        ("acme", "calls", "2025-01-06", Decimal("2"), 3),
    ]


def test_malformed_json_lines_name_the_line(tmp_path: Path) -> None:
    _, errors = read(tmp_path / "u.jsonl", (
        '{"account": "acme", "aggregation": "calls", "timestamp": "2025-01-05"}\n'
        "[1, 2]\n"
        "{not json\n"
        '{"account": "acme", "aggregation": "calls", "timestamp": "2025-01-05", "value": true}\n'
        '{"account": 7, "aggregation": "calls", "timestamp": "2025-01-05", "value": 1}\n'
        '{"account": "acme", "aggregation": "calls", "timestamp": 20250105, "value": 1}\n'
    ))
    assert errors == [
        "u.jsonl:1:1: missing key 'value'",
        "u.jsonl:2:1: not a JSON object: each line must be one {...} row",
        "u.jsonl:3:1: not a JSON object: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        "u.jsonl:4:1: bad number True in value",
        "u.jsonl:5:1: account must be a string, not 7",
        "u.jsonl:6:1: bad timestamp 20250105",
    ]


def test_csv_extension_is_read_as_csv_even_if_it_looks_like_json(tmp_path: Path) -> None:
    _, errors = read(tmp_path / "u.csv", '{"account": "acme"}\n')
    assert errors[0].startswith("u.csv:1:1: usage header lacks")
