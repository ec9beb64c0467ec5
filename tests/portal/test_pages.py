"""Pages, headers, error pages and the health check on the real app."""

from __future__ import annotations

import asyncio
import re

import pytest
from litestar import get
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from kit.settings import DatabaseSettings, Settings
from portal.app import create_app
from portal.database import create_engine
from portal.migrate import code_revisions
from portal.pages import REVISION_QUERY, DatabaseState, SharedCheck
from tests.conftest import DEMO_USERS, csrf_token, make_settings, sign_in

EXPECTED_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def assert_security_headers(headers: object) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert headers[name] == value, name  # type: ignore[index]
    csp = headers["content-security-policy"]  # type: ignore[index]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize(
    "path", ["/", "/login", "/healthz", "/static/css/isok.css", "/no-such-page", "/api/frameworks"]
)
async def test_security_headers_on_every_kind_of_response(
    client: AsyncTestClient, path: str
) -> None:
    response = await client.get(path, follow_redirects=False)
    assert_security_headers(response.headers)


async def test_signed_in_pages_are_not_cached(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get("/home")
    assert response.headers["cache-control"] == "no-store"


async def test_pages_have_no_inline_script(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    for path in ("/home", "/frameworks", "/frameworks/LOG"):
        text = (await client.get(path)).text
        assert "<script>" not in text
        assert " onclick=" not in text
        assert "<script src=" in text


async def test_unknown_route_shows_the_404_page(client: AsyncTestClient) -> None:
    response = await client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "<html" in response.text


async def test_unknown_api_route_answers_json(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get("/api/frameworks/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


async def test_wrong_role_gets_the_403_page(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    response = await client.get("/frameworks")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.text


async def test_unexpected_error_shows_the_500_page_without_details(settings: Settings) -> None:
    @get("/explode", sync_to_thread=False)
    def explode() -> str:
        raise RuntimeError("secret internal detail")

    app = create_app(settings)
    app.register(explode)
    # The table is the only way in: allow this test route for anyone.
    from portal import policy

    policy.ROUTE_POLICY["GET /explode"] = policy.PUBLIC
    try:
        async with AsyncTestClient(app=app) as test_client:
            response = await test_client.get("/explode")
    finally:
        del policy.ROUTE_POLICY["GET /explode"]
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internal detail" not in response.text
    assert_security_headers(response.headers)


@pytest.mark.both_databases
async def test_health_check_reports_the_database(client: AsyncTestClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    head = code_revisions().head
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "database_revision": head,
        "code_revision": head,
    }


async def test_health_check_answers_503_when_the_database_is_unreachable() -> None:
    settings = make_settings("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        response = await test_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["status"] == "error"
    assert response.json()["migrations"] == "unknown"


@pytest.mark.parametrize(
    ("role", "phrase"),
    [
        ("coordinator", "Indicators against targets"),
        ("counsellor", "portfolios"),
        ("teacher", "interviews"),
        ("employer", "Savon Varastopalvelut Oy"),
        ("tutor", "assess"),
        ("steering", "Indicators against targets"),
    ],
)
async def test_each_role_has_its_own_home_page(
    client: AsyncTestClient, role: str, phrase: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    response = await client.get("/home")
    assert response.status_code == 200
    assert phrase in response.text


@pytest.mark.parametrize("role", sorted(DEMO_USERS))
@pytest.mark.both_databases
async def test_every_link_on_a_home_page_opens_for_that_role(
    client: AsyncTestClient, role: str
) -> None:
    """A home page says what to do next: none of its links may lead to a refusal."""
    import re

    await sign_in(client, DEMO_USERS[role])
    main = (await client.get("/home")).text.split("<main", 1)[1].split("</main>", 1)[0]
    links = sorted(set(re.findall(r'href="(/[^"#?]*)', main)))
    assert links, "a home page without links"
    refused = []
    for link in links:
        response = await client.get(link, follow_redirects=False)
        if response.status_code >= 400:
            refused.append(f"{link}: {response.status_code}")
    assert not refused, refused


async def test_navigation_shows_only_what_the_role_may_open(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    text = (await client.get("/home")).text
    assert 'href="/frameworks"' not in text
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})
    await sign_in(client, DEMO_USERS["teacher"])
    text = (await client.get("/home")).text
    assert 'href="/frameworks"' in text


@pytest.mark.both_databases
async def test_coordinator_sees_partner_counts_from_the_database(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    text = (await client.get("/home")).text
    # Demo data: five approved major companies; seven other approved partners.
    assert re.search(
        r'<th scope="row">Partners: major companies</th>\s*<td>\d+</td>\s*<td>5</td>\s*<td>10</td>',
        text,
    )
    assert re.search(
        r'<th scope="row">Partners: other organisations</th>\s*<td>\d+</td>\s*<td>7</td>\s*'
        r"<td>4</td>",
        text,
    )


async def test_openapi_document_lists_the_api(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert "/api/frameworks" in document["paths"]
    assert "/api/me" in document["paths"]
    assert "/login" not in document["paths"]
    # Only the JSON API (and the health check) is described; HTML pages are not.
    assert {path for path in document["paths"] if not path.startswith("/api/")} == {"/healthz"}


async def test_health_checks_at_the_same_moment_share_one_round_trip(settings: Settings) -> None:
    engine = create_engine(settings.database)
    pings: list[str] = []
    event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: pings.append(str(args[2]))
    )
    check = SharedCheck()
    try:
        answers = await asyncio.gather(*(check.database_state(engine) for _ in range(8)))
        assert answers == [DatabaseState(reachable=True, revision=code_revisions().head)] * 8
        assert pings == [REVISION_QUERY]
        # Nothing is kept: the next check asks the database again.
        assert (await check.database_state(engine)).reachable
        assert pings == [REVISION_QUERY] * 2
    finally:
        await engine.dispose()
    unreachable = create_engine(DatabaseSettings(url="postgresql+asyncpg://nobody@127.0.0.1:1/x"))
    try:
        answers = await asyncio.gather(*(check.database_state(unreachable) for _ in range(3)))
        assert answers == [DatabaseState(reachable=False)] * 3
    finally:
        await unreachable.dispose()
