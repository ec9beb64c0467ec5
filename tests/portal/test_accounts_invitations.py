"""Invitations tell nothing about other accounts, survive races, and link to the public URL."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts import passwords
from accounts.models import Invitation, User
from kit.settings import MailSettings, Settings
from portal.app import create_app
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.mailbox import Inbox, deliver, html_of, text_of
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
async def test_a_taken_or_look_alike_address_gets_the_same_answer_and_no_account_is_made(
    settings: Settings,
    database_url: str,
    email: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    sessions: async_sessionmaker[AsyncSession],
    smtp: tuple[Inbox, MailSettings],
) -> None:
    inbox, mail = smtp
    hashes = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hashes)
    async with AsyncTestClient(
        app=create_app(production(settings)), base_url="http://testserver.local"
    ) as client:
        await sign_in(client, DEMO_USERS["employer"])
        start = await rows(database_url)
        hashes.calls = 0
        fresh = await invite(client, email="fresh.person@example.fi")
        fresh_hashes = hashes.calls
        before = await rows(database_url)
        await deliver(sessions, mail)
        (invited,) = inbox.received
        assert LINK.search(text_of(invited)) is not None  # the new address gets its link
        inbox.received.clear()
        hashes.calls = 0
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="isok"):
            taken = await invite(client, email=email)
        await deliver(sessions, mail)
    assert fresh.status_code == taken.status_code == 201
    # In production the two pages are the same but for the address typed.
    assert taken.text.replace(email.lower(), "ADDRESS") == fresh.text.replace(
        "fresh.person@example.fi", "ADDRESS"
    )
    assert "Development aid" not in fresh.text
    assert LINK.search(fresh.text) is None  # no link on screen in production
    # No account is made for either; each gets the same pending invitation (but the tutor
    # of this very organisation, who is listed already).
    assert before == [start[0], [(start[1][0][0] + 1,)]]
    own = email.lower() == DEMO_USERS["tutor"]
    assert await rows(database_url) == [before[0], [(before[1][0][0] + (0 if own else 1),)]]
    assert hashes.calls == fresh_hashes == 0  # the same work on both paths: no argon2 at all
    # What the address receives differs: never a link for a taken address; a note to the
    # owner of an address with an account, nothing to a look-alike (a note to the log).
    for message in inbox.received:
        assert "/invitations/" not in text_of(message) + html_of(message)
    if email.isascii():
        (note,) = inbox.to(email)
        assert "tried to invite this address, which already has an account" in text_of(note)
        assert len(inbox.received) == 1
    else:
        assert inbox.received == []
        (note,) = [r.getMessage() for r in caplog.records if r.name == "isok.accounts"]
        assert "looks like an existing account's" in note


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
    assert await query(database_url, invited) == [(0,)]  # inviting makes no account
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


async def test_two_organisations_invite_one_new_address_and_the_second_link_cannot_make_another(
    settings: Settings, database_url: str
) -> None:
    tokens = []
    for employer in (DEMO_USERS["employer"], "employer2@demo.test"):
        async with AsyncTestClient(
            app=create_app(settings), base_url="http://testserver.local"
        ) as c:
            await sign_in(c, employer)
            tokens.append(await invite_and_get_token(c))
    clients = [
        AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
        for _ in tokens
    ]
    for other in clients:
        await other.__aenter__()
    try:

        async def accept(other: AsyncTestClient, token: str) -> Any:
            return await other.post(
                f"/invitations/{token}",
                data={
                    "password": "tutor-password-1",
                    "password_confirm": "tutor-password-1",
                    "_csrf_token": await csrf_token(other),
                },
                follow_redirects=False,
            )

        # Both links used at the same moment: one account, and a plain page for the other.
        responses = await asyncio.gather(
            *(accept(c, t) for c, t in zip(clients, tokens, strict=True))
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 409]
        loser = tokens[statuses.index(409)]
        refused = responses[statuses.index(409)]
        assert "This address already has an account" in refused.text
        assert 'href="/login"' in refused.text
        # The link still leads to that page, not to a form that cannot work.
        again = await clients[0].get(f"/invitations/{loser}")
        assert again.status_code == 409
        assert "tiina.t@example.fi already has an account" in again.text
    finally:
        for other in clients:
            await other.__aexit__(None, None, None)
    accounts = select(func.count(User.id)).where(User.email == NEW_TUTOR["email"].lower())
    assert await query(database_url, accounts) == [(1,)]
    used = select(func.count(Invitation.id)).where(Invitation.accepted_at.is_not(None))
    assert await query(database_url, used) == [(1,)]


@pytest.mark.both_databases
async def test_a_link_refused_after_it_was_claimed_stays_unused(
    client: AsyncTestClient, database_url: str
) -> None:
    """Accepting claims the link, then makes the account; when the account is refused (the
    address got one meanwhile), the claim is undone with it (a savepoint), although the
    session then commits: no controller has to roll back, and the link is not spent."""
    from accounts import invitations
    from accounts.services import create_user
    from kit.roles import Role
    from kit.settings import DatabaseSettings
    from portal.database import create_engine, create_session_factory

    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await create_user(
                session,
                email=NEW_TUTOR["email"],
                name="Made elsewhere",
                role=Role.COUNSELLOR,
                password="another-password-1",
            )
        async with create_session_factory(engine)() as session:
            with pytest.raises(invitations.AddressHasAccount):
                await invitations.accept_invitation(
                    session, token=token, password="tutor-password-1"
                )
            await session.commit()
    finally:
        await engine.dispose()
    used = select(func.count(Invitation.id)).where(Invitation.accepted_at.is_not(None))
    assert await query(database_url, used) == [(0,)]


def test_an_invitation_made_before_0005_keeps_working(backend: object, tmp_path: Any) -> None:
    """Invitations made before revision 0005 created their account at once; the upgrade
    fills in what an invitation now carries, and their link still sets the password."""
    from sqlalchemy import text

    from accounts import invitations
    from kit.settings import DatabaseSettings
    from portal.database import create_engine, create_session_factory
    from portal.migrate import upgrade
    from tests.conftest import Backend

    assert isinstance(backend, Backend)
    if backend.cluster is None:
        url = f"sqlite+aiosqlite:///{tmp_path}/legacy.sqlite3"
    else:
        backend.cluster.execute('CREATE DATABASE "isok_legacy_invitation"')
        url = backend.cluster.url("isok_legacy_invitation")
    token = "legacy-token-0123456789abcdef"
    token_hash = hashlib.sha256(token.encode()).hexdigest()

    async def run(*statements: str) -> list[Any]:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with engine.begin() as connection:
                found: list[Any] = []
                for sql in statements:
                    result = await connection.execute(text(sql), {"hash": token_hash})
                    found = list(result.all()) if result.returns_rows else []
                return found
        finally:
            await engine.dispose()

    async def accept() -> tuple[str, str, bool]:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with create_session_factory(engine)() as session, session.begin():
                user = await invitations.accept_invitation(
                    session, token=token, password="tutor-password-1"
                )
                listed = await invitations.list_people(session, organisation_id=1)
                return user.email, user.password_hash, any(p.user_id == user.id for p in listed)
        finally:
            await engine.dispose()

    try:
        upgrade(url, "0004")
        asyncio.run(
            run(
                "INSERT INTO organisation (id, name, business_id, kind, sector, municipality,"
                " region, status, created_at, updated_at) VALUES (1, 'Old Oy', '0112038-9',"
                " 'sme', '', '', '', 'partner', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                "INSERT INTO user_account (id, email, name, role, password_hash, is_active,"
                " organisation_id, created_at, updated_at) VALUES (1, 'old@example.fi', 'Old',"
                " 'tutor', 'unknown', true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                "INSERT INTO invitation (user_id, token_hash, expires_at, created_at, updated_at)"
                " VALUES (1, :hash,"
                " '2999-01-01 00:00:00', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            )
        )
        upgrade(url, "head")
        carried = asyncio.run(
            run("SELECT organisation_id, email, name, role, user_id FROM invitation")
        )
        assert [tuple(row) for row in carried] == [(1, "old@example.fi", "Old", "tutor", 1)]
        email, password_hash, listed = asyncio.run(accept())
        assert email == "old@example.fi"
        assert password_hash.startswith("$argon2id$")
        assert listed  # listed as an account once the link is used
    finally:
        if backend.cluster is not None:
            backend.cluster.execute('DROP DATABASE "isok_legacy_invitation" WITH (FORCE)')
