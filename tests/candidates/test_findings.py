"""One rule for the level that counts: every reader agrees on which finding is in force.

The portfolio (:func:`candidates.portfolio.portfolio_overview`), the matching input
(:func:`candidates.matching_input.candidates_for_matching`) and the placement pages
(:func:`candidates.findings.held_competences`) read the same findings, on both databases: a
completed interview without a completion time sorts last on PostgreSQL as on SQLite.
"""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select

from candidates.consent import record_consent
from candidates.findings import held_competences
from candidates.matching_input import candidates_for_matching
from candidates.models import Claim, Interview, InterviewStatus, VerifiedCompetence
from candidates.portfolio import portfolio_overview
from competences.models import Competence
from tests.candidates.conftest import Database

FORKLIFT, RECEIVING, PICKING, PACKING = "LOG-U2-01", "LOG-U1-01", "LOG-U1-03", "LOG-U1-04"


def at(month: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, 1, hour, tzinfo=datetime.UTC)


@pytest.mark.both_databases
async def test_portfolio_matching_and_placements_agree_on_the_level_that_counts(
    db: Database, candidate_id: int
) -> None:
    teacher = await db.user_id("teacher@demo.test")
    counsellor = await db.user_id("counsellor@demo.test")
    async with db.session() as session:
        ids = dict(
            (
                await session.execute(
                    select(Competence.code, Competence.id).where(
                        Competence.code.in_([FORKLIFT, RECEIVING, PICKING, PACKING])
                    )
                )
            ).all()
        )
    assert len(ids) == 4

    def interview(scheduled: datetime.datetime, completed: datetime.datetime | None) -> Interview:
        return Interview(
            candidate_id=candidate_id,
            teacher_id=teacher,
            scheduled_at=scheduled,
            status=InterviewStatus.COMPLETED.value,
            completed_at=completed,
        )

    older, newer = interview(at(3), at(3, 12)), interview(at(4), at(4, 12))
    # Completed, but with no completion time: it ranks below every interview that has one,
    # however late it was scheduled (NULLS LAST on both databases).
    undated = interview(at(6), None)
    async with db.session() as session, session.begin():
        session.add_all(
            [
                Claim(candidate_id=candidate_id, competence_id=ids[FORKLIFT], self_level=4),
                Claim(candidate_id=candidate_id, competence_id=ids[RECEIVING], self_level=3),
                Claim(candidate_id=candidate_id, competence_id=ids[PICKING], self_level=2),
                Claim(candidate_id=candidate_id, competence_id=ids[PACKING], self_level=2),
                older,
                newer,
                undated,
            ]
        )
        await session.flush()
        session.add_all(
            [
                VerifiedCompetence(
                    interview_id=older.id, competence_id=ids[FORKLIFT], verified_level=2
                ),
                VerifiedCompetence(
                    interview_id=older.id, competence_id=ids[RECEIVING], verified_level=4
                ),
                VerifiedCompetence(
                    interview_id=older.id, competence_id=ids[PICKING], verified_level=5
                ),
                VerifiedCompetence(
                    interview_id=newer.id, competence_id=ids[FORKLIFT], verified_level=3
                ),
                VerifiedCompetence(
                    interview_id=newer.id, competence_id=ids[RECEIVING], not_demonstrated=True
                ),
                VerifiedCompetence(
                    interview_id=undated.id, competence_id=ids[FORKLIFT], verified_level=1
                ),
            ]
        )
        for purpose in ("validation", "share_with_employers"):
            await record_consent(
                session,
                candidate_id=candidate_id,
                purpose=purpose,
                given=True,
                recorded_by_id=counsellor,
            )

    # Code → (level that counts, verified?); None: the newest finding removed it.
    expected: dict[str, tuple[int, bool] | None] = {
        FORKLIFT: (3, True),  # the newer interview's level, over the older one and the claim
        RECEIVING: None,  # "not demonstrated" in the newer interview outranks both
        PICKING: (5, True),  # the newer interview did not assess it: the older finding holds
        PACKING: (2, False),  # never assessed: the claim, self-declared
    }
    async with db.session() as session:
        overview = await portfolio_overview(session, candidate_id=candidate_id)
        (for_matching,) = await candidates_for_matching(session, candidate_ids=[candidate_id])
        held = (await held_competences(session, [candidate_id]))[candidate_id]

    in_portfolio: dict[str, tuple[int, bool] | None] = {}
    for row in overview.rows:
        assert row.code is not None
        if row.not_demonstrated:
            in_portfolio[row.code] = None
        elif row.verified_level is not None:
            in_portfolio[row.code] = (row.verified_level, True)
        else:
            assert row.self_level is not None
            in_portfolio[row.code] = (row.self_level, False)
    assert in_portfolio == expected

    in_matching: dict[str, tuple[int, bool] | None] = dict.fromkeys(expected)
    for claim in for_matching.competences:
        in_matching[claim.competence] = (claim.level, claim.verified)
    assert in_matching == expected

    code_of = {competence_id: code for code, competence_id in ids.items()}
    in_placements = {
        code_of[competence_id]: None if found.level is None else (found.level, found.is_verified)
        for competence_id, found in held.items()
    }
    assert in_placements == expected
