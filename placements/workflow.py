"""Proposals to employers, their answers, placements and monitoring visits (issue 6).

The workflow after a counsellor proposes a candidate for a position:

- The employer sees the proposals for its own organisation's positions (the pair's newest
  decision is ``proposed``), and only while the candidate's consent to share a profile with
  employers is in force. Consent is a clause of the same query that reads the proposals, so a
  withdrawal hides a proposal at once. What the employer sees is the consented profile:
  the candidate's number (never name, e-mail or phone), competences with claimed and
  verified levels, languages with CEFR levels, regions and availability.
- The employer accepts or declines (a reason from
  :data:`placements.decisions.DECLINE_REASONS`). Both append a decision with
  :func:`placements.decisions.append_decision`, which refuses a stale page.
  An acceptance creates the :class:`~placements.models.Placement` (agreed, the smallest
  free place number, the position's tutor and dates, the proposing counsellor), moves the
  candidate to the placement stage and marks the position filled once every place is taken.
  A closed or full position, a candidate placed meanwhile or a race is refused with a plain
  message; the database's unique indexes back every check. After a refused flush the caller
  rolls the session back.
- Counsellors and the coordinator run the placement: agreed → active → completed, agreed or
  active → interrupted (with a note); dates, tutor and teacher; counsellors record visits.

Who sees a placement: staff all; an employer its organisation's; a tutor those they tutor.
Anyone else gets None (the pages answer 404).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, case, false, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from candidates import access
from candidates.consent import shares_with_employers
from candidates.findings import Held, held_competences
from candidates.interviews import PROGRAMME_TIMEZONE
from candidates.models import (
    Candidate,
    CandidateLanguage,
    Interview,
    InterviewStatus,
    Stage,
)
from competences.models import Competence, label_in
from employers.models import Organisation, PartnershipStatus
from kit.i18n import N_, current_locale, gettext
from kit.roles import Viewer
from placements.decisions import (
    DECLINE_REASONS,
    NOTE_MAX,
    OTHER_REASON,
    DecisionConflict,
    append_decision,
    latest_decision,
)
from placements.models import (
    DecisionKind,
    MonitoringVisit,
    Placement,
    PlacementStatus,
    Position,
    PositionCompetence,
    PositionStatus,
    SuggestionDecision,
)
from placements.services import (
    COORDINATOR_ROLE,
    COUNSELLOR_ROLE,
    EMPLOYER_ROLE,
    TEACHER_ROLE,
    TUTOR_ROLE,
    is_partner,
    not_a_partner_message,
    partnership_label,
    partnership_status,
    user_account,
)
from placements.suggestions import already_placed

VISIT_NOTES_MAX = 5000
KEY_COMPETENCES = 3

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


def decline_reason_label(code: str) -> str:
    return gettext(DECLINE_REASONS.get(code, code))


def placement_status_label(status: str) -> str:
    return gettext(PLACEMENT_STATUS.get(status, status))


def candidate_number(candidate_id: int) -> str:
    """How a candidate is named to someone who may not see the name."""
    return gettext("Candidate no. %(id)s") % {"id": candidate_id}


def today() -> datetime.date:
    """Today in the programme's time zone (Finland)."""
    return datetime.datetime.now(PROGRAMME_TIMEZONE).date()


# --- Errors ---------------------------------------------------------------------------


class ProposalNotFound(Exception):
    """No proposal the viewer may see for this pair (or it is no longer a proposal)."""


class WorkflowRefused(Exception):
    """The step is not possible now (full, closed, placed meanwhile); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WorkflowInvalid(Exception):
    """The input breaks a rule; ``errors`` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


# --- What a candidate holds -----------------------------------------------------------


# --- Proposals to the employer --------------------------------------------------------


def _proposals_statement(viewer: Viewer) -> Select[tuple[SuggestionDecision, Position]]:
    """Current proposals to the viewer's organisation, consent applied in the same query.

    Only while the organisation is an approved partner: the candidates consented to share
    their profile with partner employers, so another organisation sees no proposal at all.
    """
    own_positions = select(Position.id).where(Position.organisation_id == viewer.organisation_id)
    newest = (
        select(
            SuggestionDecision.position_id,
            SuggestionDecision.candidate_id,
            func.max(SuggestionDecision.sequence).label("sequence"),
        )
        .where(SuggestionDecision.position_id.in_(own_positions))
        .group_by(SuggestionDecision.position_id, SuggestionDecision.candidate_id)
        .subquery()
    )
    return (
        select(SuggestionDecision, Position)
        .join(
            newest,
            and_(
                SuggestionDecision.position_id == newest.c.position_id,
                SuggestionDecision.candidate_id == newest.c.candidate_id,
                SuggestionDecision.sequence == newest.c.sequence,
            ),
        )
        .join(Position, Position.id == SuggestionDecision.position_id)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .join(Candidate, Candidate.id == SuggestionDecision.candidate_id)
        .where(
            SuggestionDecision.kind == DecisionKind.PROPOSED.value,
            Position.organisation_id == viewer.organisation_id,
            is_partner(),
            shares_with_employers(),
        )
    )


@dataclass(frozen=True)
class KeyCompetence:
    """A competence the position asks for, and the level the candidate holds it at."""

    label: str
    min_level: int
    required: bool
    held: Held | None


@dataclass(frozen=True)
class ProposalRow:
    decision: SuggestionDecision
    position: Position
    key_competences: list[KeyCompetence]

    @property
    def candidate_id(self) -> int:
        return self.decision.candidate_id

    @property
    def candidate_number(self) -> str:
        return candidate_number(self.decision.candidate_id)


async def proposals_for(session: AsyncSession, viewer: Viewer) -> list[ProposalRow]:
    """The pending proposals for the employer's own positions, newest first.

    Four queries whatever their number: the proposals (with consent), the positions'
    competences, and the candidates' claims and findings.
    """
    if viewer.role != EMPLOYER_ROLE or viewer.organisation_id is None:
        return []
    rows = (
        await session.execute(
            _proposals_statement(viewer).order_by(
                SuggestionDecision.created_at.desc(), SuggestionDecision.id.desc()
            )
        )
    ).all()
    if not rows:
        return []
    position_ids = {position.id for _decision, position in rows}
    requirements: dict[int, list[tuple[PositionCompetence, Competence]]] = defaultdict(list)
    for requirement, competence in (
        await session.execute(
            select(PositionCompetence, Competence)
            .join(Competence, Competence.id == PositionCompetence.competence_id)
            .where(PositionCompetence.position_id.in_(sorted(position_ids)))
            .order_by(PositionCompetence.required.desc(), PositionCompetence.id)
        )
    ).all():
        requirements[requirement.position_id].append((requirement, competence))
    held = await held_competences(session, {decision.candidate_id for decision, _p in rows})
    locale = current_locale.get()
    result: list[ProposalRow] = []
    for decision, position in rows:
        candidate_held = held.get(decision.candidate_id, {})
        key = [
            KeyCompetence(
                label=label_in(competence.labels, locale),
                min_level=requirement.min_level,
                required=requirement.required,
                held=candidate_held.get(competence.id),
            )
            for requirement, competence in requirements.get(position.id, [])
        ]
        result.append(
            ProposalRow(decision=decision, position=position, key_competences=key[:KEY_COMPETENCES])
        )
    return result


@dataclass(frozen=True)
class ProfileCompetence:
    """One competence of the consented profile."""

    code: str
    label: str
    held: Held | None
    asked_level: int | None  # the position's minimum, when the position asks for it
    required: bool


@dataclass(frozen=True)
class ProfileLanguage:
    language: str
    level: str
    assessment: str


@dataclass(frozen=True)
class ProposalView:
    """What the employer may see of a proposed candidate: no name, e-mail or phone."""

    decision: SuggestionDecision
    position: Position
    candidate_id: int
    proposed_by: str | None
    competences: list[ProfileCompetence]
    languages: list[ProfileLanguage]
    regions: list[str]
    available_from: datetime.date | None

    @property
    def candidate_number(self) -> str:
        return candidate_number(self.candidate_id)

    @property
    def after(self) -> int:
        """The sequence the employer's answer expects (the proposal's own)."""
        return self.decision.sequence


async def proposal_detail(
    session: AsyncSession, viewer: Viewer, *, position_id: int, candidate_id: int
) -> ProposalView | None:
    """One pending proposal as the employer may see it, or None (the page answers 404)."""
    if viewer.role != EMPLOYER_ROLE or viewer.organisation_id is None:
        return None
    row = (
        await session.execute(
            _proposals_statement(viewer).where(
                SuggestionDecision.position_id == position_id,
                SuggestionDecision.candidate_id == candidate_id,
            )
        )
    ).first()
    if row is None:
        return None
    decision, position = row
    # Only the consented fields: never the name, e-mail or phone before acceptance.
    regions, available_from = (
        await session.execute(
            select(Candidate.regions, Candidate.available_from).where(Candidate.id == candidate_id)
        )
    ).one()
    languages = [
        ProfileLanguage(language=language, level=level, assessment=assessment)
        for language, level, assessment in (
            await session.execute(
                select(
                    CandidateLanguage.language,
                    CandidateLanguage.level,
                    CandidateLanguage.assessment,
                )
                .where(CandidateLanguage.candidate_id == candidate_id)
                .order_by(CandidateLanguage.language)
            )
        ).all()
    ]
    held = (await held_competences(session, {candidate_id})).get(candidate_id, {})
    asked = {
        requirement.competence_id: requirement
        for requirement in (
            await session.scalars(
                select(PositionCompetence).where(PositionCompetence.position_id == position_id)
            )
        ).all()
    }
    competences: dict[int, Competence] = {}
    wanted = set(held) | set(asked)
    if wanted:
        competences = {
            competence.id: competence
            for competence in (
                await session.scalars(select(Competence).where(Competence.id.in_(sorted(wanted))))
            ).all()
        }
    locale = current_locale.get()

    def order(competence_id: int) -> tuple[int, str]:
        requirement = asked.get(competence_id)
        rank = 2 if requirement is None else (0 if requirement.required else 1)
        return rank, competences[competence_id].code

    profile = [
        ProfileCompetence(
            code=competences[competence_id].code,
            label=label_in(competences[competence_id].labels, locale),
            held=held.get(competence_id),
            asked_level=asked[competence_id].min_level if competence_id in asked else None,
            required=asked[competence_id].required if competence_id in asked else False,
        )
        for competence_id in sorted(wanted, key=order)
    ]
    proposed_by = None
    if decision.decided_by_id is not None:
        proposed_by = (
            await session.execute(
                select(user_account.c.name).where(user_account.c.id == decision.decided_by_id)
            )
        ).scalar_one_or_none()
    return ProposalView(
        decision=decision,
        position=position,
        candidate_id=candidate_id,
        proposed_by=proposed_by,
        competences=profile,
        languages=languages,
        regions=list(regions or []),
        available_from=available_from,
    )


async def _answerable_proposal(
    session: AsyncSession, viewer: Viewer, *, position_id: int, candidate_id: int, after: int
) -> tuple[Position, SuggestionDecision]:
    """The position and the proposal the employer answers, if it is still as they saw it."""
    if viewer.role != EMPLOYER_ROLE or viewer.organisation_id is None:
        raise ProposalNotFound()
    position = (
        await session.execute(
            select(Position).where(
                Position.id == position_id, Position.organisation_id == viewer.organisation_id
            )
        )
    ).scalar_one_or_none()
    consented = (
        await session.execute(
            select(Candidate.id).where(Candidate.id == candidate_id, shares_with_employers())
        )
    ).first()
    if position is None or consented is None:
        raise ProposalNotFound()
    # In the transaction that writes the answer, the organisation's row share-locked: a
    # partnership ended a moment ago refuses the answer.
    if await partnership_status(session, position.organisation_id, lock=True) != (
        PartnershipStatus.PARTNER.value
    ):
        raise WorkflowRefused(not_a_partner_message())
    current = await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
    if current is None:
        raise ProposalNotFound()
    if current.sequence != after:
        raise DecisionConflict()
    if current.kind != DecisionKind.PROPOSED.value:
        raise ProposalNotFound()
    return position, current


async def _newest_interview_teacher(session: AsyncSession, candidate_id: int) -> int | None:
    """The teacher who verified the candidate's competences most recently, if any."""
    return (
        await session.execute(
            select(Interview.teacher_id)
            .where(
                Interview.candidate_id == candidate_id,
                Interview.status == InterviewStatus.COMPLETED.value,
            )
            .order_by(Interview.completed_at.desc().nulls_last(), Interview.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


def _refused_race() -> WorkflowRefused:
    return WorkflowRefused(
        gettext(
            "Someone else placed a candidate at the same moment, so this acceptance could not"
            " be saved. Nothing was saved; please look at the proposal again."
        )
    )


async def accept(
    session: AsyncSession,
    viewer: Viewer,
    *,
    position_id: int,
    candidate_id: int,
    after: int,
    note: str = "",
) -> Placement:
    """Accept a proposal: the decision, the placement, the candidate's stage, a full position.

    Raises :class:`ProposalNotFound`, :class:`DecisionConflict` (the page was stale),
    :class:`WorkflowRefused` (closed, full, placed meanwhile, a race) or
    :class:`WorkflowInvalid`. After a refusal from a flush the caller rolls back.
    """
    if len(note) > NOTE_MAX:
        raise WorkflowInvalid(
            {"note": gettext("Use at most %(max)d characters.") % {"max": NOTE_MAX}}
        )
    position, proposal = await _answerable_proposal(
        session, viewer, position_id=position_id, candidate_id=candidate_id, after=after
    )
    if position.status != PositionStatus.OPEN.value:
        raise WorkflowRefused(
            gettext(
                "This position is not open for candidates any more, so the proposal cannot be"
                " accepted. Nothing was saved."
            )
        )
    placed = (
        await session.execute(
            select(Candidate.id).where(Candidate.id == candidate_id, already_placed())
        )
    ).first()
    if placed is not None:
        raise WorkflowRefused(
            gettext(
                "This candidate has been placed in another position in the meantime, so the"
                " proposal cannot be accepted. Nothing was saved."
            )
        )
    taken = set(
        (
            await session.scalars(
                select(Placement.place_number).where(
                    Placement.position_id == position_id,
                    Placement.status != PlacementStatus.INTERRUPTED.value,
                )
            )
        ).all()
    )
    free = [number for number in range(1, position.places + 1) if number not in taken]
    if not free:
        raise WorkflowRefused(
            gettext(
                "Every place of this position is already taken, so the proposal cannot be"
                " accepted. Nothing was saved."
            )
        )
    decision = await append_decision(
        session,
        position_id=position_id,
        candidate_id=candidate_id,
        kind=DecisionKind.ACCEPTED.value,
        decided_by_id=viewer.user_id,
        expected_sequence=after,
        note=note.strip(),
    )
    placement = Placement(
        candidate_id=candidate_id,
        position_id=position_id,
        organisation_id=position.organisation_id,
        decision_id=decision.id,
        place_number=free[0],
        tutor_id=position.tutor_id,
        teacher_id=await _newest_interview_teacher(session, candidate_id),
        counsellor_id=proposal.decided_by_id,
        start_date=position.start_date,
        end_date=position.end_date,
        status=PlacementStatus.AGREED.value,
        status_note="",
    )
    session.add(placement)
    try:
        await session.flush()
    except IntegrityError as error:
        raise _refused_race() from error
    candidate = await session.get_one(Candidate, candidate_id)
    candidate.stage = Stage.PLACEMENT.value
    if len(free) == 1:
        position.status = PositionStatus.FILLED.value
    try:
        await session.flush()
    except IntegrityError as error:
        raise _refused_race() from error
    return placement


def check_decline(reason: str, note: str) -> dict[str, str]:
    """Messages per field for a decline's reason and note (empty when fine)."""
    errors: dict[str, str] = {}
    if reason not in DECLINE_REASONS:
        errors["reason"] = gettext("Choose a reason from the list.")
    if len(note) > NOTE_MAX:
        errors["note"] = gettext("Use at most %(max)d characters.") % {"max": NOTE_MAX}
    elif reason == OTHER_REASON and not note.strip():
        errors["note"] = gettext("Say in a few words why you decline.")
    return errors


async def decline(
    session: AsyncSession,
    viewer: Viewer,
    *,
    position_id: int,
    candidate_id: int,
    after: int,
    reason: str,
    note: str = "",
) -> SuggestionDecision:
    """Decline a proposal with a reason code (and the employer's words).

    Raises :class:`WorkflowInvalid`, :class:`ProposalNotFound` or :class:`DecisionConflict`.
    """
    errors = check_decline(reason, note)
    if errors:
        raise WorkflowInvalid(errors)
    await _answerable_proposal(
        session, viewer, position_id=position_id, candidate_id=candidate_id, after=after
    )
    return await append_decision(
        session,
        position_id=position_id,
        candidate_id=candidate_id,
        kind=DecisionKind.DECLINED.value,
        decided_by_id=viewer.user_id,
        expected_sequence=after,
        reason=reason,
        note=note.strip(),
    )


# --- Placements: who sees what --------------------------------------------------------


def _visible_placements(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Placement`: what ``viewer`` may see."""
    if viewer.is_staff:
        return true()
    if viewer.role == EMPLOYER_ROLE and viewer.organisation_id is not None:
        return Placement.organisation_id == viewer.organisation_id
    if viewer.role == TUTOR_ROLE:
        return Placement.tutor_id == viewer.user_id
    return false()


def _names_person(viewer: Viewer) -> ColumnElement[bool]:
    """Whether the viewer may see the placed candidate's name and contact details.

    The employer and the tutor may now (the proposal was accepted); the coordinator always;
    a counsellor or teacher when the candidate is theirs or they work on this placement.
    """
    if viewer.role in (EMPLOYER_ROLE, TUTOR_ROLE, COORDINATOR_ROLE):
        return true()
    own = visible_to_candidate(viewer)
    if viewer.role == COUNSELLOR_ROLE:
        return own | (Placement.counsellor_id == viewer.user_id)
    if viewer.role == TEACHER_ROLE:
        return own | (Placement.teacher_id == viewer.user_id)
    return false()


def visible_to_candidate(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: the viewer may see the candidate's record."""
    return access.visible_to(viewer)


def _manages(viewer: Viewer) -> ColumnElement[bool]:
    """Whether the viewer runs this placement (status, details): the coordinator, or a
    counsellor who may see the candidate or who proposed them."""
    if viewer.role == COORDINATOR_ROLE:
        return true()
    if viewer.role == COUNSELLOR_ROLE:
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
class VisitView:
    visit: MonitoringVisit
    visitor: str | None


@dataclass(frozen=True)
class CandidateContact:
    name: str
    email: str
    phone: str


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
    visits: list[VisitView]
    manages: bool
    may_record_visit: bool
    next_statuses: tuple[str, ...] = field(default_factory=tuple)

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


async def placement_view(
    session: AsyncSession, viewer: Viewer, *, placement_id: int
) -> PlacementView | None:
    """Everything the placement page shows, or None when ``viewer`` may not see it."""
    row = (
        await session.execute(
            _placements_statement(viewer)
            .add_columns(Candidate.email, Candidate.phone, Candidate.stage)
            .where(Placement.id == placement_id)
            .options(selectinload(Placement.visits))
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return None
    placement, title, organisation_name, name, named, manages, email, phone, stage = row
    decisions = list(
        (
            await session.scalars(
                select(SuggestionDecision)
                .where(
                    SuggestionDecision.position_id == placement.position_id,
                    SuggestionDecision.candidate_id == placement.candidate_id,
                    SuggestionDecision.kind.in_(
                        (DecisionKind.PROPOSED.value, DecisionKind.ACCEPTED.value)
                    ),
                )
                .order_by(SuggestionDecision.sequence)
            )
        ).all()
    )
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
    user_ids = {
        user_id
        for user_id in (
            placement.tutor_id,
            placement.teacher_id,
            placement.counsellor_id,
            proposed.decided_by_id if proposed else None,
            accepted.decided_by_id if accepted else None,
            *(visit.visitor_id for visit in placement.visits),
        )
        if user_id is not None
    }
    people: dict[int, Person] = {}
    if user_ids:
        people = {
            int(user_id): Person(id=int(user_id), name=str(user_name), email=str(user_email))
            for user_id, user_name, user_email in (
                await session.execute(
                    select(user_account.c.id, user_account.c.name, user_account.c.email).where(
                        user_account.c.id.in_(sorted(user_ids))
                    )
                )
            ).all()
        }

    def name_of(user_id: int | None) -> str | None:
        person = people.get(user_id) if user_id is not None else None
        return person.name if person else None

    timeline: list[TimelineStep] = []
    if proposed is not None:
        timeline.append(
            TimelineStep(
                label=gettext("Proposed to the employer"),
                by=name_of(proposed.decided_by_id),
                at=proposed.created_at,
            )
        )
    if accepted is not None:
        timeline.append(
            TimelineStep(
                label=gettext("Accepted by the employer"),
                by=name_of(accepted.decided_by_id),
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
    may_visit = bool(manages) and viewer.role == COUNSELLOR_ROLE
    return PlacementView(
        placement=placement,
        position_title=title,
        organisation_name=organisation_name,
        candidate=CandidateContact(name=name, email=email, phone=phone) if named else None,
        candidate_stage=stage,
        tutor=people.get(placement.tutor_id) if placement.tutor_id else None,
        teacher=people.get(placement.teacher_id) if placement.teacher_id else None,
        counsellor=people.get(placement.counsellor_id) if placement.counsellor_id else None,
        timeline=timeline,
        visits=[
            VisitView(visit=visit, visitor=name_of(visit.visitor_id)) for visit in placement.visits
        ],
        manages=bool(manages),
        may_record_visit=may_visit,
        next_statuses=STATUS_TRANSITIONS.get(placement.status, ()) if manages else (),
    )


async def may_manage(session: AsyncSession, viewer: Viewer, *, placement: Placement) -> bool:
    """The coordinator, or a counsellor who may see the candidate or who proposed them."""
    if viewer.role == COORDINATOR_ROLE:
        return True
    if viewer.role != COUNSELLOR_ROLE:
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
    Raises :class:`WorkflowInvalid` (keys ``status``, ``note``).
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
        raise WorkflowInvalid(errors)
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

    Raises :class:`WorkflowInvalid` (keys ``end_date``, ``tutor``, ``teacher``).
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
        raise WorkflowInvalid(errors)
    placement.start_date = data.start_date
    placement.end_date = data.end_date
    placement.tutor_id = data.tutor_id
    placement.teacher_id = data.teacher_id
    await session.flush()
    return placement


async def record_visit(
    session: AsyncSession,
    *,
    placement: Placement,
    visitor_id: int,
    visited_on: datetime.date | None,
    notes: str,
) -> MonitoringVisit:
    """A counsellor's monitoring visit: a date not in the future, and notes.

    Raises :class:`WorkflowInvalid` (keys ``visited_on``, ``notes``).
    """
    notes = notes.strip()
    errors: dict[str, str] = {}
    if visited_on is None:
        errors["visited_on"] = gettext("Enter the date of the visit.")
    elif visited_on > today():
        errors["visited_on"] = gettext("The visit date cannot be in the future.")
    if not notes:
        errors["notes"] = gettext("Write what you saw and agreed on the visit.")
    elif len(notes) > VISIT_NOTES_MAX:
        errors["notes"] = gettext("Use at most %(max)d characters.") % {"max": VISIT_NOTES_MAX}
    if errors or visited_on is None:
        raise WorkflowInvalid(errors)
    visit = MonitoringVisit(
        placement_id=placement.id, visited_on=visited_on, visitor_id=visitor_id, notes=notes
    )
    session.add(visit)
    await session.flush()
    return visit


async def _people(session: AsyncSession, *clauses: ColumnElement[bool]) -> list[Person]:
    rows = await session.execute(
        select(user_account.c.id, user_account.c.name, user_account.c.email)
        .where(user_account.c.is_active.is_(True), *clauses)
        .order_by(user_account.c.name, user_account.c.id)
    )
    return [Person(id=int(row[0]), name=str(row[1]), email=str(row[2])) for row in rows.all()]


async def tutor_choices(session: AsyncSession, organisation_id: int) -> list[Person]:
    """Active workplace tutors of the organisation."""
    return await _people(
        session,
        user_account.c.role == TUTOR_ROLE,
        user_account.c.organisation_id == organisation_id,
    )


async def teacher_choices(session: AsyncSession) -> list[Person]:
    """Active professional teachers."""
    return await _people(session, user_account.c.role == TEACHER_ROLE)
