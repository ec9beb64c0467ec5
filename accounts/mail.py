"""Messages the portal sends to people about their accounts.

The portal sends no e-mail yet (an outbox is on the roadmap): :func:`deliver` writes each
message to the ``isok.mail`` log, where an operator or a developer finds it. Pages that
would say "an e-mail is on its way" show the link on screen in development only, marked as
a development aid, never in production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

mail_log = logging.getLogger("isok.mail")


@dataclass(frozen=True)
class Outgoing:
    """A message: to whom, its subject and text, and the one-time link in it, if any."""

    to: str
    subject: str
    body: str
    link: str | None = None


def deliver(message: Outgoing) -> None:
    """Send ``message``. Until the portal sends e-mail, it is written to the log."""
    mail_log.warning("e-mail to %s: %s\n%s", message.to, message.subject, message.body)
