"""Property-based fuzzing of the whole API with schemathesis: no 5xx, ever.

The cases come from the app's own OpenAPI document (every operation in it), with a fixed
seed so that every run sends the same requests. Each operation is called as every role the
policy table lets in (signed in through the login form, with the session cookie and the CSRF
token), once with the demo data's ids in the path (so that the bodies and queries reach the
services) and once with generated ids, in schemathesis' positive and negative modes. The
only check is schemathesis' ``not_a_server_error``.

The requests go through the suite's async test client, on the app's single event loop, so
that the database engine (asyncpg on PostgreSQL) sees one loop as in production.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from litestar.testing import AsyncTestClient, TestClient
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error

from kit.roles import Role
from portal.app import create_app
from portal.policy import ROUTE_POLICY, route_key
from tests.conftest import DEMO_USERS, csrf_token, make_settings, sign_in
from tests.portal.test_policy import PATH_VALUES

SEED = 20261130
EXAMPLES = 40  # per operation and kind of case; three kinds (see the module docstring)
BASE_URL = "http://testserver.local"
ROLES: list[str | None] = [None, *sorted(DEMO_USERS)]
# What the transport adds for the requests library; httpx takes the rest as they are.
SENT = ("params", "headers", "cookies", "json", "data", "files")

logger = logging.getLogger(__name__)


def draw(strategy: Any, examples: int) -> list[Case]:
    """``examples`` cases from ``strategy``, the same ones on every run (fixed seed)."""
    found: list[Case] = []

    @seed(SEED)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Case) -> None:
        found.append(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: no parameter, no body
        collect()
    return found


@functools.cache
def api_schema() -> Any:
    """The app's OpenAPI document as schemathesis reads it (the same on both databases)."""
    app = create_app(make_settings("sqlite+aiosqlite:///:memory:"))
    with TestClient(app=app) as client:
        return schemathesis.openapi.from_dict(client.get("/schema/openapi.json").json())


@functools.cache
def cases_for(method: str, path: str) -> list[Case]:
    """The cases for one operation, drawn once and sent as every role and on both backends."""
    operation = api_schema()[path][method]
    names = [p.name for p in operation.path_parameters]
    known = {name: PATH_VALUES[name] for name in names}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
        operation.as_strategy(GenerationMode.POSITIVE),
    ]
    if not names:
        strategies.pop()  # the third kind differs from the first only by its path
    return [case for strategy in strategies for case in draw(strategy, EXAMPLES)]


async def send(client: AsyncTestClient, case: Case, token: str) -> httpx.Response | None:
    """Send ``case`` as the signed-in client; None when httpx cannot even encode it."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    headers = {**kwargs.get("headers", {}), "x-csrftoken": token}
    body = {key: kwargs[key] for key in ("json", "data", "files") if key in kwargs}
    if "data" in body and not isinstance(body["data"], bytes | str):
        body["data"] = {k: str(v) for k, v in dict(body["data"]).items()}
    if isinstance(body.get("data"), bytes | str):
        body["content"] = body.pop("data")
    try:
        return await client.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers=headers,
            follow_redirects=False,
            **body,
        )
    except (httpx.InvalidURL, UnicodeEncodeError, ValueError, TypeError) as error:
        # Headers or a URL that no HTTP client can put on the wire never reach the app.
        logger.debug("not sent: %s", error)
        return None


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
async def test_no_server_error_on_any_generated_request(
    client: AsyncTestClient, role: str | None, record_property: Any
) -> None:
    if role is not None:
        await sign_in(client, DEMO_USERS[role])
    token = await csrf_token(client)
    sent = 0
    failures = []
    for result in api_schema().get_all_operations():
        operation = result.ok()
        access = ROUTE_POLICY[route_key(operation.method, operation.path)]
        if not access.allows(Role(role) if role else None):
            continue
        for case in cases_for(operation.method, operation.path):
            response = await send(client, case, token)
            if response is None:
                continue
            sent += 1
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except (AssertionError, BaseExceptionGroup):  # one failure, or several
                failures.append(
                    f"{operation.method.upper()} {response.url}: {response.status_code}"
                )
    record_property("schemathesis_cases", sent)
    print(f"schemathesis: {sent} cases sent as {role or 'anonymous'}")
    assert sent > 0
    assert not failures, "\n".join(failures[:50])
