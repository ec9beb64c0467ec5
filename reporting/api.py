"""The indicators as JSON (CONTRACTS.md): ``GET /api/indicators?from=&to=``, for the
coordinator and the steering committee.

``from`` and ``to`` are ISO dates (both days included), from 1900-01-01 to 2100-12-31; by
default from the programme's start (``ISOK_REPORTING_START``) to today. A wrong date, or
``from`` after ``to``, answers 400 ``{"detail": {"message": ..., "errors": {...}}}``. The
shape is documented in docs/reporting.md ("Indicators").
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.forms import EARLIEST_DATE, LATEST_DATE, parse_date
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.settings import ProgrammeSettings
from reporting.indicators import Period, Scope, measure


class PeriodOut(msgspec.Struct, rename={"starts_on": "from", "ends_on": "to"}):
    starts_on: str
    ends_on: str


class IndicatorOut(msgspec.Struct):
    key: str
    name: str
    definition: str
    counts: str
    counted_by: str
    # None when the programme set no target (the setting is 0 or there is none).
    target: int | None
    target_setting: str | None
    value: int
    cumulative: int
    filters_apply: bool


class IndicatorsOut(msgspec.Struct):
    period: PeriodOut
    cumulative_period: PeriodOut
    indicators: list[IndicatorOut]


def _period(raw_from: str | None, raw_to: str | None, programme: ProgrammeSettings) -> Period:
    today = clock.today()
    message = gettext("Give a date as YYYY-MM-DD, from %(earliest)s to %(latest)s.") % {
        "earliest": EARLIEST_DATE.isoformat(),
        "latest": LATEST_DATE.isoformat(),
    }
    errors: dict[str, str] = {}
    starts_on = programme.reporting_start if raw_from is None else parse_date(raw_from)
    if starts_on is None:
        errors["from"] = message
    ends_on = max(today, programme.reporting_start) if raw_to is None else parse_date(raw_to)
    if ends_on is None:
        errors["to"] = message
    if errors:
        raise Invalid(errors)
    assert starts_on is not None
    assert ends_on is not None
    if starts_on > ends_on:
        raise Invalid.of("to", gettext("The end of the period cannot be before its start."))
    return Period(starts_on, ends_on)


class IndicatorApi(Controller):
    path = "/api/indicators"
    tags = ["reporting"]  # noqa: RUF012

    @get("/")
    async def list_indicators(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        from_: Annotated[str | None, QueryParameter(name="from")] = None,
        to: Annotated[str | None, QueryParameter(name="to")] = None,
    ) -> IndicatorsOut:
        """Every indicator for the period ``from``-``to`` and cumulatively from the
        programme's start to ``to``, with its definition and target."""
        programme: ProgrammeSettings = request.app.state.settings.programme
        period = _period(from_, to, programme)
        found = await measure(
            db_session,
            scope=Scope(period=period, programme_start=programme.reporting_start),
            programme=programme,
        )
        return IndicatorsOut(
            period=PeriodOut(period.starts_on.isoformat(), period.ends_on.isoformat()),
            cumulative_period=PeriodOut(
                programme.reporting_start.isoformat(), period.ends_on.isoformat()
            ),
            indicators=[
                IndicatorOut(
                    key=m.indicator.key,
                    name=gettext(m.indicator.name),
                    definition=gettext(m.indicator.definition),
                    counts=gettext(m.indicator.counts),
                    counted_by=gettext(m.indicator.dated_by),
                    target=m.target or None,
                    target_setting=m.indicator.target_variable,
                    value=m.period.value,
                    cumulative=m.cumulative.value,
                    filters_apply=m.indicator.by_candidate,
                )
                for m in found
            ],
        )
