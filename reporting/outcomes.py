"""Outcomes: what followed for a candidate, recorded by the people who keep their record.

An outcome is employment (short-term or long-term, with the employer and the contract's
dates), education or training started, studies shortened (with the qualification units that
were recognised) or "none yet", each with the source of the information. Counsellors record
them for the candidates whose record they may change (their caseload and the records opened
to them), the coordinator for everyone: the rules of :mod:`candidates.access`, reused here.
Teachers who may see the candidate read them; nobody else sees them.

Every write goes through the ORM, so the audit trail (:mod:`kit.audit`) records who created,
changed or removed which outcome, with the values. A change or a removal first takes the
outcome's row with a write (:func:`_hold`): two at the same moment (a double click, a second
tab) wait for each other, and the later one finds the row as the first left it, or gone.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from candidates.access import get_visible_candidate, may_change_record
from candidates.models import Candidate
from competences.models import Framework, FrameworkKind, Unit
from employers.models import Organisation, PartnershipStatus
from kit.clock import PROGRAMME_TIMEZONE
from kit.forms import EARLIEST_DATE, LATEST_DATE, MAX_ID, NUL
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from reporting.models import Outcome, OutcomeKind, OutcomeSource

OUTCOME_KINDS = frozenset(kind.value for kind in OutcomeKind)
EMPLOYMENT_KINDS = frozenset(
    {OutcomeKind.EMPLOYMENT_SHORT.value, OutcomeKind.EMPLOYMENT_LONG.value}
)
EMPLOYER_MAX = 200
SOURCE_NOTE_MAX = 500
NOTE_MAX = 2000
MAX_UNITS = 100
START_AHEAD = datetime.timedelta(days=366)
"""An outcome may start up to a year ahead (a contract signed for later), not further."""


# --- Who may read and change ---------------------------------------------------------------


def may_read(viewer: Viewer) -> bool:
    """Staff who may see the candidate read the outcomes (teachers too); the people of
    organisations and the steering committee never do."""
    return viewer.is_staff


async def changeable_candidate(
    session: AsyncSession, *, candidate_id: int, viewer: Viewer
) -> Candidate | None:
    """The candidate if ``viewer`` may change their record (so record outcomes), else None:
    the caller answers 404, as for a candidate that does not exist."""
    candidate = await get_visible_candidate(session, candidate_id=candidate_id, viewer=viewer)
    if candidate is None or not may_change_record(viewer):
        return None
    return candidate


# --- Input and its rules -------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeInput:
    """An outcome as a form (or a script) gives it, before the rules are checked."""

    kind: str
    source: str
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    employer_name: str = ""
    organisation_id: int | None = None
    unit_ids: tuple[int, ...] = ()
    source_note: str = ""
    note: str = ""


def _check_text(errors: dict[str, str], name: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        errors.setdefault(name, gettext("Use at most %(max)d characters.") % {"max": maximum})
    elif NUL in value:
        errors.setdefault(name, gettext("Remove the control character (NUL) from this text."))


def _check_date(
    errors: dict[str, str],
    name: str,
    day: datetime.date | None,
    *,
    latest: datetime.date = LATEST_DATE,
) -> None:
    if day is not None and not EARLIEST_DATE <= day <= latest:
        errors.setdefault(
            name,
            gettext("Enter a date from %(min)s to %(max)s.")
            % {"min": EARLIEST_DATE.isoformat(), "max": latest.isoformat()},
        )


async def check_outcome(
    session: AsyncSession,
    data: OutcomeInput,
    *,
    today: datetime.date,
    current_organisation_id: int | None = None,
) -> OutcomeInput:
    """``data`` with the employer's name filled in from the partner chosen, if it breaks no
    rule; otherwise :class:`Invalid` with a message for every field that breaks one.

    Keys: ``kind``, ``source``, ``starts_on``, ``ends_on``, ``employer_name``,
    ``organisation``, ``units``, ``source_note``, ``note``. A partner may be chosen while it
    is an approved partner, and kept on a change (``current_organisation_id``) after it is
    no longer one.
    """
    errors: dict[str, str] = {}
    if data.kind not in OUTCOME_KINDS:
        errors["kind"] = gettext("Choose what followed.")
    if data.source not in {source.value for source in OutcomeSource}:
        errors["source"] = gettext("Choose where the information came from.")
    _check_dates(errors, data, today=today)
    employer_name = await _check_employer(errors, session, data, current_organisation_id)
    await _check_units(errors, session, data)
    _check_text(errors, "source_note", data.source_note, SOURCE_NOTE_MAX)
    _check_text(errors, "note", data.note, NOTE_MAX)
    if errors:
        raise Invalid(errors)
    return dataclasses.replace(
        data, employer_name=employer_name, unit_ids=tuple(sorted(set(data.unit_ids)))
    )


def _check_dates(errors: dict[str, str], data: OutcomeInput, *, today: datetime.date) -> None:
    """Within bounds, in order, and given exactly when something has followed."""
    _check_date(errors, "starts_on", data.starts_on, latest=today + START_AHEAD)
    _check_date(errors, "ends_on", data.ends_on)
    if data.kind == OutcomeKind.NONE_YET.value:
        if data.starts_on or data.ends_on:
            key = "starts_on" if data.starts_on else "ends_on"
            errors.setdefault(key, gettext("Leave the dates empty when nothing has followed yet."))
        return
    if data.kind in OUTCOME_KINDS and data.starts_on is None:
        errors.setdefault("starts_on", gettext("Enter the date the outcome began."))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors.setdefault("ends_on", gettext("The end date cannot be before the start date."))


async def _check_employer(
    errors: dict[str, str],
    session: AsyncSession,
    data: OutcomeInput,
    current_organisation_id: int | None,
) -> str:
    """The employer's name (the partner's when only the partner is chosen): named for
    employment, and only for employment."""
    _check_text(errors, "employer_name", data.employer_name, EMPLOYER_MAX)
    employer_name = data.employer_name
    if data.organisation_id is not None:
        organisation = await _organisation_choice(
            session, data.organisation_id, current=current_organisation_id
        )
        if organisation is None:
            errors["organisation"] = gettext("Choose a partner organisation from the list.")
        elif not employer_name:
            employer_name = organisation.name
    employment = data.kind in EMPLOYMENT_KINDS
    if data.kind in OUTCOME_KINDS and not employment:
        if data.employer_name or data.organisation_id is not None:
            key = "employer_name" if data.employer_name else "organisation"
            errors.setdefault(
                key,
                gettext(
                    "An employer is named only for employment: clear this field or choose "
                    "an employment."
                ),
            )
    elif employment and not employer_name:
        errors.setdefault(
            "employer_name", gettext("Name the employer, or choose a partner organisation.")
        )
    return employer_name


async def _check_units(errors: dict[str, str], session: AsyncSession, data: OutcomeInput) -> None:
    """Units that exist, chosen for shortened studies and only for them."""
    studies = data.kind == OutcomeKind.STUDIES_SHORTENED.value
    if len(data.unit_ids) > MAX_UNITS:
        errors["units"] = gettext("Choose at most %(max)d units.") % {"max": MAX_UNITS}
    elif data.unit_ids and data.kind in OUTCOME_KINDS and not studies:
        errors["units"] = gettext(
            "Units are chosen only for shortened studies: clear them or choose “Studies shortened”."
        )
    elif studies and not data.unit_ids:
        errors["units"] = gettext("Choose the units that were recognised.")
    elif data.unit_ids and await _unknown_units(session, data.unit_ids):
        errors["units"] = gettext(
            "A unit chosen is not in the competence frameworks. Choose units from the list."
        )


async def _organisation_choice(
    session: AsyncSession, organisation_id: int, *, current: int | None
) -> Organisation | None:
    if not 1 <= organisation_id <= MAX_ID:
        return None
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        return None
    if organisation.status != PartnershipStatus.PARTNER.value and organisation.id != current:
        return None
    return organisation


async def _unknown_units(session: AsyncSession, unit_ids: Sequence[int]) -> bool:
    wanted = set(unit_ids)
    if any(not 1 <= unit_id <= MAX_ID for unit_id in wanted):
        return True
    found = set((await session.scalars(select(Unit.id).where(Unit.id.in_(wanted)))).all())
    return found != wanted


# --- Writes ----------------------------------------------------------------------------------


def _apply(outcome: Outcome, data: OutcomeInput) -> None:
    outcome.kind = data.kind
    outcome.source = data.source
    outcome.starts_on = data.starts_on
    outcome.ends_on = data.ends_on
    outcome.employer_name = data.employer_name
    outcome.organisation_id = data.organisation_id
    outcome.units_recognised = list(data.unit_ids)
    outcome.source_note = data.source_note
    outcome.note = data.note


async def record_outcome(
    session: AsyncSession,
    *,
    candidate: Candidate,
    viewer: Viewer,
    data: OutcomeInput,
    today: datetime.date,
) -> Outcome:
    """Record a new outcome for ``candidate`` (found with :func:`changeable_candidate`).

    Raises :class:`Invalid` (see :func:`check_outcome`).
    """
    checked = await check_outcome(session, data, today=today)
    outcome = Outcome(candidate_id=candidate.id, recorded_by_id=viewer.user_id)
    _apply(outcome, checked)
    session.add(outcome)
    await session.flush()
    return outcome


async def _hold(session: AsyncSession, *, candidate_id: int, outcome_id: int) -> bool:
    """Take the outcome's row for this transaction with a write that changes nothing; False
    when the candidate has no such outcome (any more).

    A change or removal arriving at the same moment waits here (PostgreSQL: the row lock;
    SQLite: the single writer's lock) until this transaction ends, then finds the row as it
    was left, so the ORM never writes to a row that is gone.
    """
    held = await session.execute(
        update(Outcome)
        .where(Outcome.id == outcome_id, Outcome.candidate_id == candidate_id)
        .values(updated_at=Outcome.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(held.rowcount)  # type: ignore[attr-defined]


async def _held_outcome(
    session: AsyncSession, *, candidate_id: int, outcome_id: int
) -> Outcome | None:
    if not await _hold(session, candidate_id=candidate_id, outcome_id=outcome_id):
        return None
    return (
        await session.execute(
            select(Outcome)
            .where(Outcome.id == outcome_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def change_outcome(
    session: AsyncSession, *, outcome: Outcome, data: OutcomeInput, today: datetime.date
) -> Outcome | None:
    """Change ``outcome`` (found with :func:`get_outcome`); None when it was removed
    meanwhile.

    Raises :class:`Invalid` (see :func:`check_outcome`).
    """
    checked = await check_outcome(
        session, data, today=today, current_organisation_id=outcome.organisation_id
    )
    held = await _held_outcome(session, candidate_id=outcome.candidate_id, outcome_id=outcome.id)
    if held is None:
        return None
    _apply(held, checked)
    await session.flush()
    return held


async def remove_outcome(session: AsyncSession, *, candidate_id: int, outcome_id: int) -> bool:
    """Remove the candidate's outcome; False when there was none (any more)."""
    outcome = await _held_outcome(session, candidate_id=candidate_id, outcome_id=outcome_id)
    if outcome is None:
        return False
    await session.delete(outcome)
    await session.flush()
    return True


# --- Reads -----------------------------------------------------------------------------------


async def get_outcome(
    session: AsyncSession, *, candidate_id: int, outcome_id: int
) -> Outcome | None:
    """The candidate's outcome, or None (another candidate's outcome is not found either)."""
    return (
        await session.execute(
            select(Outcome).where(Outcome.id == outcome_id, Outcome.candidate_id == candidate_id)
        )
    ).scalar_one_or_none()


@dataclass(frozen=True)
class UnitLine:
    """A qualification unit as a choice: its id, code, labels and framework's labels."""

    id: int
    code: str
    labels: dict[str, str]
    framework_labels: dict[str, str]


@dataclass(frozen=True)
class OutcomeLine:
    """An outcome as the candidate's page lists it."""

    outcome: Outcome
    recorded_by: str
    units: list[UnitLine] = field(default_factory=list)

    @property
    def recorded_on(self) -> datetime.date:
        """The day it was recorded, in programme time."""
        return self.outcome.created_at.astimezone(PROGRAMME_TIMEZONE).date()

    @property
    def kind_label(self) -> str:
        return _label(OutcomeKind, self.outcome.kind)

    @property
    def source_label(self) -> str:
        return _label(OutcomeSource, self.outcome.source)


def _label(values: type[OutcomeKind] | type[OutcomeSource], value: str) -> str:
    try:
        return gettext(values(value).label)
    except ValueError:
        return value


def kind_options() -> list[tuple[str, str]]:
    """What may follow, as (value, label) in the request's language."""
    return [(kind.value, gettext(kind.label)) for kind in OutcomeKind]


def source_options() -> list[tuple[str, str]]:
    """Where the information may come from, as (value, label) in the request's language."""
    return [(source.value, gettext(source.label)) for source in OutcomeSource]


async def list_outcomes(session: AsyncSession, *, candidate_id: int) -> list[OutcomeLine]:
    """The candidate's outcomes, latest start first ("none yet" by when it was recorded),
    with who recorded each and the units recognised: two queries at most."""
    rows = (
        await session.execute(
            select(Outcome, User.name)
            .outerjoin(User, User.id == Outcome.recorded_by_id)
            .where(Outcome.candidate_id == candidate_id)
            .order_by(Outcome.starts_on.desc().nulls_first(), Outcome.id.desc())
        )
    ).all()
    unit_ids = {unit_id for outcome, _name in rows for unit_id in outcome.units_recognised}
    units = {unit.id: unit for unit in await units_by_id(session, unit_ids)}
    return [
        OutcomeLine(
            outcome=outcome,
            recorded_by=str(name or ""),
            units=[units[unit_id] for unit_id in outcome.units_recognised if unit_id in units],
        )
        for outcome, name in rows
    ]


_UNIT_LINE = (
    select(Unit.id, Unit.code, Unit.labels, Framework.id, Framework.labels)
    .join(Framework, Framework.id == Unit.framework_id)
    .order_by(Framework.code, Unit.position, Unit.id)
)


def _unit_line(row: Any) -> UnitLine:
    unit_id, code, labels, _framework_id, framework_labels = row
    return UnitLine(
        id=int(unit_id),
        code=str(code),
        labels=dict(labels),
        framework_labels=dict(framework_labels),
    )


async def units_by_id(session: AsyncSession, unit_ids: Iterable[int]) -> list[UnitLine]:
    """The units named by ``unit_ids`` (none: no query)."""
    wanted = {unit_id for unit_id in unit_ids if 1 <= unit_id <= MAX_ID}
    if not wanted:
        return []
    rows = await session.execute(_UNIT_LINE.where(Unit.id.in_(wanted)))
    return [_unit_line(row) for row in rows.all()]


@dataclass(frozen=True)
class FrameworkUnits:
    """A qualification's units, to choose the recognised ones from."""

    framework_labels: dict[str, str]
    units: list[UnitLine]


async def unit_choices(session: AsyncSession) -> list[FrameworkUnits]:
    """Every qualification framework's units, grouped by framework (one query).

    Skill vocabularies such as ESCO have no units a school recognises, so they are left out.
    """
    rows = await session.execute(
        _UNIT_LINE.where(Framework.kind == FrameworkKind.QUALIFICATION.value)
    )
    groups: dict[int, FrameworkUnits] = {}
    for row in rows.all():
        line = _unit_line(row)
        group = groups.setdefault(int(row[3]), FrameworkUnits(line.framework_labels, []))
        group.units.append(line)
    return list(groups.values())


async def partner_options(
    session: AsyncSession, *, current: int | None = None
) -> list[tuple[str, str]]:
    """Approved partner organisations as (id, name), and the outcome's current one if it is
    no longer a partner (so that saving the form keeps it)."""
    offered = Organisation.status == PartnershipStatus.PARTNER.value
    if current is not None:
        offered = offered | (Organisation.id == current)
    rows = await session.execute(
        select(Organisation.id, Organisation.name)
        .where(offered)
        .order_by(Organisation.name, Organisation.id)
    )
    return [(str(organisation_id), str(name)) for organisation_id, name in rows.tuples().all()]
