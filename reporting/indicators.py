"""Every indicator of the programme, defined once, as data (docs/reporting.md, "Indicators").

An :class:`Indicator` says what it is called, how it is defined, what it counts, by which date
a record falls into a period, which setting holds its target (``ISOK_TARGET_<NAME>``, 0: no
target) and whether the dashboard's filters apply to it. What it counts is a :class:`Source`:
one SQL statement yielding a row per counted record, ``(record_id, candidate_id, counted_at,
weight)``. Everything else is worked out from that statement, the same way for each indicator:

* :func:`measure` gives each indicator's value for a period ``[from, to]`` (both days
  included) and cumulatively from the programme's start (``ISOK_REPORTING_START``) to the
  period's end, in one statement for all of them; with ``with_ids`` it also gives the ids of
  the records each figure counted (one statement per indicator), so that a frozen report can
  say years later what it counted;
* :func:`monthly` gives monthly counts for the trends, :func:`funnel` the pathway's steps.

Days are the programme's (Helsinki): a moment such as a signature counts on its local day.
The filters (counsellor, region, field) select candidates; they apply to the indicators that
count candidates' records and not to partners, trainings and dissemination events.

The queries do not grow with the data: a fixed number of statements whatever the number of
candidates (``tests/reporting/test_dashboard_pages.py`` counts them).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Subquery

from assessments.models import AssessmentDecision
from candidates.models import Candidate, Claim, ClientType, Interview, InterviewStatus
from certificates.models import Certificate
from competences.models import Competence, Framework, Unit
from employers.models import Organisation, OrganisationKind, PartnershipStatus
from kit.clock import PROGRAMME_TIMEZONE
from kit.forms import EARLIEST_DATE, LATEST_DATE
from kit.i18n import N_
from kit.settings import ProgrammeSettings
from placements.models import Placement, PlacementStatus, Position
from reporting.activities import EVENT_COUNTED_ON, TRAINING_COUNTED_ON
from reporting.models import DisseminationEvent, Outcome, OutcomeKind, Training

# --- Periods and filters ----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days from ``starts_on`` to ``ends_on``, both included (1900-01-01 to 2100-12-31)."""

    starts_on: datetime.date
    ends_on: datetime.date

    def __post_init__(self) -> None:
        if not EARLIEST_DATE <= self.starts_on <= self.ends_on <= LATEST_DATE:
            raise ValueError(f"not a period: {self.starts_on} to {self.ends_on}")


PERIOD_MONTHS = 6


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = datetime.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month + 1, min(day.day, last))


def reporting_period(day: datetime.date, start: datetime.date) -> Period:
    """The six-month reporting period that holds ``day``; the periods follow on from
    ``start`` (``ISOK_REPORTING_START``), before and after it."""
    steps = ((day.year - start.year) * 12 + day.month - start.month) // PERIOD_MONTHS
    while add_months(start, steps * PERIOD_MONTHS) > day:
        steps -= 1
    while add_months(start, (steps + 1) * PERIOD_MONTHS) <= day:
        steps += 1
    begins = add_months(start, steps * PERIOD_MONTHS)
    return Period(begins, add_months(start, (steps + 1) * PERIOD_MONTHS) - datetime.timedelta(1))


@dataclass(frozen=True)
class Filters:
    """Which candidates to count: a counsellor's (their user id), those who can work in a
    region (one of :data:`kit.regions.REGIONS`), those of a field (a qualification's code).
    ``Filters()`` counts everyone."""

    counsellor_id: int | None = None
    region: str | None = None
    field: str | None = None

    @property
    def any(self) -> bool:
        return self.shape != (False, False, False)

    @property
    def shape(self) -> tuple[bool, bool, bool]:
        """Which filters are set: the statements differ by that, not by the values."""
        return (self.counsellor_id is not None, self.region is not None, self.field is not None)

    def params(self) -> dict[str, Any]:
        return {"counsellor_id": self.counsellor_id, "region": self.region, "field": self.field}


NO_FILTERS = Filters()

# The statements are built once per shape and database, and their values bound on each run:
# building and keying a statement of every indicator costs more than running it.
_COUNSELLOR = bindparam("counsellor_id", type_=Integer)
_REGION = bindparam("region", type_=String)
_FIELD = bindparam("field", type_=String)


def _in_region(dialect: str) -> ColumnElement[bool]:
    """The candidate can work in the region (an element of the JSON list ``regions``)."""
    elements = (
        func.jsonb_array_elements_text(Candidate.regions)
        if dialect == "postgresql"
        else func.json_each(Candidate.regions)
    ).table_valued("value")
    return exists(select(literal(1)).select_from(elements).where(elements.c.value == _REGION))


def _in_field() -> Select[Any]:
    """Candidates of the field (a qualification's code): placed in a position of it, or
    claiming one of its learning outcomes (a candidate can be in several fields)."""
    placed = (
        select(Placement.candidate_id)
        .join(Position, Position.id == Placement.position_id)
        .join(Framework, Framework.id == Position.framework_id)
        .where(Framework.code == _FIELD)
    )
    claimed = (
        select(Claim.candidate_id)
        .join(Competence, Competence.id == Claim.competence_id)
        .join(Unit, Unit.id == Competence.unit_id)
        .join(Framework, Framework.id == Unit.framework_id)
        .where(Framework.code == _FIELD)
    )
    return select(union(placed, claimed).subquery().c.candidate_id)


def candidates_of(shape: tuple[bool, bool, bool], dialect: str) -> Select[Any] | None:
    """The ids of the candidates filters of ``shape`` select (None: everyone), with the
    filters' values as the parameters ``counsellor_id``, ``region`` and ``field``.

    The selection is a materialised common table expression: a statement that counts several
    indicators names it in each, and the database works it out once, first. (Inlined where
    it is used once, PostgreSQL's generic plan for a prepared statement, which it switches to
    after five runs, took a second at 10,000 candidates.)"""
    by_counsellor, by_region, by_field = shape
    conditions: list[ColumnElement[bool]] = []
    if by_counsellor:
        conditions.append(Candidate.counsellor_id == _COUNSELLOR)
    if by_region:
        conditions.append(_in_region(dialect))
    if by_field:
        conditions.append(Candidate.id.in_(_in_field()))
    if not conditions:
        return None
    chosen = select(Candidate.id).where(*conditions).cte("chosen").prefix_with("MATERIALIZED")
    return select(chosen.c.id)


# --- What each indicator counts ----------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What is counted: ``build()`` is a statement with the columns ``record_id`` (the counted
    record), ``candidate_id`` (whose it is, or NULL), ``counted_at`` (the date, or the moment
    when ``moment``, that puts it in a period) and ``weight`` (1, or the people it counts)."""

    build: Callable[[], Select[Any]]
    moment: bool = False


def _one() -> ColumnElement[int]:
    return literal(1, Integer).label("weight")


def _no_candidate() -> ColumnElement[Any]:
    return null().label("candidate_id")


def _first_step_of_validation() -> Select[Any]:
    """Each candidate once, on the day of their first portfolio claim or first completed
    interview, whichever came first."""
    # Each table's first per candidate, then the earlier of the two: a grouping over each
    # table's index on the candidate, not over the union of every claim and interview.
    steps = union_all(
        select(
            Claim.candidate_id.label("candidate_id"), func.min(Claim.created_at).label("at")
        ).group_by(Claim.candidate_id),
        select(Interview.candidate_id, func.min(Interview.completed_at))
        .where(
            Interview.status == InterviewStatus.COMPLETED.value,
            Interview.completed_at.is_not(None),
        )
        .group_by(Interview.candidate_id),
    ).subquery()
    return select(
        steps.c.candidate_id.label("record_id"),
        steps.c.candidate_id.label("candidate_id"),
        func.min(steps.c.at).label("counted_at"),
        _one(),
    ).group_by(steps.c.candidate_id)


def _clients(client_type: ClientType | None) -> Callable[[], Select[Any]]:
    def build() -> Select[Any]:
        statement = select(
            Candidate.id.label("record_id"),
            Candidate.id.label("candidate_id"),
            Candidate.client_since.label("counted_at"),
            _one(),
        )
        if client_type is not None:
            statement = statement.where(Candidate.client_type == client_type.value)
        return statement

    return build


def _partners(*, major: bool) -> Callable[[], Select[Any]]:
    def build() -> Select[Any]:
        kind = Organisation.kind == OrganisationKind.MAJOR_COMPANY.value
        return select(
            Organisation.id.label("record_id"),
            _no_candidate(),
            # Approved on: the decision's moment (an organisation made a partner without
            # one, as an import could, on the day it was recorded).
            func.coalesce(Organisation.decided_at, Organisation.created_at).label("counted_at"),
            _one(),
        ).where(Organisation.status == PartnershipStatus.PARTNER.value, kind if major else ~kind)

    return build


def _started_placement() -> ColumnElement[bool]:
    return and_(Placement.start_date.is_not(None), Placement.status != PlacementStatus.AGREED.value)


def _placements_started() -> Select[Any]:
    return select(
        Placement.id.label("record_id"),
        Placement.candidate_id.label("candidate_id"),
        Placement.start_date.label("counted_at"),
        _one(),
    ).where(_started_placement())


def _candidates_placed() -> Select[Any]:
    return (
        select(
            Placement.candidate_id.label("record_id"),
            Placement.candidate_id.label("candidate_id"),
            func.min(Placement.start_date).label("counted_at"),
            _one(),
        )
        .where(_started_placement())
        .group_by(Placement.candidate_id)
    )


def _assessments_completed() -> Select[Any]:
    # The first signed decision of each placement; a correction (version 2 on) is the same
    # assessment, not another one.
    return (
        select(
            AssessmentDecision.id.label("record_id"),
            Placement.candidate_id.label("candidate_id"),
            AssessmentDecision.signed_at.label("counted_at"),
            _one(),
        )
        .join(Placement, Placement.id == AssessmentDecision.placement_id)
        .where(AssessmentDecision.version == 1)
    )


def _certificates_issued() -> Select[Any]:
    # A certificate that replaced another (a correction, another language) is a re-issue of
    # the same certificate, not a new one; a revoked certificate was still issued.
    replaced = aliased(Certificate)
    replacements = select(replaced.superseded_by_id).where(replaced.superseded_by_id.is_not(None))
    return select(
        Certificate.id.label("record_id"),
        Certificate.candidate_id.label("candidate_id"),
        Certificate.issued_at.label("counted_at"),
        _one(),
    ).where(Certificate.id.not_in(replacements))


def _certificates_revoked() -> Select[Any]:
    return select(
        Certificate.id.label("record_id"),
        Certificate.candidate_id.label("candidate_id"),
        Certificate.revoked_at.label("counted_at"),
        _one(),
    ).where(Certificate.revoked_at.is_not(None))


def _outcomes(kind: OutcomeKind | None) -> Callable[[], Select[Any]]:
    def build() -> Select[Any]:
        statement = select(
            Outcome.id.label("record_id"),
            Outcome.candidate_id.label("candidate_id"),
            Outcome.starts_on.label("counted_at"),
            _one(),
        ).where(Outcome.starts_on.is_not(None))
        if kind is None:
            return statement.where(Outcome.kind != OutcomeKind.NONE_YET.value)
        return statement.where(Outcome.kind == kind.value)

    return build


def _trainers_trained() -> Select[Any]:
    return select(
        Training.id.label("record_id"),
        _no_candidate(),
        TRAINING_COUNTED_ON.label("counted_at"),
        (Training.counsellors + Training.teachers + Training.others).label("weight"),
    )


def _dissemination_attendees() -> Select[Any]:
    return select(
        DisseminationEvent.id.label("record_id"),
        _no_candidate(),
        EVENT_COUNTED_ON.label("counted_at"),
        DisseminationEvent.attendees.label("weight"),
    )


def _claims() -> Select[Any]:
    """Every portfolio claim (the funnel asks whether a candidate has one by a day)."""
    return select(
        Claim.id.label("record_id"),
        Claim.candidate_id.label("candidate_id"),
        Claim.created_at.label("counted_at"),
        _one(),
    )


def _completed_interviews() -> Select[Any]:
    return select(
        Interview.id.label("record_id"),
        Interview.candidate_id.label("candidate_id"),
        Interview.completed_at.label("counted_at"),
        _one(),
    ).where(
        Interview.status == InterviewStatus.COMPLETED.value,
        Interview.completed_at.is_not(None),
    )


CANDIDATES_STARTED = Source(_first_step_of_validation, moment=True)
CLIENTS = Source(_clients(None))
LONG_TERM_CLIENTS = Source(_clients(ClientType.LONG_TERM))
SHORT_TERM_CLIENTS = Source(_clients(ClientType.SHORT_TERM))
CLAIMS = Source(_claims, moment=True)
COMPLETED_INTERVIEWS = Source(_completed_interviews, moment=True)
PLACEMENTS_STARTED = Source(_placements_started)
CANDIDATES_PLACED = Source(_candidates_placed)
ASSESSMENTS_COMPLETED = Source(_assessments_completed, moment=True)
CERTIFICATES_ISSUED = Source(_certificates_issued, moment=True)
OUTCOMES = Source(_outcomes(None))


# --- The indicators -----------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator: its texts (untranslated; pass them to ``gettext``), its target's
    setting (an attribute of :class:`ProgrammeSettings`, or None) and what it counts.

    ``by_candidate``: the filters apply (it counts candidates' records). ``stock``: the
    cumulative figure is everything up to the period's end, from before the programme's start
    too (partners are partners however long ago they joined).
    """

    key: str
    name: str
    definition: str
    counts: str
    dated_by: str
    source: Source
    target_setting: str | None = None
    by_candidate: bool = True
    stock: bool = False

    def target(self, programme: ProgrammeSettings) -> int:
        """The target from the settings; 0 when the programme set none."""
        return int(getattr(programme, self.target_setting)) if self.target_setting else 0

    @property
    def target_variable(self) -> str | None:
        """The environment variable that sets the target (``ISOK_TARGET_…``), if any."""
        return f"ISOK_{self.target_setting.upper()}" if self.target_setting else None


def _outcome_indicator(kind: OutcomeKind, name: str, definition: str) -> Indicator:
    return Indicator(
        key=f"outcomes_{kind.value}",
        name=name,
        definition=definition,
        counts=N_("outcomes"),
        dated_by=N_("the day the outcome began"),
        source=Source(_outcomes(kind)),
    )


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        key="candidates_started",
        name=N_("Candidates who started validation"),
        definition=N_(
            "Candidates whose validation began: a first competence was claimed in their "
            "portfolio or a teacher completed an interview with them. Each candidate counts "
            "once, in the period of whichever came first."
        ),
        counts=N_("candidates"),
        dated_by=N_("the day of the first portfolio claim or completed interview"),
        source=CANDIDATES_STARTED,
        target_setting="target_candidates_started",
    ),
    Indicator(
        key="long_term_clients",
        name=N_("Long-term clients"),
        definition=N_("Candidates taken on as long-term clients of guidance."),
        counts=N_("candidates"),
        dated_by=N_("the day they became a client"),
        source=LONG_TERM_CLIENTS,
        target_setting="target_long_term_clients",
    ),
    Indicator(
        key="short_term_clients",
        name=N_("Short-term clients"),
        definition=N_("Candidates taken on as short-term clients of guidance."),
        counts=N_("candidates"),
        dated_by=N_("the day they became a client"),
        source=SHORT_TERM_CLIENTS,
        target_setting="target_short_term_clients",
    ),
    Indicator(
        key="partners_major_companies",
        name=N_("Partners: major companies"),
        definition=N_(
            "Major companies that are approved partners today. The period's figure counts "
            "those approved in the period; the cumulative figure, every partner approved by "
            "the period's end, also before the programme began. An organisation no longer a "
            "partner (inactive) is not counted."
        ),
        counts=N_("organisations"),
        dated_by=N_("the day the organisation was approved as a partner"),
        source=Source(_partners(major=True), moment=True),
        target_setting="target_major_companies",
        by_candidate=False,
        stock=True,
    ),
    Indicator(
        key="partners_other_organisations",
        name=N_("Partners: other organisations"),
        definition=N_(
            "Approved partners other than major companies: SMEs, public sector, third sector "
            "and education. Counted as major companies are."
        ),
        counts=N_("organisations"),
        dated_by=N_("the day the organisation was approved as a partner"),
        source=Source(_partners(major=False), moment=True),
        target_setting="target_other_organisations",
        by_candidate=False,
        stock=True,
    ),
    Indicator(
        key="placements_started",
        name=N_("Placements started"),
        definition=N_(
            "On-the-job training placements that began: active, completed or interrupted, "
            "with their start date in the period. A candidate placed twice counts twice. A "
            "placement still only agreed is counted once it is marked active."
        ),
        counts=N_("placements"),
        dated_by=N_("the placement's start date"),
        source=PLACEMENTS_STARTED,
        target_setting="target_placements",
    ),
    Indicator(
        key="candidates_placed",
        name=N_("Candidates placed"),
        definition=N_(
            "Candidates with at least one placement that began, each counted once, in the "
            "period of their first placement."
        ),
        counts=N_("candidates"),
        dated_by=N_("the start date of the candidate's first placement"),
        source=CANDIDATES_PLACED,
    ),
    Indicator(
        key="assessments_completed",
        name=N_("Assessments completed"),
        definition=N_(
            "Placements whose assessment ended with the consensus decision signed by the "
            "professional teacher. A corrected decision is the same assessment and does not "
            "count again."
        ),
        counts=N_("signed assessment decisions"),
        dated_by=N_("the day the first decision was signed"),
        source=ASSESSMENTS_COMPLETED,
        target_setting="target_assessments_completed",
    ),
    Indicator(
        key="certificates_issued",
        name=N_("Certificates issued"),
        definition=N_(
            "Certificates issued to candidates. A certificate issued again to replace one "
            "(a correction, another language) does not count again. A certificate revoked "
            "later still counts as issued in its period; revocations are counted apart."
        ),
        counts=N_("certificates"),
        dated_by=N_("the day the certificate was issued"),
        source=CERTIFICATES_ISSUED,
        target_setting="target_certificates_issued",
    ),
    Indicator(
        key="certificates_revoked",
        name=N_("Certificates revoked"),
        definition=N_("Certificates the coordinator revoked, whenever they were issued."),
        counts=N_("certificates"),
        dated_by=N_("the day the certificate was revoked"),
        source=Source(_certificates_revoked, moment=True),
    ),
    Indicator(
        key="outcomes",
        name=N_("Outcomes"),
        definition=N_(
            "What followed for candidates: employment, education or training started, "
            "studies shortened (each outcome recorded, so a candidate may count more than "
            "once). An outcome recorded after its period closed counts in the period it "
            "began in. \u201cNo outcome yet\u201d is not counted."
        ),
        counts=N_("outcomes"),
        dated_by=N_("the day the outcome began"),
        source=OUTCOMES,
        target_setting="target_outcomes",
    ),
    _outcome_indicator(
        OutcomeKind.EMPLOYMENT_SHORT,
        N_("Outcomes: short-term employment"),
        N_("Outcomes recorded as short-term employment."),
    ),
    _outcome_indicator(
        OutcomeKind.EMPLOYMENT_LONG,
        N_("Outcomes: long-term employment"),
        N_("Outcomes recorded as long-term employment."),
    ),
    _outcome_indicator(
        OutcomeKind.EDUCATION,
        N_("Outcomes: education or training started"),
        N_("Outcomes recorded as education or training started."),
    ),
    _outcome_indicator(
        OutcomeKind.STUDIES_SHORTENED,
        N_("Outcomes: studies shortened"),
        N_("Outcomes recorded as studies shortened by recognised units."),
    ),
    Indicator(
        key="trainers_trained",
        name=N_("Trainers trained"),
        definition=N_(
            "People trained in the pilot trainings of the trainer-training programme: "
            "counsellors, teachers and others, added up over the trainings."
        ),
        counts=N_("participants of trainings"),
        dated_by=N_("the day the training ended"),
        source=Source(_trainers_trained),
        target_setting="target_trainers_trained",
        by_candidate=False,
    ),
    Indicator(
        key="dissemination_attendees",
        name=N_("Dissemination attendees"),
        definition=N_(
            "People reached by dissemination events and publications, added up over the events."
        ),
        counts=N_("attendees of events"),
        dated_by=N_("the day the event was held"),
        source=Source(_dissemination_attendees),
        target_setting="target_dissemination_attendees",
        by_candidate=False,
    ),
)

BY_KEY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}


# --- Counting -----------------------------------------------------------------------------


def day_begins(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the programme's time zone, in UTC."""
    local = datetime.datetime.combine(day, datetime.time.min, tzinfo=PROGRAMME_TIMEZONE)
    return local.astimezone(datetime.UTC)


def _day(name: str) -> BindParameter[Any]:
    return bindparam(f"{name}_day", type_=Date)


def _moment(name: str) -> BindParameter[Any]:
    return bindparam(f"{name}_moment", type_=DateTimeUTC(timezone=True))


def _on(source: Source, name: str) -> BindParameter[Any]:
    """The parameter ``name`` (a day) as ``source`` compares it: the day, or its first moment."""
    return _moment(name) if source.moment else _day(name)


def _days(**days: datetime.date) -> dict[str, Any]:
    """Each named day as both parameters: the day, and its first moment."""
    values: dict[str, Any] = {}
    for name, day in days.items():
        values[f"{name}_day"] = day
        values[f"{name}_moment"] = day_begins(day)
    return values


def _by_end(column: ColumnElement[Any], source: Source) -> ColumnElement[bool]:
    """``column`` falls on the period's last day or before."""
    if source.moment:
        return column < _moment("after")  # the first moment after the last day
    return column <= _day("end")


def _rows(source: Source, scope: Select[Any] | None) -> Subquery:
    rows = source.build().subquery()
    if scope is None:
        return rows
    return select(rows).where(rows.c.candidate_id.in_(scope)).subquery()


@dataclass(frozen=True)
class Figure:
    """An indicator's value over some days, and the ids of the records it counted (empty
    unless asked for). For trainings and events the value is the people they counted."""

    key: str
    value: int
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Measurement:
    """An indicator in a period: its figure there, cumulatively, and its target."""

    indicator: Indicator
    target: int
    period: Figure
    cumulative: Figure
    filtered: bool = False  # the filters applied to it

    @property
    def percent(self) -> int | None:
        """The cumulative figure as a whole percentage of the target (None: no target)."""
        if not self.target:
            return None
        return round(100 * self.cumulative.value / self.target)


@dataclass(frozen=True)
class Scope:
    """What :func:`measure` counts over: the period, the programme's start, the filters."""

    period: Period
    programme_start: datetime.date
    filters: Filters = field(default=NO_FILTERS)

    def params(self) -> dict[str, Any]:
        period = self.period
        return {
            **_days(
                period=period.starts_on,
                start=self.programme_start,
                # The earliest day either figure reads.
                low=min(period.starts_on, self.programme_start),
                end=period.ends_on,
                after=period.ends_on + datetime.timedelta(days=1),
            ),
            **self.filters.params(),
        }


def _bounded(rows: Subquery, indicator: Indicator) -> list[ColumnElement[bool]]:
    """The rows either figure reads: from the earlier of the period's and the programme's
    start (from the beginning for a stock) to the period's end."""
    conditions = [_by_end(rows.c.counted_at, indicator.source)]
    if not indicator.stock:
        conditions.append(rows.c.counted_at >= _on(indicator.source, "low"))
    return conditions


def _aggregate(indicator: Indicator, scope: Select[Any] | None) -> Select[Any]:
    rows = _rows(indicator.source, scope if indicator.by_candidate else None)
    source = indicator.source
    in_period = rows.c.counted_at >= _on(source, "period")
    cumulative: ColumnElement[Any] = (
        rows.c.weight
        if indicator.stock
        else case((rows.c.counted_at >= _on(source, "start"), rows.c.weight))
    )
    return select(
        literal(indicator.key).label("key"),
        func.coalesce(func.sum(case((in_period, rows.c.weight))), 0),
        func.coalesce(func.sum(cumulative), 0),
    ).where(*_bounded(rows, indicator))


@functools.cache
def _aggregates(
    indicators: tuple[Indicator, ...], shape: tuple[bool, bool, bool], dialect: str
) -> CompoundSelect[Any]:
    scope = candidates_of(shape, dialect)
    return union_all(*(_aggregate(indicator, scope) for indicator in indicators))


@functools.cache
def _records(indicator: Indicator, shape: tuple[bool, bool, bool], dialect: str) -> Select[Any]:
    scope = candidates_of(shape, dialect) if indicator.by_candidate else None
    rows = _rows(indicator.source, scope)
    in_period = case((rows.c.counted_at >= _on(indicator.source, "period"), 1), else_=0)
    cumulative = (
        literal(1)
        if indicator.stock
        else case((rows.c.counted_at >= _on(indicator.source, "start"), 1), else_=0)
    )
    return (
        select(rows.c.record_id, rows.c.weight, in_period, cumulative)
        .where(*_bounded(rows, indicator))
        .order_by(rows.c.record_id)
    )


async def measure(
    session: AsyncSession,
    *,
    scope: Scope,
    programme: ProgrammeSettings,
    indicators: Sequence[Indicator] = INDICATORS,
    with_ids: bool = False,
) -> list[Measurement]:
    """Each of ``indicators`` for ``scope``, in their order.

    Without ``with_ids``: the values only, one statement for all. With it: the ids of the
    records behind each figure too (sorted), one statement per indicator.
    """
    if not indicators:
        return []
    dialect = session.get_bind().dialect.name
    shape = scope.filters.shape
    params = scope.params()
    found: dict[str, tuple[Figure, Figure]] = {}
    if with_ids:
        for indicator in indicators:
            rows = (await session.execute(_records(indicator, shape, dialect), params)).all()
            found[indicator.key] = (
                _figure(indicator.key, [(row[0], row[1]) for row in rows if row[2]]),
                _figure(indicator.key, [(row[0], row[1]) for row in rows if row[3]]),
            )
    else:
        statement = _aggregates(tuple(indicators), shape, dialect)
        for key, period, cumulative in (await session.execute(statement, params)).all():
            found[str(key)] = (Figure(str(key), int(period)), Figure(str(key), int(cumulative)))
    return [
        Measurement(
            indicator=indicator,
            target=indicator.target(programme),
            period=found[indicator.key][0],
            cumulative=found[indicator.key][1],
            filtered=indicator.by_candidate and scope.filters.any,
        )
        for indicator in indicators
    ]


def _figure(key: str, counted: list[tuple[int, int]]) -> Figure:
    return Figure(key, sum(int(weight) for _, weight in counted), tuple(int(i) for i, _ in counted))


# --- Months and the pathway ---------------------------------------------------------------


def months_ending(day: datetime.date, count: int = 12) -> list[datetime.date]:
    """The first days of the ``count`` months up to the one holding ``day``, oldest first."""
    last = day.replace(day=1)
    return [add_months(last, offset) for offset in range(1 - count, 1)]


@dataclass(frozen=True)
class Series:
    """Monthly counts of a source: ``values[i]`` in the month beginning ``months[i]``."""

    key: str
    months: tuple[datetime.date, ...]
    values: tuple[int, ...]


@functools.cache
def _monthly(
    sources: tuple[tuple[str, Source], ...],
    count: int,
    shape: tuple[bool, bool, bool],
    dialect: str,
) -> CompoundSelect[Any]:
    scope = candidates_of(shape, dialect)
    statements = []
    for key, source in sources:
        rows = _rows(source, scope)
        edges = [_on(source, f"month{number}") for number in range(count + 1)]
        statements.append(
            select(
                literal(key).label("key"),
                *(
                    func.coalesce(
                        func.sum(
                            case(
                                (
                                    and_(rows.c.counted_at >= low, rows.c.counted_at < high),
                                    rows.c.weight,
                                )
                            )
                        ),
                        0,
                    )
                    for low, high in pairwise(edges)
                ),
            ).where(rows.c.counted_at >= edges[0], rows.c.counted_at < edges[-1])
        )
    return union_all(*statements)


async def monthly(
    session: AsyncSession,
    *,
    sources: Sequence[tuple[str, Source]],
    months: Sequence[datetime.date],
    filters: Filters = NO_FILTERS,
) -> list[Series]:
    """The monthly counts of each ``(key, source)`` over ``months`` (first days, in order), in
    one statement; the filters apply to every source (give candidate-based ones)."""
    if not sources or not months:
        return []
    statement = _monthly(
        tuple(sources), len(months), filters.shape, session.get_bind().dialect.name
    )
    edges = [*months, add_months(months[-1], 1)]
    params = {
        **_days(**{f"month{number}": edge for number, edge in enumerate(edges)}),
        **filters.params(),
    }
    found = {
        str(row[0]): tuple(int(value) for value in row[1:])
        for row in await session.execute(statement, params)
    }
    return [Series(key, tuple(months), found[key]) for key, _ in sources]


@functools.cache
def _funnel(
    steps: tuple[tuple[str, Source], ...], shape: tuple[bool, bool, bool], dialect: str
) -> Select[Any]:
    chosen = select(Candidate.id).where(
        Candidate.client_since >= _day("period"), Candidate.client_since <= _day("end")
    )
    scope = candidates_of(shape, dialect)
    if scope is not None:
        chosen = chosen.where(Candidate.id.in_(scope))
    # Worked out once, named by every step (see candidates_of).
    clients = chosen.cte("cohort").prefix_with("MATERIALIZED")
    cohort = select(clients.c.id)
    counts: list[ColumnElement[Any]] = [
        select(func.count()).select_from(clients).scalar_subquery().label("clients")
    ]
    for key, source in steps:
        rows = source.build().subquery()
        counts.append(
            select(func.count(func.distinct(rows.c.candidate_id)))
            .where(rows.c.candidate_id.in_(cohort), _by_end(rows.c.counted_at, source))
            .scalar_subquery()
            .label(key)
        )
    return select(*counts)


async def funnel(
    session: AsyncSession,
    *,
    period: Period,
    steps: Sequence[tuple[str, Source]],
    filters: Filters = NO_FILTERS,
) -> dict[str, int]:
    """Of the candidates who became clients in ``period`` (and whom ``filters`` select), how
    many had reached each step by the period's end: a record of the step's source counted on
    or before that day. One statement; ``"clients"`` is the cohort itself."""
    statement = _funnel(tuple(steps), filters.shape, session.get_bind().dialect.name)
    params = {
        **_days(
            period=period.starts_on,
            end=period.ends_on,
            after=period.ends_on + datetime.timedelta(days=1),
        ),
        **filters.params(),
    }
    row = (await session.execute(statement, params)).one()
    return {key: int(value) for key, value in row._mapping.items()}
