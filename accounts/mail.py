"""Messages the portal sends to people about their accounts.

:func:`deliver` writes each message into the outbox (:mod:`kit.outbox`) in the caller's
transaction, so an invitation rolled back sends nothing; the sender (``isok mail send``)
delivers it. The message also goes to the ``isok.mail`` log for developers (links in it are
redacted on output, portal/errors.py). Pages that would say "an e-mail is on its way" show
the link on screen in development only, marked as a development aid, never in production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit.outbox import enqueue

mail_log = logging.getLogger("isok.mail")


@dataclass(frozen=True)
class Outgoing:
    """A message: to whom, its subject and text, and the one-time link in it, if any."""

    to: str
    subject: str
    body: str
    link: str | None = None


async def deliver(session: AsyncSession, message: Outgoing, *, kind: str) -> None:
    """Send ``message``: written to the outbox in ``session``'s transaction."""
    mail_log.warning("e-mail to %s: %s\n%s", message.to, message.subject, message.body)
    await enqueue(session, to=message.to, subject=message.subject, text=message.body, kind=kind)
