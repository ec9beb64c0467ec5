"""Decisions on suggested candidates: an append-only history per candidate-position pair.

Every step (a counsellor shortlists, rejects, proposes or withdraws; the employer accepts or
declines) is a new :class:`SuggestionDecision` row numbered from 1; nothing is edited, so the
history stays. The newest row is the pair's state.

Concurrency: whoever decides says which step they saw (``expected_sequence``, 0 for none).
If the pair has moved on since, the decision is refused with a plain message; if two people
pass that check at the same moment, both try the same sequence number and the database's
unique constraint refuses the second. Either way nothing is written twice. After a refused
flush the transaction is unusable: the caller rolls back (or answers 4xx, which rolls back
at the edge) before telling the person.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from placements.models import SuggestionDecision
from portal.i18n import gettext


class DecisionConflict(Exception):
    """Someone else decided on the pair first; ``message`` says so in plain words."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or gettext(
            "Someone else has decided on this candidate for this position since you opened the"
            " page. Nothing was saved; the page now shows their decision."
        )
        super().__init__(self.message)


async def latest_decision(
    session: AsyncSession, *, position_id: int, candidate_id: int
) -> SuggestionDecision | None:
    """The pair's newest decision (its state), or None when nobody has decided yet."""
    return (
        await session.scalars(
            select(SuggestionDecision)
            .where(
                SuggestionDecision.position_id == position_id,
                SuggestionDecision.candidate_id == candidate_id,
            )
            .order_by(SuggestionDecision.sequence.desc())
            .limit(1)
        )
    ).first()


async def decision_history(
    session: AsyncSession, *, position_id: int, candidate_id: int | None = None
) -> list[SuggestionDecision]:
    """Every decision on a position (or on one pair), oldest first."""
    query = select(SuggestionDecision).where(SuggestionDecision.position_id == position_id)
    if candidate_id is not None:
        query = query.where(SuggestionDecision.candidate_id == candidate_id)
    query = query.order_by(
        SuggestionDecision.candidate_id, SuggestionDecision.sequence, SuggestionDecision.id
    )
    return list((await session.scalars(query)).all())


async def current_decisions(
    session: AsyncSession,
    *,
    position_ids: Collection[int] | None = None,
    candidate_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], SuggestionDecision]:
    """The newest decision per (position id, candidate id) pair, in one query.

    Narrow it by positions and/or candidates; with neither, every pair with a decision.
    """
    newest = select(
        SuggestionDecision.position_id,
        SuggestionDecision.candidate_id,
        func.max(SuggestionDecision.sequence).label("sequence"),
    ).group_by(SuggestionDecision.position_id, SuggestionDecision.candidate_id)
    if position_ids is not None:
        newest = newest.where(SuggestionDecision.position_id.in_(sorted(position_ids)))
    if candidate_ids is not None:
        newest = newest.where(SuggestionDecision.candidate_id.in_(sorted(candidate_ids)))
    latest = newest.subquery()
    rows = await session.scalars(
        select(SuggestionDecision).join(
            latest,
            (SuggestionDecision.position_id == latest.c.position_id)
            & (SuggestionDecision.candidate_id == latest.c.candidate_id)
            & (SuggestionDecision.sequence == latest.c.sequence),
        )
    )
    return {(row.position_id, row.candidate_id): row for row in rows.all()}


async def append_decision(
    session: AsyncSession,
    *,
    position_id: int,
    candidate_id: int,
    kind: str,
    decided_by_id: int | None,
    expected_sequence: int,
    reason: str = "",
    note: str = "",
    score: float | None = None,
    rank: int | None = None,
    eligible: bool | None = None,
    explanation: dict[str, Any] | None = None,
) -> SuggestionDecision:
    """Add the next decision on a pair, if the pair is still where the decider saw it.

    ``expected_sequence`` is the sequence of the newest decision the person saw (0 when they
    saw none). The rules about which kind may follow which belong to the callers; this only
    keeps the history linear. Raises :class:`DecisionConflict` and writes nothing otherwise.
    """
    current = await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
    sequence = current.sequence if current is not None else 0
    if sequence != expected_sequence:
        raise DecisionConflict()
    decision = SuggestionDecision(
        position_id=position_id,
        candidate_id=candidate_id,
        sequence=sequence + 1,
        kind=kind,
        reason=reason,
        note=note,
        score=score,
        rank=rank,
        eligible=eligible,
        explanation=explanation,
        decided_by_id=decided_by_id,
    )
    session.add(decision)
    try:
        await session.flush()
    except IntegrityError as error:
        raise DecisionConflict() from error
    return decision
