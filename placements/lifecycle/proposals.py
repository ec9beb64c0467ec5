"""Proposals to employers and their answers (issue 6).

The employer sees the proposals for its own organisation's positions (the pair's newest
decision is ``proposed``), and only while the candidate's consent to share a profile with
employers is in force. Consent is a clause of the same query that reads the proposals, so a
withdrawal hides a proposal at once. What the employer sees is the consented profile: the
candidate's number (never name, e-mail or phone), competences with claimed and verified
levels, languages with CEFR levels, regions and availability.

The employer accepts or declines (a reason from
:data:`placements.review.decisions.DECLINE_REASONS`). Both append a decision with
:func:`placements.review.decisions.append_decision`, which refuses a stale page. An acceptance
creates the :class:`~placements.models.Placement` (agreed, the smallest free place number, the
position's tutor and dates, the proposing counsellor), moves the candidate to the placement
stage and marks the position filled once every place is taken. A closed or full position, a
candidate placed meanwhile or a race is refused with a plain message; the database's unique
indexes back every check, and a refused flush undoes only the answer's own savepoint.

Either answer tells the counsellor who proposed (:mod:`placements.notices`), in the answer's
transaction and only once it is saved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from accounts.models import User
from candidates.consent import shares_with_employers
from candidates.findings import Held, held_competences
from candidates.models import Candidate, CandidateLanguage, Interview, InterviewStatus, Stage
from competences.models import Competence, label_in
from employers.models import Organisation, PartnershipStatus
from kit.i18n import current_locale, gettext
from kit.invalid import Invalid
from kit.roles import Role, Viewer
from placements.lifecycle.placements import candidate_number
from placements.models import (
    DecisionKind,
    Placement,
    PlacementStatus,
    Position,
    PositionCompetence,
    PositionStatus,
    SuggestionDecision,
)
from placements.notices import tell_proposer_of_acceptance, tell_proposer_of_decline
from placements.positions.services import is_partner, not_a_partner_message, partnership_status
from placements.review.decisions import (
    DECLINE_REASONS,
    NOTE_MAX,
    OTHER_REASON,
    DecisionConflict,
    append_decision,
    latest_decision,
)
from placements.review.index import already_placed

KEY_COMPETENCES = 3


def decline_reason_label(code: str) -> str:
    return gettext(DECLINE_REASONS.get(code, code))


# --- Errors ---------------------------------------------------------------------------


class ProposalNotFound(Exception):
    """No proposal the viewer may see for this pair (or it is no longer a proposal)."""


class WorkflowRefused(Exception):
    """The step is not possible now (full, closed, placed meanwhile); nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    if viewer.role != Role.EMPLOYER or viewer.organisation_id is None:
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
    if viewer.role != Role.EMPLOYER or viewer.organisation_id is None:
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
            await session.execute(select(User.name).where(User.id == decision.decided_by_id))
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
    if viewer.role != Role.EMPLOYER or viewer.organisation_id is None:
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
    :class:`Invalid`; a refusal writes nothing (a savepoint undoes its own work).
    """
    if len(note) > NOTE_MAX:
        raise Invalid({"note": gettext("Use at most %(max)d characters.") % {"max": NOTE_MAX}})
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
    teacher_id = await _newest_interview_teacher(session, candidate_id)
    # One savepoint for the decision, the placement and the candidate's stage: a refusal
    # after a flush undoes all three and nothing else, so the caller never rolls back.
    try:
        async with session.begin_nested():
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
                teacher_id=teacher_id,
                counsellor_id=proposal.decided_by_id,
                start_date=position.start_date,
                end_date=position.end_date,
                status=PlacementStatus.AGREED.value,
                status_note="",
            )
            session.add(placement)
            await session.flush()
            candidate = await session.get_one(Candidate, candidate_id)
            candidate.stage = Stage.PLACEMENT.value
            if len(free) == 1:
                position.status = PositionStatus.FILLED.value
            await session.flush()
    except IntegrityError as error:
        raise _refused_race() from error
    # After the savepoint: a refused acceptance tells nobody.
    await tell_proposer_of_acceptance(
        session, position=position, proposal=proposal, placement=placement
    )
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

    Raises :class:`Invalid`, :class:`ProposalNotFound` or :class:`DecisionConflict`.
    """
    errors = check_decline(reason, note)
    if errors:
        raise Invalid(errors)
    position, proposal = await _answerable_proposal(
        session, viewer, position_id=position_id, candidate_id=candidate_id, after=after
    )
    decision = await append_decision(
        session,
        position_id=position_id,
        candidate_id=candidate_id,
        kind=DecisionKind.DECLINED.value,
        decided_by_id=viewer.user_id,
        expected_sequence=after,
        reason=reason,
        note=note.strip(),
    )
    # The reason from the list only: the employer's own words stay in the portal.
    await tell_proposer_of_decline(
        session,
        position=position,
        proposal=proposal,
        reason=None if reason == OTHER_REASON else DECLINE_REASONS[reason],
    )
    return decision
