"""Placement pages: who sees which placement, status changes, details and monitoring visits."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from accounts.models import User
from accounts.passwords import hash_password
from candidates.models import Candidate
from kit.clock import today
from placements.models import MonitoringVisit, Placement, Position
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database
from tests.placements.test_proposals import (
    EMPLOYER2,
    PERSON,
    accepted_placement,
    answer,
    decide,
    make_candidate,
    placements_of,
    user_id,
)


async def make_user(db: Database, email: str, role: str, organisation_id: int | None) -> int:
    async with db.session() as session, session.begin():
        user = User(
            email=email,
            name=email.split("@")[0].replace(".", " ").title(),
            role=role,
            password_hash=hash_password(DEMO_PASSWORD),
            organisation_id=organisation_id,
        )
        session.add(user)
        await session.flush()
        return int(user.id)


async def post(client: AsyncTestClient, path: str, **fields: Any) -> Any:
    data = {"_csrf_token": await csrf_token(client), **{k: str(v) for k, v in fields.items()}}
    return await client.post(path, data=data, follow_redirects=False)


async def placement(db: Database, placement_id: int) -> Placement:
    found: Placement | None = await db.scalar(select(Placement).where(Placement.id == placement_id))
    assert found is not None
    return found


async def set_tutor(db: Database, placement_id: int, tutor_id: int | None) -> None:
    async with db.session() as session, session.begin():
        (await session.get_one(Placement, placement_id)).tutor_id = tutor_id


# --- Who sees what ----------------------------------------------------------------------


async def test_tutor_sees_only_the_placements_they_tutor(
    client: AsyncTestClient, db: Database
) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    page = f"/placements/{placement_id}"
    await make_user(db, "second.tutor@demo.test", "tutor", 1)

    await sign_in(client, DEMO_USERS["tutor"])
    listing = await client.get("/placements")
    assert f'href="{page}"' in listing.text
    detail = await client.get(page)
    assert detail.status_code == 200
    for value in PERSON.values():  # accepted: the tutor sees the person and contact details
        assert value in detail.text
    assert 'action="/placements/' not in detail.text  # no forms for the tutor
    assert f'href="/candidates/{_candidate}"' not in detail.text  # no link to the record

    await sign_in(client, "second.tutor@demo.test")
    assert f'href="{page}"' not in (await client.get("/placements")).text
    assert (await client.get(page)).status_code == 404

    second = await user_id(db, "second.tutor@demo.test")
    await set_tutor(db, placement_id, second)
    assert f'href="{page}"' in (await client.get("/placements")).text
    assert (await client.get(page)).status_code == 200
    await sign_in(client, DEMO_USERS["tutor"])
    assert f'href="{page}"' not in (await client.get("/placements")).text
    assert (await client.get(page)).status_code == 404


async def test_another_organisation_gets_404(client: AsyncTestClient, db: Database) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    page = f"/placements/{placement_id}"
    assert f'href="{page}"' in (await client.get("/placements")).text

    await sign_in(client, EMPLOYER2)
    assert f'href="{page}"' not in (await client.get("/placements")).text
    response = await client.get(page)
    assert response.status_code == 404
    assert PERSON["name"] not in response.text
    # Employers and tutors never run a placement.
    for path in (f"{page}/status", f"{page}/details", f"{page}/visits"):
        assert (await post(client, path, status="active")).status_code == 403


async def test_staff_see_placements_and_names_only_of_their_candidates(
    client: AsyncTestClient, db: Database
) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    page = f"/placements/{placement_id}"
    await sign_in(client, DEMO_USERS["coordinator"])
    detail = await client.get(page)
    assert PERSON["name"] in detail.text
    assert "Proposed to the employer" in detail.text
    assert "Accepted by the employer" in detail.text
    assert f'action="{page}/status"' in detail.text
    assert f'action="{page}/visits"' not in detail.text  # visits are the counsellor's

    # A counsellor without the candidate sees the placement, not the person, and cannot run it.
    await make_user(db, "other.counsellor@demo.test", "counsellor", None)
    await sign_in(client, "other.counsellor@demo.test")
    assert f'href="{page}"' in (await client.get("/placements")).text
    detail = await client.get(page)
    assert detail.status_code == 200
    assert PERSON["name"] not in detail.text
    assert PERSON["email"] not in detail.text
    assert 'action="/placements/' not in detail.text
    for path, fields in (
        (f"{page}/status", {"status": "active"}),
        (f"{page}/visits", {"visited_on": today().isoformat(), "notes": "Went well."}),
        (f"{page}/details", {"start_date": "2027-03-02"}),
    ):
        response = await post(client, path, **fields)
        assert response.status_code == 303
        assert response.headers["location"] == page
    saved = await placement(db, placement_id)
    assert saved.status == "agreed"
    assert saved.start_date == datetime.date(2027, 3, 1)
    assert await visit_count(db, placement_id) == 0


@pytest.mark.both_databases
async def test_the_list_filters_by_status(client: AsyncTestClient, db: Database) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    page = f'href="/placements/{placement_id}"'
    assert page in (await client.get("/placements?status=agreed")).text
    assert page not in (await client.get("/placements?status=active")).text
    unknown = await client.get("/placements?status=nonsense")
    assert unknown.status_code == 200
    assert page in unknown.text


# --- Status ------------------------------------------------------------------------------


@pytest.mark.both_databases
async def test_status_moves_forward_and_completion_moves_the_candidate_on(
    client: AsyncTestClient, db: Database
) -> None:
    placement_id, _position, candidate_id = await accepted_placement(db, client)
    path = f"/placements/{placement_id}/status"
    await sign_in(client, DEMO_USERS["counsellor"])

    skipped = await post(client, path, status="completed")
    assert skipped.status_code == 400
    assert "cannot go from “Agreed” to “Completed”" in skipped.text
    for wrong in ("", "filled", "agreed"):
        assert (await post(client, path, status=wrong)).status_code == 400
    assert (await placement(db, placement_id)).status == "agreed"

    assert (await post(client, path, status="active")).status_code == 303
    assert (await placement(db, placement_id)).status == "active"
    done = await post(client, path, status="completed", note="All outcomes shown.")
    assert done.status_code == 303
    saved = await placement(db, placement_id)
    assert (saved.status, saved.status_note) == ("completed", "All outcomes shown.")
    assert await db.scalar(select(Candidate.stage).where(Candidate.id == candidate_id)) == (
        "assessment"
    )
    for later in ("active", "interrupted"):
        assert (await post(client, path, status=later, note="x")).status_code == 400
    assert (await placement(db, placement_id)).status == "completed"


@pytest.mark.both_databases
async def test_interruption_needs_a_note_and_reopens_the_position(
    client: AsyncTestClient, db: Database
) -> None:
    placement_id, position_id, candidate_id = await accepted_placement(db, client)
    path = f"/placements/{placement_id}/status"
    await sign_in(client, DEMO_USERS["coordinator"])
    refused = await post(client, path, status="interrupted")
    assert refused.status_code == 400
    assert "Say why the placement was interrupted." in refused.text
    assert (await placement(db, placement_id)).status == "agreed"

    response = await post(client, path, status="interrupted", note="The candidate moved away.")
    assert response.status_code == 303
    saved = await placement(db, placement_id)
    assert (saved.status, saved.status_note) == ("interrupted", "The candidate moved away.")
    assert await db.scalar(select(Candidate.stage).where(Candidate.id == candidate_id)) == (
        "interview"
    )
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "open"

    # The place is free again: the next accepted candidate takes place number 1.
    newcomer = await make_candidate(db)
    sequence = await decide(db, position_id, newcomer)
    await sign_in(client, DEMO_USERS["employer"])
    accepted = await answer(client, position_id, newcomer, action="accept", after=sequence)
    assert accepted.status_code == 303
    [fresh] = await placements_of(db, newcomer)
    assert fresh.place_number == 1
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "filled"


# --- Details -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": "2027-04-01", "end_date": "2027-03-01"}, "end_date"),
        ({"start_date": "1 March"}, "start_date"),
        ({"tutor": "employer"}, "tutor"),
        ({"tutor": "TUTOR2"}, "tutor"),  # a tutor of another organisation
        ({"tutor": "EMPLOYER"}, "tutor"),  # not a tutor at all
        ({"teacher": "COUNSELLOR"}, "teacher"),  # not a teacher
    ],
)
async def test_details_are_checked(
    client: AsyncTestClient, db: Database, fields: dict[str, str], field: str
) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    ids = {
        "TUTOR2": str(await make_user(db, "tutor.two@demo.test", "tutor", 2)),
        "EMPLOYER": str(await user_id(db, DEMO_USERS["employer"])),
        "COUNSELLOR": str(await user_id(db, DEMO_USERS["counsellor"])),
    }
    fields = {key: ids.get(value, value) for key, value in fields.items()}
    before = await placement(db, placement_id)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post(client, f"/placements/{placement_id}/details", **fields)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    after = await placement(db, placement_id)
    assert (after.start_date, after.end_date, after.tutor_id, after.teacher_id) == (
        before.start_date,
        before.end_date,
        before.tutor_id,
        before.teacher_id,
    )


@pytest.mark.both_databases
async def test_details_are_saved(client: AsyncTestClient, db: Database) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    tutor = await make_user(db, "new.tutor@demo.test", "tutor", 1)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post(
        client,
        f"/placements/{placement_id}/details",
        start_date="2027-03-08",
        end_date="2027-06-04",
        tutor=tutor,
        teacher="",
    )
    assert response.status_code == 303
    saved = await placement(db, placement_id)
    assert (saved.start_date, saved.end_date) == (
        datetime.date(2027, 3, 8),
        datetime.date(2027, 6, 4),
    )
    assert (saved.tutor_id, saved.teacher_id) == (tutor, None)
    page = await client.get(f"/placements/{placement_id}")
    assert "details were saved" in page.text
    assert "New Tutor" in page.text


# --- Visits ------------------------------------------------------------------------------


@pytest.mark.both_databases
async def test_counsellor_records_visits(client: AsyncTestClient, db: Database) -> None:
    placement_id, _position, _candidate = await accepted_placement(db, client)
    path = f"/placements/{placement_id}/visits"
    await sign_in(client, DEMO_USERS["counsellor"])
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    for fields, field in (
        ({"visited_on": tomorrow, "notes": "Planned."}, "visited_on"),
        ({"visited_on": "", "notes": "No date."}, "visited_on"),
        ({"visited_on": today().isoformat(), "notes": "  "}, "notes"),
    ):
        response = await post(client, path, **fields)
        assert response.status_code == 400
        assert f'id="{field}-error"' in response.text
    assert await visit_count(db, placement_id) == 0

    response = await post(
        client, path, visited_on=today().isoformat(), notes="Settled in well; tutor happy."
    )
    assert response.status_code == 303
    assert await visit_count(db, placement_id) == 1
    page = await client.get(f"/placements/{placement_id}")
    assert "Settled in well; tutor happy." in page.text
    visit = await db.scalar(
        select(MonitoringVisit).where(MonitoringVisit.placement_id == placement_id)
    )
    assert visit.visitor_id == await user_id(db, DEMO_USERS["counsellor"])

    # Only counsellors record visits (the policy table), and the tutor sees them.
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await post(client, path, visited_on=today().isoformat(), notes="x")).status_code == 403
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await post(client, path, visited_on=today().isoformat(), notes="x")).status_code == 403
    assert "Settled in well" in (await client.get(f"/placements/{placement_id}")).text
    assert await visit_count(db, placement_id) == 1


async def visit_count(db: Database, placement_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(MonitoringVisit)
            .where(MonitoringVisit.placement_id == placement_id)
        )
    )


async def test_unknown_placement_is_404(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await client.get("/placements/999999")).status_code == 404
    assert (await post(client, "/placements/999999/status", status="active")).status_code == 404


async def test_staff_who_may_open_the_record_get_a_link_to_it(
    client: AsyncTestClient, db: Database
) -> None:
    placement_id, _position, candidate_id = await accepted_placement(db, client)
    await sign_in(client, DEMO_USERS["coordinator"])
    page = (await client.get(f"/placements/{placement_id}")).text
    assert f'href="/candidates/{candidate_id}"' in page
