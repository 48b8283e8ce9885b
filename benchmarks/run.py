"""Time billcheck against check-jsonschema on generated config trees; print a Markdown table.

    python benchmarks/run.py [--sizes 1000,5000,50000] [--repeat 3] [--skip-peer]
        [--cases validate,single-file,preview,diff] [--seed 1] [--cache-dir DIR]

Each run is a whole, fresh process (interpreter start-up and imports included) over
files already in the page cache. Wall time comes from the parent's clock; peak RSS from
GNU time (`-f %M`) when installed, else from `os.wait4`. (`getrusage(RUSAGE_CHILDREN)`
keeps the largest child ever waited for, so its deltas read 0 after a bigger run.)

Trees and usage files are cached outside the repository, keyed by size, seed and a
digest of generate.py, so editing the generator regenerates them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import hashlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import generate

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO_ROOT / "schemas" / "billcheck.schema.json"
DEFAULT_SIZES = (1000, 5000, 50000)
ALL_CASES = ("validate", "single-file", "preview", "diff")
SINGLE_FILE_ACCOUNTS = 5000
PREVIEW_ACCOUNTS = 5000
PREVIEW_USAGE_ROWS = 1_000_000
DIFF_ACCOUNTS = 5000
WINDOW_START = datetime.date(2025, 1, 1)
WINDOW_END = datetime.date(2026, 1, 1)
BILLCHECK = "billcheck"
PEER = "check-jsonschema"


@dataclass(frozen=True)
class Tree:
    """A generated config tree on disk and the YAML files in it, relative to its root."""

    root: Path
    accounts: int
    files: tuple[str, ...]
    size_bytes: int

    def describe(self) -> str:
        """A short description for the table's input column."""
        return (
            f"{self.accounts:,} accounts, {len(self.files):,} "
            f"file{'s' if len(self.files) != 1 else ''}, {self.size_bytes / 1e6:.1f} MB"
        )


@dataclass(frozen=True)
class Tool:
    """How to start one command-line tool: the argv prefix and the environment."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]


@dataclass(frozen=True)
class Run:
    """One finished process: wall seconds, peak RSS in KiB, exit code and stderr."""

    wall_seconds: float
    peak_rss_kib: int
    exit_code: int
    stderr: str


@dataclass(frozen=True)
class Job:
    """One command to time: which tool, its arguments, where, and the exit codes that pass."""

    tool: Tool
    arguments: tuple[str, ...]
    cwd: Path
    expected_exit: frozenset[int] = frozenset({0})
    # A subcommand still being built may exist as a stub that cannot run (exit 2).
    skip_when_unavailable: bool = False


@dataclass
class Row:
    """One line of the results table."""

    case: str
    input: str
    tool: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""
    ratio: str = ""


@dataclass
class Report:
    """Everything the run found, rendered once at the end."""

    rows: list[Row] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    generation: list[str] = field(default_factory=list)
    failed: bool = False


def progress(message: str) -> None:
    """Progress for the person waiting, on stderr, so stdout stays one Markdown document."""
    print(message, file=sys.stderr, flush=True)


# --- tools -------------------------------------------------------------------------------


def find_executable(name: str) -> str | None:
    """`name` on PATH, resolved past a pyenv-style shim to the real script.

    A shim is a shell script that starts another process first; it would add tens of
    milliseconds to every run of whichever tool happens to be behind one.
    """
    found = shutil.which(name)
    if found is None:
        return None
    beside_python = Path(sys.executable).parent / name
    if Path(found).parent.name == "shims" and beside_python.exists():
        return str(beside_python)
    return found


def billcheck_tool() -> Tool:
    """The `billcheck` on PATH, else `python -m validator` from this checkout."""
    env = dict(os.environ)
    found = find_executable(BILLCHECK)
    if found is not None:
        return Tool(BILLCHECK, (found,), env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return Tool(BILLCHECK, (sys.executable, "-m", "validator"), env)


def peer_tool() -> Tool | None:
    """check-jsonschema, if installed."""
    found = find_executable(PEER)
    return None if found is None else Tool(PEER, (found,), dict(os.environ))


def tool_version(tool: Tool) -> str:
    """The tool's `--version` output, or why there is none."""
    try:
        completed = subprocess.run(
            [*tool.argv, "--version"], capture_output=True, text=True, env=tool.env, timeout=60
        )
    except OSError as error:
        return f"not runnable: {error}"
    text = (completed.stdout or completed.stderr).strip()
    return text.splitlines()[-1] if text else f"exit {completed.returncode}"


def missing_subcommand(tool: Tool, subcommand: str) -> bool:
    """True when the CLI says it has no such subcommand (click: exit 2, "No such command")."""
    completed = subprocess.run(
        [*tool.argv, subcommand, "--help"],
        capture_output=True,
        text=True,
        env=tool.env,
        timeout=120,
    )
    return completed.returncode == 2 and "No such command" in completed.stderr


# --- measuring ---------------------------------------------------------------------------


@functools.cache
def gnu_time() -> str | None:
    """GNU time's path when installed: it reports a child's peak RSS from outside.

    `os.wait4` (the fallback) reports the child's `ru_maxrss`, which Linux carries over
    from before `exec`, so it never reads below this script's own RSS at the spawn.
    """
    found = shutil.which("time")
    if found is None:
        return None
    completed = subprocess.run([found, "--version"], capture_output=True, text=True)
    return found if "GNU" in completed.stdout + completed.stderr else None


def rss_method() -> str:
    """How peak RSS is measured, for the report."""
    if gnu_time():
        return "GNU time %M"
    return "os.wait4 ru_maxrss (never below this script's own RSS)"


def run_once(job: Job, timeout_seconds: float) -> Run:
    """Run the job once as a fresh process and measure its wall time and peak RSS."""
    command = [*job.tool.argv, *job.arguments]
    timer = gnu_time()
    with tempfile.TemporaryDirectory(prefix="billcheck-bench-") as scratch:
        rss_path = Path(scratch) / "rss"
        if timer is not None:
            command = [timer, "-f", "%M", "-o", str(rss_path), *command]
        with (Path(scratch) / "stderr").open("w+b") as stderr_file:
            began = time.perf_counter()
            process = subprocess.Popen(
                command,
                cwd=job.cwd,
                env=job.tool.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr_file,
                start_new_session=True,  # a timeout kills the whole group, timer included
            )
            killer = threading.Timer(timeout_seconds, _kill_group, (process.pid,))
            killer.start()
            try:
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                killer.cancel()
            wall_seconds = time.perf_counter() - began
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            stderr_file.seek(0)
            stderr = stderr_file.read().decode("utf-8", errors="replace")
        peak_rss_kib = _peak_rss_from(rss_path) if timer is not None else usage.ru_maxrss
    return Run(wall_seconds, peak_rss_kib, process.returncode, stderr)


def _kill_group(process_group: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process_group, signal.SIGKILL)


def _peak_rss_from(rss_path: Path) -> int:
    # GNU time writes "Command exited with non-zero status N" before the number when it fails.
    lines = rss_path.read_text(encoding="utf-8").split() if rss_path.exists() else []
    numbers = [int(line) for line in lines if line.isdigit()]
    return numbers[-1] if numbers else 0


PASSED, FAILED, UNAVAILABLE = "passed", "failed", "unavailable"


def measure(row: Row, job: Job, repeat: int, timeout_seconds: float) -> str:
    """Run the job `repeat` times into `row`: PASSED, FAILED (with a note) or UNAVAILABLE."""
    for attempt in range(1, repeat + 1):
        run = run_once(job, timeout_seconds)
        progress(f"  {row.case} / {row.tool} run {attempt}/{repeat}: {run.wall_seconds:.2f} s")
        row.runs.append(run)
        if run.exit_code in job.expected_exit:
            continue
        row.note = (
            f"killed after {timeout_seconds:.0f} s"
            if run.exit_code == -signal.SIGKILL
            else f"exit {run.exit_code}: {_last_line(run.stderr)}"
        )
        if attempt == 1 and run.exit_code == 2 and job.skip_when_unavailable:
            return UNAVAILABLE
        return FAILED
    return PASSED


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no message")[:120].replace("|", "\\|")


# --- inputs ------------------------------------------------------------------------------


def generator_digest() -> str:
    """A short digest of generate.py: a changed generator gets fresh cache entries."""
    return hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()[:12]


def cached_path(cache_dir: Path, name: str, build: Callable[[Path], object]) -> Path:
    """`cache_dir/name`, built through a temporary sibling and renamed into place."""
    target = cache_dir / name
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=cache_dir))
    try:
        built = scratch / "out"
        build(built)
        os.replace(built, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def tree_files(root: Path) -> tuple[str, ...]:
    """The YAML files under `root` in sorted order, as billcheck reads them."""
    found = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.suffix in {".yaml", ".yml"}
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    ]
    return tuple(sorted(found))


def load_tree(root: Path, accounts: int) -> Tree:
    """Describe a tree already on disk."""
    files = tree_files(root)
    return Tree(root, accounts, files, sum((root / name).stat().st_size for name in files))


class Inputs:
    """Builds (once) and caches the trees and usage files the cases need."""

    def __init__(self, cache_dir: Path, seed: int, report: Report) -> None:
        self.cache_dir = cache_dir
        self.seed = seed
        self.report = report
        self.digest = generator_digest()

    def tree(self, accounts: int, single_file: bool = False) -> Tree:
        """The generated tree of `accounts` accounts."""
        layout = "single" if single_file else "tree"
        name = f"{layout}-{accounts}-seed{self.seed}-{self.digest}"
        root = self._timed(
            name,
            lambda out: generate.write_tree(out, accounts, self.seed, single_file),
        )
        return load_tree(root, accounts)

    def changed_tree(self, base: Tree) -> Tree:
        """A copy of `base` with a pull-request-sized change, for `diff`."""
        name = f"changed-{base.accounts}-seed{self.seed}-{self.digest}"
        root = self._timed(
            name,
            lambda out: generate.write_changed_copy(base.root, out, base.accounts, self.seed),
        )
        return load_tree(root, base.accounts + 1)

    def usage(self, accounts: int, rows: int) -> Path:
        """A usage CSV of `rows` rows for the tree of `accounts` accounts."""
        name = f"usage-{accounts}-seed{self.seed}-{rows}-{WINDOW_START}-{WINDOW_END}-{self.digest}"

        def build(out: Path) -> None:
            out.mkdir()
            generate.write_usage(
                out / "usage.csv", rows, accounts, self.seed, WINDOW_START, WINDOW_END
            )

        return self._timed(name, build) / "usage.csv"

    def _timed(self, name: str, build: Callable[[Path], object]) -> Path:
        if (self.cache_dir / name).exists():
            return self.cache_dir / name
        progress(f"generating {name} …")
        began = time.perf_counter()
        path = cached_path(self.cache_dir, name, build)
        seconds = time.perf_counter() - began
        self.report.generation.append(f"{name}: {seconds:.2f} s")
        return path


# --- cases -------------------------------------------------------------------------------


@dataclass
class Context:
    """What every case needs: tools, inputs, options and the report being filled."""

    billcheck: Tool
    peer: Tool | None
    inputs: Inputs
    report: Report
    repeat: int
    timeout_seconds: float
    missing: dict[str, bool] = field(default_factory=dict)

    def lacks(self, subcommand: str) -> bool:
        """True (and a skip note) when billcheck has no such subcommand."""
        if subcommand not in self.missing:
            self.missing[subcommand] = missing_subcommand(self.billcheck, subcommand)
        return self.missing[subcommand]


def validate_with_peer(context: Context, case: str, tree: Tree) -> None:
    """billcheck validate on the tree, then check-jsonschema on the same files."""
    billcheck_row = Row(case, tree.describe(), BILLCHECK)
    job = Job(
        context.billcheck,
        ("validate", ".", "--format", "json", "--output", os.devnull),
        tree.root,
    )
    billcheck_passed = _measured(context, billcheck_row, job)
    if context.peer is None:
        return
    if not SCHEMA_FILE.exists():
        context.report.skipped.append(f"{case} / {PEER}: skipped, {SCHEMA_FILE} does not exist")
        return
    peer_row = Row(case, tree.describe(), PEER)
    peer_job = Job(context.peer, ("--schemafile", str(SCHEMA_FILE), *tree.files), tree.root)
    if _measured(context, peer_row, peer_job) and billcheck_passed:
        speedup = statistics.median(_walls(peer_row)) / statistics.median(_walls(billcheck_row))
        billcheck_row.ratio = f"{speedup:.1f}× faster"
        peer_row.ratio = "1×"


def case_validate(context: Context, sizes: Sequence[int]) -> None:
    """One validate-vs-peer pair per tree size."""
    for accounts in sizes:
        validate_with_peer(context, f"validate {_short(accounts)}", context.inputs.tree(accounts))


def case_single_file(context: Context, sizes: Sequence[int]) -> None:
    """The 5k tree as one file: the same bytes without the per-file overhead."""
    tree = context.inputs.tree(SINGLE_FILE_ACCOUNTS, single_file=True)
    validate_with_peer(context, f"validate {_short(SINGLE_FILE_ACCOUNTS)} one file", tree)


def case_preview(context: Context, sizes: Sequence[int]) -> None:
    """A year of bills for 5k accounts from 1M usage rows."""
    case = f"preview {_short(PREVIEW_ACCOUNTS)}, 12 months"
    if context.lacks("preview"):
        context.report.skipped.append(f"{case}: skipped, billcheck has no `preview` command")
        return
    tree = context.inputs.tree(PREVIEW_ACCOUNTS)
    usage = context.inputs.usage(PREVIEW_ACCOUNTS, PREVIEW_USAGE_ROWS)
    row = Row(case, f"{tree.describe()}, {PREVIEW_USAGE_ROWS:,} usage rows", BILLCHECK)
    job = Job(
        context.billcheck,
        (
            "preview", ".", "--from", WINDOW_START.isoformat(), "--to", WINDOW_END.isoformat(),
            "--usage", str(usage), "--format", "json", "--output", os.devnull,
        ),
        tree.root,
        skip_when_unavailable=True,
    )  # fmt: skip
    _measured(context, row, job)


def case_diff(context: Context, sizes: Sequence[int]) -> None:
    """Entities, findings and a year of bills compared between a 5k tree and a changed copy."""
    case = f"diff {_short(DIFF_ACCOUNTS)}, 12 months"
    if context.lacks("diff"):
        context.report.skipped.append(f"{case}: skipped, billcheck has no `diff` command")
        return
    base = context.inputs.tree(DIFF_ACCOUNTS)
    head = context.inputs.changed_tree(base)
    row = Row(case, f"{base.describe()} vs. a changed copy", BILLCHECK)
    job = Job(
        context.billcheck,
        (
            "diff", str(base.root), str(head.root),
            "--from", WINDOW_START.isoformat(), "--to", WINDOW_END.isoformat(),
            "--format", "json",
        ),
        base.root,
        skip_when_unavailable=True,
    )  # fmt: skip
    _measured(context, row, job)


CASES: dict[str, Callable[[Context, Sequence[int]], None]] = {
    "validate": case_validate,
    "single-file": case_single_file,
    "preview": case_preview,
    "diff": case_diff,
}


def _measured(context: Context, row: Row, job: Job) -> bool:
    outcome = measure(row, job, context.repeat, context.timeout_seconds)
    if outcome == UNAVAILABLE:
        context.report.skipped.append(
            f"{row.case}: skipped, billcheck could not run it ({row.note})"
        )
        return False
    context.report.rows.append(row)
    context.report.failed |= outcome == FAILED
    return outcome == PASSED


def _walls(row: Row) -> list[float]:
    return [run.wall_seconds for run in row.runs]


def _short(accounts: int) -> str:
    return f"{accounts // 1000}k" if accounts % 1000 == 0 else str(accounts)


# --- output ------------------------------------------------------------------------------


def render(report: Report, billcheck: Tool, peer: Tool | None) -> str:
    """The whole report as Markdown."""
    lines = [
        "## billcheck benchmark",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}",
        f"- billcheck: {tool_version(billcheck)} (`{' '.join(billcheck.argv)}`)",
        f"- {PEER}: {tool_version(peer) if peer else 'not measured'}",
        f"- peak RSS: {rss_method()}",
        "",
        "| case | input | tool | runs | min (s) | median (s) | peak RSS (MiB) | vs. peer | note |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    lines.extend(_table_line(row) for row in report.rows)
    if report.skipped:
        lines.extend(["", *[f"- {skip}" for skip in report.skipped]])
    if report.generation:
        lines.extend(["", "Generated this run:", *[f"- {item}" for item in report.generation]])
    return "\n".join(lines)


def _table_line(row: Row) -> str:
    walls = _walls(row)
    timing = (
        f"{min(walls):.2f} | {statistics.median(walls):.2f} | "
        f"{max(run.peak_rss_kib for run in row.runs) / 1024:.0f}"
        if walls
        else "– | – | –"
    )
    return (
        f"| {row.case} | {row.input} | {row.tool} | {len(walls)} | {timing} | "
        f"{row.ratio} | {row.note} |"
    )


# --- command line ------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_int_list,
        default=DEFAULT_SIZES,
        help="account counts for the validate case (default 1000,5000,50000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--skip-peer", action="store_true", help="do not run check-jsonschema")
    parser.add_argument(
        "--cases",
        type=_case_list,
        default=ALL_CASES,
        help=f"comma-separated subset of {','.join(ALL_CASES)} (default all)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "billcheck-benchmarks",
        help="where generated trees are kept between runs",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds before one run is killed"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from error
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return values


def _case_list(text: str) -> tuple[str, ...]:
    cases = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(set(cases) - set(ALL_CASES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown case(s): {', '.join(unknown)}")
    return cases


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen cases, print the Markdown report; 1 when a command did not pass."""
    args = _parse_args(argv)
    report = Report()
    billcheck = billcheck_tool()
    peer = None if args.skip_peer else peer_tool()
    if peer is None and not args.skip_peer:
        report.skipped.append(f"{PEER}: not installed, peer runs skipped")
    context = Context(
        billcheck=billcheck,
        peer=peer,
        inputs=Inputs(args.cache_dir, args.seed, report),
        report=report,
        repeat=args.repeat,
        timeout_seconds=args.timeout,
    )
    for case in args.cases:
        CASES[case](context, args.sizes)
    print(render(report, billcheck, peer))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
