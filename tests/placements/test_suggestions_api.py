"""JSON API of suggestions and decisions: ``/api/positions/{id}/suggestions``."""

from __future__ import annotations

from typing import Any

from httpx import Response
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, update

from candidates.models import Candidate, CandidateAccess
from placements.models import Position
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database
from tests.placements.test_decisions import history, pick
from tests.placements.test_suggestions import suggest

POSITION = 1
URL = f"/api/positions/{POSITION}/suggestions"


async def post(client: AsyncTestClient, body: dict[str, Any], url: str = URL) -> Response:
    return await client.post(url, json=body, headers={"x-csrftoken": await csrf_token(client)})


async def test_read_the_ranking_with_explanations(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get(URL, params={"top": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["position"] == POSITION
    assert "advice" in body["advice"]
    rows = body["suggestions"]
    assert [row["rank"] for row in rows] == list(range(1, 11))
    assert all(row["eligible"] for row in rows)
    expected = await suggest(db, "counsellor", top=10)
    assert [row["candidate"] for row in rows] == [row.candidate_id for row in expected.rows]
    first = rows[0]
    assert first["score"] == expected.rows[0].score
    explanation = first["explanation"]
    assert set(explanation) == {
        "matched",
        "partial",
        "missing_required",
        "missing_optional",
        "filters",
        "parts",
    }
    assert explanation["parts"]["total"] == first["score"]
    assert first["decision"] is None or first["decision"]["kind"]

    wider = (await client.get(URL, params={"top": 50, "ineligible": "true"})).json()
    flags = [row["eligible"] for row in wider["suggestions"]]
    assert flags == sorted(flags, reverse=True)
    for bad in ("0", "1000", "x"):
        response = await client.get(URL, params={"top": bad})
        assert response.status_code == 400, bad
        assert "detail" in response.json()
    assert (await client.get("/api/positions/999999/suggestions")).status_code == 404


async def test_decide_and_read_the_history(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post(client, {"candidate": candidate, "decision": "shortlisted", "after": 0})
    assert response.status_code == 201, response.text
    first = response.json()
    assert (first["sequence"], first["kind"], first["candidate_id"]) == (
        1,
        "shortlisted",
        candidate,
    )
    assert first["decided_by"] == "Mikko Ohjaaja"
    assert first["candidate_name"]
    assert first["explanation"]["parts"]["total"] == first["score"]
    assert first["rank"] >= 1

    response = await post(
        client,
        {
            "candidate": candidate,
            "decision": "rejected",
            "reason": "candidate_not_interested",
            "note": "Wants to study first.",
            "after": 1,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["reason"] == "candidate_not_interested"

    # The ranking shows the current state.
    rows = (await client.get(URL, params={"top": 50})).json()["suggestions"]
    row = next(row for row in rows if row["candidate"] == candidate)
    assert (row["decision"]["kind"], row["decision"]["sequence"]) == ("rejected", 2)

    decisions = (await client.get(f"{URL}/decisions")).json()
    assert decisions["position"] == POSITION
    mine = [d for d in decisions["decisions"] if d["candidate_id"] == candidate]
    assert [(d["sequence"], d["kind"]) for d in mine] == [(1, "shortlisted"), (2, "rejected")]
    assert mine[0]["explanation"] == first["explanation"]
    assert mine[1]["note"] == "Wants to study first."

    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await client.get(f"{URL}/decisions")).status_code == 200
    assert (await client.get("/api/positions/999999/suggestions/decisions")).status_code == 404


async def test_refusals_answer_4xx_and_write_nothing(client: AsyncTestClient, db: Database) -> None:
    [candidate, hidden] = await pick(db, 2)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Candidate).where(Candidate.id == hidden).values(counsellor_id=None)
        )
        await session.execute(delete(CandidateAccess).where(CandidateAccess.candidate_id == hidden))
    await sign_in(client, DEMO_USERS["counsellor"])
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"candidate": candidate, "decision": "rejected", "after": 0}, 400, "reason"),
        ({"candidate": candidate, "decision": "accepted", "after": 0}, 400, "decision"),
        (
            {"candidate": candidate, "decision": "rejected", "reason": "nope", "after": 0},
            400,
            "reason",
        ),
        ({"candidate": candidate, "decision": "shortlisted", "after": 0, "score": 1}, 400, ""),
        ({"candidate": candidate, "decision": "shortlisted"}, 400, ""),
        ({"candidate": candidate, "decision": "withdrawn", "after": 0}, 409, "proposal"),
        ({"candidate": candidate, "decision": "shortlisted", "after": 4}, 409, "Someone else"),
        ({"candidate": hidden, "decision": "shortlisted", "after": 0}, 404, "No such candidate"),
        ({"candidate": 999999, "decision": "shortlisted", "after": 0}, 404, ""),
    ]
    for body, status, words in cases:
        response = await post(client, body)
        assert response.status_code == status, (body, response.text)
        assert words in str(response.json()["detail"]), (body, response.text)
    response = await post(
        client,
        {"candidate": candidate, "decision": "shortlisted", "after": 0},
        url="/api/positions/999999/suggestions",
    )
    assert response.status_code == 404
    assert await history(db, candidate) == []
    assert await history(db, hidden) == []

    async with db.session() as session, session.begin():
        await session.execute(
            update(Position).where(Position.id == POSITION).values(status="closed")
        )
    response = await post(client, {"candidate": candidate, "decision": "proposed", "after": 0})
    assert response.status_code == 409
    assert "not open" in response.json()["detail"]
    assert await history(db, candidate) == []


async def test_only_counsellors_write_and_staff_of_match_review_read(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    for role in ("coordinator", "teacher", "employer", "tutor"):
        client.cookies.clear()
        await sign_in(client, DEMO_USERS[role])
        response = await post(
            client, {"candidate": candidate, "decision": "shortlisted", "after": 0}
        )
        assert response.status_code == 403, role
        if role != "coordinator":
            assert (await client.get(URL)).status_code == 403, role
            assert (await client.get(f"{URL}/decisions")).status_code == 403, role
    assert await history(db, candidate) == []
    client.cookies.clear()
    # No CSRF header: refused before anything happens.
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.post(
        URL, json={"candidate": candidate, "decision": "shortlisted", "after": 0}
    )
    assert response.status_code == 403
    assert await history(db, candidate) == []


async def test_openapi_documents_the_resource(client: AsyncTestClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert "get" in paths["/api/positions/{position_id}/suggestions"]
    assert "post" in paths["/api/positions/{position_id}/suggestions"]
    assert "get" in paths["/api/positions/{position_id}/suggestions/decisions"]
    assert "/positions/{position_id}/decisions" not in paths
    assert "DecisionIn" in str(schema["components"]["schemas"])
