"""What a six-monthly report shows, in the page's words, and its exports: CSV and XLSX here,
the PDF through :mod:`reporting.report_pdf` (WeasyPrint is loaded only there).

Everything is drawn from a :class:`~reporting.reports.Shown`: for a frozen report, its
snapshot alone, so a frozen report's exports say the same thing every time they are made
(only the "generated" moment differs). Texts are in the request's language.

- **CSV** (:func:`csv_file`): :mod:`kit.spreadsheets` (a byte-order mark, semicolons, free
  text that cannot run as a formula), in four blocks one under the other: the report, the
  figures, the participants, the qualitative part.
- **XLSX** (:func:`xlsx_file`, XlsxWriter): a sheet of figures (numbers as numbers), a sheet
  of the qualitative part and a sheet of the participant aggregates (strings as shown: "<5"
  is not a number).

The record ids behind the figures are not in the exports: they stay in the snapshot, for
the coordinator (the API and the page).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import xlsxwriter
from markupsafe import Markup

from kit.clock import PROGRAMME_TIMEZONE
from kit.i18n import N_, format_date, format_datetime, gettext
from kit.spreadsheets import csv_bytes, spreadsheet_safe
from reporting import charts
from reporting.dashboard import percent_text
from reporting.models import ReportStatus
from reporting.reports import (
    COMPUTED,
    SECTIONS,
    Figures,
    Shown,
    participant_count,
    participant_tables,
)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURE_COLUMNS = (
    N_("Key"),
    N_("Indicator"),
    N_("In the period"),
    N_("Previous period"),
    N_("Change"),
    N_("Since the programme began"),
    N_("Target"),
    N_("Reached (%)"),
    N_("Correction to earlier periods"),
)


def local_time(moment: datetime.datetime) -> str:
    """A moment in the programme's time, to the minute, as the exports' fields write it:
    ``2026-07-02 14:05``. Pages and the print document write moments with
    :func:`kit.i18n.format_datetime` instead."""
    return moment.astimezone(PROGRAMME_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def signed(number: int) -> str:
    """``+1``, ``-2``, ``0``."""
    return f"{number:+d}" if number else "0"


def paragraphs(text: str) -> list[list[str]]:
    """Plain text as paragraphs (split at blank lines) of lines, for a template."""
    blocks = [block.strip("\n") for block in text.split("\n\n")]
    return [block.split("\n") for block in blocks if block.strip()]


IDS_SHOWN = 50


def shortened(ids: Sequence[int]) -> str:
    """Record ids for the page: the first :data:`IDS_SHOWN`, then how many more (the API
    gives them all)."""
    shown = ", ".join(str(value) for value in ids[:IDS_SHOWN])
    if len(ids) <= IDS_SHOWN:
        return shown
    return gettext("%(ids)s and %(count)d more") % {"ids": shown, "count": len(ids) - IDS_SHOWN}


def title(shown: Shown, *, day: Callable[[datetime.date], str] = format_date) -> str:
    """The report's title; its days written the page's way, or as ``day`` writes them (the
    exports' fields: ISO)."""
    return gettext("Six-monthly report %(from)s to %(to)s") % {
        "from": day(shown.period.starts_on),
        "to": day(shown.period.ends_on),
    }


def status_text(shown: Shown) -> str:
    """The status as a line: frozen when and by whom, or a draft computed when."""
    if shown.frozen and shown.report is not None and shown.report.frozen_at is not None:
        return gettext("Frozen on %(moment)s by %(name)s.") % {
            "moment": format_datetime(shown.report.frozen_at),
            "name": shown.report.frozen_by_name,
        }
    return gettext(
        "DRAFT: the figures were computed on %(moment)s and change with the data until the "
        "report is frozen."
    ) % {"moment": format_datetime(shown.figures.computed_at)}


def previous_text(figures: Figures) -> str:
    """Where the previous period's figures come from (empty for the first period)."""
    if figures.previous_period is None:
        return ""
    values = {
        "from": format_date(figures.previous_period.starts_on),
        "to": format_date(figures.previous_period.ends_on),
    }
    if figures.previous_source == COMPUTED:
        return (
            gettext(
                "The previous period (%(from)s to %(to)s) is computed now: its report is not "
                "frozen."
            )
            % values
        )
    return gettext("The previous period (%(from)s to %(to)s) as its report was frozen.") % values


def corrections_text(figures: Figures) -> str:
    """What the corrections column compares (empty when no earlier report is frozen)."""
    corrected = figures.corrected
    if corrected is None:
        return ""
    return gettext(
        "Corrections to earlier periods: the cumulative figures of the report for %(from)s to "
        "%(to)s, frozen on %(moment)s, against the same figures recomputed on %(computed)s. "
        "A difference means that data of those periods changed after the report was frozen "
        "(recorded late, corrected or removed)."
    ) % {
        "from": format_date(corrected.period.starts_on),
        "to": format_date(corrected.period.ends_on),
        "moment": format_datetime(corrected.frozen_at),
        "computed": format_datetime(figures.computed_at),
    }


def progress_chart(figures: Figures, key: str = "report-progress") -> Markup:
    """Each indicator with a target: the share reached by the period's end."""
    bars = [
        charts.Bar(
            gettext(row.name),
            float(row.percent or 0),
            f"{row.cumulative} / {row.target} ({percent_text(row.percent or 0)})",
        )
        for row in figures.rows
        if row.target
    ]
    return charts.progress(
        key,
        gettext("Progress against targets"),
        gettext(
            "For each indicator with a target, the share of the target reached from the "
            "programme's start to %(to)s."
        )
        % {"to": format_date(figures.period.ends_on)},
        bars,
    )


@dataclass(frozen=True)
class Line:
    """A figures row as the table and the exports write it (translated)."""

    key: str
    name: str
    period: int
    previous: int | None
    change: int | None
    cumulative: int
    target: int | None
    percent: int | None
    correction: int | None


def lines(figures: Figures) -> list[Line]:
    return [
        Line(
            key=row.key,
            name=gettext(row.name),
            period=row.period,
            previous=row.previous,
            change=row.change,
            cumulative=row.cumulative,
            target=row.target or None,
            percent=row.percent,
            correction=row.correction.difference if row.correction is not None else None,
        )
        for row in figures.rows
    ]


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _about(shown: Shown, generated: datetime.datetime) -> list[tuple[str, str]]:
    """The report's particulars as (label, value) pairs, for the top of the exports."""
    report = shown.report
    pairs = [
        (gettext("Report"), title(shown, day=datetime.date.isoformat)),
        (gettext("Period from"), shown.period.starts_on.isoformat()),
        (gettext("Period to"), shown.period.ends_on.isoformat()),
        (gettext("Status"), gettext(shown.status.label)),
        (gettext("Figures computed"), local_time(shown.figures.computed_at)),
    ]
    if shown.frozen and report is not None and report.frozen_at is not None:
        pairs.append((gettext("Frozen"), local_time(report.frozen_at)))
        pairs.append((gettext("Frozen by"), report.frozen_by_name))
    pairs.append((gettext("Generated"), local_time(generated)))
    pairs.append((gettext("Cumulative figures from"), shown.figures.programme_start.isoformat()))
    return pairs


# --- CSV --------------------------------------------------------------------------------


def _csv_rows(shown: Shown, generated: datetime.datetime) -> Iterator[list[str]]:
    about = _about(shown, generated)
    yield [label for label, _ in about]
    yield [spreadsheet_safe(value) for _, value in about]
    yield []
    yield [gettext(column) for column in FIGURE_COLUMNS]
    for line in lines(shown.figures):
        yield [
            line.key,
            spreadsheet_safe(line.name),
            str(line.period),
            _text(line.previous),
            _text(line.change),
            str(line.cumulative),
            _text(line.target),
            _text(line.percent),
            _text(line.correction),
        ]
    yield []
    yield [
        gettext("Participant indicator"),
        gettext("Value"),
        gettext("Participants who became clients in the period"),
    ]
    yield [gettext("Participants"), "", participant_count(shown.figures)]
    for table in participant_tables(shown.figures):
        if table.withheld:
            yield [spreadsheet_safe(table.label), "", gettext("withheld")]
        for cell in table.cells:
            yield [spreadsheet_safe(table.label), spreadsheet_safe(cell.label), cell.shown]
    yield []
    yield [gettext("Part of the report"), gettext("Text")]
    for section in SECTIONS:
        yield [gettext(section.label), spreadsheet_safe(shown.text.get(section.name, ""))]


def csv_file(shown: Shown, *, generated: datetime.datetime) -> bytes:
    """The report as one CSV file for a spreadsheet set up for Finland."""
    return csv_bytes(_csv_rows(shown, generated))


# --- XLSX -------------------------------------------------------------------------------


def xlsx_file(shown: Shown, *, generated: datetime.datetime) -> bytes:
    """The report as an XLSX workbook: figures, qualitative part, participants."""
    buffer = io.BytesIO()
    # Text is written as text: nothing typed into a report becomes a formula or a link.
    workbook = xlsxwriter.Workbook(
        buffer,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    workbook.set_properties(
        {
            "title": title(shown, day=datetime.date.isoformat),
            "subject": gettext(shown.status.label),
            "author": "ISOK",
        }
    )
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    heading = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})

    figures = workbook.add_worksheet(gettext("Figures")[:31])
    row = 0
    for label, value in _about(shown, generated):
        figures.write_string(row, 0, label, bold)
        figures.write_string(row, 1, value)
        row += 1
    if not shown.frozen:
        figures.write_string(row, 0, gettext("DRAFT"), bold)
        row += 1
    row += 1
    for column, heading_text in enumerate(FIGURE_COLUMNS):
        figures.write_string(row, column, gettext(heading_text), heading)
    first = row + 1
    for offset, line in enumerate(lines(shown.figures)):
        at = first + offset
        figures.write_string(at, 0, line.key)
        figures.write_string(at, 1, line.name)
        for column, number in enumerate(
            (
                line.period,
                line.previous,
                line.change,
                line.cumulative,
                line.target,
                line.percent,
                line.correction,
            ),
            start=2,
        ):
            if number is not None:
                figures.write_number(at, column, number)
    figures.set_column(0, 0, 30)
    figures.set_column(1, 1, 45)
    figures.set_column(2, len(FIGURE_COLUMNS) - 1, 14)
    figures.freeze_panes(first, 2)

    text = workbook.add_worksheet(gettext("Qualitative part")[:31])
    text.write_string(0, 0, gettext("Part of the report"), heading)
    text.write_string(0, 1, gettext("Text"), heading)
    for index, section in enumerate(SECTIONS, start=1):
        text.write_string(index, 0, gettext(section.label), bold)
        text.write_string(index, 1, shown.text.get(section.name, ""), wrap)
    text.set_column(0, 0, 20)
    text.set_column(1, 1, 100)

    people = workbook.add_worksheet(gettext("Participants")[:31])
    people.write_string(0, 0, gettext("Participant indicator"), heading)
    people.write_string(0, 1, gettext("Value"), heading)
    people.write_string(0, 2, gettext("Participants who became clients in the period"), heading)
    people.write_string(1, 0, gettext("Participants"), bold)
    people.write_string(1, 2, participant_count(shown.figures))
    at = 2
    for table in participant_tables(shown.figures):
        if table.withheld:
            people.write_string(at, 0, table.label)
            people.write_string(at, 2, gettext("withheld"))
            at += 1
        for cell in table.cells:
            people.write_string(at, 0, table.label)
            people.write_string(at, 1, cell.label)
            people.write_string(at, 2, cell.shown)  # "<5" and "x" are not numbers
            at += 1
    people.set_column(0, 1, 40)
    people.set_column(2, 2, 20)
    workbook.close()
    return buffer.getvalue()


def filename(shown: Shown, extension: str) -> str:
    """``report-2026-01-01-frozen.pdf``: the period and whether it is a draft."""
    state = "frozen" if shown.status == ReportStatus.FROZEN else "draft"
    return f"report-{shown.period.starts_on.isoformat()}-{state}.{extension}"
