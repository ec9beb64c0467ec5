"""Where the assessment stands, as sections of the placement page and the candidate's page
(see :mod:`kit.sections`); only for viewers who may see the assessment."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessments.access import may_see, visible_placement
from assessments.models import AssessmentDecision, DecisionOutcome
from assessments.standing import standing, standings
from competences.models import Competence
from kit.roles import Viewer
from kit.sections import Section
from placements.models import Placement, Position


async def placement_assessment(
    session: AsyncSession, viewer: Viewer, *, placement_id: int
) -> Section | None:
    """The placement page's section: the standing and a link to the assessment page."""
    placement = await visible_placement(session, viewer, placement_id=placement_id)
    if placement is None:
        return None
    return Section(
        "assessments/_placement_status.html",
        {"standing": await standing(session, viewer, placement=placement)},
    )


async def candidate_assessments(
    session: AsyncSession, viewer: Viewer, *, candidate_id: int
) -> Section | None:
    """The candidate's page's section: the standing of each placement's assessment (four
    queries however many placements the candidate has)."""
    rows = (
        await session.execute(
            select(Placement, Position.title)
            .join(Position, Position.id == Placement.position_id)
            .where(Placement.candidate_id == candidate_id)
            .order_by(Placement.id.desc())
        )
    ).all()
    shown = [(placement, title) for placement, title in rows if may_see(viewer, placement)]
    if not shown:
        return None
    by_id = await standings(session, viewer, placements=[placement for placement, _ in shown])
    lines = [(title, by_id[placement.id]) for placement, title in shown]
    return Section("assessments/_candidate_status.html", {"lines": lines})


@dataclass(frozen=True)
class OwnOutcome:
    labels: dict[str, Any]
    grade: int | None
    not_demonstrated: bool


@dataclass
class OwnResult:
    """A signed assessment decision in force, as the candidate reads it."""

    position_title: str
    signed_at: datetime.datetime
    signed_by_name: str
    outcomes: list[OwnOutcome] = field(default_factory=list)


async def own_results(session: AsyncSession, viewer: Viewer, *, candidate_id: int) -> Section:
    """The candidate's own home: the final grades of each signed assessment in force (one
    query); the assessors' own ratings and notes stay with the assessors."""
    rows = await session.execute(
        select(
            AssessmentDecision.id,
            Position.title,
            AssessmentDecision.signed_at,
            AssessmentDecision.signed_by_name,
            Competence.labels,
            DecisionOutcome.grade,
            DecisionOutcome.not_demonstrated,
        )
        .join(Placement, Placement.id == AssessmentDecision.placement_id)
        .join(Position, Position.id == Placement.position_id)
        .join(DecisionOutcome, DecisionOutcome.decision_id == AssessmentDecision.id)
        .join(Competence, Competence.id == DecisionOutcome.competence_id)
        .where(Placement.candidate_id == candidate_id, AssessmentDecision.superseded_at.is_(None))
        .order_by(AssessmentDecision.signed_at.desc(), DecisionOutcome.id)
    )
    results: dict[int, OwnResult] = {}
    for decision_id, title, signed_at, signed_by, labels, grade, not_demonstrated in rows.all():
        result = results.setdefault(decision_id, OwnResult(title, signed_at, signed_by))
        result.outcomes.append(OwnOutcome(dict(labels or {}), grade, bool(not_demonstrated)))
    return Section("assessments/_own_results.html", {"results": list(results.values())})
