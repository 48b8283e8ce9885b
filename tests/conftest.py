"""Shared fixtures: writing config trees to a temporary folder and running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO_ROOT = Path(__file__).resolve().parent.parent

# The load cache of every test run lives in a fresh folder, never in the user's own cache.
os.environ.setdefault("BILLCHECK_CACHE_DIR", tempfile.mkdtemp(prefix="billcheck-test-cache-"))


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write `{relative path: text}` under root (text is dedented) and return root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Mapping[str, str]], Path]:
    """Write files into a fresh folder and make it the working directory."""
    monkeypatch.chdir(tmp_path)

    def make(files: Mapping[str, str]) -> Path:
        return write_tree(tmp_path, files)

    return make


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run `billcheck ARGS...` in-process (click's CliRunner) in the current directory."""
    from validator.cli import main

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def billcheck_process() -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """Run billcheck as a real process (`python -m validator`) from this checkout."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NO_COLOR="1")

    def run(
        *args: str, cwd: Path | None = None, **kwargs: object
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "validator", *args], cwd=cwd, env=env,
            capture_output=True, text=True, check=False, **kwargs,  # type: ignore[call-overload]
        )

    yield run
