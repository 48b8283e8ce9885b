"""billcheck keeps to itself: it never writes into the checked tree, never reads outside
the paths it is given (and its own installation and load cache), never opens a network
connection, and never starts a process or runs code named by the config.

Every subcommand runs in a real process under a Python audit hook (PEP 578) that records
each file opened and denies — and records — every socket and process operation. The
checked tree is snapshotted (bytes, modes and mtimes of every entry) before and after.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import site
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT

Process = Callable[..., "subprocess.CompletedProcess[str]"]
PACKAGE = REPO_ROOT / "validator"

# Run billcheck as `python -m validator` does, under an audit hook. Network and process
# events are denied and recorded; opens and file-system changes are recorded.
AUDITED_RUN = r"""
import atexit, json, os, sys
log_path = os.environ.pop("BILLCHECK_AUDIT_LOG")
DENIED = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
          "os.fork", "os.forkpty", "pty.spawn", "webbrowser.", "http.client.",
          "urllib.Request", "ctypes.dlopen", "os.startfile")
CHANGES = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
           "os.utime", "os.truncate", "os.symlink", "os.link", "shutil.")
events, recording = [], [True]
def hook(event, args):
    if not recording[0]:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(path, (str, bytes)):
            events.append(["open", os.path.abspath(os.fsdecode(path)), mode, flags])
    elif event.startswith(DENIED):
        events.append([event, repr(args)[:300]])
        raise PermissionError(f"denied by the test's audit hook: {event}")
    elif event.startswith(CHANGES):
        events.append([event, repr(args)[:300]])
def dump():
    recording[0] = False
    with open(log_path, "w", encoding="utf-8") as out:
        json.dump(events, out)
atexit.register(dump)
sys.addaudithook(hook)
sys.argv = ["billcheck", *sys.argv[1:]]
import runpy
runpy.run_module("validator", run_name="__main__", alter_sys=True)
"""
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
SECRET = "ghp_SECRETsecretSECRETsecret"


def installation_prefixes() -> list[str]:
    """Where billcheck may read its own code and data: Python, site-packages, the checkout."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(REPO_ROOT),
                *site.getsitepackages(), site.getusersitepackages(), "/usr/share/zoneinfo"}
    prefixes.update(entry for entry in sys.path if os.path.isabs(entry))
    return sorted(os.path.realpath(prefix) for prefix in prefixes)


def is_under(path: str, folders: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == folder or real.startswith(folder + os.sep) for folder in folders)


def snapshot(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under root (links not followed): kind, mode, mtime, and bytes or target."""
    entries: dict[str, tuple[Any, ...]] = {}
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            path = Path(folder) / name
            status = path.lstat()
            if path.is_symlink():
                content: Any = os.readlink(path)
            elif path.is_file():
                content = path.read_bytes()
            else:
                content = None
            entries[str(path.relative_to(root))] = (
                status.st_mode, status.st_mtime_ns, status.st_size, content,
            )
    return entries


class Audited:
    """Runs billcheck commands in `tree` under the audit hook; outputs go to `outside`.

    The load cache is `outside/cache` (the one place billcheck writes unasked).
    """

    def __init__(self, tree: Path, outside: Path) -> None:
        self.tree = tree
        self.outside = outside
        self.cache = outside / "cache"
        self.runs = 0

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, list[Any]]:
        self.runs += 1
        log = self.outside / f"audit-{self.runs}.json"
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), NO_COLOR="1",
                   BILLCHECK_AUDIT_LOG=str(log), BILLCHECK_CACHE_DIR=str(self.cache))
        env.pop("GITHUB_ACTIONS", None)
        result = subprocess.run(
            [sys.executable, "-c", AUDITED_RUN, *args], cwd=self.tree, env=env, input=stdin,
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stdout + result.stderr, json.loads(log.read_text())


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[Audited]:
    """The examples copied into a tree, with a secret beside it that a link points at."""
    tree = tmp_path / "tree"
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copytree(REPO_ROOT / "examples", tree)
    (outside / "secret.yaml").write_text(f"{SECRET}: 1\n")
    os.symlink(outside / "secret.yaml", tree / "acme" / "leak.yaml")
    (tree / ".git").mkdir()
    (tree / ".git" / "config").write_text(f"{SECRET}: 2\n")
    os.symlink("../.git/config", tree / "acme" / "git-config.yaml")
    yield Audited(tree, outside)


def in_cache(event: list[Any], cache: Path) -> bool:
    """Whether a file-system change (a folder made, an entry renamed into place) stays in
    the load cache: every path it names is under `cache`."""
    paths = re.findall(r"'([^']*)'", event[1]) if len(event) == 2 else []
    return bool(paths) and all(is_under(path, [os.path.realpath(cache)]) for path in paths)


def assert_kept_to_itself(
    events: list[Any], tree: Path, may_write: set[Path], named: set[str], cache: Path
) -> None:
    """Only opens (and the load cache's own folders and renames); writes only to `may_write`
    and the cache; reads only the tree, the files named on the command line (`named`),
    billcheck's own installation and the cache."""
    allowed_reads = [os.path.realpath(tree), *installation_prefixes(), os.path.realpath(cache)]
    written = {os.path.realpath(path) for path in may_write}
    for event in events:
        assert event[0] == "open" or in_cache(event, cache), f"billcheck tried {event}"
        if event[0] != "open":
            continue
        _, path, mode, flags = event
        writes = (mode is not None and any(c in mode for c in "wax+")) or (
            mode is None and flags & WRITE_FLAGS)
        if writes:
            assert os.path.realpath(path) in written or is_under(path, [str(cache)]), (
                f"wrote {path}")
        else:
            assert is_under(path, allowed_reads) or os.path.realpath(path) in written | named, (
                f"read {path}, outside the checked tree")
        assert not path.endswith(("secret.yaml", ".git/config")), f"opened {path}"


def test_every_command_leaves_the_tree_alone_and_keeps_to_itself(audited: Audited) -> None:
    tree, outside = audited.tree, audited.outside
    before = snapshot(tree)
    outputs = {name: outside / f"report.{name}" for name in
               ("text", "json", "sarif", "github", "junit", "gitlab")}
    formats = [arg for name, path in outputs.items()
               for arg in ("--format", name, "--output", str(path))]
    commands: list[tuple[tuple[str, ...], set[Path]]] = [
        (("validate",), set()),
        (("validate", "acme", "--show-source", "--format", "text"), set()),
        (("validate", "acme", *formats), set(outputs.values())),
        (("validate", "broken", "--baseline", str(outside / "baseline.json")),
         {outside / "baseline.json"}),
        (("validate", "broken", "--baseline", str(outside / "baseline.json")), set()),
        (("validate", "-", "--stdin-filename", "acme/x.yaml"), set()),
        (("rules",), set()),
        (("explain", "BC302"), set()),
        (("preview", "acme", "--from", "2025-01-01", "--to", "2025-04-01", "--usage",
          "acme-usage.csv", "--format", "json", "--output", str(outside / "bills.json")),
         {outside / "bills.json"}),
        (("preview", "acme", "--from", "2025-01-01", "--to", "2025-02-01", "--format", "html",
          "--output", str(outside / "bills.html")), {outside / "bills.html"}),
        (("show", "globex", "acme", "--as-of", "2025-03-10", "--format", "json"), set()),
        (("show", "--tree", "acme"), set()),
        (("diff", "broken", "acme", "--from", "2025-01-01", "--to", "2025-02-01",
          "--format", "json"), set()),
    ]
    opened_tree_files = 0
    for args, may_write in commands:
        code, output, events = audited(*args, stdin="accounts: []\n")
        assert code in (0, 1, 2), (args, output)
        assert SECRET not in output
        named = {os.path.realpath(arg) for arg in args if os.path.isabs(arg)}
        assert_kept_to_itself(events, tree, may_write, named, audited.cache)
        opened_tree_files += sum(1 for event in events if is_under(event[1], [str(tree)]))
    assert opened_tree_files > 0  # the hook sees billcheck's reads, so the checks above bite
    assert snapshot(tree) == before
    assert json.loads(outputs["json"].read_text())["summary"]["files"] > 0
    assert any(path.is_file() for path in audited.cache.rglob("*"))  # the cache was in use


def test_networking_and_processes_are_denied_and_never_tried(audited: Audited) -> None:
    (audited.tree / "tags.yaml").write_text(
        "a: !!python/object/apply:os.system ['touch pwned']\n"
        "b: !!python/object/apply:socket.create_connection [[example.com, 80]]\n"
    )
    code, output, events = audited("validate", "--format", "json")
    assert code == 1
    assert {f["rule"] for f in json.loads(output)["findings"]} >= {"BC003"}
    assert [event for event in events
            if event[0] != "open" and not in_cache(event, audited.cache)] == []
    assert not (audited.tree / "pwned").exists()


def test_the_audit_hook_does_deny_and_record_a_connection(tmp_path: Path) -> None:
    """The harness itself: a connection attempt under the hook is refused and logged."""
    log = tmp_path / "audit.json"
    probe = AUDITED_RUN.replace(
        'runpy.run_module("validator", run_name="__main__", alter_sys=True)',
        'import socket\ntry:\n    socket.create_connection(("127.0.0.1", 9))\n'
        'except PermissionError:\n    print("denied")',
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=dict(os.environ, BILLCHECK_AUDIT_LOG=str(log)), check=False,
                            timeout=60)
    assert result.stdout == "denied\n"
    recorded = [event[0] for event in json.loads(log.read_text()) if event[0] != "open"]
    assert recorded[:1] in (["socket.getaddrinfo"], ["socket.__new__"], ["socket.connect"])


def test_python_m_does_not_import_modules_from_the_checked_tree(
    tmp_path: Path, billcheck_process: Process
) -> None:
    for module in ("json", "click", "yaml", "decimal", "difflib", "jsonschema_rs", "fnmatch"):
        marker = tmp_path / f"imported-{module}"
        (tmp_path / f"{module}.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (tmp_path / "a.yaml").write_text("accounts: []\n")
    result = billcheck_process("validate", "a.yaml", cwd=tmp_path, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(path.name for path in tmp_path.glob("imported-*")) == []


# -- the package source ------------------------------------------------------------------

FORBIDDEN_MODULES = {
    "subprocess", "socket", "ssl", "http", "urllib.request", "ftplib", "smtplib", "telnetlib",
    "xmlrpc", "multiprocessing", "pickle", "marshal", "shelve", "ctypes", "pty",
    "webbrowser", "requests", "httpx", "aiohttp", "urllib3",
}
FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "__import__", "os.system", "os.popen", "os.fork",
    "os.execv", "os.execve", "os.execl", "os.execlp", "os.execvp", "os.spawnv", "os.spawnl",
    "os.posix_spawn", "os.posix_spawnp", "yaml.load", "yaml.load_all", "yaml.unsafe_load",
    "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all",
}
# The reporter table imports its modules by name: a fixed table, never config text.
ALLOWED_IMPORT_MODULE = {"validator/reporters/__init__.py"}
# The load cache's entry format (docs/performance.md): billcheck's own plain data, written
# and read only in billcheck's cache directory; marshal builds data, it never runs code.
ALLOWED_MARSHAL = {"validator/cache.py", "validator/loading.py", "validator/positions.py"}
# The one program billcheck may run: `git`, with a fixed argument list and no shell, to read
# a revision's files for `billcheck diff --git REV` (see that module's SECURITY note).
ALLOWED_SUBPROCESS = {"validator/gittree.py"}


def _forbidden_module(module: str) -> bool:
    parts = module.split(".")
    return any(".".join(parts[:end]) in FORBIDDEN_MODULES for end in range(1, len(parts) + 1))


def called_name(node: ast.Call) -> str:
    parts = []
    target: ast.AST = node.func
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    if isinstance(target, ast.Name):
        parts.append(target.id)
    return ".".join(reversed(parts))


def source_problems(source: str, relative: str) -> Iterator[str]:
    """What a module of the package must not do, as `path:line: what`."""
    for node in ast.walk(ast.parse(source)):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        forbidden = [
            module for module in modules if _forbidden_module(module)
            and not (module == "subprocess" and relative in ALLOWED_SUBPROCESS)
            and not (module == "marshal" and relative in ALLOWED_MARSHAL)
        ]
        if forbidden:
            yield f"{relative}:{node.lineno}: imports {forbidden[0]}"
        if isinstance(node, ast.Call):
            name = called_name(node)
            if name in FORBIDDEN_CALLS:
                yield f"{relative}:{node.lineno}: calls {name}"
            if name.endswith("import_module") and relative not in ALLOWED_IMPORT_MODULE:
                yield f"{relative}:{node.lineno}: imports a module by name"


def test_the_package_never_starts_processes_opens_sockets_or_evaluates_code() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 20
    problems = [
        problem for path in files
        for problem in source_problems(path.read_text(encoding="utf-8"),
                                       path.relative_to(REPO_ROOT).as_posix())
    ]
    assert problems == []


def test_the_source_check_catches_what_it_looks_for() -> None:
    sample = ("import subprocess\nfrom urllib.request import urlopen\nimport yaml\n"
              "yaml.load('a')\neval('1')\nimportlib.import_module(name)\nimport marshal\n")
    found = sorted(source_problems(sample, "validator/x.py"), key=lambda p: int(p.split(":")[1]))
    assert list(source_problems("import subprocess\n", "validator/gittree.py")) == []
    assert list(source_problems("import marshal\n", "validator/cache.py")) == []
    assert [problem.split(": ", 1)[1] for problem in found] == [
        "imports subprocess", "imports urllib.request",
        "calls yaml.load", "calls eval", "imports a module by name", "imports marshal",
    ]
