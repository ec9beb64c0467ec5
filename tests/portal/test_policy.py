"""The route-policy table against the app: every route listed, every role checked."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from kit.roles import Role, Viewer
from kit.settings import Settings
from portal.app import create_app
from portal.database import create_engine, create_session_factory
from portal.policy import AUTOMATIC_METHODS, ROUTE_POLICY, route_key
from tests.conftest import DEMO_USERS, csrf_token, make_settings, sign_in

# Values for path parameters that exist in the demo data.
# Ids 1 belong to the first demo organisation (employer@demo.test's) and its first position.
PATH_VALUES = {
    "code": "LOG",
    "file_path": "css/isok.css",
    "path": "openapi.json",
    "organisation_id": "1",
    "position_id": "1",
    "token": "no-such-token",
    # The first demo candidate is in counsellor@demo.test's caseload and has an interview
    # with teacher@demo.test; its first claim and evidence item, and that interview.
    "candidate_id": "1",
    "claim_id": "1",
    "evidence_id": "1",
    "interview_id": "1",
    # The first demo placement, at the first organisation, tutored by tutor@demo.test.
    "placement_id": "1",
    # tutor@demo.test, a person of the first organisation.
    "user_id": "6",
    # No invitation in the demo data: the employer's withdrawal answers 404.
    "invitation_id": "1",
    # A tutor link of the first placement, if the walk's own issue made it (else 404).
    "link_id": "1",
    # The first revocation status list (certificates' codes are "LOG" here: unknown, 404).
    "number": "1",
    # The first outcome, if the demo data has one (else 404; another candidate's: 404 too).
    "outcome_id": "1",
    # A programme activity: the first training or event, if any (else 404).
    "training_id": "1",
    "event_id": "1",
    # The programme's first six-monthly reporting period (ISOK_REPORTING_START's default),
    # and a report, if the walk's own draft made one (else 404).
    "period_start": "2026-01-01",
    "report_id": "1",
    # A request to correct a record, if one was made (else 404).
    "request_id": "1",
    # An outbox message, if one failed (else the coordinator's retry says so).
    "message_id": "1",
    "notification_id": "1",
}


def app_routes() -> set[str]:
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    keys = set()
    for route in app.routes:
        for method in route.methods:
            if method not in AUTOMATIC_METHODS:
                keys.add(route_key(method, route.path_format))
    return keys


def test_every_route_is_in_the_policy_table() -> None:
    missing = sorted(app_routes() - set(ROUTE_POLICY))
    assert not missing, f"routes without a row in portal/policy.py: {missing}"


def test_every_policy_row_names_a_real_route() -> None:
    stale = sorted(set(ROUTE_POLICY) - app_routes())
    assert not stale, f"rows in portal/policy.py for routes that do not exist: {stale}"


def concrete(path_template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path_template)


def is_denied(status: int, location: str, anonymous: bool) -> bool:
    if anonymous:
        return status == 401 or (status == 303 and location.startswith("/login?next="))
    return status == 403


ROLES: list[str | None] = [None, *sorted(DEMO_USERS)]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.both_databases
async def test_every_route_answers_every_role_as_the_table_says(
    settings: Settings, client: AsyncTestClient, role: str | None
) -> None:
    if role is not None:
        await sign_in(client, DEMO_USERS[role])
    token = await csrf_token(client)
    wrong: list[str] = []
    # Sign-out last, so that it does not end the session the other requests use.
    rows = sorted(ROUTE_POLICY.items(), key=lambda item: item[0] == "POST /logout")
    for key, access in rows:
        method, template = key.split(" ", 1)
        response = await client.request(
            method,
            concrete(template),
            headers={"x-csrftoken": token},
            follow_redirects=False,
        )
        denied = is_denied(
            response.status_code, response.headers.get("location", ""), anonymous=role is None
        )
        expected_allowed = access.allows(Role(role) if role else None)
        if denied == expected_allowed:
            expected = "allowed" if expected_allowed else "denied"
            wrong.append(f"{key}: {response.status_code}, expected {expected}")
        if response.status_code >= 500:
            wrong.append(f"{key}: server error {response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_a_route_missing_from_the_table_is_denied_to_everybody(settings: Settings) -> None:
    from litestar import get

    @get("/unlisted", sync_to_thread=False)
    def unlisted() -> str:
        return "should never be served"

    app = create_app(settings)
    app.register(unlisted)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.get("/unlisted", follow_redirects=False)
        assert response.status_code == 303
        await sign_in(client, DEMO_USERS["coordinator"])
        response = await client.get("/unlisted")
        assert response.status_code == 403
        assert "should never be served" not in response.text


# --- The organisation-status dimension ----------------------------------------------------
# The same walk as people of the first demo organisation while it is a partner, and after it
# has only applied, was rejected or became inactive. Read routes answer as they do for a
# partner (its people still see their own data); the routes marked ``partners_only`` are
# probed with real objects (a pending proposal, a draft position): refused or empty unless
# the organisation is a partner.

ORGANISATION_STATUSES = ["partner", "applied", "rejected", "inactive"]
ORGANISATION_ROLES = ["employer", "tutor"]
FIRST_ORGANISATION = 1


async def _execute(settings: Settings, sql: str, **values: object) -> list[tuple[object, ...]]:
    engine = create_engine(settings.database)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql), values)
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def _pending_proposals(settings: Settings) -> list[tuple[int, int, int]]:
    """(position, candidate, sequence) of the proposals the first employer sees now."""
    from placements.lifecycle.proposals import proposals_for

    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            employer = (
                await session.execute(
                    text("SELECT id FROM user_account WHERE email = :email"),
                    {"email": DEMO_USERS["employer"]},
                )
            ).scalar_one()
            viewer = Viewer(user_id=employer, role="employer", organisation_id=FIRST_ORGANISATION)
            rows = await proposals_for(session, viewer)
    finally:
        await engine.dispose()
    return sorted((row.position.id, row.candidate_id, row.decision.sequence) for row in rows)


async def _position_status(settings: Settings, position_id: int) -> str:
    rows = await _execute(settings, "SELECT status FROM position WHERE id = :id", id=position_id)
    return str(rows[0][0])


async def _walk(
    client: AsyncTestClient, token: str, rows: list[tuple[str, Any]]
) -> dict[str, httpx.Response]:
    answers = {}
    for key, _access in rows:
        method, template = key.split(" ", 1)
        answers[key] = await client.request(
            method, concrete(template), headers={"x-csrftoken": token}, follow_redirects=False
        )
    return answers


@pytest.mark.parametrize("status", ORGANISATION_STATUSES)
@pytest.mark.parametrize("role", ORGANISATION_ROLES)
@pytest.mark.both_databases
async def test_organisation_routes_follow_the_partnership_status(
    settings: Settings, client: AsyncTestClient, role: str, status: str
) -> None:
    proposals = await _pending_proposals(settings)
    assert len(proposals) >= 2, "the demo data has two pending proposals to the first employer"
    (position_a, candidate_a, after_a), (position_b, candidate_b, after_b) = proposals[:2]
    draft = (
        await _execute(
            settings,
            "SELECT id FROM position WHERE organisation_id = :organisation AND status = 'draft'",
            organisation=FIRST_ORGANISATION,
        )
    )[0][0]

    await sign_in(client, DEMO_USERS[role])
    token = await csrf_token(client)
    user_role = Role(role)
    walked = [
        (key, access)
        for key, access in sorted(ROUTE_POLICY.items(), key=lambda item: item[0] == "POST /logout")
        if not (access.partners_only and access.allows(user_role))
    ]
    reads = [(key, access) for key, access in walked if key.startswith("GET ")]
    # What the organisation's people see while it is a partner: the baseline for reads.
    baseline = {
        key: answer.status_code for key, answer in (await _walk(client, token, reads)).items()
    }
    if status != "partner":
        await _execute(
            settings,
            "UPDATE organisation SET status = :status WHERE id = :id",
            status=status,
            id=FIRST_ORGANISATION,
        )

    wrong: list[str] = []
    for key, answer in (await _walk(client, token, walked)).items():
        access = ROUTE_POLICY[key]
        denied = is_denied(answer.status_code, answer.headers.get("location", ""), anonymous=False)
        if denied == access.allows(user_role):
            wrong.append(f"{key}: {answer.status_code}, the role table says otherwise")
        if answer.status_code >= 500:
            wrong.append(f"{key}: server error {answer.status_code}")
        if key in baseline and answer.status_code != baseline[key]:
            wrong.append(f"{key}: {answer.status_code}, {baseline[key]} while a partner")
    assert not wrong, "\n".join(wrong)

    if role != "employer":
        return  # a tutor has no candidate-facing route; the walk above checked every route
    partner = status == "partner"
    await sign_in(client, DEMO_USERS[role])  # the walk ended with signing out
    headers = {"x-csrftoken": await csrf_token(client)}

    listed = await client.get("/proposals")
    assert listed.status_code == 200
    for position_id, candidate_id, _after in proposals:
        shown = f"/positions/{position_id}/proposals/{candidate_id}" in listed.text
        assert shown == partner, (position_id, candidate_id)
    if not partner:
        assert 'id="not-a-partner"' in listed.text

    page = await client.get(f"/positions/{position_a}/proposals/{candidate_a}")
    assert page.status_code == (200 if partner else 404)

    accepted = await client.post(
        "/api/placements",
        json={"position": position_a, "candidate": candidate_a, "after": after_a},
        headers=headers,
    )
    assert accepted.status_code == (201 if partner else 409), accepted.text
    if not partner:
        assert "approve your organisation" in accepted.json()["detail"]

    declined = await client.post(
        f"/positions/{position_b}/proposals/{candidate_b}",
        data={"action": "decline", "reason": "no_capacity", "after": str(after_b)},
        headers=headers,
        follow_redirects=False,
    )
    assert declined.status_code == (303 if partner else 404)

    opened = await client.patch(f"/api/positions/{draft}", json={"status": "open"}, headers=headers)
    assert opened.status_code == (200 if partner else 409), opened.text
    if partner:
        closed = await client.patch(
            f"/api/positions/{draft}", json={"status": "closed"}, headers=headers
        )
        assert closed.status_code == 200
    page_open = await client.post(
        f"/positions/{draft}/status",
        data={"status": "open"},
        headers=headers,
        follow_redirects=False,
    )
    assert page_open.status_code == (303 if partner else 409)
    if not partner:
        assert "approve your organisation" in page_open.text
        assert await _position_status(settings, int(str(draft))) == "draft"
    # Closing never needs the partnership.
    closing = await client.patch(
        f"/api/positions/{position_b}", json={"status": "closed"}, headers=headers
    )
    assert closing.status_code == 200, closing.text
