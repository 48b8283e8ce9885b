"""Reading the config tree: which files, in which order, merged into one model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write_tree

from validator.checker import RuleSelection, check_paths
from validator.config import Config
from validator.tree import MissingPath, discover, is_excluded

ACCOUNT = "accounts:\n  - {code: %s, name: Acme, emailAddress: a@b.example}\n"


def check(root: Path, *paths: str, config: Config | None = None):  # type: ignore[no-untyped-def]
    return check_paths(paths or (".",), config or Config(), RuleSelection(), root)


def test_files_are_read_recursively_in_sorted_order_skipping_hidden(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "b.yaml": "", "a/z.yml": "", "a/b.yaml": "", "a-b.yaml": "", ".hidden.yaml": "",
        ".git/config.yaml": "", "notes.txt": "", "c/.d/x.yaml": "",
    })
    names = [f.display for f in discover(["."], [], tmp_path)]
    assert names == ["a-b.yaml", "a/b.yaml", "a/z.yml", "b.yaml"]


def test_exclude_globs_match_paths_names_and_directories(tmp_path: Path) -> None:
    write_tree(tmp_path, {"keep.yaml": "", "vendor/x.yaml": "", "a/draft.tmpl.yaml": ""})
    names = [f.display for f in discover(["."], ["vendor", "*.tmpl.yaml"], tmp_path)]
    assert names == ["keep.yaml"]
    assert is_excluded("deep/vendor/x.yaml", ["vendor/**"])


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MissingPath):
        discover(["nope"], [], tmp_path)


def test_collections_merge_across_files_and_documents(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "one.yaml": ACCOUNT % "a" + "---\n" + ACCOUNT % "b",
        "two.yaml": ACCOUNT % "c",
    })
    result = check(tmp_path)
    assert result.findings == []
    assert sorted(result.model.by_code["account"]) == ["a", "b", "c"]
    assert result.files == 2


def test_empty_files_and_bare_document_markers_are_fine(tmp_path: Path) -> None:
    write_tree(tmp_path, {"empty.yaml": "", "marker.yaml": "---\n", "comment.yaml": "# nothing\n"})
    result = check(tmp_path)
    assert result.findings == []
    assert result.files == 3


def test_one_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "a.yaml": "accounts: [\n",
        "b.yaml": "accounts:\n  - {code: x, name: Acme}\n",
    })
    found = [(f.rule, f.location.path, f.location.line) for f in check(tmp_path).findings]
    assert found == [("BC001", "a.yaml", 2), ("BC102", "b.yaml", 2)]


def test_a_broken_file_contributes_no_entities(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": ACCOUNT % "a" + "x: [\n"})
    result = check(tmp_path)
    assert [f.rule for f in result.findings] == ["BC001"]
    assert result.model.by_code["account"] == {}


def test_bom_is_accepted_and_bad_utf8_is_located(tmp_path: Path) -> None:
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + (ACCOUNT % "a").encode())
    (tmp_path / "latin1.yaml").write_bytes(b"accounts:\n  - {code: caf\xe9}\n")
    findings = check(tmp_path).findings
    assert [(f.rule, f.location.path, f.location.line, f.location.column) for f in findings] == [
        ("BC003", "latin1.yaml", 2, 15),
    ]


def test_non_mapping_documents_are_bc003(tmp_path: Path) -> None:
    write_tree(tmp_path, {"list.yaml": "- a\n", "scalar.yaml": "just text\n"})
    findings = check(tmp_path).findings
    assert [(f.rule, f.location.path) for f in findings] == [
        ("BC003", "list.yaml"), ("BC003", "scalar.yaml"),
    ]
    assert "not a list" in findings[0].message


def test_unknown_top_level_key_suggests_the_collection(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": "acounts: []\n"})
    (finding,) = check(tmp_path).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("BC101", 1, 1)
    assert finding.message == "unknown top-level key 'acounts' (did you mean 'accounts'?)"


def test_a_collection_that_is_not_a_list_is_bc103(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": "accounts:\n  code: a\n"})
    (finding,) = check(tmp_path).findings
    assert (finding.rule, finding.location.line, finding.location.column) == ("BC103", 2, 3)


def test_directories_named_like_yaml_files_are_walked_not_read(tmp_path: Path) -> None:
    write_tree(tmp_path, {"dir.yaml/inner.yaml": ACCOUNT % "a"})
    result = check(tmp_path)
    assert result.findings == [] and result.files == 1


def test_symlink_loops_do_not_trap_the_walk(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/x.yaml": ACCOUNT % "a"})
    os.symlink(tmp_path / "a", tmp_path / "a" / "loop")
    result = check(tmp_path)
    assert result.findings == [] and result.files == 1


def test_unreadable_files_are_bc003(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": ACCOUNT % "a"})
    os.symlink(tmp_path / "missing-target.yaml", tmp_path / "dangling.yaml")
    findings = check(tmp_path).findings
    assert [(f.rule, f.location.path) for f in findings] == [("BC003", "dangling.yaml")]
    assert findings[0].message.startswith("cannot read file")


def test_the_file_size_limit_is_bc004(tmp_path: Path) -> None:
    from validator.loading import LoadLimits

    write_tree(tmp_path, {"big.yaml": ACCOUNT % "a"})
    findings = check(tmp_path, config=Config(limits=LoadLimits(max_file_bytes=10))).findings
    assert [f.rule for f in findings] == ["BC004"]
    assert "limit of 10 bytes" in findings[0].message
    assert "maxFileBytes" in (findings[0].hint or "")


def test_yaml_1_1_surprises_are_bc005_but_dates_in_date_fields_are_not(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": (
        "accounts:\n"
        "  - code: no\n"
        "    name: 2024-01-01\n"
        "    emailAddress: a@b.example\n"
        "    billEpoch: 2024-01-01\n"
    )})
    findings = check(tmp_path).findings
    assert [(f.rule, f.location.line, f.location.column) for f in findings] == [
        ("BC005", 2, 11), ("BC005", 3, 11),
    ]
    assert findings[0].message == (
        "unquoted 'no' is a string to billcheck (YAML 1.2) but a boolean to YAML 1.1 readers"
    )
    assert findings[0].entity is not None and findings[0].entity.code == "no"
