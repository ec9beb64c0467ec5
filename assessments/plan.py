"""The assessment plan: which learning outcomes a placement is assessed on.

By default, the position's competences that belong to a qualification framework (unit →
learning outcome). The plan is written down the first time anyone works on the assessment
(:func:`ensure_plan`), so that a later change to the position does not change what is being
rated. The counsellor, the teacher (or the coordinator) add and remove outcomes freely until
the first rating is submitted; after that, every change needs a reason and is kept.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from assessments.models import PlanOutcome, RatingSheet
from competences.models import (
    GRADES_WITH_CRITERIA,
    Competence,
    Framework,
    FrameworkKind,
    Labels,
    Unit,
)
from kit.clock import now
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from kit.sql import insert_or_ignore
from placements.models import Placement, PositionCompetence

REASON_MAX = 2000


@dataclass(frozen=True)
class Outcome:
    """A learning outcome of the plan, with its unit and its criteria for grades 1, 3 and 5."""

    competence_id: int
    code: str
    labels: Labels
    unit_code: str
    unit_labels: Labels
    criteria: dict[int, Labels] = field(default_factory=dict)
    added_reason: str = ""


async def default_outcomes(session: AsyncSession, *, placement: Placement) -> list[int]:
    """The position's competences that are learning outcomes of a qualification."""
    rows = await session.execute(
        select(PositionCompetence.competence_id)
        .join(Competence, Competence.id == PositionCompetence.competence_id)
        .join(Unit, Unit.id == Competence.unit_id)
        .join(Framework, Framework.id == Unit.framework_id)
        .where(
            PositionCompetence.position_id == placement.position_id,
            Framework.kind == FrameworkKind.QUALIFICATION.value,
        )
        .order_by(Framework.code, Unit.position, Competence.position, Competence.id)
    )
    return [int(competence_id) for competence_id in rows.scalars()]


async def ensure_plan(session: AsyncSession, *, placement: Placement) -> None:
    """Write the default plan down if the placement has none yet (safe to run at once twice)."""
    started = await session.scalar(select(exists().where(PlanOutcome.placement_id == placement.id)))
    if started:
        return
    stamp = now()
    for position, competence_id in enumerate(await default_outcomes(session, placement=placement)):
        await session.execute(
            insert_or_ignore(session, PlanOutcome)
            .values(
                placement_id=placement.id,
                competence_id=competence_id,
                position=position,
                added_reason="",
                removed_reason="",
                created_at=stamp,
                updated_at=stamp,
            )
            .on_conflict_do_nothing()
        )


async def rating_started(session: AsyncSession, *, placement_id: int) -> bool:
    """Whether any assessor has submitted a rating (then plan changes need a reason)."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    RatingSheet.placement_id == placement_id,
                    RatingSheet.submitted_at.is_not(None),
                )
            )
        )
    )


async def plan_outcomes(session: AsyncSession, *, placement_id: int) -> list[Outcome]:
    """The outcomes in the plan, in order, with units and criteria (two queries)."""
    rows = (
        await session.execute(
            select(PlanOutcome, Competence, Unit)
            .join(Competence, Competence.id == PlanOutcome.competence_id)
            .join(Unit, Unit.id == Competence.unit_id)
            .where(PlanOutcome.placement_id == placement_id, PlanOutcome.removed_at.is_(None))
            .options(selectinload(Competence.criteria))
            .order_by(PlanOutcome.position, PlanOutcome.id)
        )
    ).all()
    return [
        Outcome(
            competence_id=competence.id,
            code=competence.code,
            labels=dict(competence.labels),
            unit_code=unit.code,
            unit_labels=dict(unit.labels),
            criteria={
                criterion.grade: dict(criterion.labels)
                for criterion in competence.criteria
                if criterion.grade in GRADES_WITH_CRITERIA
            },
            added_reason=plan.added_reason,
        )
        for plan, competence, unit in rows
    ]


async def plan_competence_ids(session: AsyncSession, *, placement_id: int) -> list[int]:
    rows = await session.execute(
        select(PlanOutcome.competence_id)
        .where(PlanOutcome.placement_id == placement_id, PlanOutcome.removed_at.is_(None))
        .order_by(PlanOutcome.position, PlanOutcome.id)
    )
    return [int(value) for value in rows.scalars()]


async def _begin_change(session: AsyncSession, placement: Placement, reason: str) -> str:
    """Write the plan down if needed; the reason as checked (needed once a rating is in)."""
    await ensure_plan(session, placement=placement)
    return _reason(reason, needed=await rating_started(session, placement_id=placement.id))


def _reason(reason: str, *, needed: bool) -> str:
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise Invalid.of("reason", gettext("Use at most %(max)d characters.") % {"max": REASON_MAX})
    if needed and not reason:
        raise Invalid.of(
            "reason",
            gettext("A rating has been submitted: say why the plan changes."),
        )
    return reason


async def add_outcome(
    session: AsyncSession,
    viewer: Viewer,
    *,
    placement: Placement,
    competence_id: int,
    reason: str = "",
) -> None:
    """Add a learning outcome of a qualification to the plan (again, if it was removed)."""
    reason = await _begin_change(session, placement, reason)
    kind = await session.scalar(
        select(Framework.kind)
        .join(Unit, Unit.framework_id == Framework.id)
        .join(Competence, Competence.unit_id == Unit.id)
        .where(Competence.id == competence_id)
    )
    if kind != FrameworkKind.QUALIFICATION.value:
        raise Invalid.of("competence", gettext("Choose a learning outcome of a qualification."))
    existing = await session.scalar(
        select(PlanOutcome).where(
            PlanOutcome.placement_id == placement.id, PlanOutcome.competence_id == competence_id
        )
    )
    if existing is not None and existing.removed_at is None:
        raise Invalid.of("competence", gettext("This outcome is already in the plan."))
    last = await session.scalar(
        select(func.max(PlanOutcome.position)).where(PlanOutcome.placement_id == placement.id)
    )
    if existing is None:
        existing = PlanOutcome(placement_id=placement.id, competence_id=competence_id)
        session.add(existing)
    existing.position = (last or 0) + 1
    existing.removed_at = None
    existing.removed_reason = ""
    existing.added_reason = reason
    existing.changed_by_id = viewer.user_id
    await session.flush()


async def remove_outcome(
    session: AsyncSession,
    viewer: Viewer,
    *,
    placement: Placement,
    competence_id: int,
    reason: str = "",
) -> None:
    """Take an outcome out of the plan; the row stays, with when, who and (later) why."""
    reason = await _begin_change(session, placement, reason)
    outcome = await session.scalar(
        select(PlanOutcome).where(
            PlanOutcome.placement_id == placement.id,
            PlanOutcome.competence_id == competence_id,
            PlanOutcome.removed_at.is_(None),
        )
    )
    if outcome is None:
        raise Invalid.of("competence", gettext("This outcome is not in the plan."))
    outcome.removed_at = datetime.datetime.now(datetime.UTC)
    outcome.removed_reason = reason
    outcome.changed_by_id = viewer.user_id
    await session.flush()
