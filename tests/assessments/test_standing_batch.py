"""The standing of several placements read together gives what each read alone gives, in
three statements however many placements there are (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments import plan, ratings
from assessments.access import seat_of
from assessments.models import AssessorRole
from assessments.overview import diverges
from assessments.ratings import RatingInput
from assessments.standing import Standing, decision_signed, standing, standings
from kit.roles import Viewer
from placements.models import Placement, PlacementStatus
from tests.assessments.conftest import (
    COORDINATOR,
    COUNSELLOR,
    SEATS,
    TEACHER,
    TUTOR,
    copies_of,
    placement,
)

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]
VIEWERS = [TUTOR, TEACHER, COUNSELLOR, COORDINATOR]


async def _rate(
    sessions: Sessions, role: AssessorRole, grades: list[int | None], *, submit: bool = True
) -> None:
    async with sessions() as session, session.begin():
        found = await placement(session)
        await plan.ensure_plan(session, placement=found)
        ids = await plan.plan_competence_ids(session, placement_id=found.id)
        await ratings.save_draft(
            session,
            placement=found,
            assessor=SEATS[role],
            ratings=[
                RatingInput(competence_id=c, grade=g, not_demonstrated=g is None)
                for c, g in zip(ids, grades, strict=False)
            ],
        )
        if submit:
            await ratings.submit(session, placement=found, assessor=SEATS[role])


async def _one_by_one(session: AsyncSession, viewer: Viewer, found: Placement) -> Standing:
    """The standing as it was read before the batch: the sheets the reader sees, the plan
    and the signed decision, one placement at a time."""
    seat = seat_of(viewer, found)
    sheets = await ratings.sheets_for(
        session, placement_id=found.id, seat=seat.role if seat is not None else None
    )
    outcomes = await plan.plan_competence_ids(session, placement_id=found.id)
    divergent = None
    if sheets.sees_others:
        divergent = sum(
            1
            for competence_id in outcomes
            if diverges(
                [
                    rating
                    for sheet in sheets.submitted.values()
                    if (rating := sheet.ratings.get(competence_id)) is not None
                ]
            )
        )
    return Standing(
        placement_id=found.id,
        outcomes=len(outcomes),
        submitted=len(sheets.submitted_roles),
        divergent=divergent,
        decision=await decision_signed(session, placement_id=found.id),
    )


async def _all_placements(session: AsyncSession) -> list[Placement]:
    return list((await session.scalars(select(Placement).order_by(Placement.id))).all())


async def test_the_batch_gives_what_each_placement_alone_gives(
    sessions: Sessions, fresh: int
) -> None:
    # Placement 1: the teacher submits a divergent sheet, then the tutor; the counsellor
    # keeps a draft. The demo's completed placement has three sheets and a signed decision.
    count = len(await _plan(sessions))
    await _rate(sessions, AssessorRole.TEACHER, [5] + [3] * (count - 1))
    await _rate(sessions, AssessorRole.TUTOR, [2] + [None] + [3] * (count - 2))
    await _rate(sessions, AssessorRole.COUNSELLOR, [1] * count, submit=False)
    async with sessions() as session:
        found = await _all_placements(session)
        assert len(found) >= 3
        for viewer in VIEWERS:
            batch = await standings(session, viewer, placements=found)
            alone = {p.id: await _one_by_one(session, viewer, p) for p in found}
            assert batch == alone, viewer.role
            assert await standing(session, viewer, placement=found[0]) == alone[found[0].id]
        by_id = await standings(session, COORDINATOR, placements=found)
    # What the coordinator (no seat) reads of placement 1: two submitted, the first outcome
    # (5 and 2) and the second (3 and "not demonstrated") diverge.
    assert by_id[1].submitted == 2
    assert by_id[1].divergent == 2
    assert by_id[1].outcomes == count
    assert by_id[1].decision is None


async def test_an_assessor_who_has_not_submitted_learns_no_divergence(
    sessions: Sessions, fresh: int
) -> None:
    count = len(await _plan(sessions))
    await _rate(sessions, AssessorRole.TEACHER, [5] + [3] * (count - 1))
    await _rate(sessions, AssessorRole.TUTOR, [1] + [3] * (count - 1))
    async with sessions() as session:
        found = [await placement(session)]
        assert (await standings(session, COUNSELLOR, placements=found))[1].divergent is None
        assert (await standings(session, TEACHER, placements=found))[1].divergent == 1
        assert (await standings(session, COUNSELLOR, placements=[])) == {}


async def test_a_correction_counts_its_newest_version(sessions: Sessions, fresh: int) -> None:
    count = len(await _plan(sessions))
    await _rate(sessions, AssessorRole.TEACHER, [5] + [3] * (count - 1))
    await _rate(sessions, AssessorRole.TUTOR, [1] + [3] * (count - 1))
    async with sessions() as session, session.begin():
        found = await placement(session)
        ids = await plan.plan_competence_ids(session, placement_id=found.id)
        await ratings.save_draft(
            session,
            placement=found,
            assessor=SEATS[AssessorRole.TUTOR],
            ratings=[RatingInput(competence_id=c, grade=4) for c in ids],
            correction_reason="I mixed up two outcomes.",
        )
        await ratings.submit(session, placement=found, assessor=SEATS[AssessorRole.TUTOR])
    async with sessions() as session:
        found = await placement(session)
        shown = (await standings(session, COORDINATOR, placements=[found]))[found.id]
        assert shown == await _one_by_one(session, COORDINATOR, found)
        assert (shown.submitted, shown.divergent) == (2, 0)


async def test_more_placements_add_no_statement(sessions: Sessions, fresh: int) -> None:
    async with sessions() as session, session.begin():
        template = await placement(session)
        session.add_all(copies_of(template, 4, PlacementStatus.COMPLETED.value))
    async with sessions() as session:
        found = await _all_placements(session)
        assert len(found) >= 7
        counted: list[str] = []
        engine = session.sync_session.get_bind()

        def record(*args: object) -> None:
            counted.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", record)
        try:
            await standings(session, TEACHER, placements=found[:1])
            one = len(counted)
            counted.clear()
            await standings(session, TEACHER, placements=found)
            many = len(counted)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert one == many == 3


async def _plan(sessions: Sessions) -> list[int]:
    async with sessions() as session, session.begin():
        found = await placement(session)
        await plan.ensure_plan(session, placement=found)
        return await plan.plan_competence_ids(session, placement_id=found.id)
