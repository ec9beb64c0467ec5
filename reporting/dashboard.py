"""The programme's dashboard: the indicators against their targets, the pathway as a funnel
and monthly trends, for a period and the filters asked for (docs/reporting.md, "Dashboard").

The coordinator's and the steering committee's home pages show it for the current reporting
period; ``/dashboard`` shows it for any period and filters. It shows totals only: no
candidate is named or linked. The steering committee filters by period, region and field;
the counsellor filter (which names staff) is the coordinator's.

Every figure comes from :mod:`reporting.indicators`; the page reads a fixed number of
statements whatever the number of candidates: the filters' choices (two), the indicators
(one), the funnel (one) and the trends (one).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from competences.models import Framework, FrameworkKind, label_in
from kit.forms import EARLIEST_DATE, LATEST_DATE, parse_date, parse_id
from kit.i18n import N_, current_locale, format_date, gettext
from kit.regions import REGIONS
from kit.roles import Role, Viewer
from kit.settings import ProgrammeSettings
from reporting import charts
from reporting.indicators import (
    ASSESSMENTS_COMPLETED,
    CERTIFICATES_ISSUED,
    CLAIMS,
    CLIENTS,
    COMPLETED_INTERVIEWS,
    INDICATORS,
    OUTCOMES,
    PLACEMENTS_STARTED,
    Filters,
    Measurement,
    Period,
    Scope,
    Series,
    Source,
    funnel,
    measure,
    monthly,
    months_ending,
    reporting_period,
)

MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
MONTHS_SHORT = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)

# The pathway's steps after becoming a client, each a source of candidates' records; a
# candidate has reached the step when it holds such a record dated by the period's end.
FUNNEL_STEPS: tuple[tuple[str, Source], ...] = (
    ("portfolio", CLAIMS),
    ("interview", COMPLETED_INTERVIEWS),
    ("placement", PLACEMENTS_STARTED),
    ("assessment", ASSESSMENTS_COMPLETED),
    ("certificate", CERTIFICATES_ISSUED),
    ("outcome", OUTCOMES),
)
STEP_LABELS = {
    "clients": N_("Became a client"),
    "portfolio": N_("Portfolio begun"),
    "interview": N_("Interviewed by a teacher"),
    "placement": N_("Placement begun"),
    "assessment": N_("Assessment signed"),
    "certificate": N_("Certificate issued"),
    "outcome": N_("Outcome recorded"),
}
TRENDS: tuple[tuple[str, Source], ...] = (
    ("clients", CLIENTS),
    ("placements", PLACEMENTS_STARTED),
    ("certificates", CERTIFICATES_ISSUED),
    ("outcomes", OUTCOMES),
)
TREND_LABELS = {
    "clients": N_("New clients"),
    "placements": N_("Placements started"),
    "certificates": N_("Certificates issued"),
    "outcomes": N_("Outcomes"),
}
TREND_MONTHS = 12

FIELDS = ("from", "to", "counsellor", "region", "field")
SHOWN_MAX = 100


def month_name(first_day: datetime.date) -> str:
    """ "November 2026", in the request's language."""
    return f"{gettext(MONTHS[first_day.month - 1])} {first_day.year}"


# --- The filter form ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the filters offer, as (value, label) pairs; no counsellors for the steering
    committee."""

    counsellors: list[tuple[str, str]]
    regions: list[tuple[str, str]]
    fields: list[tuple[str, str]]


_COUNSELLORS = (
    select(User.id, User.name)
    .where(User.role == Role.COUNSELLOR.value)
    .order_by(User.name, User.id)
)
_QUALIFICATIONS = (
    select(Framework.code, Framework.labels, Framework.field_labels)
    .where(Framework.kind == FrameworkKind.QUALIFICATION.value)
    .order_by(Framework.code)
)


def filters_counsellor(viewer: Viewer) -> bool:
    """Only the coordinator filters by counsellor (the steering committee sees no names)."""
    return viewer.role == Role.COORDINATOR


async def choices(session: AsyncSession, viewer: Viewer) -> Choices:
    counsellors: list[tuple[str, str]] = []
    if filters_counsellor(viewer):
        counsellors = [(str(row[0]), str(row[1])) for row in await session.execute(_COUNSELLORS)]
    locale = current_locale.get()
    fields = [
        (str(code), label_in(field_labels or labels, locale))
        for code, labels, field_labels in await session.execute(_QUALIFICATIONS)
    ]
    return Choices(
        counsellors=counsellors,
        regions=[(region, gettext(region)) for region in REGIONS],
        fields=fields,
    )


@dataclass
class Form:
    """The filters as typed (``values``), a message per wrong one (``errors``) and, when all
    are right, the :class:`Scope` they ask for."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    scope: Scope | None = None


def default_period(programme: ProgrammeSettings, today: datetime.date) -> Period:
    """The current reporting period, up to today."""
    current = reporting_period(today, programme.reporting_start)
    return Period(current.starts_on, min(current.ends_on, today))


def read_form(
    params: Mapping[str, Any],
    *,
    offered: Choices,
    programme: ProgrammeSettings,
    today: datetime.date,
    by_counsellor: bool,
) -> Form:
    """The filters in ``params`` (a query string), checked against what is ``offered``.

    An empty date means the current reporting period's (up to today). ``counsellor`` is read
    only when ``by_counsellor`` (others do not have that filter: it is left out, not refused).
    """
    values = {name: _text(params.get(name)) for name in FIELDS}
    if not by_counsellor:
        values["counsellor"] = ""
    errors: dict[str, str] = {}
    default = default_period(programme, today)
    date_message = gettext("Enter a date as YYYY-MM-DD, from %(earliest)s to %(latest)s.") % {
        "earliest": EARLIEST_DATE.isoformat(),
        "latest": LATEST_DATE.isoformat(),
    }
    starts_on = parse_date(values["from"]) if values["from"] else default.starts_on
    if starts_on is None:
        errors["from"] = date_message
    ends_on = parse_date(values["to"]) if values["to"] else default.ends_on
    if ends_on is None:
        errors["to"] = date_message
    if starts_on is not None and ends_on is not None and starts_on > ends_on:
        errors["to"] = gettext("The end of the period cannot be before its start.")
    counsellor_id = None
    if values["counsellor"]:
        counsellor_id = parse_id(values["counsellor"])
        if counsellor_id is None or values["counsellor"] not in dict(offered.counsellors):
            errors["counsellor"] = gettext("Choose one of the options.")
    if values["region"] and values["region"] not in dict(offered.regions):
        errors["region"] = gettext("Choose one of the options.")
    if values["field"] and values["field"] not in dict(offered.fields):
        errors["field"] = gettext("Choose one of the options.")
    # What is shown again in the form: no more than a field of ours can hold.
    form = Form(values={name: value[:SHOWN_MAX] for name, value in values.items()}, errors=errors)
    if starts_on is not None and ends_on is not None and not errors:
        form.scope = Scope(
            period=Period(starts_on, ends_on),
            programme_start=programme.reporting_start,
            filters=Filters(
                counsellor_id=counsellor_id,
                region=values["region"] or None,
                field=values["field"] or None,
            ),
        )
        form.values["from"], form.values["to"] = starts_on.isoformat(), ends_on.isoformat()
    return form


def _text(value: Any) -> str:
    """A query value as text: the first when repeated, trimmed."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


# --- The dashboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    count: int
    percent: int | None  # of the cohort (None: no one became a client)


@dataclass(frozen=True)
class Trend:
    key: str
    label: str
    series: Series
    chart: Markup


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows, translated for the request's language."""

    scope: Scope
    measurements: list[Measurement]
    progress_chart: Markup
    steps: list[Step]
    funnel_chart: Markup
    months: list[tuple[str, str]]  # (short, full) names, oldest first
    trends: list[Trend]
    filter_summary: list[str]


async def build(
    session: AsyncSession,
    *,
    scope: Scope,
    programme: ProgrammeSettings,
    offered: Choices,
) -> Dashboard:
    """The dashboard for ``scope``; ``offered`` names the chosen counsellor and field."""
    period = scope.period
    measurements = await measure(session, scope=scope, programme=programme)
    reached = await funnel(session, period=period, steps=FUNNEL_STEPS, filters=scope.filters)
    months = months_ending(period.ends_on, TREND_MONTHS)
    series = await monthly(session, sources=TRENDS, months=months, filters=scope.filters)
    cohort = reached["clients"]
    steps = [
        Step(
            key=key,
            label=gettext(STEP_LABELS[key]),
            count=count,
            percent=round(100 * count / cohort) if cohort else None,
        )
        for key, count in reached.items()
    ]
    month_names = [(f"{gettext(MONTHS_SHORT[m.month - 1])}", month_name(m)) for m in months]
    return Dashboard(
        scope=scope,
        measurements=measurements,
        progress_chart=_progress_chart(measurements),
        steps=steps,
        funnel_chart=charts.funnel(
            "chart-funnel",
            gettext("The pathway"),
            gettext(
                "Of the candidates who became clients from %(from)s to %(to)s, how many had "
                "reached each step by %(to)s."
            )
            % {"from": format_date(period.starts_on), "to": format_date(period.ends_on)},
            [charts.Bar(step.label, step.count, _count_and_share(step)) for step in steps],
        ),
        months=month_names,
        trends=[
            Trend(
                key=line.key,
                label=gettext(TREND_LABELS[line.key]),
                series=line,
                chart=charts.columns(
                    f"chart-trend-{line.key}",
                    gettext(TREND_LABELS[line.key]),
                    gettext("Per month, from %(first)s to %(last)s.")
                    % {"first": month_names[0][1], "last": month_names[-1][1]},
                    [
                        charts.Bar(short, value, str(value))
                        for (short, _), value in zip(month_names, line.values, strict=True)
                    ],
                ),
            )
            for line in series
        ],
        filter_summary=_summary(scope.filters, offered),
    )


def _count_and_share(step: Step) -> str:
    if step.percent is None or step.key == "clients":
        return str(step.count)
    return gettext("%(count)d (%(percent)d%%)") % {"count": step.count, "percent": step.percent}


def percent_text(percent: int) -> str:
    return gettext("%(percent)d%%") % {"percent": percent}


def _progress_chart(measurements: list[Measurement]) -> Markup:
    with_target = [m for m in measurements if m.target]
    return charts.progress(
        "chart-progress",
        gettext("Progress against targets"),
        gettext(
            "For each indicator with a target, the share of the target reached since the "
            "programme began."
        ),
        [
            charts.Bar(
                gettext(m.indicator.name),
                float(m.percent or 0),
                f"{m.cumulative.value} / {m.target} ({percent_text(m.percent or 0)})",
            )
            for m in with_target
        ],
    )


def _summary(filters: Filters, offered: Choices) -> list[str]:
    """The filters in force, in words."""
    said = []
    if filters.counsellor_id is not None:
        said.append(
            gettext("counsellor: %(name)s")
            % {"name": dict(offered.counsellors).get(str(filters.counsellor_id), "")}
        )
    if filters.region is not None:
        said.append(gettext("region: %(region)s") % {"region": gettext(filters.region)})
    if filters.field is not None:
        said.append(
            gettext("field: %(field)s")
            % {"field": dict(offered.fields).get(filters.field, filters.field)}
        )
    return said


@dataclass(frozen=True)
class Page:
    """The dashboard's template context and status: 400 with the messages when a filter is
    wrong (and no figures)."""

    context: dict[str, Any]
    status: int


async def page(
    session: AsyncSession,
    *,
    params: Mapping[str, Any],
    viewer: Viewer,
    programme: ProgrammeSettings,
    today: datetime.date,
) -> Page:
    """What the dashboard shows for the query ``params``, as the template wants it."""
    offered = await choices(session, viewer)
    form = read_form(
        params,
        offered=offered,
        programme=programme,
        today=today,
        by_counsellor=filters_counsellor(viewer),
    )
    context: dict[str, Any] = {
        "form": form,
        "values": form.values,
        "errors": form.errors,
        "choices": offered,
        "programme": programme,
        "percent_text": percent_text,
        "indicators": INDICATORS,
        "dashboard": None,
    }
    if form.scope is None:
        return Page(context, 400)
    context["dashboard"] = await build(
        session, scope=form.scope, programme=programme, offered=offered
    )
    return Page(context, 200)
