"""Sign in and out, one's own password, password links, and the coordinator's staff page."""

from __future__ import annotations

import math
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_429_TOO_MANY_REQUESTS,
)
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import password_links, services, throttle
from accounts.middleware import session_token, session_tokens
from accounts.models import User
from accounts.passwords import MIN_PASSWORD_LENGTH
from kit.flash import flash, redirect_with
from kit.i18n import gettext, ngettext

# Pages that show or take a password link must not be kept by browsers or proxies.
NO_STORE = {"Cache-Control": "no-store"}


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/home"


def _client_address(request: Request[Any, Any, Any]) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _form(
    next_path: str, email: str = "", errors: dict[str, str] | None = None, status: int = 200
) -> Template:
    return Template(
        template_name="accounts/login.html",
        status_code=status,
        context={"next": next_path, "email": email, "errors": errors or {}},
    )


def wait_message(seconds: int) -> str:
    """ "Wait N seconds" (or minutes, rounded up, from a minute on), in the request's language."""
    if seconds < 60:
        return ngettext(
            "Too many failed sign-in attempts. Wait %(count)d second and try again.",
            "Too many failed sign-in attempts. Wait %(count)d seconds and try again.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many failed sign-in attempts. Wait %(count)d minute and try again.",
        "Too many failed sign-in attempts. Wait %(count)d minutes and try again.",
        minutes,
    ) % {"count": minutes}


class LoginController(Controller):
    include_in_schema = False

    @get("/login")
    async def login_form(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
    ) -> Response[Any]:
        if request.scope.get("user") is not None:
            return Redirect(path=safe_next(next), status_code=303)
        return _form(safe_next(next))

    @post("/login", status_code=HTTP_200_OK)
    async def login(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        form = await request.form()
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        next_path = safe_next(str(form.get("next", "")) or None)
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = gettext("Enter your e-mail address.")
        elif len(email) > 254 or not services.EMAIL_PATTERN.match(email):
            errors["email"] = gettext("Enter a valid e-mail address, like name@example.fi.")
        if not password:
            errors["password"] = gettext("Enter your password.")
        if errors:
            return _form(next_path, email, errors, HTTP_400_BAD_REQUEST)

        settings = request.app.state.settings.security
        address = _client_address(request)
        account = services.normalise_email(email)
        # The try is counted and committed before the password is checked, so guesses sent
        # in parallel cannot get more checks than the allowance.
        verdict = await throttle.count_try(
            db_session, email=account, client_address=address, settings=settings
        )
        if verdict.blocked:
            await db_session.rollback()
            message = wait_message(verdict.retry_after_seconds)
            response = _form(next_path, email, {"form": message}, HTTP_429_TOO_MANY_REQUESTS)
            response.headers["Retry-After"] = str(verdict.retry_after_seconds)
            return response
        await db_session.commit()

        user = await services.authenticate(
            db_session, email=email, password=password, client_address=address
        )
        if user is None:
            # The failed attempt must be stored although the response is an error.
            await db_session.commit()
            return _form(
                next_path,
                email,
                {"form": gettext("The e-mail address or the password is wrong.")},
                HTTP_400_BAD_REQUEST,
            )

        await throttle.forget_success(db_session, email=account, client_address=address)
        token = await services.start_session(
            db_session,
            user=user,
            old_tokens=session_tokens(request.scope, settings.session_cookie),
            settings=settings,
        )
        signed_in: Response[Any] = Redirect(path=next_path, status_code=303)
        signed_in.set_cookie(
            settings.session_cookie,
            token,
            max_age=settings.session_hours * 3600,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="lax",
        )
        return signed_in

    @post("/logout", status_code=HTTP_200_OK)
    async def logout(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        settings = request.app.state.settings.security
        # Every session cookie presented ends, not only the one in use.
        await services.end_sessions(
            db_session, tokens=session_tokens(request.scope, settings.session_cookie)
        )
        response: Response[Any] = Redirect(path="/login", status_code=303)
        response.delete_cookie(settings.session_cookie)
        flash(request, response, gettext("You have signed out."), "success")
        return response


def _translated(errors: dict[str, str]) -> dict[str, str]:
    return {field: gettext(message) for field, message in errors.items()}


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
        self, request: Request[User, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        form = await request.form()
        user = await db_session.get_one(User, request.user.id)
        errors = await services.change_password(
            db_session,
            user=user,
            current=str(form.get("current_password", "")),
            new=str(form.get("new_password", "")),
            confirmation=str(form.get("new_password_confirmation", "")),
            keep_token=session_token(
                request.scope, request.app.state.settings.security.session_cookie
            ),
        )
        if errors:
            return _password_form(_translated(errors), HTTP_400_BAD_REQUEST)
        return redirect_with(
            request,
            "/home",
            gettext("Your password is changed. You are signed out everywhere else."),
            "success",
        )


def _development_aid(request: Request[Any, Any, Any], link: str | None) -> str | None:
    """The link to show on screen, in development only: the portal sends no e-mail yet."""
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
        sent = await password_links.request_reset(
            db_session, email=email, public_url=request.app.state.settings.public_url
        )
        return Template(
            template_name="accounts/password_sent.html",
            headers=NO_STORE,
            context={"development_link": _development_aid(request, sent.link if sent else None)},
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
            errors = await password_links.use(db_session, token=token, password=password)
        except password_links.LinkUsed:
            await db_session.rollback()
            return _invalid_link()
        if errors:
            return _reset_form(link, _translated(errors), HTTP_400_BAD_REQUEST)
        return redirect_with(
            request,
            "/login",
            gettext("Your password is set. Sign in with your e-mail address and the new password."),
            "success",
        )


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
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        user = await _staff_or_404(db_session, user_id)
        await throttle.unlock(db_session, user=user)
        message = gettext("%(name)s can sign in again at once: the sign-in delays are cleared.")
        return redirect_with(request, "/users", message % {"name": user.name}, "success")

    @post("/{user_id:int}/deactivate", status_code=HTTP_200_OK)
    async def deactivate(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        return await _set_active(request, db_session, user_id, active=False)

    @post("/{user_id:int}/reactivate", status_code=HTTP_200_OK)
    async def reactivate(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        return await _set_active(request, db_session, user_id, active=True)


async def _staff_or_404(db_session: AsyncSession, user_id: int) -> User:
    user = await services.get_staff(db_session, user_id=user_id)
    if user is None:
        raise NotFoundException(detail=gettext("No such staff user."))
    return user


async def _set_active(
    request: Request[User, Any, Any], db_session: AsyncSession, user_id: int, *, active: bool
) -> Response[Any]:
    user = await _staff_or_404(db_session, user_id)
    if user.id == request.user.id:
        return redirect_with(
            request, "/users", gettext("You cannot deactivate your own account."), "error"
        )
    await services.set_active(db_session, user=user, active=active)
    message = (
        gettext("%(name)s can sign in again.")
        if active
        else gettext("%(name)s can no longer sign in; their sessions have ended.")
    )
    return redirect_with(request, "/users", message % {"name": user.name}, "success")
