"""Choosing the portal's language: a switch on every page.

The choice is kept in a cookie (a year) and, for a signed-in person, on their account, so it
follows them to another browser. ``Accept-Language`` is only the first guess
(``accounts.middleware``).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.response import Redirect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.services import same_site_path
from kit.i18n import LANGUAGE_COOKIE, gettext, is_supported
from kit.invalid import Invalid

LANGUAGE_COOKIE_DAYS = 365


class LanguageController(Controller):
    include_in_schema = False

    @post("/language", status_code=303)
    async def choose(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        form = await request.form()
        language = str(form.get("language", ""))
        if not is_supported(language):
            raise Invalid.of("language", gettext("Choose one of the languages offered."))
        user = request.scope.get("user")
        if user is not None:
            await db_session.execute(update(User).where(User.id == user.id).values(locale=language))
            await db_session.commit()
        response: Response[Any] = Redirect(
            path=same_site_path(str(form.get("next", "")), default="/"), status_code=303
        )
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600,
            httponly=True,
            secure=request.app.state.settings.security.cookie_secure,
            samesite="lax",
        )
        return response
