"""The demo's decisions on suggestions and placements: what tests and pages rely on, and that
the demo data keeps the workflow's rules (``demo.placements.seed_demo_match_review``)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

import demo
from accounts.models import User
from candidates.consent import shares_with_employers
from candidates.models import Candidate
from demo.placements import seed_demo_match_review
from placements.models import (
    COUNSELLOR_DECISIONS,
    LIVE_PLACEMENT_STATUSES,
    MonitoringVisit,
    Placement,
    Position,
    PositionStatus,
    SuggestionDecision,
)
from placements.review.decisions import DECLINE_REASONS, REJECTION_REASONS, current_decisions
from placements.review.explanations import explanation_from_snapshot
from tests.conftest import DEMO_USERS
from tests.placements.conftest import Database

SECOND_EMPLOYER = "employer2@demo.test"


async def user_ids(db: Database) -> dict[str, User]:
    """The demo users by role (``employer2``: the second organisation's employer)."""
    async with db.session() as session:
        users = (await session.execute(select(User))).scalars().all()
    by_email = {user.email: user for user in users}
    logins = {**DEMO_USERS, "employer2": SECOND_EMPLOYER}
    return {role: by_email[email] for role, email in logins.items()}


async def test_placement_1_is_the_first_organisations_active_tutored_placement(
    db: Database,
) -> None:
    users = await user_ids(db)
    async with db.session() as session:
        placement = await session.get_one(Placement, 1)
        position = await session.get_one(Position, placement.position_id)
        accepted = await session.get_one(SuggestionDecision, placement.decision_id)
        visits = (
            (
                await session.execute(
                    select(MonitoringVisit).where(MonitoringVisit.placement_id == 1)
                )
            )
            .scalars()
            .all()
        )
        taken = await session.scalar(
            select(func.count(Placement.id)).where(
                Placement.position_id == position.id, Placement.status != "interrupted"
            )
        )
    assert placement.organisation_id == users["employer"].organisation_id == 1
    assert position.organisation_id == 1
    assert placement.tutor_id == users["tutor"].id == position.tutor_id
    assert placement.counsellor_id == users["counsellor"].id
    assert placement.teacher_id == users["teacher"].id
    assert placement.status == "active"
    assert placement.place_number == 1
    assert placement.start_date is not None
    assert placement.end_date is not None
    assert [visit.visitor_id for visit in visits] == [users["counsellor"].id]
    assert visits[0].notes
    # The placement came from the employer's acceptance of this very pair.
    assert (accepted.kind, accepted.position_id, accepted.candidate_id) == (
        "accepted",
        position.id,
        placement.candidate_id,
    )
    assert accepted.decided_by_id == users["employer"].id
    # The position keeps a free place, for the browser test's acceptance.
    assert position.status == PositionStatus.OPEN.value
    assert taken is not None
    assert taken < position.places


async def test_the_second_organisation_has_a_placement_on_a_filled_position(
    db: Database,
) -> None:
    users = await user_ids(db)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(Placement, Position.status)
                .join(Position, Position.id == Placement.position_id)
                .where(Placement.organisation_id == users["employer2"].organisation_id)
            )
        ).all()
    assert [(placement.status, status) for placement, status in rows] == [("agreed", "filled")]
    assert rows[0][0].tutor_id is None  # the second organisation names no tutor in the demo


async def test_employers_have_proposals_to_review(db: Database) -> None:
    users = await user_ids(db)
    async with db.session() as session:
        states = await current_decisions(session)
        organisations = dict(
            (await session.execute(select(Position.id, Position.organisation_id))).tuples().all()
        )
        sharing = set(
            (await session.execute(select(Candidate.id).where(shares_with_employers())))
            .scalars()
            .all()
        )
    waiting: dict[int, list[int]] = defaultdict(list)
    for (position_id, candidate_id), decision in states.items():
        if decision.kind == "proposed":
            assert candidate_id in sharing
            waiting[organisations[position_id]].append(candidate_id)
    assert len(waiting[users["employer"].organisation_id or 0]) >= 2
    assert len(waiting[users["employer2"].organisation_id or 0]) >= 1


async def test_decisions_follow_the_workflow(db: Database) -> None:
    users = await user_ids(db)
    async with db.session() as session:
        decisions = (
            (
                await session.execute(
                    select(SuggestionDecision).order_by(
                        SuggestionDecision.position_id,
                        SuggestionDecision.candidate_id,
                        SuggestionDecision.sequence,
                    )
                )
            )
            .scalars()
            .all()
        )
        counsellors = dict(
            (await session.execute(select(Candidate.id, Candidate.counsellor_id))).tuples().all()
        )
        accepted_with_placement = set(
            (await session.execute(select(Placement.decision_id))).scalars().all()
        )
    assert decisions
    history: dict[tuple[int, int], list[SuggestionDecision]] = defaultdict(list)
    for decision in decisions:
        history[(decision.position_id, decision.candidate_id)].append(decision)
    kinds = {decision.kind for decision in decisions}
    assert kinds == {"shortlisted", "rejected", "proposed", "withdrawn", "accepted", "declined"}
    reasons = {decision.reason for decision in decisions if decision.kind == "rejected"}
    assert {"missing_competence", "language", "other"} <= reasons
    employers = {users["employer"].id, users["employer2"].id}
    for (_position_id, candidate_id), steps in history.items():
        assert [step.sequence for step in steps] == list(range(1, len(steps) + 1))
        assert [step.created_at for step in steps] == sorted(step.created_at for step in steps)
        assert counsellors[candidate_id] == users["counsellor"].id  # the counsellor's caseload
        for step in steps:
            if step.kind in COUNSELLOR_DECISIONS:
                assert step.decided_by_id == users["counsellor"].id
                assert step.score is not None
                assert step.rank is not None
                assert step.eligible is not None
                assert explanation_from_snapshot(step.explanation) is not None
            else:
                assert step.decided_by_id in employers
                assert step.score is None
                assert step.explanation is None
            if step.kind == "rejected":
                assert step.reason in REJECTION_REASONS
                assert step.reason != "other" or step.note
            if step.kind == "declined":
                assert step.reason in DECLINE_REASONS
            if step.kind in ("accepted", "declined", "withdrawn"):
                assert steps[step.sequence - 2].kind == "proposed"
            if step.kind == "accepted":
                assert step.id in accepted_with_placement
                assert step is steps[-1]


async def test_placements_and_positions_agree(db: Database) -> None:
    async with db.session() as session:
        placements = (await session.execute(select(Placement))).scalars().all()
        positions = {
            position.id: position
            for position in (await session.execute(select(Position))).scalars().all()
        }
        stages = dict((await session.execute(select(Candidate.id, Candidate.stage))).tuples().all())
    assert len(placements) >= 2
    live: dict[int, int] = defaultdict(int)
    held: dict[int, set[int]] = defaultdict(set)
    for placement in placements:
        assert placement.organisation_id == positions[placement.position_id].organisation_id
        assert 1 <= placement.place_number <= positions[placement.position_id].places
        if placement.status in LIVE_PLACEMENT_STATUSES:
            live[placement.candidate_id] += 1
            assert stages[placement.candidate_id] == "placement"
        if placement.status != "interrupted":
            assert placement.place_number not in held[placement.position_id]
            held[placement.position_id].add(placement.place_number)
    assert max(live.values()) == 1  # nobody holds two live placements
    for position_id, position in positions.items():
        full = len(held[position_id]) == position.places
        assert (position.status == PositionStatus.FILLED.value) == full, position_id


async def test_seeding_again_adds_nothing(db: Database) -> None:
    before = (await db.count(SuggestionDecision), await db.count(Placement))
    async with db.session() as session, session.begin():
        added = await seed_demo_match_review(session)
        report = await demo.seed(session)
    assert (added.decisions, added.placements) == (0, 0)
    assert (report.decisions, report.placements) == (0, 0)
    assert (await db.count(SuggestionDecision), await db.count(Placement)) == before
