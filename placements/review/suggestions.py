"""Suggested candidates for a position: the matching engine's ranking, explained in plain words.

The ranking is advice for a counsellor, never a decision. It covers every candidate whose
consent allows validation and sharing with employers (read in the same query as the
candidates, so a withdrawal applies at once) and who is not yet placed: candidates at stage
``placement``, ``assessment`` or ``certified``, or holding a live (agreed or active)
placement, already have a training place or are past it, so they are left out of the
engine's input.

The engine sees competences, language levels and regions only: names are read afterwards, for
the rows shown, and only a viewer who may see a candidate's record gets the name (others see
the candidate's number). The candidates come from the worker's live index
(:mod:`placements.review.index`), so a page reads no portfolio unless one changed: it costs
the position with its requirements, the index's version, consent and placement of the rows
it names (read fresh), their names and, when searching, the candidates found.

The organisation's readiness answers describe the workplace (working languages, language
support, plain-language instructions): they give the engine's support part, and they decide
whether a counsellor may widen the position's language filter by one level
(:func:`leeway_offer`; docs/matching.md, "Readiness in the ranking").
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import anyio.to_thread
from sqlalchemy import ColumnElement, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import access
from candidates.models import Candidate
from candidates.services import stage_label
from employers.models import Organisation, PartnershipStatus, ReadinessProfile
from employers.readiness_answers import WorkplaceLanguages, workplace_languages
from kit.forms import parse_id
from kit.i18n import gettext
from kit.languages import CEFR_LEVELS, language_name
from kit.roles import Viewer
from placements.models import Position, PositionStatus
from placements.positions.queries import get_position
from placements.positions.services import partnership_label
from placements.review.explanations import Explainer, PlainExplanation
from placements.review.index import already_placed, index_for, still_suggestable

if TYPE_CHECKING:
    # The engine (numpy, scipy) is imported where it is used, not with the app,
    # so that a worker starts fast (docs/performance.md).
    import numpy as np
    import numpy.typing as npt

    import matching

TOP_CHOICES = (10, 20, 50)
MAX_SEARCH_HITS = 5
#: The pages widen a position's language filter by at most this many CEFR levels.
MAX_LEEWAY = 1


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
class LeewayOffer:
    """Whether a counsellor may widen the position's language filter by one level, and why
    (or why not) in plain words; ``words`` is empty when the position needs no language above
    A1 (there is nothing to widen)."""

    allowed: bool
    words: str = ""
    levels: str = ""  # what widening means, e.g. "Finnish B1 → A2"


NO_LEEWAY = LeewayOffer(allowed=False)


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
    leeway: int = 0  # CEFR levels the language filter was widened by (0 or 1)
    leeway_offer: LeewayOffer = NO_LEEWAY

    @property
    def is_partner(self) -> bool:
        return self.organisation_status == PartnershipStatus.PARTNER.value

    @property
    def organisation_status_label(self) -> str:
        return partnership_label(self.organisation_status)


# --- The engine's view ----------------------------------------------------------------


@dataclass(frozen=True)
class FullRanking:
    """Everything ranked for one position (or one candidate), best first, as arrays: only
    what a page shows becomes Python objects.

    ``ids`` are the matcher's ids of what is ranked, ``order`` their row numbers best first,
    ``passed`` whether each (in that order) passes the hard filters.
    """

    ids: tuple[str, ...]
    order: npt.NDArray[np.int64]
    passed: npt.NDArray[np.bool_]

    @property
    def ranked(self) -> int:
        return len(self.order)

    @property
    def eligible_count(self) -> int:
        return int(self.passed.sum())

    def best(self, count: int, *, eligible: bool = True) -> dict[str, int]:
        """The first ``count`` ids that pass the filters (or, ``eligible=False``, fail one),
        with their ranks, best first."""
        import numpy

        where = numpy.flatnonzero(self.passed if eligible else ~self.passed)[:count]
        rows = self.order[where].tolist()
        return {self.ids[row]: rank + 1 for row, rank in zip(rows, where.tolist(), strict=True)}

    def rank_of(self, item: str) -> int | None:
        """Rank (from 1) of ``item``; None when it is not ranked."""
        try:
            row = self.ids.index(item)
        except ValueError:
            return None
        return int((self.order == row).nonzero()[0][0]) + 1


def rank_everything(
    matcher: matching.CompetenceMatcher, *, by: Literal["position", "candidate"], row: str
) -> FullRanking:
    """One vectorised ranking of every candidate for the position ``row`` (``by="position"``)
    or of every position for the candidate ``row`` (``by="candidate"``)."""
    import numpy

    ids = matcher.candidate_ids_ if by == "position" else matcher.position_ids_
    order = numpy.zeros(0, dtype=numpy.int64)
    passed = numpy.zeros(0, dtype=bool)
    for _rows, chosen, _scores, eligible in matcher.top_indices(by, top=None, rows=[row]):
        order, passed = chosen[0], eligible[0]
    return FullRanking(ids=ids, order=order, passed=passed)


def position_for_matching(
    position: Position, workplace: WorkplaceLanguages | None = None, *, leeway: int = 0
) -> matching.Position:
    """The engine's view of a position loaded with its requirements.

    ``workplace`` is what its organisation's readiness answers say about language at work
    (:func:`workplaces_for`); None (no answers) leaves the position without readiness data, so
    it scores as it did before readiness counted. ``leeway`` is the counsellor's widening of
    the language filter (:func:`leeway_offer` says when it is allowed).
    """
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
        working_languages=workplace.working if workplace else (),
        language_support=workplace.offers_support if workplace else False,
        language_leeway=leeway,
    )


async def workplaces_for(
    session: AsyncSession, organisation_ids: Collection[int]
) -> dict[int, WorkplaceLanguages]:
    """The language side of the organisations' readiness answers, by organisation id (one
    query); an organisation without a readiness profile is left out."""
    if not organisation_ids:
        return {}
    rows = await session.execute(
        select(ReadinessProfile.organisation_id, ReadinessProfile.answers).where(
            ReadinessProfile.organisation_id.in_(sorted(organisation_ids))
        )
    )
    found = {int(oid): workplace_languages(answers) for oid, answers in rows.all()}
    return {oid: workplace for oid, workplace in found.items() if workplace is not None}


def leeway_offer(position: Position, workplace: WorkplaceLanguages | None) -> LeewayOffer:
    """May a counsellor widen this position's language filter by one level?

    Yes when the position asks a language above A1 and the workplace can bridge the gap: it
    offers language support at work or plain-language instructions, or it works in another
    language too. Never below the level the workplace says is needed for safety.
    """
    required = {row.language: row.level for row in position.languages}
    widened = {
        code: CEFR_LEVELS[CEFR_LEVELS.index(level) - 1]
        for code, level in required.items()
        if level in CEFR_LEVELS and level != CEFR_LEVELS[0]
    }
    if not widened:
        return NO_LEEWAY
    levels = ", ".join(
        gettext("%(language)s %(required)s → %(accepted)s")
        % {"language": language_name(code), "required": required[code], "accepted": accepted}
        for code, accepted in sorted(widened.items())
    )
    if workplace is None:
        return LeewayOffer(
            allowed=False,
            words=gettext(
                "The organisation has not filled in its readiness profile, so the language"
                " filter cannot be widened."
            ),
        )
    others = [code for code in workplace.working if any(code != lang for lang in widened)]
    if not workplace.offers_support and not others:
        return LeewayOffer(
            allowed=False,
            words=gettext(
                "The workplace offers no language support and works in no other language, so"
                " the language filter cannot be widened."
            ),
        )
    safety = workplace.needed_language if workplace.needed_for_safety else None
    if (
        safety in widened
        and workplace.needed_level is not None
        and CEFR_LEVELS.index(widened[safety]) < CEFR_LEVELS.index(workplace.needed_level)
    ):
        return LeewayOffer(
            allowed=False,
            words=gettext(
                "The workplace says %(language)s at %(level)s is needed for safety, so the"
                " language filter cannot be widened."
            )
            % {"language": language_name(safety or ""), "level": workplace.needed_level},
        )
    return LeewayOffer(allowed=True, words=workplace_words(workplace), levels=levels)


def workplace_words(workplace: WorkplaceLanguages) -> str:
    """What the workplace offers a candidate whose language is still growing, in words."""
    sentences = []
    if workplace.working:
        sentences.append(
            gettext("This workplace works in %(languages)s.")
            % {"languages": ", ".join(language_name(code) for code in workplace.working)}
        )
    if workplace.support:
        sentences.append(gettext("It offers language support at work."))
    if workplace.plain_instructions:
        sentences.append(gettext("Its instructions are in plain language or with pictures."))
    return " ".join(sentences)


async def excluded_candidates(session: AsyncSession) -> dict[int, str]:
    """Candidates placed or beyond (by stage, or holding a live placement), by id, with their
    stage (one query)."""
    rows = await session.execute(select(Candidate.id, Candidate.stage).where(already_placed()))
    return {candidate_id: stage for candidate_id, stage in rows.all()}


async def _placed_among(session: AsyncSession, ids: Collection[int]) -> set[int]:
    """Those of ``ids`` placed or beyond (one query)."""
    if not ids:
        return set()
    rows = await session.execute(
        select(Candidate.id).where(Candidate.id.in_(sorted(ids)), already_placed())
    )
    return {int(candidate_id) for candidate_id in rows.scalars()}


# --- The suggestions -----------------------------------------------------------------


async def suggestions_for_position(
    session: AsyncSession,
    *,
    position_id: int,
    viewer: Viewer,
    top: int = 20,
    include_ineligible: bool = False,
    search: str | None = None,
    leeway: int = 0,
) -> PositionSuggestions | None:
    """Candidates ranked for the position, explained; None when it does not exist for ``viewer``.

    ``top`` eligible candidates are listed; with ``include_ineligible`` also up to ``top`` who
    fail a hard filter, after them. ``search`` (a name or a candidate number, among the
    candidates ``viewer`` may see) finds candidates and where they rank, even outside the top.
    ``leeway`` (0 or 1) widens the language filter by that many levels where
    :func:`leeway_offer` allows it (the result says what was applied), else it is ignored.
    Nobody is ranked for a position whose organisation is not an approved partner.
    """
    position = await get_position(session, position_id=position_id, viewer=viewer)
    if position is None:
        return None
    organisation_name, organisation_status, answers = (
        await session.execute(
            select(Organisation.name, Organisation.status, ReadinessProfile.answers)
            .outerjoin(ReadinessProfile, ReadinessProfile.organisation_id == Organisation.id)
            .where(Organisation.id == position.organisation_id)
        )
    ).one()
    workplace = workplace_languages(answers)
    offer = leeway_offer(position, workplace)
    applied = max(0, min(leeway, MAX_LEEWAY)) if offer.allowed else 0
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
    pid = str(position.id)
    engine_position = position_for_matching(position, workplace, leeway=applied)
    found = await _search(session, search, viewer) if search else []
    searched = [str(candidate_id) for candidate_id, _, _ in found]

    def rows_shown(ranking: FullRanking) -> dict[str, int]:
        """The rows shown, in their order, with their ranks."""
        best = ranking.best(top)
        if include_ineligible:
            best.update(ranking.best(top, eligible=False))
        return best

    def page_ranks(ranking: FullRanking) -> dict[str, int | None]:
        """The ranks of the rows shown, then of the candidates searched (None: not ranked)."""
        ranks: dict[str, int | None] = {**rows_shown(ranking)}
        ranks.update((cid, ranking.rank_of(cid)) for cid in searched if cid not in ranks)
        return ranks

    # One vectorised ranking of every candidate: the list and any searched rank come from it;
    # consent and placement read now for everyone the page names, never from memory.
    matcher, labels, ranking, gone = await index_for(session).ranked(
        session,
        (engine_position,),
        functools.partial(rank_everything, by="position", row=pid),
        lambda ranking: [int(c) for c, rank in page_ranks(ranking).items() if rank is not None],
    )
    ranks = page_ranks(ranking)
    ranks.update((str(cid), None) for cid in gone)
    shown = [cid for cid in rows_shown(ranking) if int(cid) not in gone]

    wanted = {int(cid) for cid in shown} | {candidate_id for candidate_id, _, _ in found}
    people = await _people(session, wanted, viewer)
    placed = await _placed_among(
        session, {candidate_id for candidate_id, _, _ in found if ranks[str(candidate_id)] is None}
    )
    explainer = Explainer(labels)

    # Everyone the page explains, at once.
    explained = [cid for cid, rank in ranks.items() if rank is not None]
    matches = dict(
        zip(
            explained,
            await anyio.to_thread.run_sync(matcher.explain_candidates, pid, explained),
            strict=True,
        )
    )

    def row_for(cid: str) -> SuggestionRow:
        match = matches[cid]
        assert match.explanation is not None
        name, stage = people.get(int(cid), (None, ""))
        rank = ranks[cid]
        assert rank is not None
        return SuggestionRow(
            rank=rank,
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
        if ranks[cid] is not None:
            hits.append(SearchHit(candidate_id, name, stage, by_id.get(cid) or row_for(cid), ""))
        else:
            reason = not_ranked(candidate_id in placed, stage)
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
        eligible=ranking.eligible_count,
        unmapped=unmapped,
        search=search,
        hits=tuple(hits),
        leeway=applied,
        leeway_offer=offer,
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

    None when the candidate is not ranked (placed, or no consent in force, read now). The
    live index's candidates, one vectorised ranking.
    """
    pid, cid = str(position.id), str(candidate_id)
    if not await still_suggestable(session, {candidate_id}):
        return None
    # The position as its requirement stands (no counsellor's leeway), with its workplace.
    workplace = (await workplaces_for(session, {position.organisation_id})).get(
        position.organisation_id
    )
    matcher, labels = await index_for(session).matcher(
        session, (position_for_matching(position, workplace),)
    )
    if cid not in matcher.candidate_ids_:
        return None
    wanted = matcher.candidate_ids_.index(cid)
    rank = 0
    for _rows, chosen, _scores, _eligible in matcher.top_indices("position", top=None, rows=[pid]):
        rank = int((chosen[0] == wanted).nonzero()[0][0]) + 1
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
