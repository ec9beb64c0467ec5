"""The transactional outbox: e-mail written in the transaction of the event that causes it.

:func:`enqueue` adds a message to ``outbox_message`` in the caller's session, so a
rolled-back action sends nothing and a committed one is never lost. A sender
(:mod:`kit.mailer`, ``isok mail send``) delivers what is due:

- **Claiming.** A sender takes a batch of due messages and marks them ``sending`` in a short
  transaction of its own. On PostgreSQL the rows are selected ``FOR UPDATE SKIP LOCKED``, so
  several senders take different messages; on SQLite the one writer at a time does the same.
  A claim is a lease: a sender that dies leaves its messages ``sending``, and they are due
  again once the lease has run out (:data:`LEASE`).
- **At most once per message.** Each message is marked ``sent`` in its own transaction right
  after the server accepted it. Its ``Message-ID`` is fixed when it is written, so the one
  case where it can go twice (the sender killed between the server's "accepted" and that
  commit) carries the same ``Message-ID`` both times.
- **Retries.** A temporary failure (the server unreachable, a 4xx answer) is tried again after
  a doubling delay, up to :data:`MAX_ATTEMPTS` times; a permanent one (a 5xx answer, a refused
  password) fails at once. Failed messages stay, with the reason, for the coordinator.
- **Tokens.** A message may hold a one-time link; its text is emptied once it is sent (the
  subject, recipient and times stay as the record).
"""

from __future__ import annotations

import datetime
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    delete,
    func,
    null,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kit.i18n import in_language
from kit.notices import Notice, subject_of

MAX_ATTEMPTS = 8
FIRST_RETRY = datetime.timedelta(minutes=1)
LEASE = datetime.timedelta(minutes=10)
KEEP_SENT = datetime.timedelta(days=30)
DOMAIN = "isok.invalid"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(IdentityAuditBase):
    """One e-mail to one recipient, from its writing to its delivery (or failure)."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")
    # A message written as a notice (kit/notices.py) is rendered by the sender, which knows
    # the portal's public address: {"notice": ..., "footer": [...]}. Emptied once sent.
    notice: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    language: Mapped[str] = mapped_column(String(8), default="en")
    kind: Mapped[str] = mapped_column(String(40))
    # Set for a message that must be written once only (a reminder): a second enqueue with
    # the same key writes nothing.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    sent_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    last_error: Mapped[str] = mapped_column(Text, default="")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{DOMAIN}>"


async def enqueue(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    text: str,
    kind: str,
    html: str = "",
    language: str = "en",
    dedupe_key: str | None = None,
    notice: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Write a message in ``session``'s transaction; None when ``dedupe_key`` was used
    before (the message was written already)."""
    message = OutboxMessage(
        message_id=new_message_id(),
        recipient=to,
        subject=subject[:300],
        text=text,
        html=html,
        notice=notice,
        language=language[:8],
        kind=kind[:40],
        dedupe_key=dedupe_key,
        next_attempt_at=_now(),
    )
    if dedupe_key is None:
        session.add(message)
        await session.flush()
        return message
    try:
        async with session.begin_nested():
            session.add(message)
            await session.flush()
    except IntegrityError:
        return None
    return message


async def enqueue_notice(
    session: AsyncSession,
    *,
    to: str,
    notice: Notice,
    language: str,
    footer: Sequence[Notice] = (),
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Write ``notice`` to ``to`` in ``language``; the sender renders it (text and HTML)
    with the portal's public address. The subject is kept written out, for the record."""
    with in_language(language):
        subject = subject_of(notice)
    return await enqueue(
        session,
        to=to,
        subject=subject,
        text="",
        kind=notice.kind,
        language=language,
        dedupe_key=dedupe_key,
        notice={"notice": notice.as_data(), "footer": [part.as_data() for part in footer]},
    )


@dataclass(frozen=True)
class Claimed:
    """A message a sender holds: what it needs to send it."""

    id: int
    message_id: str
    recipient: str
    subject: str
    text: str
    html: str
    language: str
    attempts: int
    notice: dict[str, Any] | None = None


def _due(now: datetime.datetime) -> object:
    return (
        (OutboxMessage.status == MessageStatus.PENDING.value)
        & (OutboxMessage.next_attempt_at <= now)
    ) | (
        (OutboxMessage.status == MessageStatus.SENDING.value)
        & (OutboxMessage.claimed_at <= now - LEASE)
    )


async def claim(session: AsyncSession, *, sender: str, limit: int = 50) -> list[Claimed]:
    """Take up to ``limit`` due messages for ``sender`` (commit the session afterwards)."""
    now = _now()
    statement = (
        select(OutboxMessage)
        .where(_due(now))  # type: ignore[arg-type]
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    taken = []
    for message in (await session.scalars(statement)).all():
        # Conditional on the state read: a row another sender took meanwhile is skipped.
        moved = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, _due(now))  # type: ignore[arg-type]
            .values(
                status=MessageStatus.SENDING.value,
                claimed_by=sender[:100],
                claimed_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            taken.append(
                Claimed(
                    id=message.id,
                    message_id=message.message_id,
                    recipient=message.recipient,
                    subject=message.subject,
                    text=message.text,
                    html=message.html,
                    language=message.language,
                    attempts=message.attempts + 1,
                    notice=message.notice,
                )
            )
    return taken


async def mark_sent(session: AsyncSession, *, message_id: int, sender: str) -> None:
    """The server accepted the message: sent, and its text (which may hold a link) emptied."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == sender[:100])
        .values(
            status=MessageStatus.SENT.value,
            sent_at=_now(),
            text="",
            html="",
            notice=null(),
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )


async def mark_failed(
    session: AsyncSession, *, message: Claimed, sender: str, reason: str, permanent: bool
) -> None:
    """A failed try: again after a doubling delay, or failed for good (permanent, or the
    last try)."""
    final = permanent or message.attempts >= MAX_ATTEMPTS
    delay = FIRST_RETRY * (2 ** (message.attempts - 1))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == sender[:100])
        .values(
            status=MessageStatus.FAILED.value if final else MessageStatus.PENDING.value,
            next_attempt_at=_now() + delay,
            last_error=reason[:2000],
        )
        .execution_options(synchronize_session=False)
    )


async def retry_failed(session: AsyncSession, *, message_id: int) -> bool:
    """The coordinator sends a failed message again (after fixing the settings)."""
    moved = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.FAILED.value,
        )
        .values(status=MessageStatus.PENDING.value, attempts=0, next_attempt_at=_now())
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


async def forget_old(session: AsyncSession) -> int:
    """Remove sent messages older than :data:`KEEP_SENT`; how many."""
    gone = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.SENT.value,
            OutboxMessage.sent_at < _now() - KEEP_SENT,
        )
    )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sending: int
    sent: int
    failed: int


async def counts(session: AsyncSession) -> OutboxCounts:
    found = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    rows = {str(status): int(number) for status, number in found.all()}
    return OutboxCounts(
        pending=int(rows.get("pending", 0)),
        sending=int(rows.get("sending", 0)),
        sent=int(rows.get("sent", 0)),
        failed=int(rows.get("failed", 0)),
    )
