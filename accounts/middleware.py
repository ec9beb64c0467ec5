"""Resolve the signed-in user for each request and set the request's language and actor."""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from accounts.services import signed_in
from kit.audit import Actor, current_actor
from kit.i18n import LANGUAGE_COOKIE, current_locale, is_supported, negotiate_locale


class LoginSessionMiddleware:
    """Put the user of the session cookie (or None) in ``scope["user"]``.

    The session lives in the database, so any worker on any machine can serve any request.
    It is looked up in the request's database session, which the handler then uses, so a
    signed-in page costs one connection from the pool, not two.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        state: Any = scope["app"].state
        user = None
        token = session_token(scope, state.settings.security.session_cookie)
        if token and not scope["path"].startswith("/static/"):
            # The request's own database session (the one its handler gets, committed or
            # rolled back and closed when the answer starts): one connection per request.
            session = state.request_session(state, scope)
            user, unread = await signed_in(session, token=token)
            # For the count in every page's header.
            scope["unread"] = unread  # type: ignore[typeddict-unknown-key]
            # Detached, as a user from a session of its own was: a write that fails later in
            # the request rolls the session back and expires what it holds, and the error
            # page still shows who is signed in.
            session.expunge_all()
        scope["user"] = user
        scope["auth"] = token if user is not None else None
        locale_token = current_locale.set(request_locale(scope, user))
        actor_token = current_actor.set(
            Actor(user_id=user.id, label=user.email)
            if user is not None
            else Actor(None, "anonymous")
        )
        try:
            await self.app(scope, receive, send)
        finally:
            current_actor.reset(actor_token)
            current_locale.reset(locale_token)


def request_locale(scope: Scope, user: Any) -> str:
    """The language of the answer: the signed-in person's choice, else the one this browser
    chose (the language cookie), else the best guess from ``Accept-Language``."""
    if user is not None and is_supported(user.locale):
        return str(user.locale)
    for chosen in cookie_values(scope, LANGUAGE_COOKIE):
        if is_supported(chosen):
            return chosen
    for key, value in scope.get("headers", []):
        if key == b"accept-language":
            return negotiate_locale(value.decode("latin-1"))
    return negotiate_locale(None)


def cookie_values(scope: Scope, name: str) -> list[str]:
    """Every value of the cookie ``name`` the browser presented, in the order sent."""
    values: list[str] = []
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _sep, cookie_value = part.strip().partition("=")
                if cookie_name == name and cookie_value:
                    values.append(cookie_value)
    return values


def session_tokens(scope: Scope, name: str) -> list[str]:
    """Every value of the cookie ``name`` the browser presented, in the order sent.

    A browser may send two cookies of one name (set for different paths or domains, one
    perhaps planted). Sign-in, sign-out and this middleware all read this one list, so
    they agree on which session is in use; sign-out and sign-in end all of them.
    """
    return cookie_values(scope, name)


def session_token(scope: Scope, name: str) -> str | None:
    """The session token in use: the first cookie ``name`` presented (see above)."""
    tokens = session_tokens(scope, name)
    return tokens[0] if tokens else None
