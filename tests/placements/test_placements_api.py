"""The placements JSON API: the employer accepts, staff and tutors read, counsellors run it."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates.models import Candidate
from placements.models import Placement, Position
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database
from tests.placements.test_placements import make_user
from tests.placements.test_proposals import (
    EMPLOYER2,
    PERSON,
    decide,
    make_candidate,
    make_position,
    placements_of,
    set_consent,
)


async def headers(client: AsyncTestClient) -> dict[str, str]:
    return {"x-csrftoken": await csrf_token(client)}


async def test_employer_accepts_through_the_api(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    sequence = await decide(db, position_id, candidate_id)
    body = {"position": position_id, "candidate": candidate_id, "after": sequence}

    # Another organisation's employer: no such proposal.
    await sign_in(client, EMPLOYER2)
    response = await client.post("/api/placements", json=body, headers=await headers(client))
    assert response.status_code == 404
    assert "detail" in response.json()

    await sign_in(client, DEMO_USERS["employer"])
    stale = await client.post(
        "/api/placements", json={**body, "after": 0}, headers=await headers(client)
    )
    assert stale.status_code == 409
    assert "Someone else has decided" in stale.json()["detail"]
    assert await placements_of(db, candidate_id) == []

    created = await client.post("/api/placements", json=body, headers=await headers(client))
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["status"] == "agreed"
    assert data["place_number"] == 1
    assert data["position_id"] == position_id
    assert data["candidate_id"] == candidate_id
    assert data["candidate_name"] == PERSON["name"]
    assert data["candidate_email"] == PERSON["email"]
    assert data["candidate_phone"] == PERSON["phone"]
    assert data["visits"] == []
    [placement] = await placements_of(db, candidate_id)
    assert data["id"] == placement.id
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "filled"

    again = await client.post(
        "/api/placements", json={**body, "after": sequence + 1}, headers=await headers(client)
    )
    assert again.status_code == 404  # no longer a proposal
    assert len(await placements_of(db, candidate_id)) == 1


async def test_refusals_answer_409_and_write_nothing(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db, places=1)
    first, second = await make_candidate(db), await make_candidate(db)
    await decide(db, position_id, first)
    await decide(db, position_id, second)
    await sign_in(client, DEMO_USERS["employer"])
    ok = await client.post(
        "/api/placements",
        json={"position": position_id, "candidate": first, "after": 1},
        headers=await headers(client),
    )
    assert ok.status_code == 201
    full = await client.post(
        "/api/placements",
        json={"position": position_id, "candidate": second, "after": 1},
        headers=await headers(client),
    )
    assert full.status_code == 409
    assert "not open for candidates" in full.json()["detail"]
    assert await placements_of(db, second) == []
    assert await db.scalar(select(Candidate.stage).where(Candidate.id == second)) == "interview"

    # Withdrawn consent: the proposal does not exist for the employer any more.
    other = await make_position(db)
    await decide(db, other, second)
    await set_consent(db, second, given=False)
    hidden = await client.post(
        "/api/placements",
        json={"position": other, "candidate": second, "after": 1},
        headers=await headers(client),
    )
    assert hidden.status_code == 404

    for bad in ({}, {"position": "one", "candidate": 1, "after": 1}, {"position": 1, "x": 2}):
        response = await client.post("/api/placements", json=bad, headers=await headers(client))
        assert response.status_code == 400, bad
        assert "detail" in response.json()


async def test_reading_placements_per_viewer(client: AsyncTestClient, db: Database) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    created = await client.post(
        "/api/placements",
        json={"position": position_id, "candidate": candidate_id, "after": 1},
        headers=await headers(client),
    )
    placement_id = created.json()["id"]
    path = f"/api/placements/{placement_id}"

    def ids(response: Any) -> set[int]:
        return {row["id"] for row in response.json()}

    assert placement_id in ids(await client.get("/api/placements"))
    assert placement_id in ids(await client.get("/api/placements?status=agreed"))
    assert placement_id not in ids(await client.get("/api/placements?status=completed"))
    assert (await client.get("/api/placements?status=nonsense")).status_code == 400

    await sign_in(client, EMPLOYER2)
    assert placement_id not in ids(await client.get("/api/placements"))
    response = await client.get(path)
    assert response.status_code == 404
    assert "detail" in response.json()

    await sign_in(client, DEMO_USERS["tutor"])
    assert placement_id in ids(await client.get("/api/placements"))
    assert (await client.get(path)).json()["candidate_email"] == PERSON["email"]

    await make_user(db, "api.tutor@demo.test", "tutor", 1)
    await sign_in(client, "api.tutor@demo.test")
    assert placement_id not in ids(await client.get("/api/placements"))
    assert (await client.get(path)).status_code == 404

    await sign_in(client, DEMO_USERS["teacher"])
    assert (await client.get(path)).status_code == 200


async def test_counsellor_runs_the_placement_through_the_api(
    client: AsyncTestClient, db: Database
) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    await decide(db, position_id, candidate_id)
    await sign_in(client, DEMO_USERS["employer"])
    created = await client.post(
        "/api/placements",
        json={"position": position_id, "candidate": candidate_id, "after": 1},
        headers=await headers(client),
    )
    path = f"/api/placements/{created.json()['id']}"
    # The employer does not run placements.
    response = await client.patch(path, json={"status": "active"}, headers=await headers(client))
    assert response.status_code == 403

    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.patch(path, json={"status": "completed"}, headers=await headers(client))
    assert response.status_code == 409
    assert "cannot go from" in response.json()["detail"]
    response = await client.patch(path, json={"status": "paused"}, headers=await headers(client))
    assert response.status_code == 400
    response = await client.patch(
        path, json={"end_date": "2020-01-01"}, headers=await headers(client)
    )
    assert response.status_code == 400
    assert "end_date" in response.json()["detail"]["errors"]

    response = await client.patch(
        path, json={"status": "active", "start_date": "2027-03-03"}, headers=await headers(client)
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert response.json()["start_date"] == "2027-03-03"

    response = await client.patch(
        path, json={"status": "interrupted"}, headers=await headers(client)
    )
    assert response.status_code == 400
    assert "note" in response.json()["detail"]["errors"]
    response = await client.patch(
        path,
        json={"status": "interrupted", "note": "Health reasons."},
        headers=await headers(client),
    )
    assert response.status_code == 200
    assert response.json()["status_note"] == "Health reasons."
    assert await db.scalar(select(Position.status).where(Position.id == position_id)) == "open"
    assert await db.scalar(select(Placement.status).where(Placement.candidate_id == candidate_id))

    # A counsellor who may not see the candidate reads but cannot change.
    await make_user(db, "api.counsellor@demo.test", "counsellor", None)
    await sign_in(client, "api.counsellor@demo.test")
    read = await client.get(path)
    assert read.status_code == 200
    assert read.json()["candidate_name"] is None
    assert read.json()["candidate_email"] is None
    response = await client.patch(path, json={"start_date": None}, headers=await headers(client))
    assert response.status_code == 403
