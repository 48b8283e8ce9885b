"""The `billcheck` command line. Only this module prints to the terminal and exits.

Exit statuses (SPEC §3): 0 no finding at or above `--fail-on`; 1 such findings exist;
2 the command could not run (bad option, missing path, unreadable config file).
Imports stay lazy so `billcheck validate` does not pay for the preview's templates.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageFailure(click.ClickException):
    """A problem that stops the command before it runs (exit status 2)."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        """Print `billcheck: <message>` to standard error."""
        click.echo(f"billcheck: {self.format_message()}", err=True)


def parse_date(value: str | None, option: str) -> datetime.date | None:
    """A YYYY-MM-DD option value as a date, or a usage failure naming the option."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UsageFailure(f"{option} must be a date written YYYY-MM-DD, not {value!r}") from None


def split_ids(values: Iterable[str]) -> tuple[str, ...]:
    """Rule ids or prefixes from repeated and comma-separated options, upper-cased."""
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


def use_color(out: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and hasattr(out, "isatty") and out.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="billcheck")
def main() -> None:
    """Check declarative billing configuration and preview the bills it produces."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output", "output_file", type=click.Path(dir_okay=False),
              help="Write the report to FILE instead of standard output.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: .billcheck.yaml in the working directory).")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (BC3).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error",
              show_default=True, help="Lowest severity that makes the exit status 1.")
@click.option("--as-of", "as_of", help="Date the check is made at (YYYY-MM-DD).")
def validate(
    paths: tuple[str, ...], output_format: str, output_file: str | None, config_file: str | None,
    select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str, as_of: str | None,
) -> None:
    """Check the config tree under PATHS (default: the current directory)."""
    from .checker import RuleSelection, check_paths, known_rule_ids
    from .config import ConfigError, load_config
    from .reporters import reporter_for
    from .tree import MissingPath

    cwd = Path.cwd()
    try:
        config = load_config(config_file, cwd)
    except ConfigError as error:
        raise UsageFailure(str(error)) from None
    selection = RuleSelection(config.rules, split_ids(select), split_ids(ignore))
    _check_rule_ids(selection.select + selection.ignore, known_rule_ids())
    date = parse_date(as_of, "--as-of") or config.as_of
    targets = paths or config.paths or (".",)
    try:
        result = check_paths(targets, config, selection, cwd, date)
    except MissingPath as missing:
        raise UsageFailure(f"path not found: {missing}") from None
    _write(output_file, lambda out: reporter_for(
        output_format, color=output_file is None and use_color(out)
    ).report(result, out))
    sys.exit(EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK)


def _check_rule_ids(given: Iterable[str], known: set[str]) -> None:
    for rule_id in given:
        if not any(known_id.startswith(rule_id) for known_id in known):
            raise UsageFailure(f"no rule matches {rule_id!r} (see 'billcheck rules')")


def _write(output_file: str | None, write: Any) -> None:
    """Run `write(stream)` on the output file or standard output."""
    if output_file is None:
        write(sys.stdout)
        return
    try:
        with open(output_file, "w", encoding="utf-8") as out:
            write(out)
    except OSError as error:
        raise UsageFailure(f"cannot write {output_file}: {error.strerror}") from None


@main.command(name="rules")
def list_rules() -> None:
    """List every rule: id, default severity, slug and summary."""
    from .engine import all_rules

    for registered in all_rules():
        click.echo(f"{registered.id}  {registered.severity:<7}  {registered.slug:<34}  "
                   f"{registered.summary}")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print the documentation of one rule (BC302)."""
    from .engine import RULES, all_rules

    all_rules()
    registered = RULES.get(rule_id.upper())
    if registered is None:
        fail(f"unknown rule {rule_id!r} (see 'billcheck rules')")
    click.echo(f"{registered.id} {registered.slug} (default severity: {registered.severity})\n")
    click.echo(registered.doc)


def fail(message: str) -> NoReturn:
    """Stop with exit status 2 and a message on standard error."""
    raise UsageFailure(message)


def run() -> None:
    """Entry point that turns an unexpected crash into a one-line error and exit status 2."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 - the last line of defence against tracebacks
        click.echo(f"billcheck: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)


def _add_subcommands() -> None:
    """Attach the subcommands that live in their own modules."""
    from .commands import diff, preview, show

    for module in (preview, show, diff):
        main.add_command(module.command)


_add_subcommands()
