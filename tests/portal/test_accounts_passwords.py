"""Changing one's password, and setting a new one with a link sent by e-mail."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import hashlib
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import LoginSession, PasswordReset
from kit.audit import AuditEvent
from kit.settings import MailSettings, Settings
from portal.app import create_app
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.mailbox import Inbox, deliver, text_of
from tests.portal.test_people import execute, query

RESET_LINK = re.compile(r'value="http://127\.0\.0\.1:8000(/password/reset/([A-Za-z0-9_-]{20,}))"')


async def post(client: AsyncTestClient, path: str, **data: str) -> Any:
    return await client.post(
        path, data={**data, "_csrf_token": await csrf_token(client)}, follow_redirects=False
    )


async def login_sessions(database_url: str) -> int:
    return int((await query(database_url, select(func.count(LoginSession.id))))[0][0])


async def other_browser(settings: Settings, email: str) -> AsyncTestClient:
    browser = AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
    await browser.__aenter__()
    await sign_in(browser, email)
    return browser


async def test_changing_the_password_keeps_this_session_and_ends_the_others(
    client: AsyncTestClient, settings: Settings, database_url: str
) -> None:
    other = await other_browser(settings, DEMO_USERS["teacher"])
    try:
        await sign_in(client, DEMO_USERS["teacher"])
        form = await client.get("/account/password")
        assert form.status_code == 200
        assert '<label for="current_password"' in form.text
        response = await post(
            client,
            "/account/password",
            current_password="isok-demo",
            new_password="a-new-teacher-password",
            new_password_confirmation="a-new-teacher-password",
        )
        assert response.status_code == 303
        assert (await client.get("/api/me")).status_code == 200
        assert (await other.get("/api/me")).status_code == 401
    finally:
        await other.__aexit__(None, None, None)
    assert await login_sessions(database_url) == 1
    events = select(func.count(AuditEvent.id)).where(AuditEvent.action == "password_changed")
    assert await query(database_url, events) == [(1,)]
    await sign_in(client, DEMO_USERS["teacher"], "a-new-teacher-password")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (("wrong", "a-new-password", "a-new-password"), "current_password", "not your current"),
        (("isok-demo", "short", "short"), "new_password", "at least 8"),
        (("isok-demo", "a-new-password", "a-new-passwort"), "new_password_confirmation", "same"),
        (
            ("isok-demo", "Teacher@Demo.test", "Teacher@Demo.test"),
            "new_password",
            "must not be your e-mail address",
        ),
    ],
)
@pytest.mark.real_sign_in  # the last sign-in proves the old password still works
async def test_a_wrong_change_says_why_beside_the_field_and_changes_nothing(
    client: AsyncTestClient, fields: tuple[str, str, str], field: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    current, new, again = fields
    response = await post(
        client,
        "/account/password",
        current_password=current,
        new_password=new,
        new_password_confirmation=again,
    )
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    await sign_in(client, DEMO_USERS["teacher"])  # the old password still works


async def test_forgot_password_answers_the_same_for_any_address(settings: Settings) -> None:
    async with AsyncTestClient(
        app=create_app(dataclasses.replace(settings, env="production")),
        base_url="http://testserver.local",
    ) as client:
        known = await post(client, "/password/forgot", email=DEMO_USERS["counsellor"])
        unknown = await post(client, "/password/forgot", email="nobody@demo.test")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert "If an account exists for this address" in known.text
    assert "/password/reset/" not in known.text  # no link on screen in production
    links = select(func.count(PasswordReset.id))
    assert await query(settings.database.url, links) == [(1,)]


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    client: AsyncTestClient,
    settings: Settings,
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    smtp: tuple[Inbox, MailSettings],
) -> None:
    inbox, mail = smtp
    other = await other_browser(settings, DEMO_USERS["counsellor"])
    try:
        sent = await post(client, "/password/forgot", email="Counsellor@demo.test")
        assert sent.status_code == 200
        assert "Development aid" in sent.text
        found = RESET_LINK.search(sent.text)
        assert found is not None
        path, token = found.groups()
        # The same link went by e-mail to the account's address.
        assert (await deliver(sessions, mail)).sent == 1
        (message,) = inbox.to(DEMO_USERS["counsellor"])
        assert f"http://127.0.0.1:8000{path}" in text_of(message)
        ((stored,),) = await query(database_url, select(PasswordReset.token_hash))
        assert stored == hashlib.sha256(token.encode()).hexdigest()

        form = await client.get(path)
        assert form.status_code == 200
        assert form.headers["cache-control"] == "no-store"
        done = await post(
            client, path, password="counsellor-new-1", password_confirm="counsellor-new-1"
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/login"
        assert (await other.get("/api/me")).status_code == 401
    finally:
        await other.__aexit__(None, None, None)
    assert await login_sessions(database_url) == 0
    again = await post(
        client, path, password="counsellor-new-2", password_confirm="counsellor-new-2"
    )
    assert again.status_code == 404
    assert "counsellor" not in again.text.lower().split("<main", 1)[1]  # no data on the page
    await sign_in(client, DEMO_USERS["counsellor"], "counsellor-new-1")


async def test_using_one_link_ends_the_other_open_links(client: AsyncTestClient) -> None:
    paths = []
    for _ in range(2):
        sent = await post(client, "/password/forgot", email=DEMO_USERS["counsellor"])
        found = RESET_LINK.search(sent.text)
        assert found is not None
        paths.append(found.group(1))
    done = await post(
        client, paths[1], password="counsellor-new-1", password_confirm="counsellor-new-1"
    )
    assert done.status_code == 303
    assert (await client.get(paths[0])).status_code == 404


async def test_unknown_expired_and_bad_links_show_a_page_without_data(
    client: AsyncTestClient, database_url: str
) -> None:
    sent = await post(client, "/password/forgot", email=DEMO_USERS["teacher"])
    found = RESET_LINK.search(sent.text)
    assert found is not None
    path = found.group(1)
    short = await post(client, path, password="short", password_confirm="short")
    assert short.status_code == 400
    assert 'id="password-error"' in short.text
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    await execute(database_url, update(PasswordReset).values(expires_at=past))
    for target in (path, "/password/reset/no-such-token"):
        page = await client.get(target)
        assert page.status_code == 404
        assert "This link does not work" in page.text
        assert DEMO_USERS["teacher"] not in page.text
        assert (
            await post(client, target, password="x" * 12, password_confirm="x" * 12)
        ).status_code == 404
    await sign_in(client, DEMO_USERS["teacher"])


async def test_a_link_submitted_four_times_at_once_works_once(
    client: AsyncTestClient, settings: Settings, database_url: str
) -> None:
    sent = await post(client, "/password/forgot", email=DEMO_USERS["teacher"])
    found = RESET_LINK.search(sent.text)
    assert found is not None
    path = found.group(1)
    browsers = [
        AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
        for _ in range(4)
    ]
    for browser in browsers:
        await browser.__aenter__()
    try:
        responses = await asyncio.gather(
            *(
                post(
                    browser, path, password=f"teacher-new-{i}", password_confirm=f"teacher-new-{i}"
                )
                for i, browser in enumerate(browsers)
            )
        )
    finally:
        for browser in browsers:
            await browser.__aexit__(None, None, None)
    assert sorted(r.status_code for r in responses) == [303, 404, 404, 404]
    used = select(func.count(PasswordReset.id)).where(PasswordReset.used_at.is_not(None))
    assert await query(database_url, used) == [(1,)]


async def test_the_reset_link_is_built_on_the_public_url_never_on_the_host_header(
    settings: Settings,
) -> None:
    public = dataclasses.replace(settings, public_url="https://isok.example.fi")
    async with AsyncTestClient(app=create_app(public), base_url="http://testserver.local") as c:
        response = await c.post(
            "/password/forgot",
            data={"email": DEMO_USERS["teacher"], "_csrf_token": await csrf_token(c)},
            headers={"host": "evil.example", "x-forwarded-host": "evil.example"},
        )
    assert "https://isok.example.fi/password/reset/" in response.text
    assert "evil.example" not in response.text


async def test_the_forgot_form_checks_the_address(client: AsyncTestClient) -> None:
    page = await client.get("/login")
    assert 'href="/password/forgot"' in page.text
    response = await post(client, "/password/forgot", email="not-an-address")
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
