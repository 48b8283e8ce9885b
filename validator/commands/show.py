"""`billcheck show`: the account overview (SPEC §3, §5) and the hierarchy at a glance.

`validator.overview` computes everything as plain data; this module picks the account,
the date and the format, and writes text, Markdown or JSON. Exit status: 0 when the
overview is shown (findings in the tree do not change it), 1 when the account is written
in the tree but its own findings keep it out of the model, 2 when the command cannot run
(unknown account, bad option, missing path, unusable config file).
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..reporters.text import plural

if TYPE_CHECKING:
    from ..findings import Finding
    from ..overview import (
        AccountOverview,
        CustomField,
        PlanOverview,
        TreeAccount,
        TreeOverview,
    )

FORMATS = ("text", "json", "markdown")


@click.command(name="show")
@click.argument("args", nargs=-1, metavar="ACCOUNT [PATH]...")
@click.option("--tree", "show_tree", is_flag=True,
              help="Show every parent with its children instead of one account; "
                   "all arguments are then paths.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Date of the overview (YYYY-MM-DD; default: the config's asOf, else today).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: .billcheck.yaml in the working directory).")
def command(
    args: tuple[str, ...], show_tree: bool, as_of: str | None, output_format: str,
    config_file: str | None,
) -> None:
    """Show one account: hierarchy, account plans and their status, settings, next bills.

    With --tree, show every parent account with its children instead.
    """
    from ..cli import EXIT_FINDINGS, UsageFailure, parse_date
    from ..config import ConfigError, load_config
    from ..overview import (
        UnknownAccount,
        UnloadableAccount,
        account_overview,
        check_for_overview,
        default_as_of,
        tree_overview,
    )
    from ..tree import MissingPath

    if not show_tree and not args:
        raise UsageFailure("name the account to show (or use --tree)")
    code, paths = (None, args) if show_tree else (args[0], args[1:])
    cwd = Path.cwd()
    try:
        config = load_config(config_file, cwd)
    except ConfigError as error:
        raise UsageFailure(str(error)) from None
    date = parse_date(as_of, "--as-of") or config.as_of
    try:
        checked = check_for_overview(paths or config.paths or (".",), config, cwd)
    except MissingPath as missing:
        raise UsageFailure(f"path not found: {missing}") from None
    date = date or default_as_of(checked.model)
    if code is None:
        click.echo(TREE_WRITERS[output_format](tree_overview(checked, date)), nl=False)
        return
    try:
        overview = account_overview(checked, code, date)
    except UnknownAccount as unknown:
        raise UsageFailure(unknown_account_message(unknown)) from None
    except UnloadableAccount as unloadable:
        for line in finding_lines(unloadable.findings):
            click.echo(line, err=True)
        click.echo(f"billcheck: account '{code}' cannot be shown: the findings above keep it "
                   "out of the model", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(ACCOUNT_WRITERS[output_format](overview), nl=False)


def unknown_account_message(unknown: Any) -> str:
    """`unknown account 'acm' (did you mean 'acme'?)`, and which files could not be read."""
    message = f"unknown account '{unknown.code}'"
    if unknown.suggestion is not None:
        message += f" (did you mean '{unknown.suggestion}'?)"
    else:
        message += " (see 'billcheck show --tree' for the accounts)"
    if unknown.unread_files:
        message += (f"; these files could not be read: {', '.join(unknown.unread_files)} "
                    "(see 'billcheck validate')")
    return message


def finding_lines(findings: Iterable[Finding]) -> list[str]:
    """Findings as validate's text output writes them, each with its hint."""
    from ..reporters.text import TextReporter

    reporter = TextReporter()
    lines = []
    for finding in findings:
        lines.append(reporter.line(finding))
        if finding.hint:
            lines.append(f"    hint: {finding.hint}")
    return lines


# -- shared wording -------------------------------------------------------------------


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _period(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None:
        return "no start date"
    if end is None:
        return f"{start} onwards"
    return f"{start} to {end} (end exclusive)"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _source(field: CustomField) -> str:
    if field.source == "organization":
        return "organization default"
    if field.overrides:
        return f"{field.source}, overrides organization default {_value(field.default)}"
    return field.source


def _billing(plan: PlanOverview) -> str:
    if plan.frequency is None:
        return "unknown (the plan or its template does not resolve)"
    every = f" every {plan.interval}" if plan.interval not in (None, 1) else ""
    return f"{plan.frequency}{every}"


def _mode(plan: PlanOverview) -> str:
    setting = plan.child_billing_mode
    return f"{setting.value}" + (" (default)" if setting.source == "default" else "")


def _epoch(plan: PlanOverview) -> str:
    if plan.bill_epoch.value is None:
        return "none (not billed on a schedule)"
    return f"{plan.bill_epoch.value} ({plan.bill_epoch.source})"


def _contract(plan: PlanOverview) -> str:
    contract = plan.contract
    if contract is None:
        return "none"
    if contract.start is None:
        return f"{contract.code} (unknown contract)"
    return f"{contract.code}, {_period(contract.start, contract.end)}"


def _attachment(plan: PlanOverview) -> str:
    if plan.plan_group is not None:
        member = f", plan {plan.plan}" if plan.plan is not None else ""
        return f"plan group {plan.plan_group}{member}"
    return f"plan {plan.plan}"



def _by_product(plans: list[PlanOverview]) -> dict[str, list[PlanOverview]]:
    groups: dict[str, list[PlanOverview]] = {}
    for plan in plans:
        groups.setdefault(plan.product or "(unknown product)", []).append(plan)
    return groups


# -- JSON -----------------------------------------------------------------------------


def account_json(overview: AccountOverview) -> str:
    """The SPEC §5 document, with exactly its keys."""
    document = {
        "asOf": overview.as_of.isoformat(),
        "account": {
            "code": overview.code,
            "name": overview.name,
            "currency": overview.currency.value,
            "parentAccount": overview.parent,
            "children": [child.code for child in overview.children],
        },
        "accountPlans": [_plan_json(plan) for plan in overview.plans],
        "findings": [finding.to_dict() for finding in overview.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _plan_json(plan: PlanOverview) -> dict[str, Any]:
    return {
        "code": plan.code,
        "product": plan.product,
        "plan": plan.plan,
        "planGroup": plan.plan_group,
        "status": plan.status,
        "startDate": _day(plan.start),
        "endDate": _day(plan.end),
        "childBillingMode": plan.child_billing_mode.value,
        "billEpoch": {"value": _day(plan.bill_epoch.value), "source": plan.bill_epoch.source},
        "nextBills": [
            {"billDate": bill.bill_date.isoformat(),
             "servicePeriod": {"start": bill.start.isoformat(), "end": bill.end.isoformat()}}
            for bill in plan.next_bills
        ],
    }


def tree_json(overview: TreeOverview) -> str:
    """The hierarchy: parents with their children, standalone accounts, all findings."""
    document = {
        "asOf": overview.as_of.isoformat(),
        "parents": [
            {**_tree_account_json(parent.account),
             "children": [_tree_account_json(child) for child in parent.children]}
            for parent in overview.parents
        ],
        "standalone": [_tree_account_json(account) for account in overview.standalone],
        "findings": [finding.to_dict() for finding in overview.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _tree_account_json(account: TreeAccount) -> dict[str, Any]:
    return {"code": account.code, "name": account.name, "activePlans": account.active_plans}


# -- text -----------------------------------------------------------------------------


def account_text(overview: AccountOverview) -> str:
    """The overview for a terminal: header, account plans by product, children, findings."""
    lines = [f"Account {overview.code}: {overview.name}", f"  as of:      {overview.as_of}"]
    lines.append(f"  currency:   {overview.currency.value} ({overview.currency.source})")
    lines.append(f"  billEpoch:  {overview.bill_epoch or 'not set'}")
    parent = f"{overview.parent}" + (
        f": {overview.parent_name}" if overview.parent_name is not None else " (not found)"
    )
    lines.append(f"  parent:     {parent if overview.parent else 'none'}")
    children = ", ".join(child.code for child in overview.children)
    lines.append(f"  children:   {children or 'none'}")
    lines += _custom_fields_text(overview.custom_fields, "  ")
    lines += ["", "Account plans by product"]
    if not overview.plans:
        lines.append("  none")
    for product, plans in _by_product(overview.plans).items():
        lines.append(f"  {product}")
        for plan in plans:
            lines += _plan_text(plan)
    if overview.children:
        lines += ["", "Children"]
        for child in overview.children:
            lines.append(f"  {child.code}: {child.name}")
            lines += [f"    {_plan_summary(plan)}" for plan in child.plans] or [
                "    no account plans"]
    lines += ["", f"Findings ({len(overview.findings)})"]
    lines += [f"  {line}" for line in finding_lines(overview.findings)] or ["  none"]
    return "\n".join(lines) + "\n"


def _plan_text(plan: PlanOverview) -> list[str]:
    lines = [f"    {plan.code or '(no code)'}: {_attachment(plan)}, {plan.status}",
             f"      period:            {_period(plan.start, plan.end)}",
             f"      contract:          {_contract(plan)}",
             f"      billFrequency:     {_billing(plan)}",
             f"      childBillingMode:  {_mode(plan)}",
             f"      billEpoch:         {_epoch(plan)}"]
    lines += _custom_fields_text(plan.custom_fields, "      ")
    if plan.next_bills:
        lines.append("      next bills:")
        lines += [f"        {bill.bill_date}  for {bill.start} to {bill.end}"
                  for bill in plan.next_bills]
    return lines


def _plan_summary(plan: PlanOverview) -> str:
    return (f"{plan.product or '(unknown product)'}: {plan.code or '(no code)'}, "
            f"{_attachment(plan)}, {plan.status}, {_period(plan.start, plan.end)}, "
            f"{_mode(plan)}")


def _custom_fields_text(fields: list[CustomField], indent: str) -> list[str]:
    if not fields:
        return []
    return [f"{indent}custom fields:"] + [
        f"{indent}  {field.name} = {_value(field.value)} ({_source(field)})" for field in fields
    ]


def tree_text(overview: TreeOverview) -> str:
    """Every parent with its children and counts, then the standalone accounts."""
    lines = [f"Account hierarchy as of {overview.as_of}", ""]
    for parent in overview.parents:
        account = parent.account
        lines.append(f"{account.code}: {account.name} "
                     f"({plural(len(parent.children), 'child', 'children')}, "
                     f"{plural(account.active_plans, 'active plan')})")
        lines += [f"  {child.code}: {child.name} ({plural(child.active_plans, 'active plan')})"
                  for child in parent.children]
    if overview.standalone:
        if overview.parents:
            lines.append("")
        lines.append("Standalone accounts")
        lines += [f"  {account.code}: {account.name} "
                  f"({plural(account.active_plans, 'active plan')})"
                  for account in overview.standalone]
    children = sum(len(parent.children) for parent in overview.parents)
    lines += ["", f"{plural(len(overview.parents), 'parent')}, "
                  f"{plural(children, 'child', 'children')}, "
                  f"{plural(len(overview.standalone), 'standalone account')}"]
    if overview.findings:
        lines.append(_findings_summary(overview.findings))
    return "\n".join(lines) + "\n"


def _findings_summary(findings: list[Finding]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for finding in findings:
        counts[finding.severity] += 1
    listed = ", ".join(plural(count, severity) for severity, count in counts.items())
    return (f"The tree has {plural(len(findings), 'finding')} ({listed}): "
            "run 'billcheck validate' for details.")


# -- Markdown -------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def _md(value: Any) -> str:
    """Text for a Markdown paragraph or table cell, its special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


def _table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


def account_markdown(overview: AccountOverview) -> str:
    """The overview as Markdown, for a pull-request comment or a wiki page."""
    parent = overview.parent or "none"
    lines = [f"# Account {_md(overview.code)}: {_md(overview.name)}", "",
             f"As of {overview.as_of}.", ""]
    lines += _table(["setting", "value", "source"], [
        ["currency", overview.currency.value, overview.currency.source],
        ["billEpoch", overview.bill_epoch or "not set", ""],
        ["parentAccount", parent, ""],
        ["children", ", ".join(c.code for c in overview.children) or "none", ""],
        *([f"customFields.{f.name}", _value(f.value), _source(f)] for f in overview.custom_fields),
    ])
    lines += ["", "## Account plans", ""]
    lines += _plans_table(overview.plans) if overview.plans else ["None."]
    lines += _plan_details_markdown(overview.plans)
    if overview.children:
        lines += ["", "## Children"]
        for child in overview.children:
            lines += ["", f"### {_md(child.code)}: {_md(child.name)}", ""]
            lines += _plans_table(child.plans) if child.plans else ["No account plans."]
    lines += ["", "## Findings", ""]
    lines += _findings_markdown(overview.findings) or ["None."]
    return "\n".join(lines) + "\n"


def _findings_markdown(findings: list[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        where = f"{finding.location.path}:{finding.location.line}:{finding.location.column}"
        lines.append(
            f"- {_md(where)}: **{finding.severity}** {finding.rule} {_md(finding.message)}"
        )
        if finding.hint:
            lines.append(f"  - hint: {_md(finding.hint)}")
    return lines


def _plans_table(plans: list[PlanOverview]) -> list[str]:
    return _table(
        ["product", "account plan", "plan", "plan group", "status", "start", "end",
         "contract", "billFrequency", "childBillingMode", "billEpoch"],
        ([plan.product or "unknown", plan.code or "(no code)", plan.plan or "",
          plan.plan_group or "", plan.status, plan.start or "", plan.end or "open",
          _contract(plan), _billing(plan), _mode(plan), _epoch(plan)] for plan in plans),
    )


def _plan_details_markdown(plans: list[PlanOverview]) -> list[str]:
    lines: list[str] = []
    billed = [plan for plan in plans if plan.next_bills]
    if billed:
        lines += ["", "### Next bills", ""]
        lines += _table(["account plan", "product", "bill date", "service period"], (
            [plan.code or "(no code)", plan.product or "unknown", bill.bill_date,
             f"{bill.start} to {bill.end}"]
            for plan in billed for bill in plan.next_bills
        ))
    with_fields = [plan for plan in plans if plan.custom_fields]
    if with_fields:
        lines += ["", "### Custom fields of account plans", ""]
        lines += _table(["account plan", "product", "field", "value", "source"], (
            [plan.code or "(no code)", plan.product or "unknown", field.name,
             _value(field.value), _source(field)]
            for plan in with_fields for field in plan.custom_fields
        ))
    return lines


def tree_markdown(overview: TreeOverview) -> str:
    """The hierarchy as Markdown: one table per parent, one for standalone accounts."""
    lines = ["# Account hierarchy", "", f"As of {overview.as_of}."]
    for parent in overview.parents:
        account = parent.account
        lines += ["", f"## {_md(account.code)}: {_md(account.name)}", "",
                  f"{plural(len(parent.children), 'child', 'children')}, "
                  f"{plural(account.active_plans, 'active plan')}.", ""]
        lines += _table(["child", "name", "active plans"],
                        ([c.code, c.name, c.active_plans] for c in parent.children))
    if overview.standalone:
        lines += ["", "## Standalone accounts", ""]
        lines += _table(["account", "name", "active plans"],
                        ([a.code, a.name, a.active_plans] for a in overview.standalone))
    if overview.findings:
        lines += ["", _findings_summary(overview.findings)]
    return "\n".join(lines) + "\n"


ACCOUNT_WRITERS: dict[str, Callable[[AccountOverview], str]] = {
    "text": account_text, "json": account_json, "markdown": account_markdown,
}
TREE_WRITERS: dict[str, Callable[[TreeOverview], str]] = {
    "text": tree_text, "json": tree_json, "markdown": tree_markdown,
}
