"""The six-monthly reports as JSON (CONTRACTS.md): ``GET /api/reports`` and
``GET /api/reports/{id}``, for the coordinator and the steering committee.

The list holds every report (drafts too: the steering committee learns that a draft is in
progress). One report: a frozen report's stored snapshot, never recomputed; a draft's
figures computed now, marked ``"live": true``. The steering committee reads frozen reports
only (a draft answers 404 to it), and the ids of the records behind the figures are the
coordinator's (``null`` for the steering committee, and for a draft, whose figures are
counted without them). An unknown id, or one that is not an id, answers 404. The shape is
documented in docs/reporting.md ("Six-monthly reports").
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from kit.i18n import gettext
from kit.roles import Viewer
from kit.settings import ProgrammeSettings
from reporting import reports
from reporting.indicators import Period
from reporting.models import Report
from reporting.reports import Figures, Row


class ReportPeriodOut(msgspec.Struct, rename={"starts_on": "from", "ends_on": "to"}):
    starts_on: datetime.date
    ends_on: datetime.date


class ReportSummaryOut(msgspec.Struct):
    id: int
    period: ReportPeriodOut
    status: str  # "draft" or "frozen"
    frozen_at: datetime.datetime | None
    page: str


class IdsOut(msgspec.Struct):
    period: list[int]
    cumulative: list[int]


class CorrectionOut(msgspec.Struct):
    published: int
    now: int
    difference: int
    # The coordinator's; null for the steering committee or when the earlier report kept none.
    added: list[int] | None
    removed: list[int] | None


class ReportIndicatorOut(msgspec.Struct):
    key: str
    name: str
    definition: str
    counts: str
    counted_by: str
    target: int | None
    target_setting: str | None
    value: int
    cumulative: int
    previous_value: int | None
    change: int | None
    correction: CorrectionOut | None
    ids: IdsOut | None


class CorrectedOut(msgspec.Struct):
    report_id: int
    period: ReportPeriodOut
    frozen_at: datetime.datetime


class ParticipantsOut(msgspec.Struct):
    entered: ReportPeriodOut
    # As shown: "12", "0", "<5"; each indicator's answers, or null when withheld.
    participants: str
    indicators: dict[str, dict[str, str] | None]


class TextOut(msgspec.Struct):
    achievements: str
    empowerment: str
    problems: str
    next_steps: str


class ReportOut(msgspec.Struct):
    id: int
    period: ReportPeriodOut
    status: str
    live: bool  # true: a draft, computed now; false: the frozen snapshot
    computed_at: datetime.datetime
    frozen_at: datetime.datetime | None
    frozen_by: str | None
    programme_start: datetime.date
    previous_period: ReportPeriodOut | None
    previous_source: str | None  # "frozen" or "computed"
    corrected_report: CorrectedOut | None
    indicators: list[ReportIndicatorOut]
    participants: ParticipantsOut
    text: TextOut


def _period(period: Period) -> ReportPeriodOut:
    return ReportPeriodOut(period.starts_on, period.ends_on)


def _summary(report: Report) -> ReportSummaryOut:
    return ReportSummaryOut(
        id=report.id,
        period=ReportPeriodOut(report.period_starts_on, report.period_ends_on),
        status=report.status,
        frozen_at=report.frozen_at,
        page=f"/reports/{report.period_starts_on.isoformat()}",
    )


def _listed(values: tuple[int, ...] | None, show: bool) -> list[int] | None:
    return list(values) if show and values is not None else None


def _indicator(row: Row, *, show_ids: bool) -> ReportIndicatorOut:
    correction = row.correction
    ids = (
        IdsOut(list(row.period_ids), list(row.cumulative_ids))
        if show_ids and row.period_ids is not None and row.cumulative_ids is not None
        else None
    )
    return ReportIndicatorOut(
        key=row.key,
        name=gettext(row.name),
        definition=gettext(row.definition) if row.definition else "",
        counts=gettext(row.counts) if row.counts else "",
        counted_by=gettext(row.dated_by) if row.dated_by else "",
        target=row.target or None,
        target_setting=row.target_setting,
        value=row.period,
        cumulative=row.cumulative,
        previous_value=row.previous,
        change=row.change,
        correction=None
        if correction is None
        else CorrectionOut(
            published=correction.published,
            now=correction.now,
            difference=correction.difference,
            added=_listed(correction.added, show_ids),
            removed=_listed(correction.removed, show_ids),
        ),
        ids=ids,
    )


def _participants(figures: Figures) -> ParticipantsOut:
    stored = figures.participants.get("indicators") or {}
    return ParticipantsOut(
        entered=_period(figures.period),
        participants=reports.participant_count(figures),
        indicators={
            str(name): None if cells is None else {str(k): str(v) for k, v in cells.items()}
            for name, cells in stored.items()
        },
    )


class ReportApi(Controller):
    path = "/api/reports"
    tags = ["reporting"]  # noqa: RUF012

    @get("/")
    async def list_reports(
        self, db_session: NamedDependency[AsyncSession]
    ) -> list[ReportSummaryOut]:
        """Every report, the newest period first: drafts and frozen reports."""
        return [_summary(report) for report in await reports.all_reports(db_session)]

    @get("/{report_id:int}")
    async def get_report(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        report_id: FromPath[int],
    ) -> ReportOut:
        """One report's figures: the frozen snapshot, or a draft's computed now (``live``)."""
        report = await reports.report_by_id(db_session, report_id)
        if report is None or not (viewer.is_coordinator or report.is_frozen):
            raise NotFoundException(detail=gettext("No such report."))
        programme: ProgrammeSettings = request.app.state.settings.programme
        period = Period(report.period_starts_on, report.period_ends_on)
        shown = await reports.shown(db_session, period=period, programme=programme, report=report)
        figures = shown.figures
        corrected = figures.corrected
        return ReportOut(
            id=report.id,
            period=_period(period),
            status=report.status,
            live=not shown.frozen,
            computed_at=figures.computed_at,
            frozen_at=report.frozen_at,
            frozen_by=report.frozen_by_name or None,
            programme_start=figures.programme_start,
            previous_period=None
            if figures.previous_period is None
            else _period(figures.previous_period),
            previous_source=figures.previous_source,
            corrected_report=None
            if corrected is None
            else CorrectedOut(corrected.report_id, _period(corrected.period), corrected.frozen_at),
            indicators=[_indicator(row, show_ids=viewer.is_coordinator) for row in figures.rows],
            participants=_participants(figures),
            text=TextOut(**shown.text),
        )
