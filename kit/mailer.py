"""The sender: delivers the outbox's due messages (:mod:`kit.outbox`) over SMTP, or, in
development without an SMTP server, as ``.eml`` files in a folder (``var/mail/``).

:func:`send_due` is one pass: claim a batch (its own short transaction), send each message,
and record each outcome in a transaction of its own, so that a sender killed at any moment
leaves every message either sent and marked, or due again once its lease runs out.
"""

from __future__ import annotations

import datetime
import email.utils
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.notices import Notice, render
from kit.outbox import MAX_ATTEMPTS, Claimed, claim, forget_old, mark_failed, mark_sent
from kit.settings import MailSettings
from kit.storage import write_whole

# How long one SMTP conversation may take before it counts as a (temporary) failure.
SMTP_TIMEOUT = 30.0


class SendFailure(Exception):
    """The message could not be handed over; ``permanent``: trying again will not help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` over; raises :class:`SendFailure`."""


def build(message: Claimed, *, sender: str, public_url: str = "") -> EmailMessage:
    """The e-mail of an outbox message: plain text, and HTML beside it when there is some.
    A message written as a notice is rendered now, in its language, with links on
    ``public_url``."""
    subject, text, html = message.subject, message.text, message.html
    if message.notice:
        rendered = render(
            Notice.from_data(message.notice.get("notice") or {}),
            locale=message.language,
            public_url=public_url,
            footer=tuple(Notice.from_data(part) for part in message.notice.get("footer") or ()),
        )
        subject, text, html = rendered.subject, rendered.text, rendered.html
    built = EmailMessage()
    built["From"] = sender
    built["To"] = message.recipient
    built["Subject"] = subject
    built["Message-ID"] = message.message_id
    built["Date"] = email.utils.formatdate(localtime=False)
    built.set_content(text)
    if html:
        built.add_alternative(html, subtype="html")
    # After the content: setting the content replaces the Content- headers.
    built["Content-Language"] = message.language
    return built


@dataclass
class SmtpTransport:
    settings: MailSettings

    async def send(self, message: EmailMessage) -> None:
        import aiosmtplib

        tls = self.settings.tls
        try:
            await aiosmtplib.send(
                message,
                hostname=self.settings.host,
                port=self.settings.port,
                username=self.settings.user or None,
                password=self.settings.password or None,
                use_tls=tls == "tls",
                start_tls=tls == "starttls",
                timeout=SMTP_TIMEOUT,
            )
        except aiosmtplib.SMTPAuthenticationError as error:
            raise SendFailure(
                f"the SMTP server refused the user name or password ({error.code})",
                permanent=True,
            ) from None
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refusal.code for refusal in error.recipients})
            raise SendFailure(
                f"the SMTP server refused the recipient ({', '.join(map(str, codes))})",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailure(
                f"the SMTP server answered {error.code}: {error.message[:200]}",
                permanent=error.code >= 500,
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            reason = str(error) or error.__class__.__name__
            raise SendFailure(
                f"cannot reach the SMTP server {self.settings.host}:{self.settings.port}:"
                f" {reason[:200]}",
                permanent=False,
            ) from None


@dataclass
class FileTransport:
    """Development without SMTP: each message becomes an ``.eml`` file in ``directory``."""

    directory: Path

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%f")
        token = str(message["Message-ID"]).strip("<>").split("@")[0][:12]
        # Written whole, so the coordinator's page never reads half a message.
        write_whole(self.directory / f"{stamp}-{token}.eml", message.as_bytes())


def transport_for(settings: MailSettings) -> Transport:
    if settings.host:
        return SmtpTransport(settings)
    return FileTransport(settings.directory)


def sender_name() -> str:
    """Who claims messages: this host and process (for the outbox's record)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


async def send_due(
    sessions: async_sessionmaker[AsyncSession],
    transport: Transport,
    *,
    settings: MailSettings,
    public_url: str = "",
    sender: str | None = None,
    batch: int = 50,
    after_send: Callable[[Claimed], Awaitable[None]] | None = None,
) -> SendReport:
    """One pass: every message due now, in batches, until none is left."""
    sender = sender or sender_name()
    report = SendReport()
    while True:
        async with sessions() as session, session.begin():
            taken = await claim(session, sender=sender, limit=batch)
        if not taken:
            break
        for message in taken:
            try:
                await transport.send(build(message, sender=settings.sender, public_url=public_url))
            except SendFailure as failure:
                async with sessions() as session, session.begin():
                    await mark_failed(
                        session,
                        message=message,
                        sender=sender,
                        reason=failure.reason,
                        permanent=failure.permanent,
                    )
                if failure.permanent or message.attempts >= MAX_ATTEMPTS:
                    report.failed += 1
                else:
                    report.retried += 1
                if failure.reason not in report.reasons:
                    report.reasons.append(failure.reason)
                continue
            if after_send is not None:
                await after_send(message)
            async with sessions() as session, session.begin():
                await mark_sent(session, message_id=message.id, sender=sender)
            report.sent += 1
        if len(taken) < batch:
            break
    async with sessions() as session, session.begin():
        await forget_old(session)
    return report
