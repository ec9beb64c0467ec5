"""Fixtures for certificate tests: the demo's signed placement and a second one signed here.

Demo placement 3 is completed with a signed decision and a certificate issued in Finnish by
the demo counsellor. Placement 1 (active) has no decision: :func:`signed_placement` signs one
as its teacher, with one outcome "not demonstrated", so a test can issue from scratch.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments import decisions, plan
from certificates.models import Certificate
from kit.roles import Role, Viewer
from placements.models import Placement

CERTIFIED_PLACEMENT = 3
PLACEMENT = 1
TEACHER = Viewer(user_id=3, role=Role.TEACHER, name="Demo Teacher")
COUNSELLOR = Viewer(user_id=2, role=Role.COUNSELLOR, name="Demo Counsellor")
COORDINATOR = Viewer(user_id=1, role=Role.COORDINATOR, name="Demo Coordinator")


async def sign_decision(
    session: AsyncSession, placement_id: int = PLACEMENT, *, correction: str = ""
) -> list[int]:
    """Sign (or correct) the placement's consensus as its teacher: the first outcome "not
    demonstrated", the others 5, 4, 3, …; returns the plan's competence ids."""
    placement = await session.get(Placement, placement_id)
    assert placement is not None
    await plan.ensure_plan(session, placement=placement)
    ids = await plan.plan_competence_ids(session, placement_id=placement_id)
    assert len(ids) >= 2
    await decisions.sign(
        session,
        TEACHER,
        placement=placement,
        outcomes=[
            decisions.DecisionInput(competence_id=ids[0], not_demonstrated=True)
            if index == 0
            else decisions.DecisionInput(competence_id=cid, grade=max(1, 6 - index))
            for index, cid in enumerate(ids)
        ],
        participants=[("teacher", "Demo Teacher")],
        missing_reason="The others are away (test).",
        correction_reason=correction,
    )
    return ids


@pytest.fixture
async def signed_placement(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session, session.begin():
        await sign_decision(session)
    return PLACEMENT


async def certificates_of(session: AsyncSession, placement_id: int) -> list[Certificate]:
    return list(
        (
            await session.scalars(
                select(Certificate)
                .where(Certificate.placement_id == placement_id)
                .order_by(Certificate.id)
            )
        ).all()
    )
