"""Invitations tell nothing about other accounts, survive races, and link to the public URL."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from portal.accounts import passwords
from portal.accounts.models import Invitation, User
from portal.app import create_app
from portal.settings import Settings
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_people import LINK, NEW_TUTOR, invite, invite_and_get_token, query

# Addresses with an account (own organisation, another organisation, staff), and look-alikes
# of staff addresses with a Cyrillic "о" / "а" and a full-width "ｃ".
TAKEN = (
    "TUTOR@demo.test",
    "employer2@demo.test",
    "coordinator@demo.test",
    "c\u043eordinator@demo.test",
    "te\u0430cher@demo.test",
    "\uff43ounsellor@demo.test",
)


class CountingHasher:
    """The real argon2 hasher, counting the hashes it makes (the costly work)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls = 0

    def hash(self, password: str) -> str:
        self.calls += 1
        return str(self.real.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        return bool(self.real.verify(password_hash, password))

    def check_needs_rehash(self, password_hash: str) -> bool:
        return bool(self.real.check_needs_rehash(password_hash))


def production(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, env="production", **changes)


async def rows(database_url: str) -> list[Any]:
    users = await query(database_url, select(func.count(User.id)))
    invitations = await query(database_url, select(func.count(Invitation.id)))
    return [users, invitations]


@pytest.mark.parametrize("email", TAKEN)
async def test_a_taken_or_look_alike_address_gets_the_same_answer_and_nothing_is_written(
    settings: Settings, database_url: str, email: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashes = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hashes)
    async with AsyncTestClient(
        app=create_app(production(settings)), base_url="http://testserver.local"
    ) as client:
        await sign_in(client, DEMO_USERS["employer"])
        hashes.calls = 0
        fresh = await invite(client, email="fresh.person@example.fi")
        fresh_hashes = hashes.calls
        before = await rows(database_url)
        hashes.calls = 0
        taken = await invite(client, email=email)
    assert fresh.status_code == taken.status_code == 201
    # In production the two pages are the same but for the address typed.
    assert taken.text.replace(email.lower(), "ADDRESS") == fresh.text.replace(
        "fresh.person@example.fi", "ADDRESS"
    )
    assert "Development aid" not in fresh.text
    assert LINK.search(fresh.text) is None  # no link on screen in production
    assert await rows(database_url) == before  # nothing written for the taken address
    assert hashes.calls == fresh_hashes == 1  # the same argon2 work on both paths


async def test_four_invitations_of_one_address_at_once_make_one(
    settings: Settings, database_url: str
) -> None:
    clients = [
        AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
        for _ in range(4)
    ]
    for client in clients:
        await client.__aenter__()
    try:
        for client in clients:
            await sign_in(client, DEMO_USERS["employer"])
        responses = await asyncio.gather(*(invite(client) for client in clients))
    finally:
        for client in clients:
            await client.__aexit__(None, None, None)
    assert [r.status_code for r in responses] == [201] * 4
    for response in responses:
        assert "Invitation on its way to" in response.text
    invited = select(func.count(User.id)).where(User.email == NEW_TUTOR["email"].lower())
    assert await query(database_url, invited) == [(1,)]
    assert await query(database_url, select(func.count(Invitation.id))) == [(1,)]


async def test_one_link_accepted_four_times_at_once_works_once(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    clients = [
        AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
        for _ in range(4)
    ]
    for other in clients:
        await other.__aenter__()
    try:

        async def accept(other: AsyncTestClient, index: int) -> int:
            password = f"tutor-password-{index}"
            response = await other.post(
                f"/invitations/{token}",
                data={
                    "password": password,
                    "password_confirm": password,
                    "_csrf_token": await csrf_token(other),
                },
                follow_redirects=False,
            )
            return response.status_code

        statuses = await asyncio.gather(*(accept(c, i) for i, c in enumerate(clients)))
    finally:
        for other in clients:
            await other.__aexit__(None, None, None)
    assert sorted(statuses) == [303, 404, 404, 404]
    used = await query(
        settings.database.url,
        select(func.count(Invitation.id)).where(Invitation.accepted_at.is_not(None)),
    )
    assert used == [(1,)]


async def test_the_link_is_built_on_the_public_url_never_on_the_host_header(
    settings: Settings,
) -> None:
    public = dataclasses.replace(settings, public_url="https://isok.example.fi")
    async with AsyncTestClient(app=create_app(public), base_url="http://testserver.local") as c:
        await sign_in(c, DEMO_USERS["employer"])
        response = await c.post(
            "/organisation/people",
            data={**NEW_TUTOR, "_csrf_token": await csrf_token(c)},
            headers={"host": "evil.example", "x-forwarded-host": "evil.example"},
        )
    assert response.status_code == 201
    assert "https://isok.example.fi/invitations/" in response.text
    assert "evil.example" not in response.text


async def test_a_password_equal_to_the_address_is_refused(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    email = NEW_TUTOR["email"].lower()
    response = await client.post(
        f"/invitations/{token}",
        data={
            "password": email,
            "password_confirm": email,
            "_csrf_token": await csrf_token(client),
        },
    )
    assert response.status_code == 400
    assert "must not be your e-mail address" in response.text
