"""The ESF+ participant data, kept apart: the one module that reads or writes it.

The funder asks for common indicators about participants (Regulation (EU) 2021/1057,
Annex I): labour-market status, age band and education at entry, gender, disability, and so
on. They are kept in ``reporting_participant`` (:class:`~reporting.models.ParticipantData`),
and this module is the only one that reads or writes it (``tests/test_architecture.py``: no
other module names it but the model, the data inventory and the list of tables):

- only the coordinator records, changes or reads one candidate's row (:func:`record`,
  :func:`get`); anyone else gets :class:`NotCoordinator`, and the candidate page's section
  (:func:`candidate_section`) is empty for them, so nobody else learns whether a row exists;
- matching, the match pages, the other roles' API and the exports by person never read it;
- it leaves this module only as totals (:func:`aggregates`) with small counts suppressed.

**Suppression** (docs/reporting.md, "Participant data for the funder"). A count of 1 to 4
(below :data:`SUPPRESS_BELOW`) shows as "<5"; zero shows as 0. Every participant has exactly
one value per indicator ("not disclosed" included), so each indicator's cells add up to the
number of participants, which is shown (as "<5" when it is below five). A single hidden cell
could then be worked out by subtraction; so could two cells of 1, or four "<5" cells that
must share four participants. Hiding the total would not help: every other indicator adds
up to it. So secondary suppression: while any hidden cell of an indicator could be worked
out exactly from what is shown (the other cells, the total, and the knowledge that "<5"
means 1 to 4 and a secondary hidden cell at least 5), the smallest cell still shown (not
zero) is hidden too, shown as :data:`HIDDEN`. If no cell is left to hide and a value could
still be worked out, the whole indicator is withheld.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.models import Candidate
from kit import audit, clock
from kit.forms import EARLIEST_DATE, NUL
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from kit.sections import Section
from reporting.models import (
    PARTICIPANT_INDICATORS,
    AgeBand,
    Gender,
    IscedLevel,
    LabourMarketStatus,
    ParticipantData,
)

SUPPRESS_BELOW = 5
"""A count from 1 to ``SUPPRESS_BELOW - 1`` is never shown: it shows as :data:`FEWER`."""
FEWER = f"<{SUPPRESS_BELOW}"
FEWER_MAX = SUPPRESS_BELOW - 1
HIDDEN = "x"
"""A cell of at least :data:`SUPPRESS_BELOW` hidden so that a smaller one cannot be worked
out by subtraction (secondary suppression)."""

NOT_DISCLOSED = "not_disclosed"
YES = "yes"
NO = "no"
LEGAL_BASIS_MAX = 1000
DEFAULT_LEGAL_BASIS = N_(
    "Legal obligation (GDPR Article 6(1)(c); for disability and minority Article 9(2)(g)): "
    "the common indicators on participants that the European Social Fund Plus requires, "
    "Regulation (EU) 2021/1057, Annex I."
)
# Ids bound in one query at most (both databases bind far more; the counts simply add up).
_CHUNK = 5000


class NotCoordinator(PermissionError):
    """Only the coordinator records or reads a candidate's participant data."""


# --- The indicators -----------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One ESF+ common indicator: its column, its name, and its values (as the form sends
    them) with their labels; "not disclosed" (NULL) comes on top of these."""

    name: str
    label: str
    hint: str
    options: tuple[tuple[str, str], ...]
    boolean: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.options)

    def stored(self, value: str) -> str | bool | None:
        """The column's value for the form's ``value``."""
        if value == NOT_DISCLOSED:
            return None
        return value == YES if self.boolean else value

    def shown(self, stored: str | bool | None) -> str:
        """The form's value for the column's ``stored`` value."""
        if stored is None:
            return NOT_DISCLOSED
        if self.boolean:
            return YES if stored else NO
        return str(stored)


_YES_NO = ((YES, N_("Yes")), (NO, N_("No")))


def _enum_options(values: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((value.value, value.label) for value in values)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "labour_market_status",
        N_("Labour-market status at entry"),
        N_("Long-term unemployed: unemployed for more than 12 months (6 months under 25)."),
        _enum_options(LabourMarketStatus),
    ),
    Indicator(
        "age_band",
        N_("Age at entry"),
        "",
        _enum_options(AgeBand),
    ),
    Indicator(
        "isced_level",
        N_("Highest education completed (ISCED 2011)"),
        "",
        _enum_options(IscedLevel),
    ),
    Indicator("gender", N_("Gender"), "", _enum_options(Gender)),
    Indicator(
        "disability",
        N_("Disability"),
        N_("As the participant states it; a special category of personal data."),
        _YES_NO,
        boolean=True,
    ),
    Indicator(
        "third_country_national",
        N_("Third-country national"),
        N_("A citizen of a country outside the European Union."),
        _YES_NO,
        boolean=True,
    ),
    Indicator(
        "foreign_background",
        N_("Foreign background"),
        N_("As the funder's guidance defines it: for example born abroad, or both parents."),
        _YES_NO,
        boolean=True,
    ),
    Indicator(
        "minority",
        N_("Belongs to a minority"),
        N_("Including marginalised communities such as the Roma; a special category."),
        _YES_NO,
        boolean=True,
    ),
    Indicator(
        "homeless",
        N_("Homeless or affected by housing exclusion"),
        "",
        _YES_NO,
        boolean=True,
    ),
)
assert tuple(indicator.name for indicator in INDICATORS) == PARTICIPANT_INDICATORS
NOT_DISCLOSED_LABEL = N_("Not disclosed")


def _column(indicator: Indicator) -> Any:
    return getattr(ParticipantData, indicator.name)


# --- One candidate's row (the coordinator only) -------------------------------------------


@dataclass(frozen=True)
class ParticipantInput:
    """What the coordinator records: each indicator's value as the form sends it (a value
    of :attr:`Indicator.options` or :data:`NOT_DISCLOSED`; a missing one is not disclosed),
    the legal basis and the day the participant gave the data."""

    values: Mapping[str, str]
    legal_basis: str
    recorded_on: datetime.date | None


@dataclass(frozen=True)
class ParticipantRecord:
    """A candidate's participant data as the coordinator sees it (values as the form's)."""

    candidate_id: int
    values: dict[str, str]
    legal_basis: str
    recorded_on: datetime.date
    updated_at: datetime.datetime | None


def _require_coordinator(viewer: Viewer) -> None:
    if not viewer.is_coordinator:
        raise NotCoordinator(gettext("Only the coordinator reads or records participant data."))


def _record_of(row: ParticipantData) -> ParticipantRecord:
    return ParticipantRecord(
        candidate_id=row.candidate_id,
        values={i.name: i.shown(getattr(row, i.name)) for i in INDICATORS},
        legal_basis=row.legal_basis,
        recorded_on=row.recorded_on,
        updated_at=row.updated_at,
    )


async def _row(session: AsyncSession, candidate_id: int) -> ParticipantData | None:
    found = await session.execute(
        select(ParticipantData).where(ParticipantData.candidate_id == candidate_id)
    )
    return found.scalar_one_or_none()


async def get(
    session: AsyncSession, *, viewer: Viewer, candidate_id: int
) -> ParticipantRecord | None:
    """The candidate's participant data, or None when none is recorded (coordinator only)."""
    _require_coordinator(viewer)
    row = await _row(session, candidate_id)
    return _record_of(row) if row is not None else None


def validate(data: ParticipantInput) -> dict[str, Any]:
    """The row's columns for ``data``, or :class:`Invalid` with a message per field."""
    errors: dict[str, str] = {}
    columns: dict[str, Any] = {}
    for indicator in INDICATORS:
        value = data.values.get(indicator.name, NOT_DISCLOSED)
        if value != NOT_DISCLOSED and value not in indicator.values:
            errors[indicator.name] = gettext("Choose one of the options.")
            continue
        columns[indicator.name] = indicator.stored(value)
    for name in sorted(set(data.values) - set(PARTICIPANT_INDICATORS)):
        errors.setdefault(name, gettext("There is no such indicator."))
    legal_basis = data.legal_basis.strip()
    if not legal_basis:
        errors["legal_basis"] = gettext("Say on what legal basis the data is kept.")
    elif len(legal_basis) > LEGAL_BASIS_MAX:
        errors["legal_basis"] = gettext("Use at most %(max)d characters.") % {
            "max": LEGAL_BASIS_MAX
        }
    elif NUL in legal_basis:
        errors["legal_basis"] = gettext("Remove the control character (NUL) from this text.")
    today = clock.today()
    if data.recorded_on is None:
        errors["recorded_on"] = gettext("Enter the date the participant gave the data.")
    elif not EARLIEST_DATE <= data.recorded_on <= today:
        errors["recorded_on"] = gettext("Enter a date from %(min)s to %(max)s.") % {
            "min": EARLIEST_DATE.isoformat(),
            "max": today.isoformat(),
        }
    if errors:
        raise Invalid(errors)
    columns["legal_basis"] = legal_basis
    columns["recorded_on"] = data.recorded_on
    return columns


async def record(
    session: AsyncSession, *, viewer: Viewer, candidate: Candidate, data: ParticipantInput
) -> ParticipantRecord:
    """Record the candidate's participant data, or change it (coordinator only).

    One row per candidate, whatever the timing: when two submissions both find no row, the
    unique constraint lets one insert and the other then changes that row.
    """
    _require_coordinator(viewer)
    columns = validate(data)
    row = await _row(session, candidate.id)
    if row is None:
        created = ParticipantData(
            candidate_id=candidate.id, recorded_by_id=viewer.user_id, **columns
        )
        try:
            async with session.begin_nested():
                session.add(created)
                await session.flush()
            return _record_of(created)
        except IntegrityError:
            # Another submission for the same candidate inserted first; change its row.
            row = await _row(session, candidate.id)
            if row is None:
                raise
    changed = {name for name, value in columns.items() if getattr(row, name) != value}
    # The trail leaves the values out, so a change of values alone leaves the audit
    # listener nothing to record: then say who changed the row and when, without them.
    values_only = bool(changed) and changed <= set(PARTICIPANT_INDICATORS)
    values_only = values_only and row.recorded_by_id == viewer.user_id
    for name, value in columns.items():
        setattr(row, name, value)
    row.recorded_by_id = viewer.user_id
    await session.flush()
    if values_only:
        await audit.record(
            session,
            action="update",
            entity=ParticipantData.__tablename__,
            entity_id=row.id,
            details={"indicators": "changed"},
        )
    return _record_of(row)


async def candidate_section(
    session: AsyncSession, viewer: Viewer, *, candidate_id: int
) -> Section | None:
    """For the candidate page (:mod:`kit.sections`): the coordinator's link to the form and
    whether data is recorded. Nobody else gets a section, so nobody else learns that."""
    if not viewer.is_coordinator:
        return None
    found = await session.execute(
        select(ParticipantData.recorded_on).where(ParticipantData.candidate_id == candidate_id)
    )
    recorded_on = found.scalar_one_or_none()
    return Section(
        "reporting/_participant_section.html",
        {"candidate_id": candidate_id, "recorded_on": recorded_on},
    )


# --- Aggregates, suppressed ---------------------------------------------------------------


def suppress(counts: Sequence[int]) -> list[str] | None:
    """What each cell of one indicator shows, given the true ``counts`` of its cells (which
    add up to the number of participants); None when the indicator must be withheld.

    See the module's docstring for the rule. Zero shows as "0", 1 to 4 as :data:`FEWER`, a
    cell hidden by secondary suppression as :data:`HIDDEN`.
    """
    if any(count < 0 for count in counts):
        raise ValueError("counts cannot be negative")
    total = sum(counts)
    # What a reader knows of the total: shown exactly, or "<5" (1 to 4).
    total_range = (total, total) if total == 0 or total >= SUPPRESS_BELOW else (1, FEWER_MAX)
    primary = {i for i, count in enumerate(counts) if 0 < count < SUPPRESS_BELOW}
    secondary: set[int] = set()
    if primary:
        while _derivable(counts, primary, secondary, total_range):
            still_shown = [
                i for i, count in enumerate(counts) if count and i not in primary | secondary
            ]
            if not still_shown:
                return None
            secondary.add(min(still_shown, key=lambda i: (counts[i], i)))
    return [
        FEWER if i in primary else HIDDEN if i in secondary else str(count)
        for i, count in enumerate(counts)
    ]


def _derivable(
    counts: Sequence[int], primary: set[int], secondary: set[int], total: tuple[int, int]
) -> bool:
    """Whether a reader can work out a hidden cell exactly.

    A reader knows the shown cells, the total's range, that a "<5" cell holds 1 to 4 and a
    secondary hidden cell at least 5 (at most the total). The hidden cells add up to the
    total less the shown ones, so each hidden cell lies between what the others leave at
    most and at least; it is derivable when that range holds one value.
    """
    hidden = primary | secondary
    shown = sum(count for i, count in enumerate(counts) if i not in hidden)
    bounds = {
        i: (1, FEWER_MAX) if i in primary else (SUPPRESS_BELOW, max(total[1], SUPPRESS_BELOW))
        for i in hidden
    }
    low_sum = sum(low for low, _high in bounds.values())
    high_sum = sum(high for _low, high in bounds.values())
    for low, high in bounds.values():
        least = max(low, total[0] - shown - (high_sum - high))
        most = min(high, total[1] - shown - (low_sum - low))
        if most <= least:
            return True
    return False


@dataclass(frozen=True)
class Cell:
    """One value of an indicator and what its count shows ("12", "0", "<5" or "x")."""

    value: str
    label: str  # untranslated: pass it to gettext
    shown: str

    @property
    def suppressed(self) -> bool:
        return self.shown in (FEWER, HIDDEN)


@dataclass(frozen=True)
class IndicatorTable:
    """An indicator's cells; ``withheld`` when no suppression could protect them."""

    name: str
    label: str
    cells: tuple[Cell, ...]
    withheld: bool


@dataclass(frozen=True)
class Aggregates:
    """The participant data of a group as totals, suppressed: nothing here names a person
    or holds a count from 1 to 4. ``participants`` is the number counted, as shown."""

    participants: str
    indicators: tuple[IndicatorTable, ...]

    def as_figures(self) -> dict[str, Any]:
        """The same as plain JSON (for a frozen report): only what may be shown."""
        return {
            "participants": self.participants,
            "indicators": {
                table.name: None
                if table.withheld
                else {cell.value: cell.shown for cell in table.cells}
                for table in self.indicators
            },
        }


def _cell_conditions() -> list[tuple[Indicator, str, ColumnElement[bool]]]:
    conditions = []
    for indicator in INDICATORS:
        column = _column(indicator)
        for value in indicator.values:
            stored = indicator.stored(value)
            condition = column.is_(stored) if indicator.boolean else column == stored
            conditions.append((indicator, value, condition))
        conditions.append((indicator, NOT_DISCLOSED, column.is_(None)))
    return conditions


async def _counts(
    session: AsyncSession,
    *,
    candidate_ids: Sequence[int] | None,
    entered_from: datetime.date | None,
    entered_to: datetime.date | None,
) -> tuple[int, dict[tuple[str, str], int]]:
    conditions = _cell_conditions()
    query = select(
        func.count(ParticipantData.id),
        *(func.coalesce(func.sum(case((c, 1), else_=0)), 0) for _i, _v, c in conditions),
    )
    if entered_from is not None or entered_to is not None:
        query = query.join(Candidate, Candidate.id == ParticipantData.candidate_id)
        if entered_from is not None:
            query = query.where(Candidate.client_since >= entered_from)
        if entered_to is not None:
            query = query.where(Candidate.client_since <= entered_to)
    if candidate_ids is None:
        queries = [query]
    else:
        queries = [
            query.where(ParticipantData.candidate_id.in_(candidate_ids[start : start + _CHUNK]))
            for start in range(0, len(candidate_ids), _CHUNK)
        ]
    participants = 0
    cells = {(indicator.name, value): 0 for indicator, value, _c in conditions}
    for each in queries:
        row = (await session.execute(each)).one()
        participants += int(row[0])
        for (indicator, value, _c), count in zip(conditions, row[1:], strict=True):
            cells[(indicator.name, value)] += int(count)
    return participants, cells


async def aggregates(
    session: AsyncSession,
    *,
    candidate_ids: Collection[int] | None = None,
    entered_from: datetime.date | None = None,
    entered_to: datetime.date | None = None,
) -> Aggregates:
    """The participant data of a group, per indicator value, with small counts suppressed.

    The group: the candidates ``candidate_ids`` (all when None), narrowed to those who
    became clients (``client_since``) from ``entered_from`` to ``entered_to`` when given.
    Only candidates with participant data recorded are counted. A bounded number of
    queries: one per 5,000 ids (one without ids).
    """
    ids = None if candidate_ids is None else sorted(set(candidate_ids))
    participants, cells = 0, dict[tuple[str, str], int]()
    if ids != []:
        participants, cells = await _counts(
            session, candidate_ids=ids, entered_from=entered_from, entered_to=entered_to
        )
    tables = []
    for indicator in INDICATORS:
        options = (*indicator.options, (NOT_DISCLOSED, NOT_DISCLOSED_LABEL))
        counts = [cells.get((indicator.name, value), 0) for value, _label in options]
        assert sum(counts) == participants, indicator.name
        shown = suppress(counts)
        tables.append(
            IndicatorTable(
                name=indicator.name,
                label=indicator.label,
                cells=tuple(
                    Cell(value, label, text)
                    for (value, label), text in zip(
                        options, shown or [HIDDEN] * len(options), strict=True
                    )
                ),
                withheld=shown is None,
            )
        )
    return Aggregates(
        participants=FEWER if 0 < participants < SUPPRESS_BELOW else str(participants),
        indicators=tuple(tables),
    )
