"""Where a placement's assessment stands, and the ratings each assessor still owes.

The placement page, the candidate's page and the home pages show it (see
:mod:`assessments.placement_section` and :func:`owed_ratings`). What is shown of the grades
follows the independence rule of :mod:`assessments.ratings`: an assessor who has not submitted
learns who has submitted, never whether the others' grades diverge.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from assessments.access import seat_of
from assessments.models import ASSESSOR_ROLES, AssessmentDecision, AssessorRole, RatingSheet
from assessments.overview import diverges
from assessments.plan import plan_competence_ids
from assessments.ratings import sheets_for
from candidates.models import Candidate
from employers.models import Organisation
from kit.roles import Role, Viewer
from placements.models import Placement, PlacementStatus, Position

# Placements whose assessors owe a rating: under way, or finished and waiting for it.
RATED_STATUSES = (PlacementStatus.ACTIVE.value, PlacementStatus.COMPLETED.value)


@dataclass(frozen=True)
class Signed:
    """The live consensus decision: who signed it and when."""

    by: str
    at: datetime.datetime


@dataclass(frozen=True)
class Standing:
    """Where one placement's assessment stands, as one reader may know it."""

    placement_id: int
    outcomes: int
    submitted: int
    # Outcomes whose submitted grades diverge; None while the reader may not see the grades.
    divergent: int | None
    decision: Signed | None
    seats: int = len(ASSESSOR_ROLES)


async def decision_signed(session: AsyncSession, *, placement_id: int) -> Signed | None:
    """The signed decision that counts now, if any (one query)."""
    row = (
        await session.execute(
            select(AssessmentDecision.signed_by_name, AssessmentDecision.signed_at).where(
                AssessmentDecision.placement_id == placement_id,
                AssessmentDecision.superseded_at.is_(None),
            )
        )
    ).first()
    return Signed(by=str(row[0]), at=row[1]) if row is not None else None


async def standing(session: AsyncSession, viewer: Viewer, *, placement: Placement) -> Standing:
    """Where ``placement``'s assessment stands for ``viewer``, who may see it (four queries)."""
    seat = seat_of(viewer, placement)
    sheets = await sheets_for(
        session, placement_id=placement.id, seat=seat.role if seat is not None else None
    )
    plan = await plan_competence_ids(session, placement_id=placement.id)
    divergent = None
    if sheets.sees_others:
        divergent = sum(
            1
            for competence_id in plan
            if diverges(
                [
                    rating
                    for sheet in sheets.submitted.values()
                    if (rating := sheet.ratings.get(competence_id)) is not None
                ]
            )
        )
    return Standing(
        placement_id=placement.id,
        outcomes=len(plan),
        submitted=len(sheets.submitted_roles),
        divergent=divergent,
        decision=await decision_signed(session, placement_id=placement.id),
    )


@dataclass(frozen=True)
class OwedRating:
    """A placement where the reader holds a seat and has not submitted a rating yet."""

    placement_id: int
    candidate_name: str
    position_title: str
    organisation_name: str
    draft_saved: bool


_SEAT_COLUMN = {
    Role.TUTOR: (AssessorRole.TUTOR, Placement.tutor_id),
    Role.TEACHER: (AssessorRole.TEACHER, Placement.teacher_id),
    Role.COUNSELLOR: (AssessorRole.COUNSELLOR, Placement.counsellor_id),
}


async def owed_ratings(session: AsyncSession, viewer: Viewer) -> list[OwedRating]:
    """The ratings ``viewer`` still owes, oldest placement first (one query).

    An assessor is named on the placement (so they may see the candidate's name); a correction
    in progress is not owed, as the first submission stands meanwhile.
    """
    if viewer.role not in _SEAT_COLUMN:
        return []
    role, column = _SEAT_COLUMN[viewer.role]
    of_seat = and_(
        RatingSheet.placement_id == Placement.id, RatingSheet.assessor_role == role.value
    )
    submitted = exists().where(of_seat, RatingSheet.submitted_at.is_not(None))
    draft = exists().where(of_seat, RatingSheet.submitted_at.is_(None))
    rows = await session.execute(
        select(Placement.id, Candidate.name, Position.title, Organisation.name, draft)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(column == viewer.user_id, Placement.status.in_(RATED_STATUSES), ~submitted)
        .order_by(Placement.id)
    )
    return [
        OwedRating(
            placement_id=int(placement_id),
            candidate_name=str(candidate_name),
            position_title=str(title),
            organisation_name=str(organisation_name),
            draft_saved=bool(has_draft),
        )
        for placement_id, candidate_name, title, organisation_name, has_draft in rows.all()
    ]
