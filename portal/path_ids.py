"""One guard bounds every id in a path, for all routes at once.

Litestar reads ``{candidate_id:int}`` with Python's ``int()``, which accepts "٣", "１２" and
numbers far beyond any database column: 2^31 overflows PostgreSQL's INTEGER and 2^63
SQLite's, and the query fails with a server error. An id outside :data:`kit.forms.MAX_ID`,
or one not written in plain ASCII digits, names no object, so the route answers 404 as it
does for any other id that does not exist. Registered on the app after the policy guard, so
a visitor without access still gets the policy's answer first.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler

from kit.forms import parse_id


async def bound_path_ids(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Answer 404 when an integer path parameter is not an id (see the module docstring).

    A coroutine so that Litestar does not run it in a worker thread (see enforce_policy)."""
    params: dict[str, Any] = connection.scope.get("path_params") or {}
    numbers = {name for name, value in params.items() if type(value) is int}
    if not numbers:
        return
    template = str(connection.scope.get("path_template", "")).rstrip("/").split("/")
    segments = str(connection.scope.get("path", "")).rstrip("/").split("/")
    raw = {
        part[1:-1]: segment
        for part, segment in zip(template, segments, strict=False)
        if part.startswith("{") and part.endswith("}")
    }
    for name in numbers:
        # The text as sent when the template lines up with the path, else the parsed value.
        text = raw.get(name, str(params[name]))
        if parse_id(text) != params[name]:
            raise NotFoundException()
