"""`isok match rank` and `isok match assign` through click's runner."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.match_commands import match
from tests.matching.conftest import CONTRACT_EXAMPLE, changed

# The contract's example with "c-inventory" in the vocabulary, a second position, a candidate
# without Finnish and one whose only competence maps to nothing.
DOCUMENT = {
    "competences": [
        *CONTRACT_EXAMPLE["competences"],
        {"id": "c-inventory", "label": "inventory control"},
    ],
    "positions": [
        *CONTRACT_EXAMPLE["positions"],
        {"id": "p2", "required": [{"competence": "inventory control", "level": 2}]},
    ],
    "candidates": [
        *CONTRACT_EXAMPLE["candidates"],
        {
            "id": "k2",
            "competences": [{"competence": "inventory control", "level": 2}],
            "languages": {"en": "B2"},
        },
        {"id": "k9", "competences": [{"competence": "forklift", "level": 2}]},
    ],
}


def run(tmp_path: Path, *args: str, document: object = DOCUMENT, text: str | None = None):
    path = tmp_path / "input.json"
    path.write_text(text if text is not None else json.dumps(document), encoding="utf-8")
    return CliRunner().invoke(match, [a.replace("FILE", str(path)) for a in args])


def test_rank_by_position(tmp_path: Path) -> None:
    result = run(tmp_path, "rank", "--input", "FILE")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    output = json.loads(result.stdout)
    assert set(output) == {"rankings", "unmapped"}
    first = output["rankings"][0]
    assert first["position"] == "p1"
    entries = first["candidates"]
    assert [(e["candidate"], e["eligible"]) for e in entries] == [
        ("k1", True),
        ("k2", False),
        ("k9", False),
    ]
    explanation = entries[0]["explanation"]
    assert set(explanation) == {
        "matched",
        "partial",
        "missing_required",
        "missing_optional",
        "filters",
        "parts",
    }
    assert explanation["matched"][0]["competence"] == "c-forklift"
    assert explanation["matched"][0]["mapping"]["candidate"]["method"] == "fuzzy"
    for ranking in output["rankings"]:
        for entry in ranking["candidates"]:
            parts = entry["explanation"]["parts"]
            assert sum(round(v * 1e6) for v in parts.values()) == round(entry["score"] * 1e6)
    failed = [f for f in entries[1]["explanation"]["filters"] if not f["passed"]]
    assert failed == [
        {"filter": "language", "language": "fi", "required": "A2", "held": None, "passed": False}
    ]
    assert output["unmapped"] == [{"candidate": "k9", "label": "forklift", "suggestions": []}]


def test_rank_by_candidate_and_top(tmp_path: Path) -> None:
    result = run(tmp_path, "rank", "--input", "FILE", "--by", "candidate", "--top", "1")
    assert result.exit_code == 0, result.stderr
    rankings = json.loads(result.stdout)["rankings"]
    assert [r["candidate"] for r in rankings] == ["k1", "k2", "k9"]
    assert [[e["position"] for e in r["positions"]] for r in rankings] == [["p1"], ["p2"], ["p2"]]


def test_rank_is_deterministic(tmp_path: Path) -> None:
    first = run(tmp_path, "rank", "--input", "FILE", "--top", "0")
    second = run(tmp_path, "rank", "--input", "FILE", "--top", "0")
    assert first.stdout == second.stdout


def test_assign(tmp_path: Path) -> None:
    result = run(tmp_path, "assign", "--input", "FILE")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "assignments": [
            {
                "position": "p1",
                "candidate": "k1",
                "score": json.loads(result.stdout)["assignments"][0]["score"],
            },
            {"position": "p2", "candidate": "k2", "score": 0.7},
        ],
        "unassigned_candidates": ["k9"],
        "unfilled_places": {"p1": 1},
    }
    assert result.stderr.startswith("warning: 1 competence references could not be mapped")


def test_input_from_standard_input() -> None:
    result = CliRunner().invoke(match, ["rank", "--input", "-"], input=json.dumps(DOCUMENT))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rankings"][0]["position"] == "p1"


@pytest.mark.parametrize("command", ["rank", "assign"])
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "error: not valid JSON at line 1, column 2"),
        (
            json.dumps(changed(DOCUMENT, ["positions", 0, "colour"], 1)),
            "error: positions[0]: unknown field 'colour'",
        ),
        (
            json.dumps(changed(DOCUMENT, ["candidates", 1, "competences", 0, "level"], 7)),
            "error: candidates[1].competences[0].level: 7 is not between 1 and 5",
        ),
        (
            json.dumps(changed(DOCUMENT, ["positions", 0, "languages", "fi"], "A9")),
            "error: positions[0].languages.fi: 'A9' is not a CEFR level",
        ),
        (
            json.dumps(changed(DOCUMENT, ["candidates", 1, "id"], "k1")),
            "error: candidates[1].id: 'k1' is already the id of candidates[0]",
        ),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, command: str, text: str, reason: str) -> None:
    result = run(tmp_path, command, "--input", "FILE", text=text)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(reason)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_an_id_missing_from_the_vocabulary_is_unmapped_not_an_error(tmp_path: Path) -> None:
    # Free text that maps to nothing: it is reported, and the rest is matched as usual.
    document = changed(
        DOCUMENT, ["candidates", 0, "competences", 1], {"competence": "c-missing", "level": 2}
    )
    result = run(tmp_path, "rank", "--input", "FILE", document=document)
    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    assert {"candidate": "k1", "label": "c-missing", "suggestions": []} in output["unmapped"]
    assert output["rankings"][0]["candidates"][0]["candidate"] == "k1"
    result = run(tmp_path, "assign", "--input", "FILE", document=document)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("warning: 2 competence references could not be mapped")


def test_contract_example(tmp_path: Path) -> None:
    # The document of CONTRACTS.md as written: its "c-inventory" is not in the vocabulary.
    ranked = run(tmp_path, "rank", "--input", "FILE", document=CONTRACT_EXAMPLE)
    assert ranked.exit_code == 0, ranked.stderr
    output = json.loads(ranked.stdout)
    (ranking,) = output["rankings"]
    assert ranking["position"] == "p1"
    (entry,) = ranking["candidates"]
    assert (entry["candidate"], entry["eligible"]) == ("k1", True)
    (matched,) = entry["explanation"]["matched"]
    assert matched["competence"] == "c-forklift"
    assert matched["mapping"]["candidate"]["text"] == "forklift drivng"
    assert matched["mapping"]["candidate"]["method"] == "fuzzy"
    assert [m["label"] for m in entry["explanation"]["missing_optional"]] == ["c-inventory"]
    assert output["unmapped"] == [{"position": "p1", "label": "c-inventory", "suggestions": []}]

    assigned = run(tmp_path, "assign", "--input", "FILE", document=CONTRACT_EXAMPLE)
    assert assigned.exit_code == 0, assigned.stderr
    output = json.loads(assigned.stdout)
    assert [(a["position"], a["candidate"]) for a in output["assignments"]] == [("p1", "k1")]
    assert output["unassigned_candidates"] == []
    assert output["unfilled_places"] == {"p1": 1}


def test_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(match, ["rank", "--input", str(tmp_path / "absent.json")])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"error: cannot read '{tmp_path / 'absent.json'}': No such file or directory\n"
    )


@pytest.mark.parametrize(
    "args",
    [["rank"], ["rank", "--input", "x", "--by", "people"], ["rank", "--input", "x", "--top", "-1"]],
)
def test_usage_errors_are_one_line(args: list[str]) -> None:
    result = CliRunner().invoke(match, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [["--help"], ["rank", "--help"], ["assign", "--help"]])
def test_help(args: list[str]) -> None:
    result = CliRunner().invoke(match, args)
    assert result.exit_code == 0
    assert "Usage:" in result.stdout


@pytest.mark.parametrize(("by", "top"), [("position", "0"), ("candidate", "0"), ("candidate", "1")])
def test_rank_prints_the_document_of_the_rankings(tmp_path: Path, by: str, top: str) -> None:
    # The command writes its JSON straight from the engine's arrays (matching.output.rank_json):
    # the same keys in the same order as the document built from Ranking objects.
    from matching import CompetenceMatcher, load_document
    from matching.output import rank_document

    result = run(tmp_path, "rank", "--input", "FILE", "--by", by, "--top", top)
    assert result.exit_code == 0, result.stderr
    matcher = CompetenceMatcher().fit(load_document(json.dumps(DOCUMENT)))
    ranked = matcher.rank_candidates if by == "position" else matcher.rank_positions
    expected = rank_document(ranked(top=int(top) or None), matcher.unmapped_)
    assert json.dumps(json.loads(result.stdout)) == json.dumps(expected)
    assert result.stdout.endswith("}\n")


@pytest.mark.parametrize("command", ["rank", "assign"])
def test_the_cycle_collector_is_back_on_after_a_command(tmp_path: Path, command: str) -> None:
    # Off while the command runs (docs/performance.md), on again after it, even after an error.
    assert gc.isenabled()
    assert run(tmp_path, command, "--input", "FILE").exit_code == 0
    assert gc.isenabled()
    assert run(tmp_path, command, "--input", "FILE", text="{").exit_code == 1
    assert gc.isenabled()


MODULES_AFTER = """
import json, sys
from portal.cli import main
main(["match", sys.argv[1], "--input", sys.argv[2]], standalone_mode=False)
print(json.dumps(sorted(m for m in ("sklearn", "scipy.optimize", "scipy.sparse")
                        if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("command", "loaded"),
    [("rank", ["scipy.sparse"]), ("assign", ["scipy.optimize", "scipy.sparse"])],
)
def test_a_command_loads_only_what_it_runs(tmp_path: Path, command: str, loaded: list[str]) -> None:
    # Ranking needs the sparse product, not the assignment's solver; nothing needs scikit-learn.
    path = tmp_path / "input.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", MODULES_AFTER, command, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stderr.splitlines()[-1]) == loaded
