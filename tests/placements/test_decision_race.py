"""Two people deciding on the same candidate at the same moment: one decision is written.

Both pass the service's check (neither sees the other's uncommitted step), so only the unique
(position, candidate, sequence) constraint stands between them and a forked history.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from candidates.models import Candidate
from placements.models import SuggestionDecision
from placements.review.decisions import DecisionConflict, append_decision
from tests.placements.conftest import Database

POSITION = 1


async def undecided_candidate(db: Database) -> int:
    decided = select(SuggestionDecision.candidate_id).where(
        SuggestionDecision.position_id == POSITION
    )
    return int(await db.scalar(select(func.min(Candidate.id)).where(Candidate.id.not_in(decided))))


async def test_two_first_decisions_at_once_write_one(db: Database) -> None:
    candidate_id = await undecided_candidate(db)
    async with db.session() as one, db.session() as two:
        await one.begin()
        await two.begin()
        await append_decision(
            one,
            position_id=POSITION,
            candidate_id=candidate_id,
            kind="shortlisted",
            decided_by_id=None,
            expected_sequence=0,
        )
        # The second sees no decision yet (the first is not committed) and tries number 1 too;
        # on SQLite its insert waits for the first writer, on PostgreSQL for the index entry.
        racing = asyncio.create_task(
            append_decision(
                two,
                position_id=POSITION,
                candidate_id=candidate_id,
                kind="rejected",
                reason="other",
                note="Racing.",
                decided_by_id=None,
                expected_sequence=0,
            )
        )
        await asyncio.sleep(0.5)
        await one.commit()
        with pytest.raises(DecisionConflict):
            await racing
        await two.rollback()
    async with db.session() as session:
        rows = (
            await session.execute(
                select(SuggestionDecision.sequence, SuggestionDecision.kind).where(
                    SuggestionDecision.position_id == POSITION,
                    SuggestionDecision.candidate_id == candidate_id,
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [(1, "shortlisted")]
