"""The candidates JSON API: visibility, create and update, 4xx on bad input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates.models import Candidate, CandidateAccess, CandidateLanguage, Interview
from tests.candidates.conftest import Database, MakeCandidate
from tests.conftest import DEMO_USERS, csrf_token, sign_in


def new_candidate(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Api Person",
        "client_since": "2026-01-10",
        "email": "api@example.fi",
        "regions": ["Uusimaa"],
        "client_type": "long_term",
        "stage": "guidance",
        "languages": [{"language": "fi", "level": "B1", "assessment": "tested"}],
    }
    body.update(changes)
    return body


async def ids_of(db: Database, statement: Any) -> set[int]:
    async with db.session() as session:
        return set((await session.execute(statement)).scalars())


async def send(client: AsyncTestClient, method: str, path: str, body: Any) -> Any:
    token = await csrf_token(client)
    return await client.request(method, path, json=body, headers={"x-csrftoken": token})


@pytest.mark.both_databases
async def test_the_list_shows_only_what_each_role_may_see(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    mine = await make_candidate(name="Mine Person", stage="portfolio")
    unassigned = await make_candidate(by=DEMO_USERS["coordinator"], name="Unassigned Person")
    interviewed = await make_candidate(name="Interviewed Person")
    teacher = await db.user_id(DEMO_USERS["teacher"])
    async with db.session() as session, session.begin():
        session.add(
            Interview(
                candidate_id=interviewed,
                teacher_id=teacher,
                scheduled_at=datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC),
            )
        )

    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    # The demo data has candidates of its own: the counsellor's caseload is every candidate
    # assigned to them or opened to them, the teacher's every candidate they interview.
    caseload = await ids_of(
        db,
        select(Candidate.id).where(
            (Candidate.counsellor_id == counsellor)
            | Candidate.id.in_(
                select(CandidateAccess.candidate_id).where(CandidateAccess.user_id == counsellor)
            )
        ),
    )
    interviewing = await ids_of(
        db, select(Interview.candidate_id).where(Interview.teacher_id == teacher)
    )
    assert {mine, interviewed} <= caseload
    assert unassigned not in caseload
    assert interviewed in interviewing
    assert not {mine, unassigned} & interviewing

    await sign_in(client, DEMO_USERS["counsellor"])
    listed = await client.get("/api/candidates")
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()} == caseload
    filtered = await client.get("/api/candidates", params={"stage": "portfolio", "q": "MINE"})
    assert [item["id"] for item in filtered.json()] == [mine]
    assert (await client.get(f"/api/candidates/{unassigned}")).status_code == 404
    one = await client.get(f"/api/candidates/{mine}")
    assert one.status_code == 200
    assert one.json()["languages"] == [{"language": "fi", "level": "A2", "assessment": "tested"}]
    assert one.json()["consents"] == []
    assert (await client.get("/api/candidates", params={"stage": "famous"})).status_code == 400
    bad_type = await client.get("/api/candidates", params={"client_type": "x"})
    assert bad_type.status_code == 400
    assert "detail" in bad_type.json()

    client.cookies.clear()
    await sign_in(client, DEMO_USERS["teacher"])
    assert {item["id"] for item in (await client.get("/api/candidates")).json()} == interviewing
    assert (await client.get(f"/api/candidates/{mine}")).status_code == 404
    patched = await send(client, "PATCH", f"/api/candidates/{interviewed}", {"name": "X"})
    assert patched.status_code == 403

    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    everyone = {item["id"] for item in (await client.get("/api/candidates")).json()}
    assert {mine, unassigned, interviewed} <= everyone


@pytest.mark.both_databases
async def test_a_counsellor_creates_and_updates_through_the_api(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    created = await send(client, "POST", "/api/candidates", new_candidate())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["counsellor_id"] == await db.user_id(DEMO_USERS["counsellor"])
    assert body["regions"] == ["Uusimaa"]

    patched = await send(
        client,
        "PATCH",
        f"/api/candidates/{body['id']}",
        {"stage": "interview", "languages": [{"language": "EN", "level": "c1"}]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["stage"] == "interview"
    assert patched.json()["name"] == "Api Person"
    assert patched.json()["languages"] == [{"language": "en", "level": "C1", "assessment": "self"}]


BAD_BODIES = [
    ("cefr", {"languages": [{"language": "fi", "level": "D7"}]}),
    ("assessment", {"languages": [{"language": "fi", "level": "B1", "assessment": "guess"}]}),
    ("stage", {"stage": "famous"}),
    ("client_type", {"client_type": "forever"}),
    ("region", {"regions": ["Atlantis"]}),
    ("name", {"name": "  "}),
    ("date", {"client_since": "2026-02-30"}),
    ("unknown_field", {"nationality": "x"}),
    ("counsellor", {"counsellor_id": 999999}),
]


@pytest.mark.parametrize("changes", [b[1] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
async def test_bad_input_answers_4xx_with_a_detail_and_saves_nothing(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate, changes: dict[str, Any]
) -> None:
    existing = await make_candidate()
    await sign_in(client, DEMO_USERS["counsellor"])
    before = await db.count(Candidate)
    languages_before = await db.count(CandidateLanguage)
    response = await send(client, "POST", "/api/candidates", new_candidate(**changes))
    assert 400 <= response.status_code < 500, response.text
    assert "detail" in response.json()
    assert await db.count(Candidate) == before

    response = await send(client, "PATCH", f"/api/candidates/{existing}", changes)
    assert 400 <= response.status_code < 500, response.text
    assert "detail" in response.json()
    async with db.session() as session:
        candidate = (
            await session.execute(select(Candidate).where(Candidate.id == existing))
        ).scalar_one()
        assert (candidate.name, candidate.stage, candidate.regions) == (
            "Amina Test",
            "guidance",
            ["North Savo"],
        )
    assert await db.count(CandidateLanguage, CandidateLanguage.candidate_id == existing) == 1
    assert await db.count(CandidateLanguage) == languages_before


async def test_outside_the_caseload_answers_404_and_employers_403(
    client: AsyncTestClient, make_candidate: MakeCandidate
) -> None:
    outside = await make_candidate(by=DEMO_USERS["coordinator"])
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await send(client, "PATCH", f"/api/candidates/{outside}", {"name": "Taken"})
    assert response.status_code == 404
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["employer"])
    assert (await client.get("/api/candidates")).status_code == 403
    assert (await send(client, "POST", "/api/candidates", new_candidate())).status_code == 403


async def test_a_request_without_the_csrf_header_changes_nothing(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    before = await db.count(Candidate)
    response = await client.post("/api/candidates", json=new_candidate())
    assert response.status_code == 403
    assert await db.count(Candidate) == before


async def test_a_refused_rule_answers_400_with_the_message_and_every_field(
    client: AsyncTestClient, make_candidate: MakeCandidate
) -> None:
    """The service's messages reach the API as ``{"detail": {"message", "errors"}}``."""
    existing = await make_candidate()
    await sign_in(client, DEMO_USERS["counsellor"])
    bad = {"languages": [{"language": "fi", "level": "D7"}], "regions": ["Atlantis"]}
    expected = {
        "detail": {
            "message": "regions: “Atlantis” is not a region of Finland in the list.",
            "errors": {
                "regions": "“Atlantis” is not a region of Finland in the list.",
                "languages.0.level": "Choose a CEFR level: A1, A2, B1, B2, C1 or C2.",
            },
        }
    }
    for response in (
        await send(client, "POST", "/api/candidates", new_candidate(**bad)),
        await send(client, "PATCH", f"/api/candidates/{existing}", bad),
    ):
        assert response.status_code == 400, response.text
        assert response.json() == expected
