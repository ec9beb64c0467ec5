"""The learning outcomes that may be added to a placement's plan, for the plan form.

The outcomes of the qualifications the plan and the position already draw on, so that the
list stays short enough to read; an outcome of another qualification is added through the
API's competence id (:func:`assessments.plan.add_outcome` takes any learning outcome).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from assessments.models import PlanOutcome
from competences.models import Competence, Framework, FrameworkKind, Labels, Unit
from placements.models import Placement, PositionCompetence


@dataclass(frozen=True)
class Addable:
    """A learning outcome not in the plan, with its unit."""

    competence_id: int
    code: str
    labels: Labels
    unit_code: str


async def addable_outcomes(session: AsyncSession, *, placement: Placement) -> list[Addable]:
    """Outcomes of the qualifications in use that are not in the plan now (one query)."""
    in_use = union(
        select(PlanOutcome.competence_id).where(PlanOutcome.placement_id == placement.id),
        select(PositionCompetence.competence_id).where(
            PositionCompetence.position_id == placement.position_id
        ),
    ).subquery()
    frameworks = (
        select(Unit.framework_id)
        .join(Competence, Competence.unit_id == Unit.id)
        .where(Competence.id.in_(select(in_use.c[0])))
    )
    in_plan = select(PlanOutcome.competence_id).where(
        PlanOutcome.placement_id == placement.id, PlanOutcome.removed_at.is_(None)
    )
    rows = await session.execute(
        select(Competence.id, Competence.code, Competence.labels, Unit.code)
        .join(Unit, Unit.id == Competence.unit_id)
        .join(Framework, Framework.id == Unit.framework_id)
        .where(
            Framework.kind == FrameworkKind.QUALIFICATION.value,
            Framework.id.in_(frameworks),
            Competence.id.not_in(in_plan),
        )
        .order_by(Framework.code, Unit.position, Competence.position, Competence.id)
    )
    return [
        Addable(
            competence_id=int(competence_id), code=str(code), labels=dict(labels), unit_code=unit
        )
        for competence_id, code, labels, unit in rows.all()
    ]
