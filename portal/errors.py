"""Friendly error pages for people and ``{"detail": ...}`` errors for the JSON API."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from portal.i18n import N_, gettext

logger = logging.getLogger("isok")

TITLES = {
    400: N_("The request could not be understood"),
    403: N_("You do not have access to this page"),
    404: N_("Page not found"),
    405: N_("This action is not possible here"),
    429: N_("Too many requests"),
    500: N_("Something went wrong"),
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


def _page(request: Request[Any, Any, Any], status: int) -> Response[Any]:
    title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    explanation = EXPLANATIONS.get(status, "")
    return Template(
        template_name="errors/error.html",
        status_code=status,
        context={
            "status": status,
            "title": gettext(title),
            "explanation": gettext(explanation) if explanation else "",
        },
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
    response = _page(request, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if wants_json(request):
        return _json(HTTP_500_INTERNAL_SERVER_ERROR, gettext("Internal server error."))
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: not_authorized,
    HTTPException: http_error,
    Exception: server_error,
}
