"""Coverage-guided fuzzing of the loader with atheris (libFuzzer for Python).

Each input is read twice: as text by `validator.yamlload.load`, and as the bytes of a
config file by the loading stage and the schema checks (`load_tree`, `check_tree`). Any
exception, or a result that breaks the loader's promises, is a crash that libFuzzer saves
as `crash-<hash>` for replay (`python tests/fuzz/fuzz_loader.py crash-<hash>`).

    python tests/fuzz/fuzz_loader.py CORPUS_DIR -max_total_time=600

libFuzzer writes the inputs it finds into the first corpus folder: give it a copy, not
`examples/`. `tests/test_hostile_fuzz.py` runs this for a bounded time in CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from validator.checker import RuleSelection, check_tree
    from validator.loading import LoadLimits, TextSource, load_tree
    from validator.yamlload import Limits, load

# Smaller than the defaults, so that each input is fast and the limits themselves get hit.
YAML_LIMITS = Limits(max_depth=40, max_alias_nodes=500, max_alias_chars=20_000,
                     max_entities=1_000)
TREE_LIMITS = LoadLimits(max_file_bytes=64 * 1024, max_depth=40, max_alias_nodes=500,
                         max_entities=1_000)
LOAD_RULES = frozenset({"BC001", "BC002", "BC003", "BC004", "BC005", "BC101", "BC102", "BC103"})


def test_one_input(data: bytes) -> None:
    """Load `data` both ways; raise (a crash) if anything breaks."""
    check_text(data.decode("utf-8", "replace"))
    check_file(data)


def check_text(text: str) -> None:
    """The loader never raises, and a stopped load keeps nothing."""
    result = load(text, YAML_LIMITS)
    if result.fatal is not None:
        assert not result.documents and not result.duplicates and not result.suspects
        assert result.fatal.rule in ("BC001", "BC003", "BC004")
        line, column = result.fatal.mark
        assert line >= 1 and column >= 1


def check_file(data: bytes) -> None:
    """Loading and schema checks give only well-formed load and schema findings."""
    tree = load_tree([TextSource("fuzz.yaml", data)], TREE_LIMITS)
    result = check_tree(tree, RuleSelection(select=tuple(LOAD_RULES)))
    for finding in result.findings:
        assert finding.rule in LOAD_RULES, finding
        assert finding.location.path == "fuzz.yaml"
        assert finding.location.line >= 1 and finding.location.column >= 1
    broken = [f for f in result.findings if f.rule in ("BC001", "BC003", "BC004")]
    if broken and not tree.entities:
        assert len(result.findings) == 1, result.findings


def main() -> None:
    """Hand the command line (corpus folders, libFuzzer flags) to atheris."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
