"""Where the assessment stands, as sections of the placement page and the candidate's page
(see :mod:`kit.sections`); only for viewers who may see the assessment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assessments.access import may_see, visible_placement
from assessments.standing import standing, standings
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
