"""The live matching index: each worker's candidates, fitted once and kept up to date.

Every page that ranks (suggestions for a position, positions for a candidate, the advice on
a decision, the assignment proposal) used to read every consenting candidate's portfolio,
languages, regions and interview findings and fit the engine anew: about 0.7 s a page at
10,000 candidates. Now each worker keeps the candidates fitted in memory (one
:class:`LiveIndex` per database engine) and a page only brings its positions
(:meth:`matching.CompetenceMatcher.with_positions`).

The index follows the change log the database keeps (``candidates.changes``):

1. Each use reads the version of the candidates' matching data: one indexed query. When it
   is the index's own, nothing else is read.
2. Otherwise only the candidates changed since are read again, with the same queries and
   the same filter (consent in force, not placed) as a full read, and carried into the
   fitted candidates off the event loop (:meth:`matching.CompetenceMatcher.with_candidates`:
   only they are mapped, the rest is array copies). A change to the vocabulary, or more
   changes than a quarter of the candidates, reads and fits everyone again.
3. Consent and placement are read again, fresh, for the candidates a page is about to show
   (:func:`still_suggestable`, one query), so a withdrawal is never served from memory even
   if a change ever escaped the log: such a candidate is dropped from the index and the page
   ranked again without them.

Requests that find the index behind wait for one refresh, not one each. The version only
grows, so an index never goes back to an older one: after restoring the database from a
backup, restart the workers.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import anyio.to_thread
from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from candidates.changes import EVERYONE, changed_since, matching_version
from candidates.consent import has_consent, shares_with_employers
from candidates.matching_input import candidates_for_matching
from candidates.models import Candidate, ConsentPurpose, Stage
from competences.models import Competence, Labels
from placements.models import LIVE_PLACEMENT_STATUSES, Placement

if TYPE_CHECKING:
    # The engine (numpy, scipy) is imported where it is used, not with the app, so that a
    # worker starts fast (docs/performance.md).
    import matching

Ranked = TypeVar("Ranked")

#: Past this share of the candidates changed at once, reading everyone is as cheap.
FULL_READ_SHARE = 4


@dataclass(frozen=True)
class Snapshot:
    """The candidates fitted at one version of their data (never changed once made)."""

    version: int
    matcher: matching.CompetenceMatcher  # the candidates, no positions
    labels: dict[str, Labels]  # the vocabulary's labels per code, for explanations
    vocabulary: tuple[matching.Competence, ...]
    read_again: int | None  # candidates read to make it from the one before; None: all

    def holds(self, candidate_id: int | str) -> bool:
        """Whether the candidate is among those fitted."""
        return str(candidate_id) in self.matcher.candidate_ids_

    @property
    def size(self) -> int:
        return len(self.matcher.candidate_ids_)


#: Told of every snapshot an index makes (the portal's metrics keep the index's age).
_SNAPSHOT_LISTENERS: list[Callable[[Snapshot], None]] = []


def on_snapshot(listener: Callable[[Snapshot], None]) -> None:
    """Call ``listener`` with each snapshot any index of this worker makes (added once)."""
    if listener not in _SNAPSHOT_LISTENERS:
        _SNAPSHOT_LISTENERS.append(listener)


class LiveIndex:
    """One worker's fitted candidates for one database."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def version(self) -> int | None:
        """The version of the data the index holds; None before the first use."""
        return None if self._snapshot is None else self._snapshot.version

    async def snapshot(self, session: AsyncSession) -> Snapshot:
        """The candidates as they are now, read again only where they changed."""
        version = await matching_version(session)
        current = self._snapshot
        # A newer snapshot than this request's view (another request, whose transaction began
        # later, brought it up to date) serves as well: it is only fresher.
        if current is not None and current.version >= version:
            return current
        async with self._lock():
            current = self._snapshot
            if current is not None and current.version >= version:
                return current  # another request refreshed it meanwhile
            current = self._keep(await self._refresh(session, version, current))
            return current

    async def forget(self, session: AsyncSession, candidate_ids: Collection[int]) -> None:
        """Read these candidates again now (they were found no longer suggestable)."""
        async with self._lock():
            current = self._snapshot
            if current is None:
                return
            self._keep(
                await self._refresh(
                    session, current.version, current, changed={int(i) for i in candidate_ids}
                )
            )

    async def matcher(
        self, session: AsyncSession, positions: Sequence[matching.Position]
    ) -> tuple[matching.CompetenceMatcher, dict[str, Labels]]:
        """The engine fitted for ``positions`` over the candidates now, and the labels."""
        current = await self.snapshot(session)
        fitted = await anyio.to_thread.run_sync(current.matcher.with_positions, positions)
        return fitted, current.labels

    async def ranked(
        self,
        session: AsyncSession,
        positions: Sequence[matching.Position],
        rank: Callable[[matching.CompetenceMatcher], Ranked],
        named: Callable[[Ranked], Collection[int]],
    ) -> tuple[matching.CompetenceMatcher, dict[str, Labels], Ranked, set[int]]:
        """``rank`` (off the event loop) over ``positions`` fitted on the candidates now,
        with consent and placement read fresh for every candidate the result names.

        Anyone found no longer suggestable is forgotten and the ranking made again. Returns
        the matcher, the labels, the result and whoever the second ranking still names that a
        fresh read refuses (never expected: the log records every change), for the caller to
        leave out.
        """
        gone: set[int] = set()
        for _attempt in range(2):
            fitted, labels = await self.matcher(session, positions)
            result = await anyio.to_thread.run_sync(rank, fitted)
            names = {int(candidate_id) for candidate_id in named(result)}
            gone = names - await still_suggestable(session, names)
            if not gone:
                break
            await self.forget(session, gone)
        return fitted, labels, result, gone

    def _keep(self, snapshot: Snapshot) -> Snapshot:
        self._snapshot = snapshot
        for listener in _SNAPSHOT_LISTENERS:
            listener(snapshot)
        return snapshot

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def _refresh(
        self,
        session: AsyncSession,
        version: int,
        current: Snapshot | None,
        *,
        changed: set[int] | None = None,
    ) -> Snapshot:
        import matching

        if current is not None and changed is None and version > current.version:
            changed = await changed_since(session, current.version)
            if EVERYONE in changed or len(changed) * FULL_READ_SHARE > current.size:
                changed = None
        if current is None or changed is None:
            # First use, the vocabulary changed, or many changes: read everything.
            vocabulary, labels = await load_matching_vocabulary(session)
            problem = matching.MatchingInput(
                positions=(),
                candidates=await suggestable_candidates(session),
                competences=vocabulary,
            )
            fitted = await anyio.to_thread.run_sync(matching.CompetenceMatcher().fit, problem)
            read_again = None
        else:
            # Only those who changed: read again, then carried into the fitted candidates.
            vocabulary, labels = current.vocabulary, current.labels
            arriving = await suggestable_candidates(session, among=changed)
            leaving = {str(candidate_id) for candidate_id in changed}
            read_again = len(changed)
            fitted = await anyio.to_thread.run_sync(
                functools.partial(current.matcher.with_candidates, arriving, removed=leaving)
            )
        return Snapshot(version, fitted, labels, vocabulary, read_again)


_INDEXES: weakref.WeakKeyDictionary[AsyncEngine, LiveIndex] = weakref.WeakKeyDictionary()


def index_for(session: AsyncSession) -> LiveIndex:
    """This worker's index for the database ``session`` is bound to."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the session must be bound to an AsyncEngine")
    index = _INDEXES.get(engine)
    if index is None:
        index = _INDEXES[engine] = LiveIndex()
    return index


# --- What the index reads ------------------------------------------------------------

# Placed or beyond: these candidates have (or had) a training place and are not suggested.
EXCLUDED_STAGES = frozenset({Stage.PLACEMENT.value, Stage.ASSESSMENT.value, Stage.CERTIFIED.value})


def has_live_placement() -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: an agreed or active placement holds them."""
    return exists().where(
        Placement.candidate_id == Candidate.id,
        Placement.status.in_(LIVE_PLACEMENT_STATUSES),
    )


def already_placed() -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: placed or beyond, so not suggested."""
    return or_(Candidate.stage.in_(sorted(EXCLUDED_STAGES)), has_live_placement())


async def load_matching_vocabulary(
    session: AsyncSession,
) -> tuple[tuple[matching.Competence, ...], dict[str, Labels]]:
    """Every competence as the engine's vocabulary, and the labels per code (one query)."""
    import matching

    rows = (
        await session.execute(
            select(Competence.code, Competence.labels, Competence.alt_labels).order_by(
                Competence.code
            )
        )
    ).all()
    vocabulary = []
    labels: dict[str, Labels] = {}
    for code, names, alternatives in rows:
        label = (names or {}).get("en") or next(iter((names or {}).values()), code)
        alt = dict.fromkeys(text for texts in (alternatives or {}).values() for text in texts)
        vocabulary.append(matching.Competence(id=code, label=label, alt_labels=tuple(alt)))
        labels[code] = names or {}
    return tuple(vocabulary), labels


async def suggestable_candidates(
    session: AsyncSession, *, among: Collection[int] | None = None
) -> tuple[matching.Candidate, ...]:
    """Every candidate the engine may suggest (consent in force, not placed), as the engine
    reads them; ``among``: only of these candidates."""
    query = select(Candidate.id).where(already_placed())
    if among is not None:
        query = query.where(Candidate.id.in_(sorted(among)))
    placed = {int(candidate_id) for candidate_id in (await session.execute(query)).scalars()}
    return tuple(
        candidate
        for candidate in await candidates_for_matching(
            session, candidate_ids=among, for_employers=True
        )
        if int(candidate.id) not in placed
    )


async def still_suggestable(session: AsyncSession, candidate_ids: Collection[int]) -> set[int]:
    """Those of ``candidate_ids`` whose consent is in force and who are not placed, read
    now, in one query over these candidates' rows only."""
    if not candidate_ids:
        return set()
    ids = sorted({int(i) for i in candidate_ids})
    rows = await session.execute(
        select(Candidate.id).where(
            Candidate.id.in_(ids),
            has_consent(ConsentPurpose.VALIDATION.value, among=ids),
            shares_with_employers(among=ids),
            ~already_placed(),
        )
    )
    return {int(candidate_id) for candidate_id in rows.scalars()}
