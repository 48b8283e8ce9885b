"""The `billcheck` command line. Only this module prints to the terminal and exits.

Exit statuses (SPEC §3): 0 no finding at or above `--fail-on`; 1 such findings exist;
2 the command could not run (bad option, missing path, unreadable config file).
Imports stay lazy so `billcheck validate` does not pay for the preview's templates.
"""

from __future__ import annotations

import datetime
import os
import sys
from collections.abc import Callable, Iterable
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
    parts = (part.strip() for value in values for part in value.split(","))
    return tuple(part.upper() for part in parts if part)


def use_color(out: TextIO, choice: str = "auto") -> bool:
    """Whether text output to `out` is coloured, after `--color` and the environment.

    `always` / `never` decide alone. `auto` colours a terminal, except that a non-empty
    NO_COLOR turns colour off and, failing that, FORCE_COLOR (non-empty, not `0` or
    `false`) turns it on even when `out` is not a terminal; NO_COLOR wins over FORCE_COLOR.
    """
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "").lower() not in ("", "0", "false"):
        return True
    return hasattr(out, "isatty") and out.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="billcheck")
def main() -> None:
    """Check declarative billing configuration and preview the bills it produces."""


# The validate formats, spelled out here so that defining the CLI imports no reporter
# (tests check the list against validator.reporters.FORMATS).
FORMAT_CHOICES = ("auto", "text", "json", "sarif", "github", "junit", "gitlab")
STDIN = "-"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "formats", type=click.Choice(FORMAT_CHOICES), multiple=True,
              help="Output format; repeat it to write several. Default: auto (github under "
                   "GitHub Actions, else text).")
@click.option("--output", "outputs", type=click.Path(dir_okay=False), multiple=True,
              help="Write the i-th --format to FILE instead of standard output ('-': stdout).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: .billcheck.yaml in the working directory).")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (BC3).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error",
              show_default=True, help="Lowest severity that makes the exit status 1.")
@click.option("--as-of", "as_of", help="Date the check is made at (YYYY-MM-DD).")
@click.option("--stdin-filename", metavar="NAME",
              help="Read one config document from standard input (PATH '-') and report it as NAME.")
@click.option("--show-source", is_flag=True,
              help="In text output, show each finding's source line with a caret.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour text output (auto: a terminal without NO_COLOR).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Fail only on findings not in FILE; a missing FILE is written with today's.")
@click.option("--update-baseline", is_flag=True,
              help="Rewrite the --baseline file with the current findings.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Parse and check every file afresh, without reading or writing the cache "
                   "(kept in $BILLCHECK_CACHE_DIR, else $XDG_CACHE_HOME/billcheck or "
                   "~/.cache/billcheck).")
def validate(
    paths: tuple[str, ...], formats: tuple[str, ...], outputs: tuple[str, ...],
    config_file: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str,
    as_of: str | None, stdin_filename: str | None, show_source: bool, color: str,
    baseline_file: str | None, update_baseline: bool, no_cache: bool,
) -> None:
    """Check the config tree under PATHS (default: the current directory; '-': stdin)."""
    from .checker import RuleSelection, check_paths, known_rule_ids
    from .config import ConfigError, load_config
    from .tree import MissingPath

    destinations = pair_outputs(formats, outputs)
    if update_baseline and baseline_file is None:
        fail("--update-baseline needs --baseline FILE")
    cwd = Path.cwd()
    try:
        config = load_config(config_file, cwd)
    except ConfigError as error:
        raise UsageFailure(str(error)) from None
    selection = RuleSelection(config.rules, split_ids(select), split_ids(ignore))
    _check_rule_ids(selection.select + selection.ignore, known_rule_ids())
    date = parse_date(as_of, "--as-of") or config.as_of
    stdin = _stdin_source(paths, stdin_filename, cwd)
    given = tuple(path for path in paths if path != STDIN)
    targets = given or (() if stdin is not None else config.paths or (".",))
    cache = None if no_cache else _open_cache(config)
    try:
        result = check_paths(targets, config, selection, cwd, date, stdin, cache)
    except MissingPath as missing:
        raise UsageFailure(f"path not found: {missing}") from None
    if baseline_file is not None:
        result = _apply_baseline(result, Path(baseline_file), update_baseline)
    for output_format, output_file in destinations:
        write_output(output_file, _reporting(result, output_format, color, show_source))
    sys.exit(EXIT_FINDINGS if result.fails(fail_on) else EXIT_OK)


def _open_cache(config: Any) -> Any:
    """The load cache for this run's limits (None when no cache directory is known)."""
    from .cache import open_cache

    limits = config.limits
    return open_cache((limits.max_file_bytes, limits.max_depth, limits.max_alias_nodes))


def pair_outputs(
    formats: tuple[str, ...], outputs: tuple[str, ...]
) -> list[tuple[str, str | None]]:
    """Each format with its output file (None: standard output), paired by position."""
    formats = formats or ("auto",)
    if len(outputs) > len(formats):
        fail(f"--output {outputs[len(formats)]} has no --format to go with it "
             "(the i-th --output goes with the i-th --format)")
    pairs = [
        (name, outputs[index] if index < len(outputs) and outputs[index] != STDIN else None)
        for index, name in enumerate(formats)
    ]
    to_stdout = [name for name, output in pairs if output is None]
    if len(to_stdout) > 1:
        fail(f"formats {', '.join(to_stdout)} would all go to standard output; "
             "give all but one an --output FILE")
    files = [output for _, output in pairs if output is not None]
    for output in files:
        if files.count(output) > 1:
            fail(f"--output {output} is given twice")
    return pairs


def resolve_format(name: str, to_stdout: bool) -> str:
    """`auto` as a real format: github for the log of a GitHub Actions job, else text."""
    if name != "auto":
        return name
    return "github" if to_stdout and os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _reporting(result: Any, output_format: str, color: str, show_source: bool) -> Any:
    """A function that writes `result` in one format to the stream it is given."""
    from .reporters import reporter_for

    def write(out: TextIO) -> None:
        name = resolve_format(output_format, out is sys.stdout)
        reporter = reporter_for(
            name, color=name == "text" and use_color(out, color), show_source=show_source,
        )
        reporter.report(result, out)

    return write


def _stdin_source(paths: tuple[str, ...], stdin_filename: str | None, cwd: Path) -> Any:
    """The document on standard input when PATH `-` asks for it (or only --stdin-filename)."""
    from .loading import TextSource
    from .tree import display_path

    if stdin_filename is not None and paths and STDIN not in paths:
        fail("--stdin-filename names the document on standard input: add the path '-'")
    if STDIN not in paths and not (stdin_filename is not None and not paths):
        return None
    if stdin_filename is not None and not stdin_filename.strip():
        fail("--stdin-filename must not be empty")
    name = display_path(cwd / stdin_filename, cwd) if stdin_filename else "<stdin>"
    return TextSource(name, sys.stdin.buffer.read())


def _apply_baseline(result: Any, path: Path, update: bool) -> Any:
    """Drop the findings the baseline accepts; write the baseline first when asked or missing."""
    from .baseline import (
        BaselineError,
        accept_all,
        apply_baseline,
        read_baseline,
        write_baseline,
    )

    try:
        if update or not path.exists():
            write_baseline(path, result.findings)
            count = len(result.findings)
            click.echo(f"billcheck: wrote {count} finding{'s' * (count != 1)} to baseline "
                       f"{path}", err=True)
            return accept_all(result)
        return apply_baseline(result, read_baseline(path))
    except BaselineError as error:
        raise UsageFailure(str(error)) from None


def _check_rule_ids(given: Iterable[str], known: set[str]) -> None:
    for rule_id in given:
        if not any(known_id.startswith(rule_id) for known_id in known):
            raise UsageFailure(f"no rule matches {rule_id!r} (see 'billcheck rules')")


def write_output(output_file: str | None, write: Callable[[TextIO], object]) -> None:
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
