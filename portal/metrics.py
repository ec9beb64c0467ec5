"""Prometheus metrics at ``GET /metrics``, for a bearer token (docs/observability.md).

Counted in each worker as requests are answered:

- ``isok_http_requests_total{method, route, status}``: requests answered, by route template
  (never the path: ids and link tokens stay out, and the label set stays small);
- ``isok_http_request_duration_seconds{method, route}``: a latency histogram;
- ``isok_matching_index_updated_timestamp_seconds``: when the worker's live matching index
  (placements/review/index.py) was last brought up to date.

Read when Prometheus asks:

- ``isok_outbox_messages{status}``: the e-mail outbox by status (kit/outbox.py);
- ``isok_matching_index_age_seconds``: seconds since the least recently updated index of the
  workers that have one (absent while none has).

Several workers: ``isok serve`` gives them a shared directory (``PROMETHEUS_MULTIPROC_DIR``,
prometheus_client's multiprocess mode; :func:`portal.observability.metrics_directory`) when
metrics are enabled, so whichever worker answers a scrape reports the sum of all of them;
without it each process counts alone.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession

from kit import outbox
from kit.forms import parse_id

#: prometheus_client's multiprocess mode is on when this names a directory at import time.
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"

# Created with no registry: which collector exposes them depends on the mode (see below).
REQUESTS = Counter(
    "isok_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=None,
)
LATENCY = Histogram(
    "isok_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)
INDEX_UPDATED_NAME = "isok_matching_index_updated_timestamp_seconds"
INDEX_UPDATED = Gauge(
    INDEX_UPDATED_NAME,
    "When this worker's live matching index was last brought up to date (Unix time; 0: not yet).",
    multiprocess_mode="liveall",  # one sample per live worker, labelled with its pid
    registry=None,
)
PROCESS_METRICS: tuple[Counter | Histogram | Gauge, ...] = (REQUESTS, LATENCY, INDEX_UPDATED)

#: The route label of a request that matched no route (404s for unknown paths).
UNMATCHED = "[unmatched]"


def request_answered(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


def index_updated(_snapshot: object) -> None:
    """The worker's matching index was just brought up to date (placements.review.index)."""
    INDEX_UPDATED.set_to_current_time()


class _Families(Collector):
    """Metric families already gathered, for the text encoder."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def forget_dead_workers(directory: Path) -> None:
    """Drop the per-worker gauges of workers that are gone (uvicorn replaces a worker that
    dies), as prometheus_client asks the server to; counters stay, as counters must."""
    for file in directory.glob("gauge_live*_*.db"):
        pid = parse_id(file.stem.rsplit("_", 1)[-1])
        if pid is None:
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
        except PermissionError:
            pass  # alive, someone else's process: left alone


def _counted() -> list[Metric]:
    directory = os.environ.get(MULTIPROCESS_DIRECTORY)
    if not directory:
        return [family for metric in PROCESS_METRICS for family in metric.collect()]
    forget_dead_workers(Path(directory))
    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return list(registry.collect())


def _index_age(families: Iterable[Metric], now: float) -> Metric | None:
    updated = [
        sample.value
        for family in families
        if family.name == INDEX_UPDATED_NAME
        for sample in family.samples
        if sample.value > 0
    ]
    if not updated:
        return None
    return GaugeMetricFamily(
        "isok_matching_index_age_seconds",
        "Seconds since the least recently updated live matching index among the workers.",
        value=max(0.0, now - min(updated)),
    )


def exposition(counts: outbox.OutboxCounts, *, now: float) -> list[Metric]:
    """Every metric family a scrape shows."""
    families = _counted()
    depth = GaugeMetricFamily(
        "isok_outbox_messages", "E-mail messages in the outbox, by status.", labels=["status"]
    )
    for status in outbox.MessageStatus:
        depth.add_metric([status.value], getattr(counts, status.value))
    families.append(depth)
    age = _index_age(families, now)
    if age is not None:
        families.append(age)
    return families


def encode(families: Iterable[Metric], *, accept: str = "") -> tuple[bytes, str]:
    """The families in the text format the ``Accept`` header asks for, and its media type."""
    encoder, content_type = choose_encoder(accept)
    return encoder(_Families(families)), content_type


def _authorised(request: Request[Any, Any, Any], token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


class MetricsController(Controller):
    include_in_schema = False

    @get("/metrics")
    async def metrics(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[bytes]:
        """The metrics in Prometheus's text format (or OpenMetrics, if asked for).

        Without ``ISOK_METRICS_TOKEN`` the endpoint does not exist (404); a request without
        that token as its bearer token answers 401.
        """
        token = request.app.state.settings.observability.metrics_token
        if not token:
            raise NotFoundException()
        if not _authorised(request, token):
            return Response(
                content=b"Send the metrics token: Authorization: Bearer <token>\n",
                status_code=401,
                media_type=MediaType.TEXT,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        families = exposition(await outbox.counts(db_session), now=time.time())
        content, content_type = encode(families, accept=request.headers.get("accept", ""))
        return Response(
            content=content,
            media_type=content_type,
            headers={"Cache-Control": "no-store"},
        )
