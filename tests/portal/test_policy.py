"""The route-policy table against the app: every route listed, every role checked."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from portal.accounts.models import Role
from portal.app import create_app
from portal.policy import AUTOMATIC_METHODS, ROUTE_POLICY, route_key
from portal.settings import Settings
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
