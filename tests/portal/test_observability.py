"""Logs, request ids, metrics and the health check's migration state (issue 18, item 5)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from accounts.invitations import invitation_link
from accounts.password_links import link_for as password_link
from assessments.links import LINK_PATH, link_url
from kit.settings import ObservabilitySettings, Settings, SettingsError, settings_from_env
from portal import metrics
from portal.app import create_app
from portal.database import create_engine
from portal.logs import (
    LINK_PATHS,
    REQUEST_ID,
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    logging_config,
    redact,
)
from portal.migrate import alembic_config, code_revisions
from portal.observability import ObservedRequests
from tests.conftest import TEST_SECRET, make_settings
from tests.e2e import log_scan

pytestmark = pytest.mark.both_databases

TOKEN = "s3cr3t-Link_token-0123456789abcdef"
METRICS_TOKEN = "metrics-token-for-tests-0123456789"
PUBLIC = "https://isok.example.fi"


# --- Redaction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        link_url(PUBLIC, TOKEN),
        invitation_link(PUBLIC, TOKEN),
        password_link(PUBLIC, TOKEN),
    ],
    ids=["tutor link", "invitation", "password reset"],
)
def test_each_kind_of_link_loses_its_token(url: str) -> None:
    path = url.removeprefix(PUBLIC)
    for written in (
        f"GET {path} 500",
        f"POST {path}?lang=fi failed",
        f"e-mailed {url}.",
        f'"{path}"',
        # As a ``next=`` parameter, percent-encoded.
        f"/login?next={path.replace('/', '%2F')}",
    ):
        redacted = redact(written)
        assert TOKEN not in redacted, written
        assert "[redacted]" in redacted


def test_the_link_paths_are_the_domains_own() -> None:
    assert LINK_PATH in LINK_PATHS
    assert invitation_link("", "x") == "/invitations/x"
    assert password_link("", "x") == "/password/reset/x"


@pytest.mark.parametrize(
    "query", ["?token=", "?next=/&reset_token=", "?password=", "?api_key=", "?x=1&secret="]
)
def test_credentials_in_a_query_string_are_redacted(query: str) -> None:
    redacted = redact(f"GET /somewhere{query}{TOKEN}&page=2")
    assert TOKEN not in redacted
    assert redacted.endswith("[redacted]&page=2")


def test_route_templates_and_plain_paths_are_left_alone() -> None:
    for line in (
        "GET /invitations/{token} 200 3.0 ms",
        "POST /password/reset/{token} 303 9.1 ms",
        "GET /candidates/12/portfolio?page=2 200 4.0 ms",
        "GET /verify/ABC-123 200 1.0 ms",
    ):
        assert redact(line) == line


# --- Formats ------------------------------------------------------------------------------


def _record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("isok.access", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_the_json_format_is_one_object_a_line_with_the_request_id() -> None:
    token = REQUEST_ID.set("req-42")
    try:
        record = _record(
            "%s %s %d %.1f ms",
            "GET",
            "/assess/{token}",
            200,
            3.25,
            method="GET",
            route="/assess/{token}",
            status=200,
            duration_ms=3.2,
        )
        RequestIdFilter().filter(record)
    finally:
        REQUEST_ID.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    fields = json.loads(line)
    assert fields["request_id"] == "req-42"
    assert fields["level"] == "INFO"
    assert fields["logger"] == "isok.access"
    assert fields["message"] == "GET /assess/{token} 200 3.2 ms"
    assert (fields["method"], fields["route"], fields["status"]) == ("GET", "/assess/{token}", 200)
    assert fields["duration_ms"] == 3.2
    assert fields["time"].endswith("Z")


def test_the_json_format_redacts_the_message_and_the_traceback() -> None:
    try:
        raise RuntimeError(f"cannot open /password/reset/{TOKEN}")
    except RuntimeError:
        record = logging.LogRecord(
            "isok", logging.ERROR, __file__, 1, "on %s", (f"/assess/{TOKEN}",), sys.exc_info()
        )
    fields = json.loads(JsonFormatter().format(record))
    assert TOKEN not in json.dumps(fields)
    assert "RuntimeError" in fields["exception"]
    assert fields["request_id"] is None


def test_the_text_format_is_readable_and_redacted() -> None:
    record = _record("opened %s", f"/invitations/{TOKEN}")
    RequestIdFilter().filter(record)
    line = TextFormatter().format(record)
    assert line.endswith("INFO isok.access [-] opened /invitations/[redacted]")


def test_the_format_follows_the_environment() -> None:
    production = {"ISOK_ENV": "production", "ISOK_SECRET_KEY": TEST_SECRET}
    assert settings_from_env(production).observability.log_format == "json"
    assert settings_from_env({"ISOK_SECRET_KEY": TEST_SECRET}).observability.log_format == "text"
    chosen = {**production, "ISOK_LOG_FORMAT": "text"}
    assert settings_from_env(chosen).observability.log_format == "text"
    with pytest.raises(SettingsError, match="ISOK_LOG_FORMAT"):
        settings_from_env({"ISOK_SECRET_KEY": TEST_SECRET, "ISOK_LOG_FORMAT": "xml"})
    with pytest.raises(SettingsError, match="ISOK_METRICS_TOKEN"):
        settings_from_env({"ISOK_SECRET_KEY": TEST_SECRET, "ISOK_METRICS_TOKEN": "short"})


def test_the_configured_handler_redacts_every_logger(capsys: pytest.CaptureFixture[str]) -> None:
    """Through the handler ``isok serve`` and the command line install: a child logger's
    record (which a parent logger's filter never sees) is redacted too."""
    handler_config = logging_config("json")["handlers"]["stderr"]
    assert handler_config["filters"] == ["request_id", "redact"]
    logger = logging.getLogger("isok.test_observability")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    try:
        logger.warning("link %s", f"{PUBLIC}/assess/{TOKEN}")
    finally:
        logger.removeHandler(handler)
    assert TOKEN not in capsys.readouterr().err


# --- Request ids --------------------------------------------------------------------------


async def test_a_well_formed_request_id_comes_back(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.9:2"})
    assert response.headers["x-request-id"] == "lb-7f3a.9:2"


@pytest.mark.parametrize(
    "incoming", [None, "", "a" * 129, "has space", "<script>", "semi;colon", "-leading-dash"]
)
async def test_a_missing_or_malformed_request_id_is_replaced(
    client: AsyncTestClient[Any], incoming: str | None
) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    response = await client.get("/no-such-page", headers=headers)
    assert response.status_code == 404
    made = response.headers["x-request-id"]
    assert made != incoming
    assert len(made) == 32
    assert int(made, 16) >= 0


async def test_every_line_of_a_request_carries_its_id(caplog: pytest.LogCaptureFixture) -> None:
    """A line the app logs while serving, and the access line after it, name the request."""
    seen: list[tuple[str, str, int]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        logging.getLogger("isok.test").warning("inside the request")
        scope["path_template"] = "/things/{thing_id}"
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    observed = ObservedRequests(app, lambda *answer: seen.append(answer[:3]))
    caplog.handler.addFilter(RequestIdFilter())
    scope: Any = {
        "type": "http",
        "method": "POST",
        "path": "/things/1",
        "headers": [(b"x-request-id", b"trace-1")],
    }
    with caplog.at_level(logging.INFO, logger="isok"):
        await observed(scope, receive, send)
    lines = [(r.name, r.getMessage(), getattr(r, "request_id", None)) for r in caplog.records]
    assert ("isok.test", "inside the request", "trace-1") in lines
    access = [line for line in lines if line[0] == "isok.access"]
    assert len(access) == 1
    assert access[0][1].startswith("POST /things/{thing_id} 201 ")
    assert access[0][2] == "trace-1"
    assert (b"x-request-id", b"trace-1") in sent[0]["headers"]
    assert seen == [("POST", "/things/{thing_id}", 201)]
    assert REQUEST_ID.get() is None


async def test_the_access_line_names_the_route_not_the_token(
    client: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="isok.access"):
        await client.get(f"/password/reset/{TOKEN}?token={TOKEN}")
        await client.get(f"/invitations/{TOKEN}")
        await client.get(f"/assess/{TOKEN}")
    messages = [r.getMessage() for r in caplog.records if r.name == "isok.access"]
    assert [m.rsplit(" ", 3)[0] for m in messages] == [
        "GET /password/reset/{token}",
        "GET /invitations/{token}",
        "GET /assess/{token}",
    ]
    assert not any(TOKEN in m for m in messages)


# --- Metrics ------------------------------------------------------------------------------


@pytest.fixture
async def metrics_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    with_token = dataclasses.replace(
        settings, observability=ObservabilitySettings(metrics_token=METRICS_TOKEN)
    )
    async with AsyncTestClient(
        app=create_app(with_token), base_url="http://testserver.local"
    ) as test_client:
        yield test_client


async def test_metrics_answer_404_without_the_setting(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 404
    assert "isok_http_requests_total" not in response.text


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token-0123456789", f"Basic {METRICS_TOKEN}", "Bearer"]
)
async def test_metrics_refuse_a_missing_or_wrong_token(
    metrics_client: AsyncTestClient[Any], authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await metrics_client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "isok_" not in response.text


async def test_metrics_with_the_token(metrics_client: AsyncTestClient[Any]) -> None:
    await metrics_client.get("/healthz")
    await metrics_client.get(f"/assess/{TOKEN}")
    await metrics_client.get("/no/such/page")
    response = await metrics_client.get(
        "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    assert TOKEN not in body
    for line in (
        'isok_http_requests_total{method="GET",route="/healthz",status="200"}',
        'isok_http_requests_total{method="GET",route="/assess/{token}",status="404"}',
        'isok_http_requests_total{method="GET",route="[unmatched]",status="404"}',
        'isok_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz"}',
        'isok_outbox_messages{status="pending"} 0.0',
        'isok_outbox_messages{status="failed"} 0.0',
    ):
        assert line in body, line


async def test_metrics_show_the_matching_index_age(
    metrics_client: AsyncTestClient[Any], settings: Settings
) -> None:
    from placements.review.index import index_for
    from portal.database import create_session_factory

    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            await index_for(session).snapshot(session)
    finally:
        await engine.dispose()
    response = await metrics_client.get(
        "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    ages = [
        float(line.split()[-1])
        for line in response.text.splitlines()
        if line.startswith("isok_matching_index_age_seconds ")
    ]
    assert len(ages) == 1
    assert 0 <= ages[0] < 60


COUNT_IN_A_WORKER = """
import sys
from portal import metrics
for _ in range(int(sys.argv[1])):
    metrics.request_answered("GET", "/healthz", 200, 0.01)
metrics.index_updated(None)
"""
SCRAPE = """
import time
from kit.outbox import OutboxCounts
from portal import metrics
families = metrics.exposition(OutboxCounts(1, 0, 2, 0), now=time.time())
print(metrics.encode(families)[0].decode())
"""


def test_the_workers_counts_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """As under `isok serve --workers N` with a metrics token: each worker counts in the
    shared directory, and the one that answers the scrape reports them all."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}

    def python(code: str, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout

    python(COUNT_IN_A_WORKER, "3")
    python(COUNT_IN_A_WORKER, "4")
    scraped = python(SCRAPE)
    assert 'isok_http_requests_total{method="GET",route="/healthz",status="200"} 7.0' in scraped
    assert 'isok_outbox_messages{status="pending"} 1.0' in scraped
    # The two "workers" have exited: their index gauges are dropped (the scraping process's
    # own says 0, no index yet), the counts stay.
    updated = [
        line for line in scraped.splitlines() if line.startswith(metrics.INDEX_UPDATED_NAME + "{")
    ]
    assert len(updated) == 1
    assert updated[0].endswith(" 0.0")
    assert "isok_matching_index_age_seconds" not in scraped


# --- The health check's migration state ---------------------------------------------------


async def test_health_check_reports_a_database_one_migration_behind(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    from alembic import command

    head = code_revisions().head
    await anyio.to_thread.run_sync(command.downgrade, alembic_config(settings.database.url), "-1")
    response = await client.get("/healthz")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "degraded"
    assert answer["database"] == "ok"
    assert answer["migrations"] == "behind"
    assert answer["code_revision"] == head
    assert answer["database_revision"] not in (None, head)
    assert answer["database_revision"] in code_revisions().known


async def test_health_check_reports_a_database_ahead_of_the_code(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    engine = create_engine(settings.database)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        await engine.dispose()
    answer = (await client.get("/healthz")).json()
    assert (answer["status"], answer["migrations"], answer["database_revision"]) == (
        "degraded",
        "ahead",
        "9999",
    )


async def test_health_check_reports_a_database_never_migrated(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'blank.sqlite3'}")
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        response = await test_client.get("/healthz")
    assert response.status_code == 200
    answer = response.json()
    assert (answer["status"], answer["migrations"], answer["database_revision"]) == (
        "degraded",
        "none",
        None,
    )


# --- The browser run's log check ----------------------------------------------------------


def test_the_log_check_names_each_leaking_line(tmp_path: Path) -> None:
    log = tmp_path / "server.stderr"
    log.write_text(
        "INFO isok.access [1] GET /invitations/{token} 200 1.0 ms\n"
        "INFO isok.access [2] GET /assess/[redacted] 404 1.0 ms\n"
        f"INFO isok [3] opened /password/reset/{TOKEN}\n"
        "INFO isok [4] session abcdefabcdefabcdef0123\n"
        "INFO isok [5] headers: Cookie: csrftoken=x\n"
    )
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "1.eml").write_text(
        "Subject: Invitation\nContent-Type: text/plain\n\n"
        f"Open {PUBLIC}/invitations/{TOKEN} to start.\n"
    )
    tokens = log_scan.link_tokens_in_mail(mail)
    assert tokens == {TOKEN}
    found = log_scan.leaks(
        [log], {"abcdefabcdefabcdef0123": "a cookie value", **dict.fromkeys(tokens, "a link")}
    )
    assert [line.split(":", 2)[1] for line in found] == ["3", "4", "5"]
    assert "a link, a link token" in found[0]
