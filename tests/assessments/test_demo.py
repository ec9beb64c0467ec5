"""The demo assessments (``demo.assessments``): one under way, one decided, seeded once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import demo
from assessments import decisions
from assessments.models import AssessmentDecision, AssessorRole, Rating, RatingSheet
from assessments.ratings import sheets_for
from demo.assessments import RATIONALE, seed_demo_assessments
from kit.audit import AuditEvent
from placements.models import Placement

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]


async def test_the_active_placement_waits_for_the_tutor(sessions: Sessions) -> None:
    async with sessions() as session:
        active = await session.get_one(Placement, 1)
        shown = await sheets_for(session, placement_id=1, seat=None)
        drafts = (
            await session.scalars(
                select(RatingSheet.assessor_role).where(
                    RatingSheet.placement_id == 1, RatingSheet.submitted_at.is_(None)
                )
            )
        ).all()
        live = await decisions.live_decision(session, 1)
    assert active.status == "active"
    assert shown.submitted_roles == {AssessorRole.TEACHER}
    assert list(drafts) == [AssessorRole.COUNSELLOR.value]
    assert live is None


async def test_the_completed_placement_has_a_signed_consensus(sessions: Sessions) -> None:
    async with sessions() as session:
        completed = await session.scalar(
            select(Placement).where(Placement.status == "completed").order_by(Placement.id)
        )
        assert completed is not None
        basis = await decisions.basis(session, completed.id)
        content = await decisions.signed_decision_content(session, completed.id)
        audited = await session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.entity == "assessment_decision", AuditEvent.action == "signed"
            )
        )
    assert completed.tutor_id == 6
    assert (completed.teacher_id, completed.counsellor_id) == (3, 2)
    assert basis.missing == ()
    assert basis.matrix.divergent_count == 1
    assert basis.matrix.rows[0].divergent
    assert content is not None
    assert content.version == 1
    assert content.signer_id == completed.teacher_id
    assert [a.role for a in content.assessors] == list(AssessorRole)
    assert content.outcomes[0].rationale == RATIONALE
    assert all(o.grade is not None for o in content.outcomes)
    assert {p.role for p in content.participants} == set(AssessorRole)
    assert audited == 1


async def test_seeding_again_adds_nothing(sessions: Sessions) -> None:
    async def counts() -> tuple[int, ...]:
        found = []
        async with sessions() as session:
            for model in (RatingSheet, Rating, AssessmentDecision, AuditEvent):
                found.append(int(await session.scalar(select(func.count(model.id))) or 0))
        return tuple(found)

    before = await counts()
    async with sessions() as session, session.begin():
        assert await seed_demo_assessments(session) == 0
        report = await demo.seed(session)
    assert report.assessments == 0
    assert await counts() == before
