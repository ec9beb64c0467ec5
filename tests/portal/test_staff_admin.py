"""The coordinator administers staff accounts: creates them (the person sets a password with
an e-mailed one-time link) and sends password links, on the page and with `isok users reset`.

The e-mails go through the outbox to a real SMTP server (aiosmtpd), and their links are
followed as the person would.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import PasswordReset, User
from kit.audit import AuditEvent
from kit.outbox import OutboxMessage
from kit.settings import MailSettings, Settings, get_settings
from portal.cli import main
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, csrf_token, sign_in
from tests.mailbox import Inbox, deliver, text_of
from tests.portal.test_account_mail import one_time_link
from tests.portal.test_auth import post_login

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]

NEW = {"name": "Aino Virtanen", "email": "aino.virtanen@example.fi", "role": "teacher"}
DEVELOPMENT_LINK = re.compile(r'id="development-link" type="text" readonly value="([^"]+)"')


async def post(client: AsyncTestClient, path: str, **data: str) -> Any:
    return await client.post(
        path, data={**data, "_csrf_token": await csrf_token(client)}, follow_redirects=False
    )


async def scalar(sessions: Sessions, statement: Any) -> Any:
    async with sessions() as session:
        return (await session.execute(statement)).scalar()


async def user_count(sessions: Sessions) -> int:
    return int(await scalar(sessions, select(func.count(User.id))))


async def user_id_of(sessions: Sessions, email: str) -> int:
    return int(await scalar(sessions, select(User.id).where(User.email == email)))


async def events(sessions: Sessions, action: str) -> list[tuple[str, int | None, str]]:
    """(entity id, actor id, actor label) of each audit event ``action``."""
    async with sessions() as session:
        rows = await session.execute(
            select(AuditEvent.entity_id, AuditEvent.actor_id, AuditEvent.actor_label)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
        return [(entity, actor, label) for entity, actor, label in rows]


def error_of(page: str, field: str) -> str:
    """The message shown next to ``field`` (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else ""


async def test_a_new_staff_account_sets_its_password_by_e_mail_and_signs_in_with_its_role(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get("/users")
    assert 'action="/users"' in page.text
    assert 'value="employer"' not in page.text  # only the programme's roles are offered

    created = await post(client, "/users", **NEW)
    assert created.status_code == 201, created.text
    assert "The account of Aino Virtanen is made" in created.text
    assert created.headers["cache-control"] == "no-store"
    shown = DEVELOPMENT_LINK.search(created.text)  # the development aid (tests run as such)
    assert shown is not None

    assert (await deliver(sessions, mail)).sent == 1
    (message,) = inbox.to(NEW["email"])
    assert "An account in the ISOK portal was made for you" in text_of(message)
    path, _token = one_time_link(message)
    assert html.unescape(shown.group(1)).endswith(path)

    # Nobody knows the account's password until the person sets it.
    assert (await post_login(client, NEW["email"], DEMO_PASSWORD)).status_code == 400
    assert (await client.get(path)).status_code == 200
    done = await post(client, path, password="aino-first-1", password_confirm="aino-first-1")
    assert done.status_code == 303
    assert (await client.get(path)).status_code == 404  # once only

    await sign_in(client, NEW["email"], "aino-first-1")
    me = (await client.get("/api/me")).json()
    assert (me["email"], me["role"]) == (NEW["email"], "teacher")
    assert (await client.get("/users")).status_code == 403

    coordinator = await user_id_of(sessions, DEMO_USERS["coordinator"])
    new_id = str(await user_id_of(sessions, NEW["email"]))
    for action in ("staff_user_created", "password_link_sent"):
        assert await events(sessions, action) == [(new_id, coordinator, DEMO_USERS["coordinator"])]
    assert [entity for entity, _, _ in await events(sessions, "password_reset")] == [new_id]
    # The row's own audit (created) does not hold the password's hash.
    async with sessions() as session:
        changes = await session.scalar(
            select(AuditEvent.changes).where(
                AuditEvent.action == "create",
                AuditEvent.entity == "user_account",
                AuditEvent.entity_id == new_id,
            )
        )
    assert changes is not None
    assert changes["role"] == "teacher"
    assert "password_hash" not in changes


@pytest.mark.parametrize("role", ["counsellor", "employer", "teacher", "steering"])
async def test_only_the_coordinator_creates_accounts_or_sends_links(
    client: AsyncTestClient, sessions: Sessions, role: str
) -> None:
    before = await user_count(sessions)
    counsellor = await user_id_of(sessions, DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS[role])
    assert (await post(client, "/users", **NEW)).status_code == 403
    assert (await post(client, f"/users/{counsellor}/password-link")).status_code == 403
    assert await user_count(sessions) == before
    assert await scalar(sessions, select(func.count(PasswordReset.id))) == 0


async def test_without_the_csrf_token_nothing_is_created_or_sent(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    before = await user_count(sessions)
    counsellor = await user_id_of(sessions, DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS["coordinator"])
    await client.get("/users")
    for token in [None, "forged"]:
        extra = {} if token is None else {"_csrf_token": token}
        for path, data in [("/users", NEW), (f"/users/{counsellor}/password-link", {})]:
            answer = await client.post(path, data={**data, **extra}, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
    assert await user_count(sessions) == before
    assert await scalar(sessions, select(func.count(PasswordReset.id))) == 0


@pytest.mark.parametrize(
    ("changed", "field", "message"),
    [
        ({"email": DEMO_USERS["counsellor"]}, "email", "already exists"),
        ({"email": "COUNSELLOR@demo.test "}, "email", "already exists"),
        ({"email": "c\u043eunsellor@demo.test"}, "email", "very similar"),  # Cyrillic о
        ({"email": "\uff43ounsellor@demo.test"}, "email", "very similar"),  # full-width c
        ({"email": "not-an-address"}, "email", "valid e-mail address"),
        ({"email": "a" * 250 + "@x.fi"}, "email", "at most 254"),
        ({"email": "aino\x00@example.fi"}, "email", "NUL"),
        ({"email": ""}, "email", "required"),
        ({"name": "A" * 201}, "name", "at most 200"),
        ({"name": "Aino\x00"}, "name", "NUL"),
        ({"name": "   "}, "name", "required"),
        ({"role": "admin"}, "role", "Choose one of the options"),
        ({"role": "employer"}, "role", "Choose one of the options"),
        ({"role": "tutor"}, "role", "Choose one of the options"),
        ({"role": "candidate"}, "role", "Choose one of the options"),
        ({"role": ""}, "role", "Choose one of the options"),
    ],
)
async def test_bad_input_is_refused_next_to_its_field_and_nothing_is_written(
    client: AsyncTestClient, sessions: Sessions, changed: dict[str, str], field: str, message: str
) -> None:
    before = await user_count(sessions)
    await sign_in(client, DEMO_USERS["coordinator"])
    answer = await post(client, "/users", **{**NEW, **changed})
    assert answer.status_code == 400
    assert message in error_of(answer.text, field)
    assert 'class="error-summary"' in answer.text
    assert await user_count(sessions) == before
    assert await events(sessions, "staff_user_created") == []
    assert await scalar(sessions, select(func.count(OutboxMessage.id))) == 0


async def test_the_same_form_sent_four_times_at_once_makes_one_account(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    before = await user_count(sessions)
    await sign_in(client, DEMO_USERS["coordinator"])
    token = await csrf_token(client)
    answers = await asyncio.gather(
        *(
            client.post("/users", data={**NEW, "_csrf_token": token}, follow_redirects=False)
            for _ in range(4)
        )
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 400, 400, 400], statuses
    for answer in answers:
        if answer.status_code == 400:
            assert "already exists" in error_of(answer.text, "email")
    assert await user_count(sessions) == before + 1
    assert len(await events(sessions, "staff_user_created")) == 1
    recipients = select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == NEW["email"])
    assert await scalar(sessions, recipients) == 1


@pytest.mark.real_sign_in  # the old password is proven to work until the link is used
async def test_a_reset_link_from_the_page_leaves_the_password_until_it_is_used(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    counsellor = DEMO_USERS["counsellor"]
    counsellor_id = await user_id_of(sessions, counsellor)
    await sign_in(client, DEMO_USERS["coordinator"])
    assert f'action="/users/{counsellor_id}/password-link"' in (await client.get("/users")).text
    sent = await post(client, f"/users/{counsellor_id}/password-link")
    assert sent.status_code == 200
    assert f"A link to set a new password is on its way to {counsellor}" in sent.text
    assert DEVELOPMENT_LINK.search(sent.text) is not None

    assert (await deliver(sessions, mail)).sent == 1
    (message,) = inbox.to(counsellor)
    assert "your current password keeps working" in text_of(message)
    path, _token = one_time_link(message)

    await sign_in(client, counsellor)  # the old password still works meanwhile
    new_password = "counsellor-new-1"
    done = await post(client, path, password=new_password, password_confirm=new_password)
    assert done.status_code == 303
    assert (await client.get("/api/me")).status_code == 401  # every session ended
    assert (await post_login(client, counsellor, DEMO_PASSWORD)).status_code == 400
    await sign_in(client, counsellor, new_password)

    coordinator = await user_id_of(sessions, DEMO_USERS["coordinator"])
    assert await events(sessions, "password_link_sent") == [
        (str(counsellor_id), coordinator, DEMO_USERS["coordinator"])
    ]
    assert [entity for entity, _, _ in await events(sessions, "password_reset")] == [
        str(counsellor_id)
    ]


async def test_no_link_for_a_deactivated_account_an_organisations_person_or_nobody(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    counsellor_id = await user_id_of(sessions, DEMO_USERS["counsellor"])
    tutor_id = await user_id_of(sessions, DEMO_USERS["tutor"])
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await post(client, f"/users/{counsellor_id}/deactivate")).status_code == 303
    page = await client.get("/users")
    assert f'action="/users/{counsellor_id}/password-link"' not in page.text
    refused = await post(client, f"/users/{counsellor_id}/password-link")
    assert refused.status_code == 303
    assert "reactivate it first" in (await client.get("/users")).text
    for user_id in (tutor_id, 999_999):
        assert (await post(client, f"/users/{user_id}/password-link")).status_code == 404
    assert await scalar(sessions, select(func.count(PasswordReset.id))) == 0
    assert await events(sessions, "password_link_sent") == []


@pytest.fixture
def isok(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, smtp: tuple[Inbox, MailSettings]
) -> Iterator[CliRunner]:
    """`isok` on the test's database, sending to the test's SMTP server."""
    _inbox, mail = smtp
    monkeypatch.setenv("ISOK_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("ISOK_SECRET_KEY", "staff-admin-secret-" * 3)
    monkeypatch.setenv("ISOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ISOK_SMTP_PORT", str(mail.port))
    monkeypatch.setenv("ISOK_SMTP_TLS", "none")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_isok_users_reset_e_mails_a_link_and_says_where_it_went(
    isok: CliRunner, smtp: tuple[Inbox, MailSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, mail = smtp
    teacher = DEMO_USERS["teacher"]
    done = isok.invoke(main, ["users", "reset", teacher.upper()], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f"in the outbox for {teacher}" in done.output
    assert f"the SMTP server 127.0.0.1:{mail.port}" in done.output
    shown = re.search(r"Development aid, the link in the e-mail: (\S+)", done.output)
    assert shown is not None  # ISOK_ENV is development by default

    sent = isok.invoke(main, ["mail", "send", "--once"], catch_exceptions=False)
    assert sent.exit_code == 0, sent.output
    (message,) = inbox.to(teacher)
    path, _token = one_time_link(message)
    assert shown.group(1).endswith(path)

    monkeypatch.setenv("ISOK_ENV", "production")
    monkeypatch.setenv("ISOK_PUBLIC_URL", "https://isok.example.fi")
    get_settings.cache_clear()
    quiet = isok.invoke(main, ["users", "reset", teacher], catch_exceptions=False)
    assert quiet.exit_code == 0, quiet.output
    assert "/password/reset/" not in quiet.output  # never the link outside development


def test_isok_users_reset_refuses_an_unknown_or_deactivated_address_in_one_line(
    isok: CliRunner,
) -> None:
    unknown = isok.invoke(main, ["users", "reset", "nobody@example.fi"])
    assert unknown.exit_code == 1
    assert unknown.output.strip() == "Error: no account with the e-mail address nobody@example.fi"
    assert isok.invoke(main, ["users", "deactivate", DEMO_USERS["steering"]]).exit_code == 0
    inactive = isok.invoke(main, ["users", "reset", DEMO_USERS["steering"]])
    assert inactive.exit_code == 1
    assert len(inactive.output.strip().splitlines()) == 1
    assert "reactivate it first" in inactive.output


async def test_the_cli_reset_is_audited_as_the_command_line(
    isok: CliRunner, sessions: Sessions
) -> None:
    teacher_id = await user_id_of(sessions, DEMO_USERS["teacher"])
    done = await asyncio.to_thread(isok.invoke, main, ["users", "reset", DEMO_USERS["teacher"]])
    assert done.exit_code == 0, done.output
    assert await events(sessions, "password_link_sent") == [(str(teacher_id), None, "cli")]
