"""The competence type-ahead: typos and alternative labels find the competence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from competences.services import (
    FUZZY_CUTOFF,
    CompetenceVocabulary,
    VocabularyEntry,
    search_text_for,
)
from tests.conftest import DEMO_USERS, sign_in

DATA = Path(__file__).resolve().parents[2] / "competences" / "data"


@pytest.fixture(scope="module")
def vocabulary() -> CompetenceVocabulary:
    """The sample frameworks, in memory (no database)."""
    entries = []
    for path in sorted(DATA.glob("*.json")):
        framework = json.loads(path.read_text())
        for unit in framework["units"]:
            for item in unit["outcomes"]:
                labels, alt_labels = item["labels"], item.get("alt_labels", {})
                entries.append(
                    VocabularyEntry(
                        id=len(entries) + 1,
                        code=item["code"],
                        labels=labels,
                        alt_labels=alt_labels,
                        framework_code=framework["code"],
                        search_text=search_text_for(item["code"], labels, alt_labels),
                        order=len(entries),
                    )
                )
    return CompetenceVocabulary(entries)


@pytest.mark.parametrize(
    ("query", "code", "matched"),
    [
        ("forklift drivng", "LOG-U2-01", "forklift driving"),  # typo in an alternative label
        ("forklift driving", "LOG-U2-01", "forklift driving"),  # alternative label
        ("trukkikortti", "LOG-U2-01", "trukkikortti"),  # Finnish alternative label
        ("hygene pasport", "CAT-U1-01", "hygiene passport"),
        ("dishwahsing", "CAT-U3-01", "dishwashing"),
        ("log-u2-01", "LOG-U2-01", None),  # the code, any case
        ("operate a counterbalance forklift safely", "LOG-U2-01", None),  # the label
    ],
)
def test_the_best_suggestion_is_the_competence_meant(
    vocabulary: CompetenceVocabulary, query: str, code: str, matched: str | None
) -> None:
    best = vocabulary.suggest(query, limit=5)[0]
    assert best.code == code
    assert best.matched == matched


def test_exact_beats_contained_beats_fuzzy(vocabulary: CompetenceVocabulary) -> None:
    found = vocabulary.suggest("forklift", limit=10)
    assert found[0].code in {"LOG-U2-01", "LOG-U2-04"}
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(90 <= s < 100 for s in scores[:2])
    assert vocabulary.suggest("WMS")[0].score == 100


def test_nonsense_finds_nothing(vocabulary: CompetenceVocabulary) -> None:
    assert vocabulary.suggest("xyzzy") == []
    assert vocabulary.suggest("   ") == []


def test_resolve_takes_only_exact_text_and_suggests_the_rest(
    vocabulary: CompetenceVocabulary,
) -> None:
    exact = vocabulary.resolve("Forklift Driving")
    assert exact.competence is not None
    assert exact.competence.code == "LOG-U2-01"
    guess = vocabulary.resolve("forklift drivng")
    assert guess.competence is None
    assert guess.suggestion is not None
    assert guess.suggestion.code == "LOG-U2-01"
    assert guess.suggestion.score >= FUZZY_CUTOFF
    nothing = vocabulary.resolve("quantum basket weaving")
    assert nothing.competence is None
    assert nothing.suggestion is None


async def test_api_suggests_with_typos_and_alt_labels(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    response = await client.get("/api/competences", params={"q": "forklift drivng"})
    assert response.status_code == 200
    best = response.json()[0]
    assert best["code"] == "LOG-U2-01"
    assert best["label"] == "operate a counterbalance forklift safely"
    assert best["matched"] == "forklift driving"
    assert isinstance(best["id"], int)
    assert 70 <= best["score"] < 90

    params = {"q": "cleaning", "framework": "CAT"}
    in_framework = await client.get("/api/competences", params=params)
    assert {item["framework"] for item in in_framework.json()} == {"CAT"}
    assert (await client.get("/api/competences")).json() == []
    assert (await client.get("/api/competences", params={"q": "x", "limit": 0})).status_code == 400


async def test_fragment_lists_buttons_carrying_the_code(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get("/competences/suggest", params={"q": "pallet jak"})
    assert response.status_code == 200
    assert "<html" not in response.text  # a fragment for HTMX
    assert 'data-suggest-code="LOG-U2-03"' in response.text
    assert "pallet jack" in response.text  # the alternative label that matched
    empty = await client.get("/competences/suggest", params={"q": "xyzzy"})
    assert "No competence matches" in empty.text


async def test_tutors_have_no_type_ahead(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await client.get("/api/competences", params={"q": "forklift"})).status_code == 403
    assert (await client.get("/competences/suggest", params={"q": "forklift"})).status_code == 403
