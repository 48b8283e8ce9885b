"""Every class of broken or hostile input, through the real command line: a finding or a
clean error with the SPEC's exit status, within bounded time, never a traceback, never a
hang, never code run, and never a file read from outside the checked tree."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from validator.engine import RULES, all_rules

Process = Callable[..., "subprocess.CompletedProcess[str]"]
# A hang is a failure, not a wait: every run gets this long at most.
TIMEOUT = 60
VALID = "accounts:\n  - {code: acme, name: Acme, emailAddress: a@b.example}\n"
UNKNOWN_KEY = "colour: red\n"
SECRET = "ghp_SECRETsecretSECRETsecret"


@dataclass(frozen=True)
class Case:
    """Files to write (text or bytes), what to run, and what must come out."""

    files: dict[str, str | bytes]
    exit_code: int
    rules: list[str]
    message: str | None = None  # a part of one finding's message
    args: tuple[str, ...] = ()
    make: Callable[[Path], None] | None = None
    absent: tuple[str, ...] = field(default=())  # text that must not reach the output


def _fifo(root: Path) -> None:
    os.mkfifo(root / "pipe.yaml")


def _socket(root: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "sock.yaml"))
    server.close()


def _dangling(root: Path) -> None:
    os.symlink(root / "gone.yaml", root / "dangling.yaml")


def _file_link_loop(root: Path) -> None:
    os.symlink("loop.yaml", root / "loop.yaml")


def _dir_link_loop(root: Path) -> None:
    (root / "sub").mkdir()
    (root / "sub" / "a.yaml").write_text(VALID)
    os.symlink(root / "sub", root / "sub" / "again")


def _yaml_named_dirs(root: Path) -> None:
    (root / "dir.yaml").mkdir()
    (root / "dir.yaml" / "inner.yaml").write_text(VALID)
    (root / "empty.yml").mkdir()


def _secret_outside(root: Path) -> None:
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(f"{SECRET}: 1\n")
    os.symlink(outside / "secret.yaml", root / "leak.yaml")


def _secret_in_hidden_dir(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(f"{SECRET}: 1\n")
    os.symlink(".git/config", root / "leak.yaml")


def _link_inside(root: Path) -> None:
    (root / "real.yaml").write_text(UNKNOWN_KEY)
    os.symlink("real.yaml", root / "link.yaml")


def _named_link_outside(root: Path) -> None:
    _secret_outside(root)


def _python_payload(root: Path) -> None:
    marker = root.parent / f"{root.name}-pwned"
    (root / "a.yaml").write_text(f"a: !!python/object/apply:os.system ['touch {marker}']\n")


def _random_bytes(seed: int) -> bytes:
    return random.Random(seed).randbytes(4096)


def _cycle(count: int) -> str:
    lines = ["accounts:"]
    for index in range(count):
        parent = (index + 1) % count
        lines.append(f"  - {{code: a{index}, name: A, emailAddress: a@b.example, "
                     f"parentAccount: a{parent}}}")
    return "\n".join(lines) + "\n"


CASES: dict[str, Case] = {
    "empty-file": Case({"a.yaml": ""}, 0, []),
    "only-a-document-marker": Case({"a.yaml": "---\n"}, 0, []),
    "markers-and-ends-only": Case({"a.yaml": "---\n...\n---\n...\n"}, 0, []),
    "comments-only": Case({"a.yaml": "# nothing here\n"}, 0, []),
    "null-document": Case({"a.yaml": "~\n"}, 0, []),
    "scalar-at-the-root": Case({"a.yaml": "just a string\n"}, 1, ["BC003"],
                               "not the scalar 'just a string'"),
    "list-at-the-root": Case({"a.yaml": "- a\n- b\n"}, 1, ["BC003"], "not a list"),
    "number-at-the-root": Case({"a.yaml": "42\n"}, 1, ["BC003"], "not the scalar 42"),
    "non-utf8-bytes": Case({"a.yaml": b"accounts:\n  - code: \xff\xfe\n"}, 1, ["BC003"],
                           "not valid UTF-8: byte 0xFF"),
    "utf16-with-bom": Case({"a.yaml": "\ufeffaccounts: []\n".encode("utf-16-le")}, 1,
                           ["BC003"], "not valid UTF-8"),
    "utf8-bom": Case({"a.yaml": b"\xef\xbb\xbf" + VALID.encode()}, 0, []),
    "utf8-bom-alone": Case({"a.yaml": b"\xef\xbb\xbf"}, 0, []),
    "random-bytes": Case({"a.yaml": _random_bytes(1)}, 1, ["BC003"]),
    "more-random-bytes": Case({"a.yaml": _random_bytes(2), "b.yaml": VALID}, 1, ["BC003"]),
    "nul-byte": Case({"a.yaml": "accounts: []\n\x00\n"}, 1, ["BC003"], "character #x0000"),
    "escape-character": Case({"a.yaml": "accounts: []\n\x1b[31m: 1\n"}, 1, ["BC003"],
                             "character #x001B"),
    "nesting-20000-flow": Case({"a.yaml": "accounts: " + "[" * 20_000 + "]" * 20_000}, 1,
                               ["BC004"], "nesting deeper than the limit of 100 levels"),
    "nesting-20000-block": Case({"a.yaml": "- " * 20_000 + "x\n"}, 1, ["BC004"],
                                "nesting deeper than the limit of 100 levels"),
    "nesting-2000-indented": Case(
        {"a.yaml": "".join(" " * level + f"k{level}:\n" for level in range(2_000))},
        1, ["BC004"], "nesting deeper than the limit of 100 levels"),
    "python-object-apply": Case({}, 1, ["BC003"], "unsupported YAML tag "
                                "'!!python/object/apply:os.system'", make=_python_payload),
    "python-name": Case({"a.yaml": "a: !!python/name:os.system\n"}, 1, ["BC003"],
                        "unsupported YAML tag"),
    "python-object-new": Case(
        {"a.yaml": "a: !!python/object/new:subprocess.Popen [[touch, x]]\n"}, 1, ["BC003"],
        "unsupported YAML tag"),
    "verbatim-python-tag": Case(
        {"a.yaml": "a: !<tag:yaml.org,2002:python/object/apply:os.system> [x]\n"}, 1,
        ["BC003"], "unsupported YAML tag"),
    "local-tag": Case({"a.yaml": "accounts: !custom [1]\n"}, 1, ["BC003"],
                      "unsupported YAML tag '!custom'"),
    "huge-scalar-value": Case(
        {"a.yaml": "accounts:\n  - {code: " + "x" * 5_000_000 + ", name: A, "
                   "emailAddress: a@b.example}\n"}, 1, ["BC103"]),
    "huge-plain-key": Case({"a.yaml": "x" * 5_000_000 + ": 1\n"}, 1, ["BC001"]),
    "huge-explicit-key": Case({"a.yaml": "? " + "x" * 5_000_000 + "\n: 1\n"}, 1, ["BC101"]),
    "huge-integer": Case({"a.yaml": "accounts:\n  - {code: " + "9" * 5_000 + "}\n"}, 1,
                         ["BC003"], "cannot read a 5000-character number"),
    "fifo": Case({}, 1, ["BC003"], "not read: it is a named pipe (FIFO)", make=_fifo),
    "socket": Case({}, 1, ["BC003"], "not read: it is a socket", make=_socket),
    "dev-zero-named": Case({}, 1, ["BC003"], "not read: it is a device", args=("/dev/zero",)),
    "dev-null-named": Case({}, 1, ["BC003"], "not read: it is a device", args=("/dev/null",)),
    # Unreadable even for root (tests may run as root, where chmod 000 does not stop a read).
    "unreadable-proc-self-mem": Case({}, 1, ["BC003"], "cannot read file: Input/output error",
                                     args=("/proc/self/mem",)),
    "dangling-symlink": Case({}, 1, ["BC003"], "cannot read file: No such file or directory",
                             make=_dangling),
    "file-symlink-loop": Case({}, 1, ["BC003"], "symbolic link", make=_file_link_loop),
    "directory-symlink-loop": Case({}, 0, [], make=_dir_link_loop),
    "directories-named-yaml": Case({}, 0, [], make=_yaml_named_dirs),
    "symlink-to-a-file-outside": Case({}, 1, ["BC003"], "symbolic link to a file outside",
                                      make=_secret_outside, absent=(SECRET,)),
    "symlink-into-a-hidden-directory": Case({}, 1, ["BC003"], "symbolic link",
                                            make=_secret_in_hidden_dir, absent=(SECRET,)),
    "named-symlink-to-a-file-outside": Case({}, 1, ["BC003"], "symbolic link",
                                            args=("leak.yaml",), make=_named_link_outside,
                                            absent=(SECRET,)),
    "symlink-inside-the-tree": Case({}, 1, ["BC101", "BC101"], make=_link_inside),
    "entities-of-every-wrong-shape": Case(
        {"a.yaml": "accounts: [1, x, null, [], {}]\nplans: 5\norganization: [1]\n"}, 1,
        ["BC102"] * 3 + ["BC103"] * 6),
    "special-floats": Case(
        {"a.yaml": "accounts:\n  - {code: .nan, name: .inf, emailAddress: -.inf, "
                   "daysBeforeBillDue: 1e400}\n"}, 1, ["BC103", "BC103", "BC103", "BC103"]),
    "standard-tags-in-an-entity": Case(
        {"a.yaml": "accounts:\n  - {code: !!binary aGk=, name: !!set {a}, "
                   "emailAddress: !!timestamp 2024-01-01}\n"}, 1, ["BC103"],
        "holds a value that is not plain data"),
    "keys-that-are-not-strings": Case({"a.yaml": "2: a\nnull: b\ntrue: c\n1.5: d\n"}, 1,
                                      ["BC101", "BC101", "BC101", "BC101"]),
    "merge-of-a-scalar": Case({"a.yaml": "accounts:\n  - <<: 5\n"}, 1, ["BC003"],
                              "a merge key (<<) must be given a mapping"),
    "duplicate-keys-through-aliases": Case(
        {"a.yaml": "a: &k x\n*k : 1\nx: 2\n"}, 1, ["BC002", "BC101", "BC101"],
        "duplicate key 'x' (first defined at line 2)"),
    "recursive-alias": Case({"a.yaml": "a: &r [1, *r]\n"}, 1, ["BC004"],
                            "inside the node it names"),
    "undefined-alias": Case({"a.yaml": "a: *nowhere\n"}, 1, ["BC001"], "undefined alias"),
}


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    """An empty folder for one case (the tree), beside which cases may put 'outside' files."""
    folder = tmp_path / "tree"
    folder.mkdir()
    yield folder


def run_json(process: Process, root: Path, *args: str, **kwargs: Any) -> tuple[int, Any, str]:
    result = process("validate", "--format", "json", *args, cwd=root, timeout=TIMEOUT,
                     **kwargs)
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout) if result.returncode in (0, 1) else None
    return result.returncode, document, result.stdout + result.stderr


@pytest.mark.parametrize("name", list(CASES))
def test_each_input_class_gives_findings_and_an_exit_status_never_a_traceback(
    name: str, root: Path, billcheck_process: Process
) -> None:
    case = CASES[name]
    for relative, content in case.files.items():
        path = root / relative
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    if case.make is not None:
        case.make(root)
    code, document, output = run_json(billcheck_process, root, *case.args)
    assert code == case.exit_code, output[-2000:]
    findings = document["findings"]
    assert sorted(f["rule"] for f in findings) == case.rules, findings
    if case.message is not None:
        assert any(case.message in finding["message"] for finding in findings), findings
    for text in case.absent:
        assert text not in output


def test_a_python_payload_runs_nothing(root: Path, billcheck_process: Process) -> None:
    _python_payload(root)
    code, _, _ = run_json(billcheck_process, root)
    assert code == 1
    assert not (root.parent / f"{root.name}-pwned").exists()


def test_a_20000_account_parent_cycle_is_checked_in_bounded_time(
    root: Path, billcheck_process: Process
) -> None:
    (root / "accounts.yaml").write_text(_cycle(20_000))
    code, document, _ = run_json(billcheck_process, root)
    rules = {finding["rule"] for finding in document["findings"]}
    assert rules <= set(all_rules_ids())
    assert code == (1 if any(f["severity"] == "error" for f in document["findings"]) else 0)
    if "BC204" in RULES:  # rules land on other branches; once BC204 exists, it must fire
        assert "BC204" in rules


def all_rules_ids() -> list[str]:
    return [registered.id for registered in all_rules()] + ["BC009"]


def test_random_bytes_on_stdin_are_a_finding(root: Path, billcheck_process: Process) -> None:
    data = _random_bytes(3).decode("latin-1")
    result = billcheck_process("validate", "-", "--format", "json", cwd=root, timeout=TIMEOUT,
                               input=data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["BC003"]


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("a: !!python/object/apply:os.system ['echo hacked']\n",
         ".billcheck.yaml:1:4: unsupported YAML tag '!!python/object/apply:os.system'"),
        ("limits: " + "[" * 5_000 + "]" * 5_000 + "\n",
         ".billcheck.yaml:1:"),
        ("paths: [/etc]\n", ".billcheck.yaml:1:9: paths entry '/etc' leads outside"),
        ("paths: [ok, ../..]\n", ".billcheck.yaml:1:13: paths entry '../..' leads outside"),
        ("limits: {maxDepth: -1}\n", ".billcheck.yaml:1:20: invalid config at limits/maxDepth"),
        ("\xff", None),
    ],
    ids=["python-tag", "deep", "absolute-path", "parent-path", "negative-limit", "not-utf8"],
)
def test_a_hostile_config_file_is_exit_2_with_its_location(
    config: str, error: str | None, root: Path, billcheck_process: Process
) -> None:
    (root / ".billcheck.yaml").write_bytes(config.encode("latin-1" if error is None else "utf-8"))
    (root / "ok").mkdir()
    result = billcheck_process("validate", cwd=root, timeout=TIMEOUT)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith(f"billcheck: {error or '.billcheck.yaml:1:1'}")
    assert "hacked" not in result.stdout + result.stderr


def test_a_config_file_that_links_outside_is_not_read(
    root: Path, billcheck_process: Process
) -> None:
    _secret_outside(root)
    os.replace(root / "leak.yaml", root / ".billcheck.yaml")
    result = billcheck_process("validate", cwd=root, timeout=TIMEOUT)
    assert result.returncode == 2
    assert "symbolic link" in result.stderr and SECRET not in result.stderr


def test_a_baseline_nested_too_deeply_is_exit_2_not_an_internal_error(
    root: Path, billcheck_process: Process
) -> None:
    (root / "a.yaml").write_text(VALID)
    (root / "baseline.json").write_text("[" * 100_000 + "]" * 100_000)
    result = billcheck_process("validate", "--baseline", "baseline.json", cwd=root,
                               timeout=TIMEOUT)
    assert result.returncode == 2
    assert result.stderr == "billcheck: baseline baseline.json nests too deeply to be a baseline\n"


def test_a_broken_file_reports_only_what_broke_it_and_that_can_be_silenced(
    root: Path, billcheck_process: Process
) -> None:
    (root / "a.yaml").write_text("# billcheck: ignore[BC101]\n- a list\n")
    (root / "b.yaml").write_text("# billcheck: ignore[BC003]\n- a list\n")
    code, document, _ = run_json(billcheck_process, root)
    assert code == 1
    assert [(f["rule"], f["path"]) for f in document["findings"]] == [("BC003", "a.yaml")]


def test_show_source_neither_hangs_on_a_fifo_nor_quotes_a_linked_secret(
    root: Path, billcheck_process: Process
) -> None:
    _fifo(root)
    _secret_in_hidden_dir(root)
    result = billcheck_process("validate", "--show-source", cwd=root, timeout=TIMEOUT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "leak.yaml:1:1: error BC003" in result.stdout
    assert "pipe.yaml:1:1: error BC003" in result.stdout
    assert SECRET not in result.stdout
