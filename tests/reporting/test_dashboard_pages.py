"""The dashboard page, the home pages that carry it and ``GET /api/indicators``: who may see
them, what they show (totals only, well-formed charts beside tables), the filters and bad
input, and a number of statements that does not grow with the candidates."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from candidates.models import Candidate, Claim
from competences.models import Competence
from kit import clock
from kit.settings import Settings
from reporting import dashboard
from reporting.indicators import INDICATORS, Filters, Period, Scope, measure
from tests.assessments.conftest import statements_read
from tests.conftest import DEMO_USERS, sign_in

Sessions = async_sessionmaker[AsyncSession]
DISTINCTIVE = "Zebulon Quillfeather-Oyelaran"
SVG = re.compile(r"<svg\b.*?</svg>", re.S)


async def _counsellor_id(sessions: Sessions) -> int:
    async with sessions() as session:
        found = await session.execute(select(User.id).where(User.email == DEMO_USERS["counsellor"]))
        return int(found.scalar_one())


async def _add_candidates(sessions: Sessions, count: int, *, name: str = "Extra") -> None:
    """``count`` more clients of this month with a claim each, in bulk."""
    today = clock.today()
    counsellor = await _counsellor_id(sessions)
    async with sessions() as session, session.begin():
        competence = (await session.execute(select(func.min(Competence.id)))).scalar_one()
        ids = (
            await session.execute(
                insert(Candidate).returning(Candidate.id),
                [
                    {
                        "name": f"{name} {number}",
                        "client_type": "long_term",
                        "client_since": today,
                        "counsellor_id": counsellor,
                        "regions": ["North Savo"],
                        "stage": "portfolio",
                    }
                    for number in range(count)
                ],
            )
        ).scalars()
        await session.execute(
            insert(Claim),
            [{"candidate_id": cid, "competence_id": competence, "self_level": 3} for cid in ids],
        )


def _rows(page: str) -> dict[str, tuple[int, int]]:
    """The indicators table: name → (in the period, since the programme began)."""
    found = re.findall(
        r'<th scope="row">([^<]+)(?:<span[^>]*>[^<]*</span>)?\s*</th>\s*<td>(\d+)</td>\s*'
        r"<td>(\d+)</td>",
        page,
    )
    return {name.strip(): (int(period), int(total)) for name, period, total in found}


# --- Who may see it ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("coordinator", 200),
        ("steering", 200),
        ("counsellor", 403),
        ("teacher", 403),
        ("employer", 403),
        ("tutor", 403),
    ],
)
async def test_who_may_see_the_dashboard_and_the_indicators(
    client: AsyncTestClient, role: str, status: int
) -> None:
    await sign_in(client, DEMO_USERS[role])
    assert (await client.get("/dashboard")).status_code == status
    assert (await client.get("/api/indicators")).status_code == status


async def test_anonymous_visitors_are_sent_to_sign_in(client: AsyncTestClient) -> None:
    response = await client.get("/dashboard?region=Kainuu", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/dashboard")
    assert (await client.get("/api/indicators")).status_code == 401


# --- What it shows -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/home", "/dashboard"])
async def test_the_coordinator_sees_every_indicator_against_its_target(
    client: AsyncTestClient, sessions: Sessions, settings: Settings, path: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    page = (await client.get(path)).text
    for heading in ("Indicators against targets", "The pathway", "Monthly trends"):
        assert heading in page
    rows = _rows(page)
    default = dashboard.default_period(settings.programme, clock.today())
    async with sessions() as session:
        expected = await measure(
            session,
            scope=Scope(period=default, programme_start=settings.programme.reporting_start),
            programme=settings.programme,
        )
    for m in expected:
        assert rows[m.indicator.name] == (m.period.value, m.cumulative.value), m.indicator.key
    # The demo's partners were approved before the programme: 5 major companies of 10.
    assert rows["Partners: major companies"][1] == 5
    assert re.search(
        r'<th scope="row">Partners: major companies</th>\s*<td>\d+</td>\s*<td>5</td>\s*'
        r"<td>10</td>\s*<td>50%</td>",
        page,
    )
    # Each definition is on the page, with its target's setting.
    for indicator in INDICATORS:
        assert indicator.definition in page, indicator.key
    assert "ISOK_TARGET_CANDIDATES_STARTED" in page
    # The counsellor filter is the coordinator's.
    assert '<select id="counsellor" name="counsellor"' in page
    assert "Mikko Ohjaaja" in page


@pytest.mark.parametrize("path", ["/home", "/dashboard", "/dashboard?region=North+Savo"])
async def test_the_steering_committee_sees_totals_and_no_one_by_name(
    client: AsyncTestClient, sessions: Sessions, path: str
) -> None:
    await _add_candidates(sessions, 1, name=DISTINCTIVE)
    await sign_in(client, DEMO_USERS["steering"])
    response = await client.get(path)
    assert response.status_code == 200
    page = response.text
    assert "Indicators against targets" in page
    assert DISTINCTIVE not in page
    assert "Jawad Sultani" not in page  # the first demo candidate
    assert "/candidates" not in page
    # No counsellor filter, and no counsellor's name.
    assert 'name="counsellor"' not in page
    assert "Mikko Ohjaaja" not in page
    api = await client.get("/api/indicators")
    assert api.status_code == 200
    assert DISTINCTIVE not in api.text


async def test_the_steering_committee_cannot_filter_by_counsellor(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    """A counsellor in the query is left out for the steering committee, not refused."""
    counsellor = await _counsellor_id(sessions)
    await sign_in(client, DEMO_USERS["steering"])
    plain = _rows((await client.get("/dashboard")).text)
    response = await client.get(f"/dashboard?counsellor={counsellor}")
    assert response.status_code == 200
    assert _rows(response.text) == plain
    assert "counsellor:" not in response.text


async def test_charts_are_well_formed_svg_named_for_screen_readers(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    page = (await client.get("/dashboard?from=2024-01-01")).text
    charts = SVG.findall(page)
    assert len(charts) == 1 + 1 + len(dashboard.TRENDS)  # progress, funnel, one per trend
    namespace = "{http://www.w3.org/2000/svg}"
    for chart in charts:
        root = ET.fromstring(chart)  # noqa: S314 (the portal's own output)
        assert root.get("role") == "img"
        title = root.find(f"{namespace}title")
        desc = root.find(f"{namespace}desc")
        assert title is not None
        assert desc is not None
        assert title.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert "style" not in chart  # the content security policy allows no inline style
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids are unique on the page"
    # Beside the charts, tables a screen reader can use.
    for caption in ("Each indicator from", "by the step reached", "Per month"):
        assert re.search(rf"<caption>[^<]*{caption}", page), caption
    assert page.count('<th scope="col">') >= 5 + 3 + 1 + len(dashboard.TRENDS)
    assert "<details>" in page


async def test_the_funnel_and_the_trends_count_the_new_clients(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    today = clock.today()
    await sign_in(client, DEMO_USERS["coordinator"])
    month = today.replace(day=1).isoformat()
    path = f"/dashboard?from={month}&to={today.isoformat()}"
    before = (await client.get(path)).text
    await _add_candidates(sessions, 3)
    after = (await client.get(path)).text

    def funnel(page: str) -> tuple[int, int]:
        found = re.search(
            r'<th scope="row">Became a client</th><td>(\d+)</td>.*?'
            r'<th scope="row">Portfolio begun</th><td>(\d+)</td>',
            page,
            re.S,
        )
        assert found is not None
        return int(found[1]), int(found[2])

    def this_month(page: str) -> int:
        rows = re.findall(
            r'<tr><th scope="row">[^<]+</th><td>(\d+)</td>', page.split("The trends as a table")[1]
        )
        return int(rows[-1])

    assert funnel(after) == (funnel(before)[0] + 3, funnel(before)[1] + 3)
    assert this_month(after) == this_month(before) + 3
    assert _rows(after)["Long-term clients"][0] == _rows(before)["Long-term clients"][0] + 3


# --- Filters --------------------------------------------------------------------------------


async def test_the_filters_narrow_the_figures_and_keep_their_values(
    client: AsyncTestClient, sessions: Sessions, settings: Settings
) -> None:
    counsellor = await _counsellor_id(sessions)
    await sign_in(client, DEMO_USERS["coordinator"])
    query = f"from=2024-01-01&to=2026-06-30&counsellor={counsellor}&region=North+Savo&field=LOG"
    response = await client.get(f"/dashboard?{query}")
    assert response.status_code == 200
    page = response.text
    assert 'value="2024-01-01"' in page
    assert 'value="2026-06-30"' in page
    assert re.search(rf'<option value="{counsellor}" selected>', page)
    assert '<option value="North Savo" selected>' in page
    assert '<option value="LOG" selected>' in page
    assert "Only candidates of this selection are counted" in page
    assert "(not filtered)" in page
    filters = Filters(counsellor_id=counsellor, region="North Savo", field="LOG")
    async with sessions() as session:
        expected = await measure(
            session,
            scope=Scope(
                period=Period(datetime.date(2024, 1, 1), datetime.date(2026, 6, 30)),
                programme_start=settings.programme.reporting_start,
                filters=filters,
            ),
            programme=settings.programme,
        )
        everyone = await measure(
            session,
            scope=Scope(
                period=Period(datetime.date(2024, 1, 1), datetime.date(2026, 6, 30)),
                programme_start=settings.programme.reporting_start,
            ),
            programme=settings.programme,
        )
    rows = _rows(page)
    for m in expected:
        assert rows[m.indicator.name] == (m.period.value, m.cumulative.value)
    started = {m.indicator.key: m.period.value for m in expected}["candidates_started"]
    assert 0 < started < {m.indicator.key: m.period.value for m in everyone}["candidates_started"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("region=Atlantis", "region", "Choose one of the options."),
        ("region=North%00Savo", "region", "Choose one of the options."),
        ("field=NOPE", "field", "Choose one of the options."),
        ("field=LOG%00", "field", "Choose one of the options."),
        ("counsellor=99999999999999999999999", "counsellor", "Choose one of the options."),
        ("counsellor=2147483648", "counsellor", "Choose one of the options."),
        ("counsellor=%D9%A2", "counsellor", "Choose one of the options."),  # Arabic-Indic 2
        ("counsellor=-1", "counsellor", "Choose one of the options."),
        ("counsellor=6", "counsellor", "Choose one of the options."),  # a tutor, not offered
        ("from=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01", "from", "Enter a date"),  # ２０２６
        ("from=2026-01-01%00", "from", "Enter a date"),
        ("to=2026-02-30", "to", "Enter a date"),
        ("to=9999-12-31", "to", "Enter a date"),
        ("from=0001-01-01", "from", "Enter a date"),
        ("from=2026-06-01&to=2026-05-31", "to", "The end of the period cannot be before"),
    ],
)
async def test_bad_filters_get_a_message_beside_the_field(
    client: AsyncTestClient, query: str, field: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get(f"/dashboard?{query}")
    assert response.status_code == 400
    page = response.text
    assert re.search(rf'<p class="field-error" id="{field}-error">{message}', page), page
    assert f'id="{field}" name="{field}"' in page
    assert "Correct the filters to see the figures." in page
    assert "Indicators against targets" not in page


async def test_a_repeated_or_overlong_filter_is_read_once(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get("/dashboard?region=Kainuu&region=Atlantis")
    assert response.status_code == 200
    response = await client.get("/dashboard?field=" + "L" * 5000)
    assert response.status_code == 400


# --- The JSON API ---------------------------------------------------------------------------


async def test_the_indicators_api_says_what_the_dashboard_says(
    client: AsyncTestClient, sessions: Sessions, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["steering"])
    start = settings.programme.reporting_start
    answer = (await client.get("/api/indicators")).json()
    today = max(clock.today(), start)
    assert answer["period"] == {"from": start.isoformat(), "to": today.isoformat()}
    assert answer["cumulative_period"] == answer["period"]
    assert [row["key"] for row in answer["indicators"]] == [i.key for i in INDICATORS]
    first = answer["indicators"][0]
    assert set(first) == {
        "key",
        "name",
        "definition",
        "counts",
        "counted_by",
        "target",
        "target_setting",
        "value",
        "cumulative",
        "filters_apply",
    }
    assert (first["key"], first["target"], first["target_setting"]) == (
        "candidates_started",
        300,
        "ISOK_TARGET_CANDIDATES_STARTED",
    )
    by_key = {row["key"]: row for row in answer["indicators"]}
    assert by_key["long_term_clients"]["target"] is None  # none set
    assert by_key["partners_major_companies"]["cumulative"] == 5
    assert by_key["trainers_trained"]["filters_apply"] is False

    answer = (await client.get("/api/indicators?from=2024-01-01&to=2026-06-30")).json()
    async with sessions() as session:
        expected = await measure(
            session,
            scope=Scope(
                period=Period(datetime.date(2024, 1, 1), datetime.date(2026, 6, 30)),
                programme_start=start,
            ),
            programme=settings.programme,
        )
    assert [(row["value"], row["cumulative"]) for row in answer["indicators"]] == [
        (m.period.value, m.cumulative.value) for m in expected
    ]
    assert answer["cumulative_period"] == {"from": start.isoformat(), "to": "2026-06-30"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("from=2026-13-01", "from"),
        ("to=9999-12-31", "to"),
        ("from=0001-01-01&to=9999-12-31", "from"),
        ("to=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-01-01", "to"),
        ("from=2026-01-01%00", "from"),
        ("from=", "from"),
        ("from=2026-06-01&to=2026-05-31", "to"),
    ],
)
async def test_the_indicators_api_refuses_bad_dates_with_400(
    client: AsyncTestClient, query: str, field: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get(f"/api/indicators?{query}")
    assert response.status_code == 400
    detail: dict[str, Any] = response.json()["detail"]
    assert field in detail["errors"]
    assert detail["message"].startswith(f"{field}: ")


async def test_the_indicators_api_is_in_the_openapi_document(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"]["/api/indicators"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"from", "to"}


# --- Bounded reads ------------------------------------------------------------------------

# Beside the sign-in look-up: the counsellors and the fields offered, the indicators, the
# funnel and the trends (one statement each).
DASHBOARD_STATEMENTS = {"coordinator": 6, "steering": 5}


@pytest.mark.parametrize("role", sorted(DASHBOARD_STATEMENTS))
async def test_the_dashboard_reads_the_same_statements_however_many_candidates(
    client: AsyncTestClient, sessions: Sessions, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    paths = ["/dashboard", "/dashboard?from=2020-01-01&region=North+Savo&field=LOG"]
    before = [await statements_read(client, path) for path in paths]
    assert before == [DASHBOARD_STATEMENTS[role]] * 2
    await _add_candidates(sessions, 40)
    assert [await statements_read(client, path) for path in paths] == before
    assert await statements_read(client, "/api/indicators") == 2
