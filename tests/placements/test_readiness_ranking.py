"""Readiness in the ranking (issue 14): the workplace's readiness answers give a language-fit
bonus, explained, and let a counsellor widen a position's language filter by one level where
the workplace can bridge the gap (language support, plain-language instructions, another
working language). Never where the workplace says the level is needed for safety."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, update

from employers.readiness_answers import WorkplaceLanguages, workplace_languages
from placements.models import Position, PositionLanguage
from placements.review.explanations import explanation_from_snapshot, snapshot
from placements.review.suggestions import (
    NO_LEEWAY,
    SuggestionRow,
    leeway_offer,
    workplaces_for,
)
from tests.conftest import DEMO_USERS, sign_in
from tests.placements.conftest import Database
from tests.placements.test_suggestions import counting, suggest

#: Savon Varastopalvelut's: Finnish A2 required; the workplace says B1 is needed for safety.
SAFETY_POSITION = 1
#: Itä-Suomen Kauppakeskus's: works in Finnish, English and Russian, offers language support.
READY_POSITION = 7
#: Lounaskeittiö Aamu's: the organisation has no readiness profile.
NO_PROFILE_POSITION = 21


async def require_finnish(db: Database, position_id: int, level: str) -> None:
    """The position needs Finnish at ``level`` and nothing else, anywhere (no region)."""
    async with db.session() as session, session.begin():
        await session.execute(
            delete(PositionLanguage).where(PositionLanguage.position_id == position_id)
        )
        session.add(PositionLanguage(position_id=position_id, language="fi", level=level))
        await session.execute(update(Position).where(Position.id == position_id).values(region=""))


def language_line(row: SuggestionRow) -> Any:
    (line,) = [line for line in row.explanation.filters if line.kind == "language"]
    return line


def held_finnish(row: SuggestionRow) -> str:
    """The candidate's Finnish level as the filter's words give it ("… has A2.")."""
    words = language_line(row).words
    return words.split("has ")[1][:2] if "has " in words else ""


async def find(db: Database, position_id: int, candidate_id: int, **options: Any) -> SuggestionRow:
    result = await suggest(
        db, "coordinator", position_id=position_id, top=10, search=str(candidate_id), **options
    )
    [hit] = [hit for hit in result.hits if hit.candidate_id == candidate_id]
    assert hit.row is not None
    return hit.row


# --- the leeway in the ranking -----------------------------------------------------------------


async def test_a_candidate_one_level_below_appears_with_leeway_and_not_without(
    db: Database,
) -> None:
    await require_finnish(db, READY_POSITION, "B1")
    strict = await suggest(db, position_id=READY_POSITION, top=50, include_ineligible=True)
    assert strict.leeway == 0
    assert strict.leeway_offer.allowed
    assert "Finnish B1 → A2" in strict.leeway_offer.levels
    below = [row for row in strict.rows if not row.eligible]
    one_below = next(row for row in below if held_finnish(row) == "A2")
    two_below = next((row for row in below if held_finnish(row) == "A1"), None)

    widened = await suggest(
        db, position_id=READY_POSITION, top=50, include_ineligible=True, leeway=1
    )
    assert widened.leeway == 1
    assert widened.eligible > strict.eligible
    assert widened.ranked == strict.ranked

    row = await find(db, READY_POSITION, one_below.candidate_id, leeway=1)
    assert row.eligible
    line = language_line(row)
    assert line.leeway
    assert line.passed
    assert "Finnish A2 is below B1, but this workplace also works in English" in line.words
    assert "offers language support" in line.words
    assert row.score == one_below.score  # the leeway decides eligibility, never the score
    # Without the leeway the same candidate is not eligible, and says why.
    again = await find(db, READY_POSITION, one_below.candidate_id)
    assert not again.eligible
    assert not language_line(again).leeway
    assert language_line(again).words == "Finnish B1 needed, has A2."
    if two_below is not None:  # two levels below stays below
        assert not (await find(db, READY_POSITION, two_below.candidate_id, leeway=1)).eligible


async def test_no_leeway_where_the_workplace_needs_the_level_for_safety(db: Database) -> None:
    result = await suggest(db, position_id=SAFETY_POSITION, top=10, leeway=1)
    assert result.leeway == 0
    assert not result.leeway_offer.allowed
    assert "needed for safety" in result.leeway_offer.words
    assert not any(language_line(row).leeway for row in result.rows)


async def test_no_leeway_and_no_bonus_without_a_readiness_profile(db: Database) -> None:
    await require_finnish(db, NO_PROFILE_POSITION, "B1")
    result = await suggest(db, position_id=NO_PROFILE_POSITION, top=20, leeway=1)
    assert result.leeway == 0
    assert not result.leeway_offer.allowed
    assert "has not filled in its readiness profile" in result.leeway_offer.words
    assert result.rows
    for row in result.rows:
        parts = row.explanation.parts
        assert (parts.support, parts.support_words) == (0.0, "")
        assert round(parts.required * 1e6) + round(parts.optional * 1e6) + round(
            parts.rarity * 1e6
        ) == round(row.score * 1e6)


# --- the bonus, explained ---------------------------------------------------------------------


async def test_the_bonus_is_explained_and_adds_up(db: Database) -> None:
    result = await suggest(db, position_id=READY_POSITION, top=20)
    assert result.rows
    for row in result.rows:
        parts = row.explanation.parts
        assert 0 < parts.support <= 0.05
        assert parts.total == row.score
        assert sum(
            round(value * 1e6)
            for value in (parts.required, parts.optional, parts.rarity, parts.support)
        ) == round(row.score * 1e6)
        assert "language-fit bonus" in parts.support_words
        assert "offers language support" in parts.support_words
    # What was shown is kept with a decision, bonus and leeway included.
    shown = result.rows[0].explanation
    assert explanation_from_snapshot(snapshot(shown)) == shown


async def test_workplaces_are_read_in_one_query(db: Database) -> None:
    async with db.session() as session:
        with counting(db.engine) as statements:
            found = await workplaces_for(session, set(range(1, 17)))
    assert len(statements) == 1
    assert set(found) == {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12}  # those with a profile
    assert found[3].working == ("fi", "en", "ru")
    assert found[3].offers_support
    assert (found[1].needed_level, found[1].needed_for_safety) == ("B1", True)
    assert found[2].support == ()
    assert not found[2].plain_instructions
    assert not found[2].offers_support


# --- when the leeway is offered ----------------------------------------------------------------


def workplace(**values: Any) -> WorkplaceLanguages:
    answers: dict[str, Any] = {
        "working": ["fi"],
        "support": [],
        "plain_instructions": False,
        "needed_language": "fi",
        "needed_level": "A2",
        "needed_for_safety": False,
    }
    answers.update(values)
    return WorkplaceLanguages(
        working=tuple(answers["working"]),
        support=tuple(answers["support"]),
        plain_instructions=answers["plain_instructions"],
        needed_language=answers["needed_language"],
        needed_level=answers["needed_level"],
        needed_for_safety=answers["needed_for_safety"],
    )


def position(**languages: str) -> Position:
    return Position(
        id=99,
        organisation_id=1,
        title="Test",
        places=1,
        languages=[
            PositionLanguage(language=code, level=level) for code, level in languages.items()
        ],
    )


@pytest.mark.parametrize(
    ("languages", "answers", "allowed"),
    [
        ({"fi": "B1"}, {"support": ["buddy"]}, True),
        ({"fi": "B1"}, {"plain_instructions": True}, True),
        ({"fi": "B1"}, {"working": ["fi", "en"]}, True),
        ({"fi": "B1"}, {}, False),  # only Finnish, no support: nothing bridges the gap
        ({"fi": "A1"}, {"support": ["buddy"]}, False),  # nothing below A1
        ({}, {"support": ["buddy"]}, False),  # no language requirement
        # Safety: never below the level the workplace says is needed for it.
        (
            {"fi": "B1"},
            {"support": ["buddy"], "needed_level": "B1", "needed_for_safety": True},
            False,
        ),
        (
            {"fi": "B2"},
            {"support": ["buddy"], "needed_level": "B1", "needed_for_safety": True},
            True,
        ),
        ({"fi": "B1"}, {"support": ["buddy"], "needed_level": "B1"}, True),  # not for safety
        (
            {"en": "B1"},
            {"support": ["buddy"], "needed_level": "B1", "needed_for_safety": True},
            True,
        ),
    ],
)
def test_when_the_leeway_is_offered(
    languages: dict[str, str], answers: dict[str, Any], allowed: bool
) -> None:
    offer = leeway_offer(position(**languages), workplace(**answers))
    assert offer.allowed == allowed
    if allowed:
        assert offer.levels
        assert offer.words


def test_no_profile_no_offer() -> None:
    assert leeway_offer(position(), None) == NO_LEEWAY
    offer = leeway_offer(position(fi="B1"), None)
    assert not offer.allowed
    assert offer.words


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"languages": "fi"},
        {"languages": {"working": "fi", "level": "X9", "for_safety": "yes"}},
        {"language_support": "buddy", "plain_instructions": True},
        {"languages": {"working": [1, " EN ", None]}, "language_support": [None, "buddy"]},
    ],
)
def test_odd_stored_answers_are_read_leniently(answers: dict[str, Any]) -> None:
    found = workplace_languages(answers)
    if not answers:
        assert found is None
        return
    assert found is not None
    assert all(isinstance(code, str) for code in found.working)
    assert found.needed_level in (None, "A1", "A2", "B1", "B2", "C1", "C2")
    assert found.needed_for_safety is False


# --- the page and the API ---------------------------------------------------------------------


async def test_the_page_offers_the_leeway_only_where_allowed(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    ready = await client.get(f"/positions/{READY_POSITION}/suggestions")
    assert ready.status_code == 200
    assert 'name="leeway"' in ready.text
    assert "Language fit with this workplace" in ready.text
    safety = await client.get(f"/positions/{SAFETY_POSITION}/suggestions")
    assert safety.status_code == 200
    assert 'name="leeway"' not in safety.text
    refused = await client.get(f"/positions/{SAFETY_POSITION}/suggestions?leeway=1")
    assert refused.status_code == 200
    assert 'id="leeway-notice"' in refused.text
    assert "needed for safety" in refused.text


async def test_the_page_with_the_leeway(client: AsyncTestClient, db: Database) -> None:
    await require_finnish(db, READY_POSITION, "B1")
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/positions/{READY_POSITION}/suggestions?leeway=1&top=50")
    assert page.status_code == 200
    assert 'id="leeway-applied"' in page.text
    assert 'name="leeway" type="checkbox" value="1" checked' in page.text
    assert "Widened" in page.text  # the badge of a filter passed thanks to the leeway
    assert 'type="hidden" name="leeway" value="1"' in page.text  # kept by the decision forms
    for bad in ("2", "-1", "x", "1.5"):
        response = await client.get(f"/positions/{READY_POSITION}/suggestions?leeway={bad}")
        assert response.status_code == 200, bad
        assert "can be widened by one level only" in response.text
        assert 'id="leeway-applied"' not in response.text


async def test_the_api_with_the_leeway(client: AsyncTestClient, db: Database) -> None:
    await require_finnish(db, READY_POSITION, "B1")
    await sign_in(client, DEMO_USERS["counsellor"])
    url = f"/api/positions/{READY_POSITION}/suggestions"
    strict = (await client.get(url, params={"top": 50})).json()
    assert (strict["leeway"], strict["leeway_allowed"]) == (0, True)
    assert strict["leeway_note"]
    response = await client.get(url, params={"top": 50, "leeway": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["leeway"] == 1
    assert body["eligible"] > strict["eligible"]
    widened = [
        row
        for row in body["suggestions"]
        if any(line["leeway"] for line in row["explanation"]["filters"])
    ]
    assert widened
    for row in body["suggestions"]:
        parts = row["explanation"]["parts"]
        assert parts["support"] > 0
        assert parts["support_words"]
        assert parts["total"] == row["score"]
    for bad in ("2", "-1", "x"):
        response = await client.get(url, params={"leeway": bad})
        assert response.status_code == 400, bad
        assert "detail" in response.json()
    refused = await client.get(
        f"/api/positions/{SAFETY_POSITION}/suggestions", params={"leeway": 1}
    )
    assert refused.status_code == 400
    assert "needed for safety" in refused.json()["detail"]
