"""Proposals to employers: own positions only, consented fields only, accept and decline.

The tests make their own position, candidates and proposals (a counsellor's ``proposed``
decision through :func:`placements.review.decisions.append_decision`), so they do not depend on
what the demo data holds. The helpers here are shared with the placement tests.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from accounts.models import User
from candidates.consent import record_consent
from candidates.models import (
    Candidate,
    CandidateLanguage,
    Claim,
    Interview,
    VerifiedCompetence,
)
from competences.models import Competence, Framework
from kit.roles import Viewer
from placements.lifecycle import proposals
from placements.lifecycle.proposals import WorkflowRefused, accept
from placements.models import (
    Placement,
    Position,
    PositionCompetence,
    SuggestionDecision,
)
from placements.review.decisions import append_decision, latest_decision
from tests.conftest import DEMO_USERS, Backend, csrf_token, sign_in
from tests.placements.conftest import Database

EMPLOYER2 = "employer2@demo.test"
FIRST_ORGANISATION = 1
_numbers = itertools.count(1)


async def user_id(db: Database, email: str) -> int:
    return int(await db.scalar(select(User.id).where(User.email == email)))


async def make_position(
    db: Database,
    *,
    places: int = 1,
    status: str = "open",
    organisation_id: int = FIRST_ORGANISATION,
    tutor_email: str | None = DEMO_USERS["tutor"],
) -> int:
    """An open warehouse position of the first demo organisation, tutored by the demo tutor."""
    tutor = await user_id(db, tutor_email) if tutor_email else None
    async with db.session() as session, session.begin():
        framework = (
            await session.execute(select(Framework.id).where(Framework.code == "LOG"))
        ).scalar_one()
        competence = (
            await session.execute(select(Competence.id).where(Competence.code == "LOG-U1-01"))
        ).scalar_one()
        position = Position(
            organisation_id=organisation_id,
            title=f"Test picker {next(_numbers)}",
            framework_id=framework,
            status=status,
            places=places,
            tutor_id=tutor,
            start_date=datetime.date(2027, 3, 1),
            end_date=datetime.date(2027, 5, 31),
            competences=[PositionCompetence(competence_id=competence, min_level=2)],
            languages=[],
        )
        session.add(position)
        await session.flush()
        return int(position.id)


PERSON = {
    "name": "Zenobia Quillfeather",
    "email": "zenobia.quillfeather@example.org",
    "phone": "+358 40 765 4321",
}


async def make_candidate(db: Database, *, share: bool = True, **person: str) -> int:
    """A consenting candidate of the demo counsellor: two claims, one verified, Finnish B1."""
    details = {**PERSON, **person}
    counsellor = await user_id(db, DEMO_USERS["counsellor"])
    teacher = await user_id(db, DEMO_USERS["teacher"])
    async with db.session() as session, session.begin():
        codes = dict(
            (
                await session.execute(
                    select(Competence.code, Competence.id).where(
                        Competence.code.in_(["LOG-U1-01", "LOG-U1-03"])
                    )
                )
            ).all()
        )
        candidate = Candidate(
            name=details["name"],
            email=details["email"],
            phone=details["phone"],
            regions=["North Karelia"],
            available_from=datetime.date(2027, 2, 1),
            client_type="short_term",
            client_since=datetime.date(2026, 1, 15),
            counsellor_id=counsellor,
            stage="interview",
            languages=[CandidateLanguage(language="fi", level="B1", assessment="tested")],
            claims=[
                Claim(competence_id=codes["LOG-U1-01"], self_level=3),
                Claim(competence_id=codes["LOG-U1-03"], self_level=2),
            ],
        )
        session.add(candidate)
        await session.flush()
        now = datetime.datetime.now(datetime.UTC)
        session.add(
            Interview(
                candidate_id=candidate.id,
                teacher_id=teacher,
                scheduled_at=now - datetime.timedelta(days=3),
                status="completed",
                completed_at=now - datetime.timedelta(days=3),
                results=[VerifiedCompetence(competence_id=codes["LOG-U1-01"], verified_level=4)],
            )
        )
        for purpose in ("validation", "share_with_employers"):
            await record_consent(
                session,
                candidate_id=candidate.id,
                purpose=purpose,
                given=share or purpose == "validation",
                recorded_by_id=counsellor,
            )
        return int(candidate.id)


async def decide(
    db: Database, position_id: int, candidate_id: int, kind: str = "proposed", **extra: Any
) -> int:
    """A counsellor's decision on the pair (a proposal by default); returns its sequence."""
    counsellor = await user_id(db, DEMO_USERS["counsellor"])
    async with db.session() as session, session.begin():
        current = await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
        decision = await append_decision(
            session,
            position_id=position_id,
            candidate_id=candidate_id,
            kind=kind,
            decided_by_id=counsellor,
            expected_sequence=current.sequence if current else 0,
            **extra,
        )
        return int(decision.sequence)


async def set_consent(db: Database, candidate_id: int, *, given: bool) -> None:
    counsellor = await user_id(db, DEMO_USERS["counsellor"])
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=candidate_id,
            purpose="share_with_employers",
            given=given,
            recorded_by_id=counsellor,
        )


async def answer(
    client: AsyncTestClient, position_id: int, candidate_id: int, **fields: Any
) -> Any:
    data = {"_csrf_token": await csrf_token(client), **{k: str(v) for k, v in fields.items()}}
    return await client.post(
        f"/positions/{position_id}/proposals/{candidate_id}", data=data, follow_redirects=False
    )


async def placements_of(db: Database, candidate_id: int) -> list[Placement]:
    async with db.session() as session:
        return list(
            (
                await session.scalars(
                    select(Placement)
                    .where(Placement.candidate_id == candidate_id)
                    .order_by(Placement.id)
                )
            ).all()
        )


async def accepted_placement(db: Database, client: AsyncTestClient) -> tuple[int, int, int]:
    """A fresh position with one accepted proposal: (placement id, position id, candidate id).

    Signs the client in as the employer; sign in again as someone else afterwards.
    """
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    sequence = await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    response = await answer(client, position_id, candidate_id, action="accept", after=sequence)
    assert response.status_code == 303, response.text
    [placement] = await placements_of(db, candidate_id)
    assert response.headers["location"] == f"/placements/{placement.id}"
    return placement.id, position_id, candidate_id


async def flash_after(client: AsyncTestClient, response: Any) -> str:
    """The page a redirect leads to, with its flash message."""
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    return str(page.text)


# --- Seeing proposals ------------------------------------------------------------------


async def test_employer_sees_only_its_own_positions_proposals(
    client: AsyncTestClient, db: Database
) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    detail = f"/positions/{position_id}/proposals/{candidate_id}"

    await sign_in(client, DEMO_USERS["employer"])
    listing = await client.get("/proposals")
    assert listing.status_code == 200
    assert f'href="{detail}"' in listing.text
    assert f"Candidate no. {candidate_id}" in listing.text
    assert (await client.get(detail)).status_code == 200

    await sign_in(client, EMPLOYER2)
    listing = await client.get("/proposals")
    assert listing.status_code == 200
    assert detail not in listing.text
    assert (await client.get(detail)).status_code == 404
    refused = await answer(client, position_id, candidate_id, action="accept", after=1)
    assert refused.status_code == 404
    assert await placements_of(db, candidate_id) == []


async def test_only_current_proposals_are_shown(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db)
    shortlisted = await make_candidate(db)
    withdrawn = await make_candidate(db)
    await decide(db, position_id, shortlisted, "shortlisted")
    await decide(db, position_id, withdrawn)
    await decide(db, position_id, withdrawn, "withdrawn")
    await sign_in(client, DEMO_USERS["employer"])
    listing = await client.get("/proposals")
    for candidate_id in (shortlisted, withdrawn):
        assert f"/proposals/{candidate_id}" not in listing.text
        assert (
            await client.get(f"/positions/{position_id}/proposals/{candidate_id}")
        ).status_code == 404


async def test_withdrawn_consent_hides_a_proposal_at_once(
    client: AsyncTestClient, db: Database
) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    sequence = await decide(db, position_id, candidate_id)
    detail = f"/positions/{position_id}/proposals/{candidate_id}"
    await sign_in(client, DEMO_USERS["employer"])
    assert detail in (await client.get("/proposals")).text

    await set_consent(db, candidate_id, given=False)
    assert detail not in (await client.get("/proposals")).text
    assert (await client.get(detail)).status_code == 404
    refused = await answer(client, position_id, candidate_id, action="accept", after=sequence)
    assert refused.status_code == 404
    assert await placements_of(db, candidate_id) == []

    await set_consent(db, candidate_id, given=True)
    assert detail in (await client.get("/proposals")).text


async def test_proposal_shows_the_profile_without_name_or_contact_details(
    client: AsyncTestClient, db: Database
) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    sequence = await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    for path in ("/proposals", f"/positions/{position_id}/proposals/{candidate_id}"):
        page = await client.get(path)
        assert page.status_code == 200
        for value in PERSON.values():
            assert value not in page.text, (path, value)
    page = await client.get(f"/positions/{position_id}/proposals/{candidate_id}")
    text = page.text
    assert f"Candidate no. {candidate_id}" in text
    assert "LOG-U1-01" in text
    assert "LOG-U1-03" in text
    assert "4 (good)" in text  # verified by the teacher
    assert "3 (good)" in text  # self-assessed
    assert "Finnish" in text
    assert "B1" in text
    assert "North Karelia" in text
    assert "2027-02-01" in text
    assert f'name="after" value="{sequence}"' in text
    assert 'name="reason"' in text


# --- Accepting -------------------------------------------------------------------------


async def test_acceptance_creates_one_placement_and_fills_the_position(
    client: AsyncTestClient, db: Database
) -> None:
    placement_id, position_id, candidate_id = await accepted_placement(db, client)
    [placement] = await placements_of(db, candidate_id)
    assert placement.status == "agreed"
    assert placement.place_number == 1
    assert placement.organisation_id == FIRST_ORGANISATION
    assert placement.tutor_id == await user_id(db, DEMO_USERS["tutor"])
    assert placement.counsellor_id == await user_id(db, DEMO_USERS["counsellor"])
    assert placement.teacher_id == await user_id(db, DEMO_USERS["teacher"])
    assert (placement.start_date, placement.end_date) == (
        datetime.date(2027, 3, 1),
        datetime.date(2027, 5, 31),
    )
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "filled"
    assert await db.scalar(select(Candidate.stage).where(Candidate.id == candidate_id)) == (
        "placement"
    )
    decision = await db.scalar(
        select(SuggestionDecision).where(SuggestionDecision.id == placement.decision_id)
    )
    assert (decision.kind, decision.sequence) == ("accepted", 2)
    assert decision.decided_by_id == await user_id(db, DEMO_USERS["employer"])

    # Now accepted: the employer sees the person and how to reach them.
    page = await client.get(f"/placements/{placement_id}")
    assert page.status_code == 200
    for value in PERSON.values():
        assert value in page.text
    assert "You accepted the candidate" in page.text
    # And the proposal is no longer pending.
    assert f"/proposals/{candidate_id}" not in (await client.get("/proposals")).text


async def test_a_second_acceptance_for_a_full_position_is_refused(
    client: AsyncTestClient, db: Database
) -> None:
    position_id = await make_position(db, places=1)
    first, second = await make_candidate(db), await make_candidate(db)
    await decide(db, position_id, first)
    second_sequence = await decide(db, position_id, second)
    await sign_in(client, DEMO_USERS["employer"])
    accepted = await answer(client, position_id, first, action="accept", after=1)
    assert accepted.status_code == 303

    # The position is filled now: not open for another candidate.
    refused = await answer(client, position_id, second, action="accept", after=second_sequence)
    assert "not open for candidates any more" in await flash_after(client, refused)
    assert await placements_of(db, second) == []
    assert await latest_decision_kind(db, position_id, second) == "proposed"

    # Even if the position were open again by mistake, the taken place refuses it.
    await set_position_status(db, position_id, "open")
    refused = await answer(client, position_id, second, action="accept", after=second_sequence)
    assert "Every place of this position is already taken" in await flash_after(client, refused)
    assert await placements_of(db, second) == []
    count = await db.scalar(
        select(func.count()).select_from(Placement).where(Placement.position_id == position_id)
    )
    assert count == 1


async def test_two_places_take_numbers_one_and_two(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db, places=2)
    first, second = await make_candidate(db), await make_candidate(db)
    await decide(db, position_id, first)
    await decide(db, position_id, second)
    await sign_in(client, DEMO_USERS["employer"])
    assert (await answer(client, position_id, first, action="accept", after=1)).status_code == 303
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "open"
    assert (await answer(client, position_id, second, action="accept", after=1)).status_code == 303
    numbers = [p.place_number for p in await placements_of(db, first)] + [
        p.place_number for p in await placements_of(db, second)
    ]
    assert numbers == [1, 2]
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "filled"


async def test_a_candidate_placed_meanwhile_is_refused(
    client: AsyncTestClient, db: Database
) -> None:
    here, there = await make_position(db), await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, here, candidate_id)
    await decide(db, there, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    assert (await answer(client, here, candidate_id, action="accept", after=1)).status_code == 303
    refused = await answer(client, there, candidate_id, action="accept", after=1)
    assert "placed in another position in the meantime" in await flash_after(client, refused)
    assert len(await placements_of(db, candidate_id)) == 1
    assert await latest_decision_kind(db, there, candidate_id) == "proposed"
    assert await db.scalar(select(Position.status).where(Position.id == there)) == "open"


async def test_a_closed_position_cannot_accept(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    await set_position_status(db, position_id, "closed")
    await sign_in(client, DEMO_USERS["employer"])
    refused = await answer(client, position_id, candidate_id, action="accept", after=1)
    assert "not open for candidates any more" in await flash_after(client, refused)
    assert await placements_of(db, candidate_id) == []


async def test_a_stale_page_is_refused(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    # A forged or outdated `after`.
    refused = await answer(client, position_id, candidate_id, action="accept", after=0)
    assert "Someone else has decided" in await flash_after(client, refused)
    # The counsellor withdrew and proposed again while the page was open.
    await decide(db, position_id, candidate_id, "withdrawn")
    await decide(db, position_id, candidate_id)
    refused = await answer(client, position_id, candidate_id, action="accept", after=1)
    assert "Someone else has decided" in await flash_after(client, refused)
    refused = await answer(
        client, position_id, candidate_id, action="decline", after=1, reason="timing"
    )
    assert "Someone else has decided" in await flash_after(client, refused)
    assert await placements_of(db, candidate_id) == []
    assert await latest_decision_kind(db, position_id, candidate_id) == "proposed"
    # Nonsense answers change nothing either.
    for fields in ({"action": "hire", "after": 3}, {"action": "accept", "after": "x"}):
        response = await answer(client, position_id, candidate_id, **fields)
        assert "not understood" in await flash_after(client, response)
    assert await placements_of(db, candidate_id) == []


async def test_a_refusal_after_a_flush_leaves_the_rows_as_they_were(
    client: AsyncTestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The decision is written, then the placement is refused by the database: the error
    redirect (which commits) keeps neither, and the candidate and position stay as they were."""
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)

    async def no_such_teacher(_session: Any, _candidate_id: int) -> int:
        return 2**31 - 1  # no user has this id: the placement's foreign key refuses it

    monkeypatch.setattr(proposals, "_newest_interview_teacher", no_such_teacher)
    await sign_in(client, DEMO_USERS["employer"])
    refused = await answer(client, position_id, candidate_id, action="accept", after=1)
    assert "at the same moment" in await flash_after(client, refused)
    assert await placements_of(db, candidate_id) == []
    assert await latest_decision_kind(db, position_id, candidate_id) == "proposed"
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "open"
    assert await db.scalar(select(Candidate.stage).where(Candidate.id == candidate_id)) != (
        "placement"
    )


# --- Declining -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "reason", "Choose a reason from the list."),
        ({"reason": "because"}, "reason", "Choose a reason from the list."),
        ({"reason": "other"}, "note", "Say in a few words why you decline."),
        ({"reason": "timing", "note": "x" * 2001}, "note", "Use at most 2000 characters."),
    ],
)
async def test_a_decline_needs_a_reason(
    client: AsyncTestClient, db: Database, fields: dict[str, str], field: str, message: str
) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    response = await answer(client, position_id, candidate_id, action="decline", after=1, **fields)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert await latest_decision_kind(db, position_id, candidate_id) == "proposed"


async def test_decline_records_the_reason(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    response = await answer(
        client,
        position_id,
        candidate_id,
        action="decline",
        after=1,
        reason="other",
        note="We need someone for night shifts only.",
    )
    assert response.headers["location"] == "/proposals"
    page = await flash_after(client, response)
    assert "You declined the proposal" in page
    assert f"/proposals/{candidate_id}" not in page
    decision = await db.scalar(
        select(SuggestionDecision)
        .where(
            SuggestionDecision.position_id == position_id,
            SuggestionDecision.candidate_id == candidate_id,
        )
        .order_by(SuggestionDecision.sequence.desc())
    )
    assert (decision.kind, decision.sequence, decision.reason) == ("declined", 2, "other")
    assert decision.note == "We need someone for night shifts only."
    assert decision.decided_by_id == await user_id(db, DEMO_USERS["employer"])
    assert await placements_of(db, candidate_id) == []
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "open"


# --- Small helpers used above ------------------------------------------------------------


async def latest_decision_kind(db: Database, position_id: int, candidate_id: int) -> str | None:
    async with db.session() as session:
        current = await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
        return current.kind if current else None


async def set_position_status(db: Database, position_id: int, status: str) -> None:
    async with db.session() as session, session.begin():
        position = await session.get_one(Position, position_id)
        position.status = status


async def test_concurrent_acceptances_for_the_last_place_write_one_placement(
    db: Database, backend: Backend
) -> None:
    """Two employers' requests pass the checks at the same moment; the index refuses one."""
    if backend.name != "postgresql":
        # SQLite runs one writer at a time, so the checks above already see the first.
        return
    position_id = await make_position(db, places=1)
    first, second = await make_candidate(db), await make_candidate(db)
    await decide(db, position_id, first)
    await decide(db, position_id, second)
    employer = await user_id(db, DEMO_USERS["employer"])
    viewer = Viewer(user_id=employer, role="employer", organisation_id=FIRST_ORGANISATION)
    async with db.session() as one, db.session() as two:
        await one.begin()
        await two.begin()
        await accept(one, viewer, position_id=position_id, candidate_id=first, after=1)
        racing = asyncio.create_task(
            accept(two, viewer, position_id=position_id, candidate_id=second, after=1)
        )
        await asyncio.sleep(0.5)  # the second has checked (nothing committed yet) and waits
        await one.commit()
        with pytest.raises(WorkflowRefused, match="at the same moment"):
            await racing
        await two.rollback()
    assert len(await placements_of(db, first)) == 1
    assert await placements_of(db, second) == []
    assert await latest_decision_kind(db, position_id, second) == "proposed"
