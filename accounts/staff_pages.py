"""The coordinator's page of staff accounts: create them, send a password link, clear
sign-in delays, (de)activate (the rules are in :mod:`accounts.staff`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import services, staff, throttle
from accounts.models import User
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import PROGRAMME_ROLES, Role, Viewer

# The roles the coordinator gives, in the order of the roles' list.
STAFF_ROLE_CHOICES = tuple(role for role in Role if role in PROGRAMME_ROLES)
# A page that shows a password link (the development aid) must not be kept.
NO_STORE = {"Cache-Control": "no-store"}


async def _users_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    sent: str | None = None,
    link: str | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    """The list and the form to create an account; ``sent`` says what was just sent, and
    ``link`` is shown with it in development only, as an aid (it also went by e-mail)."""
    people = await services.list_staff(db_session)
    delayed = await throttle.delayed_accounts(db_session, emails=[u.email for u in people])
    development = request.app.state.settings.env == "development"
    return Template(
        template_name="accounts/account_users.html",
        status_code=status,
        headers=NO_STORE if link else None,
        context={
            "staff": people,
            "delayed": delayed,
            "role_choices": [(role.value, gettext(role.label)) for role in STAFF_ROLE_CHOICES],
            "values": values or {"name": "", "email": "", "role": Role.COUNSELLOR.value},
            "errors": errors or {},
            "link_hours": staff.LINK_HOURS,
            "sent": sent,
            "development_link": link if development else None,
        },
    )


class StaffUserPages(Controller):
    """The coordinator's list of staff accounts: create them, send password links, clear
    sign-in delays, (de)activate."""

    path = "/users"
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await _users_page(request, db_session)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        """Create a staff account; its person gets a one-time link to set a password."""
        reader = FormReader(await request.form())
        name = reader.text("name", required=True, max_length=200)
        email = reader.text("email", required=True, max_length=254)
        role = reader.choice("role", [role.value for role in STAFF_ROLE_CHOICES], required=True)
        values = {"name": name, "email": email, "role": role or ""}
        if reader.ok and role is not None:
            try:
                user, link = await staff.create_staff_user(
                    db_session,
                    name=name,
                    email=email,
                    role=Role(role),
                    public_url=request.app.state.settings.public_url,
                )
            except Invalid as error:
                for field, message in error.errors.items():
                    reader.error(field, message)
            else:
                sent = gettext(
                    "The account of %(name)s is made. An e-mail with a link to set a password"
                    " is on its way to %(email)s; the link works once, for %(hours)s hours."
                ) % {"name": user.name, "email": user.email, "hours": staff.LINK_HOURS}
                return await _users_page(
                    request, db_session, sent=sent, link=link, status=HTTP_201_CREATED
                )
        return await _users_page(
            request, db_session, values=values, errors=reader.errors, status=HTTP_400_BAD_REQUEST
        )

    @post("/{user_id:int}/password-link", status_code=HTTP_200_OK)
    async def send_password_link(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        """E-mail a staff account a one-time link to set a new password; the current one
        keeps working until the link is used."""
        user = await _staff_or_404(db_session, user_id)
        try:
            link = await staff.send_password_link(
                db_session, user=user, public_url=request.app.state.settings.public_url
            )
        except staff.AccountInactive:
            return redirect_with(request, "/users", gettext(staff.INACTIVE_MESSAGE), "error")
        sent = gettext(
            "A link to set a new password is on its way to %(email)s; it works once, for"
            " %(hours)s hours. Until it is used, the current password keeps working."
        ) % {"email": user.email, "hours": staff.LINK_HOURS}
        return await _users_page(request, db_session, sent=sent, link=link)

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
