"""The programme's activities: the pilot trainings of the trainer-training programme and the
dissemination events, and their totals against the programme's targets.

The original project trained over 70 people (counsellors, teachers and others) in four
organisations and reached 620 attendees; ``ProgrammeSettings.target_trainers_trained`` and
``target_dissemination_attendees`` hold today's targets.

**What counts, and when** (docs/reporting.md, "Programme activities"):

- *People trained*: the counsellors, teachers and others of every training that has ended
  (its last day is on or before the day counted to). A training under way or planned is
  listed but not counted yet: its people are not trained until it is over.
- *Organisations trained*: the distinct organisation names of those trainings, compared
  without regard to case, accents written in two ways, or spaces ("Savonia  amk" and
  "SAVONIA AMK" are one organisation).
- *Attendees*: the attendees of every event held on or before the day counted to.

Within a period (a six-monthly report) a training counts in the period of its last day and
an event in the period of its date: :data:`TRAINING_COUNTED_ON` and :data:`EVENT_COUNTED_ON`
are the one place these dates are chosen, for :func:`totals` (this page's figures) and for the
indicators (``reporting.indicators``: trainers trained, dissemination attendees).

Only the coordinator writes (``portal/policy.py``). The models are audited, so every
creation, change (old and new values) and removal reaches the audit trail with who did it,
without a call here. Functions take plain values and raise :class:`~kit.invalid.Invalid` with
a message per field when the input breaks a rule; nothing is written then.
"""

from __future__ import annotations

import dataclasses
import datetime
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from employers.models import Organisation
from kit.forms import LATEST_DATE, NUL
from kit.i18n import gettext
from kit.invalid import Invalid
from reporting.models import DisseminationEvent, EventKind, Training

MAX_TITLE = 200  # the columns' length
MAX_NAME = 200
MAX_AUDIENCE = 1000
MAX_NOTE = 4000
MAX_PARTICIPANTS = 10_000
"""People of one role in one training: far above any real training, well inside a column."""
MAX_ATTENDEES = 1_000_000
"""Attendees (or readers) of one event or publication."""
EARLIEST = datetime.date(2000, 1, 1)
LATEST = LATEST_DATE
"""Activities are dated from 2000 to 2100: anything else is a typing mistake."""

PARTICIPANT_ROLES = ("counsellors", "teachers", "others")


# --- Input -----------------------------------------------------------------------------


@dataclass
class TrainingInput:
    """A training as submitted. A number is None when it could not be read; ``ends_on``
    None means a one-day training; an empty ``organisation_name`` with an
    ``organisation_id`` takes the organisation's name."""

    title: str
    organisation_name: str = ""
    organisation_id: int | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    counsellors: int | None = 0
    teachers: int | None = 0
    others: int | None = 0
    note: str = ""


@dataclass
class EventInput:
    """A dissemination event as submitted; ``kind`` is an :class:`EventKind` value."""

    title: str
    held_on: datetime.date | None = None
    kind: str | None = None
    audience: str = ""
    attendees: int | None = 0
    note: str = ""


def _check_text(
    errors: dict[str, str], name: str, value: str, *, maximum: int, required: str = ""
) -> None:
    """A message for ``name`` when ``value`` is missing (``required`` says what to give),
    too long, or holds a NUL character (which PostgreSQL cannot store)."""
    if required and not value.strip():
        errors[name] = required
    elif len(value) > maximum:
        errors[name] = gettext("Use at most %(max)d characters.") % {"max": maximum}
    elif NUL in value:
        errors[name] = gettext("Remove the control character (NUL) from this text.")


def _check_date(
    errors: dict[str, str], name: str, value: datetime.date | None, *, missing: str
) -> None:
    if value is None:
        errors[name] = missing
    elif not EARLIEST <= value <= LATEST:
        errors[name] = gettext("Enter a date from %(min)s to %(max)s.") % {
            "min": EARLIEST.isoformat(),
            "max": LATEST.isoformat(),
        }


def _check_count(errors: dict[str, str], name: str, value: int | None, *, maximum: int) -> None:
    if value is None or not 0 <= value <= maximum:
        errors[name] = gettext("Enter a number from %(min)s to %(max)s.") % {
            "min": 0,
            "max": maximum,
        }


async def check_training(session: AsyncSession, *, data: TrainingInput) -> TrainingInput:
    """Apply every rule to ``data``; answer it cleaned (text trimmed, the organisation's name
    and the one-day end filled in) or raise :class:`Invalid` with every message."""
    errors: dict[str, str] = {}
    _check_text(
        errors,
        "title",
        data.title,
        maximum=MAX_TITLE,
        required=gettext("Give the training a title."),
    )
    organisation: Organisation | None = None
    if data.organisation_id is not None:
        organisation = await session.get(Organisation, data.organisation_id)
        if organisation is None:
            errors["organisation_id"] = gettext("Choose one of the organisations in the list.")
    name = data.organisation_name.strip() or (organisation.name if organisation else "")
    _check_text(
        errors,
        "organisation_name",
        name,
        maximum=MAX_NAME,
        required=""
        if "organisation_id" in errors
        else gettext("Name the organisation whose people were trained, or choose it."),
    )
    _check_date(
        errors, "starts_on", data.starts_on, missing=gettext("Enter the training's first day.")
    )
    ends_on = data.ends_on or data.starts_on
    if data.ends_on is not None:
        _check_date(errors, "ends_on", data.ends_on, missing="")
    if (
        "starts_on" not in errors
        and "ends_on" not in errors
        and ends_on is not None
        and data.starts_on is not None
        and ends_on < data.starts_on
    ):
        errors["ends_on"] = gettext("The last day cannot be before the first day.")
    for role in PARTICIPANT_ROLES:
        _check_count(errors, role, getattr(data, role), maximum=MAX_PARTICIPANTS)
    _check_text(errors, "note", data.note, maximum=MAX_NOTE)
    if errors:
        raise Invalid(errors)
    return dataclasses.replace(
        data,
        title=data.title.strip(),
        organisation_name=name,
        ends_on=ends_on,
        note=data.note.strip(),
    )


def check_event(data: EventInput) -> EventInput:
    """Apply every rule to ``data``; answer it trimmed or raise :class:`Invalid`."""
    errors: dict[str, str] = {}
    _check_date(errors, "held_on", data.held_on, missing=gettext("Enter the event's date."))
    _check_text(
        errors,
        "title",
        data.title,
        maximum=MAX_TITLE,
        required=gettext("Give the event a title."),
    )
    if data.kind not in {kind.value for kind in EventKind}:
        errors["kind"] = gettext("Choose what kind of event it was.")
    _check_text(errors, "audience", data.audience, maximum=MAX_AUDIENCE)
    _check_count(errors, "attendees", data.attendees, maximum=MAX_ATTENDEES)
    _check_text(errors, "note", data.note, maximum=MAX_NOTE)
    if errors:
        raise Invalid(errors)
    return dataclasses.replace(
        data, title=data.title.strip(), audience=data.audience.strip(), note=data.note.strip()
    )


# --- Reads -----------------------------------------------------------------------------


async def list_trainings(session: AsyncSession) -> Sequence[Training]:
    """Every training, the newest first (by first day, then the latest recorded)."""
    found = await session.execute(
        select(Training).order_by(Training.starts_on.desc(), Training.id.desc())
    )
    return found.scalars().all()


async def list_events(session: AsyncSession) -> Sequence[DisseminationEvent]:
    """Every dissemination event, the newest first."""
    found = await session.execute(
        select(DisseminationEvent).order_by(
            DisseminationEvent.held_on.desc(), DisseminationEvent.id.desc()
        )
    )
    return found.scalars().all()


async def get_training(
    session: AsyncSession, *, training_id: int, for_update: bool = False
) -> Training | None:
    statement = select(Training).where(Training.id == training_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def get_event(
    session: AsyncSession, *, event_id: int, for_update: bool = False
) -> DisseminationEvent | None:
    statement = select(DisseminationEvent).where(DisseminationEvent.id == event_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def organisation_choices(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of every organisation in the portal, by name: a training's optional link."""
    found = await session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)
    )
    return [(int(row.id), str(row.name)) for row in found]


# --- Writes ----------------------------------------------------------------------------


def _apply_training(training: Training, data: TrainingInput) -> None:
    assert data.starts_on is not None  # checked
    assert data.ends_on is not None
    training.title = data.title
    training.organisation_name = data.organisation_name
    training.organisation_id = data.organisation_id
    training.starts_on = data.starts_on
    training.ends_on = data.ends_on
    training.counsellors = data.counsellors or 0
    training.teachers = data.teachers or 0
    training.others = data.others or 0
    training.note = data.note


def _apply_event(event: DisseminationEvent, data: EventInput) -> None:
    assert data.held_on is not None  # checked
    assert data.kind is not None
    event.held_on = data.held_on
    event.title = data.title
    event.kind = data.kind
    event.audience = data.audience
    event.attendees = data.attendees or 0
    event.note = data.note


async def create_training(session: AsyncSession, *, data: TrainingInput) -> Training:
    """Record a training; raises :class:`Invalid`."""
    checked = await check_training(session, data=data)
    training = Training()
    _apply_training(training, checked)
    session.add(training)
    await session.flush()
    return training


async def update_training(
    session: AsyncSession, *, training: Training, data: TrainingInput
) -> Training:
    """Replace a training's details; raises :class:`Invalid`."""
    checked = await check_training(session, data=data)
    _apply_training(training, checked)
    await session.flush()
    return training


async def remove_training(session: AsyncSession, *, training: Training) -> None:
    """Remove a training recorded by mistake (the audit trail keeps what it said)."""
    await session.delete(training)
    await session.flush()


async def create_event(session: AsyncSession, *, data: EventInput) -> DisseminationEvent:
    """Record a dissemination event; raises :class:`Invalid`."""
    checked = check_event(data)
    event = DisseminationEvent()
    _apply_event(event, checked)
    session.add(event)
    await session.flush()
    return event


async def update_event(
    session: AsyncSession, *, event: DisseminationEvent, data: EventInput
) -> DisseminationEvent:
    """Replace an event's details; raises :class:`Invalid`."""
    checked = check_event(data)
    _apply_event(event, checked)
    await session.flush()
    return event


async def remove_event(session: AsyncSession, *, event: DisseminationEvent) -> None:
    """Remove an event recorded by mistake (the audit trail keeps what it said)."""
    await session.delete(event)
    await session.flush()


# --- Totals ----------------------------------------------------------------------------


def organisation_key(name: str) -> str:
    """The form of an organisation's name that is compared: one way of writing each letter
    (NFKC), case folded, spaces trimmed and runs of them made one."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True)
class ActivityTotals:
    """The activities' figures over a span of days, with the rows each figure counted."""

    people_trained: int
    counsellors_trained: int
    teachers_trained: int
    others_trained: int
    organisations_trained: int
    attendees: int
    training_ids: tuple[int, ...]
    event_ids: tuple[int, ...]

    @property
    def trainings(self) -> int:
        return len(self.training_ids)

    @property
    def events(self) -> int:
        return len(self.event_ids)


# The day a training or an event counts on, here and in the indicators.
TRAINING_COUNTED_ON = Training.ends_on
EVENT_COUNTED_ON = DisseminationEvent.held_on


async def totals(
    session: AsyncSession,
    *,
    from_day: datetime.date | None = None,
    to_day: datetime.date | None = None,
) -> ActivityTotals:
    """The figures of the trainings that ended and the events held from ``from_day`` to
    ``to_day`` (both included; None: no bound). See the module's docstring for the rules.

    Two queries whatever the number of rows; the names are compared in Python, since
    SQLite's ``lower()`` folds only ASCII letters.
    """
    trainings = select(
        Training.id,
        Training.organisation_name,
        Training.counsellors,
        Training.teachers,
        Training.others,
    ).order_by(Training.id)
    events = select(DisseminationEvent.id, DisseminationEvent.attendees).order_by(
        DisseminationEvent.id
    )
    if from_day is not None:
        trainings = trainings.where(from_day <= TRAINING_COUNTED_ON)
        events = events.where(from_day <= EVENT_COUNTED_ON)
    if to_day is not None:
        trainings = trainings.where(to_day >= TRAINING_COUNTED_ON)
        events = events.where(to_day >= EVENT_COUNTED_ON)
    training_rows = (await session.execute(trainings)).all()
    event_rows = (await session.execute(events)).all()
    counsellors = sum(row.counsellors for row in training_rows)
    teachers = sum(row.teachers for row in training_rows)
    others = sum(row.others for row in training_rows)
    return ActivityTotals(
        people_trained=counsellors + teachers + others,
        counsellors_trained=counsellors,
        teachers_trained=teachers,
        others_trained=others,
        organisations_trained=len(
            {organisation_key(row.organisation_name) for row in training_rows}
        ),
        attendees=sum(row.attendees for row in event_rows),
        training_ids=tuple(int(row.id) for row in training_rows),
        event_ids=tuple(int(row.id) for row in event_rows),
    )
