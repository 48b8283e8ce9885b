"""Usage input for the preview: CSV or JSON Lines files, read one row at a time.

A usage file has the columns (CSV header) or keys (JSON Lines) `account`, `aggregation`,
`timestamp` and `value`. The format is chosen by extension (`.jsonl` / `.ndjson` are JSON
Lines, `.csv` is CSV), else by the first character (`{` means JSON Lines). Rows are
yielded as they are read and never kept, so a file of millions of rows needs no more
memory than a small one.

A malformed row (missing column, bad number, bad timestamp, unknown account or
aggregation) becomes an error finding naming the file, line and column; the caller
decides that no bill comes out of a file with errors. Blank lines are skipped.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from validator.findings import EntityRef, Finding, Location

COLUMNS = ("account", "aggregation", "timestamp", "value")
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
ROW_ERROR = "usage-row"
UNRATED_USAGE = "unrated-usage"
# A file in the wrong shape makes every row an error; past this many, only count them.
MAX_LISTED_ERRORS = 100

_NUMBER_TYPES = (str, int, Decimal)  # not bool: a JSON true is no number

UsageRow = tuple[str, str, date, datetime, Decimal, int]
"""(account, aggregation, local day, instant, value, line number) of one good row."""


class UnreadableUsage(Exception):
    """A usage file that cannot be opened at all (the command cannot run: exit 2)."""


@dataclass(frozen=True)
class UsageSource:
    """One `--usage` file: how findings name it and where it is."""

    display: str
    path: Path


@dataclass
class RowErrors:
    """The malformed rows of one file: the first MAX_LISTED_ERRORS listed, the rest counted."""

    display: str
    listed: list[Finding] = field(default_factory=list)
    unlisted: int = 0
    first_unlisted_line: int = 0

    def add(self, line: int, column: int, message: str, hint: str | None = None) -> None:
        """Record one malformed row."""
        if len(self.listed) < MAX_LISTED_ERRORS:
            location = Location(self.display, line, column)
            self.listed.append(Finding(ROW_ERROR, "error", message, location, hint=hint))
            return
        if not self.unlisted:
            self.first_unlisted_line = line
        self.unlisted += 1

    def findings(self) -> list[Finding]:
        """The listed errors, then one finding that counts the rest."""
        if not self.unlisted:
            return list(self.listed)
        more = Finding(
            ROW_ERROR, "error",
            f"{self.unlisted} more malformed rows in this file are not listed",
            Location(self.display, self.first_unlisted_line, 1),
        )
        return [*self.listed, more]


def parse_timestamp(text: str, zone: tzinfo) -> tuple[date, datetime]:
    """A row's calendar day in the organization's timezone, and its instant.

    An ISO date is that day at midnight; a date-time without an offset is a wall-clock
    time in `zone`; one with an offset (or `Z`) is converted to `zone`. Raises ValueError.
    """
    if len(text) == 10:
        day = date.fromisoformat(text)
        return day, datetime(day.year, day.month, day.day, tzinfo=zone)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.date(), moment.replace(tzinfo=zone)
    local = moment.astimezone(zone)
    return local.date(), local


def parse_value(value: Any) -> Decimal:
    """A usage value as an exact Decimal: a decimal string or a JSON number. Raises ValueError."""
    if value.__class__ not in _NUMBER_TYPES:
        raise ValueError(value)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


class UsageReader:
    """Reads usage files against the configuration's accounts and aggregations."""

    def __init__(
        self, accounts: Collection[str], aggregations: Collection[str], zone: tzinfo
    ) -> None:
        self.accounts = accounts
        self.aggregations = aggregations
        self.zone = zone
        self.errors: list[Finding] = []

    def rows(self, source: UsageSource) -> Iterator[UsageRow]:
        """Every good row of the file; its malformed rows are added to `errors`."""
        errors = RowErrors(source.display)
        try:
            with source.path.open("rb") as raw:
                parse = self._json_rows if _is_json_lines(source.path, raw) else self._csv_rows
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                try:
                    yield from parse(text, errors)
                except UnicodeDecodeError:
                    line, column, byte = _first_undecodable(source.path)
                    errors.add(line, column, f"file is not valid UTF-8: byte 0x{byte:02X} "
                               "cannot be decoded", "save the usage file as UTF-8")
        except OSError as error:
            raise UnreadableUsage(
                f"cannot read usage file {source.display}: {error.strerror or error}"
            ) from None
        finally:
            self.errors.extend(errors.findings())

    # -- CSV ------------------------------------------------------------------------

    def _csv_rows(self, text: io.TextIOWrapper, errors: RowErrors) -> Iterator[UsageRow]:
        reader = csv.reader(text)
        header = next(reader, None)
        positions = _header_positions(header, errors)
        if positions is None:
            return
        width = len(header or ())
        try:
            yield from self._csv_body(reader, positions, width, errors)
        except csv.Error as error:
            errors.add(reader.line_num, 1, f"unreadable CSV: {error}")

    def _csv_body(
        self, reader: Any, positions: list[int], width: int, errors: RowErrors
    ) -> Iterator[UsageRow]:
        at_account, at_aggregation, at_timestamp, at_value = positions
        accounts, aggregations, zone = self.accounts, self.aggregations, self.zone
        for fields in reader:
            if len(fields) != width:
                if fields and (len(fields) > 1 or fields[0].strip()):
                    errors.add(reader.line_num, 1,
                               f"row has {len(fields)} columns, the header has {width}",
                               "columns: " + ",".join(COLUMNS))
                continue
            # The hot loop of a million-row file: `_row` inlined, checks in the same order.
            account = fields[at_account].strip()
            aggregation = fields[at_aggregation].strip()
            if account in accounts and aggregation in aggregations:
                try:
                    day, instant = parse_timestamp(fields[at_timestamp].strip(), zone)
                    value = Decimal(fields[at_value])
                except (ValueError, ArithmeticError):
                    pass
                else:
                    if value.is_finite():
                        yield account, aggregation, day, instant, value, reader.line_num
                        continue
            values = [fields[i] for i in positions]
            columns = [_csv_column(fields, i) for i in positions]
            self._report(values, reader.line_num, errors, columns)

    # -- JSON Lines -----------------------------------------------------------------

    def _json_rows(self, text: io.TextIOWrapper, errors: RowErrors) -> Iterator[UsageRow]:
        for line, content in enumerate(text, start=1):
            if not content.strip():
                continue
            try:
                record = json.loads(content, parse_float=Decimal)
            except ValueError as error:
                errors.add(line, 1, f"not a JSON object: {error}")
                continue
            if not isinstance(record, dict):
                errors.add(line, 1, "not a JSON object: each line must be one {...} row")
                continue
            missing = [key for key in COLUMNS if key not in record]
            if missing:
                errors.add(line, 1, f"missing {_names(missing, 'key')}",
                           "keys: " + ", ".join(COLUMNS))
                continue
            account, aggregation, timestamp, value = values = [record[key] for key in COLUMNS]
            row = self._row(account, aggregation, timestamp, value, line)
            if row is not None:
                yield row
            else:
                self._report(values, line, errors, [1, 1, 1, 1])

    # -- one row ----------------------------------------------------------------------

    def _row(
        self, account: Any, aggregation: Any, timestamp: Any, value: Any, line: int
    ) -> UsageRow | None:
        """The row when all four values are good, else None (then `_report` says why)."""
        try:
            account = account.strip()
            aggregation = aggregation.strip()
            if account not in self.accounts or aggregation not in self.aggregations:
                return None
            day, instant = parse_timestamp(timestamp.strip(), self.zone)
            number = parse_value(value)
        except (AttributeError, TypeError, ValueError, OverflowError):
            return None
        return account, aggregation, day, instant, number, line

    def _report(
        self, values: list[Any], line: int, errors: RowErrors, columns: list[int]
    ) -> None:
        """Say what is wrong with a row `_row` refused: the first bad value, at its column."""
        account, aggregation, timestamp, value = values
        if not isinstance(account, str) or account.strip() not in self.accounts:
            errors.add(line, columns[0], _unknown("account", account, self.accounts))
        elif not isinstance(aggregation, str) or aggregation.strip() not in self.aggregations:
            errors.add(line, columns[1], _unknown("aggregation", aggregation, self.aggregations))
        elif not _parses(lambda: parse_timestamp(timestamp.strip(), self.zone)):
            errors.add(line, columns[2], f"bad timestamp {timestamp!r}",
                       "write an ISO date (2025-01-31) or date-time (2025-01-31T09:30:00+01:00)")
        else:
            errors.add(line, columns[3], f"bad number {value!r} in value")


def _parses(parse: Callable[[], object]) -> bool:
    try:
        parse()
    except (AttributeError, TypeError, ValueError, OverflowError):
        return False
    return True


def _first_undecodable(path: Path) -> tuple[int, int, int]:
    """(line, column, byte) of the first byte that is not UTF-8; a second pass, on error only."""
    with path.open("rb") as raw:
        for number, content in enumerate(raw, start=1):
            try:
                content.decode("utf-8")
            except UnicodeDecodeError as error:
                column = len(content[: error.start].decode("utf-8")) + 1
                return number, column, content[error.start]
    return 1, 1, 0


def _is_json_lines(path: Path, raw: io.BufferedReader) -> bool:
    """JSON Lines by extension, else when the first non-blank character is `{`."""
    suffix = path.suffix.lower()
    if suffix in JSON_LINES_SUFFIXES:
        return True
    if suffix == ".csv":
        return False
    start = raw.peek(4096)[:4096]
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _header_positions(header: list[str] | None, errors: RowErrors) -> list[int] | None:
    """Where each of COLUMNS is in the header; None after reporting a bad header."""
    names = [name.strip() for name in header or ()]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        found = ",".join(names) if names else "nothing"
        errors.add(1, 1, f"usage header lacks {_names(missing, 'column')} (found {found})",
                   "the first line must be: " + ",".join(COLUMNS))
        return None
    return [names.index(column) for column in COLUMNS]


def _csv_column(fields: list[str], index: int) -> int:
    """The 1-based column where field `index` starts (exact for unquoted fields)."""
    return 1 + sum(len(value) + 1 for value in fields[:index])


def _names(missing: Iterable[str], noun: str) -> str:
    names = list(missing)
    plural = noun if len(names) == 1 else noun + "s"
    return f"{plural} " + ", ".join(f"'{name}'" for name in names)


def _unknown(noun: str, value: Any, known: Collection[str]) -> str:
    """`unknown account 'acm' (did you mean 'acme'?)`."""
    if not isinstance(value, str):
        return f"{noun} must be a string, not {value!r}"
    close = difflib.get_close_matches(value.strip(), list(known), n=1, cutoff=0.6)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {noun} {value.strip()!r}{suggestion}"


def unrated_warning(account: str, count: int, display: str, line: int) -> Finding:
    """The warning for rows inside the window that no previewed plan rates."""
    rows, verb = ("row", "is") if count == 1 else ("rows", "are")
    return Finding(
        UNRATED_USAGE, "warning",
        f"{count} usage {rows} of account '{account}' inside the preview window "
        f"{verb} not rated by any previewed plan (first at this line)",
        Location(display, line, 1),
        EntityRef("account", account),
        "attach a plan whose pricing rates this aggregation on those days, or drop the rows",
    )
