"""The coordinator's page of staff accounts: clear sign-in delays, (de)activate."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import services, throttle
from accounts.models import User
from kit.flash import redirect_with
from kit.i18n import gettext
from kit.roles import Viewer


class StaffUserPages(Controller):
    """The coordinator's list of staff accounts: clear sign-in delays, (de)activate."""

    path = "/users"
    include_in_schema = False

    @get("/")
    async def index(self, db_session: NamedDependency[AsyncSession]) -> Template:
        staff = await services.list_staff(db_session)
        delayed = await throttle.delayed_accounts(db_session, emails=[u.email for u in staff])
        return Template(
            template_name="accounts/account_users.html",
            context={"staff": staff, "delayed": delayed},
        )

    @post("/{user_id:int}/unlock", status_code=HTTP_200_OK)
    async def unlock(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        user = await _staff_or_404(db_session, user_id)
        await throttle.unlock(db_session, user=user)
        message = gettext("%(name)s can sign in again at once: the sign-in delays are cleared.")
        return redirect_with(request, "/users", message % {"name": user.name}, "success")

    @post(["/{user_id:int}/deactivate", "/{user_id:int}/reactivate"], status_code=HTTP_200_OK)
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        user_id: FromPath[int],
    ) -> Response[Any]:
        """Deactivate or reactivate (the last part of the path) a staff account, never
        one's own."""
        active = str(request.scope["path_template"]).endswith("/reactivate")
        user = await _staff_or_404(db_session, user_id)
        if user.id == viewer.user_id:
            return redirect_with(
                request, "/users", gettext("You cannot deactivate your own account."), "error"
            )
        await services.set_active(db_session, user=user, active=active)
        message = services.sign_in_message(user.name, active=active)
        return redirect_with(request, "/users", message, "success")


async def _staff_or_404(db_session: AsyncSession, user_id: int) -> User:
    user = await services.get_staff(db_session, user_id=user_id)
    if user is None:
        raise NotFoundException(detail=gettext("No such staff user."))
    return user
