"""`billcheck preview`: the bills the configuration would produce over a window (SPEC §3–4).

Exit statuses: 0 the preview was written; 1 it was refused because the configuration has
errors or a usage file has malformed rows (they are listed on standard error); 2 the
command could not run (bad option or date, missing path or usage file, unknown account,
a format whose renderer is not available).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

FORMATS = ("text", "markdown", "html", "json")


@click.command(name="preview")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--from", "from_date", required=True, metavar="DATE",
              help="First day of the window (YYYY-MM-DD).")
@click.option("--to", "to_date", required=True, metavar="DATE",
              help="Day after the window (YYYY-MM-DD, exclusive).")
@click.option("--account", "accounts", multiple=True, metavar="CODE",
              help="Only this account's bills (repeatable).")
@click.option("--usage", "usage_files", multiple=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="Usage rows, CSV or JSON Lines (repeatable).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("--template", "template_file", type=click.Path(dir_okay=False),
              help="Jinja template to render with instead of the built-in one.")
@click.option("--output", "output_file", type=click.Path(dir_okay=False),
              help="Write the preview to FILE instead of standard output.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Config file (default: .billcheck.yaml in the working directory).")
def command(
    paths: tuple[str, ...], from_date: str, to_date: str, accounts: tuple[str, ...],
    usage_files: tuple[str, ...], output_format: str, template_file: str | None,
    output_file: str | None, config_file: str | None,
) -> None:
    """Preview the bills of the config tree under PATHS over [--from, --to)."""
    from validator.cli import EXIT_FINDINGS, EXIT_OK, UsageFailure, parse_date
    from validator.preview.engine import PreviewRequest, run_preview
    from validator.preview.schedule import Window
    from validator.preview.usage import UnreadableUsage

    cwd = Path.cwd()
    window = checked_window(parse_date(from_date, "--from"), parse_date(to_date, "--to"))
    sources = usage_sources(usage_files, cwd)
    render = _renderer(output_format, template_file)
    result = _validated(paths, config_file, cwd)
    _check_accounts(accounts, result.model.known_codes["account"])
    errors = [finding for finding in result.findings if finding.severity == "error"]
    if errors:
        _refuse(errors, "the configuration has")
        sys.exit(EXIT_FINDINGS)
    warnings = [finding for finding in result.findings if finding.severity != "error"]
    request = PreviewRequest(Window(*window), sources, tuple(dict.fromkeys(accounts)))
    try:
        outcome = run_preview(result.model, request, warnings)
    except UnreadableUsage as error:
        raise UsageFailure(str(error)) from None
    preview = outcome.preview
    if preview is None:
        _refuse(outcome.errors, "the preview found")
        sys.exit(EXIT_FINDINGS)
    from validator.cli import write_output

    write_output(output_file, lambda out: render(preview, out))
    sys.exit(EXIT_OK)


def checked_window(start: Any, end: Any) -> tuple[Any, Any]:
    """The window's two dates, or a usage failure (exit 2) when --to is not after --from."""
    from validator.cli import UsageFailure

    if end <= start:
        raise UsageFailure(f"--to ({end}) must be after --from ({start})")
    return start, end


def usage_sources(files: Sequence[str], cwd: Path) -> list[Any]:
    """The usage files (relative to the working directory); a missing one is exit 2."""
    from validator.cli import UsageFailure
    from validator.preview.usage import UsageSource
    from validator.tree import display_path

    sources = []
    for name in files:
        path = Path(name) if Path(name).is_absolute() else cwd / name
        if not path.is_file():
            raise UsageFailure(f"usage file not found: {name}")
        sources.append(UsageSource(display_path(path, cwd), path))
    return sources


def _renderer(output_format: str, template_file: str | None) -> Any:
    """A function that writes a finished preview to a stream in the chosen format."""
    from validator.cli import UsageFailure

    if output_format == "json":
        if template_file is not None:
            raise UsageFailure("--template applies to text, markdown and html, not json")
        return lambda preview, out: preview.write_json(out)
    if template_file is not None and not Path(template_file).is_file():
        raise UsageFailure(f"template file not found: {template_file}")
    try:
        from validator.preview.render import render
    except ImportError:
        raise UsageFailure(f"format {output_format} is not available") from None
    return lambda preview, out: out.write(render(preview.document(), output_format, template_file))


def _validated(paths: tuple[str, ...], config_file: str | None, cwd: Path) -> Any:
    """The validate pipeline's result over the tree (SPEC §3 paths and config)."""
    from validator.checker import RuleSelection, check_paths
    from validator.cli import UsageFailure
    from validator.config import ConfigError, load_config
    from validator.tree import MissingPath

    try:
        config = load_config(config_file, cwd)
    except ConfigError as error:
        raise UsageFailure(str(error)) from None
    targets = paths or config.paths or (".",)
    try:
        return check_paths(targets, config, RuleSelection(config.rules), cwd)
    except MissingPath as missing:
        raise UsageFailure(f"path not found: {missing}") from None


def _check_accounts(accounts: Iterable[str], known: set[str]) -> None:
    """Every `--account` must name an account of the tree (exit 2, with a did-you-mean)."""
    from validator.cli import UsageFailure

    for code in accounts:
        if code in known:
            continue
        close = difflib.get_close_matches(code, sorted(known), n=1, cutoff=0.6)
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageFailure(f"unknown account '{code}'{suggestion}")


def _refuse(errors: Sequence[Any], what: str) -> None:
    """List the errors that stop the preview on standard error, like `validate` does."""
    from validator.cli import use_color
    from validator.reporters.text import TextReporter

    reporter = TextReporter(color=use_color(sys.stderr))
    for finding in errors:
        click.echo(reporter.line(finding), err=True)
        if finding.hint:
            click.echo(f"    hint: {finding.hint}", err=True)
    count = f"{len(errors)} error" + ("" if len(errors) == 1 else "s")
    click.echo(f"billcheck: no preview: {what} {count}", err=True)
