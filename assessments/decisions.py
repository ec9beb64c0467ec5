"""The consensus decision: the professional teacher records the final grades and signs.

After the assessors have talked it through, the placement's teacher (the official assessor)
gives every outcome of the plan a final grade or "not demonstrated", names who took part,
writes a rationale wherever the submitted ratings diverge, and signs. Before all three
assessors have submitted, signing needs a reason that names who is missing.

A signed decision is never changed. A correction is a new decision with the next version and
a reason; the old one gets ``superseded_at``, in one savepoint. The partial unique index (one
live decision per placement) and the unique (placement, version) stop two signings at once:
the second is refused with :class:`DecisionConflict`, never a 500.

Certificates are issued from :func:`signed_decision_content` only.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.models import User
from assessments.access import seat_of
from assessments.models import AssessmentDecision, AssessorRole, DecisionOutcome, RatingSheet
from assessments.overview import Matrix, matrix
from assessments.plan import plan_outcomes
from assessments.ratings import role_label, sheets_for
from candidates.models import Candidate
from competences.models import Competence, Framework, Labels, Unit
from employers.models import Organisation
from kit import audit
from kit.clock import now
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from placements.models import Placement, Position

RATIONALE_MAX = 2000
REASON_MAX = 2000
NAME_MAX = 200


class NotTheAssessor(PermissionError):
    """Only the placement's professional teacher signs its consensus."""


class DecisionConflict(Exception):
    """Someone else signed (or corrected) this placement's decision at the same moment."""


@dataclass(frozen=True)
class DecisionInput:
    """One outcome's final grade: 1-5, or ``not_demonstrated``; a rationale where needed."""

    competence_id: int
    grade: int | None = None
    not_demonstrated: bool = False
    rationale: str = ""


@dataclass(frozen=True)
class Participant:
    """Someone who took part in the consensus talk, in their seat."""

    role: AssessorRole
    name: str


# --- Reading -------------------------------------------------------------------------


async def live_decision(session: AsyncSession, placement_id: int) -> AssessmentDecision | None:
    """The placement's signed decision in force, with its outcomes; None before signing."""
    decision: AssessmentDecision | None = await session.scalar(
        select(AssessmentDecision)
        .where(
            AssessmentDecision.placement_id == placement_id,
            AssessmentDecision.superseded_at.is_(None),
        )
        .options(selectinload(AssessmentDecision.outcomes))
        .execution_options(populate_existing=True)
    )
    return decision


async def decision_history(session: AsyncSession, placement_id: int) -> list[AssessmentDecision]:
    """Every decision of the placement, newest first (superseded ones included)."""
    return list(
        (
            await session.scalars(
                select(AssessmentDecision)
                .where(AssessmentDecision.placement_id == placement_id)
                .order_by(AssessmentDecision.version.desc())
            )
        ).all()
    )


@dataclass(frozen=True)
class Basis:
    """What the consensus is taken over: the plan × the submitted ratings, and who is missing.

    ``sees_others`` is False for an assessor who has not submitted: their matrix holds only
    their own grades (independence), and they cannot sign yet.
    """

    matrix: Matrix
    missing: tuple[AssessorRole, ...]
    sees_others: bool = True

    @property
    def divergent_ids(self) -> frozenset[int]:
        return frozenset(row.outcome.competence_id for row in self.matrix.rows if row.divergent)


async def basis(
    session: AsyncSession, placement_id: int, *, seat: AssessorRole | None = None
) -> Basis:
    """The matrix over every assessor's newest submitted sheet as the holder of ``seat`` may
    see it (None: staff without a seat, who see every submitted sheet)."""
    outcomes = await plan_outcomes(session, placement_id=placement_id)
    sheets = await sheets_for(session, placement_id=placement_id, seat=seat)
    view = matrix(outcomes, sheets)
    missing = tuple(role for role in AssessorRole if not view.submitted[role])
    return Basis(matrix=view, missing=missing, sees_others=sheets.sees_others)


async def seat_names(session: AsyncSession, placement: Placement) -> dict[AssessorRole, str]:
    """The name in each seat: the placement's people, or the name a tutor gave by link."""
    ids = {
        AssessorRole.TUTOR: placement.tutor_id,
        AssessorRole.TEACHER: placement.teacher_id,
        AssessorRole.COUNSELLOR: placement.counsellor_id,
    }
    users = dict(
        (
            await session.execute(
                select(User.id, User.name).where(
                    User.id.in_([i for i in ids.values() if i is not None])
                )
            )
        )
        .tuples()
        .all()
    )
    names = {
        role: "" if user_id is None else str(users.get(user_id, ""))
        for role, user_id in ids.items()
    }
    for assessor in await _assessors(session, placement.id):
        names[assessor.role] = names[assessor.role] or assessor.name
    return names


def signs(viewer: Viewer, placement: Placement) -> bool:
    """Whether ``viewer`` is the placement's professional teacher, who signs the consensus."""
    seat = seat_of(viewer, placement)
    return seat is not None and seat.role == AssessorRole.TEACHER


def missing_names(missing: Sequence[AssessorRole]) -> str:
    """The missing assessors for people: "Workplace tutor, Counsellor"."""
    return ", ".join(role_label(role) for role in missing)


# --- Signing -------------------------------------------------------------------------


def _checked_outcomes(
    outcomes: Sequence[DecisionInput], plan: Sequence[int], divergent: frozenset[int]
) -> list[DecisionInput]:
    errors: dict[str, str] = {}
    given: dict[int, DecisionInput] = {}
    for outcome in outcomes:
        if outcome.competence_id not in plan:
            errors["outcomes"] = gettext("An outcome is not in the assessment plan.")
            continue
        if outcome.competence_id in given:
            errors["outcomes"] = gettext("An outcome is graded twice.")
            continue
        given[outcome.competence_id] = outcome
    for competence_id in plan:
        found = given.get(competence_id)
        grade_key, rationale_key = f"grade-{competence_id}", f"rationale-{competence_id}"
        if found is None or (found.grade is None and not found.not_demonstrated):
            errors[grade_key] = gettext("Give a final grade from 1 to 5, or “not demonstrated”.")
            continue
        outcome = found
        if outcome.grade is not None and outcome.not_demonstrated:
            errors[grade_key] = gettext("Give a grade or “not demonstrated”, not both.")
        elif outcome.grade is not None and not 1 <= outcome.grade <= 5:
            errors[grade_key] = gettext("Give a final grade from 1 to 5, or “not demonstrated”.")
        rationale = outcome.rationale.strip()
        if len(rationale) > RATIONALE_MAX:
            errors[rationale_key] = gettext("Use at most %(max)d characters.") % {
                "max": RATIONALE_MAX
            }
        elif competence_id in divergent and not rationale:
            errors[rationale_key] = gettext(
                "The ratings diverge on this outcome: write why you decided this grade."
            )
    if errors:
        raise Invalid(errors)
    return [
        DecisionInput(
            competence_id=competence_id,
            grade=given[competence_id].grade,
            not_demonstrated=given[competence_id].not_demonstrated,
            rationale=given[competence_id].rationale.strip(),
        )
        for competence_id in plan
    ]


def _checked_participants(
    participants: Sequence[Participant | tuple[str, str]], signer: Viewer
) -> list[dict[str, str]]:
    chosen: dict[AssessorRole, str] = {}
    for participant in participants:
        role_text, name = (
            (participant.role, participant.name)
            if isinstance(participant, Participant)
            else participant
        )
        try:
            role = AssessorRole(str(role_text))
        except ValueError:
            raise Invalid.of("participants", gettext("Choose who took part.")) from None
        name = name.strip()[:NAME_MAX]
        if role in chosen:
            continue
        chosen[role] = name
    # The teacher who signs took part, whether ticked or not.
    chosen[AssessorRole.TEACHER] = chosen.get(AssessorRole.TEACHER) or signer.name
    return [{"role": role.value, "name": chosen[role]} for role in AssessorRole if role in chosen]


def _reason(text: str, key: str) -> str:
    text = text.strip()
    if len(text) > REASON_MAX:
        raise Invalid.of(key, gettext("Use at most %(max)d characters.") % {"max": REASON_MAX})
    return text


async def sign(
    session: AsyncSession,
    viewer: Viewer,
    *,
    placement: Placement,
    outcomes: Sequence[DecisionInput],
    participants: Sequence[Participant | tuple[str, str]],
    missing_reason: str = "",
    correction_reason: str = "",
) -> AssessmentDecision:
    """Record and sign the consensus (or a correction of the live one); nothing is written
    when any rule refuses (:class:`Invalid`, :class:`NotTheAssessor`, :class:`DecisionConflict`).
    """
    if not signs(viewer, placement):
        raise NotTheAssessor(
            gettext("Only the placement's professional teacher signs the consensus.")
        )
    where = await basis(session, placement.id, seat=AssessorRole.TEACHER)
    if not where.sees_others:
        # Independence: the teacher grades before seeing the others' grades, then decides.
        raise Invalid.of(
            "sheet", gettext("Submit your own rating before you sign the consensus decision.")
        )
    plan = [row.outcome.competence_id for row in where.matrix.rows]
    if not plan:
        raise Invalid.of("outcomes", gettext("The assessment plan has no outcomes yet."))
    errors: dict[str, str] = {}
    try:
        checked = _checked_outcomes(outcomes, plan, where.divergent_ids)
    except Invalid as invalid:
        errors.update(invalid.errors)
    missing_reason = _reason(missing_reason, "missing_reason")
    correction_reason = _reason(correction_reason, "correction_reason")
    if where.missing and not missing_reason:
        errors["missing_reason"] = gettext(
            "Not every assessor has submitted (%(missing)s): say why the consensus cannot wait."
        ) % {"missing": missing_names(where.missing)}
    if not where.missing:
        missing_reason = ""
    current = await live_decision(session, placement.id)
    if current is not None and not correction_reason:
        errors["correction_reason"] = gettext(
            "This assessment has a signed decision: say why you correct it."
        )
    if errors:
        raise Invalid(errors)
    chosen = _checked_participants(participants, viewer)

    stamp = now()
    decision = AssessmentDecision(
        placement_id=placement.id,
        version=1 if current is None else current.version + 1,
        signed_by_id=viewer.user_id,
        signed_by_name=viewer.name,
        signed_at=stamp,
        participants=chosen,
        missing_reason=missing_reason,
        correction_reason=correction_reason if current is not None else "",
        outcomes=[
            DecisionOutcome(
                competence_id=outcome.competence_id,
                grade=outcome.grade,
                not_demonstrated=outcome.not_demonstrated,
                rationale=outcome.rationale,
            )
            for outcome in checked
        ],
    )
    try:
        async with session.begin_nested():
            if current is not None:
                done = await session.execute(
                    update(AssessmentDecision)
                    .where(
                        AssessmentDecision.id == current.id,
                        AssessmentDecision.superseded_at.is_(None),
                    )
                    .values(superseded_at=stamp, updated_at=stamp)
                    .execution_options(synchronize_session=False)
                )
                if getattr(done, "rowcount", 0) != 1:
                    raise DecisionConflict()
            session.add(decision)
            await session.flush()
            await audit.record(
                session,
                action="corrected" if current is not None else "signed",
                entity="assessment_decision",
                entity_id=str(decision.id),
                details={
                    "placement_id": placement.id,
                    "version": decision.version,
                    "supersedes": None if current is None else current.id,
                    "missing_reason": missing_reason,
                    "correction_reason": decision.correction_reason,
                },
            )
    except IntegrityError as error:
        raise DecisionConflict() from error
    if current is not None:
        # The update bypassed the identity map; the caller reads the superseded one fresh.
        await session.refresh(current)
    return decision


# --- What certificates are issued from -----------------------------------------------


@dataclass(frozen=True)
class DecidedOutcome:
    """One outcome of a signed decision: the final grade and what that grade looks like.

    ``grade_criteria`` is the criterion text of the final grade where the framework writes one
    (grades 1, 3 and 5); ``criteria`` holds all of them, for a certificate that shows the scale.
    """

    competence_id: int
    code: str
    labels: Labels
    unit_code: str
    unit_labels: Labels
    framework_code: str
    grade: int | None
    not_demonstrated: bool
    rationale: str
    grade_criteria: Labels | None
    criteria: dict[int, Labels] = field(default_factory=dict)


@dataclass(frozen=True)
class QualificationPart:
    """A qualification the outcomes belong to, with its units that the decision covers."""

    code: str
    labels: Labels
    units: list[tuple[str, Labels]]


@dataclass(frozen=True)
class NamedAssessor:
    role: AssessorRole
    name: str
    submitted_at: datetime.datetime | None
    version: int


@dataclass(frozen=True)
class SignedDecision:
    """A signed decision's content: who, what, where, when, by whom (see the module)."""

    decision_id: int
    placement_id: int
    version: int
    candidate_id: int
    candidate_name: str
    qualifications: list[QualificationPart]
    outcomes: list[DecidedOutcome]
    organisation_name: str
    position_title: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    assessors: list[NamedAssessor]
    participants: list[Participant]
    signer_name: str
    signer_id: int | None
    signed_at: datetime.datetime
    missing_reason: str
    correction_reason: str


async def signed_decision_content(
    session: AsyncSession, placement_id: int
) -> SignedDecision | None:
    """The live signed decision of a placement as certificates need it; None when there is none.

    Every outcome is returned, "not demonstrated" ones with their flag: the certificate decides
    what it shows.
    """
    decision = await live_decision(session, placement_id)
    if decision is None:
        return None
    row = (
        await session.execute(
            select(Placement, Candidate.name, Organisation.name, Position.title)
            .join(Candidate, Candidate.id == Placement.candidate_id)
            .join(Organisation, Organisation.id == Placement.organisation_id)
            .join(Position, Position.id == Placement.position_id)
            .where(Placement.id == placement_id)
        )
    ).one()
    placement, candidate_name, organisation_name, position_title = row
    ids = [outcome.competence_id for outcome in decision.outcomes]
    competences = {
        competence.id: (competence, unit, framework)
        for competence, unit, framework in (
            await session.execute(
                select(Competence, Unit, Framework)
                .join(Unit, Unit.id == Competence.unit_id)
                .join(Framework, Framework.id == Unit.framework_id)
                .where(Competence.id.in_(ids))
                .options(selectinload(Competence.criteria))
            )
        ).tuples()
    }
    outcomes: list[DecidedOutcome] = []
    qualifications: dict[str, QualificationPart] = {}
    for given in decision.outcomes:
        competence, unit, framework = competences[given.competence_id]
        criteria = {criterion.grade: dict(criterion.labels) for criterion in competence.criteria}
        outcomes.append(
            DecidedOutcome(
                competence_id=competence.id,
                code=competence.code,
                labels=dict(competence.labels),
                unit_code=unit.code,
                unit_labels=dict(unit.labels),
                framework_code=framework.code,
                grade=given.grade,
                not_demonstrated=given.not_demonstrated,
                rationale=given.rationale,
                grade_criteria=None if given.grade is None else criteria.get(given.grade),
                criteria=criteria,
            )
        )
        part = qualifications.setdefault(
            framework.code,
            QualificationPart(code=framework.code, labels=dict(framework.labels), units=[]),
        )
        if unit.code not in [code for code, _ in part.units]:
            part.units.append((unit.code, dict(unit.labels)))
    return SignedDecision(
        decision_id=decision.id,
        placement_id=placement.id,
        version=decision.version,
        candidate_id=placement.candidate_id,
        candidate_name=str(candidate_name),
        qualifications=list(qualifications.values()),
        outcomes=outcomes,
        organisation_name=str(organisation_name),
        position_title=str(position_title),
        start_date=placement.start_date,
        end_date=placement.end_date,
        assessors=await _assessors(session, placement_id),
        participants=[
            Participant(role=AssessorRole(str(p["role"])), name=str(p["name"]))
            for p in decision.participants
        ],
        signer_name=decision.signed_by_name,
        signer_id=decision.signed_by_id,
        signed_at=decision.signed_at,
        missing_reason=decision.missing_reason,
        correction_reason=decision.correction_reason,
    )


async def _assessors(session: AsyncSession, placement_id: int) -> list[NamedAssessor]:
    """Each assessor's newest submitted sheet: who rated, in which seat."""
    sheets = (
        await session.execute(
            select(
                RatingSheet.assessor_role,
                RatingSheet.assessor_name,
                RatingSheet.submitted_at,
                RatingSheet.version,
                User.name,
            )
            .outerjoin(User, User.id == RatingSheet.assessor_id)
            .where(
                RatingSheet.placement_id == placement_id,
                RatingSheet.submitted_at.is_not(None),
            )
            .order_by(RatingSheet.version)
        )
    ).tuples()
    newest: dict[AssessorRole, NamedAssessor] = {}
    for role, sheet_name, submitted_at, version, user_name in sheets:
        seat = AssessorRole(role)
        newest[seat] = NamedAssessor(
            role=seat,
            name=str(sheet_name or user_name or ""),
            submitted_at=submitted_at,
            version=int(version),
        )
    return [newest[role] for role in AssessorRole if role in newest]


__all__ = [
    "DecidedOutcome",
    "DecisionConflict",
    "DecisionInput",
    "NotTheAssessor",
    "Participant",
    "SignedDecision",
    "basis",
    "decision_history",
    "live_decision",
    "seat_names",
    "sign",
    "signed_decision_content",
    "signs",
]
