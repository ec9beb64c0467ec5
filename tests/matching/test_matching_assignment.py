"""One-to-one assignment within places."""

import itertools

from hypothesis import given

from matching import (
    Candidate,
    Claim,
    CompetenceMatcher,
    MatchingInput,
    Position,
    Requirement,
    assign,
)
from tests.matching.conftest import COMPETENCES, PROPERTY_SETTINGS, problems


def test_assignment_prefers_the_best_total_not_the_greedy_pick() -> None:
    # Greedy would give p1 to k1 (its best) and leave p2 without anyone able to do it.
    problem = MatchingInput(
        positions=(
            Position("p1", required=(Requirement("c0"),)),
            Position("p2", required=(Requirement("c1"),)),
        ),
        candidates=(
            Candidate("k1", (Claim("c0", 5, True), Claim("c1", 5, True))),
            Candidate("k2", (Claim("c0", 1, False),)),
        ),
        competences=COMPETENCES,
    )
    result = assign(CompetenceMatcher().fit(problem))
    assert [(a.position_id, a.candidate_id) for a in result.assignments] == [
        ("p1", "k2"),
        ("p2", "k1"),
    ]
    assert result.unassigned_candidates == ()
    assert result.unfilled_places == {}


def test_places_and_ineligible_pairs() -> None:
    problem = MatchingInput(
        positions=(
            Position("p1", required=(Requirement("c0"),), places=2, languages={"fi": "B1"}),
        ),
        candidates=(
            Candidate("k1", (Claim("c0", 3, True),), languages={"fi": "B2"}),
            Candidate("k2", (Claim("c0", 3, True),), languages={"fi": "A1"}),
            Candidate("k3", (Claim("c1", 3, True),), languages={"fi": "C1"}),
        ),
        competences=COMPETENCES,
    )
    result = assign(CompetenceMatcher().fit(problem))
    assert [(a.position_id, a.candidate_id) for a in result.assignments] == [("p1", "k1")]
    # k2 fails the language filter; k3 shares nothing with the position (score 0 is not placed)
    assert result.unassigned_candidates == ("k2", "k3")
    assert result.unfilled_places == {"p1": 1}


# Small enough to try every assignment: at most 3 positions × 2 places and 4 candidates.
@PROPERTY_SETTINGS
@given(problems(max_positions=3, max_candidates=4))
def test_assignment_total_is_optimal(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    scores, eligible = matcher.score_matrix()
    slots = [p for p, places in enumerate(matcher.places_) for _ in range(int(places))]
    best = 0
    n = len(matcher.candidate_ids_)
    for choice in itertools.product([None, *range(len(slots))], repeat=n):
        used = [s for s in choice if s is not None]
        if len(used) != len(set(used)):
            continue
        pairs = [(slots[s], c) for c, s in enumerate(choice) if s is not None]
        if all(eligible[p, c] and scores[p, c] > 0 for p, c in pairs):
            best = max(best, sum(int(scores[p, c]) for p, c in pairs))
    result = assign(matcher)
    total = sum(round(a.score * 1_000_000) for a in result.assignments)
    assert total == best
