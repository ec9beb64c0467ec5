"""The database's candidates become the matching engine's input, verified over claimed."""

from __future__ import annotations

import datetime

from sqlalchemy import select

import matching
from candidates.consent import record_consent
from candidates.matching_input import candidates_for_matching
from candidates.models import Claim, Interview, VerifiedCompetence
from competences.models import Competence
from tests.candidates.conftest import Database


async def competence_id(db: Database, code: str) -> int:
    return int(await db.scalar(select(Competence.id).where(Competence.code == code)))


async def test_verified_levels_outrank_claims_and_not_demonstrated_removes(
    db: Database, candidate_id: int
) -> None:
    teacher = await db.user_id("teacher@demo.test")
    counsellor = await db.viewer("counsellor@demo.test")
    forklift, receiving, picking = [
        await competence_id(db, code) for code in ("LOG-U2-01", "LOG-U1-01", "LOG-U1-03")
    ]
    async with db.session() as session, session.begin():
        session.add_all(
            [
                Claim(candidate_id=candidate_id, competence_id=forklift, self_level=4),
                Claim(candidate_id=candidate_id, competence_id=receiving, self_level=3),
                Claim(candidate_id=candidate_id, competence_id=picking, self_level=2),
                Claim(candidate_id=candidate_id, free_text="driving a delivery van", self_level=3),
            ]
        )
        interview = Interview(
            candidate_id=candidate_id,
            teacher_id=teacher,
            scheduled_at=datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC),
            status="completed",
            completed_at=datetime.datetime(2026, 5, 1, 11, tzinfo=datetime.UTC),
        )
        session.add(interview)
        await session.flush()
        session.add_all(
            [
                VerifiedCompetence(
                    interview_id=interview.id, competence_id=forklift, verified_level=2
                ),
                VerifiedCompetence(
                    interview_id=interview.id, competence_id=picking, not_demonstrated=True
                ),
            ]
        )
    async with db.session() as session, session.begin():
        for purpose in ("validation", "share_with_employers"):
            await record_consent(
                session,
                candidate_id=candidate_id,
                purpose=purpose,
                given=True,
                recorded_by_id=counsellor.user_id,
            )
    async with db.session() as session:
        (candidate,) = await candidates_for_matching(session, candidate_ids=[candidate_id])
    held = {claim.competence: claim for claim in candidate.competences}
    assert held["LOG-U2-01"] == matching.Claim("LOG-U2-01", level=2, verified=True)
    assert held["LOG-U1-01"] == matching.Claim("LOG-U1-01", level=3, verified=False)
    assert "LOG-U1-03" not in held
    assert held["driving a delivery van"].verified is False
    assert candidate.id == str(candidate_id)

    # Withdrawing consent to share with employers removes the candidate at once.
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=candidate_id,
            purpose="share_with_employers",
            given=False,
            recorded_by_id=counsellor.user_id,
        )
    async with db.session() as session:
        assert await candidates_for_matching(session, candidate_ids=[candidate_id]) == ()
        kept = await candidates_for_matching(
            session, candidate_ids=[candidate_id], for_employers=False
        )
        assert [c.id for c in kept] == [str(candidate_id)]


async def test_every_consenting_demo_candidate_is_included_in_few_queries(db: Database) -> None:
    async with db.session() as session:
        everyone = await candidates_for_matching(session)
    assert len(everyone) > 200
    assert all(not hasattr(c, "name") for c in everyone)
    assert len({c.id for c in everyone}) == len(everyone)
