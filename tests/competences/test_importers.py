"""Reading framework files: every error names its place; good files parse completely."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from competences.importers import (
    FrameworkFileError,
    parse_framework_document,
    read_esco_csv,
    read_framework_file,
)

DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLES = Path(__file__).resolve().parents[2] / "competences" / "data"


def small() -> dict[str, Any]:
    return json.loads((DATA / "small_framework.json").read_text())


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_sample_frameworks_are_complete(path: Path) -> None:
    framework = read_framework_file(path)
    assert len(framework.units) >= 3
    for unit in framework.units:
        for competence in unit.competences:
            assert set(competence.criteria) == {1, 3, 5}, competence.code
            assert {"en", "fi"} <= set(competence.labels), competence.code
            assert competence.alt_labels.get("en"), competence.code


def test_sample_frameworks_do_not_share_labels() -> None:
    seen: dict[str, str] = {}
    for path in sorted(SAMPLES.glob("*.json")):
        for unit in read_framework_file(path).units:
            for competence in unit.competences:
                names = [*competence.labels.values()]
                for texts in competence.alt_labels.values():
                    names.extend(texts)
                for name in names:
                    key = name.lower()
                    assert seen.setdefault(key, competence.code) == competence.code, name


def test_a_good_document_parses() -> None:
    framework = parse_framework_document(small())
    assert framework.code == "TST"
    assert framework.competence_count == 2


def broken(change: str) -> dict[str, Any]:
    document = small()
    unit = document["units"][0]
    outcome = unit["outcomes"][0]
    if change == "duplicate code":
        unit["outcomes"][1]["code"] = outcome["code"]
    elif change == "empty label":
        outcome["labels"] = {"en": "  "}
    elif change == "bad language":
        outcome["labels"] = {"English": "x"}
    elif change == "no criteria":
        outcome["criteria"] = {}
    elif change == "alt labels not a list":
        outcome["alt_labels"] = {"en": "forklift"}
    elif change == "unit without outcomes":
        unit["outcomes"] = []
    elif change == "long code":
        outcome["code"] = "X" * 201
    elif change == "unit is a list":
        document["units"][0] = []
    return document


@pytest.mark.parametrize(
    ("change", "place", "reason"),
    [
        ("duplicate code", "units[0].outcomes[1].code", "used twice"),
        ("empty label", "units[0].outcomes[0].labels.en", "non-empty"),
        ("bad language", "units[0].outcomes[0].labels", "not a language code"),
        ("no criteria", "units[0].outcomes[0].criteria", "expected criteria"),
        ("alt labels not a list", "units[0].outcomes[0].alt_labels.en", "list"),
        ("unit without outcomes", "units[0].outcomes", "non-empty list"),
        ("long code", "units[0].outcomes[0].code", "at most 200"),
        ("unit is a list", "units[0]", "expected an object"),
    ],
)
def test_errors_name_the_place(change: str, place: str, reason: str) -> None:
    with pytest.raises(FrameworkFileError) as error:
        parse_framework_document(broken(change))
    message = str(error.value)
    assert message.startswith(place + ":"), message
    assert reason in message


def test_parsing_does_not_change_the_document() -> None:
    document = small()
    before = copy.deepcopy(document)
    parse_framework_document(document)
    assert document == before


def test_esco_csv_groups_skills_by_type_and_splits_alt_labels() -> None:
    framework = read_esco_csv(DATA / "esco_skills_sample.csv")
    assert framework.code == "ESCO"
    assert framework.kind == "skills"
    assert {unit.code for unit in framework.units} == {"ESCO:knowledge", "ESCO:skill/competence"}
    assert framework.competence_count == 25
    competence = framework.units[0].competences[0]
    assert competence.code.startswith("http://data.europa.eu/esco/skill/")
    assert all("\n" not in alt for alt in competence.alt_labels["en"])
    assert framework.attribution is not None


def test_esco_csv_with_repeated_uri_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "skills.csv"
    path.write_text(
        "conceptUri,preferredLabel,altLabels,description,skillType\n"
        "http://x/1,stack pallets,,,skill/competence\n"
        "http://x/1,stack boxes,,,skill/competence\n"
    )
    with pytest.raises(FrameworkFileError, match="line 3: conceptUri 'http://x/1' repeats line 2"):
        read_esco_csv(path)


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "framework.xml"
    path.write_text("<x/>")
    with pytest.raises(FrameworkFileError, match=r"expected a \.json"):
        read_framework_file(path)
