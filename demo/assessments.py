"""Demo assessments (``isok demo seed``): one under way, one decided.

- The active placement tutored by the demo tutor (placement 1): its plan, the teacher's
  rating submitted, the counsellor's saved as a draft, the tutor's still open.
- The completed placement tutored by the demo tutor (placement 3): all three ratings
  submitted, the first outcome divergent (the tutor saw more than the others), and the
  teacher's signed consensus with a rationale on it, so certificates have something to be
  issued from.

Written through the services (plan, ratings, decisions), so the rules and the audit trail
apply. Idempotent: a placement that has any rating sheet or decision is left as it is.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from assessments import decisions, plan, ratings
from assessments.access import Assessor
from assessments.models import AssessmentDecision, AssessorRole, RatingSheet
from assessments.ratings import RatingInput
from kit.roles import viewer_for
from placements.models import Placement, PlacementStatus

# Grades by outcome (in plan order, repeated if the plan is longer): close to each other,
# except the first outcome, where the tutor's 5 and the teacher's 3 diverge.
TEACHER_GRADES = (3, 4, 3, 4, 3)
COUNSELLOR_GRADES = (4, 4, 3, 3, 3)
TUTOR_GRADES = (5, 4, 4, 4, 3)
FINAL_GRADES = (4, 4, 3, 4, 3)
RATIONALE = (
    "The tutor saw this every day on the early shift, the teacher and the counsellor on two"
    " visits only; we agreed on 4: independent in routine deliveries, guidance still needed"
    " with damaged goods."
)
TUTOR_NOTE = "Receives deliveries alone and checks them against the waybill."


def _grade(grades: tuple[int, ...], index: int) -> int:
    """The grade of the outcome at ``index``: beyond the table, its tail again (so that only
    the first outcome diverges, however long the plan)."""
    return grades[index] if index < len(grades) else grades[1 + (index - 1) % (len(grades) - 1)]


def _grades(grades: tuple[int, ...], ids: list[int]) -> list[RatingInput]:
    return [
        RatingInput(competence_id=competence_id, grade=_grade(grades, index))
        for index, competence_id in enumerate(ids)
    ]


async def _untouched(session: AsyncSession, placement_id: int) -> bool:
    for model in (RatingSheet, AssessmentDecision):
        if await session.scalar(select(exists().where(model.placement_id == placement_id))):
            return False
    return True


async def _demo_placement(session: AsyncSession, status: PlacementStatus) -> Placement | None:
    """The first placement of ``status`` with the demo tutor, teacher and counsellor."""
    found: Placement | None = await session.scalar(
        select(Placement)
        .join(User, User.id == Placement.tutor_id)
        .where(
            User.email == "tutor@demo.test",
            Placement.status == status.value,
            Placement.teacher_id.is_not(None),
            Placement.counsellor_id.is_not(None),
        )
        .order_by(Placement.id)
    )
    return found


async def _seats(session: AsyncSession, placement: Placement) -> dict[AssessorRole, User]:
    ids = {
        AssessorRole.TUTOR: placement.tutor_id,
        AssessorRole.TEACHER: placement.teacher_id,
        AssessorRole.COUNSELLOR: placement.counsellor_id,
    }
    users = {
        user.id: user
        for user in (
            await session.scalars(select(User).where(User.id.in_(list(ids.values()))))
        ).all()
    }
    return {role: users[user_id] for role, user_id in ids.items() if user_id in users}


async def _rate(
    session: AsyncSession,
    placement: Placement,
    user: User,
    role: AssessorRole,
    given: list[RatingInput],
    *,
    submit: bool = True,
) -> None:
    assessor = Assessor(role=role, user_id=user.id, name=user.name)
    await ratings.save_draft(session, placement=placement, assessor=assessor, ratings=given)
    if submit:
        await ratings.submit(session, placement=placement, assessor=assessor, tell=False)


async def seed_demo_assessments(session: AsyncSession) -> int:
    """Add the demo assessments that are missing; return how many placements got one."""
    seeded = 0
    active = await _demo_placement(session, PlacementStatus.ACTIVE)
    if active is not None and await _untouched(session, active.id):
        seats = await _seats(session, active)
        await plan.ensure_plan(session, placement=active)
        ids = await plan.plan_competence_ids(session, placement_id=active.id)
        if ids and len(seats) == len(AssessorRole):
            teacher, counsellor = seats[AssessorRole.TEACHER], seats[AssessorRole.COUNSELLOR]
            await _rate(
                session, active, teacher, AssessorRole.TEACHER, _grades(TEACHER_GRADES, ids)
            )
            # The counsellor has started: the first half rated, saved as a draft.
            half = _grades(COUNSELLOR_GRADES, ids)[: max(1, len(ids) // 2)]
            await _rate(session, active, counsellor, AssessorRole.COUNSELLOR, half, submit=False)
            seeded += 1

    completed = await _demo_placement(session, PlacementStatus.COMPLETED)
    if completed is not None and await _untouched(session, completed.id):
        seats = await _seats(session, completed)
        await plan.ensure_plan(session, placement=completed)
        ids = await plan.plan_competence_ids(session, placement_id=completed.id)
        if ids and len(seats) == len(AssessorRole):
            tutor = _grades(TUTOR_GRADES, ids)
            tutor[0] = RatingInput(competence_id=ids[0], grade=TUTOR_GRADES[0], note=TUTOR_NOTE)
            for role, given in (
                (AssessorRole.TEACHER, _grades(TEACHER_GRADES, ids)),
                (AssessorRole.COUNSELLOR, _grades(COUNSELLOR_GRADES, ids)),
                (AssessorRole.TUTOR, tutor),
            ):
                await _rate(session, completed, seats[role], role, given)
            await decisions.sign(
                session,
                viewer_for(seats[AssessorRole.TEACHER]),
                placement=completed,
                outcomes=[
                    decisions.DecisionInput(
                        competence_id=competence_id,
                        grade=_grade(FINAL_GRADES, index),
                        rationale=RATIONALE if index == 0 else "",
                    )
                    for index, competence_id in enumerate(ids)
                ],
                participants=[(role.value, seats[role].name) for role in AssessorRole],
            )
            seeded += 1
    await session.flush()
    return seeded
