"""Each signed-in person's notifications (accounts/notices.py): the list, opening one, marking
all read, and choosing which kinds also come by e-mail."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import notices
from accounts.models import User
from kit.flash import redirect_with
from kit.forms import parse_integer
from kit.i18n import gettext
from kit.roles import Viewer

LIST_PATH = "/notifications"


class NotificationPages(Controller):
    path = LIST_PATH
    include_in_schema = False

    @get("/")
    async def listing(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        page: FromQuery[str] = "1",
    ) -> Template:
        listing = await notices.list_for(db_session, viewer.user_id, page=parse_integer(page) or 1)
        return Template(
            template_name="accounts/notifications.html",
            context={"listing": listing},
        )

    @post("/{notification_id:int}/open", status_code=HTTP_200_OK)
    async def open_one(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        notification_id: FromPath[int],
    ) -> Response[Any]:
        """Mark the notification read and go to the page it is about."""
        link = await notices.open_notification(db_session, viewer.user_id, notification_id)
        if link is None:
            return redirect_with(
                request, LIST_PATH, gettext("That notification is not there."), "error"
            )
        return Redirect(path=link or LIST_PATH, status_code=HTTP_303_SEE_OTHER)

    @post("/read", status_code=HTTP_200_OK)
    async def read_all(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        await notices.mark_all_read(db_session, viewer.user_id)
        return redirect_with(request, LIST_PATH, gettext("All notifications are marked read."))

    @get("/settings")
    async def settings_form(
        self, db_session: NamedDependency[AsyncSession], viewer: NamedDependency[Viewer]
    ) -> Template:
        user = await db_session.get_one(User, viewer.user_id)
        return _settings_page(user, await notices.mail_choices(db_session, user))

    @post("/settings", status_code=HTTP_200_OK)
    async def save_settings(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        form = await request.form()
        user = await db_session.get_one(User, viewer.user_id)
        await notices.choose_mail(db_session, user, [str(kind) for kind in form.getall("mail", [])])
        return redirect_with(
            request, notices.SETTINGS_PATH, gettext("Your choice of e-mails is saved."), "success"
        )


def _settings_page(user: User, choices: dict[str, bool]) -> Template:
    kinds = [(name, kind, choices.get(name, True)) for name, kind in notices.kinds_for(user.role)]
    return Template(
        template_name="accounts/notification_settings.html",
        context={
            "kinds": kinds,
            "email": user.email,
            # A role whose e-mails are all always sent has nothing to save.
            "choosable": any(not kind.always for _name, kind, _wanted in kinds),
        },
    )
