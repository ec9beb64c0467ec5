"""What every request leaves behind: its id, one access line, its count in the metrics.

:class:`ObservedRequests` wraps the whole app (outside routing and the error handlers, as
Litestar's own OpenTelemetry middleware does), so unknown paths, refusals and errors are
seen too. This module loads no metrics library: ``isok serve`` must be able to set up the
metrics directory (:func:`metrics_directory`) before any worker imports prometheus_client.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from litestar.enums import ScopeType

from portal.logs import REQUEST_ID, request_id_from

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("isok.access")

REQUEST_ID_HEADER = "x-request-id"
#: The route of a request that matched none (an unknown path).
UNMATCHED = "[unmatched]"
#: Called with (method, route template, status, seconds) once a request is answered.
Answered = Callable[[str, str, int, float], None]


class ObservedRequests:
    """ASGI wrapper: take or make the request id, keep it in :data:`portal.logs.REQUEST_ID`
    for every log line of the request, echo it in ``X-Request-ID``, then write the access
    line (method, route template, status, duration) and count the request."""

    def __init__(self, app: ASGIApp, answered: Answered) -> None:
        self.app = app
        self.answered = answered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        incoming = next(
            (value for name, value in scope["headers"] if name == REQUEST_ID_HEADER.encode()),
            None,
        )
        request_id = request_id_from(incoming.decode("latin-1") if incoming is not None else None)
        header = (REQUEST_ID_HEADER.encode(), request_id.encode())
        status = 500  # unless the app starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = str(scope.get("path_template") or UNMATCHED)
            self.answered(method, route, status, seconds)
            access_log.info(
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            REQUEST_ID.reset(token)


@contextlib.contextmanager
def metrics_directory(enabled: bool) -> Iterator[Path | None]:
    """A fresh directory for the workers' shared metrics, named in ``PROMETHEUS_MULTIPROC_DIR``
    while the block runs and removed afterwards; nothing when metrics are not ``enabled``.

    Set before any worker imports prometheus_client: the variable is read at that import.
    """
    if not enabled:
        yield None
        return
    variable = "PROMETHEUS_MULTIPROC_DIR"  # portal.metrics.MULTIPROCESS_DIRECTORY
    directory = Path(tempfile.mkdtemp(prefix="isok-metrics-"))
    previous = os.environ.get(variable)
    os.environ[variable] = str(directory)
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = previous
        shutil.rmtree(directory, ignore_errors=True)
