"""The plan, the ratings and independence, through the services (both databases)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments import plan, ratings
from assessments.models import AssessorRole, PlanOutcome, Rating, RatingSheet
from assessments.overview import diverges, matrix
from assessments.ratings import RatingInput
from kit.audit import AuditEvent
from kit.invalid import Invalid
from tests.assessments.conftest import COUNSELLOR, SEATS, TEACHER, placement

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]


async def outcomes(sessions: Sessions) -> list[int]:
    async with sessions() as session, session.begin():
        await plan.ensure_plan(session, placement=await placement(session))
        return await plan.plan_competence_ids(session, placement_id=1)


async def rate(
    sessions: Sessions, role: AssessorRole, grades: list[int | None], *, submit: bool = True
) -> None:
    ids = await outcomes(sessions)
    async with sessions() as session, session.begin():
        found = await placement(session)
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


async def test_the_default_plan_is_the_positions_learning_outcomes(
    sessions: Sessions, fresh: int
) -> None:
    async with sessions() as session, session.begin():
        found = await placement(session)
        expected = await plan.default_outcomes(session, placement=found)
        await plan.ensure_plan(session, placement=found)
        await plan.ensure_plan(session, placement=found)  # twice: still one row each
        shown = await plan.plan_outcomes(session, placement_id=fresh)
    assert expected, "the demo position has learning outcomes of a qualification"
    assert [outcome.competence_id for outcome in shown] == expected
    assert all(set(outcome.criteria) <= {1, 3, 5} for outcome in shown)
    assert any(outcome.criteria for outcome in shown)


async def test_plan_changes_need_a_reason_once_a_rating_is_submitted(
    sessions: Sessions, fresh: int
) -> None:
    ids = await outcomes(sessions)
    async with sessions() as session, session.begin():
        await plan.remove_outcome(
            session, COUNSELLOR, placement=await placement(session), competence_id=ids[-1]
        )
    await rate(sessions, AssessorRole.TEACHER, [3] * (len(ids) - 1))
    async with sessions() as session:
        with pytest.raises(Invalid) as refused:
            await plan.add_outcome(
                session, COUNSELLOR, placement=await placement(session), competence_id=ids[-1]
            )
        assert "reason" in refused.value.errors
    async with sessions() as session, session.begin():
        await plan.add_outcome(
            session,
            COUNSELLOR,
            placement=await placement(session),
            competence_id=ids[-1],
            reason="The tutor saw it after all.",
        )
        row = await session.scalar(
            select(PlanOutcome).where(
                PlanOutcome.placement_id == fresh, PlanOutcome.competence_id == ids[-1]
            )
        )
        assert row is not None
        assert row.added_reason == "The tutor saw it after all."


async def test_a_draft_is_kept_and_submitted_once(sessions: Sessions, fresh: int) -> None:
    ids = await outcomes(sessions)
    async with sessions() as session:
        # The demo's other assessments have submissions of their own.
        earlier = await session.scalar(
            select(func.count()).where(
                AuditEvent.entity == "rating_sheet", AuditEvent.action == "submitted"
            )
        )
    await rate(sessions, AssessorRole.TUTOR, [4], submit=False)
    async with sessions() as session:
        seen = await ratings.sheets_for(session, placement_id=fresh, seat=AssessorRole.TUTOR)
    assert seen.own_draft is not None
    assert seen.own_draft.ratings[ids[0]].grade == 4
    async with sessions() as session:
        with pytest.raises(Invalid, match="not rated yet"):
            await ratings.submit(
                session, placement=await placement(session), assessor=SEATS[AssessorRole.TUTOR]
            )
    await rate(sessions, AssessorRole.TUTOR, [4] * len(ids))
    async with sessions() as session:
        with pytest.raises(Invalid):
            await ratings.submit(
                session, placement=await placement(session), assessor=SEATS[AssessorRole.TUTOR]
            )
        submitted = await session.scalar(
            select(func.count()).where(
                RatingSheet.placement_id == fresh, RatingSheet.submitted_at.is_not(None)
            )
        )
        events = await session.scalar(
            select(func.count()).where(
                AuditEvent.entity == "rating_sheet", AuditEvent.action == "submitted"
            )
        )
    assert submitted == 1
    assert events == (earlier or 0) + 1


async def test_bad_grades_and_outcomes_outside_the_plan_write_nothing(
    sessions: Sessions, fresh: int
) -> None:
    ids = await outcomes(sessions)
    bad = [
        [RatingInput(competence_id=ids[0], grade=7)],
        [RatingInput(competence_id=ids[0], grade=0)],
        [RatingInput(competence_id=ids[0], grade=3, not_demonstrated=True)],
        [RatingInput(competence_id=2**31 - 1, grade=3)],
        [RatingInput(competence_id=ids[0], grade=3), RatingInput(competence_id=ids[0], grade=2)],
        [RatingInput(competence_id=ids[0], grade=3, note="x" * 2001)],
    ]
    for given in bad:
        async with sessions() as session:
            with pytest.raises(Invalid):
                await ratings.save_draft(
                    session,
                    placement=await placement(session),
                    assessor=SEATS[AssessorRole.TEACHER],
                    ratings=given,
                )
            await session.commit()
    async with sessions() as session:
        written = await session.scalar(
            select(func.count()).where(RatingSheet.placement_id == fresh)
        )
    assert written == 0


async def test_the_database_refuses_a_grade_out_of_range_and_a_second_draft(
    sessions: Sessions, fresh: int
) -> None:
    ids = await outcomes(sessions)
    async with sessions() as session:
        sheet = RatingSheet(placement_id=fresh, assessor_role="teacher", version=1)
        session.add(sheet)
        await session.flush()
        session.add(Rating(sheet_id=sheet.id, competence_id=ids[0], grade=6))
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()
    async with sessions() as session:
        session.add(RatingSheet(placement_id=fresh, assessor_role="teacher", version=1))
        session.add(
            RatingSheet(
                placement_id=fresh, assessor_role="teacher", version=2, correction_reason="x"
            )
        )
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()


async def test_independence_until_submitted(sessions: Sessions, fresh: int) -> None:
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.TEACHER, [5] * len(ids))
    await rate(sessions, AssessorRole.TUTOR, [2] * len(ids), submit=False)
    async with sessions() as session:
        tutor = await ratings.sheets_for(session, placement_id=fresh, seat=AssessorRole.TUTOR)
        teacher = await ratings.sheets_for(session, placement_id=fresh, seat=AssessorRole.TEACHER)
        staff = await ratings.sheets_for(session, placement_id=fresh, seat=None)
    # The tutor has not submitted: only their own draft, not the teacher's grades.
    assert not tutor.sees_others
    assert set(tutor.submitted) == set()
    assert AssessorRole.TEACHER in tutor.submitted_roles  # who, not what
    # The teacher has submitted: every submitted rating, but never the tutor's draft.
    assert set(teacher.submitted) == {AssessorRole.TEACHER}
    assert teacher.own_draft is None
    assert set(staff.submitted) == {AssessorRole.TEACHER}
    await rate(sessions, AssessorRole.TUTOR, [2] * len(ids))
    async with sessions() as session:
        tutor = await ratings.sheets_for(session, placement_id=fresh, seat=AssessorRole.TUTOR)
    assert set(tutor.submitted) == {AssessorRole.TEACHER, AssessorRole.TUTOR}
    assert tutor.submitted[AssessorRole.TEACHER].ratings[ids[0]].grade == 5


async def test_a_correction_is_a_new_version_with_a_reason(sessions: Sessions, fresh: int) -> None:
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.COUNSELLOR, [3] * len(ids))
    async with sessions() as session:
        with pytest.raises(Invalid) as refused:
            await ratings.save_draft(
                session,
                placement=await placement(session),
                assessor=SEATS[AssessorRole.COUNSELLOR],
                ratings=[RatingInput(competence_id=ids[0], grade=4)],
            )
        assert "correction_reason" in refused.value.errors
    async with sessions() as session, session.begin():
        found = await placement(session)
        await ratings.save_draft(
            session,
            placement=found,
            assessor=SEATS[AssessorRole.COUNSELLOR],
            ratings=[RatingInput(competence_id=c, grade=4) for c in ids],
            correction_reason="I mixed up two outcomes.",
        )
        await ratings.submit(session, placement=found, assessor=SEATS[AssessorRole.COUNSELLOR])
    async with sessions() as session:
        seen = await ratings.sheets_for(session, placement_id=fresh, seat=None)
    assert seen.submitted[AssessorRole.COUNSELLOR].version == 2
    assert [view.version for view in seen.history if view.role == AssessorRole.COUNSELLOR] == [1, 2]


async def test_four_submissions_at_once_submit_once(sessions: Sessions, fresh: int) -> None:
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.TEACHER, [3] * len(ids), submit=False)

    async def attempt() -> str:
        async with sessions() as session:
            try:
                await ratings.submit(
                    session,
                    placement=await placement(session),
                    assessor=SEATS[AssessorRole.TEACHER],
                )
                await session.commit()
                return "submitted"
            except Invalid:
                await session.rollback()
                return "refused"
            except Exception as error:  # SQLite: another writer holds the lock
                await session.rollback()
                return "busy" if "locked" in str(error) else repr(error)

    results = await asyncio.gather(*(attempt() for _ in range(4)))
    assert results.count("submitted") == 1, results
    assert set(results) <= {"submitted", "refused", "busy"}, results
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(
                RatingSheet.placement_id == fresh, RatingSheet.submitted_at.is_not(None)
            )
        )
    assert count == 1


async def test_divergence(sessions: Sessions, fresh: int) -> None:
    assert diverges([Rating(grade=2), Rating(grade=4)])
    assert not diverges([Rating(grade=3), Rating(grade=4)])
    assert diverges([Rating(grade=None, not_demonstrated=True), Rating(grade=3)])
    assert not diverges([Rating(grade=None, not_demonstrated=True), Rating(grade=2)])
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.TEACHER, [5] + [3] * (len(ids) - 1))
    await rate(sessions, AssessorRole.TUTOR, [3] + [3] * (len(ids) - 1))
    async with sessions() as session:
        shown = matrix(
            await plan.plan_outcomes(session, placement_id=fresh),
            await ratings.sheets_for(session, placement_id=fresh, seat=None),
        )
    assert [row.divergent for row in shown.rows] == [True] + [False] * (len(ids) - 1)
    assert shown.submitted == {
        AssessorRole.TUTOR: True,
        AssessorRole.TEACHER: True,
        AssessorRole.COUNSELLOR: False,
    }
    assert TEACHER.user_id == 3


async def test_a_placement_that_has_not_started_is_not_rated(sessions: Sessions) -> None:
    async with sessions() as session:
        agreed = await placement(session, 2)
        assert agreed.status == "agreed"
        seat = SEATS[AssessorRole.TEACHER]
        with pytest.raises(Invalid, match="not started"):
            await ratings.save_draft(session, placement=agreed, assessor=seat, ratings=[])
        with pytest.raises(Invalid, match="not started"):
            await ratings.submit(session, placement=agreed, assessor=seat)
        written = await session.scalar(select(func.count()).where(RatingSheet.placement_id == 2))
    assert written == 0
