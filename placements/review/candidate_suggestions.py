"""Open positions that fit one candidate: the engine's ranking the other way round (issue 6).

The same engine, the same input and the same plain words as the suggestions for a position
(:mod:`placements.review.suggestions`): every open position is fitted over the candidates of
the live index (rarity is measured over the candidates, so a pair scores the same on both
pages), then the engine ranks the positions for this candidate in one vectorised call, and says
where the candidate ranks among everyone suggested for each position shown, in a second one.

It is advice, as everywhere. A candidate who is placed, or whose consent to share their
profile with employers is not in force, is not ranked at all: the page says so instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import access
from candidates.consent import has_consent, shares_with_employers
from candidates.models import Candidate, ConsentPurpose
from kit.roles import Viewer
from placements.models import PositionStatus
from placements.positions.queries import PositionFilters, list_positions
from placements.review.decisions import DecisionView, current_decision_views
from placements.review.explanations import Explainer, PlainExplanation
from placements.review.index import already_placed, index_for
from placements.review.suggestions import (
    not_ranked,
    position_for_matching,
    rank_everything,
    workplaces_for,
)


@dataclass(frozen=True)
class PositionSuggestion:
    """An open position ranked for the candidate, with where the candidate ranks there."""

    rank: int
    position_id: int
    title: str
    organisation: str
    municipality: str
    region: str
    score: float
    eligible: bool
    explanation: PlainExplanation
    candidate_rank: int  # the candidate's rank among every candidate ranked for the position
    decision: DecisionView | None


@dataclass(frozen=True)
class CandidateSuggestions:
    candidate_id: int
    name: str
    stage: str
    not_ranked: str  # why the candidate is not ranked at all; empty when ranked
    top: int
    include_ineligible: bool
    rows: tuple[PositionSuggestion, ...]  # eligible first, then (if asked) ineligible
    ranked: int  # open positions ranked
    eligible: int  # of which the candidate passes the filters of
    candidates_ranked: int  # candidates the engine ranks (the "of" of candidate_rank)


async def suggestions_for_candidate(
    session: AsyncSession,
    *,
    candidate_id: int,
    viewer: Viewer,
    top: int = 20,
    include_ineligible: bool = False,
) -> CandidateSuggestions | None:
    """Open positions ranked for the candidate, explained; None when ``viewer`` may not see
    the candidate.

    ``top`` positions whose filters the candidate passes are listed; with
    ``include_ineligible`` also up to ``top`` whose language or region filter they fail.
    """
    consented = has_consent(
        ConsentPurpose.VALIDATION.value, among=[candidate_id]
    ) & shares_with_employers(among=[candidate_id])
    found = (
        await session.execute(
            select(
                Candidate.name,
                Candidate.stage,
                case((consented, True), else_=False),
                case((already_placed(), True), else_=False),
            ).where(
                Candidate.id == candidate_id,
                access.visible_to(viewer),
            )
        )
    ).first()
    if found is None:
        return None
    name, stage, consent_in_force, placed = found

    def unranked(reason: str) -> CandidateSuggestions:
        return CandidateSuggestions(
            candidate_id=candidate_id,
            name=str(name),
            stage=str(stage),
            not_ranked=reason,
            top=top,
            include_ineligible=include_ineligible,
            rows=(),
            ranked=0,
            eligible=0,
            candidates_ranked=0,
        )

    if placed or not consent_in_force:
        return unranked(not_ranked(bool(placed), str(stage)))

    positions = await list_positions(
        session,
        viewer=viewer,
        filters=PositionFilters(status=PositionStatus.OPEN.value),
        with_requirements=True,
    )
    cid = str(candidate_id)
    # The workplaces' readiness answers (support part of the score): one query for all.
    workplaces = await workplaces_for(session, {row.position.organisation_id for row in positions})
    matcher, labels = await index_for(session).matcher(
        session,
        tuple(
            position_for_matching(row.position, workplaces.get(row.position.organisation_id))
            for row in positions
        ),
    )
    if cid not in matcher.candidate_ids_:  # not in the index (yet): changed just now
        return unranked(not_ranked(False, str(stage)))
    if not positions:
        return dataclasses.replace(unranked(""), candidates_ranked=len(matcher.candidate_ids_))
    # One vectorised ranking of every open position for this candidate.
    ranking = rank_everything(matcher, by="candidate", row=cid)
    ranks = ranking.best(top)
    if include_ineligible:
        ranks.update(ranking.best(top, eligible=False))
    shown = list(ranks)

    # Where the candidate ranks for each position shown: a second vectorised call.
    candidate_row = matcher.candidate_ids_.index(cid)
    candidate_ranks: dict[str, int] = {}
    if shown:
        for block, chosen, _scores, _eligible in matcher.top_indices(
            "position", top=None, rows=shown
        ):
            for row, others in zip(block, chosen, strict=True):
                place = int((others == candidate_row).nonzero()[0][0]) + 1
                candidate_ranks[matcher.position_ids_[int(row)]] = place

    decisions = await current_decision_views(
        session,
        viewer=viewer,
        position_ids={int(pid) for pid in shown},
        candidate_ids={candidate_id},
    )
    by_id = {str(row.position.id): row for row in positions}
    explainer = Explainer(labels)
    rows: list[PositionSuggestion] = []
    for pid in shown:
        match = matcher.explain(pid, cid)
        assert match.explanation is not None
        position_row = by_id[pid]
        rows.append(
            PositionSuggestion(
                rank=ranks[pid],
                position_id=int(pid),
                title=position_row.position.title,
                organisation=position_row.organisation_name,
                municipality=position_row.position.municipality,
                region=position_row.position.region,
                score=match.score,
                eligible=match.eligible,
                explanation=explainer.explain(match.explanation),
                candidate_rank=candidate_ranks[pid],
                decision=decisions.get((int(pid), candidate_id)),
            )
        )
    return CandidateSuggestions(
        candidate_id=candidate_id,
        name=str(name),
        stage=str(stage),
        not_ranked="",
        top=top,
        include_ineligible=include_ineligible,
        rows=tuple(rows),
        ranked=ranking.ranked,
        eligible=ranking.eligible_count,
        candidates_ranked=len(matcher.candidate_ids_),
    )
