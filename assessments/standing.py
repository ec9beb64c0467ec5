"""Where a placement's assessment stands, and the ratings each assessor still owes.

The placement page, the candidate's page and the home pages show it (see
:mod:`assessments.placement_section` and :func:`owed_ratings`). What is shown of the grades
follows the independence rule of :mod:`assessments.ratings`: an assessor who has not submitted
learns who has submitted, never whether the others' grades diverge.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from assessments.access import seat_of
from assessments.models import (
    ASSESSOR_ROLES,
    AssessmentDecision,
    AssessorRole,
    PlanOutcome,
    Rating,
    RatingSheet,
)
from assessments.overview import Graded, diverges
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
    """Where ``placement``'s assessment stands for ``viewer``, who may see it (three queries)."""
    return (await standings(session, viewer, placements=[placement]))[placement.id]


@dataclass(frozen=True)
class _Grade:
    grade: int | None
    not_demonstrated: bool


_PLACEMENT_IDS: BindParameter[int] = bindparam("placement_ids", expanding=True)

# Submitted sheets only: drafts change nothing in a standing. A sheet without ratings yet
# still counts as submitted (the outer join gives it one row with no competence).
_SUBMITTED_RATINGS = (
    select(
        RatingSheet.placement_id,
        RatingSheet.assessor_role,
        RatingSheet.version,
        Rating.competence_id,
        Rating.grade,
        Rating.not_demonstrated,
    )
    .outerjoin(Rating, Rating.sheet_id == RatingSheet.id)
    .where(RatingSheet.placement_id.in_(_PLACEMENT_IDS), RatingSheet.submitted_at.is_not(None))
)

_PLANS = (
    select(PlanOutcome.placement_id, PlanOutcome.competence_id)
    .where(PlanOutcome.placement_id.in_(_PLACEMENT_IDS), PlanOutcome.removed_at.is_(None))
    .order_by(PlanOutcome.placement_id, PlanOutcome.position, PlanOutcome.id)
)

_SIGNED = select(
    AssessmentDecision.placement_id, AssessmentDecision.signed_by_name, AssessmentDecision.signed_at
).where(
    AssessmentDecision.placement_id.in_(_PLACEMENT_IDS), AssessmentDecision.superseded_at.is_(None)
)


async def standings(
    session: AsyncSession, viewer: Viewer, *, placements: Sequence[Placement]
) -> dict[int, Standing]:
    """:func:`standing` of each of ``placements`` (which ``viewer`` may see), by placement id,
    in three queries however many placements there are (none for no placement).

    The same rules as :func:`assessments.ratings.sheets_for`: every assessor may know who has
    submitted; the grades (here, how many outcomes diverge) only staff without a seat and an
    assessor who has submitted, over the newest submitted version of each assessor's sheet.
    """
    if not placements:
        return {}
    ids = {"placement_ids": sorted({placement.id for placement in placements})}
    # placement -> assessor -> (their newest submitted version, its grades by outcome)
    newest: dict[int, dict[AssessorRole, tuple[int, dict[int, _Grade]]]] = {}
    for placement_id, role, version, competence_id, grade, not_demonstrated in (
        await session.execute(_SUBMITTED_RATINGS, ids)
    ).all():
        of_placement = newest.setdefault(int(placement_id), {})
        held = of_placement.get(AssessorRole(role))
        if held is None or version > held[0]:
            held = of_placement[AssessorRole(role)] = (int(version), {})
        if version == held[0] and competence_id is not None:
            held[1][int(competence_id)] = _Grade(grade, bool(not_demonstrated))
    plans: dict[int, list[int]] = {}
    for placement_id, competence_id in (await session.execute(_PLANS, ids)).all():
        plans.setdefault(int(placement_id), []).append(int(competence_id))
    signed: dict[int, Signed] = {}
    for placement_id, by, at in (await session.execute(_SIGNED, ids)).all():
        signed.setdefault(int(placement_id), Signed(by=str(by), at=at))

    result: dict[int, Standing] = {}
    for placement in placements:
        seat = seat_of(viewer, placement)
        submitted = {
            role: grades for role, (_version, grades) in newest.get(placement.id, {}).items()
        }
        plan = plans.get(placement.id, [])
        divergent = None
        if seat is None or seat.role in submitted:
            divergent = sum(1 for competence_id in plan if _diverges(submitted, competence_id))
        result[placement.id] = Standing(
            placement_id=placement.id,
            outcomes=len(plan),
            submitted=len(submitted),
            divergent=divergent,
            decision=signed.get(placement.id),
        )
    return result


def _diverges(submitted: dict[AssessorRole, dict[int, _Grade]], competence_id: int) -> bool:
    given: list[Graded] = [
        grade for grades in submitted.values() if (grade := grades.get(competence_id)) is not None
    ]
    return diverges(given)


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


def _owed_statement(role: AssessorRole, column: InstrumentedAttribute[int | None]) -> Select[Any]:
    of_seat = and_(
        RatingSheet.placement_id == Placement.id, RatingSheet.assessor_role == role.value
    )
    submitted = exists().where(of_seat, RatingSheet.submitted_at.is_not(None))
    draft = exists().where(of_seat, RatingSheet.submitted_at.is_(None))
    return (
        select(Placement.id, Candidate.name, Position.title, Organisation.name, draft)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(column == bindparam("user_id"), Placement.status.in_(RATED_STATUSES), ~submitted)
        .order_by(Placement.id)
    )


# Built once per seat (their cache keys too), not on every home page.
_OWED = {viewer_role: _owed_statement(*seat) for viewer_role, seat in _SEAT_COLUMN.items()}


async def owed_ratings(session: AsyncSession, viewer: Viewer) -> list[OwedRating]:
    """The ratings ``viewer`` still owes, oldest placement first (one query).

    An assessor is named on the placement (so they may see the candidate's name); a correction
    in progress is not owed, as the first submission stands meanwhile.
    """
    if viewer.role not in _OWED:
        return []
    rows = await session.execute(_OWED[viewer.role], {"user_id": viewer.user_id})
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
