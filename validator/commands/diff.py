"""`billcheck diff`: what a change does to billing — entities, findings and bills (SPEC §5).

    billcheck diff BASE HEAD [--from DATE --to DATE] [--usage FILE]... [-- PATH...]
    billcheck diff --git REV [--from DATE --to DATE] [--usage FILE]... [-- PATH...]

`validator.diffing` computes the diff as plain data; this module finds the two sides,
picks the format (text, markdown for a pull-request comment, json) and the exit status:
0 the diff was written and HEAD has no error findings; 1 it was written, but HEAD has
error findings (as `validate` would fail) or the preview found malformed usage rows;
2 the command could not run (bad option or date, missing directory, path or usage file,
unusable config file, not a git repository, unknown revision).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..reporters.text import plural

if TYPE_CHECKING:
    from ..config import Config
    from ..diffing import BillChange, ChangeDiff, EntityChange, Side
    from ..findings import Finding

FORMATS = ("text", "markdown", "json")
# At most this many accounts' bill tables, and entities or findings per list, in
# Markdown: a pull-request comment holds 65,536 characters, a job summary 1 MiB.
MARKDOWN_ACCOUNTS = 50
MARKDOWN_ITEMS = 100
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@click.command(name="diff")
@click.argument("args", nargs=-1, metavar="[BASE HEAD] [-- PATH...]")
@click.option("--git", "revision", metavar="REV",
              help="Compare the tree at git revision REV with the working tree; the "
                   "arguments are then PATHs.")
@click.option("--from", "from_date", metavar="DATE",
              help="First day of the bill preview window (YYYY-MM-DD).")
@click.option("--to", "to_date", metavar="DATE",
              help="Day after the bill preview window (YYYY-MM-DD, exclusive).")
@click.option("--usage", "usage_files", multiple=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="Usage rows for both sides, CSV or JSON Lines (repeatable).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format (markdown: for a pull-request comment).")
@click.option("--output", "output_file", type=click.Path(dir_okay=False),
              help="Write the diff to FILE instead of standard output.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file for both sides (default: .billcheck.yaml in the working "
                   "directory).")
def command(
    args: tuple[str, ...], revision: str | None, from_date: str | None, to_date: str | None,
    usage_files: tuple[str, ...], output_format: str, output_file: str | None,
    config_file: str | None,
) -> None:
    """Show what a change does to billing: entities added, removed and changed, findings
    introduced and resolved, and the bills that change over [--from, --to).

    BASE and HEAD are two directories (PATHs then narrow both to the same sub-paths);
    with --git REV, the tree at REV is compared with the working tree.
    """
    from ..cli import EXIT_FINDINGS, EXIT_OK, UsageFailure
    from ..diffing import compare
    from ..gittree import GitFailure
    from ..preview.usage import UnreadableUsage

    cwd = Path.cwd()
    window = _window(from_date, to_date)
    from .preview import usage_sources

    usage = usage_sources(usage_files, cwd)
    config = _config(config_file, cwd)
    write = WRITERS[output_format]
    try:
        if revision is None:
            names, (base, head) = _directory_sides(args, config, cwd)
            diff = compare(base, head, window, usage)
        else:
            names = (revision, "the working tree")
            diff, head = _revision_diff(revision, args, config, cwd, window, usage)
    except (GitFailure, UnreadableUsage) as error:
        raise UsageFailure(str(error)) from None
    from ..cli import write_output

    write_output(output_file, lambda out: out.write(write(diff, names)))
    _report_preview_errors(diff.bills.errors)
    if head.errors or diff.bills.errors:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


# -- the two sides ----------------------------------------------------------------------


def _directory_sides(
    args: Sequence[str], config: Config, cwd: Path
) -> tuple[tuple[str, str], tuple[Side, Side]]:
    """BASE and HEAD given as directories, each the root of its tree."""
    from ..cli import UsageFailure

    if len(args) < 2:
        raise UsageFailure("name the BASE and HEAD directories to compare (or use --git REV)")
    roots = []
    for name, label in zip(args[:2], ("BASE", "HEAD"), strict=True):
        root = Path(name) if Path(name).is_absolute() else cwd / name
        if not root.is_dir():
            raise UsageFailure(f"{label} directory not found: {name}")
        roots.append(root)
    return (args[0], args[1]), _load_pair(args[2:] or (".",), config, roots[0], roots[1])


def _revision_diff(
    revision: str, paths: Sequence[str], config: Config, cwd: Path, window: Any,
    usage: Sequence[Any],
) -> tuple[ChangeDiff, Side]:
    """The tree at `revision` (read from git, never checked out) against the working tree."""
    from ..diffing import compare
    from ..gittree import revision_tree

    targets = tuple(paths) or config.paths or (".",)
    _check_relative(targets)
    with revision_tree(revision, cwd, targets) as base_root:
        base, head = _load_pair(targets, config, base_root, cwd)
        return compare(base, head, window, usage), head


def _load_pair(
    targets: Sequence[str], config: Config, base_root: Path, head_root: Path
) -> tuple[Side, Side]:
    """Both sides over the same PATHs; a PATH may be missing on one side, not on both."""
    from ..cli import UsageFailure
    from ..diffing import load_side

    _check_relative(targets)
    for target in targets:
        if not (base_root / target).exists() and not (head_root / target).exists():
            raise UsageFailure(f"path not found: {target}")
    return (
        load_side("BASE", [t for t in targets if (base_root / t).exists()], config, base_root),
        load_side("HEAD", [t for t in targets if (head_root / t).exists()], config, head_root),
    )


def _check_relative(targets: Iterable[str]) -> None:
    from ..cli import UsageFailure

    for target in targets:
        if Path(target).is_absolute():
            raise UsageFailure(f"PATHs of a diff are relative (to each side's root), "
                               f"not {target}")


# -- options ----------------------------------------------------------------------------


def _window(from_date: str | None, to_date: str | None) -> Any:
    """The preview window, or None when neither --from nor --to is given."""
    from ..cli import UsageFailure, parse_date
    from ..preview.schedule import Window

    if from_date is None and to_date is None:
        return None
    if from_date is None or to_date is None:
        raise UsageFailure("give both --from and --to for the bill preview (or neither)")
    from .preview import checked_window

    return Window(*checked_window(parse_date(from_date, "--from"), parse_date(to_date, "--to")))


def _config(config_file: str | None, cwd: Path) -> Config:
    from ..cli import UsageFailure
    from ..config import ConfigError, load_config

    try:
        return load_config(config_file, cwd)
    except ConfigError as error:
        raise UsageFailure(str(error)) from None


def _report_preview_errors(errors: Sequence[Finding]) -> None:
    """The rows that kept the bills from being compared, on standard error."""
    from ..reporters.text import TextReporter

    reporter = TextReporter()
    for finding in errors:
        click.echo(_plain(reporter.line(finding)), err=True)


# -- writers ----------------------------------------------------------------------------


def write_json(diff: ChangeDiff, names: tuple[str, str]) -> str:
    """The SPEC §5 document."""
    return json.dumps(diff.document(), indent=2, ensure_ascii=False) + "\n"


def write_markdown(diff: ChangeDiff, names: tuple[str, str]) -> str:
    """A pull-request comment: summary line, bill impact, entities, findings."""
    lines = [_markdown_summary(diff, names)]
    lines += _markdown_bills(diff)
    lines += _markdown_entities(diff)
    lines += _markdown_findings("Findings introduced", diff.findings.introduced)
    lines += _markdown_findings("Findings resolved", diff.findings.resolved)
    return "\n".join(lines) + "\n"


def write_text(diff: ChangeDiff, names: tuple[str, str]) -> str:
    """The diff for a terminal, one item per line."""
    from ..reporters.text import TextReporter

    entities, findings = diff.entities, diff.findings
    lines = [f"BASE: {_plain(names[0])}", f"HEAD: {_plain(names[1])}", "",
             f"Entities: {len(entities.added)} added, {len(entities.removed)} removed, "
             f"{len(entities.changed)} changed"]
    for verb, changes in (("added", entities.added), ("removed", entities.removed),
                          ("changed", entities.changed)):
        for change in changes:
            lines.append(f"  {verb:<8} {_plain(entity_label(change))}")
            lines.extend(f"             {_plain(_field_change(*item, arrow='->'))}"
                         for item in change.fields)
    reporter = TextReporter()
    lines += ["", f"Findings: {len(findings.introduced)} introduced, "
                  f"{len(findings.resolved)} resolved"]
    for verb, found in (("introduced", findings.introduced), ("resolved", findings.resolved)):
        lines.extend(f"  {verb:<10} {_plain(reporter.line(finding))}" for finding in found)
    lines += ["", *_text_bills(diff)]
    return "\n".join(lines) + "\n"


def _text_bills(diff: ChangeDiff) -> list[str]:
    changes = diff.bills.changes
    if changes is None:
        return [f"Bills: {diff.bills.skipped}"]
    assert diff.window is not None
    head = f"Bills {diff.window.start} to {diff.window.end}: {plural(len(changes), 'bill')} changed"
    lines = [head]
    for change in changes:
        lines.append(
            f"  {_plain(change.account)}  {change.bill_date}  {change.currency}  "
            f"{_total(change.before)} -> {_total(change.after)}  ({_signed(change.difference)})"
        )
    if changes:
        lines.append(f"  total difference: {_currency_totals(changes)}")
    return lines


WRITERS: dict[str, Callable[[ChangeDiff, tuple[str, str]], str]] = {
    "text": write_text,
    "markdown": write_markdown,
    "json": write_json,
}


# -- Markdown ---------------------------------------------------------------------------


def md(value: object) -> str:
    """A config-derived value as literal Markdown text on one line."""
    from ..preview.render import escape_markdown

    return escape_markdown(" ".join(str(value).splitlines()))


def _markdown_summary(diff: ChangeDiff, names: tuple[str, str]) -> str:
    entities, findings = diff.entities, diff.findings
    introduced = plural(len(findings.introduced), "finding")
    parts = [
        f"**{plural(len(entities), 'entity', 'entities')} changed** "
        f"({len(entities.added)} added, {len(entities.removed)} removed, "
        f"{len(entities.changed)} changed)",
        f"**{introduced} introduced**, {len(findings.resolved)} resolved",
        _markdown_bill_summary(diff),
    ]
    return f"{md(names[0])} → {md(names[1])}: " + " · ".join(parts) + "."


def _markdown_bill_summary(diff: ChangeDiff) -> str:
    changes = diff.bills.changes
    if changes is None:
        return "bill impact not computed"
    if not changes:
        return "no bill changes"
    accounts = len({change.account for change in changes})
    return (f"**bills {_currency_totals(changes)}** over {plural(len(changes), 'bill')} "
            f"of {plural(accounts, 'account')}")


def _markdown_bills(diff: ChangeDiff) -> list[str]:
    window, changes = diff.window, diff.bills.changes
    title = "### Bill impact" + (f", {window.start} to {window.end}" if window else "")
    lines = ["", title, ""]
    if changes is None:
        return [*lines, f"Not computed: {md(diff.bills.skipped)}."]
    if not changes:
        return [*lines, "No bill changes in this window."]
    by_account: dict[str, list[BillChange]] = {}
    for change in changes:
        by_account.setdefault(change.account, []).append(change)
    for account in list(by_account)[:MARKDOWN_ACCOUNTS]:
        lines += [f"**{md(account)}**", "",
                  "| Bill date | Currency | Before | After | Difference |",
                  "| --- | --- | ---: | ---: | ---: |"]
        lines.extend(
            f"| {change.bill_date} | {md(change.currency)} | {_total(change.before)} | "
            f"{_total(change.after)} | {_signed(change.difference)} |"
            for change in by_account[account]
        )
        lines.append("")
    hidden = len(by_account) - MARKDOWN_ACCOUNTS
    if hidden > 0:
        lines.append(f"… and {plural(hidden, 'more account')} whose bills change "
                     "(`--format json` lists them all).")
    return lines[:-1] if lines[-1] == "" else lines


def _markdown_entities(diff: ChangeDiff) -> list[str]:
    entities = diff.entities
    if not len(entities):
        return []
    lines = ["", "### Entities"]
    for title, changes in (("Added", entities.added), ("Removed", entities.removed),
                           ("Changed", entities.changed)):
        if not changes:
            continue
        lines += ["", f"**{title}**", ""]
        for change in changes[:MARKDOWN_ITEMS]:
            lines.append(f"- {md(entity_label(change))}")
            lines.extend(f"  - {md(_field_change(*item))}" for item in change.fields)
        lines += _more(len(changes))
    return lines


def _markdown_findings(title: str, findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return []
    lines = ["", f"### {title}", ""]
    for finding in findings[:MARKDOWN_ITEMS]:
        where = f"{finding.location.path}:{finding.location.line}:{finding.location.column}"
        lines.append(f"- **{finding.severity}** {finding.rule} {md(where)}: "
                     f"{md(finding.message)}")
    return lines + _more(len(findings))


def _more(count: int) -> list[str]:
    hidden = count - MARKDOWN_ITEMS
    return [f"- … and {hidden} more (`--format json` lists them all)"] if hidden > 0 else []


# -- wording ----------------------------------------------------------------------------


def entity_label(change: EntityChange) -> str:
    """`account plan 'acme-api'`, or `pricing (plan pro, aggregation calls, startDate …)`."""
    from ..entities import KIND_NOUNS

    noun = KIND_NOUNS.get(change.kind, change.kind)
    if change.code is not None:
        return f"{noun} '{change.code}'"
    if change.match:
        return f"{noun} ({', '.join(f'{name} {value}' for name, value in change.match)})"
    return noun


def _field_change(name: str, before: Any, after: Any, arrow: str = "→") -> str:
    return f"{name}: {_shown(before)} {arrow} {_shown(after)}"


def _shown(value: Any) -> str:
    from ..diffing import json_value

    if value is None:
        return "(absent)"
    return json.dumps(json_value(value), ensure_ascii=False)


def _total(total: Decimal | None) -> str:
    return "no bill" if total is None else f"{total:f}"


def _signed(amount: Decimal) -> str:
    return f"{amount:+f}"


def _currency_totals(changes: Iterable[BillChange]) -> str:
    from ..diffing import currency_totals

    return ", ".join(f"{_signed(total)} {currency}"
                     for currency, total in currency_totals(changes).items())



def _plain(text: str) -> str:
    """Text for a terminal: control characters shown as escapes, never sent raw."""
    from ..reporters.text import escape_match

    return _CONTROL.sub(escape_match, text)
