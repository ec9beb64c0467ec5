"""Properties that must hold for every input (hypothesis)."""

import dataclasses
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import Candidate, Claim, CompetenceMatcher, MatchingInput, Requirement, assign
from matching.output import assignment_document, rank_document
from tests.matching.conftest import PROPERTY_SETTINGS, levels, problems


def all_scores(problem: MatchingInput) -> dict[tuple[str, str], tuple[float, bool]]:
    matcher = CompetenceMatcher().fit(problem)
    return {
        (m.position_id, m.candidate_id): (m.score, m.eligible)
        for ranking in matcher.rank_candidates(top=None, explain=False)
        for m in ranking.matches
    }


def score_of(problem: MatchingInput, position: str, candidate: str) -> float:
    return CompetenceMatcher().fit(problem).explain(position, candidate).score


def replace_candidate(problem: MatchingInput, index: int, candidate: Candidate) -> MatchingInput:
    people = list(problem.candidates)
    people[index] = candidate
    return dataclasses.replace(problem, candidates=tuple(people))


@PROPERTY_SETTINGS
@given(problems())
def test_scores_in_unit_interval_and_parts_add_up(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    for ranking in matcher.rank_candidates(top=None):
        for match in ranking.matches:
            assert 0.0 <= match.score <= 1.0
            assert match.explanation is not None
            parts = match.explanation.parts
            assert min(parts.required, parts.optional, parts.rarity) >= 0
            assert parts.total() == match.score
            assert math.isclose(
                parts.required + parts.optional + parts.rarity, match.score, abs_tol=1e-12
            )


@PROPERTY_SETTINGS
@given(problems())
def test_rankings_are_ordered_eligible_first_then_score_then_id(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    for rankings, key in (
        (matcher.rank_candidates(top=None, explain=False), "candidate_id"),
        (matcher.rank_positions(top=None, explain=False), "position_id"),
    ):
        for ranking in rankings:
            order = [(not m.eligible, -m.score, getattr(m, key)) for m in ranking.matches]
            assert order == sorted(order)
            eligible = [m.eligible for m in ranking.matches]
            # no filtered-out pair ever ranks above an eligible one
            assert eligible == sorted(eligible, reverse=True)


@PROPERTY_SETTINGS
@given(problems(), st.integers(1, 4))
def test_top_k_is_a_prefix_of_the_full_ranking(problem: MatchingInput, k: int) -> None:
    matcher = CompetenceMatcher().fit(problem)
    full = matcher.rank_candidates(top=None, explain=False)
    top = matcher.rank_candidates(top=k, explain=False)
    assert [r.matches[:k] for r in full] == [r.matches for r in top]


@PROPERTY_SETTINGS
@given(problems(), st.data())
def test_adding_a_held_competence_to_the_requirements_never_lowers_the_score(
    problem: MatchingInput, data: st.DataObject
) -> None:
    person = data.draw(st.sampled_from(problem.candidates))
    position = data.draw(st.sampled_from(problem.positions))
    listed = {r.competence for r in position.required + position.optional}
    verified = [c for c in person.competences if c.verified and c.competence not in listed]
    if not verified:
        return
    held = data.draw(st.sampled_from(verified))
    minimum = data.draw(st.integers(1, held.level))
    before = score_of(problem, position.id, person.id)
    changed = dataclasses.replace(
        position, required=(*position.required, Requirement(held.competence, minimum))
    )
    others = tuple(changed if p.id == position.id else p for p in problem.positions)
    after = score_of(dataclasses.replace(problem, positions=others), position.id, person.id)
    assert after >= before


@PROPERTY_SETTINGS
@given(problems(), st.data())
def test_gaining_a_required_competence_never_lowers_the_score(
    problem: MatchingInput, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(problem.candidates) - 1))
    person = problem.candidates[index]
    position = data.draw(st.sampled_from(problem.positions))
    if not position.required:
        return
    wanted = data.draw(st.sampled_from(position.required))
    gained = Claim(wanted.competence, data.draw(levels), data.draw(st.booleans()))
    before = score_of(problem, position.id, person.id)
    changed = dataclasses.replace(person, competences=(*person.competences, gained))
    after = score_of(replace_candidate(problem, index, changed), position.id, person.id)
    assert after >= before


@PROPERTY_SETTINGS
@given(problems(), st.data())
def test_raising_a_level_or_verifying_never_lowers_the_score(
    problem: MatchingInput, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(problem.candidates) - 1))
    person = problem.candidates[index]
    if not person.competences:
        return
    which = data.draw(st.integers(0, len(person.competences) - 1))
    old = person.competences[which]
    for new in (
        Claim(old.competence, min(5, old.level + data.draw(st.integers(1, 4))), old.verified),
        Claim(old.competence, old.level, True),
    ):
        claims = list(person.competences)
        claims[which] = new
        changed = replace_candidate(
            problem, index, dataclasses.replace(person, competences=tuple(claims))
        )
        before, after = all_scores(problem), all_scores(changed)
        for pair, (score, _eligible) in before.items():
            if pair[1] == person.id:
                assert after[pair][0] >= score


@PROPERTY_SETTINGS
@given(problems())
def test_verified_never_scores_below_self_declared(problem: MatchingInput) -> None:
    person = problem.candidates[0]
    as_declared = dataclasses.replace(
        person,
        competences=tuple(dataclasses.replace(c, verified=False) for c in person.competences),
    )
    as_verified = dataclasses.replace(
        person, competences=tuple(dataclasses.replace(c, verified=True) for c in person.competences)
    )
    declared = all_scores(replace_candidate(problem, 0, as_declared))
    verified = all_scores(replace_candidate(problem, 0, as_verified))
    for pair, (score, _eligible) in declared.items():
        if pair[1] == person.id:
            assert verified[pair][0] >= score


@PROPERTY_SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_same_input_in_any_order_gives_the_same_output(
    problem: MatchingInput, shuffle: random.Random
) -> None:
    positions, people = list(problem.positions), list(problem.candidates)
    shuffle.shuffle(positions)
    shuffle.shuffle(people)
    shuffled = MatchingInput(tuple(positions), tuple(people), problem.competences)
    outputs = []
    for version in (problem, problem, shuffled):
        matcher = CompetenceMatcher().fit(version)
        outputs.append(
            (
                rank_document(matcher.rank_candidates(top=3), matcher.unmapped_),
                rank_document(matcher.rank_positions(top=3), matcher.unmapped_),
                assignment_document(assign(matcher)),
            )
        )
    assert outputs[0] == outputs[1] == outputs[2]


@PROPERTY_SETTINGS
@given(problems())
def test_assignment_respects_places_and_filters(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    result = assign(matcher)
    scores = all_scores(problem)
    places = {p.id: p.places for p in problem.positions}
    taken: dict[str, int] = {}
    for a in result.assignments:
        score, eligible = scores[(a.position_id, a.candidate_id)]
        assert eligible
        assert score > 0
        assert a.score == score
        taken[a.position_id] = taken.get(a.position_id, 0) + 1
    assert all(taken[p] <= places[p] for p in taken)
    assigned = [a.candidate_id for a in result.assignments]
    assert len(assigned) == len(set(assigned))
    assert sorted(assigned + list(result.unassigned_candidates)) == sorted(
        c.id for c in problem.candidates
    )
    assert result.unfilled_places == {
        p: places[p] - taken.get(p, 0) for p in places if places[p] > taken.get(p, 0)
    }


# --- a live index: candidates fitted once, positions brought later ----------------------------

#: Texts outside the vocabulary (matched as written), some misspelt, some only one side has.
FREE_TEXTS = ("sauna building", "Sauna  Building", "competence 3x", "reindeer herding", "c9")


@st.composite
def messy_problems(draw: st.DrawFn) -> MatchingInput:
    """Problems whose positions may name texts, languages and regions no candidate has."""
    problem = draw(problems())
    extra = st.sampled_from(FREE_TEXTS)
    people = tuple(
        dataclasses.replace(
            person,
            competences=person.competences
            + tuple(Claim(text, draw(levels)) for text in draw(st.lists(extra, max_size=2))),
        )
        for person in problem.candidates
    )
    places = tuple(
        dataclasses.replace(
            position,
            optional=position.optional
            + tuple(Requirement(text, draw(levels)) for text in draw(st.lists(extra, max_size=2))),
            languages={
                **position.languages,
                **draw(
                    st.dictionaries(
                        st.sampled_from(["de", "se"]), st.sampled_from(["A1", "B2"]), max_size=1
                    )
                ),
            },
            region=draw(st.sampled_from([position.region, "Lapland", "north savo"])),
            working_languages=tuple(
                draw(st.lists(st.sampled_from(["fi", "en", "sv", "de"]), unique=True, max_size=2))
            ),
            language_support=draw(st.booleans()),
            language_leeway=draw(st.integers(0, 2)),
        )
        for position in problem.positions
    )
    return dataclasses.replace(problem, positions=places, candidates=people)


def everything(matcher: CompetenceMatcher) -> tuple[object, ...]:
    return (
        matcher.rank_candidates(top=None),
        matcher.rank_positions(top=None),
        matcher.unmapped_,
        matcher.competence_keys_,
        matcher.idf_.tolist(),
        matcher.places_.tolist(),
    )


@PROPERTY_SETTINGS
@given(messy_problems(), messy_problems())
def test_other_positions_over_fitted_candidates_give_what_a_fresh_fit_gives(
    first: MatchingInput, second: MatchingInput
) -> None:
    """``with_positions`` equals fitting the new positions with the same candidates, in every
    ranking, score, explanation and unmapped text, and leaves the first matcher as it was."""
    fitted = CompetenceMatcher().fit(first)
    before = everything(fitted)
    moved = fitted.with_positions(second.positions)
    fresh = CompetenceMatcher().fit(dataclasses.replace(second, candidates=first.candidates))
    assert everything(moved) == everything(fresh)
    assert everything(fitted) == before
    # and back again, from the moved one
    assert everything(moved.with_positions(first.positions)) == before


@PROPERTY_SETTINGS
@given(messy_problems(), messy_problems(), st.data())
def test_candidates_brought_up_to_date_give_what_a_fresh_fit_gives(
    first: MatchingInput, second: MatchingInput, data: st.DataObject
) -> None:
    """``with_candidates`` (some changed, some new, some removed) equals fitting the
    candidates as they are now, in every ranking, score, explanation and unmapped text, and
    leaves the first matcher as it was."""
    fitted = CompetenceMatcher().fit(first)
    before = everything(fitted)
    # The second problem's candidates, renamed so that some ids meet the first's again.
    offset = data.draw(st.integers(0, len(first.candidates)))
    arriving = [
        dataclasses.replace(person, id=f"k{i + offset:02d}")
        for i, person in enumerate(second.candidates)
    ]
    current = {person.id: person for person in first.candidates}
    removed = data.draw(st.sets(st.sampled_from([*sorted(current), "k99", "nobody"])))
    for person_id in removed:
        current.pop(person_id, None)
    current.update((person.id, person) for person in arriving)
    moved = fitted.with_candidates(arriving, removed=removed)
    fresh = CompetenceMatcher().fit(dataclasses.replace(first, candidates=tuple(current.values())))
    assert everything(moved) == everything(fresh)
    assert moved.candidate_ids_ == fresh.candidate_ids_
    assert everything(fitted) == before
    # Back to the start: the first candidates again, the arrivals removed.
    back = moved.with_candidates(
        first.candidates, removed={p.id for p in arriving} - {p.id for p in first.candidates}
    )
    assert everything(back) == before


def test_with_candidates_refuses_an_id_given_twice() -> None:
    matcher = CompetenceMatcher().fit(MatchingInput(positions=(), candidates=()))
    twice = (Candidate("k1"), Candidate("k1"))
    with pytest.raises(ValueError, match="'k1' is used twice"):
        matcher.with_candidates(twice)


@PROPERTY_SETTINGS
@given(messy_problems())
def test_candidates_explained_together_are_explained_as_alone(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    everyone = list(reversed(matcher.candidate_ids_))
    for position in matcher.position_ids_:
        together = matcher.explain_candidates(position, everyone)
        assert together == [matcher.explain(position, candidate) for candidate in everyone]
        ranked = matcher.rank_candidates([position], top=None)[0].matches
        by_id = {match.candidate_id: match for match in ranked}
        assert together == [by_id[candidate] for candidate in everyone]
