"""The coordinator's assignment proposal: within free places, only rankable candidates."""

from __future__ import annotations

from collections import Counter
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import Select, func, select, update

from candidates.consent import record_consent
from candidates.models import Candidate
from kit.roles import Viewer
from placements.models import Placement, Position
from placements.review.assignment import AssignmentProposal, assignment_proposal, taken_places
from placements.review.decisions import append_decision, latest_decision
from tests.conftest import DEMO_USERS, sign_in
from tests.placements.conftest import Database
from tests.placements.test_oversight import user_id
from tests.placements.test_suggestions import counting


async def propose(db: Database) -> AssignmentProposal:
    who = await user_id(db, "coordinator")
    async with db.session() as session:
        return await assignment_proposal(
            session, viewer=Viewer(user_id=who, role="coordinator", organisation_id=None)
        )


async def free_places(db: Database) -> dict[int, int]:
    async with db.session() as session:
        taken = await taken_places(session)
        rows = await session.execute(
            select(Position.id, Position.places).where(Position.status == "open")
        )
        return {int(pid): places - taken.get(int(pid), 0) for pid, places in rows.all()}


def per_position(proposal: AssignmentProposal) -> Counter[int]:
    return Counter(pair.position_id for pair in proposal.pairs)


async def test_the_proposal_stays_within_free_places(db: Database) -> None:
    proposal = await propose(db)
    assert proposal.pairs
    free = await free_places(db)
    for position_id, count in per_position(proposal).items():
        assert count <= free[position_id], position_id
    assert len({pair.candidate_id for pair in proposal.pairs}) == len(proposal.pairs)
    assert proposal.free_places == sum(max(n, 0) for n in free.values())
    assert proposal.unfilled_places == proposal.free_places - len(proposal.pairs)
    assert proposal.unassigned_candidates == proposal.candidates - len(proposal.pairs)

    # A position with one free place gets at most one candidate, however many it has.
    busiest = per_position(proposal).most_common(1)[0][0]
    async with db.session() as session, session.begin():
        taken = (await taken_places(session)).get(busiest, 0)
        await session.execute(
            update(Position).where(Position.id == busiest).values(places=taken + 1)
        )
    after = await propose(db)
    assert per_position(after)[busiest] <= 1


async def test_held_places_are_not_offered_again(db: Database) -> None:
    proposal = await propose(db)
    position_id = per_position(proposal).most_common(1)[0][0]
    position = await db.scalar(select(Position).where(Position.id == position_id))
    async with db.session() as session:
        held = (await taken_places(session)).get(position_id, 0)
    # Take every place but one with placements (a candidate each, not from the proposal).
    outsiders = await db_ids(
        db,
        select(Candidate.id)
        .where(Candidate.id.not_in([p.candidate_id for p in proposal.pairs]))
        .where(Candidate.id.not_in(select(Placement.candidate_id)))
        .order_by(Candidate.id)
        .limit(position.places + 1),
    )
    numbers = await db_ids(
        db,
        select(Placement.place_number).where(
            Placement.position_id == position_id, Placement.status != "interrupted"
        ),
    )
    free_numbers = [n for n in range(1, position.places + 2) if n not in numbers]
    to_hold = position.places - held - 1
    async with db.session() as session, session.begin():
        for candidate_id, number in zip(outsiders[:to_hold], free_numbers, strict=False):
            session.add(
                Placement(
                    candidate_id=candidate_id,
                    position_id=position_id,
                    organisation_id=position.organisation_id,
                    place_number=number,
                    status="active",
                )
            )
        # An interrupted placement holds no place.
        session.add(
            Placement(
                candidate_id=outsiders[-1],
                position_id=position_id,
                organisation_id=position.organisation_id,
                place_number=free_numbers[-1],
                status="interrupted",
            )
        )
    after = await propose(db)
    assert per_position(after)[position_id] <= 1
    assert (await free_places(db))[position_id] == 1


async def db_ids(db: Database, query: Select[Any]) -> list[int]:
    async with db.session() as session:
        return [int(value) for value in (await session.execute(query)).scalars()]


async def test_no_consent_or_placed_candidates(db: Database) -> None:
    proposal = await propose(db)
    assert len(proposal.pairs) >= 3
    first, second, third = (pair.candidate_id for pair in proposal.pairs[:3])
    counsellor = await user_id(db, "counsellor")
    position = await db.scalar(select(Position).where(Position.id == proposal.pairs[2].position_id))
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=first,
            purpose="share_with_employers",
            given=False,
            recorded_by_id=counsellor,
        )
        await session.execute(
            update(Candidate).where(Candidate.id == second).values(stage="placement")
        )
        # A live placement excludes the candidate even before their stage moves on.
        number = int(
            await session.scalar(
                select(func.coalesce(func.max(Placement.place_number), 0)).where(
                    Placement.position_id == position.id
                )
            )
            or 0
        )
        session.add(
            Placement(
                candidate_id=third,
                position_id=position.id,
                organisation_id=position.organisation_id,
                place_number=number + 1,
                status="agreed",
            )
        )
    after = await propose(db)
    remaining = {pair.candidate_id for pair in after.pairs}
    assert not remaining & {first, second, third}
    assert after.candidates == proposal.candidates - 3


async def test_page_lists_pairs_with_current_decisions(
    client: AsyncTestClient, db: Database
) -> None:
    proposal = await propose(db)
    pair = proposal.pairs[0]
    counsellor = await user_id(db, "counsellor")
    async with db.session() as session, session.begin():
        current = await latest_decision(
            session, position_id=pair.position_id, candidate_id=pair.candidate_id
        )
        await append_decision(
            session,
            position_id=pair.position_id,
            candidate_id=pair.candidate_id,
            kind="rejected",
            reason="candidate_not_interested",
            decided_by_id=counsellor,
            expected_sequence=current.sequence if current else 0,
        )
    again = await propose(db)
    shown = next(
        p
        for p in again.pairs
        if (p.position_id, p.candidate_id) == (pair.position_id, pair.candidate_id)
    )
    assert shown.decision is not None
    assert shown.decision.kind == "rejected"
    assert all(p.name for p in again.pairs)  # the coordinator sees every name

    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get("/assignments")
    assert response.status_code == 200, response.text
    text = response.text
    assert "Nothing here is applied." in text
    assert "advice" in text
    row = text[text.index(f'id="pair-{pair.position_id}-{pair.candidate_id}"') :]
    row = row[: row.index("</tr>")]
    assert "Rejected (The candidate is not interested)" in row
    assert f'href="/positions/{pair.position_id}/suggestions?q={pair.candidate_id}"' in row
    assert pair.name is not None
    assert pair.name in row
    assert f'<dd id="pairs">{len(again.pairs)}</dd>' in text
    assert f'<dd id="unfilled-places">{again.unfilled_places}</dd>' in text


async def test_page_reads_a_constant_number_of_queries(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    engine = client.app.state.engine
    await client.get("/assignments")  # warm up
    with counting(engine) as few:
        assert (await client.get("/assignments")).status_code == 200
    async with db.session() as session, session.begin():
        await session.execute(
            update(Position).where(Position.status == "open").values(places=Position.places + 3)
        )
    with counting(engine) as many:
        assert (await client.get("/assignments")).status_code == 200
    assert len(few) == len(many), (few, many)
    assert len(few) < 25
