"""The candidate's placements, as a section of the candidate's page (see :mod:`kit.sections`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from employers.models import Organisation
from kit.roles import Viewer
from kit.sections import Section
from placements.lifecycle.placements import placement_status_label
from placements.models import Placement, Position


@dataclass(frozen=True)
class PlacementLine:
    """One of the candidate's placements."""

    id: int
    position_title: str
    organisation_name: str
    status: str
    status_label: str
    start_date: datetime.date | None
    end_date: datetime.date | None


async def list_placements(session: AsyncSession, *, candidate_id: int) -> list[PlacementLine]:
    """The candidate's placements, newest first (one query)."""
    rows = await session.execute(
        select(
            Placement.id,
            Position.title,
            Organisation.name,
            Placement.status,
            Placement.start_date,
            Placement.end_date,
        )
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(Placement.candidate_id == candidate_id)
        .order_by(Placement.id.desc())
    )
    return [
        PlacementLine(
            id=int(row[0]),
            position_title=str(row[1]),
            organisation_name=str(row[2]),
            status=str(row[3]),
            status_label=placement_status_label(str(row[3])),
            start_date=row[4],
            end_date=row[5],
        )
        for row in rows.all()
    ]


async def candidate_placements(
    session: AsyncSession, viewer: Viewer, *, candidate_id: int
) -> Section | None:
    """The section for a candidate the viewer may already see (the page checked that)."""
    lines = await list_placements(session, candidate_id=candidate_id)
    if not lines:
        return None
    return Section("placements/lifecycle/_candidate_placements.html", {"placements": lines})


async def own_placements(session: AsyncSession, viewer: Viewer, *, candidate_id: int) -> Section:
    """The section of the candidate's own home (their own record: the page found it)."""
    lines = await list_placements(session, candidate_id=candidate_id)
    return Section("placements/lifecycle/_own_placements.html", {"placements": lines})
