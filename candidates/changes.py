"""What changed for matching since a version: the log the database keeps by itself.

The live matching index (``placements.review.index``) keeps every worker's candidates fitted
in memory and must learn of every change to what it read: portfolios (claims), languages,
regions, interviews and their findings, consent, the pathway stage and placements, and the
vocabulary. Database triggers (migration 0010) write it down in the transaction of the change
itself, whichever code path or process made it, so a rolled-back change leaves no trace and a
committed one is never missed:

- ``matching_counter`` holds one version number, raised by every such transaction. The raise
  locks the row until the transaction ends, so versions are handed out in commit order;
- ``matching_change`` holds, per candidate, the newest version at which their data changed.
  Candidate ``0`` stands for everyone (the vocabulary changed).

Reading costs one indexed query when nothing changed (:func:`matching_version`), and one
more for the candidates that did (:func:`changed_since`). The log keeps one row per
candidate, so it does not grow with the number of changes.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.models import MatchingChange, MatchingCounter

#: The candidate id that stands for every candidate (a change to the vocabulary).
EVERYONE = 0

_VERSION = select(MatchingCounter.version).where(MatchingCounter.id == 1)
_CHANGED = select(MatchingChange.candidate_id).where(MatchingChange.version > bindparam("version"))


async def matching_version(session: AsyncSession) -> int:
    """The version of the candidates' matching data now (0 before any change)."""
    return int((await session.execute(_VERSION)).scalar_one_or_none() or 0)


async def changed_since(session: AsyncSession, version: int) -> set[int]:
    """Ids of the candidates whose matching data changed after ``version`` (with
    :data:`EVERYONE` when the vocabulary did)."""
    rows = await session.execute(_CHANGED, {"version": version})
    return {int(candidate_id) for candidate_id in rows.scalars()}
