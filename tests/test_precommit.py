"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit client.

pre-commit installs billcheck from a git repository, so the tests first snapshot this
checkout (working tree as it is, committed or not) into a scratch repository. The hook's
environment is installed once per session into a shared PRE_COMMIT_HOME; `try-repo`
always installs into a fresh temporary store, so only one test uses it.
Rules span files, so the hook checks the whole tree even when one file is staged, and
still runs when a commit only deletes files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, write_tree

# Not part of the product: what a pip-installed copy of billcheck would not ship either.
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".venv", "venv",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis",
)

PRODUCTS = """\
products:
  - code: api
    name: API
"""
PLANS = """\
planTemplates:
  - code: api-monthly
    name: API monthly
    product: api
    currency: USD
    billFrequency: MONTHLY
    standingCharge: 10
plans:
  - code: api-basic
    name: API basic
    planTemplate: api-monthly
  - code: api-pro
    name: API pro
    planTemplate: api-monthly
"""
ACME = """\
accounts:
  - code: acme
    name: Acme
    emailAddress: billing@acme.example
accountPlans:
  - code: acme-pro
    account: acme
    plan: api-pro
    startDate: 2025-06-01
"""
PRICING = """\
aggregations:
  - code: api-requests
    name: API requests
    unit: requests
    aggregation: SUM
pricings:
  - code: api-monthly-2025
    planTemplate: api-monthly
    aggregation: api-requests
    startDate: 2025-01-01
    pricingBands:
      - lowerLimit: 0
        unitPrice: 0.01
"""
CLEAN_TREE = {
    "products.yaml": PRODUCTS, "plans.yaml": PLANS, "pricing.yaml": PRICING,
    "accounts/acme.yaml": ACME,
}


@dataclass(frozen=True)
class HookRepo:
    """A git repository holding this checkout, as pre-commit's `repo:` and `rev:`."""

    path: Path
    rev: str


def git(cwd: Path, *args: str) -> str:
    """Run git quietly in `cwd` and return its standard output."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=isolated_environment(), capture_output=True, text=True,
        check=True,
    )
    return done.stdout.strip()


def isolated_environment(**extra: str) -> dict[str, str]:
    """The environment without the user's git config, colour or CI settings."""
    env = {
        name: value for name, value in os.environ.items()
        if not name.startswith(("GIT_", "PRE_COMMIT", "GITHUB_")) and name != "FORCE_COLOR"
    }
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
        GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.com",
    )
    env.update(extra)
    return env


def commit_everything(repo: Path, message: str) -> None:
    """Stage every change (deletions included) and commit it."""
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--no-verify", "-m", message)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """This checkout's working tree committed into a scratch repository."""
    path = tmp_path_factory.mktemp("hook-repo") / "billcheck"
    shutil.copytree(REPO_ROOT, path, ignore=SNAPSHOT_IGNORE)
    git(path, "init", "--quiet")
    commit_everything(path, "snapshot")
    return HookRepo(path, git(path, "rev-parse", "HEAD"))


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory, hook_repo: HookRepo) -> Path:
    """A PRE_COMMIT_HOME in which the billcheck hook's environment is installed once."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    project = tmp_path_factory.mktemp("install")
    git(project, "init", "--quiet")
    write_config(project, hook_repo)
    done = pre_commit(project, home, "install-hooks")
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def write_config(project: Path, hook_repo: HookRepo, hook_id: str = "billcheck") -> None:
    """A .pre-commit-config.yaml that uses one billcheck hook from the snapshot."""
    (project / ".pre-commit-config.yaml").write_text(textwrap.dedent(f"""\
        repos:
          - repo: {hook_repo.path.as_posix()}
            rev: {hook_repo.rev}
            hooks:
              - id: {hook_id}
        """), encoding="utf-8")


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the pre-commit client in `cwd` with `home` as its PRE_COMMIT_HOME."""
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=cwd,
        env=isolated_environment(PRE_COMMIT_HOME=str(home)), capture_output=True, text=True,
        check=False,
    )


class Project:
    """A user's repository that uses the billcheck hook."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root, self.home = root, home

    def write(self, files: Mapping[str, str]) -> None:
        """Write `{relative path: text}` into the working tree."""
        write_tree(self.root, files)

    def run_hook(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`pre-commit run billcheck ARGS...`: on the staged files unless told otherwise."""
        return pre_commit(self.root, self.home, "run", "billcheck", *args)

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        """`git commit` with the installed pre-commit hook."""
        return subprocess.run(
            ["git", "commit", "--quiet", "-m", message], cwd=self.root,
            env=isolated_environment(PRE_COMMIT_HOME=str(self.home)),
            capture_output=True, text=True, check=False,
        )


@pytest.fixture
def project(tmp_path: Path, hook_repo: HookRepo, pre_commit_home: Path) -> Iterator[Project]:
    """A fresh git repository whose .pre-commit-config.yaml uses the billcheck hook."""
    git(tmp_path, "init", "--quiet")
    write_config(tmp_path, hook_repo)
    yield Project(tmp_path, pre_commit_home)


def test_manifest_is_valid_for_pre_commit(tmp_path: Path) -> None:
    done = pre_commit(REPO_ROOT, tmp_path, "validate-manifest", ".pre-commit-hooks.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_try_repo_passes_on_a_clean_tree(tmp_path: Path, hook_repo: HookRepo) -> None:
    git(tmp_path, "init", "--quiet")
    write_tree(tmp_path, CLEAN_TREE)
    commit_everything(tmp_path, "clean billing config")
    done = pre_commit(tmp_path, tmp_path / "home", "try-repo", str(hook_repo.path), "billcheck",
                      "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "billcheck validate" in done.stdout
    assert "Passed" in done.stdout


@pytest.mark.parametrize(("broken", "rule"), [
    ("accounts:\n  - code: acme\n    name: Acme\n    emailAddress: a@acme.example\n"
     "    colour: red\n", "BC101"),
    ("accounts:\n  - code: acme\n    name: [Acme\n", "BC001"),
], ids=["unknown-field", "syntax-error"])
def test_hook_fails_and_names_the_rule(project: Project, broken: str, rule: str) -> None:
    project.write({**CLEAN_TREE, "accounts/acme.yaml": broken})
    commit_everything(project.root, "broken billing config")
    done = project.run_hook("--all-files")
    assert done.returncode == 1, done.stdout
    assert "accounts/acme.yaml:" in done.stdout
    assert rule in done.stdout


def test_a_commit_that_only_deletes_a_file_is_still_checked(project: Project) -> None:
    # The config file excluded a draft with an unknown field; deleting it brings the
    # draft into the tree. No YAML file is added or modified by the commit.
    project.write({
        **CLEAN_TREE,
        ".billcheck.yaml": "exclude: [drafts]\n",
        "drafts/initech.yaml": (
            "accounts:\n  - code: initech\n    name: Initech\n"
            "    emailAddress: billing@initech.example\n    colour: red\n"
        ),
    })
    commit_everything(project.root, "billing config with a draft")
    assert pre_commit(project.root, project.home, "install").returncode == 0
    head = git(project.root, "rev-parse", "HEAD")
    git(project.root, "rm", "--quiet", ".billcheck.yaml")
    done = project.commit("stop excluding drafts")
    output = done.stdout + done.stderr  # git shows the hook's output on standard error
    assert done.returncode == 1, output
    assert "drafts/initech.yaml:5:5: error BC101" in output
    assert git(project.root, "rev-parse", "HEAD") == head


# The two tests below need the cross-file rules BC302 (branch rules-b) and BC202 (rules-a).


def test_a_staged_file_that_causes_an_overlap_in_another_file_fails(project: Project) -> None:
    project.write(CLEAN_TREE)
    commit_everything(project.root, "clean billing config")
    # Only the new file is staged; the overlap is reported at the plan that starts later,
    # acme-pro, in the unchanged accounts/acme.yaml.
    project.write({"accounts/acme-history.yaml": textwrap.dedent("""\
        accountPlans:
          - code: acme-basic
            account: acme
            plan: api-basic
            startDate: 2025-01-01
            endDate: 2025-09-01
        """)})
    git(project.root, "add", "accounts/acme-history.yaml")
    done = project.run_hook()
    assert done.returncode == 1, done.stdout
    assert "accounts/acme.yaml:9:" in done.stdout
    assert "BC302" in done.stdout


def test_deleting_a_file_that_satisfied_a_reference_fails(project: Project) -> None:
    project.write(CLEAN_TREE)
    commit_everything(project.root, "clean billing config")
    git(project.root, "rm", "--quiet", "products.yaml")
    done = project.run_hook()
    assert done.returncode == 1, done.stdout
    assert "plans.yaml:4:" in done.stdout
    assert "BC202" in done.stdout


def test_the_documented_configs_are_valid_for_pre_commit(tmp_path: Path) -> None:
    docs = (REPO_ROOT / "docs" / "ci-integration.md").read_text(encoding="utf-8")
    configs = [block for block in re.findall(r"```yaml\n(.*?)```", docs, re.DOTALL)
               if "hooks:" in block]
    assert len(configs) == 2  # the hook repository and the local hook
    for index, config in enumerate(configs):
        path = tmp_path / f"config-{index}.yaml"
        path.write_text(config, encoding="utf-8")
        done = pre_commit(tmp_path, tmp_path, "validate-config", str(path))
        assert done.returncode == 0, done.stdout + done.stderr
    assert "id: billcheck-preview" in configs[0]
