"""The coordinator's assignment proposal: the engine's one-to-one assignment within places.

Every position open for candidates (open, of an approved partner:
:func:`placements.positions.services.open_for_candidates`) takes part with its free places (its
places minus the placements that hold one, i.e. every placement not interrupted); every
candidate the suggestions would rank takes part (consent to share with employers in force, not
placed; see :mod:`placements.review.suggestions`). The engine is fitted once and assigns once
(:func:`matching.assign`, which maximises the total score over eligible pairs).

Nothing here writes. The proposal is a list to review: counsellors decide on each pair from
the position's suggestions page, with the usual record of who decided, when and why. A page
costs a constant number of queries whatever the number of candidates or positions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from candidates import access
from candidates.models import Candidate
from employers.models import Organisation
from kit.roles import Viewer
from placements.models import (
    Placement,
    PlacementStatus,
    Position,
    PositionCompetence,
    SuggestionDecision,
)
from placements.positions.services import open_for_candidates
from placements.review.decisions import current_decisions
from placements.review.index import index_for
from placements.review.suggestions import position_for_matching, workplaces_for


@dataclass(frozen=True)
class ProposedPair:
    """A candidate the engine would place in a position; ``name`` None when not visible."""

    position_id: int
    position_title: str
    organisation: str
    candidate_id: int
    name: str | None
    score: float
    decision: SuggestionDecision | None  # the pair's current state, if anyone has decided


@dataclass(frozen=True)
class UnfilledPosition:
    position_id: int
    title: str
    organisation: str
    places: int  # free places the proposal leaves empty


@dataclass(frozen=True)
class AssignmentProposal:
    pairs: tuple[ProposedPair, ...]  # by position title, then best score first
    positions: int  # open positions with a free place (those that took part)
    full_positions: int  # open positions whose every place is held
    free_places: int
    candidates: int  # candidates who took part
    unassigned_candidates: int
    unfilled: tuple[UnfilledPosition, ...]

    @property
    def unfilled_places(self) -> int:
        return sum(item.places for item in self.unfilled)


async def taken_places(session: AsyncSession) -> dict[int, int]:
    """Places held per position: placements that were not interrupted (one query)."""
    rows = await session.execute(
        select(Placement.position_id, func.count())
        .where(Placement.status != PlacementStatus.INTERRUPTED.value)
        .group_by(Placement.position_id)
    )
    return {int(position_id): int(count) for position_id, count in rows.all()}


async def assignment_proposal(session: AsyncSession, *, viewer: Viewer) -> AssignmentProposal:
    """The engine's assignment of the rankable candidates to the open positions' free places."""
    loaded = await session.execute(
        select(Position, Organisation.name)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .where(open_for_candidates())
        .options(
            selectinload(Position.competences).selectinload(PositionCompetence.competence),
            selectinload(Position.languages),
        )
        .order_by(Position.id)
    )
    open_positions = [(position, str(name)) for position, name in loaded.all()]
    taken = await taken_places(session)
    free = {
        position.id: max(position.places - taken.get(position.id, 0), 0)
        for position, _name in open_positions
    }
    taking_part = [(p, name) for p, name in open_positions if free[p.id] > 0]
    by_id = {position.id: (position, name) for position, name in taking_part}

    import matching  # numpy, scipy: loaded on first use (docs/performance.md)

    # The workplaces' readiness answers (support part of the score): one query for all.
    workplaces = await workplaces_for(session, {p.organisation_id for p, _name in taking_part})
    engine_positions = tuple(
        dataclasses.replace(
            position_for_matching(position, workplaces.get(position.organisation_id)),
            places=free[position.id],
        )
        for position, _name in taking_part
    )
    # The assignment (CPU work, off the event loop), with consent and placement read now for
    # everyone proposed: never from memory.
    matcher, _labels, result, gone = await index_for(session).ranked(
        session,
        engine_positions,
        lambda fitted: matching.assign(fitted) if taking_part and fitted.candidate_ids_ else None,
        lambda done: [] if done is None else [int(a.candidate_id) for a in done.assignments],
    )
    n_candidates = len(matcher.candidate_ids_)
    assigned = [
        (int(item.position_id), int(item.candidate_id), item.score)
        for item in (result.assignments if result else ())
        if int(item.candidate_id) not in gone
    ]
    candidate_ids = {candidate_id for _p, candidate_id, _s in assigned}
    names = await _names(session, candidate_ids, viewer)
    decisions = (
        await current_decisions(
            session,
            position_ids={position_id for position_id, _c, _s in assigned},
            candidate_ids=candidate_ids,
        )
        if assigned
        else {}
    )
    pairs = sorted(
        (
            ProposedPair(
                position_id=position_id,
                position_title=by_id[position_id][0].title,
                organisation=by_id[position_id][1],
                candidate_id=candidate_id,
                name=names.get(candidate_id),
                score=score,
                decision=decisions.get((position_id, candidate_id)),
            )
            for position_id, candidate_id, score in assigned
        ),
        key=lambda pair: (
            pair.position_title.casefold(),
            pair.organisation.casefold(),
            pair.position_id,
            -pair.score,
        ),
    )
    unfilled_places = (
        result.unfilled_places
        if result is not None
        else {str(position.id): free[position.id] for position, _name in taking_part}
    )
    unfilled = sorted(
        (
            UnfilledPosition(
                position_id=int(pid),
                title=by_id[int(pid)][0].title,
                organisation=by_id[int(pid)][1],
                places=count,
            )
            for pid, count in unfilled_places.items()
        ),
        key=lambda item: (item.title.casefold(), item.position_id),
    )
    return AssignmentProposal(
        pairs=tuple(pairs),
        positions=len(taking_part),
        full_positions=len(open_positions) - len(taking_part),
        free_places=sum(free[position.id] for position, _name in taking_part),
        candidates=n_candidates,
        unassigned_candidates=n_candidates - len(assigned),
        unfilled=tuple(unfilled),
    )


async def _names(
    session: AsyncSession, ids: Collection[int], viewer: Viewer
) -> dict[int, str | None]:
    """Names of the proposed candidates, None for those ``viewer`` may not see (one query)."""
    if not ids:
        return {}
    candidate_viewer = viewer
    visible = case((access.visible_to(candidate_viewer), True), else_=False)
    rows = await session.execute(
        select(Candidate.id, Candidate.name, visible).where(Candidate.id.in_(sorted(ids)))
    )
    return {int(cid): (str(name) if may_see else None) for cid, name, may_see in rows.all()}
