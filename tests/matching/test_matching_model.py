"""Reading and checking the matching JSON document."""

import json

import pytest

from matching import Candidate, Claim, InputError, Position, Requirement, load_document
from tests.matching.conftest import CONTRACT_EXAMPLE, changed


def with_change(path: list[str | int], value: object) -> str:
    """The contract's example as JSON text, with `value` at `path`."""
    return json.dumps(changed(CONTRACT_EXAMPLE, path, value))


def test_valid_document_with_defaults() -> None:
    text = json.dumps(
        {
            "positions": [{"id": "p"}],
            "candidates": [{"id": "k", "competences": [{"competence": "x"}]}],
        }
    )
    problem = load_document(text)
    assert problem.competences is None
    assert problem.positions == (Position(id="p"),)
    assert problem.positions[0].places == 1
    assert problem.candidates == (Candidate(id="k", competences=(Claim("x", 1, False),)),)


def test_contract_example_reads() -> None:
    problem = load_document(json.dumps(CONTRACT_EXAMPLE))
    assert problem.positions[0].required == (Requirement("operate forklift", 3),)
    assert problem.positions[0].optional == (Requirement("c-inventory"),)
    assert problem.candidates[0].languages == {"fi": "B1", "en": "C1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON at line 1, column 2"),
        ("[]", "input: expected an object, got an array"),
        ('{"positions": []}', "input: missing field 'candidates'"),
        ('{"positions": [], "candidates": [], "extra": 1}', "input: unknown field 'extra'"),
        ('{"positions": [], "candidates": [NaN]}', "NaN is not a number"),
        (
            with_change(["candidates", 0, "competences", 0, "level"], 7),
            "candidates[0].competences[0].level: 7 is not between 1 and 5",
        ),
        (
            with_change(["candidates", 0, "competences", 0, "level"], 0),
            "candidates[0].competences[0].level: 0 is not between 1 and 5",
        ),
        (
            with_change(["candidates", 0, "competences", 0, "level"], "3"),
            "candidates[0].competences[0].level: expected a whole number from 1 to 5, got the "
            "string '3'",
        ),
        (
            with_change(["candidates", 0, "competences", 0, "level"], 2.5),
            "candidates[0].competences[0].level: expected a whole number",
        ),
        (
            with_change(["positions", 0, "required", 0, "level"], 6),
            "positions[0].required[0].level: 6 is not between 1 and 5",
        ),
        (
            with_change(["candidates", 0, "competences", 0, "verified"], "yes"),
            "candidates[0].competences[0].verified: expected true or false",
        ),
        (
            with_change(["candidates", 0, "competences", 0, "levle"], 3),
            "candidates[0].competences[0]: unknown field 'levle'",
        ),
        (
            with_change(["positions", 0, "regoin"], "Kainuu"),
            "positions[0]: unknown field 'regoin'",
        ),
        (
            with_change(["candidates", 0, "nationality"], "x"),
            "candidates[0]: unknown field 'nationality'",
        ),
        (
            with_change(["candidates", 0, "languages", "fi"], "B3"),
            "candidates[0].languages.fi: 'B3' is not a CEFR level (A1, A2, B1, B2, C1, C2)",
        ),
        (
            with_change(["positions", 0, "languages"], ["fi"]),
            "positions[0].languages: expected an object",
        ),
        (with_change(["positions", 0, "places"], -1), "positions[0].places: expected a whole"),
        (with_change(["positions", 0, "id"], ""), "positions[0].id: must not be empty"),
        (with_change(["positions", 0, "id"], 5), "positions[0].id: expected a string"),
        (
            with_change(["candidates", 0, "competences", 0, "competence"], None),
            "candidates[0].competences[0].competence: expected a string, got null",
        ),
        (
            with_change(["competences", 0], {"id": "c"}),
            "competences[0]: missing field 'label'",
        ),
        (
            with_change(["candidates", 1], {"id": "k1"}),
            "candidates[1].id: 'k1' is already the id of candidates[0]",
        ),
        (
            with_change(["candidates", 0, "regions"], "North Savo"),
            "candidates[0].regions: expected",
        ),
    ],
)
def test_bad_input_names_the_place(text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        load_document(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_cefr_levels_are_case_insensitive() -> None:
    problem = load_document(with_change(["candidates", 0, "languages", "fi"], "b2"))
    assert problem.candidates[0].languages["fi"] == "B2"


def test_types_reject_bad_values_when_built_directly() -> None:
    with pytest.raises(InputError):
        Claim("x", level=6)
    with pytest.raises(InputError):
        Requirement("x", level=0)
    with pytest.raises(InputError):
        Candidate("k", languages={"fi": "D1"})


def test_input_types_have_no_protected_attributes() -> None:
    # The whole list of fields, so that adding one (a name, an age …) fails here first.
    assert set(Candidate.__dataclass_fields__) == {"id", "competences", "languages", "regions"}
    assert set(Claim.__dataclass_fields__) == {"competence", "level", "verified"}
    assert set(Position.__dataclass_fields__) == {
        "id",
        "title",
        "required",
        "optional",
        "languages",
        "region",
        "places",
        # What the workplace's readiness answers say (issue 14): the workplace, not a person.
        "working_languages",
        "language_support",
        "language_leeway",
    }
    assert set(Requirement.__dataclass_fields__) == {"competence", "level"}
