"""What several matching tests share: the contract's example, a document editor, and
hypothesis strategies for random problems.

Test modules import these names (``from tests.matching.conftest import ...``), as the rest of
the suite does with ``tests.conftest``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from matching import Candidate, Claim, Competence, MatchingInput, Position, Requirement

#: The example document of CONTRACTS.md, "Matching input and output", exactly as written
#: there: `c-inventory` is not in its vocabulary.
CONTRACT_EXAMPLE: dict[str, Any] = {
    "competences": [
        {"id": "c-forklift", "label": "operate forklift", "alt_labels": ["forklift driving"]}
    ],
    "positions": [
        {
            "id": "p1",
            "title": "Warehouse worker",
            "required": [{"competence": "operate forklift", "level": 3}],
            "optional": [{"competence": "c-inventory"}],
            "languages": {"fi": "A2"},
            "region": "North Savo",
            "places": 2,
        }
    ],
    "candidates": [
        {
            "id": "k1",
            "competences": [{"competence": "forklift drivng", "level": 4, "verified": True}],
            "languages": {"fi": "B1", "en": "C1"},
            "regions": ["North Savo"],
        }
    ],
}


def changed(document: dict[str, Any], path: list[str | int], value: object) -> dict[str, Any]:
    """A deep copy of `document` with `value` at `path`; an index one past a list appends."""
    copy: dict[str, Any] = json.loads(json.dumps(document))
    target: Any = copy
    for step in path[:-1]:
        target = target[step]
    if isinstance(target, list) and path[-1] == len(target):
        target.append(value)
    else:
        target[path[-1]] = value
    return copy


# --- random problems (hypothesis) ------------------------------------------------------------

COMPETENCES = tuple(Competence(f"c{i}", f"competence {i}") for i in range(8))
IDS = [c.id for c in COMPETENCES]
LANGUAGES = ["fi", "en", "sv"]
CEFR = ["A1", "A2", "B1", "B2", "C1", "C2"]
REGIONS = ["North Savo", "Kainuu", "North Karelia"]

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

levels = st.integers(1, 5)
languages = st.dictionaries(st.sampled_from(LANGUAGES), st.sampled_from(CEFR), max_size=2)


@st.composite
def positions(draw: st.DrawFn, index: int) -> Position:
    listed = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=5))
    split = draw(st.integers(0, len(listed)))
    return Position(
        id=f"p{index}",
        required=tuple(Requirement(c, draw(levels)) for c in listed[:split]),
        optional=tuple(Requirement(c, draw(levels)) for c in listed[split:]),
        languages=draw(
            st.dictionaries(st.sampled_from(LANGUAGES), st.sampled_from(CEFR[:3]), max_size=1)
        ),
        region=draw(st.none() | st.sampled_from(REGIONS)),
        places=draw(st.integers(0, 2)),
    )


@st.composite
def candidates(draw: st.DrawFn, index: int) -> Candidate:
    held = draw(st.lists(st.sampled_from(IDS), max_size=6))
    return Candidate(
        id=f"k{index:02d}",
        competences=tuple(Claim(c, draw(levels), draw(st.booleans())) for c in held),
        languages=draw(languages),
        regions=tuple(draw(st.lists(st.sampled_from(REGIONS), unique=True, max_size=2))),
    )


@st.composite
def problems(draw: st.DrawFn, max_positions: int = 4, max_candidates: int = 8) -> MatchingInput:
    n_positions = draw(st.integers(1, max_positions))
    n_candidates = draw(st.integers(1, max_candidates))
    return MatchingInput(
        positions=tuple(draw(positions(i)) for i in range(n_positions)),
        candidates=tuple(draw(candidates(i)) for i in range(n_candidates)),
        competences=COMPETENCES,
    )
