"""Friendly error pages for people and ``{"detail": ...}`` errors for the JSON API."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy.exc import StatementError

from kit.i18n import N_, gettext
from kit.invalid import Invalid
from portal.database import NulCharacterRefused
from portal.logs import redact

logger = logging.getLogger("isok")


NOT_AVAILABLE = N_("Not available yet")
TITLES = {
    400: N_("The request could not be understood"),
    403: N_("You do not have access to this page"),
    404: N_("Page not found"),
    405: N_("This action is not possible here"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
    503: N_("The portal is busy"),
}

EXPLANATIONS = {
    403: N_(
        "Your role does not give access to this page, or the form had expired. "
        "Go back, reload the page and try again."
    ),
    404: N_("The page you asked for does not exist, or it is not available to you."),
    500: N_(
        "The portal could not finish your request. Nothing was saved. "
        "Try again in a moment; if it happens again, tell the programme coordinator."
    ),
}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/schema")


def _page(
    request: Request[Any, Any, Any],
    status: int,
    explanation: str | None = None,
    title: str | None = None,
) -> Response[Any]:
    """The error page; ``explanation`` (already translated) replaces the status's own."""
    title = title or TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    if explanation is None:
        explanation = gettext(EXPLANATIONS[status]) if status in EXPLANATIONS else ""
    return Template(
        template_name="portal/error.html",
        status_code=status,
        context={"status": status, "title": gettext(title), "explanation": explanation},
    )


def _json(status: int, detail: Any) -> Response[Any]:
    return Response(content={"detail": detail}, status_code=status, media_type=MediaType.JSON)


def not_authorized(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    if wants_json(request):
        return _json(HTTP_401_UNAUTHORIZED, gettext("Sign in to continue."))
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return Redirect(path=f"/login?next={quote(target, safe='/')}", status_code=303)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if wants_json(request):
        detail: Any = exc.detail
        if isinstance(exc, ValidationException) and exc.extra:
            detail = {"message": exc.detail, "errors": exc.extra}
        return _json(exc.status_code, detail)
    # A 503 raised with its own (translated) reason says it: "busy" would mislead when the
    # portal lacks something an administrator must add (certificates' signing key).
    own = exc.status_code == HTTP_503_SERVICE_UNAVAILABLE and exc.detail != HTTPStatus(503).phrase
    response = (
        _page(request, exc.status_code, explanation=exc.detail, title=NOT_AVAILABLE)
        if own
        else _page(request, exc.status_code)
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def invalid_input(request: Request[Any, Any, Any], exc: Invalid) -> Response[Any]:
    """Input a service refused and the handler did not show beside its fields."""
    if wants_json(request):
        return _json(HTTP_400_BAD_REQUEST, {"message": exc.summary, "errors": exc.errors})
    return _page(request, HTTP_400_BAD_REQUEST, explanation=" ".join(exc.errors.values()))


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception(
        "unhandled error on %s %s", request.method, redact(request.url.path), exc_info=exc
    )
    if wants_json(request):
        return _json(HTTP_500_INTERNAL_SERVER_ERROR, gettext("Internal server error."))
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR)


def _bad_request(request: Request[Any, Any, Any], detail: str) -> Response[Any]:
    if wants_json(request):
        return _json(HTTP_400_BAD_REQUEST, detail)
    return _page(request, HTTP_400_BAD_REQUEST, explanation=detail)


def nul_refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The NUL character reached a query (see :class:`portal.database.NulCharacterRefused`)."""
    return _bad_request(
        request, gettext("Remove the control character (NUL) from the text and try again.")
    )


def undecodable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A body that cannot be read: nested too deeply, numbers too large, not JSON at all."""
    return _bad_request(request, gettext("The request body could not be read."))


def _is_out_of_range(exc: BaseException) -> bool:
    """A number or date the database (or its driver) cannot hold, anywhere in the chain:
    SQLAlchemy's DataError, the driver's own (asyncpg's DataError and its subclasses), or
    Python's OverflowError (sqlite3: "Python int too large to convert to SQLite INTEGER")."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, OverflowError) or any(
            cls.__name__ == "DataError" for cls in type(seen).__mro__
        ):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _is_database_busy(exc: BaseException) -> bool:
    """SQLite's single writer lock stayed taken longer than the busy timeout."""
    orig = getattr(exc, "orig", None)
    return type(orig).__name__ == "OperationalError" and "database is locked" in str(orig)


def database_busy(request: Request[Any, Any, Any]) -> Response[Any]:
    """503 with ``Retry-After``: the write waited for the database's lock and gave up.

    Nothing of the request was saved (its transaction rolls back), so trying again is safe.
    """
    detail = gettext("The portal is busy. Nothing was saved; try again in a moment.")
    if wants_json(request):
        response = _json(HTTP_503_SERVICE_UNAVAILABLE, detail)
    else:
        response = _page(request, HTTP_503_SERVICE_UNAVAILABLE, explanation=detail)
    response.headers["Retry-After"] = "5"
    return response


def database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The backstop for input the checks let through to the database.

    NUL in a bound text answers 400 (that is the statement hook's refusal). A value beyond a
    column's range answers 400 too, but the input checks should have refused it first, so it
    is logged as a bug to fix: find the field and bound it where it is read. Any other
    database error is a server error.
    """
    if isinstance(exc, NulCharacterRefused) or isinstance(
        getattr(exc, "orig", None), NulCharacterRefused
    ):
        return nul_refused(request, exc)
    if _is_database_busy(exc):
        return database_busy(request)
    if not _is_out_of_range(exc):
        return server_error(request, exc)
    logger.error(
        "bug: unchecked input reached the database on %s %s",
        request.method,
        redact(request.url.path),
        exc_info=exc,
    )
    return _bad_request(request, gettext("A value is out of the range the portal accepts."))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: not_authorized,
    Invalid: invalid_input,
    HTTPException: http_error,
    NulCharacterRefused: nul_refused,
    RecursionError: undecodable,
    msgspec.DecodeError: undecodable,
    StatementError: database_error,  # DataError and the driver's errors among them
    OverflowError: database_error,
    Exception: server_error,
}
