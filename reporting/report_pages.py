"""The six-monthly reports' pages: the list of periods, a period's report (the draft with its
form, or the frozen report), the freezing confirmation and the exports (CSV, XLSX, PDF).

A report's address is its period's first day, ``/reports/2026-01-01``: a period without a
draft is reachable too (its figures are computed, and the coordinator's first save creates
the draft). Who may use each route is in ``portal/policy.py``: the coordinator reads and
writes; the steering committee reads frozen reports and their exports (a draft answers 404
to it, and the list says that a draft is in progress). The rules live in
:mod:`reporting.reports`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
)
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.flash import redirect_with
from kit.i18n import format_date, gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from kit.settings import ProgrammeSettings
from kit.spreadsheets import MEDIA_TYPE as CSV_MEDIA_TYPE
from reporting import report_exports, reports
from reporting.dashboard import percent_text
from reporting.indicators import INDICATORS, Period
from reporting.reports import SECTION_NAMES, SECTIONS, Shown

PAGE = "/reports"


def _programme(request: Request[Any, Any, Any]) -> ProgrammeSettings:
    programme: ProgrammeSettings = request.app.state.settings.programme
    return programme


async def provide_period(request: Request[Any, Any, Any], period_start: FromPath[str]) -> Period:
    """The ``period`` dependency: the reporting period the path names by its first day, or
    400 saying why there is none (not a date, not a period's first day, not begun)."""
    return reports.period_starting(
        period_start, programme_start=_programme(request).reporting_start, today=clock.today()
    )


def _address(period: Period) -> str:
    return f"{PAGE}/{period.starts_on.isoformat()}"


def _attachment(body: bytes, media_type: str, filename: str) -> Response[Any]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _may_read(viewer: Viewer, shown: Shown) -> bool:
    """The coordinator reads every report; the steering committee reads frozen ones."""
    return viewer.is_coordinator or shown.frozen


def _not_frozen_yet(period: Period) -> Template:
    return Template(
        template_name="portal/error.html",
        status_code=HTTP_404_NOT_FOUND,
        context={
            "status": HTTP_404_NOT_FOUND,
            "title": gettext("This report is not frozen yet"),
            "explanation": gettext(
                "The steering committee reads a report once the coordinator has frozen it. "
                "The report for %(from)s to %(to)s is not frozen yet."
            )
            % {"from": format_date(period.starts_on), "to": format_date(period.ends_on)},
        },
    )


def _common(shown: Shown) -> dict[str, Any]:
    """What the page and the print document both show (``_report_body.html``)."""
    figures = shown.figures
    return {
        "shown": shown,
        "figures": figures,
        "lines": report_exports.lines(figures),
        "title": report_exports.title(shown),
        "status_text": report_exports.status_text(shown),
        "previous_text": report_exports.previous_text(figures),
        "corrections_text": report_exports.corrections_text(figures),
        "progress_chart": report_exports.progress_chart(figures),
        "participant_tables": reports.participant_tables(figures),
        "participant_count": reports.participant_count(figures),
        "sections": [
            {"name": section.name, "label": gettext(section.label), "hint": gettext(section.hint)}
            for section in SECTIONS
        ],
        "paragraphs": report_exports.paragraphs,
        "signed": report_exports.signed,
        "shortened": report_exports.shortened,
        "percent_text": percent_text,
    }


def _page(
    viewer: Viewer,
    shown: Shown,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    today = clock.today()
    can_write = viewer.is_coordinator and not shown.frozen
    ended = reports.has_ended(shown.period, today)
    return Template(
        template_name="reporting/report.html",
        status_code=status,
        context={
            **_common(shown),
            "address": _address(shown.period),
            "values": values if values is not None else shown.text,
            "errors": errors or {},
            "message": message,
            "is_coordinator": viewer.is_coordinator,
            "can_write": can_write,
            "show_text": not can_write,
            "show_ids": viewer.is_coordinator,
            "ended": ended,
            "freezable_from": reports.freezable_from(shown.period),
            "may_freeze": can_write and shown.report is not None and ended,
            "printable": False,
            "indicators": INDICATORS,
        },
    )


def _freeze_page(
    period: Period, report: Any, *, message: str = "", status: int = HTTP_200_OK
) -> Template:
    today = clock.today()
    return Template(
        template_name="reporting/report_freeze.html",
        status_code=status,
        context={
            "period": period,
            "report": report,
            "address": _address(period),
            "ended": reports.has_ended(period, today),
            "freezable_from": reports.freezable_from(period),
            "empty_sections": [
                gettext(section.label)
                for section in SECTIONS
                if report is not None and not getattr(report, section.name)
            ],
            "message": message,
        },
    )


def _document(request: Request[Any, Any, Any], shown: Shown) -> str:
    """The report's print document (what the PDF is made from), in the request's language."""
    engine = request.app.template_engine
    assert engine is not None
    now = clock.now()
    context = {
        **_common(shown),
        # The moment of printing: for the document's metadata, and as the reader sees it.
        "generated": report_exports.local_time(now),
        "generated_at": now,
        "show_text": True,
        "show_ids": False,
        "printable": True,
        "indicators": INDICATORS,
    }
    html: str = engine.get_template("reporting/report_document.html").render(**context)
    return html


class ReportPages(Controller):
    path = PAGE
    include_in_schema = False
    dependencies = {"period": Provide(provide_period)}  # noqa: RUF012

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        """Every period from the programme's first to the current one, with its report."""
        programme = _programme(request)
        today = clock.today()
        return Template(
            template_name="reporting/reports.html",
            context={
                "listed": await reports.listing(db_session, programme=programme, today=today),
                "programme_start": programme.reporting_start,
                "today": today,
                "is_coordinator": viewer.is_coordinator,
            },
        )

    @get("/{period_start:str}")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        period: NamedDependency[Period],
    ) -> Template:
        shown = await reports.shown(db_session, period=period, programme=_programme(request))
        if not _may_read(viewer, shown):
            return _not_frozen_yet(period)
        return _page(viewer, shown)

    @post("/{period_start:str}", status_code=HTTP_200_OK)
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        period: NamedDependency[Period],
    ) -> Response[Any]:
        """Save the qualitative part of the draft (the first save creates it)."""
        form = await request.form()
        values = {name: _first(form.get(name)) for name in SECTION_NAMES}
        programme = _programme(request)
        try:
            await reports.save_draft(db_session, viewer=viewer, period=period, values=values)
        except Invalid as invalid:
            shown = await reports.shown(db_session, period=period, programme=programme)
            if shown.frozen:
                return _page(viewer, shown, message=_frozen_message(), status=HTTP_409_CONFLICT)
            errors = {
                name: invalid.errors[name] for name in SECTION_NAMES if name in invalid.errors
            }
            return _page(viewer, shown, values=values, errors=errors, status=HTTP_400_BAD_REQUEST)
        except reports.AlreadyFrozen:
            shown = await reports.shown(db_session, period=period, programme=programme)
            return _page(viewer, shown, message=_frozen_message(), status=HTTP_409_CONFLICT)
        return redirect_with(
            request, f"{_address(period)}#text", gettext("The draft of the report was saved.")
        )

    @get("/{period_start:str}/freeze")
    async def confirm_freeze(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        period: NamedDependency[Period],
    ) -> Response[Any]:
        """The confirmation step before freezing."""
        report = await reports.report_for(db_session, period)
        if report is not None and report.is_frozen:
            return redirect_with(
                request, _address(period), gettext("This report is already frozen."), "info"
            )
        return _freeze_page(period, report)

    @post("/{period_start:str}/freeze", status_code=HTTP_200_OK)
    async def freeze(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        period: NamedDependency[Period],
    ) -> Response[Any]:
        """Freeze the report: once, for good, only after the period's last day."""
        try:
            await reports.freeze(
                db_session,
                viewer=viewer,
                period=period,
                programme=_programme(request),
                today=clock.today(),
            )
        except reports.AlreadyFrozen:
            return redirect_with(
                request, _address(period), gettext("This report is already frozen."), "info"
            )
        except reports.NoDraft:
            return _freeze_page(
                period,
                None,
                message=gettext("Save a draft of the report first: then it can be frozen."),
                status=HTTP_409_CONFLICT,
            )
        except reports.NotEnded:
            report = await reports.report_for(db_session, period)
            return _freeze_page(
                period,
                report,
                message=gettext(
                    "The period is not over: the report can be frozen from %(day)s, the day "
                    "after the period's last day."
                )
                % {"day": format_date(reports.freezable_from(period))},
                status=HTTP_409_CONFLICT,
            )
        return redirect_with(
            request,
            _address(period),
            gettext(
                "The report was frozen. Its figures and text will not change; later changes to "
                "the data show as corrections in the next period's report."
            ),
        )

    @get("/{period_start:str}/report.csv")
    async def csv_export(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        period: NamedDependency[Period],
    ) -> Response[Any]:
        shown = await reports.shown(db_session, period=period, programme=_programme(request))
        if not _may_read(viewer, shown):
            return _not_frozen_yet(period)
        body = report_exports.csv_file(shown, generated=clock.now())
        return _attachment(body, CSV_MEDIA_TYPE, report_exports.filename(shown, "csv"))

    @get("/{period_start:str}/report.xlsx")
    async def xlsx_export(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        period: NamedDependency[Period],
    ) -> Response[Any]:
        shown = await reports.shown(db_session, period=period, programme=_programme(request))
        if not _may_read(viewer, shown):
            return _not_frozen_yet(period)
        body = report_exports.xlsx_file(shown, generated=clock.now())
        return _attachment(
            body, report_exports.XLSX_MEDIA_TYPE, report_exports.filename(shown, "xlsx")
        )

    @get("/{period_start:str}/report.pdf")
    async def pdf_export(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        period: NamedDependency[Period],
    ) -> Response[Any]:
        """The report as an A4 PDF for the steering committee, rendered in a worker thread."""
        from reporting.report_pdf import render_pdf

        shown = await reports.shown(db_session, period=period, programme=_programme(request))
        if not _may_read(viewer, shown):
            return _not_frozen_yet(period)
        html = _document(request, shown)
        body: bytes = await anyio.to_thread.run_sync(render_pdf, html)
        return _attachment(body, "application/pdf", report_exports.filename(shown, "pdf"))


def _first(value: Any) -> str:
    """A form value as text: the first when repeated."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _frozen_message() -> str:
    return gettext(
        "This report is frozen: its text and figures can no longer be changed. Later changes "
        "belong in the next period's report."
    )
