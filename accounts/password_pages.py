"""One's own password: changing it when signed in, and setting it with a one-time link
("forgot my password", a new contact's first password)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_404_NOT_FOUND
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import password_links, services
from accounts.middleware import session_token
from accounts.models import User
from accounts.passwords import MIN_PASSWORD_LENGTH
from kit.flash import redirect_with
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer

# Pages that show or take a password link must not be kept by browsers or proxies.
NO_STORE = {"Cache-Control": "no-store"}


def _password_form(errors: dict[str, str] | None = None, status: int = HTTP_200_OK) -> Template:
    return Template(
        template_name="accounts/account_password.html",
        status_code=status,
        context={"errors": errors or {}, "min_length": MIN_PASSWORD_LENGTH},
    )


class AccountPages(Controller):
    """A signed-in user changes their own password."""

    path = "/account/password"
    include_in_schema = False

    @get("/")
    async def password_form(self) -> Template:
        return _password_form()

    @post("/", status_code=HTTP_200_OK)
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        form = await request.form()
        user = await db_session.get_one(User, viewer.user_id)
        try:
            await services.change_password(
                db_session,
                user=user,
                current=str(form.get("current_password", "")),
                new=str(form.get("new_password", "")),
                confirmation=str(form.get("new_password_confirmation", "")),
                keep_token=session_token(
                    request.scope, request.app.state.settings.security.session_cookie
                ),
            )
        except Invalid as error:
            return _password_form(error.errors, HTTP_400_BAD_REQUEST)
        return redirect_with(
            request,
            "/home",
            gettext("Your password is changed. You are signed out everywhere else."),
            "success",
        )


def _development_aid(request: Request[Any, Any, Any], link: str | None) -> str | None:
    """The link to show on screen, in development only: a developer need not open the
    e-mail (``var/mail/`` or the coordinator's mail page) to follow it."""
    return link if request.app.state.settings.env == "development" else None


def _invalid_link() -> Template:
    return Template(
        template_name="accounts/password_link_invalid.html",
        status_code=HTTP_404_NOT_FOUND,
        headers=NO_STORE,
    )


def _reset_form(
    link: Any, errors: dict[str, str] | None = None, status: int = HTTP_200_OK
) -> Template:
    return Template(
        template_name="accounts/password_reset.html",
        status_code=status,
        headers=NO_STORE,
        context={"account": link.user, "errors": errors or {}, "min_length": MIN_PASSWORD_LENGTH},
    )


class PasswordResetPages(Controller):
    """Anyone asks for a link to set a new password; the link is the key (public pages)."""

    path = "/password"
    include_in_schema = False

    @get("/forgot")
    async def forgot_form(self) -> Template:
        return Template(
            template_name="accounts/password_forgot.html", context={"errors": {}, "email": ""}
        )

    @post("/forgot", status_code=HTTP_200_OK)
    async def forgot(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        email = str((await request.form()).get("email", "")).strip()
        if not email or len(email) > 254 or not services.EMAIL_PATTERN.match(email):
            return Template(
                template_name="accounts/password_forgot.html",
                status_code=HTTP_400_BAD_REQUEST,
                context={
                    "errors": {
                        "email": gettext("Enter a valid e-mail address, like name@example.fi.")
                    },
                    "email": email,
                },
            )
        # The same page whether or not the address has an account.
        link = await password_links.request_reset(
            db_session, email=email, public_url=request.app.state.settings.public_url
        )
        return Template(
            template_name="accounts/password_sent.html",
            headers=NO_STORE,
            context={"development_link": _development_aid(request, link)},
        )

    @get("/reset/{token:str}")
    async def reset_form(
        self, db_session: NamedDependency[AsyncSession], token: FromPath[str]
    ) -> Template:
        link = await password_links.get_open(db_session, token=token)
        return _invalid_link() if link is None else _reset_form(link)

    @post("/reset/{token:str}", status_code=HTTP_200_OK)
    async def reset(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        token: FromPath[str],
    ) -> Response[Any]:
        link = await password_links.get_open(db_session, token=token)
        if link is None:
            return _invalid_link()
        form = await request.form()
        password = str(form.get("password", ""))
        if password != str(form.get("password_confirm", "")):
            errors = {"password_confirm": gettext("The two passwords are not the same.")}
            return _reset_form(link, errors, HTTP_400_BAD_REQUEST)
        try:
            await password_links.use(db_session, token=token, password=password)
        except password_links.LinkUsed:
            return _invalid_link()
        except Invalid as error:
            return _reset_form(link, error.errors, HTTP_400_BAD_REQUEST)
        return redirect_with(
            request,
            "/login",
            gettext("Your password is set. Sign in with your e-mail address and the new password."),
            "success",
        )
