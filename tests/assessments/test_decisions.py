"""The consensus decision: who signs, what it needs, corrections, races and what certificates
read (both databases)."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments import decisions, plan, ratings
from assessments.decisions import DecisionConflict, DecisionInput, NotTheAssessor
from assessments.models import AssessmentDecision, AssessorRole, DecisionOutcome
from assessments.ratings import RatingInput
from kit.audit import AuditEvent
from kit.invalid import Invalid
from kit.roles import Role, Viewer
from tests.assessments.conftest import (
    COORDINATOR,
    COUNSELLOR,
    SEATS,
    TEACHER,
    TUTOR,
    placement,
    statements_read,
)
from tests.conftest import DEMO_USERS, csrf_token, sign_in

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]
EVERYONE = [("tutor", "Demo Tutor"), ("teacher", "Demo Teacher"), ("counsellor", "Demo Counsellor")]


async def outcomes(sessions: Sessions) -> list[int]:
    async with sessions() as session, session.begin():
        await plan.ensure_plan(session, placement=await placement(session))
        return await plan.plan_competence_ids(session, placement_id=1)


async def rate(sessions: Sessions, role: AssessorRole, grades: list[int | None]) -> None:
    ids = await outcomes(sessions)
    async with sessions() as session, session.begin():
        found = await placement(session)
        await ratings.save_draft(
            session,
            placement=found,
            assessor=SEATS[role],
            ratings=[
                RatingInput(competence_id=c, grade=g, not_demonstrated=g is None)
                for c, g in zip(ids, grades, strict=True)
            ],
        )
        await ratings.submit(session, placement=found, assessor=SEATS[role])


async def all_rated(sessions: Sessions, *, diverging: bool = False) -> list[int]:
    """Every assessor submitted; with ``diverging``, the first outcome spreads 2 to 4."""
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.TEACHER, [3] * len(ids))
    await rate(sessions, AssessorRole.COUNSELLOR, [3] * len(ids))
    await rate(sessions, AssessorRole.TUTOR, [5 if diverging else 3] + [3] * (len(ids) - 1))
    return ids


def final(ids: list[int], grade: int = 3, **rationales: str) -> list[DecisionInput]:
    return [
        DecisionInput(competence_id=c, grade=grade, rationale=rationales.get(f"c{c}", ""))
        for c in ids
    ]


async def sign(
    sessions: Sessions, viewer: Viewer, given: list[DecisionInput], **reasons: str
) -> AssessmentDecision:
    async with sessions() as session, session.begin():
        return await decisions.sign(
            session,
            viewer,
            placement=await placement(session),
            outcomes=given,
            participants=EVERYONE,
            **reasons,
        )


async def count(sessions: Sessions) -> int:
    """The decisions of the test's placement (the demo has one on another)."""
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count(AssessmentDecision.id)).where(
                    AssessmentDecision.placement_id == 1
                )
            )
            or 0
        )


async def test_only_the_placements_teacher_signs(sessions: Sessions, fresh: int) -> None:
    ids = await all_rated(sessions)
    other_teacher = Viewer(user_id=999, role=Role.TEACHER, name="Another Teacher")
    for viewer in (COUNSELLOR, TUTOR, COORDINATOR, other_teacher):
        with pytest.raises(NotTheAssessor):
            await sign(sessions, viewer, final(ids))
    assert await count(sessions) == 0
    decision = await sign(sessions, TEACHER, final(ids))
    assert (decision.version, decision.signed_by_id, decision.signed_by_name) == (
        1,
        TEACHER.user_id,
        TEACHER.name,
    )
    assert [p["role"] for p in decision.participants] == ["tutor", "teacher", "counsellor"]


async def test_before_all_ratings_a_reason_naming_the_missing_is_needed(
    sessions: Sessions, fresh: int
) -> None:
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.TEACHER, [3] * len(ids))
    await rate(sessions, AssessorRole.COUNSELLOR, [3] * len(ids))
    with pytest.raises(Invalid) as refused:
        await sign(sessions, TEACHER, final(ids))
    assert "Workplace tutor" in refused.value.errors["missing_reason"]
    assert await count(sessions) == 0
    reason = "The workplace tutor is on long sick leave; the employer agreed by phone."
    decision = await sign(sessions, TEACHER, final(ids), missing_reason=reason)
    assert decision.missing_reason == reason


async def test_a_rationale_is_required_where_ratings_diverge(
    sessions: Sessions, fresh: int
) -> None:
    ids = await all_rated(sessions, diverging=True)
    with pytest.raises(Invalid) as refused:
        await sign(sessions, TEACHER, final(ids))
    assert set(refused.value.errors) == {f"rationale-{ids[0]}"}
    assert await count(sessions) == 0
    why = "Shown on the last two weeks only; the tutor saw it more often."
    decision = await sign(sessions, TEACHER, final(ids, **{f"c{ids[0]}": why}))
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(DecisionOutcome).where(DecisionOutcome.decision_id == decision.id)
            )
        ).all()
    assert {row.competence_id: row.rationale for row in rows}[ids[0]] == why
    assert len(rows) == len(ids)


async def test_bad_outcomes_are_refused_and_nothing_is_written(
    sessions: Sessions, fresh: int
) -> None:
    ids = await all_rated(sessions)
    outside = DecisionInput(competence_id=max(ids) + 1000, grade=3)
    cases = [
        ([*final(ids), outside], "outcomes"),
        (final(ids)[1:], f"grade-{ids[0]}"),
        ([DecisionInput(competence_id=c, grade=6) for c in ids], f"grade-{ids[0]}"),
        (
            [DecisionInput(competence_id=c, grade=2, not_demonstrated=True) for c in ids],
            f"grade-{ids[0]}",
        ),
    ]
    for given, key in cases:
        with pytest.raises(Invalid) as refused:
            await sign(sessions, TEACHER, given)
        assert key in refused.value.errors
    assert await count(sessions) == 0
    decision = await sign(
        sessions,
        TEACHER,
        [DecisionInput(competence_id=ids[0], not_demonstrated=True), *final(ids)[1:]],
    )
    assert decision.id


async def test_a_correction_supersedes_with_a_reason_and_keeps_the_old(
    sessions: Sessions, fresh: int
) -> None:
    ids = await all_rated(sessions)
    first = await sign(sessions, TEACHER, final(ids))
    with pytest.raises(Invalid) as refused:
        await sign(sessions, TEACHER, final(ids, grade=4))
    assert "correction_reason" in refused.value.errors
    reason = "The second unit's grade was typed wrong."
    second = await sign(sessions, TEACHER, final(ids, grade=4), correction_reason=reason)
    assert (second.version, second.correction_reason) == (2, reason)
    async with sessions() as session:
        history = await decisions.decision_history(session, fresh)
        live = await decisions.live_decision(session, fresh)
    assert [d.version for d in history] == [2, 1]
    assert history[1].id == first.id
    assert history[1].superseded_at is not None
    assert live is not None
    assert live.id == second.id
    assert {o.grade for o in live.outcomes} == {4}


async def waiting_for_a_lock(sessions: Sessions) -> None:
    """Until another transaction waits for a row lock (PostgreSQL), so that the race is run
    and not left to timing on a busy machine; SQLite, one writer at a time, gets a moment."""
    async with sessions() as watcher:
        if watcher.bind.dialect.name != "postgresql":
            await asyncio.sleep(0.5)
            return
        for _ in range(200):
            waiting = await watcher.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            if waiting:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the second signing never waited for the first one's lock")


async def test_two_signings_at_once_leave_one_live_decision(sessions: Sessions, fresh: int) -> None:
    ids = await all_rated(sessions)
    async with sessions() as one, sessions() as two:
        await one.begin()
        await two.begin()
        await decisions.sign(
            one, TEACHER, placement=await placement(one), outcomes=final(ids), participants=[]
        )
        found = await placement(two)
        racing = asyncio.create_task(
            decisions.sign(
                two, TEACHER, placement=found, outcomes=final(ids, grade=4), participants=[]
            )
        )
        await waiting_for_a_lock(sessions)
        await one.commit()
        with pytest.raises(DecisionConflict):
            await racing
        await two.rollback()
    async with sessions() as session:
        live = await decisions.live_decision(session, fresh)
    assert await count(sessions) == 1
    assert live is not None
    assert {o.grade for o in live.outcomes} == {3}


async def test_signed_decision_content_is_what_certificates_need(
    sessions: Sessions, fresh: int
) -> None:
    ids = await all_rated(sessions, diverging=True)
    async with sessions() as session:
        assert await decisions.signed_decision_content(session, fresh) is None
    given = [
        DecisionInput(competence_id=ids[0], grade=5, rationale="Seen often by the tutor."),
        DecisionInput(competence_id=ids[1], not_demonstrated=True),
        *final(ids[2:]),
    ]
    decision = await sign(sessions, TEACHER, given)
    async with sessions() as session:
        content = await decisions.signed_decision_content(session, fresh)
        found = await placement(session)
    assert content is not None
    assert (content.decision_id, content.version, content.placement_id) == (decision.id, 1, fresh)
    assert content.candidate_id == found.candidate_id
    assert content.candidate_name
    assert content.organisation_name
    assert content.position_title
    assert (content.start_date, content.end_date) == (found.start_date, found.end_date)
    assert [o.competence_id for o in content.outcomes] == ids
    first, second = content.outcomes[0], content.outcomes[1]
    assert (first.grade, first.not_demonstrated, first.rationale) == (5, False, given[0].rationale)
    assert first.grade_criteria == first.criteria.get(5)
    assert (second.grade, second.not_demonstrated, second.grade_criteria) == (None, True, None)
    assert all(o.labels and o.unit_code and o.framework_code for o in content.outcomes)
    assert content.qualifications
    assert {o.unit_code for o in content.outcomes} == {
        code for part in content.qualifications for code, _ in part.units
    }
    assert [a.role for a in content.assessors] == list(AssessorRole)
    assert [a.name for a in content.assessors] == ["Demo Tutor", "Demo Teacher", "Demo Counsellor"]
    assert (content.signer_name, content.signer_id) == (TEACHER.name, TEACHER.user_id)
    assert content.signed_at == decision.signed_at


async def test_the_decision_is_in_the_audit_trail(sessions: Sessions, fresh: int) -> None:
    ids = await all_rated(sessions)
    first = await sign(sessions, TEACHER, final(ids))
    second = await sign(sessions, TEACHER, final(ids, grade=2), correction_reason="Typo.")
    async with sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent.action, AuditEvent.entity, AuditEvent.entity_id)
            )
        ).all()
    found = {tuple(event) for event in events}
    assert ("signed", "assessment_decision", str(first.id)) in found
    assert ("corrected", "assessment_decision", str(second.id)) in found
    assert ("create", "assessment_decision", str(second.id)) in found
    assert sum(1 for action, entity, _ in found if entity == "decision_outcome") >= len(ids)


# --- The page ------------------------------------------------------------------------

PAGE = "/placements/1/assessment/decision"


async def test_the_teacher_signs_through_the_page(
    sessions: Sessions, fresh: int, client: AsyncTestClient
) -> None:
    ids = await all_rated(sessions, diverging=True)
    await sign_in(client, DEMO_USERS["teacher"])
    shown = await client.get(PAGE)
    assert shown.status_code == 200
    assert "Ratings diverge" in shown.text
    assert f'name="rationale-{ids[0]}"' in shown.text
    form = {f"grade-{c}": "3" for c in ids} | {
        "participant": ["tutor", "teacher", "counsellor"],
        "_csrf_token": await csrf_token(client),
    }
    refused = await client.post(PAGE, data=form)
    assert refused.status_code == 400
    assert f'id="rationale-{ids[0]}-error"' in refused.text
    assert await count(sessions) == 0
    form[f"rationale-{ids[0]}"] = "The tutor saw it more often than we did."
    signed = await client.post(PAGE, data=form, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    assert await count(sessions) == 1
    locked = await client.get(PAGE)
    assert "Correct this decision" in locked.text
    assert 'name="correction_reason"' in locked.text


async def test_other_staff_read_but_do_not_sign(
    sessions: Sessions, fresh: int, client: AsyncTestClient
) -> None:
    ids = await all_rated(sessions)
    await sign_in(client, DEMO_USERS["counsellor"])
    shown = await client.get(PAGE)
    assert shown.status_code == 200
    assert "Sign the decision" not in shown.text
    form = {f"grade-{c}": "3" for c in ids} | {"_csrf_token": await csrf_token(client)}
    assert (await client.post(PAGE, data=form)).status_code == 403
    assert await count(sessions) == 0


async def test_the_demos_signed_decision_is_shown_locked(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    shown = await client.get("/placements/3/assessment/decision")
    assert shown.status_code == 200
    assert "Signed decision" in shown.text
    assert "Leena Opettaja" in shown.text
    assert "Sign the" not in shown.text  # the coordinator reads, only the teacher signs
    await sign_in(client, DEMO_USERS["teacher"])
    teacher = await client.get("/placements/3/assessment/decision")
    assert "Correct this decision" in teacher.text
    waiting = await client.get(PAGE)
    assert 'name="missing_reason"' in waiting.text
    assert "Workplace tutor" in waiting.text


async def test_the_teacher_sees_no_grades_and_signs_nothing_before_rating(
    sessions: Sessions, fresh: int, client: AsyncTestClient
) -> None:
    ids = await outcomes(sessions)
    await rate(sessions, AssessorRole.TUTOR, [5] * len(ids))
    await rate(sessions, AssessorRole.COUNSELLOR, [1] * len(ids))
    with pytest.raises(Invalid) as refused:
        await sign(sessions, TEACHER, final(ids), missing_reason="The teacher is away.")
    assert "sheet" in refused.value.errors
    await sign_in(client, DEMO_USERS["teacher"])
    shown = await client.get(PAGE)
    assert shown.status_code == 200
    assert "<td>5 (excellent)" not in shown.text
    assert "Ratings diverge" not in shown.text
    assert 'name="grade-' not in shown.text
    assert await count(sessions) == 0


async def test_the_page_reads_a_bounded_number_of_queries(
    sessions: Sessions, fresh: int, client: AsyncTestClient
) -> None:
    """The same count of queries with one outcome in the plan as with all of them."""
    ids = await outcomes(sessions)
    async with sessions() as session, session.begin():
        for competence_id in ids[1:]:
            await plan.remove_outcome(
                session, COUNSELLOR, placement=await placement(session), competence_id=competence_id
            )
    await rate(sessions, AssessorRole.TEACHER, [3])
    await sign_in(client, DEMO_USERS["teacher"])
    few = await statements_read(client, PAGE)
    async with sessions() as session, session.begin():
        for competence_id in ids[1:]:
            await plan.add_outcome(
                session,
                COUNSELLOR,
                placement=await placement(session),
                competence_id=competence_id,
                reason="Back in the plan.",
            )
    async with sessions() as session, session.begin():
        found = await placement(session)
        await ratings.save_draft(
            session,
            placement=found,
            assessor=SEATS[AssessorRole.TEACHER],
            ratings=[RatingInput(competence_id=c, grade=3) for c in ids],
            correction_reason="The plan grew.",
        )
        await ratings.submit(session, placement=found, assessor=SEATS[AssessorRole.TEACHER])
    assert await statements_read(client, PAGE) == few
