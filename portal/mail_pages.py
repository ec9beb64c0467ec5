"""The coordinator's view of the outbox (:mod:`kit.outbox`): how many messages wait, which
failed and why (to send again once the settings are fixed), and, in development without an
SMTP server, the messages written as ``.eml`` files."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.flash import redirect_with
from kit.i18n import gettext
from kit.outbox import MessageStatus, OutboxMessage, counts, retry_failed
from kit.settings import MailSettings

SHOWN = 50


@dataclass(frozen=True)
class MailFile:
    name: str
    to: str
    subject: str
    date: str
    text: str
    language: str


def mail_files(directory: Path, *, limit: int = SHOWN) -> list[MailFile]:
    """The newest ``.eml`` files of the development mail folder, newest first."""
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    found = []
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",))
        found.append(
            MailFile(
                name=path.name,
                to=str(message["To"] or ""),
                subject=str(message["Subject"] or ""),
                date=str(message["Date"] or ""),
                text=body.get_content() if body is not None else "",
                language=str(message["Content-Language"] or ""),
            )
        )
    return found


class MailPages(Controller):
    path = "/mail"
    include_in_schema = False

    @get("/")
    async def outbox(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        settings: MailSettings = request.app.state.settings.mail
        failed = (
            await db_session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == MessageStatus.FAILED.value)
                .order_by(OutboxMessage.id.desc())
                .limit(SHOWN)
            )
        ).all()
        return Template(
            template_name="portal/mail.html",
            context={
                "counts": await counts(db_session),
                "failed": failed,
                "smtp": settings.host,
                "files": [] if settings.host else mail_files(settings.directory),
                "directory": str(settings.directory),
            },
        )

    @post("/{message_id:int}/retry", status_code=HTTP_200_OK)
    async def retry(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        message_id: FromPath[int],
    ) -> Response[Any]:
        """Send a failed message again (with the next run of the sender)."""
        if await retry_failed(db_session, message_id=message_id):
            message = gettext("The message will be sent again.")
            return redirect_with(request, "/mail", message)
        return redirect_with(
            request, "/mail", gettext("That message is not a failed one."), category="error"
        )
