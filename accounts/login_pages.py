"""Signing in and out: the login form, throttled tries, the session cookie."""

from __future__ import annotations

import math
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_429_TOO_MANY_REQUESTS
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import services, throttle
from accounts.middleware import session_tokens
from accounts.services import same_site_path
from kit.flash import flash
from kit.i18n import gettext, ngettext


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
            return Redirect(path=same_site_path(next), status_code=303)
        return _form(same_site_path(next))

    @post("/login", status_code=HTTP_200_OK)
    async def login(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        form = await request.form()
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        next_path = same_site_path(str(form.get("next", "")) or None)
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
