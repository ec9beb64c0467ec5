"""The six-monthly ESF reports: periods, drafts, freezing and corrections (docs/reporting.md,
"Six-monthly reports").

**Periods.** Six months each, following on from ``ISOK_REPORTING_START``
(:func:`reporting.indicators.reporting_period`); a period is named by its first day. The list
runs from the programme's first period to the one that holds today.

**Drafting.** The coordinator writes the qualitative part (achievements, empowerment,
problems, next steps: plain text, at most :data:`MAX_SECTION` characters each, no NUL). The
first save creates the period's row. While the report is a draft its figures are computed
whenever it is shown: each indicator in the period and cumulatively, the previous period's
figures (as frozen if its report is frozen, else computed now) and the corrections below.

**Freezing** (the coordinator, once the period is over: from the day after its last day).
:func:`freeze` stores the snapshot in ``figures``: each indicator's key, name, definition,
what it counts, its date and target as they were, the period's and the cumulative figure
with the ids of the records each counted, the previous period's figures and the
corrections as shown, the participant aggregates (suppressed strings only) and the moment
they were computed. From then on the row never changes (the database refuses, see
:mod:`reporting.models`); a frozen report is never recomputed: its page, its exports and
the API read ``figures`` only (:meth:`Figures.from_json`).

**Corrections.** Data keeps changing after a report is frozen: an outcome recorded late, a
candidate removed. A report shows, per indicator, the latest earlier frozen report's
cumulative figure against the same figure recomputed now for that report's period, with the
ids added and removed: the frozen report stays as it was, and the difference is reported
in the next one.

**Participants** are reported as one group: the participants who became clients in the
period (``aggregates(entered_from=..., entered_to=...)``), suppressed. Never a period's group
beside a cumulative one, which could be subtracted from each other; the periods' groups do
not overlap, so neither can two reports.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kit import audit, clock
from kit.forms import NUL, parse_date
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from kit.settings import ProgrammeSettings
from reporting import participants
from reporting.indicators import (
    INDICATORS,
    Measurement,
    Period,
    Scope,
    measure,
    reporting_period,
)
from reporting.models import Report, ReportStatus

SNAPSHOT_VERSION = 1
MAX_SECTION = 20_000
"""Characters in one section of the qualitative part: some pages of text."""
FROZEN = "frozen"
COMPUTED = "computed"


@dataclass(frozen=True)
class Section:
    """One part of the qualitative report: its column, its label and a hint for the writer
    (untranslated: pass them to ``gettext``)."""

    name: str
    label: str
    hint: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "achievements",
        N_("Achievements"),
        N_("What the programme achieved in the period: results, milestones, good practice."),
    ),
    Section(
        "empowerment",
        N_("Empowerment"),
        N_(
            "How the participants were empowered: their competence made visible, confidence, "
            "networks, access to work and studies."
        ),
    ),
    Section(
        "problems",
        N_("Problems"),
        N_("What went wrong or was hard, and what was done about it."),
    ),
    Section(
        "next_steps",
        N_("Next steps"),
        N_("What the programme will do in the next period."),
    ),
)
SECTION_NAMES = tuple(section.name for section in SECTIONS)


class NotCoordinator(PermissionError):
    """Only the coordinator drafts and freezes reports."""


class AlreadyFrozen(Exception):
    """The report is frozen: nothing of it changes any more."""


class NotEnded(Exception):
    """A period is frozen only once it is over."""

    def __init__(self, period: Period) -> None:
        super().__init__(f"the period {period.starts_on} to {period.ends_on} is not over")
        self.period = period


class NoDraft(Exception):
    """Freezing needs the period's draft, saved at least once."""


# --- Periods ----------------------------------------------------------------------------


def next_period(period: Period, programme_start: datetime.date) -> Period:
    return reporting_period(period.ends_on + datetime.timedelta(days=1), programme_start)


def previous_period(period: Period, programme_start: datetime.date) -> Period | None:
    """The period before ``period``, or None for the programme's first."""
    if period.starts_on <= programme_start:
        return None
    return reporting_period(period.starts_on - datetime.timedelta(days=1), programme_start)


def periods(programme_start: datetime.date, today: datetime.date) -> list[Period]:
    """Every reporting period from the programme's first to the one holding ``today``,
    the newest first (none before the programme begins)."""
    if today < programme_start:
        return []
    current = reporting_period(today, programme_start)
    found = [reporting_period(programme_start, programme_start)]
    while found[-1].starts_on < current.starts_on:
        found.append(next_period(found[-1], programme_start))
    return found[::-1]


def freezable_from(period: Period) -> datetime.date:
    """The first day the period's report may be frozen: the day after its last."""
    return period.ends_on + datetime.timedelta(days=1)


def has_ended(period: Period, today: datetime.date) -> bool:
    return today >= freezable_from(period)


def period_starting(text: str, *, programme_start: datetime.date, today: datetime.date) -> Period:
    """The reporting period whose first day ``text`` is (YYYY-MM-DD), from the programme's
    first period to the current one; :class:`Invalid` (``period``) saying why otherwise."""
    day = parse_date(text)
    if day is None:
        raise Invalid.of(
            "period",
            gettext("Give the period's first day as YYYY-MM-DD, for example %(example)s.")
            % {"example": programme_start.isoformat()},
        )
    if day < programme_start:
        raise Invalid.of(
            "period",
            gettext("The programme's first reporting period begins on %(start)s.")
            % {"start": programme_start.isoformat()},
        )
    period = reporting_period(day, programme_start)
    if period.starts_on != day:
        raise Invalid.of(
            "period",
            gettext(
                "No reporting period begins on %(day)s: the periods are six months long from "
                "%(start)s. The period holding that day begins on %(period)s."
            )
            % {
                "day": day.isoformat(),
                "start": programme_start.isoformat(),
                "period": period.starts_on.isoformat(),
            },
        )
    if day > today:
        raise Invalid.of(
            "period",
            gettext("The period beginning on %(day)s has not begun yet.")
            % {"day": day.isoformat()},
        )
    return period


# --- Reports -----------------------------------------------------------------------------


async def report_for(
    session: AsyncSession, period: Period, *, for_update: bool = False
) -> Report | None:
    """The period's report, if one was saved."""
    statement = select(Report).where(Report.period_starts_on == period.starts_on)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def report_by_id(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def all_reports(session: AsyncSession) -> list[Report]:
    """Every report, the newest period first."""
    found = await session.execute(select(Report).order_by(Report.period_starts_on.desc()))
    return list(found.scalars())


@dataclass(frozen=True)
class Listed:
    """A period on the list of reports, with its report (None: not begun)."""

    period: Period
    report: Report | None
    ended: bool

    @property
    def status(self) -> ReportStatus | None:
        return ReportStatus(self.report.status) if self.report is not None else None


async def listing(
    session: AsyncSession, *, programme: ProgrammeSettings, today: datetime.date
) -> list[Listed]:
    """Every period up to the current one, the newest first, with its report (one query)."""
    by_start = {report.period_starts_on: report for report in await all_reports(session)}
    return [
        Listed(period, by_start.get(period.starts_on), has_ended(period, today))
        for period in periods(programme.reporting_start, today)
    ]


def _require_coordinator(viewer: Viewer) -> None:
    if not viewer.is_coordinator:
        raise NotCoordinator(gettext("Only the coordinator drafts and freezes reports."))


def check_text(values: Mapping[str, str]) -> dict[str, str]:
    """The qualitative part's columns for the form's ``values`` (trimmed, line ends made
    ``\\n``), or :class:`Invalid` with a message per section."""
    errors: dict[str, str] = {}
    text: dict[str, str] = {}
    for name in SECTION_NAMES:
        value = values.get(name, "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(value) > MAX_SECTION:
            errors[name] = gettext("Use at most %(max)d characters (this has %(count)d).") % {
                "max": MAX_SECTION,
                "count": len(value),
            }
        elif NUL in value:
            errors[name] = gettext("Remove the control character (NUL) from this text.")
        text[name] = value
    for name in sorted(set(values) - set(SECTION_NAMES)):
        errors[name] = gettext("The report has no such part.")
    if errors:
        raise Invalid(errors)
    return text


async def save_draft(
    session: AsyncSession, *, viewer: Viewer, period: Period, values: Mapping[str, str]
) -> Report:
    """Save the qualitative part of the period's draft, creating the draft the first time.

    Raises :class:`Invalid` for wrong text and :class:`AlreadyFrozen` when the report is
    frozen (also when it was frozen while this was being saved: the database refuses).
    """
    _require_coordinator(viewer)
    text = check_text(values)
    report = await report_for(session, period, for_update=True)
    if report is None:
        created = Report(period_starts_on=period.starts_on, period_ends_on=period.ends_on, **text)
        try:
            async with session.begin_nested():
                session.add(created)
                await session.flush()
            return created
        except IntegrityError:
            # Another first save of the same period came first: change that draft.
            report = await report_for(session, period, for_update=True)
            if report is None:
                raise
    if report.is_frozen:
        raise AlreadyFrozen()
    for name, value in text.items():
        setattr(report, name, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise AlreadyFrozen() from error  # frozen meanwhile: the trigger refused
    return report


async def freeze(
    session: AsyncSession,
    *,
    viewer: Viewer,
    period: Period,
    programme: ProgrammeSettings,
    today: datetime.date,
) -> Report:
    """Freeze the period's draft: store its snapshot (:func:`compute` with the ids) for good.

    Raises :class:`NoDraft` when no draft was saved, :class:`NotEnded` before the day after
    the period's last, :class:`AlreadyFrozen` when it is (also when another request froze it
    first: one conditional UPDATE decides, so of two at once exactly one freezes).
    """
    _require_coordinator(viewer)
    report = await report_for(session, period)
    if report is None:
        raise NoDraft()
    if report.is_frozen:
        raise AlreadyFrozen()
    if not has_ended(period, today):
        raise NotEnded(period)
    figures = await compute(session, period=period, programme=programme, with_ids=True)
    moment = clock.now()
    try:
        async with session.begin_nested():
            changed = await session.execute(
                update(Report)
                .where(Report.id == report.id, Report.status == ReportStatus.DRAFT.value)
                .values(
                    status=ReportStatus.FROZEN.value,
                    figures=figures.as_json(),
                    frozen_at=moment,
                    frozen_by_id=viewer.user_id,
                    frozen_by_name=viewer.signature,
                    updated_at=moment,
                )
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as error:
        raise AlreadyFrozen() from error  # the trigger: frozen between the read and here
    if getattr(changed, "rowcount", 0) != 1:
        raise AlreadyFrozen()
    # The row's listener does not see a statement like this one: say what happened.
    await audit.record(
        session,
        action="freeze",
        entity=Report.__tablename__,
        entity_id=report.id,
        details={
            "period_starts_on": period.starts_on.isoformat(),
            "period_ends_on": period.ends_on.isoformat(),
            "computed_at": figures.computed_at.isoformat(),
        },
    )
    await session.refresh(report)
    return report


# --- Figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    """An earlier frozen report's cumulative figure against the same figure recomputed now,
    and the records that came or went (None: the frozen report kept no ids)."""

    published: int
    now: int
    added: tuple[int, ...] | None
    removed: tuple[int, ...] | None

    @property
    def difference(self) -> int:
        return self.now - self.published

    @property
    def any(self) -> bool:
        return bool(self.difference or self.added or self.removed)


@dataclass(frozen=True)
class Row:
    """One indicator in a report. The texts are untranslated (``gettext`` them): as the
    indicator said when the figures were computed. The ids are None when not kept."""

    key: str
    name: str
    definition: str
    counts: str
    dated_by: str
    target: int
    target_setting: str | None
    period: int
    cumulative: int
    period_ids: tuple[int, ...] | None = None
    cumulative_ids: tuple[int, ...] | None = None
    previous: int | None = None
    previous_cumulative: int | None = None
    correction: Correction | None = None

    @property
    def change(self) -> int | None:
        """The period's figure less the previous period's (None: no previous period)."""
        return None if self.previous is None else self.period - self.previous

    @property
    def percent(self) -> int | None:
        """The cumulative figure as a percentage of the target (None: no target)."""
        return round(100 * self.cumulative / self.target) if self.target else None


@dataclass(frozen=True)
class Corrected:
    """The earlier frozen report the corrections compare with."""

    report_id: int
    period: Period
    frozen_at: datetime.datetime


@dataclass(frozen=True)
class Figures:
    """Everything a report counts: computed now for a draft, or read from a frozen
    report's snapshot (``frozen``). ``participants`` is
    :meth:`reporting.participants.Aggregates.as_figures` of the period's entrants."""

    period: Period
    programme_start: datetime.date
    computed_at: datetime.datetime
    rows: tuple[Row, ...]
    previous_period: Period | None
    previous_source: str | None  # FROZEN or COMPUTED
    corrected: Corrected | None
    participants: dict[str, Any]
    frozen: bool = False
    with_ids: bool = False

    def row(self, key: str) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)

    @property
    def corrections(self) -> list[Row]:
        """The rows whose earlier figure changed since it was frozen."""
        return [row for row in self.rows if row.correction is not None and row.correction.any]

    def as_json(self) -> dict[str, Any]:
        """The snapshot a frozen report keeps (plain JSON; :meth:`from_json` reads it)."""
        return {
            "version": SNAPSHOT_VERSION,
            "computed_at": self.computed_at.isoformat(),
            "period": _period_json(self.period),
            "programme_start": self.programme_start.isoformat(),
            "previous": None
            if self.previous_period is None
            else {**_period_json(self.previous_period), "source": self.previous_source},
            "corrected": None
            if self.corrected is None
            else {
                "report_id": self.corrected.report_id,
                **_period_json(self.corrected.period),
                "frozen_at": self.corrected.frozen_at.isoformat(),
            },
            "indicators": [_row_json(row) for row in self.rows],
            "participants": {
                "entered_from": self.period.starts_on.isoformat(),
                "entered_to": self.period.ends_on.isoformat(),
                **self.participants,
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, frozen: bool = True) -> Figures:
        """The figures of a snapshot :meth:`as_json` wrote."""
        previous = data.get("previous")
        corrected = data.get("corrected")
        people = dict(data.get("participants") or {})
        people.pop("entered_from", None)
        people.pop("entered_to", None)
        rows = tuple(_row_from_json(item) for item in data.get("indicators", []))
        return cls(
            period=_period_from_json(data["period"]),
            programme_start=datetime.date.fromisoformat(data["programme_start"]),
            computed_at=datetime.datetime.fromisoformat(data["computed_at"]),
            rows=rows,
            previous_period=None if previous is None else _period_from_json(previous),
            previous_source=None if previous is None else str(previous.get("source")),
            corrected=None
            if corrected is None
            else Corrected(
                report_id=int(corrected["report_id"]),
                period=_period_from_json(corrected),
                frozen_at=datetime.datetime.fromisoformat(corrected["frozen_at"]),
            ),
            participants=people,
            frozen=frozen,
            with_ids=any(row.cumulative_ids is not None for row in rows),
        )


def _period_json(period: Period) -> dict[str, str]:
    return {"from": period.starts_on.isoformat(), "to": period.ends_on.isoformat()}


def _period_from_json(data: Mapping[str, Any]) -> Period:
    return Period(
        datetime.date.fromisoformat(data["from"]), datetime.date.fromisoformat(data["to"])
    )


def _ids(values: tuple[int, ...] | None) -> list[int] | None:
    return None if values is None else list(values)


def _ids_from(values: Any) -> tuple[int, ...] | None:
    return None if values is None else tuple(int(value) for value in values)


def _row_json(row: Row) -> dict[str, Any]:
    correction = row.correction
    return {
        "key": row.key,
        "name": row.name,
        "definition": row.definition,
        "counts": row.counts,
        "dated_by": row.dated_by,
        "target": row.target,
        "target_setting": row.target_setting,
        "period": {"value": row.period, "ids": _ids(row.period_ids)},
        "cumulative": {"value": row.cumulative, "ids": _ids(row.cumulative_ids)},
        "previous": None
        if row.previous is None
        else {"value": row.previous, "cumulative": row.previous_cumulative},
        "correction": None
        if correction is None
        else {
            "published": correction.published,
            "now": correction.now,
            "added": _ids(correction.added),
            "removed": _ids(correction.removed),
        },
    }


def _row_from_json(data: Mapping[str, Any]) -> Row:
    previous = data.get("previous")
    correction = data.get("correction")
    return Row(
        key=str(data["key"]),
        name=str(data["name"]),
        definition=str(data.get("definition", "")),
        counts=str(data.get("counts", "")),
        dated_by=str(data.get("dated_by", "")),
        target=int(data.get("target") or 0),
        target_setting=data.get("target_setting"),
        period=int(data["period"]["value"]),
        cumulative=int(data["cumulative"]["value"]),
        period_ids=_ids_from(data["period"].get("ids")),
        cumulative_ids=_ids_from(data["cumulative"].get("ids")),
        previous=None if previous is None else int(previous["value"]),
        previous_cumulative=None if previous is None else int(previous["cumulative"]),
        correction=None
        if correction is None
        else Correction(
            published=int(correction["published"]),
            now=int(correction["now"]),
            added=_ids_from(correction.get("added")),
            removed=_ids_from(correction.get("removed")),
        ),
    )


async def latest_frozen_before(session: AsyncSession, day: datetime.date) -> Report | None:
    """The frozen report of the latest period that began before ``day``."""
    found = await session.execute(
        select(Report)
        .where(
            Report.status == ReportStatus.FROZEN.value,
            Report.period_starts_on < day,
        )
        .order_by(Report.period_starts_on.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


def _recomputed(snapshot: Figures, measurements: Sequence[Measurement]) -> dict[str, Correction]:
    """Each indicator of ``snapshot`` (a frozen report) against ``measurements`` of the same
    period now."""
    corrections: dict[str, Correction] = {}
    for m in measurements:
        frozen = snapshot.row(m.indicator.key)
        if frozen is None:
            continue  # an indicator the earlier report did not have
        kept = frozen.cumulative_ids
        now = set(m.cumulative.ids)
        corrections[m.indicator.key] = Correction(
            published=frozen.cumulative,
            now=m.cumulative.value,
            added=None if kept is None else tuple(sorted(now - set(kept))),
            removed=None if kept is None else tuple(sorted(set(kept) - now)),
        )
    return corrections


async def compute(
    session: AsyncSession,
    *,
    period: Period,
    programme: ProgrammeSettings,
    with_ids: bool = False,
) -> Figures:
    """The period's figures as of now: every indicator in the period and cumulatively (with
    the ids of the records counted when ``with_ids``), the previous period's figures (as
    frozen, or computed now when its report is not frozen), the corrections to the latest
    earlier frozen report (always with ids) and the participants who entered in the period.

    About two statements per indicator and a few more; a report page, not the dashboard.
    """
    start = programme.reporting_start
    computed_at = clock.now()
    measured = await measure(
        session,
        scope=Scope(period=period, programme_start=start),
        programme=programme,
        with_ids=with_ids,
    )
    before = previous_period(period, start)
    previous: dict[str, tuple[int, int]] = {}
    source: str | None = None
    if before is not None:
        earlier = await report_for(session, before)
        if earlier is not None and earlier.is_frozen and earlier.figures is not None:
            kept = Figures.from_json(earlier.figures)
            previous = {row.key: (row.period, row.cumulative) for row in kept.rows}
            source = FROZEN
        else:
            found = await measure(
                session, scope=Scope(period=before, programme_start=start), programme=programme
            )
            previous = {m.indicator.key: (m.period.value, m.cumulative.value) for m in found}
            source = COMPUTED
    corrections: dict[str, Correction] = {}
    corrected: Corrected | None = None
    published = await latest_frozen_before(session, period.starts_on)
    if published is not None and published.figures is not None and published.frozen_at:
        snapshot = Figures.from_json(published.figures)
        again = await measure(
            session,
            scope=Scope(period=snapshot.period, programme_start=snapshot.programme_start),
            programme=programme,
            indicators=[i for i in INDICATORS if snapshot.row(i.key) is not None],
            with_ids=True,
        )
        corrections = _recomputed(snapshot, again)
        corrected = Corrected(published.id, snapshot.period, published.frozen_at)
    people = await participants.aggregates(
        session, entered_from=period.starts_on, entered_to=period.ends_on
    )
    rows = []
    for m in measured:
        indicator = m.indicator
        earlier_figures = previous.get(indicator.key)
        rows.append(
            Row(
                key=indicator.key,
                name=indicator.name,
                definition=indicator.definition,
                counts=indicator.counts,
                dated_by=indicator.dated_by,
                target=m.target,
                target_setting=indicator.target_variable,
                period=m.period.value,
                cumulative=m.cumulative.value,
                period_ids=m.period.ids if with_ids else None,
                cumulative_ids=m.cumulative.ids if with_ids else None,
                previous=None if earlier_figures is None else earlier_figures[0],
                previous_cumulative=None if earlier_figures is None else earlier_figures[1],
                correction=corrections.get(indicator.key),
            )
        )
    return Figures(
        period=period,
        programme_start=start,
        computed_at=computed_at,
        rows=tuple(rows),
        previous_period=before,
        previous_source=source,
        corrected=corrected,
        participants=people.as_figures(),
        frozen=False,
        with_ids=with_ids,
    )


# --- What a report shows -----------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A period's report as its page, exports and API show it: the row (None: no draft
    yet) and its figures (the snapshot when frozen, else computed now)."""

    period: Period
    report: Report | None
    figures: Figures
    text: dict[str, str] = field(default_factory=dict)

    @property
    def frozen(self) -> bool:
        return self.report is not None and self.report.is_frozen

    @property
    def status(self) -> ReportStatus:
        return ReportStatus.FROZEN if self.frozen else ReportStatus.DRAFT


def text_of(report: Report | None) -> dict[str, str]:
    """The qualitative part, section by section (empty before the first save)."""
    return {name: getattr(report, name) if report else "" for name in SECTION_NAMES}


async def shown(
    session: AsyncSession,
    *,
    period: Period,
    programme: ProgrammeSettings,
    report: Report | None = None,
) -> Shown:
    """What the period's report shows; a frozen one's figures come from its snapshot
    alone, nothing is counted again."""
    if report is None:
        report = await report_for(session, period)
    if report is not None and report.is_frozen and report.figures is not None:
        figures = Figures.from_json(report.figures)
    else:
        figures = await compute(session, period=period, programme=programme)
    return Shown(period=period, report=report, figures=figures, text=text_of(report))


# --- The participant aggregates, labelled ------------------------------------------------


@dataclass(frozen=True)
class ParticipantCell:
    label: str  # translated
    shown: str  # "12", "0", "<5" or "x"


@dataclass(frozen=True)
class ParticipantTable:
    name: str
    label: str  # translated
    withheld: bool
    cells: tuple[ParticipantCell, ...]


def participant_tables(figures: Figures) -> list[ParticipantTable]:
    """The stored participant aggregates with their labels in the request's language
    (a key no longer known is shown as stored)."""
    known = {indicator.name: indicator for indicator in participants.INDICATORS}
    stored = figures.participants.get("indicators") or {}
    tables = []
    for name, cells in stored.items():
        indicator = known.get(name)
        labels = dict(indicator.options) if indicator else {}
        labels[participants.NOT_DISCLOSED] = participants.NOT_DISCLOSED_LABEL
        tables.append(
            ParticipantTable(
                name=name,
                label=gettext(indicator.label) if indicator else name,
                withheld=cells is None,
                cells=tuple(
                    ParticipantCell(gettext(labels[value]) if value in labels else value, shown)
                    for value, shown in (cells or {}).items()
                ),
            )
        )
    return tables


def participant_count(figures: Figures) -> str:
    """The number of participants in the group, as shown ("<5" below five)."""
    return str(figures.participants.get("participants", "0"))
