"""The outbox and its sender against a real SMTP server (aiosmtpd) and real databases: what a
transaction commits is delivered, what it rolls back is not, a sender killed mid-batch loses
nothing, two senders at once deliver each message once, and bad settings fail with a reason."""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.mailer import FileTransport, SmtpTransport, send_due
from kit.outbox import LEASE, MessageStatus, OutboxMessage, enqueue
from kit.settings import MailSettings
from tests.conftest import free_port
from tests.mailbox import Inbox

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]


async def write(sessions: Sessions, count: int, *, html: bool = False) -> list[str]:
    async with sessions() as session, session.begin():
        written = [
            await enqueue(
                session,
                to=f"person{n}@example.fi",
                subject=f"Message {n}",
                text=f"Hello {n}: https://isok.example.fi/password/reset/token{n}",
                html=f"<p>Hello {n}</p>" if html else "",
                kind="test",
                language="fi",
            )
            for n in range(count)
        ]
    return [message.message_id for message in written if message is not None]


async def write_and_fail(sessions: Sessions) -> None:
    """An action that writes a message, then fails: its transaction is rolled back."""
    async with sessions() as session, session.begin():
        await enqueue(session, to="lost@example.fi", subject="Never", text="x", kind="test")
        raise RuntimeError("the action that wrote it failed")


async def statuses(sessions: Sessions) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.message_id, OutboxMessage.status))
        return {str(message_id): str(status) for message_id, status in rows.all()}


async def test_a_committed_message_is_delivered_and_a_rolled_back_one_is_not(
    sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, settings = smtp
    with pytest.raises(RuntimeError):
        await write_and_fail(sessions)
    ids = await write(sessions, 3, html=True)
    report = await send_due(sessions, SmtpTransport(settings), settings=settings)
    assert (report.sent, report.failed, report.retried) == (3, 0, 0)
    assert sorted(inbox.ids()) == sorted(ids)
    first = next(m for m in inbox.received if m["To"] == "person0@example.fi")
    assert first["Subject"] == "Message 0"
    assert first["Content-Language"] == "fi"
    assert "password/reset/token0" in first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<p>Hello 0</p>" in first.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "lost@example.fi" not in [m["To"] for m in inbox.received]
    assert set((await statuses(sessions)).values()) == {MessageStatus.SENT.value}
    async with sessions() as session:
        texts = (await session.scalars(select(OutboxMessage.text))).all()
    # A sent message keeps no link: its text is emptied.
    assert set(texts) == {""}
    again = await send_due(sessions, SmtpTransport(settings), settings=settings)
    assert again.handled == 0
    assert len(inbox.received) == 3


class Killed(BaseException):
    """The sender's process dies (not an error it could catch and go on from)."""


async def test_a_sender_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, settings = smtp
    ids = await write(sessions, 6)
    transport = SmtpTransport(settings)

    class DiesOnThird(SmtpTransport):
        sent = 0

        async def send(self, message: EmailMessage) -> None:
            if self.sent == 2:
                raise Killed
            self.sent += 1
            await super().send(message)

    with pytest.raises(Killed):
        await send_due(sessions, DiesOnThird(settings), settings=settings, sender="first")
    assert len(inbox.received) == 2
    # The rest of the batch is held by the dead sender until its lease runs out.
    assert (await send_due(sessions, transport, settings=settings, sender="second")).handled == 0
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.SENDING.value)
            .values(claimed_at=datetime.datetime.now(datetime.UTC) - LEASE - LEASE)
        )
    report = await send_due(sessions, transport, settings=settings, sender="second")
    assert report.sent == 4
    assert sorted(inbox.ids()) == sorted(ids)
    assert len(inbox.ids()) == len(set(inbox.ids()))


async def test_two_senders_at_once_deliver_each_message_once_on_postgresql(
    sessions: Sessions, settings: object, smtp: tuple[Inbox, MailSettings]
) -> None:
    """Several senders claim with FOR UPDATE SKIP LOCKED (PostgreSQL); on SQLite the one
    writer at a time does the same."""
    inbox, mail = smtp
    ids = await write(sessions, 40)
    from portal.database import create_engine, create_session_factory

    engines = [create_engine(settings.database) for _ in range(2)]  # type: ignore[attr-defined]
    try:
        reports = await asyncio.gather(
            *(
                send_due(
                    create_session_factory(engine),
                    SmtpTransport(mail),
                    settings=mail,
                    sender=f"sender-{n}",
                    batch=5,
                )
                for n, engine in enumerate(engines)
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(report.sent for report in reports) == 40
    assert sorted(inbox.ids()) == sorted(ids)
    assert len(set(inbox.ids())) == 40


async def test_an_unreachable_server_is_tried_again_later_and_a_refusal_fails_with_its_reason(
    sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, settings = smtp
    await write(sessions, 1)
    nowhere = MailSettings(host="127.0.0.1", port=free_port(), tls="none")
    report = await send_due(sessions, SmtpTransport(nowhere), settings=nowhere)
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert "cannot reach the SMTP server" in report.reasons[0]
    async with sessions() as session:
        message = (await session.scalars(select(OutboxMessage))).one()
    assert message.status == MessageStatus.PENDING.value
    assert message.next_attempt_at > datetime.datetime.now(datetime.UTC)
    assert "cannot reach" in message.last_error
    # Due again now: the server answers, but refuses the recipient for good.
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage).values(
                next_attempt_at=datetime.datetime.now(datetime.UTC) - LEASE
            )
        )
    inbox.refuse_with = "550 No such user here"
    report = await send_due(sessions, SmtpTransport(settings), settings=settings)
    assert report.failed == 1
    async with sessions() as session:
        message = (await session.scalars(select(OutboxMessage))).one()
    assert message.status == MessageStatus.FAILED.value
    assert "550" in message.last_error
    assert inbox.received == []


async def test_without_smtp_each_message_is_an_eml_file(sessions: Sessions, tmp_path: Path) -> None:
    ids = await write(sessions, 2)
    folder = tmp_path / "mail"
    settings = MailSettings(directory=folder)
    report = await send_due(sessions, FileTransport(folder), settings=settings)
    assert report.sent == 2
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    parsed = [email.message_from_bytes(path.read_bytes()) for path in files]
    assert sorted(str(m["Message-ID"]) for m in parsed) == sorted(ids)
    assert not list(folder.glob("*.part"))


async def test_a_message_with_a_dedupe_key_is_written_once(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        first = await enqueue(
            session, to="a@example.fi", subject="Reminder", text="x", kind="t", dedupe_key="r:1"
        )
        second = await enqueue(
            session, to="a@example.fi", subject="Reminder", text="x", kind="t", dedupe_key="r:1"
        )
    assert first is not None
    assert second is None
    assert len(await statuses(sessions)) == 1


async def test_an_invitation_is_written_to_the_outbox_with_its_transaction(
    client: object, sessions: Sessions
) -> None:
    """The password link asked for on the sign-in page waits in the outbox; a link asked for
    an address without an account writes nothing."""
    from tests.conftest import csrf_token

    token = await csrf_token(client)  # type: ignore[arg-type]
    for address in ("counsellor@demo.test", "nobody@example.fi"):
        answer = await client.post(  # type: ignore[attr-defined]
            "/password/forgot", data={"email": address, "_csrf_token": token}
        )
        assert answer.status_code == 200
    async with sessions() as session:
        messages = (await session.scalars(select(OutboxMessage))).all()
    assert [(m.recipient, m.kind, m.status) for m in messages] == [
        ("counsellor@demo.test", "account", "pending")
    ]
    assert "/password/reset/" in str(messages[0].notice)


def test_isok_mail_send_once_delivers_and_says_what_failed(
    monkeypatch: pytest.MonkeyPatch, settings: object, smtp: tuple[Inbox, MailSettings]
) -> None:
    from click.testing import CliRunner

    from kit.settings import get_settings
    from portal.cli import main
    from portal.database import create_engine, create_session_factory

    inbox, mail = smtp
    database = settings.database  # type: ignore[attr-defined]

    async def arrange() -> list[str]:
        engine = create_engine(database)
        try:
            return await write(create_session_factory(engine), 2)
        finally:
            await engine.dispose()

    ids = asyncio.run(arrange())
    monkeypatch.setenv("ISOK_DATABASE_URL", database.url)
    monkeypatch.setenv("ISOK_SECRET_KEY", "mail-test-secret-" * 3)
    monkeypatch.setenv("ISOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ISOK_SMTP_PORT", str(mail.port))
    monkeypatch.setenv("ISOK_SMTP_TLS", "none")
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(main, ["mail", "send", "--once"], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        # The messages written here, and the reminders due on the demo data (run first).
        assert set(ids) <= set(inbox.ids())
        assert f"Sent {len(inbox.received)}, to try again later 0, failed 0" in done.output
        monkeypatch.setenv("ISOK_SMTP_TLS", "sometimes")
        get_settings.cache_clear()
        bad = CliRunner().invoke(main, ["mail", "send", "--once"])
        assert bad.exit_code == 1
        assert "ISOK_SMTP_TLS must be starttls, tls or none" in bad.output
    finally:
        get_settings.cache_clear()


async def test_the_coordinator_sees_failures_and_sends_them_again(
    client: object, sessions: Sessions
) -> None:
    from tests.conftest import DEMO_USERS, csrf_token, sign_in

    await write(sessions, 1)
    async with sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage).values(
                status=MessageStatus.FAILED.value, last_error="the SMTP server answered 550"
            )
        )
        message_id = (await session.scalars(select(OutboxMessage.id))).one()
    await sign_in(client, DEMO_USERS["counsellor"])  # type: ignore[arg-type]
    assert (await client.get("/mail")).status_code == 403  # type: ignore[attr-defined]
    await sign_in(client, DEMO_USERS["coordinator"])  # type: ignore[arg-type]
    page = await client.get("/mail")  # type: ignore[attr-defined]
    assert "the SMTP server answered 550" in page.text
    token = await csrf_token(client)  # type: ignore[arg-type]
    answer = await client.post(  # type: ignore[attr-defined]
        f"/mail/{message_id}/retry", data={"_csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert (await statuses(sessions)) == {
        next(iter(await statuses(sessions))): MessageStatus.PENDING.value
    }
    again = await client.post(  # type: ignore[attr-defined]
        f"/mail/{message_id}/retry", data={"_csrf_token": token}
    )
    assert "not a failed one" in again.text
