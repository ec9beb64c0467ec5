"""Readiness in the ranking (issue 14): the workplace's working languages and language support
give a bounded, explained `support` part, and the counsellor's language leeway widens the
language filter where the workplace bridges the gap. Positions without readiness data score
exactly as before."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import (
    SCALE,
    Candidate,
    Claim,
    CompetenceMatcher,
    InputError,
    MatchingInput,
    Position,
    Requirement,
    Weights,
    load_document,
    parse_document,
)
from matching.model import cefr_rank
from matching.output import rank_document, rank_json
from tests.matching.conftest import (
    CEFR,
    CONTRACT_EXAMPLE,
    LANGUAGES,
    PROPERTY_SETTINGS,
    changed,
    positions,
    problems,
)

WEIGHT = Weights().support


def warehouse(**workplace: Any) -> Position:
    """A position that needs Finnish B1 and one verified competence."""
    return Position("p1", required=(Requirement("c0", 1),), languages={"fi": "B1"}, **workplace)


def person(identifier: str, **languages: str) -> Candidate:
    return Candidate(identifier, (Claim("c0", 1, verified=True),), languages=languages)


def fitted(*items: Position | Candidate, weights: Weights | None = None) -> CompetenceMatcher:
    return CompetenceMatcher(weights).fit(
        MatchingInput(
            positions=tuple(i for i in items if isinstance(i, Position)),
            candidates=tuple(i for i in items if isinstance(i, Candidate)),
        )
    )


# --- the leeway --------------------------------------------------------------------------------


def test_one_level_below_passes_with_leeway_where_the_workplace_bridges_the_gap() -> None:
    candidates = (
        person("k1", fi="A2", en="C1"),  # below B1; English bridges, and support
        person("k2", fi="A1", en="C1"),  # two levels below: the leeway is one level
        person("k3", fi="A2"),  # below B1; support bridges
        person("k4", fi="B2"),  # meets the requirement anyway
    )
    workplace = {"working_languages": ("fi", "en"), "language_support": True}
    without = fitted(warehouse(**workplace), *candidates)
    widened = fitted(warehouse(**workplace, language_leeway=1), *candidates)
    eligible = {m.candidate_id: m.eligible for m in without.rank_candidates(top=None)[0].matches}
    assert eligible == {"k1": False, "k2": False, "k3": False, "k4": True}
    ranking = widened.rank_candidates(top=None)[0].matches
    assert {m.candidate_id: m.eligible for m in ranking} == {
        "k1": True,
        "k2": False,
        "k3": True,
        "k4": True,
    }
    for match in ranking:
        assert match.explanation is not None
        (language,) = match.explanation.filters
        assert language.leeway == (match.candidate_id in ("k1", "k3"))
        assert language.passed == match.eligible
    # The leeway changes who is eligible, never a score.
    scores = {m.candidate_id: m.score for m in without.rank_candidates(top=None)[0].matches}
    assert {m.candidate_id: m.score for m in ranking} == scores


def test_without_support_only_another_working_language_at_b1_bridges() -> None:
    candidates = (
        person("k1", fi="A2", en="B1"),  # English at B1: bridges
        person("k2", fi="A2", en="A2"),  # English below B1: does not
        person("k3", fi="A2", sv="C2"),  # Swedish is not a working language here
    )
    matcher = fitted(warehouse(working_languages=("fi", "en"), language_leeway=1), *candidates)
    eligible = {m.candidate_id: m.eligible for m in matcher.rank_candidates(top=None)[0].matches}
    assert eligible == {"k1": True, "k2": False, "k3": False}


def test_the_required_language_does_not_bridge_its_own_gap() -> None:
    position = Position(
        "p1",
        required=(Requirement("c0"),),
        languages={"fi": "B2"},
        working_languages=("fi",),
        language_leeway=1,
    )
    matcher = fitted(position, person("k1", fi="B1"))
    assert not matcher.explain("p1", "k1").eligible


def test_leeway_never_accepts_someone_who_does_not_speak_the_language() -> None:
    position = Position(
        "p1",
        required=(Requirement("c0"),),
        languages={"fi": "A2"},
        language_support=True,
        language_leeway=2,
    )
    matcher = fitted(position, person("k1", en="C2"), person("k2", fi="A1"))
    assert not matcher.explain("p1", "k1").eligible  # A2 − 2 levels stops at A1
    assert matcher.explain("p1", "k2").eligible


def test_two_levels_of_leeway() -> None:
    workplace = {"language_support": True}
    candidates = (person("k1", fi="A1"), person("k2", fi="A2"))
    one = fitted(warehouse(**workplace, language_leeway=1), *candidates)
    two = fitted(warehouse(**workplace, language_leeway=2), *candidates)
    assert [one.explain("p1", k).eligible for k in ("k1", "k2")] == [False, True]
    assert [two.explain("p1", k).eligible for k in ("k1", "k2")] == [True, True]


def test_leeway_has_no_effect_without_readiness_data() -> None:
    candidates = (person("k1", fi="A2", en="C2"), person("k2", fi="B1"))
    plain = fitted(warehouse(), *candidates)
    leeway = fitted(warehouse(language_leeway=2), *candidates)
    assert plain.rank_candidates(top=None) == leeway.rank_candidates(top=None)
    assert plain.score_matrix()[1].tolist() == leeway.score_matrix()[1].tolist()


# --- the support part ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("languages", "support", "fit"),
    [
        ({"en": "C1"}, False, 1.0),
        ({"en": "B1"}, False, 1.0),
        ({"en": "A2"}, False, 2 / 3),
        ({"en": "A1", "fi": "A2"}, False, 2 / 3),
        ({"sv": "C2"}, False, 0.0),
        ({}, False, 0.0),
        ({}, True, 0.5),
        ({"en": "A1"}, True, 2 / 3),
        ({"fi": "C2"}, True, 1.0),
    ],
)
def test_the_fit_of_languages_and_support(
    languages: dict[str, str], support: bool, fit: float
) -> None:
    position = Position(
        "p1",
        required=(Requirement("c0"),),
        working_languages=("fi", "en"),
        language_support=support,
    )
    match = fitted(position, person("k1", **languages)).explain("p1", "k1")
    assert match.explanation is not None
    parts = match.explanation.parts
    assert parts.support_fit is not None
    assert parts.support_fit.fit == pytest.approx(fit)
    assert parts.support == round(WEIGHT * fit, 6)
    # The competence is met in full: (1 − weight) × 1 + weight × fit.
    assert match.score == round((1 - WEIGHT) + WEIGHT * fit, 6)
    assert parts.total() == match.score


def test_the_explanation_names_the_language_and_the_support() -> None:
    position = warehouse(working_languages=("fi", "en"), language_support=True, language_leeway=1)
    match = fitted(position, person("k1", fi="A2", en="C1")).explain("p1", "k1")
    assert match.explanation is not None
    fit = match.explanation.support_fit
    assert fit is not None
    assert (fit.working_languages, fit.language, fit.held, fit.language_support) == (
        ("en", "fi"),
        "en",
        "C1",
        True,
    )
    nobody = fitted(position, person("k2", sv="B2")).explain("p1", "k2")
    assert nobody.explanation is not None
    assert nobody.explanation.support_fit is not None
    assert (nobody.explanation.support_fit.language, nobody.explanation.support_fit.held) == (
        None,
        None,
    )


def test_a_position_without_readiness_data_has_no_support_part() -> None:
    match = fitted(warehouse(), person("k1", fi="B1")).explain("p1", "k1")
    assert match.explanation is not None
    assert (match.explanation.parts.support, match.explanation.support_fit) == (0.0, None)
    assert match.score == 1.0


def test_a_position_that_lists_no_competences_still_scores_zero() -> None:
    position = Position("p1", working_languages=("en",), language_support=True)
    match = fitted(position, person("k1", en="C2")).explain("p1", "k1")
    assert match.score == 0.0
    assert match.explanation is not None
    assert match.explanation.parts.support == 0.0


def test_support_weight_is_a_parameter() -> None:
    position = warehouse(working_languages=("en",))
    zero = fitted(position, person("k1", fi="B1"), weights=Weights(support=0.0))
    assert zero.explain("p1", "k1").score == 1.0
    heavy = fitted(position, person("k1", fi="B1"), weights=Weights(support=0.5))
    assert heavy.explain("p1", "k1").score == 0.5
    with pytest.raises(ValueError, match="support"):
        Weights(support=1.0)
    with pytest.raises(ValueError, match="support"):
        Weights(support=-0.1)


# --- the JSON document ---------------------------------------------------------------------------

READY = changed(
    changed(
        changed(CONTRACT_EXAMPLE, ["positions", 0, "working_languages"], ["FI", " en "]),
        ["positions", 0, "language_support"],
        True,
    ),
    ["positions", 0, "language_leeway"],
    1,
)


def test_the_document_takes_the_workplace_keys() -> None:
    problem = load_document(json.dumps(READY))
    (position,) = problem.positions
    assert (position.working_languages, position.language_support, position.language_leeway) == (
        ("fi", "en"),
        True,
        1,
    )
    assert parse_document(READY) == problem
    plain = load_document(json.dumps(CONTRACT_EXAMPLE)).positions[0]
    assert (plain.working_languages, plain.language_support, plain.language_leeway) == (
        (),
        False,
        0,
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("working_languages", "en", "positions[0].working_languages: expected an array"),
        ("working_languages", [1], "positions[0].working_languages[0]: expected a string"),
        ("working_languages", [" "], "positions[0].working_languages[0]: must not be empty"),
        ("working_languages", ["en", "EN"], "working_languages[1]: language 'en' is given twice"),
        ("language_support", 1, "positions[0].language_support: expected true or false"),
        ("language_support", None, "positions[0].language_support: expected true or false"),
        ("language_leeway", 3, "positions[0].language_leeway: expected a whole number from 0"),
        ("language_leeway", -1, "positions[0].language_leeway: expected a whole number from 0"),
        ("language_leeway", True, "positions[0].language_leeway: expected a whole number"),
        ("language_leeway", 1.5, "positions[0].language_leeway: expected a whole number"),
        ("language_leeway", "1", "positions[0].language_leeway: expected a whole number"),
    ],
)
def test_bad_workplace_keys_are_named_in_one_line(key: str, value: object, message: str) -> None:
    document = changed(CONTRACT_EXAMPLE, ["positions", 0, key], value)
    for read in (lambda: load_document(json.dumps(document)), lambda: parse_document(document)):
        with pytest.raises(InputError) as error:
            read()
        assert message in str(error.value)
        assert "\n" not in str(error.value)


def test_built_directly_the_position_checks_its_workplace_fields() -> None:
    with pytest.raises(InputError):
        Position("p", language_leeway=3)
    with pytest.raises(InputError):
        Position("p", language_leeway=True)
    with pytest.raises(InputError):
        Position("p", working_languages=("",))


def test_the_output_has_the_support_part_the_fit_and_the_leeway() -> None:
    ready = changed(READY, ["candidates", 0, "languages"], {"fi": "A1", "en": "C1"})
    matcher = CompetenceMatcher().fit(load_document(json.dumps(ready)))
    document = rank_document(matcher.rank_candidates(top=None), matcher.unmapped_)
    explanation = document["rankings"][0]["candidates"][0]["explanation"]
    assert list(explanation["parts"]) == ["required", "optional", "rarity", "support"]
    assert explanation["parts"]["support"] == WEIGHT
    assert explanation["support_fit"] == {
        "fit": 1.0,
        "working_languages": ["en", "fi"],
        "language": "en",
        "held": "C1",
        "language_support": True,
    }
    assert explanation["filters"][0] == {
        "filter": "language",
        "language": "fi",
        "required": "A2",
        "held": "A1",
        "passed": True,
        "leeway": True,
    }
    assert json.loads(b"".join(rank_json(matcher, top=None))) == json.loads(json.dumps(document))

    plain = CompetenceMatcher().fit(load_document(json.dumps(CONTRACT_EXAMPLE)))
    explanation = rank_document(plain.rank_candidates(), plain.unmapped_)["rankings"][0][
        "candidates"
    ][0]["explanation"]
    assert explanation["parts"]["support"] == 0.0
    assert "support_fit" not in explanation
    assert all("leeway" not in f for f in explanation["filters"])


# --- properties ------------------------------------------------------------------------------


@st.composite
def workplaces(draw: st.DrawFn, index: int) -> Position:
    """A random position, with random readiness data (or none) and leeway."""
    position = draw(positions(index))
    return dataclasses.replace(
        position,
        languages=draw(
            st.dictionaries(st.sampled_from(LANGUAGES), st.sampled_from(CEFR), max_size=2)
        ),
        working_languages=tuple(
            draw(st.lists(st.sampled_from([*LANGUAGES, "ar"]), unique=True, max_size=3))
        ),
        language_support=draw(st.booleans()),
        language_leeway=draw(st.integers(0, 2)),
    )


@st.composite
def ready_problems(draw: st.DrawFn) -> MatchingInput:
    problem = draw(problems())
    extra = st.dictionaries(st.sampled_from([*LANGUAGES, "ar"]), st.sampled_from(CEFR), max_size=3)
    return dataclasses.replace(
        problem,
        positions=tuple(draw(workplaces(i)) for i in range(len(problem.positions))),
        candidates=tuple(dataclasses.replace(c, languages=draw(extra)) for c in problem.candidates),
    )


def reference_fit(position: Position, candidate: Candidate) -> float:
    """The fit as docs/matching.md states it, in plain Python."""
    levels = [
        cefr_rank(candidate.languages[code])
        for code in position.working_languages
        if code in candidate.languages
    ]
    shared = min(max(levels, default=0), 3) / 3
    return (1 + shared) / 2 if position.language_support else shared


def reference_passes(position: Position, candidate: Candidate, code: str, level: str) -> bool:
    """The language filter with the leeway as docs/matching.md states it, in plain Python."""
    required = cefr_rank(level)
    held = cefr_rank(candidate.languages[code]) if code in candidate.languages else 0
    if held >= required:
        return True
    if position.language_leeway == 0 or held < max(required - position.language_leeway, 1):
        return False
    return position.language_support or any(
        other != code
        and other in candidate.languages
        and cefr_rank(candidate.languages[other]) >= 3
        for other in position.working_languages
    )


@PROPERTY_SETTINGS
@given(ready_problems())
def test_parts_add_up_and_the_bonus_is_bounded_by_its_weight(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    by_id = {p.id: p for p in problem.positions}
    people = {c.id: c for c in problem.candidates}
    for ranking in matcher.rank_candidates(top=None):
        for match in ranking.matches:
            assert 0.0 <= match.score <= 1.0
            assert match.explanation is not None
            parts = match.explanation.parts
            assert min(parts.required, parts.optional, parts.rarity, parts.support) >= 0
            assert parts.total() == match.score
            assert math.isclose(
                parts.required + parts.optional + parts.rarity + parts.support,
                match.score,
                abs_tol=1e-12,
            )
            assert parts.support <= WEIGHT + 0.5 / SCALE
            position, candidate = by_id[match.position_id], people[match.candidate_id]
            lists = position.required or position.optional
            if position.has_readiness and lists:
                assert parts.support_fit is not None
                assert parts.support_fit.fit == pytest.approx(reference_fit(position, candidate))
                assert abs(parts.support - WEIGHT * parts.support_fit.fit) <= 0.5 / SCALE + 1e-12
            else:
                assert (parts.support, parts.support_fit) == (0.0, None)


@PROPERTY_SETTINGS
@given(ready_problems())
def test_the_filters_follow_the_stated_rule(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    by_id = {p.id: p for p in problem.positions}
    people = {c.id: c for c in problem.candidates}
    for ranking in matcher.rank_candidates(top=None):
        for match in ranking.matches:
            assert match.explanation is not None
            position, candidate = by_id[match.position_id], people[match.candidate_id]
            languages = [f for f in match.explanation.filters if f.filter == "language"]
            assert {f.language: f.required for f in languages} == dict(position.languages)
            for result in languages:
                assert result.language is not None
                expected = reference_passes(position, candidate, result.language, result.required)
                assert result.passed == expected
                held = cefr_rank(result.held) if isinstance(result.held, str) else 0
                assert result.leeway == (expected and held < cefr_rank(result.required))
            assert match.eligible == all(f.passed for f in match.explanation.filters)


@PROPERTY_SETTINGS
@given(ready_problems())
def test_positions_without_readiness_data_score_as_before(problem: MatchingInput) -> None:
    """Taking every position's readiness data away changes nothing for those that had none."""
    bare = dataclasses.replace(
        problem,
        positions=tuple(
            dataclasses.replace(p, working_languages=(), language_support=False, language_leeway=0)
            for p in problem.positions
        ),
    )
    with_data = CompetenceMatcher().fit(problem)
    without = CompetenceMatcher().fit(bare)
    plain = [p.id for p in problem.positions if not p.has_readiness]
    assert with_data.rank_candidates(plain, top=None) == without.rank_candidates(plain, top=None)
    scores, eligible = with_data.score_matrix()
    bare_scores, bare_eligible = without.score_matrix()
    rows = [with_data.position_ids_.index(p) for p in plain]
    assert scores[rows].tolist() == bare_scores[rows].tolist()
    assert eligible[rows].tolist() == bare_eligible[rows].tolist()
    # The competence parts of the others are the same, scaled by 1 − weight (to a millionth).
    for ranking in with_data.rank_candidates(top=None):
        for match in ranking.matches:
            before = without.explain(match.position_id, match.candidate_id).score
            assert match.explanation is not None
            parts = match.explanation.parts
            rest = parts.required + parts.optional + parts.rarity
            scale = 1.0 if match.explanation.support_fit is None else 1 - WEIGHT
            assert abs(rest - scale * before) <= 3 / SCALE


@PROPERTY_SETTINGS
@given(ready_problems(), st.data())
def test_the_bonus_depends_only_on_languages_and_the_workplace(
    problem: MatchingInput, data: st.DataObject
) -> None:
    """A candidate's competences and regions change the competence parts, never the support."""
    index = data.draw(st.integers(0, len(problem.candidates) - 1))
    other = problem.candidates[data.draw(st.integers(0, len(problem.candidates) - 1))]
    people = list(problem.candidates)
    people[index] = dataclasses.replace(
        other, id=people[index].id, languages=people[index].languages
    )
    moved = dataclasses.replace(problem, candidates=tuple(people))
    before = CompetenceMatcher().fit(problem)
    after = CompetenceMatcher().fit(moved)
    candidate = people[index].id
    for position in before.position_ids_:
        a = before.explain(position, candidate).explanation
        b = after.explain(position, candidate).explanation
        assert a is not None
        assert b is not None
        assert a.support_fit == b.support_fit


@PROPERTY_SETTINGS
@given(ready_problems())
def test_the_ranking_stays_deterministic_and_consistent(problem: MatchingInput) -> None:
    whole = CompetenceMatcher().fit(problem)
    tiny = CompetenceMatcher(block_cells=3).fit(problem)
    assert whole.rank_candidates(top=None) == tiny.rank_candidates(top=None)
    assert whole.rank_positions(top=None) == tiny.rank_positions(top=None)
    scores, eligible = whole.score_matrix()
    for ranking in whole.rank_candidates(top=None):
        for match in ranking.matches:
            assert whole.explain(match.position_id, match.candidate_id) == match
            row = whole.position_ids_.index(match.position_id)
            column = whole.candidate_ids_.index(match.candidate_id)
            assert scores[row, column] == round(match.score * SCALE)
            assert eligible[row, column] == match.eligible
    for ranking in whole.rank_positions(top=None):
        for match in ranking.matches:
            assert whole.explain(match.position_id, match.candidate_id) == match
    moved = whole.with_positions(problem.positions)
    assert moved.rank_candidates(top=None) == whole.rank_candidates(top=None)


@PROPERTY_SETTINGS
@given(ready_problems(), st.sampled_from([None, 2]))
def test_rank_json_is_the_document_of_the_rankings_with_readiness(
    problem: MatchingInput, top: int | None
) -> None:
    matcher = CompetenceMatcher(block_cells=7).fit(problem)
    for by, rankings in (
        ("position", matcher.rank_candidates(top=top)),
        ("candidate", matcher.rank_positions(top=top)),
    ):
        expected = json.dumps(rank_document(rankings, matcher.unmapped_))
        text = b"".join(rank_json(matcher, by=by, top=top))  # type: ignore[arg-type]
        assert json.dumps(json.loads(text)) == expected


@PROPERTY_SETTINGS
@given(ready_problems())
def test_leeway_only_widens(problem: MatchingInput) -> None:
    """More leeway never makes a pair ineligible and never changes a score."""
    widest = dataclasses.replace(
        problem,
        positions=tuple(dataclasses.replace(p, language_leeway=2) for p in problem.positions),
    )
    scores, eligible = CompetenceMatcher().fit(problem).score_matrix()
    wide_scores, wide_eligible = CompetenceMatcher().fit(widest).score_matrix()
    assert scores.tolist() == wide_scores.tolist()
    assert (wide_eligible | ~eligible).all()
