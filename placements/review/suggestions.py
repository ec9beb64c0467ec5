"""Suggested candidates for a position: the matching engine's ranking, explained in plain words.

The ranking is advice for a counsellor, never a decision. It covers every candidate whose
consent allows validation and sharing with employers (read in the same query as the
candidates, so a withdrawal applies at once) and who is not yet placed: candidates at stage
``placement``, ``assessment`` or ``certified``, or holding a live (agreed or active)
placement, already have a training place or are past it, so they are left out of the
engine's input.

The engine sees competences, language levels and regions only: names are read afterwards, for
the rows shown, and only a viewer who may see a candidate's record gets the name (others see
the candidate's number). A page costs a constant number of queries, whatever the number of
candidates: the vocabulary, the position with its requirements, the excluded stages, the
candidates (:func:`candidates.matching_input.candidates_for_matching`), the names of the rows
shown and, when searching, the candidates found. The engine is fitted once and ranks once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import anyio.to_thread
from sqlalchemy import ColumnElement, case, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import access
from candidates.matching_input import candidates_for_matching
from candidates.models import Candidate, Stage
from candidates.services import stage_label
from competences.models import Competence, Labels
from employers.models import Organisation, PartnershipStatus
from kit.forms import parse_id
from kit.i18n import gettext
from kit.roles import Viewer
from placements.models import LIVE_PLACEMENT_STATUSES, Placement, Position, PositionStatus
from placements.positions.queries import get_position
from placements.positions.services import partnership_label
from placements.review.explanations import (
    Explainer,
    PlainExplanation,
)

if TYPE_CHECKING:
    # The engine (numpy, scipy, scikit-learn) is imported where it is used, not with the app,
    # so that a worker starts fast (docs/performance.md).
    import matching

# Placed or beyond: these candidates have (or had) a training place and are not suggested.
EXCLUDED_STAGES = frozenset({Stage.PLACEMENT.value, Stage.ASSESSMENT.value, Stage.CERTIFIED.value})
TOP_CHOICES = (10, 20, 50)
MAX_SEARCH_HITS = 5


# --- Result types --------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionRow:
    """A ranked candidate. ``name`` is None when the viewer may not see the record."""

    rank: int
    candidate_id: int
    name: str | None
    stage: str
    score: float
    eligible: bool
    explanation: PlainExplanation


@dataclass(frozen=True)
class UnmappedLine:
    """A competence text the vocabulary does not know; it matches only the same text."""

    owner: str
    owner_id: str
    text: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class SearchHit:
    """A candidate found by the search, with their rank, or why they are not ranked."""

    candidate_id: int
    name: str
    stage: str
    row: SuggestionRow | None
    reason: str


@dataclass(frozen=True)
class PositionSuggestions:
    position: Position
    is_open: bool  # open for candidates: open, and the organisation an approved partner
    organisation_name: str
    organisation_status: str  # the partnership status; not a partner: nobody is ranked
    top: int
    include_ineligible: bool
    rows: tuple[SuggestionRow, ...]  # eligible first, then (if asked) ineligible
    ranked: int  # candidates the engine ranked
    eligible: int  # of whom eligible
    unmapped: tuple[UnmappedLine, ...]
    search: str | None
    hits: tuple[SearchHit, ...]

    @property
    def is_partner(self) -> bool:
        return self.organisation_status == PartnershipStatus.PARTNER.value

    @property
    def organisation_status_label(self) -> str:
        return partnership_label(self.organisation_status)


# --- Building the engine's input -----------------------------------------------------


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


async def fit_matcher(problem: matching.MatchingInput) -> matching.CompetenceMatcher:
    """The engine fitted on ``problem``, in a worker thread: mapping free text fuzzily and
    scoring every pair is CPU work that would hold the event loop, and with it every other
    request of the worker, for as long as it takes."""
    import matching

    return await anyio.to_thread.run_sync(matching.CompetenceMatcher().fit, problem)


@dataclass(frozen=True)
class FullRanking:
    """Everything ranked for one position (or one candidate), best first.

    ``ranks`` maps each id ranked to its rank (from 1); ``eligible`` and ``ineligible`` hold
    the ids in rank order, those that pass the hard filters and those that fail one.
    """

    ranks: dict[str, int]
    eligible: list[str]
    ineligible: list[str]

    @property
    def ranked(self) -> int:
        return len(self.ranks)


def rank_everything(
    matcher: matching.CompetenceMatcher, *, by: Literal["position", "candidate"], row: str
) -> FullRanking:
    """One vectorised ranking of every candidate for the position ``row`` (``by="position"``)
    or of every position for the candidate ``row`` (``by="candidate"``)."""
    ids = matcher.candidate_ids_ if by == "position" else matcher.position_ids_
    order: list[int] = []
    flags: list[bool] = []
    for _rows, chosen, _scores, eligible in matcher.top_indices(by, top=None, rows=[row]):
        order = [int(index) for index in chosen[0]]
        flags = [bool(flag) for flag in eligible[0]]
    in_order = [ids[index] for index in order]
    return FullRanking(
        ranks={item: rank for rank, item in enumerate(in_order, start=1)},
        eligible=[item for item, ok in zip(in_order, flags, strict=True) if ok],
        ineligible=[item for item, ok in zip(in_order, flags, strict=True) if not ok],
    )


def position_for_matching(position: Position) -> matching.Position:
    """The engine's view of a position loaded with its requirements."""
    import matching

    return matching.Position(
        id=str(position.id),
        title=position.title,
        required=tuple(
            matching.Requirement(row.competence.code, row.min_level)
            for row in position.competences
            if row.required
        ),
        optional=tuple(
            matching.Requirement(row.competence.code, row.min_level)
            for row in position.competences
            if not row.required
        ),
        languages={row.language: row.level for row in position.languages},
        region=position.region or None,
        places=position.places,
    )


def has_live_placement() -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: an agreed or active placement holds them."""
    return exists().where(
        Placement.candidate_id == Candidate.id,
        Placement.status.in_(LIVE_PLACEMENT_STATUSES),
    )


def already_placed() -> ColumnElement[bool]:
    """A WHERE clause on :class:`Candidate`: placed or beyond, so not suggested."""
    return or_(Candidate.stage.in_(sorted(EXCLUDED_STAGES)), has_live_placement())


async def excluded_candidates(session: AsyncSession) -> dict[int, str]:
    """Candidates placed or beyond (by stage, or holding a live placement), by id, with their
    stage (one query)."""
    rows = await session.execute(select(Candidate.id, Candidate.stage).where(already_placed()))
    return {candidate_id: stage for candidate_id, stage in rows.all()}


async def suggestable_candidates(
    session: AsyncSession,
) -> tuple[tuple[matching.Candidate, ...], dict[int, str]]:
    """Every candidate the engine may suggest (consent in force, not placed), and those left
    out for being placed, with their stage. Every page that ranks starts here."""
    excluded = await excluded_candidates(session)
    candidates = tuple(
        candidate
        for candidate in await candidates_for_matching(session, for_employers=True)
        if int(candidate.id) not in excluded
    )
    return candidates, excluded


async def matching_input_for_position(
    session: AsyncSession, *, position: Position, vocabulary: tuple[matching.Competence, ...]
) -> tuple[matching.MatchingInput, dict[int, str]]:
    """The engine's input for one position, and the candidates left out for their stage."""
    import matching

    candidates, excluded = await suggestable_candidates(session)
    problem = matching.MatchingInput(
        positions=(position_for_matching(position),),
        candidates=candidates,
        competences=vocabulary,
    )
    return problem, excluded


# --- The suggestions -----------------------------------------------------------------


async def suggestions_for_position(
    session: AsyncSession,
    *,
    position_id: int,
    viewer: Viewer,
    top: int = 20,
    include_ineligible: bool = False,
    search: str | None = None,
) -> PositionSuggestions | None:
    """Candidates ranked for the position, explained; None when it does not exist for ``viewer``.

    ``top`` eligible candidates are listed; with ``include_ineligible`` also up to ``top`` who
    fail a hard filter, after them. ``search`` (a name or a candidate number, among the
    candidates ``viewer`` may see) finds candidates and where they rank, even outside the top.
    Nobody is ranked for a position whose organisation is not an approved partner.
    """
    position = await get_position(session, position_id=position_id, viewer=viewer)
    if position is None:
        return None
    organisation_name, organisation_status = (
        await session.execute(
            select(Organisation.name, Organisation.status).where(
                Organisation.id == position.organisation_id
            )
        )
    ).one()
    if organisation_status != PartnershipStatus.PARTNER.value:
        # Candidates are suggested only for approved partners' positions: rank nobody.
        return PositionSuggestions(
            position=position,
            is_open=False,
            organisation_name=organisation_name,
            organisation_status=organisation_status,
            top=top,
            include_ineligible=include_ineligible,
            rows=(),
            ranked=0,
            eligible=0,
            unmapped=(),
            search=None,
            hits=(),
        )
    vocabulary, labels = await load_matching_vocabulary(session)
    problem, excluded = await matching_input_for_position(
        session, position=position, vocabulary=vocabulary
    )
    pid = str(position.id)
    matcher = await fit_matcher(problem)
    # One vectorised ranking of every candidate: the list and any searched rank come from it.
    ranking = rank_everything(matcher, by="position", row=pid)
    ranks, eligible_ids, ineligible_ids = ranking.ranks, ranking.eligible, ranking.ineligible
    shown = eligible_ids[:top] + (ineligible_ids[:top] if include_ineligible else [])

    candidate_viewer = viewer
    found = await _search(session, search, candidate_viewer) if search else []
    wanted = {int(cid) for cid in shown} | {candidate_id for candidate_id, _, _ in found}
    people = await _people(session, wanted, candidate_viewer)
    explainer = Explainer(labels)

    def row_for(cid: str) -> SuggestionRow:
        match = matcher.explain(pid, cid)
        assert match.explanation is not None
        name, stage = people.get(int(cid), (None, ""))
        return SuggestionRow(
            rank=ranks[cid],
            candidate_id=int(cid),
            name=name,
            stage=stage,
            score=match.score,
            eligible=match.eligible,
            explanation=explainer.explain(match.explanation),
        )

    rows = tuple(row_for(cid) for cid in shown)
    by_id = {str(row.candidate_id): row for row in rows}
    hits = []
    for candidate_id, name, stage in found:
        cid = str(candidate_id)
        if cid in ranks:
            hits.append(SearchHit(candidate_id, name, stage, by_id.get(cid) or row_for(cid), ""))
        else:
            reason = not_ranked(candidate_id in excluded, stage)
            hits.append(SearchHit(candidate_id, name, stage, None, reason))
    listed = {str(row.candidate_id) for row in rows} | {str(hit.candidate_id) for hit in hits}
    unmapped = tuple(
        UnmappedLine(
            owner=ref.owner,
            owner_id=ref.owner_id,
            text=ref.label,
            suggestions=tuple(s.label for s in ref.suggestions),
        )
        for ref in matcher.unmapped_
        if (ref.owner == "position" and ref.owner_id == pid)
        or (ref.owner == "candidate" and ref.owner_id in listed)
    )
    return PositionSuggestions(
        position=position,
        is_open=position.status == PositionStatus.OPEN.value,
        organisation_name=organisation_name,
        organisation_status=organisation_status,
        top=top,
        include_ineligible=include_ineligible,
        rows=rows,
        ranked=ranking.ranked,
        eligible=len(eligible_ids),
        unmapped=unmapped,
        search=search,
        hits=tuple(hits),
    )


def not_ranked(placed: bool, stage: str) -> str:
    """Why a candidate is not ranked: placed (or beyond), or no consent in force."""
    if placed:
        return gettext("Not suggested: already placed or further on the pathway (%(stage)s).") % {
            "stage": stage_label(stage)
        }
    return gettext(
        "Not suggested: no consent in force to process their data for validation and to share"
        " their profile with employers."
    )


async def _search(session: AsyncSession, text: str, viewer: Viewer) -> list[tuple[int, str, str]]:
    """Candidates ``viewer`` may see whose number is ``text`` or whose name contains it."""
    text = text.strip()
    if not text:
        return []
    condition: ColumnElement[bool] = Candidate.name.ilike(f"%{_escape_like(text)}%", escape="\\")
    number = parse_id(text)
    if number is not None:
        condition = or_(Candidate.id == number, condition)
    rows = await session.execute(
        select(Candidate.id, Candidate.name, Candidate.stage)
        .where(condition, access.visible_to(viewer))
        .order_by(Candidate.name, Candidate.id)
        .limit(MAX_SEARCH_HITS)
    )
    return [(int(row[0]), str(row[1]), str(row[2])) for row in rows.all()]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def _people(
    session: AsyncSession, ids: Collection[int], viewer: Viewer
) -> dict[int, tuple[str | None, str]]:
    """Name (None unless ``viewer`` may see the record) and stage of the rows shown."""
    if not ids:
        return {}
    visible = case((access.visible_to(viewer), True), else_=False)
    rows = await session.execute(
        select(Candidate.id, Candidate.name, Candidate.stage, visible).where(
            Candidate.id.in_(sorted(ids))
        )
    )
    return {
        int(candidate_id): (str(name) if may_see else None, str(stage))
        for candidate_id, name, stage, may_see in rows.all()
    }


async def advice_for_pair(
    session: AsyncSession, *, position: Position, candidate_id: int
) -> SuggestionRow | None:
    """The engine's advice on one pair now: rank among every candidate ranked for the
    position, score, eligibility and explanation, as the suggestions page shows them.

    None when the candidate is not ranked (placed, or no consent in force). One fit, one
    vectorised ranking; the queries are those of the page without the names.
    """
    vocabulary, labels = await load_matching_vocabulary(session)
    problem, _excluded = await matching_input_for_position(
        session, position=position, vocabulary=vocabulary
    )
    pid, cid = str(position.id), str(candidate_id)
    matcher = await fit_matcher(problem)
    if cid not in matcher.candidate_ids_:
        return None
    wanted = matcher.candidate_ids_.index(cid)
    rank = 0
    for _rows, chosen, _scores, _eligible in matcher.top_indices("position", top=None, rows=[pid]):
        rank = next(i for i, index in enumerate(chosen[0], start=1) if int(index) == wanted)
    match = matcher.explain(pid, cid)
    assert match.explanation is not None
    return SuggestionRow(
        rank=rank,
        candidate_id=candidate_id,
        name=None,
        stage="",
        score=match.score,
        eligible=match.eligible,
        explanation=Explainer(labels).explain(match.explanation),
    )
