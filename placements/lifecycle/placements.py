"""Placements: who sees which, what a placement page shows, and how a placement moves on.

Who sees a placement: staff all; an employer its organisation's; a tutor those they tutor.
Anyone else gets None (the pages answer 404). Counsellors and the coordinator run the
placement: agreed → active → completed, agreed or active → interrupted (with a note); dates,
tutor and teacher. Proposals that lead to a placement are in
:mod:`placements.lifecycle.proposals`, monitoring visits in :mod:`placements.lifecycle.visits`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, bindparam, case, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql import Select

from accounts.models import User
from candidates import access
from candidates.models import Candidate, Stage
from employers.models import Organisation, PartnershipStatus
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.roles import Role, Viewer
from placements.models import (
    DecisionKind,
    MonitoringVisit,
    Placement,
    PlacementStatus,
    Position,
    PositionStatus,
    SuggestionDecision,
)
from placements.positions.services import partnership_label
from placements.review.decisions import NOTE_MAX

PLACEMENT_STATUS: dict[str, str] = {
    PlacementStatus.AGREED.value: N_("Agreed"),
    PlacementStatus.ACTIVE.value: N_("Active"),
    PlacementStatus.COMPLETED.value: N_("Completed"),
    PlacementStatus.INTERRUPTED.value: N_("Interrupted"),
}

# What a counsellor or the coordinator may move a placement to, from each status.
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PlacementStatus.AGREED.value: (
        PlacementStatus.ACTIVE.value,
        PlacementStatus.INTERRUPTED.value,
    ),
    PlacementStatus.ACTIVE.value: (
        PlacementStatus.COMPLETED.value,
        PlacementStatus.INTERRUPTED.value,
    ),
    PlacementStatus.COMPLETED.value: (),
    PlacementStatus.INTERRUPTED.value: (),
}


def placement_status_label(status: str) -> str:
    return gettext(PLACEMENT_STATUS.get(status, status))


def candidate_number(candidate_id: int) -> str:
    """How a candidate is named to someone who may not see the name."""
    return gettext("Candidate no. %(id)s") % {"id": candidate_id}


# --- Placements: who sees what --------------------------------------------------------


def _visible_placements(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Placement`: what ``viewer`` may see."""
    if viewer.is_staff:
        return true()
    if viewer.role == Role.EMPLOYER and viewer.organisation_id is not None:
        return Placement.organisation_id == viewer.organisation_id
    if viewer.role == Role.TUTOR:
        return Placement.tutor_id == viewer.user_id
    return false()


def _names_person(viewer: Viewer) -> ColumnElement[bool]:
    """Whether the viewer may see the placed candidate's name and contact details.

    The employer and the tutor may now (the proposal was accepted); the coordinator always;
    a counsellor or teacher when the candidate is theirs or they work on this placement.
    """
    if viewer.role in (Role.EMPLOYER, Role.TUTOR, Role.COORDINATOR):
        return true()
    own = visible_to_candidate(viewer)
    if viewer.role == Role.COUNSELLOR:
        return own | (Placement.counsellor_id == viewer.user_id)
    if viewer.role == Role.TEACHER:
        return own | (Placement.teacher_id == viewer.user_id)
    return false()


def visible_to_candidate(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: the viewer may see the candidate's record."""
    return access.visible_to(viewer)


def _manages(viewer: Viewer) -> ColumnElement[bool]:
    """Whether the viewer runs this placement (status, details): the coordinator, or a
    counsellor who may see the candidate or who proposed them."""
    if viewer.role == Role.COORDINATOR:
        return true()
    if viewer.role == Role.COUNSELLOR:
        return visible_to_candidate(viewer) | (Placement.counsellor_id == viewer.user_id)
    return false()


def _flag(clause: ColumnElement[bool], name: str) -> ColumnElement[bool]:
    return case((clause, True), else_=False).label(name)


@dataclass(frozen=True)
class PlacementRow:
    """A placement in a list, with what the viewer may see of the candidate."""

    placement: Placement
    position_title: str
    organisation_name: str
    candidate_name: str | None
    organisation_status: str = PartnershipStatus.PARTNER.value

    @property
    def candidate_label(self) -> str:
        return self.candidate_name or candidate_number(self.placement.candidate_id)

    @property
    def organisation_status_label(self) -> str:
        return partnership_label(self.organisation_status)


def _placements_statement(viewer: Viewer) -> Select[tuple[Placement, str, str, str, bool, bool]]:
    return (
        select(
            Placement,
            Position.title,
            Organisation.name,
            Candidate.name,
            _flag(_names_person(viewer), "named"),
            _flag(_manages(viewer), "manages"),
        )
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .where(_visible_placements(viewer))
    )


async def list_placements(
    session: AsyncSession, viewer: Viewer, *, status: str | None = None
) -> list[PlacementRow]:
    """The placements ``viewer`` may see, newest first, in one query."""
    statement = (
        _placements_statement(viewer).add_columns(Organisation.status).order_by(Placement.id.desc())
    )
    if status:
        statement = statement.where(Placement.status == status)
    return [
        PlacementRow(
            placement=placement,
            position_title=title,
            organisation_name=organisation_name,
            candidate_name=name if named else None,
            organisation_status=organisation_status,
        )
        for placement, title, organisation_name, name, named, _manages_it, organisation_status in (
            await session.execute(statement)
        ).all()
    ]


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class TimelineStep:
    """A step of the placement's story: proposed, accepted, then its status."""

    label: str
    by: str | None = None
    at: datetime.datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class CandidateContact:
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class VisitLine:
    """A monitoring visit as the placement page shows it, with the visitor's name."""

    id: int
    visited_on: datetime.date
    visitor_id: int | None
    notes: str
    visitor: str | None


@dataclass(frozen=True)
class PlacementView:
    """A placement page: the placement, its people and story, what the viewer may do."""

    placement: Placement
    position_title: str
    organisation_name: str
    candidate: CandidateContact | None  # None: the viewer may not see the person
    candidate_stage: str
    tutor: Person | None
    teacher: Person | None
    counsellor: Person | None
    timeline: list[TimelineStep]
    visits: list[VisitLine]
    manages: bool
    may_record_visit: bool
    next_statuses: tuple[str, ...] = field(default_factory=tuple)
    # The viewer may open the candidate's record (their caseload, an interview of theirs).
    opens_record: bool = False

    @property
    def candidate_label(self) -> str:
        if self.candidate is not None:
            return self.candidate.name
        return candidate_number(self.placement.candidate_id)


async def get_placement(
    session: AsyncSession, viewer: Viewer, *, placement_id: int
) -> Placement | None:
    """The placement if ``viewer`` may see it (visits loaded), else None."""
    return (
        await session.execute(
            select(Placement)
            .where(Placement.id == placement_id, _visible_placements(viewer))
            .options(selectinload(Placement.visits))
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


@dataclass(frozen=True)
class _Decision:
    """A proposal or an acceptance on the placement's way, as its timeline shows it."""

    id: int
    kind: str
    sequence: int
    decided_by: str | None
    created_at: datetime.datetime
    note: str


_TUTOR = aliased(User, name="tutor")
_TEACHER = aliased(User, name="teacher")
_COUNSELLOR = aliased(User, name="counsellor")

_DECISIONS = (
    select(
        SuggestionDecision.id,
        SuggestionDecision.kind,
        SuggestionDecision.sequence,
        User.name,
        SuggestionDecision.created_at,
        SuggestionDecision.note,
    )
    .outerjoin(User, User.id == SuggestionDecision.decided_by_id)
    .where(
        SuggestionDecision.position_id == bindparam("position_id"),
        SuggestionDecision.candidate_id == bindparam("candidate_id"),
        SuggestionDecision.kind.in_((DecisionKind.PROPOSED.value, DecisionKind.ACCEPTED.value)),
    )
    .order_by(SuggestionDecision.sequence)
)

_VISITS = (
    select(
        MonitoringVisit.id,
        MonitoringVisit.visited_on,
        MonitoringVisit.visitor_id,
        MonitoringVisit.notes,
        User.name,
    )
    .outerjoin(User, User.id == MonitoringVisit.visitor_id)
    .where(MonitoringVisit.placement_id == bindparam("placement_id"))
    .order_by(MonitoringVisit.visited_on.desc(), MonitoringVisit.id.desc())
)


def _person(user_id: int | None, name: str | None, email: str | None) -> Person | None:
    if user_id is None or name is None:
        return None
    return Person(id=int(user_id), name=str(name), email=str(email))


async def placement_view(
    session: AsyncSession, viewer: Viewer, *, placement_id: int
) -> PlacementView | None:
    """Everything the placement page shows, or None when ``viewer`` may not see it (three
    queries: the placement with its people, the decisions that led to it, its visits)."""
    row = (
        await session.execute(
            _placements_statement(viewer)
            .add_columns(
                Candidate.email,
                Candidate.phone,
                Candidate.stage,
                _flag(visible_to_candidate(viewer), "opens_record"),
                _TUTOR.name,
                _TUTOR.email,
                _TEACHER.name,
                _TEACHER.email,
                _COUNSELLOR.name,
                _COUNSELLOR.email,
            )
            .outerjoin(_TUTOR, _TUTOR.id == Placement.tutor_id)
            .outerjoin(_TEACHER, _TEACHER.id == Placement.teacher_id)
            .outerjoin(_COUNSELLOR, _COUNSELLOR.id == Placement.counsellor_id)
            .where(Placement.id == placement_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return None
    (
        placement,
        title,
        organisation_name,
        name,
        named,
        manages,
        email,
        phone,
        stage,
        opens,
        tutor_name,
        tutor_email,
        teacher_name,
        teacher_email,
        counsellor_name,
        counsellor_email,
    ) = row
    decisions = [
        _Decision(
            id=int(decision_id),
            kind=str(kind),
            sequence=int(sequence),
            decided_by=decided_by,
            created_at=created_at,
            note=str(note),
        )
        for decision_id, kind, sequence, decided_by, created_at, note in (
            await session.execute(
                _DECISIONS,
                {"position_id": placement.position_id, "candidate_id": placement.candidate_id},
            )
        ).all()
    ]
    accepted = next((d for d in decisions if d.id == placement.decision_id), None)
    if accepted is None:
        accepted = next((d for d in reversed(decisions) if d.kind == "accepted"), None)
    limit = accepted.sequence if accepted is not None else None
    proposed = next(
        (
            d
            for d in reversed(decisions)
            if d.kind == DecisionKind.PROPOSED.value and (limit is None or d.sequence < limit)
        ),
        None,
    )
    visits = [
        VisitLine(
            id=int(visit_id),
            visited_on=visited_on,
            visitor_id=visitor_id,
            notes=str(notes),
            visitor=visitor,
        )
        for visit_id, visited_on, visitor_id, notes, visitor in (
            await session.execute(_VISITS, {"placement_id": placement.id})
        ).all()
    ]

    timeline: list[TimelineStep] = []
    if proposed is not None:
        timeline.append(
            TimelineStep(
                label=gettext("Proposed to the employer"),
                by=proposed.decided_by,
                at=proposed.created_at,
            )
        )
    if accepted is not None:
        timeline.append(
            TimelineStep(
                label=gettext("Accepted by the employer"),
                by=accepted.decided_by,
                at=accepted.created_at,
                note=accepted.note,
            )
        )
    timeline.append(
        TimelineStep(
            label=gettext("Status now: %(status)s")
            % {"status": placement_status_label(placement.status)},
            note=placement.status_note,
        )
    )
    may_visit = bool(manages) and viewer.role == Role.COUNSELLOR
    return PlacementView(
        placement=placement,
        position_title=title,
        organisation_name=organisation_name,
        candidate=CandidateContact(name=name, email=email, phone=phone) if named else None,
        candidate_stage=stage,
        tutor=_person(placement.tutor_id, tutor_name, tutor_email),
        teacher=_person(placement.teacher_id, teacher_name, teacher_email),
        counsellor=_person(placement.counsellor_id, counsellor_name, counsellor_email),
        timeline=timeline,
        visits=visits,
        manages=bool(manages),
        may_record_visit=may_visit,
        next_statuses=STATUS_TRANSITIONS.get(placement.status, ()) if manages else (),
        opens_record=bool(opens),
    )


async def may_manage(session: AsyncSession, viewer: Viewer, *, placement: Placement) -> bool:
    """The coordinator, or a counsellor who may see the candidate or who proposed them."""
    if viewer.role == Role.COORDINATOR:
        return True
    if viewer.role != Role.COUNSELLOR:
        return False
    found = await session.execute(
        select(Placement.id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .where(Placement.id == placement.id, _manages(viewer))
    )
    return found.first() is not None


# --- Placements: changes --------------------------------------------------------------


async def change_status(
    session: AsyncSession, *, placement: Placement, status: str, note: str = ""
) -> Placement:
    """Move the placement on (see :data:`STATUS_TRANSITIONS`), and the candidate with it.

    Completed: the candidate goes on to assessment. Interrupted (a note is required): the
    candidate goes back to the interview stage and a filled position is open again.
    Raises :class:`Invalid` (keys ``status``, ``note``).
    """
    note = note.strip()
    errors: dict[str, str] = {}
    if status not in PLACEMENT_STATUS:
        errors["status"] = gettext("Choose one of the options.")
    elif status not in STATUS_TRANSITIONS.get(placement.status, ()):
        errors["status"] = gettext("A placement cannot go from “%(current)s” to “%(wanted)s”.") % {
            "current": placement_status_label(placement.status),
            "wanted": placement_status_label(status),
        }
    if len(note) > NOTE_MAX:
        errors["note"] = gettext("Use at most %(max)d characters.") % {"max": NOTE_MAX}
    elif status == PlacementStatus.INTERRUPTED.value and not note:
        errors["note"] = gettext("Say why the placement was interrupted.")
    if errors:
        raise Invalid(errors)
    placement.status = status
    if note or status == PlacementStatus.INTERRUPTED.value:
        placement.status_note = note
    candidate = await session.get_one(Candidate, placement.candidate_id)
    if status == PlacementStatus.COMPLETED.value:
        candidate.stage = Stage.ASSESSMENT.value
    elif status == PlacementStatus.INTERRUPTED.value:
        candidate.stage = Stage.INTERVIEW.value
        position = await session.get_one(Position, placement.position_id)
        if position.status == PositionStatus.FILLED.value:
            position.status = PositionStatus.OPEN.value
    await session.flush()
    return placement


@dataclass(frozen=True)
class PlacementDetailsInput:
    start_date: datetime.date | None
    end_date: datetime.date | None
    tutor_id: int | None
    teacher_id: int | None


async def update_details(
    session: AsyncSession, *, placement: Placement, data: PlacementDetailsInput
) -> Placement:
    """Dates (end not before start), the tutor (an active tutor of the placement's
    organisation) and the teacher (a user with the teacher role).

    Raises :class:`Invalid` (keys ``end_date``, ``tutor``, ``teacher``).
    """
    errors: dict[str, str] = {}
    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors["end_date"] = gettext("The end date cannot be before the start date.")
    if data.tutor_id is not None and data.tutor_id not in {
        person.id for person in await tutor_choices(session, placement.organisation_id)
    }:
        errors["tutor"] = gettext("Choose a workplace tutor of the placement's organisation.")
    if data.teacher_id is not None and data.teacher_id not in {
        person.id for person in await teacher_choices(session)
    }:
        errors["teacher"] = gettext("Choose a professional teacher from the list.")
    if errors:
        raise Invalid(errors)
    placement.start_date = data.start_date
    placement.end_date = data.end_date
    placement.tutor_id = data.tutor_id
    placement.teacher_id = data.teacher_id
    await session.flush()
    return placement


async def _people(session: AsyncSession, *clauses: ColumnElement[bool]) -> list[Person]:
    rows = await session.execute(
        select(User.id, User.name, User.email)
        .where(User.is_active.is_(True), *clauses)
        .order_by(User.name, User.id)
    )
    return [Person(id=int(row[0]), name=str(row[1]), email=str(row[2])) for row in rows.all()]


async def tutor_choices(session: AsyncSession, organisation_id: int) -> list[Person]:
    """Active workplace tutors of the organisation."""
    return await _people(
        session,
        User.role == Role.TUTOR,
        User.organisation_id == organisation_id,
    )


async def teacher_choices(session: AsyncSession) -> list[Person]:
    """Active professional teachers."""
    return await _people(session, User.role == Role.TEACHER)


_TUTORS_AND_TEACHERS = (
    select(User.id, User.name, User.email, User.role)
    .where(
        User.is_active.is_(True),
        (User.role == Role.TEACHER)
        | ((User.role == Role.TUTOR) & (User.organisation_id == bindparam("organisation_id"))),
    )
    .order_by(User.name, User.id)
)


async def tutor_and_teacher_choices(
    session: AsyncSession, organisation_id: int
) -> tuple[list[Person], list[Person]]:
    """:func:`tutor_choices` and :func:`teacher_choices` in one query (for the placement
    page's form)."""
    tutors: list[Person] = []
    teachers: list[Person] = []
    for user_id, name, email, role in (
        await session.execute(_TUTORS_AND_TEACHERS, {"organisation_id": organisation_id})
    ).all():
        person = Person(id=int(user_id), name=str(name), email=str(email))
        (teachers if role == Role.TEACHER else tutors).append(person)
    return tutors, teachers
