"""A real SMTP server for tests (aiosmtpd) and a way to deliver the outbox into it.

The ``smtp`` fixture (registered in tests/conftest.py) starts a server on a free port and
yields its :class:`Inbox` and the :class:`MailSettings` that reach it. :func:`deliver` runs
the sender once, as ``isok mail send --once`` does, so a test reads what a person would get.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit.mailer import SendReport, SmtpTransport, send_due
from kit.settings import MailSettings

PUBLIC_URL = "https://isok.example.fi"


@dataclass
class Inbox:
    """What the test SMTP server received, and the answer it gives to RCPT TO."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse_with: str | None = None

    async def handle_RCPT(
        self, server: object, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted"

    def ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for ``address``, in the order they came."""
        return [m for m in self.received if str(m["To"]).lower() == address.lower()]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, MailSettings]]:
    from tests.conftest import free_port  # (conftest imports this module)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, MailSettings(host="127.0.0.1", port=port, tls="none")
    finally:
        controller.stop()


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    mail: MailSettings,
    *,
    public_url: str = PUBLIC_URL,
) -> SendReport:
    """Send everything due now to the test server (one pass of the sender)."""
    return await send_due(sessions, SmtpTransport(mail), settings=mail, public_url=public_url)
