"""The live matching index: the change log the database keeps, and an index that follows it
without ever serving a withdrawn consent or a placed candidate (issue 14, item 3)."""

from __future__ import annotations

import contextlib
import dataclasses

from sqlalchemy import delete, select, update

from candidates.changes import EVERYONE, changed_since, matching_version
from candidates.consent import record_consent
from candidates.models import (
    Candidate,
    CandidateLanguage,
    Claim,
    Interview,
    MatchingChange,
    MatchingCounter,
    VerifiedCompetence,
)
from competences.models import Competence
from placements.models import Placement, PositionCompetence
from placements.review.index import index_for
from tests.placements.conftest import Database
from tests.placements.test_suggestions import POSITION, suggest, viewer


class Abandoned(Exception):
    """Raised to leave a transaction unfinished."""


async def changes_after(db: Database, version: int) -> set[int]:
    async with db.session() as session:
        return await changed_since(session, version)


async def version_now(db: Database) -> int:
    async with db.session() as session:
        return await matching_version(session)


async def test_each_change_matching_reads_is_logged_with_its_candidate(db: Database) -> None:
    """Every watched table, by whatever code path: the change's candidate, in its own
    transaction; a change matching does not read (a name) logs nothing."""
    async with db.session() as session:
        some, other = (
            await session.execute(select(Candidate.id).order_by(Candidate.id).limit(2))
        ).scalars()
        competence = (await session.execute(select(Competence.id).limit(1))).scalar_one()
        interview_row = (
            await session.execute(
                select(VerifiedCompetence.id, Interview.candidate_id)
                .join(Interview, Interview.id == VerifiedCompetence.interview_id)
                .limit(1)
            )
        ).one()
        placement_row = (
            await session.execute(select(Placement.id, Placement.candidate_id).limit(1))
        ).one()

    async def logged(*statements: object) -> set[int]:
        before = await version_now(db)
        async with db.session() as session, session.begin():
            for statement in statements:
                await session.execute(statement)  # type: ignore[call-overload]
        after = await version_now(db)
        changed = await changes_after(db, before)
        assert (after > before) == bool(changed)
        return changed

    assert (
        await logged(update(Candidate).where(Candidate.id == some).values(name="Renamed")) == set()
    )
    assert await logged(
        update(Candidate).where(Candidate.id == some).values(regions=["Kainuu"])
    ) == {some}
    assert await logged(
        Claim.__table__.insert().values(
            candidate_id=other, competence_id=competence, self_level=3, free_text=""
        )
    ) == {other}
    assert await logged(delete(Claim).where(Claim.candidate_id == other)) == {other}
    assert await logged(
        update(CandidateLanguage).where(CandidateLanguage.candidate_id == some).values(level="C2")
    ) in ({some}, set())  # set() only if the candidate speaks nothing
    assert await logged(
        update(VerifiedCompetence)
        .where(VerifiedCompetence.id == interview_row.id)
        .values(note="checked again")
    ) == {interview_row.candidate_id}
    assert await logged(
        update(Placement).where(Placement.id == placement_row.id).values(status="interrupted")
    ) == {placement_row.candidate_id}
    assert await logged(
        update(Competence).where(Competence.id == competence).values(alt_labels={"en": ["x"]})
    ) == {EVERYONE}
    # Two candidates in one transaction: one version, both logged.
    assert await logged(
        update(Candidate).where(Candidate.id.in_([some, other])).values(stage="interview")
    ) == {some, other}


async def test_a_rolled_back_change_logs_nothing(db: Database) -> None:
    before = await version_now(db)
    with contextlib.suppress(Abandoned):
        async with db.session() as session, session.begin():
            await session.execute(update(Candidate).values(regions=["Lapland"]))
            raise Abandoned  # the transaction rolls back
    assert await version_now(db) == before
    assert await changes_after(db, before) == set()


async def test_a_withdrawal_leaves_the_index_before_the_next_page(db: Database) -> None:
    before = await suggest(db, top=10)
    first = before.rows[0].candidate_id
    async with db.session() as session:
        held = await index_for(session).snapshot(session)
    assert held.holds(first)
    recorder = (await viewer(db, "counsellor")).user_id
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=first,
            purpose="validation",
            given=False,
            recorded_by_id=recorder,
        )
    after = await suggest(db, top=10)
    assert first not in {row.candidate_id for row in after.rows}
    assert after.ranked == before.ranked - 1
    async with db.session() as session:
        now = await index_for(session).snapshot(session)
    assert not now.holds(first)
    assert now.size == held.size - 1
    # Only the changed candidate was read again.
    assert now.read_again == 1


async def test_a_portfolio_change_shows_in_the_next_ranking(db: Database) -> None:
    before = await suggest(db, top=50, include_ineligible=True)
    last = before.rows[-1]
    async with db.session() as session, session.begin():
        required = (
            await session.execute(
                select(PositionCompetence.competence_id).where(
                    PositionCompetence.position_id == POSITION, PositionCompetence.required
                )
            )
        ).scalars()
        for competence_id in required:
            session.add(
                Claim(candidate_id=last.candidate_id, competence_id=competence_id, self_level=5)
            )
    after = await suggest(db, top=50, include_ineligible=True, search=str(last.candidate_id))
    [hit] = after.hits
    assert hit.row is not None
    assert hit.row.score > last.score
    assert hit.row.rank < last.rank


async def test_a_change_the_log_missed_is_still_never_served(db: Database) -> None:
    """Should a withdrawal ever escape the log (here: the log is wound back by hand), the
    fresh read of the rows shown leaves the candidate out and drops them from the index."""
    before = await suggest(db, top=10)
    first = before.rows[0].candidate_id
    version = await version_now(db)
    recorder = (await viewer(db, "counsellor")).user_id
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=first,
            purpose="share_with_employers",
            given=False,
            recorded_by_id=recorder,
        )
        await session.flush()
        await session.execute(
            update(MatchingCounter).where(MatchingCounter.id == 1).values(version=version)
        )
        await session.execute(delete(MatchingChange).where(MatchingChange.candidate_id == first))
    assert await version_now(db) == version  # the index cannot know
    after = await suggest(db, top=10)
    assert first not in {row.candidate_id for row in after.rows}
    assert [row.rank for row in after.rows] == list(range(1, 11))
    async with db.session() as session:
        assert not (await index_for(session).snapshot(session)).holds(first)


async def test_each_database_has_its_own_index(db: Database) -> None:
    async with db.session() as session:
        index = index_for(session)
        assert index_for(session) is index
        await index.snapshot(session)
        assert index.version == await matching_version(session)


async def test_a_request_that_read_an_older_version_takes_the_newer_index(db: Database) -> None:
    """A request whose version was read before another request brought the index further
    gets that newer index as it is: no second refresh, never a full read."""
    async with db.session() as session:
        index = index_for(session)
        held = await index.snapshot(session)
        ahead = dataclasses.replace(held, version=held.version + 5, read_again=3)
        index._snapshot = ahead  # as another request would have left it
        assert await index.snapshot(session) is ahead
