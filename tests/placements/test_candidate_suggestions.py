"""Suggested positions for one candidate: ranked and explained as on the position's page."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select, update

from candidates.consent import record_consent
from candidates.models import Candidate, CandidateAccess
from placements.models import Placement, Position
from placements.review.candidate_suggestions import suggestions_for_candidate
from tests.conftest import DEMO_USERS, sign_in
from tests.placements.conftest import Database
from tests.placements.test_decisions import flash_after, pick, post_decision, user_id
from tests.placements.test_suggestions import suggest, viewer

POSITION = 1


async def test_positions_ranked_for_a_candidate_agree_with_the_position_page(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    on_position = next(
        row
        for row in (await suggest(db, "counsellor", top=50)).rows
        if row.candidate_id == candidate
    )
    who = await viewer(db, "counsellor")
    async with db.session() as session:
        result = await suggestions_for_candidate(
            session, candidate_id=candidate, viewer=who, top=50, include_ineligible=True
        )
    assert result is not None
    assert result.not_ranked == ""
    open_positions = await db.scalar(
        select(func.count()).select_from(Position).where(Position.status == "open")
    )
    assert result.ranked == open_positions
    assert len(result.rows) == result.ranked
    assert [row.rank for row in result.rows] == list(range(1, result.ranked + 1))
    flags = [row.eligible for row in result.rows]
    assert flags == sorted(flags, reverse=True)
    eligible_scores = [row.score for row in result.rows if row.eligible]
    assert eligible_scores == sorted(eligible_scores, reverse=True)
    here = next(row for row in result.rows if row.position_id == POSITION)
    # The same engine, the same input: the same score, explanation and rank for the pair.
    assert here.score == on_position.score
    assert here.explanation == on_position.explanation
    assert here.candidate_rank == on_position.rank
    assert here.decision is None

    await sign_in(client, DEMO_USERS["counsellor"])
    detail = await client.get(f"/candidates/{candidate}")
    assert f"/candidates/{candidate}/suggestions" in detail.text
    page = await client.get(f"/candidates/{candidate}/suggestions")
    assert page.status_code == 200
    assert "advice" in page.text
    assert page.text.count("<details>") == min(20, result.eligible)
    if here.eligible:
        assert f"/positions/{POSITION}/suggestions?q={candidate}" in page.text


async def test_the_current_decision_is_shown_per_position(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, candidate, kind="shortlisted", after="0"))
    page = (await client.get(f"/candidates/{candidate}/suggestions?ineligible=1&top=50")).text
    row = page.split(f'<tr id="position-{POSITION}"')[1].split("\n    </tr>")[0]
    assert "Shortlisted" in row
    assert "Mikko Ohjaaja" in row


async def test_only_candidates_the_viewer_may_see(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Candidate).where(Candidate.id == candidate).values(counsellor_id=None)
        )
        await session.execute(
            delete(CandidateAccess).where(CandidateAccess.candidate_id == candidate)
        )
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get(f"/candidates/{candidate}/suggestions")).status_code == 404
    assert (await client.get("/candidates/999999/suggestions")).status_code == 404
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await client.get(f"/candidates/{candidate}/suggestions")).status_code == 200
    for role in ("teacher", "employer", "tutor"):
        client.cookies.clear()
        await sign_in(client, DEMO_USERS[role])
        assert (await client.get(f"/candidates/{candidate}/suggestions")).status_code == 403, role


async def test_a_placed_candidate_is_not_ranked(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    async with db.session() as session, session.begin():
        other = await session.get(Position, 2)
        assert other is not None
        session.add(
            Placement(
                candidate_id=candidate,
                position_id=other.id,
                organisation_id=other.organisation_id,
                place_number=99,
                status="active",
            )
        )
    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get(f"/candidates/{candidate}/suggestions")).text
    assert "already placed" in page
    assert "ranked-positions" not in page


async def test_a_candidate_without_consent_is_not_ranked(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=candidate,
            purpose="share_with_employers",
            given=False,
            recorded_by_id=await user_id(db, "counsellor"),
        )
    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get(f"/candidates/{candidate}/suggestions")).text
    assert "no consent in force" in page
    assert "ranked-positions" not in page
    # Given again: ranked again at once.
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=candidate,
            purpose="share_with_employers",
            given=True,
            recorded_by_id=await user_id(db, "counsellor"),
        )
    page = (await client.get(f"/candidates/{candidate}/suggestions")).text
    assert "ranked-positions" in page


async def test_bad_top_shows_a_message(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{candidate}/suggestions?top=3")
    assert page.status_code == 200
    assert "Choose 10, 20 or 50" in page.text
    unknown = await db.scalar(select(func.max(Candidate.id)))
    assert (await client.get(f"/candidates/{unknown + 1}/suggestions")).status_code == 404
