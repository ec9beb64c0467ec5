"""Suggested candidates for a position: ranked, explained, consent and stage applied."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event, select, update

import matching
from accounts.models import User
from candidates.access import visible_to
from candidates.consent import record_consent
from candidates.models import Candidate
from kit.roles import Viewer
from placements.positions.queries import get_position
from placements.review.index import suggestable_candidates
from placements.review.suggestions import (
    PositionSuggestions,
    suggestions_for_position,
)
from tests.conftest import DEMO_USERS, sign_in
from tests.placements.conftest import Database

POSITION = 1


async def viewer(db: Database, role: str) -> Viewer:
    async with db.session() as session:
        user = (
            await session.execute(select(User).where(User.email == DEMO_USERS[role]))
        ).scalar_one()
        return Viewer(user_id=user.id, role=str(user.role), organisation_id=user.organisation_id)


async def suggest(db: Database, role: str = "coordinator", **options: Any) -> PositionSuggestions:
    who = await viewer(db, role)
    async with db.session() as session:
        result = await suggestions_for_position(
            session, position_id=options.pop("position_id", POSITION), viewer=who, **options
        )
    assert result is not None
    return result


def millionths(value: float) -> int:
    return round(value * 1_000_000)


async def test_counsellor_sees_ranked_explained_suggestions(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get(f"/positions/{POSITION}/suggestions?top=10")
    assert response.status_code == 200, response.text
    assert "advice" in response.text
    assert response.text.count("<details>") == 10

    result = await suggest(db, "counsellor", top=10)
    assert len(result.rows) == 10
    assert all(row.eligible for row in result.rows)
    assert [row.rank for row in result.rows] == list(range(1, 11))
    scores = [row.score for row in result.rows]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0
    for row in result.rows:
        parts = row.explanation.parts
        assert millionths(parts.required) + millionths(parts.optional) + millionths(
            parts.rarity
        ) + millionths(parts.support) == millionths(row.score)
        assert parts.total == row.score
        lines = (
            row.explanation.matched
            + row.explanation.partial
            + row.explanation.missing_required
            + row.explanation.missing_optional
        )
        assert lines
        assert all(line.words for line in lines)
    # The best candidate holds something the position asks for, in plain words.
    best = result.rows[0].explanation
    assert best.matched or best.partial
    assert re.search(r"level \d", (best.matched + best.partial)[0].words)


async def test_withdrawn_consent_removes_a_candidate_at_once(db: Database) -> None:
    before = await suggest(db, top=10)
    first = before.rows[0].candidate_id
    recorder = (await viewer(db, "counsellor")).user_id
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=first,
            purpose="share_with_employers",
            given=False,
            recorded_by_id=recorder,
        )
    after = await suggest(db, top=10, search=str(first))
    assert first not in {row.candidate_id for row in after.rows}
    assert after.ranked == before.ranked - 1
    [hit] = after.hits
    assert hit.row is None
    assert "consent" in hit.reason


async def test_a_placed_candidate_is_not_suggested(db: Database) -> None:
    before = await suggest(db, top=10)
    first = before.rows[0].candidate_id
    async with db.session() as session, session.begin():
        await session.execute(
            update(Candidate).where(Candidate.id == first).values(stage="placement")
        )
    after = await suggest(db, top=10, search=str(first))
    assert first not in {row.candidate_id for row in after.rows}
    assert after.ranked == before.ranked - 1
    [hit] = after.hits
    assert hit.row is None
    assert "placed" in hit.reason


async def test_ineligible_candidates_only_on_request_and_after_eligible(db: Database) -> None:
    # A position whose language filter some demo candidates fail.
    found = None
    for position_id in range(1, 31):
        result = await suggest(db, position_id=position_id, top=50, include_ineligible=True)
        if result.eligible and result.ranked > result.eligible:
            found = result
            break
    assert found is not None, "no demo position has both eligible and ineligible candidates"
    flags = [row.eligible for row in found.rows]
    assert False in flags
    assert True in flags
    assert flags == sorted(flags, reverse=True)  # every eligible before every ineligible
    for row in found.rows:
        if not row.eligible:
            assert row.explanation.failed_filters
            assert row.rank > found.eligible
    plain = await suggest(db, position_id=found.position.id, top=50)
    assert all(row.eligible for row in plain.rows)


async def test_search_explains_a_candidate_outside_the_top(
    client: AsyncTestClient, db: Database
) -> None:
    full = await suggest(db, top=50)
    assert full.eligible > 10
    target = full.rows[-1]
    assert target.rank > 10
    assert target.name
    result = await suggest(db, top=10, search=target.name)
    hit = next(hit for hit in result.hits if hit.candidate_id == target.candidate_id)
    assert hit.row is not None
    assert hit.row.rank == target.rank
    assert hit.row.score == target.score
    assert hit.row.explanation == target.explanation

    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get(
        f"/positions/{POSITION}/suggestions", params={"top": "10", "q": target.name}
    )
    assert response.status_code == 200
    assert f"rank {target.rank} of {result.ranked}" in response.text


async def test_counsellor_sees_names_only_of_candidates_they_may_see(db: Database) -> None:
    everyone = await suggest(db, "coordinator", top=50)
    counsellor = await suggest(db, "counsellor", top=50)
    # The ranking does not depend on who looks; only the names shown do.
    assert [r.candidate_id for r in everyone.rows] == [r.candidate_id for r in counsellor.rows]
    assert all(row.name for row in everyone.rows)
    who = await viewer(db, "counsellor")
    async with db.session() as session:
        visible = set(
            (
                await session.execute(
                    select(Candidate.id).where(
                        visible_to(Viewer(user_id=who.user_id, role=who.role))
                    )
                )
            ).scalars()
        )
    for row in counsellor.rows:
        assert (row.name is not None) == (row.candidate_id in visible)


async def test_only_counsellors_and_the_coordinator(client: AsyncTestClient) -> None:
    for role in ("employer", "tutor", "teacher"):
        client.cookies.clear()
        await sign_in(client, DEMO_USERS[role])
        response = await client.get(f"/positions/{POSITION}/suggestions")
        assert response.status_code == 403, role
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get("/positions/99999/suggestions")).status_code == 404
    detail = await client.get(f"/positions/{POSITION}")
    assert f"/positions/{POSITION}/suggestions" in detail.text


async def test_bad_top_shows_a_message(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get(f"/positions/{POSITION}/suggestions?top=7")
    assert response.status_code == 200
    assert "Choose 10, 20 or 50" in response.text


async def test_engine_input_has_no_names(db: Database) -> None:
    who = await viewer(db, "coordinator")
    async with db.session() as session:
        position = await get_position(session, position_id=POSITION, viewer=who)
        assert position is not None
        candidates = await suggestable_candidates(session)
        names = set((await session.execute(select(Candidate.name))).scalars())
    assert len(candidates) > 100
    assert {f.name for f in fields(matching.Candidate)} == {
        "id",
        "competences",
        "languages",
        "regions",
    }
    for candidate in candidates:
        assert candidate.id.isdigit()
        texts = [candidate.id, *candidate.regions, *candidate.languages]
        texts += [claim.competence for claim in candidate.competences]
        assert not names.intersection(texts)


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_queries_do_not_grow_with_the_candidates(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    engine = client.app.state.engine
    await client.get(f"/positions/{POSITION}/suggestions?top=10")  # warm up
    with counting(engine) as few:
        assert (await client.get(f"/positions/{POSITION}/suggestions?top=10")).status_code == 200
    with counting(engine) as many:
        response = await client.get(f"/positions/{POSITION}/suggestions?top=50&ineligible=1")
        assert response.status_code == 200
    assert len(few) == len(many), (few, many)
    assert len(few) < 20


async def test_a_searched_candidate_can_be_decided_on_from_the_hit(
    client: AsyncTestClient, db: Database
) -> None:
    result = await suggest(db, "counsellor", top=50)
    target = next(row for row in result.rows if row.name is not None and row.rank > 10)
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(
        f"/positions/{POSITION}/suggestions", params={"top": "10", "q": str(target.candidate_id)}
    )
    assert page.status_code == 200
    hits = page.text.split('id="search-heading"')[1].split("</section>")[0]
    assert f'action="/positions/{POSITION}/suggestions/{target.candidate_id}/decisions"' in hits
    assert f'<label for="hit-{target.candidate_id}-reason">' in hits
    assert f'name="q" value="{target.candidate_id}"' in hits
