"""Who opened a candidate's record, and when: written each time the record is opened (its
page, the record through the API, or a copy of the data made for the coordinator), read by
the coordinator on the candidate's page.

Only a viewer the access rules already let in is logged, so a refused try (another
counsellor's client, answered 404) leaves no line: the audit of refusals is the server's
log. Reading the log is not itself logged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.models import RecordOpening
from kit.roles import Viewer

SHOWN = 50


@dataclass(frozen=True)
class Opening:
    opened_at: datetime.datetime
    user_name: str
    role: str
    via: str


@dataclass(frozen=True)
class Openings:
    latest: list[Opening]
    total: int


async def record_opening(
    session: AsyncSession, *, candidate_id: int, viewer: Viewer, via: str = "page"
) -> None:
    """Log that ``viewer`` opened the record (in the request's transaction)."""
    session.add(
        RecordOpening(
            candidate_id=candidate_id,
            user_id=viewer.user_id,
            user_name=(viewer.name or viewer.email)[:200],
            role=viewer.role.value,
            via=via,
        )
    )
    await session.flush()


async def openings(session: AsyncSession, *, candidate_id: int, limit: int = SHOWN) -> Openings:
    """The latest ``limit`` openings of the record, newest first, and how many in all."""
    rows = (
        await session.execute(
            select(
                RecordOpening.created_at,
                RecordOpening.user_name,
                RecordOpening.role,
                RecordOpening.via,
            )
            .where(RecordOpening.candidate_id == candidate_id)
            .order_by(RecordOpening.created_at.desc(), RecordOpening.id.desc())
            .limit(limit)
        )
    ).all()
    total = await session.scalar(
        select(func.count()).where(RecordOpening.candidate_id == candidate_id)
    )
    return Openings(latest=[Opening(*row) for row in rows], total=int(total or 0))
