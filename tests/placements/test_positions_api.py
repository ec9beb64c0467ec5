"""The positions JSON API: the same rules as the pages, errors as 4xx {"detail": ...}."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from accounts.models import User
from kit.audit import AuditEvent
from placements.models import Position, PositionCompetence, PositionLanguage
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database

EMPLOYER2 = "employer2@demo.test"


def position_json(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Cleaner, evening route",
        "field": "CLE",
        "tasks": "Office cleaning.",
        "municipality": "Kuopio",
        "region": "North Savo",
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "hours_per_week": 30,
        "places": 1,
        "competences": [
            {"competence": "CLE-U1-01", "min_level": 2},
            {"competence": "toilet cleaning", "min_level": 1, "required": False},
        ],
        "languages": [{"language": "fi", "level": "A2", "for_safety": True}],
    }
    body.update(changes)
    return body


async def headers(client: AsyncTestClient) -> dict[str, str]:
    return {"x-csrftoken": await csrf_token(client)}


async def counts(db: Database) -> tuple[int, int, int]:
    return (
        await db.count(Position),
        await db.count(PositionCompetence),
        await db.count(PositionLanguage),
    )


@pytest.mark.both_databases
async def test_employer_creates_reads_and_updates_a_position(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    created = await client.post(
        "/api/positions", json=position_json(), headers=await headers(client)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["organisation_id"] == 1
    assert body["status"] == "draft"
    assert body["field"] == "CLE"
    assert [(c["code"], c["min_level"], c["required"]) for c in body["competences"]] == [
        ("CLE-U1-01", 2, True),
        ("CLE-U1-02", 1, False),  # "toilet cleaning" is an alternative label of CLE-U1-02
    ]
    assert body["languages"] == [{"language": "fi", "level": "A2", "for_safety": True}]

    fetched = await client.get(f"/api/positions/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body

    patched = await client.patch(
        f"/api/positions/{body['id']}",
        json={
            "title": "Cleaner",
            "competences": [{"competence": "CLE-U1-01", "min_level": 3}],
            "status": "open",
        },
        headers=await headers(client),
    )
    assert patched.status_code == 200, patched.text
    result = patched.json()
    assert result["title"] == "Cleaner"
    assert result["status"] == "open"
    assert [(c["code"], c["min_level"]) for c in result["competences"]] == [("CLE-U1-01", 3)]
    assert result["languages"] == body["languages"]  # not given, so unchanged

    listed = await client.get("/api/positions")
    assert listed.status_code == 200
    assert {item["organisation_id"] for item in listed.json()} == {1}
    assert body["id"] in {item["id"] for item in listed.json()}

    employer_id = await db.scalar(select(User.id).where(User.email == DEMO_USERS["employer"]))
    async with db.session() as session:
        events = (
            (
                await session.execute(
                    select(AuditEvent).where(
                        AuditEvent.entity == "position", AuditEvent.entity_id == str(body["id"])
                    )
                )
            )
            .scalars()
            .all()
        )
    status_changes = [e for e in events if "status" in e.changes and e.action == "update"]
    assert [e.changes["status"] for e in status_changes] == [["draft", "open"]]
    assert status_changes[0].actor_id == employer_id


BAD_INPUT = [
    ("level", {"competences": [{"competence": "CLE-U1-01", "min_level": 6}]}, "min_level"),
    ("end before start", {"start_date": "2027-05-01", "end_date": "2027-04-01"}, "end_date"),
    ("unknown competence", {"competences": [{"competence": "no such skill"}]}, "competence"),
    ("typo", {"competences": [{"competence": "ofice cleaning"}]}, "Did you mean CLE-U1-01"),
    (
        "no required competence",
        {"competences": [{"competence": "CLE-U1-01", "required": False}]},
        "required competence",
    ),
    ("no competences", {"competences": []}, "required competence"),
    ("places", {"places": 0}, "places"),
    ("hours", {"hours_per_week": 61}, "hours_per_week"),
    ("cefr", {"languages": [{"language": "fi", "level": "D1"}]}, "CEFR"),
    ("language code", {"languages": [{"language": "finnish", "level": "B1"}]}, "language"),
    ("field", {"field": "NOPE"}, "field"),
    ("wrong type", {"places": "two"}, "places"),
    ("unknown key", {"salary": 3000}, "salary"),
]


@pytest.mark.parametrize(("case", "changes", "needle"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
async def test_bad_input_answers_400_with_detail_and_saves_nothing(
    client: AsyncTestClient, db: Database, case: str, changes: dict[str, Any], needle: str
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    before = await counts(db)
    response = await client.post(
        "/api/positions", json=position_json(**changes), headers=await headers(client)
    )
    assert response.status_code == 400, (case, response.text)
    assert needle in response.text, response.text
    assert "detail" in response.json()
    assert await counts(db) == before


async def test_a_tutor_of_another_organisation_is_refused(
    client: AsyncTestClient, db: Database
) -> None:
    tutor = await db.scalar(select(User.id).where(User.email == "tutor@demo.test"))
    await sign_in(client, EMPLOYER2)
    before = await counts(db)
    response = await client.post(
        "/api/positions", json=position_json(tutor_id=tutor), headers=await headers(client)
    )
    assert response.status_code == 400
    assert "tutor" in response.json()["detail"]["errors"]
    assert await counts(db) == before


async def test_bad_patch_changes_nothing(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    before = await counts(db)
    for body, status in (
        ({"title": "Renamed", "places": 0}, 400),
        ({"title": "Renamed", "competences": [{"competence": "LOG-U1-01", "min_level": 0}]}, 400),
        ({"title": "Renamed", "status": "draft"}, 409),  # open → draft is not a transition
        ({"title": "Renamed", "status": "filled"}, 409),  # only placements fill positions
        ({"status": "banana"}, 400),
    ):
        response = await client.patch("/api/positions/1", json=body, headers=await headers(client))
        assert response.status_code == status, (body, response.text)
        assert "detail" in response.json()
    assert await db.scalar(select(Position.title).where(Position.id == 1)) == "Warehouse worker"
    assert await db.scalar(select(Position.status).where(Position.id == 1)) == "open"
    assert await counts(db) == before


async def test_another_organisation_gets_404_and_changes_nothing(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, EMPLOYER2)
    assert (await client.get("/api/positions/1")).status_code == 404
    response = await client.patch(
        "/api/positions/1", json={"status": "closed"}, headers=await headers(client)
    )
    assert response.status_code == 404
    assert "detail" in response.json()
    listed = await client.get("/api/positions")
    assert listed.status_code == 200
    assert all(item["organisation_id"] == 2 for item in listed.json())
    assert 1 not in {item["id"] for item in listed.json()}
    assert await db.scalar(select(Position.status).where(Position.id == 1)) == "open"


async def test_an_unsafe_request_without_the_csrf_header_changes_nothing(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    before = await counts(db)
    assert (await client.patch("/api/positions/1", json={"status": "closed"})).status_code == 403
    assert (await client.post("/api/positions", json=position_json())).status_code == 403
    assert await db.scalar(select(Position.status).where(Position.id == 1)) == "open"
    assert await counts(db) == before


@pytest.mark.both_databases
async def test_staff_read_every_organisation_with_filters(
    client: AsyncTestClient, db: Database
) -> None:
    async with db.session() as session:
        rows = (await session.execute(select(Position.id, Position.status))).all()
    await sign_in(client, DEMO_USERS["coordinator"])
    everything = await client.get("/api/positions")
    assert everything.status_code == 200
    assert {item["id"] for item in everything.json()} == {row.id for row in rows}
    assert len({item["organisation_id"] for item in everything.json()}) > 2
    opened = await client.get("/api/positions", params={"status": "open", "kind": "sme"})
    assert opened.json()
    assert {item["status"] for item in opened.json()} == {"open"}
    assert (await client.get("/api/positions/1")).status_code == 200
    for params in ({"status": "banana"}, {"kind": "castle"}, {"readiness": "9"}):
        assert (await client.get("/api/positions", params=params)).status_code == 400
    # Staff read but do not write.
    response = await client.post(
        "/api/positions", json=position_json(), headers=await headers(client)
    )
    assert response.status_code == 403


async def test_tutors_have_no_positions_api(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await client.get("/api/positions")).status_code == 403


async def test_the_api_is_in_the_openapi_document(client: AsyncTestClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/positions"])
    assert {"get", "patch"} <= set(paths["/api/positions/{position_id}"])
    assert "/api/competences" in paths
