"""No 500 on any input: hostile ids, numbers, dates, NUL bytes and bodies on every route.

The routes are read from the app itself (its route table, the handlers' signatures and the
forms its pages show), so a new route or field is probed without editing this file. Each
role sends what it may send (the policy table), with a valid CSRF token; the answer is
never a server error, and an id that cannot exist answers 404.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy
from litestar import Litestar, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from competences.services import CompetenceVocabulary
from kit.forms import (
    MAX_ID,
    FormReader,
    parse_date,
    parse_id,
    parse_integer,
    row_count,
)
from kit.roles import Role
from kit.settings import Settings
from portal.app import create_app
from portal.policy import AUTOMATIC_METHODS, PUBLIC, ROUTE_POLICY, route_key
from tests.conftest import DEMO_USERS, csrf_token, make_settings, sign_in
from tests.portal.test_policy import PATH_VALUES

ROLES: list[str | None] = [None, *sorted(DEMO_USERS)]

# Ids no object can have: beyond PostgreSQL's INTEGER (2^31) and SQLite's (2^63), beyond
# 64 bits, not positive, and digits that Python's int() reads but no form of ours writes.
BAD_IDS = [
    "2147483648",
    str(2**63),
    str(2**64),
    "-1",
    "0",
    "²",
    "１２",
    "٣",
    "9" * 40,
]

# Values for query-string and form fields: the ids above and dates far out of range, a NUL
# byte, an over-long text.
HOSTILE_VALUES = [
    "2147483648",
    str(2**63),
    "9" * 40,
    "-1",
    "²",
    "１２",
    "0001-01-01",
    "9999-12-31",
    "a\x00b",
    "x" * 5000,
]

SKIPPED_PARAMETERS = {"self", "request", "data", "db_session", "state", "scope", "headers"}


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # as in the policy table: /candidates/{candidate_id}
    int_parameters: tuple[str, ...]
    query_parameters: tuple[str, ...]

    @property
    def key(self) -> str:
        return route_key(self.method, self.template)


def operations(app: Litestar) -> list[Operation]:
    """Every route and method of the app, with its integer path and its query parameters."""
    found = []
    for route in app.routes:
        handlers = getattr(route, "route_handler_map", {})
        for method, entry in handlers.items():
            if method in AUTOMATIC_METHODS:
                continue
            handler = entry[0] if isinstance(entry, tuple) else entry
            path_parameters = route.path_parameters
            dependencies = handler.resolve_dependencies()
            query = tuple(
                name
                for name in handler.parsed_fn_signature.parameters
                if name not in SKIPPED_PARAMETERS
                and name not in path_parameters
                and name not in dependencies
            )
            ints = tuple(name for name, p in path_parameters.items() if p.type is int)
            found.append(Operation(method, route.path_format, ints, query))
    return sorted(found, key=lambda op: op.key)


APP_OPERATIONS = operations(create_app(make_settings("sqlite+aiosqlite:///:memory:")))


def allowed(role: str | None) -> Iterator[Operation]:
    """The operations ``role`` may call, but sign-out (it would end the session)."""
    for operation in APP_OPERATIONS:
        access = ROUTE_POLICY[operation.key]
        if access.allows(Role(role) if role else None) and operation.key != "POST /logout":
            yield operation


def concrete(template: str, **overrides: str) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: overrides.get(m.group(1), PATH_VALUES[m.group(1)]), template
    )


async def signed_in(client: AsyncTestClient, role: str | None) -> str:
    """Sign ``role`` in (anonymous stays out); the CSRF token to send."""
    if role is not None:
        await sign_in(client, DEMO_USERS[role])
    return await csrf_token(client)


@pytest.fixture(autouse=True)
def no_backstop(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The error handler's backstop (a database error answered 400 and logged as a bug)
    must not be what keeps these answers below 500: each input is checked where it is read."""
    yield
    bugs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("bug:")]
    assert not bugs, "\n".join(bugs)


# --- The parsing itself ----------------------------------------------------------------------


def test_integers_and_ids_are_ascii_digits_in_range() -> None:
    assert parse_integer(" 42 ") == 42
    assert parse_integer("-3") == -3
    for text in ("²", "１２", "٣", "1_000", "+1", "1.0", "", "9" * 19, "4\n2"):
        assert parse_integer(text) is None, text
    assert parse_id("1") == 1
    assert parse_id(str(MAX_ID)) == MAX_ID
    for text in ("0", "-1", str(MAX_ID + 1), str(2**63), "٣"):
        assert parse_id(text) is None, text


def test_dates_are_iso_ascii_and_within_bounds() -> None:
    assert parse_date("2027-03-01") is not None
    for text in (
        "0001-01-01",
        "9999-12-31",
        "20270301",
        "2027-W01-1",
        "２０２７-03-01",
        "2027-02-30",
    ):
        assert parse_date(text) is None, text


def test_form_reader_messages_beside_the_field() -> None:
    reader = FormReader(
        {
            "places": "9" * 40,
            "months": "٣",
            "hours": "١٢",
            "start": "9999-12-31",
            "end": "0001-01-01",
            "name": "Ann\x00",
            "tutor": str(2**63),
        }
    )
    assert reader.integer("places", minimum=1, maximum=99) is None
    assert reader.integer("months") is None
    assert reader.decimal("hours", minimum=0, maximum=80) is None
    assert reader.date("start") is None
    assert reader.date("end") is None
    reader.text("name")
    assert reader.id("tutor") is None
    assert reader.errors == {
        "places": "Enter a number from 1 to 99.",
        "months": "Enter a whole number.",
        "hours": "Enter a number, for example 37.5.",
        "start": "Enter a date from 1900-01-01 to 2100-12-31.",
        "end": "Enter a date from 1900-01-01 to 2100-12-31.",
        "name": "Remove the control character (NUL) from this text.",
        "tutor": "Choose one of the options.",
    }
    # Without bounds of its own, a number still fits a database column.
    assert FormReader({"n": str(2**40)}).integer("n") is None


def test_repeating_rows_are_capped_whatever_the_form_says() -> None:
    assert row_count(str(10**6), default=3, maximum=20) == 20
    assert row_count("٣", default=3, maximum=20) == 3
    assert row_count("9" * 5000, default=3, maximum=20) == 3


def test_repeated_values_are_capped() -> None:
    reader = FormReader({"regions": ["North Savo"] * 101})
    assert reader.values("regions") == []
    assert reader.errors == {"regions": "Choose at most 100 options."}
    assert FormReader({"regions": ["North Savo"] * 3}).values("regions") == ["North Savo"] * 3


# --- Path ids ---------------------------------------------------------------------------------


def test_every_integer_path_parameter_is_probed() -> None:
    # The issue counted 56 path templates with ids; a regression in the walk would hide them.
    assert sum(1 for op in APP_OPERATIONS if op.int_parameters) >= 56


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
async def test_ids_that_cannot_exist_answer_404_on_every_route(
    client: AsyncTestClient, role: str | None
) -> None:
    token = await signed_in(client, role)
    wrong = []
    for operation in allowed(role):
        for name in operation.int_parameters:
            for bad in BAD_IDS:
                path = concrete(operation.template, **{name: bad})
                response = await client.request(
                    operation.method,
                    path,
                    headers={"x-csrftoken": token},
                    follow_redirects=False,
                )
                if response.status_code != 404:
                    wrong.append(f"{operation.method} {path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


# --- Query strings ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
async def test_hostile_query_values_never_cause_a_server_error(
    client: AsyncTestClient, role: str | None
) -> None:
    token = await signed_in(client, role)
    wrong = []
    for operation in allowed(role):
        if operation.method != "GET" or not operation.query_parameters:
            continue
        for name in operation.query_parameters:
            for value in HOSTILE_VALUES:
                response = await client.get(
                    concrete(operation.template),
                    params={name: value},
                    headers={"x-csrftoken": token},
                    follow_redirects=False,
                )
                if response.status_code >= 500:
                    wrong.append(f"GET {operation.template}?{name}={value[:20]!r}: 500")
    assert not wrong, "\n".join(wrong)


# --- Forms as the pages show them ---------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class FormCollector(HTMLParser):
    """The POST forms of a page, each with the values a person would send unchanged."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(action=a.get("action") or self.page)
                self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in form.fields:
                    form.fields[name] = a.get("value", "on")
            elif kind != "file":
                form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select is not None:
            if "selected" in a or self._select not in form.fields:
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = ""
        elif tag == "button" and name not in form.fields:
            form.fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea] += data


async def page_forms(client: AsyncTestClient, role: str | None) -> dict[str, Form]:
    """Every POST form the role's pages show, one per action (the first seen)."""
    forms: dict[str, Form] = {}
    for operation in allowed(role):
        if operation.method != "GET" or operation.template.startswith(("/api/", "/schema")):
            continue
        path = concrete(operation.template)
        response = await client.get(path, follow_redirects=False)
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        collector = FormCollector(path)
        collector.feed(response.text)
        for form in collector.forms:
            if form.action != "/logout":
                forms.setdefault(form.action, form)
    return forms


FORM_ROLES = [None, "coordinator", "counsellor", "teacher", "employer", "tutor"]


@pytest.mark.parametrize("role", FORM_ROLES, ids=lambda r: r or "anonymous")
async def test_hostile_form_fields_never_cause_a_server_error(
    client: AsyncTestClient, role: str | None
) -> None:
    """Each field of each form in turn gets each hostile value, the others as the page
    filled them in, so that the hostile value is the only thing wrong with the form."""
    await signed_in(client, role)
    forms = await page_forms(client, role)
    assert forms, "no form found: the collector is broken"
    wrong = []
    for form in forms.values():
        for name in form.fields:
            if name == "_csrf_token":
                continue
            for value in HOSTILE_VALUES:
                data = {**form.fields, name: value, "_csrf_token": await csrf_token(client)}
                response = await client.post(form.action, data=data, follow_redirects=False)
                if response.status_code >= 500:
                    wrong.append(f"POST {form.action} {name}={value[:20]!r}: 500")
    assert not wrong, "\n".join(wrong)


# --- Anonymous forms: sign-in and registration --------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/register"])
async def test_nul_in_anonymous_forms_is_refused_not_a_server_error(
    client: AsyncTestClient, path: str
) -> None:
    page = await client.get(path)
    collector = FormCollector(path)
    collector.feed(page.text)
    form = next(form for form in collector.forms if form.action.startswith(path))
    for name in form.fields:
        if name == "_csrf_token":
            continue
        data = {**form.fields, name: "x\x00@example.org", "_csrf_token": await csrf_token(client)}
        response = await client.post(path, data=data, follow_redirects=False)
        # Refused beside the field (200 or 422 with the form) or by the error page (400).
        assert response.status_code in (200, 400, 422), (name, response.status_code)
        assert "/home" not in response.headers.get("location", "")


# --- JSON bodies --------------------------------------------------------------------------------

# JSON values for every field of every API body: ids and numbers beyond the columns, dates
# out of range, a NUL byte, an over-long text. 10**400 is valid JSON that no column holds.
HOSTILE_JSON: list[Any] = [
    2**31,
    2**63,
    10**400,
    -1,
    "0001-01-01",
    "9999-12-31",
    "a\x00b",
    "x" * 5000,
]


def position_body(position: dict[str, Any]) -> dict[str, Any]:
    keys = ("title", "field", "tasks", "municipality", "region", "start_date", "end_date")
    return {
        **{key: position[key] for key in keys},
        "hours_per_week": position["hours_per_week"],
        "places": position["places"],
        "tutor_id": position["tutor_id"],
        "competences": [
            {"competence": c["code"], "min_level": c["min_level"], "required": c["required"]}
            for c in position["competences"]
        ],
        "languages": position["languages"],
    }


def candidate_body(candidate: dict[str, Any]) -> dict[str, Any]:
    keys = [
        "name",
        "email",
        "phone",
        "municipality",
        "regions",
        "available_from",
        "availability_note",
        "client_type",
        "client_since",
        "counsellor_id",
        "stage",
        "languages",
    ]
    return {key: candidate[key] for key in keys}


async def api_bodies(client: AsyncTestClient, role: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, a valid body) for each API write ``role`` may make."""
    if role == "employer":
        position = position_body((await client.get("/api/positions/1")).json())
        return [
            ("POST", "/api/positions", position),
            ("PATCH", "/api/positions/1", position),
            ("POST", "/api/placements", {"position": 1, "candidate": 1, "after": 0}),
        ]
    if role == "counsellor":
        ranked = (await client.get("/api/positions/1/suggestions?top=50")).json()
        candidate = next(s["candidate"] for s in ranked["suggestions"] if not s["decision"])
        decision = {"candidate": candidate, "decision": "shortlisted", "after": 0, "note": ""}
        return [("POST", "/api/positions/1/suggestions", decision)]
    assert role == "coordinator"
    candidate = candidate_body((await client.get("/api/candidates/1")).json())
    organisation = (await client.get("/api/organisations/1")).json()
    applied = (await client.get("/api/organisations", params={"status": "applied"})).json()
    placement = (await client.get("/api/placements/1")).json()
    keys = ("name", "business_id", "kind", "sector", "municipality", "region", "size")
    return [
        ("POST", "/api/candidates", candidate),
        ("PATCH", "/api/candidates/1", candidate),
        ("PATCH", "/api/organisations/1", {key: organisation[key] for key in keys}),
        (
            "POST",
            f"/api/organisations/{applied[0]['id']}/decision",
            {
                "decision": "approve",
                "reason": "",
                "agreement_start": "2026-01-01",
                "agreement_end": "2027-12-31",
            },
        ),
        (
            "PATCH",
            "/api/placements/1",
            {
                "note": "",
                "start_date": placement["start_date"],
                "end_date": placement["end_date"],
                "tutor_id": placement["tutor_id"],
                "teacher_id": placement["teacher_id"],
            },
        ),
    ]


def mutations(body: Any, value: Any) -> Iterator[tuple[str, Any]]:
    """Copies of ``body`` with one leaf replaced by ``value``, each with the leaf's path
    (the first item of each list stands for the list)."""
    if isinstance(body, dict):
        items: list[tuple[Any, Any]] = list(body.items())
    elif isinstance(body, list) and body:
        items = [(0, body[0])]
    else:
        yield "", value
        return
    for key, item in items:
        for path, replaced in mutations(item, value):
            changed = copy.copy(body)
            changed[key] = replaced
            yield f"{key}.{path}".rstrip("."), changed


API_ROLES = ["coordinator", "counsellor", "employer"]


@pytest.mark.parametrize("role", API_ROLES)
async def test_hostile_json_fields_never_cause_a_server_error(
    client: AsyncTestClient, role: str
) -> None:
    token = await signed_in(client, role)
    wrong = []
    for method, path, body in await api_bodies(client, role):
        for value in HOSTILE_JSON:
            for leaf, changed in mutations(body, value):
                response = await client.request(
                    method,
                    path,
                    content=json.dumps(changed),
                    headers={"x-csrftoken": token, "content-type": "application/json"},
                )
                if response.status_code >= 500:
                    wrong.append(f"{method} {path} {leaf}={str(value)[:20]!r}: 500")
                elif response.status_code >= 400:
                    assert "detail" in response.json(), response.text
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tutor_id", 2**31),
        ("tutor_id", 2**63),
        ("start_date", "0001-01-01"),
        ("end_date", "9999-12-31"),
        ("places", 10**400),
    ],
)
async def test_out_of_range_json_fields_answer_400(
    client: AsyncTestClient, field: str, value: Any
) -> None:
    token = await signed_in(client, "employer")
    body = position_body((await client.get("/api/positions/1")).json())
    response = await client.post(
        "/api/positions",
        content=json.dumps({**body, field: value}),
        headers={"x-csrftoken": token, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert "detail" in response.json()


async def test_nul_in_a_json_text_is_refused_with_400(client: AsyncTestClient) -> None:
    token = await signed_in(client, "coordinator")
    response = await client.patch(
        "/api/candidates/1",
        json={"availability_note": "mornings\x00"},
        headers={"x-csrftoken": token},
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert "\x00" not in (await client.get("/api/candidates/1")).json()["availability_note"]


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
async def test_deeply_nested_json_answers_400(client: AsyncTestClient, depth: int) -> None:
    token = await signed_in(client, "employer")
    for text in ("[" * depth + "]" * depth, '{"title":' * depth + "1" + "}" * depth):
        for method, path in (("POST", "/api/positions"), ("PATCH", "/api/positions/1")):
            response = await client.request(
                method,
                path,
                content=text,
                headers={"x-csrftoken": token, "content-type": "application/json"},
            )
            assert response.status_code == 400, (method, path, response.status_code)


# --- Bounded work per request ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "method", "path", "field", "limit"),
    [
        ("employer", "POST", "/api/positions", "competences", 40),
        ("employer", "PATCH", "/api/positions/1", "competences", 40),
        ("employer", "POST", "/api/positions", "languages", 20),
        ("coordinator", "POST", "/api/candidates", "languages", 20),
        ("coordinator", "PATCH", "/api/candidates/1", "regions", 20),
    ],
)
async def test_over_long_lists_in_api_bodies_are_refused(
    client: AsyncTestClient, role: str, method: str, path: str, field: str, limit: int
) -> None:
    """A position with 5,000 competences once held a worker for 5 s mapping them."""
    token = await signed_in(client, role)
    if role == "employer":
        body = position_body((await client.get("/api/positions/1")).json())
    else:
        body = candidate_body((await client.get("/api/candidates/1")).json())
    item = body[field][0] if body[field] else "North Savo"
    response = await client.request(
        method,
        path,
        content=json.dumps({**body, field: [item] * 5000}),
        headers={"x-csrftoken": token, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert f"length <= {limit}" in json.dumps(response.json())


async def test_fuzzy_mapping_and_matching_run_off_the_event_loop(
    client: AsyncTestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each CPU-heavy step runs in a worker thread, never on the loop's own thread (where it
    would stall every other request of the worker while it runs)."""
    import matching  # loaded where used, as the app does (worker start-up time)

    calls: list[tuple[str, bool]] = []

    def watched(owner: Any, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, threading.current_thread() is threading.main_thread()))
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    watched(CompetenceVocabulary, "resolve")
    watched(CompetenceVocabulary, "suggest")
    watched(matching.CompetenceMatcher, "fit")
    watched(matching, "assign")
    assert threading.current_thread() is threading.main_thread()  # the loop's thread

    token = await signed_in(client, "employer")
    body = position_body((await client.get("/api/positions/1")).json())
    body["competences"][0]["competence"] = "forklift drivng"  # fuzzy: "Did you mean …?"
    await client.post("/api/positions", json=body, headers={"x-csrftoken": token})
    assert (await client.get("/api/competences", params={"q": "forklift"})).status_code == 200
    await client.post("/logout", headers={"x-csrftoken": token})
    await signed_in(client, "coordinator")
    assert (await client.get("/positions/1/suggestions")).status_code == 200
    assert (await client.get("/candidates/1/suggestions")).status_code == 200
    assert (await client.get("/assignments")).status_code == 200

    assert {name for name, _ in calls} == {"resolve", "suggest", "fit", "assign"}
    on_loop = sorted({name for name, on_loop_thread in calls if on_loop_thread})
    assert not on_loop, f"called on the event loop's thread: {on_loop}"


# --- The backstop ---------------------------------------------------------------------------


async def test_the_backstop_answers_400_for_out_of_range_values_and_logs_a_bug(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A value the checks missed reaches the real database: 400 (not 500), logged as a bug.
    Other database errors stay server errors."""

    @get("/api/probe/{kind:str}")
    async def probe(
        db_session: NamedDependency[AsyncSession], kind: FromPath[str]
    ) -> dict[str, Any]:
        if kind == "overflow":  # beyond SQLite's and PostgreSQL's 64-bit integers
            await db_session.execute(sqlalchemy.text("SELECT :n"), {"n": 2**64})
        elif kind == "nul":
            await db_session.execute(sqlalchemy.text("SELECT :t"), {"t": "a\x00b"})
        else:
            await db_session.execute(sqlalchemy.text("SELECT * FROM no_such_table"))
        return {}

    monkeypatch.setitem(ROUTE_POLICY, "GET /api/probe/{kind}", PUBLIC)
    app = create_app(settings)
    app.register(probe)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.get("/api/probe/overflow")
        assert response.status_code == 400
        assert response.json() == {"detail": "A value is out of the range the portal accepts."}
        assert any(r.getMessage().startswith("bug:") for r in caplog.records)
        caplog.clear()  # the autouse check is for the real routes, not this probe

        response = await client.get("/api/probe/nul")
        assert response.status_code == 400
        assert "NUL" in response.json()["detail"]

        response = await client.get("/api/probe/missing-table")
        assert response.status_code == 500


# --- Sensible date windows --------------------------------------------------------------------


@pytest.mark.parametrize("years", [-3, 3, 200])
async def test_an_interview_far_from_today_gets_a_message_beside_the_date(
    client: AsyncTestClient, years: int
) -> None:
    await signed_in(client, "counsellor")
    page = await client.get("/candidates/1/interviews/new")
    collector = FormCollector("/candidates/1/interviews/new")
    collector.feed(page.text)
    form = next(f for f in collector.forms if f.action == "/candidates/1/interviews")
    day = datetime.date.today() + datetime.timedelta(days=365 * years)
    data = {**form.fields, "date": day.isoformat(), "time": "10:00"}
    data["_csrf_token"] = await csrf_token(client)
    response = await client.post(form.action, data=data, follow_redirects=False)
    assert response.status_code == 400
    assert 'id="date-error"' in response.text
    assert "Enter a date from" in response.text
