"""Fixtures for assessment tests: the test's database, and the demo placement being assessed."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments.access import Assessor
from assessments.models import AssessorRole
from kit.roles import Role, Viewer
from placements.models import Placement

# The demo's active placement: tutored by tutor@demo.test, with the demo teacher and counsellor.
PLACEMENT_ID = 1
TUTOR = Viewer(user_id=6, role=Role.TUTOR, organisation_id=1, name="Demo Tutor")
TEACHER = Viewer(user_id=3, role=Role.TEACHER, name="Demo Teacher")
COUNSELLOR = Viewer(user_id=2, role=Role.COUNSELLOR, name="Demo Counsellor")
COORDINATOR = Viewer(user_id=1, role=Role.COORDINATOR, name="Demo Coordinator")
SEATS = {
    AssessorRole.TUTOR: Assessor(AssessorRole.TUTOR, 6, "Demo Tutor"),
    AssessorRole.TEACHER: Assessor(AssessorRole.TEACHER, 3, "Demo Teacher"),
    AssessorRole.COUNSELLOR: Assessor(AssessorRole.COUNSELLOR, 2, "Demo Counsellor"),
}


async def placement(session: AsyncSession, placement_id: int = PLACEMENT_ID) -> Placement:
    found = await session.get(Placement, placement_id)
    assert found is not None
    return found


@pytest.fixture
async def fresh(sessions: async_sessionmaker[AsyncSession]) -> int:
    """The demo's active placement with no assessment yet, whatever the demo data holds."""
    from sqlalchemy import delete

    from assessments.models import AssessmentDecision, PlanOutcome, RatingSheet, TutorLink

    async with sessions() as session, session.begin():
        for model in (AssessmentDecision, RatingSheet, PlanOutcome, TutorLink):
            await session.execute(delete(model).where(model.placement_id == PLACEMENT_ID))
    return PLACEMENT_ID


async def statements_read(client: AsyncTestClient, path: str) -> int:
    """How many SQL statements the app runs to answer ``GET path`` (which must answer 200)."""
    engine = client.app.state.engine
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        assert (await client.get(path)).status_code == 200
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return len(statements)


def copies_of(
    template: Placement, count: int, status: str, *, staffed: bool = True
) -> list[Placement]:
    """``count`` more placements like ``template`` in places 100, 101, …; ``staffed``: with
    its tutor, teacher and counsellor, else its tutor only."""
    return [
        Placement(
            candidate_id=template.candidate_id,
            position_id=template.position_id,
            organisation_id=template.organisation_id,
            place_number=100 + number,
            tutor_id=template.tutor_id,
            teacher_id=template.teacher_id if staffed else None,
            counsellor_id=template.counsellor_id if staffed else None,
            status=status,
        )
        for number in range(count)
    ]
