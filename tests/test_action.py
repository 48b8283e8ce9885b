"""action.yml, the composite GitHub Action: its schema, its inputs, and its scripts.

The scripts are run as the Actions runner runs them (`bash -eo pipefail`, the step's
`env:` with its `${{ }}` expressions filled in, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
files), with `billcheck` on PATH being this checkout. `billcheck diff` is not built yet,
so the preview tests put a stand-in for it on PATH that records its arguments.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT, write_tree

ACTION_FILE = REPO_ROOT / "action.yml"
ACTION: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

CLEAN_ACCOUNT = """\
accounts:
  - code: acme
    name: Acme
    emailAddress: billing@acme.example
"""
UNKNOWN_FIELD = CLEAN_ACCOUNT + "    colour: red\n"
# `code: no` is only a warning (BC005): the string "no", a boolean to YAML 1.1 readers.
WARNING_ONLY = CLEAN_ACCOUNT.replace("code: acme", "code: no")


@dataclass(frozen=True)
class FakeDiff:
    """What the stand-in `billcheck diff` prints and returns."""

    stdout: str = ""
    stderr: str = ""
    status: int = 0


@dataclass
class StepRun:
    """The outcome of one step: exit status, log, outputs and the job summary so far."""

    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class Job:
    """Runs the action's scripts one step at a time, like a job that uses the action."""

    workspace: Path
    temp: Path
    context: dict[str, str] = field(default_factory=dict)
    fake_diff: FakeDiff | None = None

    @property
    def diff_arguments_file(self) -> Path:
        """Where the stand-in `billcheck diff` writes the arguments it was given."""
        return self.temp / "diff-arguments.json"

    def run(self, step_id: str, **inputs: str) -> StepRun:
        """Run the step `step_id` with these inputs (`fail_on` for `fail-on`)."""
        step = next(step for step in STEPS if step.get("id") == step_id)
        output_file, summary_file = self.temp / f"output-{step_id}", self.temp / "summary.md"
        output_file.write_text("", encoding="utf-8")
        summary_file.touch()
        script = self.temp / f"{step_id}.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = self._environment(output_file, summary_file)
        context = {**self.context, **self._inputs(inputs)}
        env.update({name: fill(value, context) for name, value in step.get("env", {}).items()})
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace, env=env, capture_output=True, text=True, check=False,
        )
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
        self.context.update({f"steps.{step_id}.outputs.{k}": v for k, v in outputs.items()})
        return StepRun(done.returncode, done.stdout, done.stderr, outputs,
                       summary_file.read_text(encoding="utf-8"))

    def _environment(self, output_file: Path, summary_file: Path) -> dict[str, str]:
        """What the runner gives every step, with `billcheck` from this checkout on PATH."""
        env = clean_environment()
        env.update(
            PATH=f"{self._install_billcheck()}{os.pathsep}{env['PATH']}",
            PYTHONPATH=str(REPO_ROOT), GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(output_file),
            GITHUB_STEP_SUMMARY=str(summary_file), GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_ACTION_PATH=str(REPO_ROOT), RUNNER_TEMP=str(self.temp),
        )
        return env

    def _inputs(self, given: Mapping[str, str]) -> dict[str, str]:
        values = {name.replace("_", "-"): value for name, value in given.items()}
        unknown = set(values) - set(ACTION["inputs"])
        assert not unknown, f"action.yml has no input {unknown}"
        defaults = {name: fill(str(spec.get("default", "")), self.context)
                    for name, spec in ACTION["inputs"].items()}
        return {f"inputs.{name}": value for name, value in {**defaults, **values}.items()}

    def _install_billcheck(self) -> Path:
        """A `billcheck` command that runs this checkout, or the stand-in for `diff`."""
        bin_dir = self.temp / "bin"
        bin_dir.mkdir(exist_ok=True)
        fake_file = self.temp / "fake-diff.json"
        if self.fake_diff is not None:
            fake_file.write_text(json.dumps(self.fake_diff.__dict__), encoding="utf-8")
        command = bin_dir / "billcheck"
        command.write_text(textwrap.dedent(f"""\
            #!{sys.executable}
            import json, os, sys
            if sys.argv[1:2] == ["diff"] and os.path.exists({str(fake_file)!r}):
                with open({str(fake_file)!r}) as fake_file:
                    fake = json.load(fake_file)
                with open({str(self.diff_arguments_file)!r}, "w") as arguments:
                    json.dump(sys.argv[1:], arguments)
                sys.stdout.write(fake["stdout"])
                sys.stderr.write(fake["stderr"])
                sys.exit(fake["status"])
            from validator.cli import run
            run()
            """), encoding="utf-8")
        command.chmod(0o755)
        return bin_dir


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without GitHub, git or colour settings, plus `extra`."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("GITHUB_", "GIT_", "RUNNER_"))
           and name not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", **extra)
    return env


def fill(text: str, context: Mapping[str, str]) -> str:
    """`text` with each `${{ name }}` replaced by its value (every name must be known)."""
    return EXPRESSION.sub(lambda match: context[match.group(1)], text)


@pytest.fixture
def make_job(tmp_path: Path) -> Callable[..., Job]:
    """A job in `workspace` (default: this checkout), with an empty runner temp folder."""

    def make(workspace: Path = REPO_ROOT, fake_diff: FakeDiff | None = None,
             **context: str) -> Job:
        temp = Path(tempfile.mkdtemp(prefix="runner-temp-", dir=tmp_path))
        defaults = {"github.action_path": str(REPO_ROOT), "runner.temp": str(temp),
                    "github.event.pull_request.base.sha": ""}
        return Job(workspace, temp, {**defaults, **context}, fake_diff)

    return make


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` without the user's configuration; its standard output."""
    env = clean_environment(GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="test@example.com",
                            GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="test@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def committed_repository(root: Path, files: Mapping[str, str], branch: str) -> str:
    """A git repository at `root` holding `files` in one commit on `branch`; its sha."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet", "--initial-branch", branch)
    write_tree(root, files)
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "billing config")
    return git(root, "rev-parse", "HEAD")


# -- the action file -----------------------------------------------------------------


def test_action_matches_the_github_action_schema() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions",
         str(ACTION_FILE)], capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_input_is_used_and_every_input_used_is_declared() -> None:
    used = set(re.findall(r"inputs\.([\w-]+)", yaml.safe_dump([STEPS, ACTION["outputs"]])))
    assert used == set(ACTION["inputs"])


def test_scripts_read_inputs_from_the_environment_never_as_shell_code() -> None:
    scripts = [step["run"] for step in STEPS if "run" in step]
    assert scripts
    assert [script for script in scripts if "${{" in script] == []


# -- validate and verdict ------------------------------------------------------------


def test_a_clean_tree_passes_and_its_sarif_file_is_written(make_job: Callable[..., Job]) -> None:
    job = make_job()
    validate = job.run("validate", paths="examples/acme", upload_sarif="true")
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.endswith(" checked: 0 errors, 0 warnings, 0 infos\n")
    assert "::" not in validate.stdout
    assert validate.outputs["status"] == "0"
    sarif = json.loads(Path(validate.outputs["sarif-file"]).read_text(encoding="utf-8"))
    assert (sarif["version"], sarif["runs"][0]["results"]) == ("2.1.0", [])
    assert job.run("verdict", paths="examples/acme").returncode == 0


def test_findings_are_annotations_and_fail_the_verdict(make_job: Callable[..., Job]) -> None:
    job = make_job()
    validate = job.run("validate", paths="examples/broken")
    direct = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--format", "github", "examples/broken"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    assert validate.stdout == direct.stdout
    assert validate.stdout.startswith("::error file=examples/broken/")
    assert validate.outputs == {"status": "1"}  # no SARIF unless asked
    verdict = job.run("verdict")
    assert verdict.returncode == 1
    assert "findings at or above error" in verdict.stdout


@pytest.mark.parametrize(("fail_on", "status"), [("error", "0"), ("warning", "1")])
def test_fail_on_decides_whether_a_warning_fails(
    tmp_path: Path, make_job: Callable[..., Job], fail_on: str, status: str
) -> None:
    write_tree(tmp_path / "tree", {"accounts.yaml": WARNING_ONLY})
    job = make_job(tmp_path / "tree")
    validate = job.run("validate", fail_on=fail_on)
    assert validate.outputs["status"] == status
    assert "::warning file=accounts.yaml,line=2,col=11,title=BC005::" in validate.stdout
    assert job.run("verdict", fail_on=fail_on).returncode == int(status)


def test_paths_are_one_per_line_and_may_contain_spaces(
    tmp_path: Path, make_job: Callable[..., Job]
) -> None:
    job = make_job(write_tree(tmp_path / "repo", {
        "billing config/accounts.yaml": CLEAN_ACCOUNT,
        "drafts/accounts.yaml": UNKNOWN_FIELD.replace("acme", "initech"),
    }))
    assert job.run("validate", paths="billing config\n").outputs == {"status": "0"}
    both = job.run("validate", paths="billing config\ndrafts\n")
    assert both.outputs == {"status": "1"}
    assert "::error file=drafts/accounts.yaml,line=5,col=5,title=BC101::" in both.stdout


@pytest.mark.parametrize(("inputs", "message"), [
    ({"fail_on": "never"}, "Invalid value for '--fail-on'"),
    ({"upload_sarif": "yes"}, "::error title=billcheck::upload-sarif must be true or false"),
])
def test_unusable_inputs_stop_the_check_with_status_2(
    make_job: Callable[..., Job], inputs: dict[str, str], message: str
) -> None:
    job = make_job()
    validate = job.run("validate", paths="examples/acme", **inputs)
    assert validate.outputs == {"status": "2"}
    assert message in validate.stdout + validate.stderr
    verdict = job.run("verdict", **inputs)
    assert verdict.returncode == 2
    assert "billcheck could not run" in verdict.stdout


# -- bill preview --------------------------------------------------------------------


def test_no_preview_without_a_window(tmp_path: Path, make_job: Callable[..., Job]) -> None:
    sha = committed_repository(tmp_path / "repo", {"accounts.yaml": CLEAN_ACCOUNT}, "main")
    job = make_job(tmp_path / "repo", FakeDiff("| bill |\n"), **{
        "github.event.pull_request.base.sha": sha})
    preview = job.run("preview")
    assert (preview.returncode, preview.stdout, preview.summary) == (0, "", "")
    assert not job.diff_arguments_file.exists()


@pytest.mark.parametrize(("inputs", "annotation"), [
    ({"preview_from": "2025-01-01"},
     "::warning title=billcheck preview::Set both preview-from and preview-to"),
    ({"preview_from": "2025-01-01", "preview_to": "2025-04-01"},
     "::notice title=billcheck preview::No base commit to compare with"),
])
def test_a_preview_that_cannot_run_is_explained_and_does_not_fail(
    tmp_path: Path, make_job: Callable[..., Job], inputs: dict[str, str], annotation: str
) -> None:
    committed_repository(tmp_path / "repo", {"accounts.yaml": CLEAN_ACCOUNT}, "main")
    job = make_job(tmp_path / "repo", FakeDiff("| bill |\n"))
    preview = job.run("preview", **inputs)
    assert preview.returncode == 0
    assert preview.stdout.startswith(annotation)
    assert annotation.split("::")[-1] in preview.summary
    assert not job.diff_arguments_file.exists()


def test_the_preview_diff_goes_to_the_job_summary(
    tmp_path: Path, make_job: Callable[..., Job]
) -> None:
    workspace = tmp_path / "repo"
    sha = committed_repository(workspace, {"billing/accounts.yaml": CLEAN_ACCOUNT}, "main")
    job = make_job(workspace, FakeDiff("| account | before | after |\n"), **{
        "github.event.pull_request.base.sha": sha})
    preview = job.run("preview", paths="billing\n", preview_from="2025-01-01",
                      preview_to="2025-04-01", usage="usage/jan.csv\nusage/feb.csv\n")
    assert (preview.returncode, preview.stdout) == (0, "")
    assert preview.summary == "## Bill preview\n\n| account | before | after |\n"
    assert json.loads(job.diff_arguments_file.read_text()) == [
        "diff", "--git", sha, "--from", "2025-01-01", "--to", "2025-04-01",
        "--format", "markdown", "--usage", "usage/jan.csv", "--usage", "usage/feb.csv",
        "--", "billing",
    ]


def test_a_base_that_the_checkout_lacks_is_fetched(
    tmp_path: Path, make_job: Callable[..., Job]
) -> None:
    base = committed_repository(tmp_path / "origin", {"accounts.yaml": CLEAN_ACCOUNT}, "main")
    workspace = tmp_path / "repo"
    committed_repository(workspace, {"accounts.yaml": WARNING_ONLY}, "topic")
    git(workspace, "remote", "add", "origin", str(tmp_path / "origin"))
    job = make_job(workspace, FakeDiff("| bill |\n"))
    preview = job.run("preview", base_ref="main", preview_from="2025-01-01",
                      preview_to="2025-04-01")
    assert preview.returncode == 0, preview.stderr
    assert json.loads(job.diff_arguments_file.read_text())[:3] == ["diff", "--git", base]


@pytest.mark.parametrize(("fake", "annotation"), [
    (FakeDiff(stderr="billcheck: not a git repository\n", status=2),
     "::warning title=billcheck preview::billcheck diff failed (exit status 2, see the log)"),
    (FakeDiff(stderr="billcheck: usage.csv:3: bad number\n::error::injected\n", status=1),
     "::warning title=billcheck preview::billcheck diff failed (exit status 1, see the log)"),
])
def test_a_failing_diff_is_a_notice_not_a_failure(
    tmp_path: Path, make_job: Callable[..., Job], fake: FakeDiff, annotation: str
) -> None:
    sha = committed_repository(tmp_path / "repo", {"accounts.yaml": CLEAN_ACCOUNT}, "main")
    job = make_job(tmp_path / "repo", fake, **{"github.event.pull_request.base.sha": sha})
    preview = job.run("preview", preview_from="2025-01-01", preview_to="2025-04-01")
    assert preview.returncode == 0
    lines = preview.stdout.splitlines()
    # billcheck's own messages are shown with workflow commands switched off.
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[:-1] == [f"::stop-commands::{token}", *fake.stderr.splitlines(), f"::{token}::"]
    assert lines[-1].startswith(annotation)
    assert token and token not in fake.stderr
    assert annotation.split("::")[-1] in preview.summary


def test_a_diff_of_a_head_with_errors_is_still_posted(
    tmp_path: Path, make_job: Callable[..., Job]
) -> None:
    sha = committed_repository(tmp_path / "repo", {"accounts.yaml": CLEAN_ACCOUNT}, "main")
    fake = FakeDiff("| bill | before | after |\n", status=1)
    job = make_job(tmp_path / "repo", fake, **{"github.event.pull_request.base.sha": sha})
    preview = job.run("preview", preview_from="2025-01-01", preview_to="2025-04-01")
    assert preview.returncode == 0
    assert preview.summary == "## Bill preview\n\n| bill | before | after |\n"


# -- docs/ci-integration.md ----------------------------------------------------------

DOCS = (REPO_ROOT / "docs" / "ci-integration.md").read_text(encoding="utf-8")
DOC_YAML = re.findall(r"```yaml\n(.*?)```", DOCS, re.DOTALL)
DOC_BLOCKS = [yaml.safe_load(block) for block in DOC_YAML]
FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "sarif": lambda text: json.loads(text)["version"] == "2.1.0",
    "gitlab": lambda text: isinstance(json.loads(text), list),
    "junit": lambda text: ET.fromstring(text).tag == "testsuites",
    "github": lambda text: text.startswith("::error file="),
    "text": lambda text: re.match(r"\S+:\d+:\d+: error BC\d{3} ", text) is not None,
}


def documented_workflows() -> list[tuple[str, dict[Any, Any]]]:
    """The GitHub workflows shown in the docs: their text, and their data."""
    return [(text, block) for text, block in zip(DOC_YAML, DOC_BLOCKS, strict=True)
            if isinstance(block, dict) and "jobs" in block]


def documented_ci_runs() -> list[Any]:
    """The documented multi-format commands: (command, {file: format it must hold}, log)."""
    gitlab = next(block["billcheck"] for block in DOC_BLOCKS
                  if isinstance(block, dict) and "billcheck" in block)
    reports = gitlab["artifacts"]["reports"]
    plain_steps = documented_workflows()[1][1]["jobs"]["validate"]["steps"]
    sarif_file = next(step["with"]["sarif_file"] for step in plain_steps
                      if "upload-sarif" in step.get("uses", ""))
    return [
        pytest.param(
            next(line for line in gitlab["script"] if line.startswith("billcheck validate")),
            {reports["codequality"]: "gitlab", reports["junit"]: "junit"}, "text", id="gitlab",
        ),
        pytest.param(
            next(step["run"] for step in plain_steps
                 if step.get("run", "").startswith("billcheck validate")),
            {sarif_file: "sarif"}, "github", id="github-actions",
        ),
    ]


def test_the_documented_workflows_are_valid_and_use_real_inputs(tmp_path: Path) -> None:
    workflows = documented_workflows()
    assert len(workflows) == 2  # with the action, and with plain steps
    for index, (text, _) in enumerate(workflows):
        path = tmp_path / f"workflow-{index}.yaml"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
             "vendor.github-workflows", str(path)], capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    action_steps = [step for step in workflows[0][1]["jobs"]["billcheck"]["steps"]
                    if step.get("uses", "").startswith("OWNER/billcheck@")]
    assert len(action_steps) == 1
    assert set(action_steps[0]["with"]) <= set(ACTION["inputs"])


@pytest.mark.parametrize(("command", "files", "log"), documented_ci_runs())
def test_each_documented_report_file_gets_its_format(
    tmp_path: Path, command: str, files: dict[str, str], log: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "validator", *shlex.split(command)[1:],
         str(REPO_ROOT / "examples" / "broken")],
        cwd=tmp_path, env=clean_environment(PYTHONPATH=str(REPO_ROOT)),
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1, done.stderr
    for name, expected in files.items():
        assert FORMAT_CHECKS[expected]((tmp_path / name).read_text(encoding="utf-8")), name
    assert FORMAT_CHECKS[log](done.stdout)
