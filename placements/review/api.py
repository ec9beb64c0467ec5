"""JSON API for suggestions and decisions: ``/api/positions/{id}/suggestions`` (issue 6).

The same rules as the pages (:mod:`placements.review.suggestions`,
:mod:`placements.review.decisions`): counsellors and the coordinator read the engine's advice
and the decisions; only counsellors decide, on candidates they may see, on open positions. A
position or candidate out of reach answers 404; input that breaks a rule 400; a decision the
workflow refuses now (closed position, placed candidate, consent not in force, someone decided
first) 409. Errors are ``{"detail": ...}``.
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from kit.forms import Id, Integer
from kit.i18n import gettext
from kit.roles import Viewer
from placements.positions.queries import get_position
from placements.review.decisions import (
    DecisionInvalid,
    DecisionNotAllowed,
    DecisionNotFound,
    DecisionView,
    current_decision_views,
    decide,
    position_decision_history,
)
from placements.review.explanations import PlainExplanation, explanation_from_snapshot
from placements.review.suggestions import MAX_LEEWAY
from placements.review.suggestions import suggestions_for_position as rank_for_position

MAX_TOP = 200

# --- JSON shapes ---------------------------------------------------------------------


class CompetenceLineOut(msgspec.Struct):
    """One competence of the position and how the candidate meets it (``credit`` 0-1)."""

    code: str | None
    label: str
    required: bool
    min_level: int
    level: int | None
    verified_level: int | None
    credit: float
    words: str
    #: How a text mapped by similarity was read, for the counsellor to confirm; empty when
    #: every text was an id or an exact label.
    mapping_note: str = ""


class FilterLineOut(msgspec.Struct):
    """A hard filter (``language`` or ``region``), passed or failed, in plain words;
    ``leeway``: passed below the required level because the language filter was widened."""

    kind: str
    passed: bool
    words: str
    leeway: bool = False


class ScorePartsOut(msgspec.Struct):
    """The score split by source; ``required + optional + rarity + support == total``.

    ``support`` is the language-fit bonus of a workplace with readiness answers (0 without),
    ``support_words`` why it was given."""

    required: float
    optional: float
    rarity: float
    total: float
    support: float = 0.0
    support_words: str = ""


class ExplanationOut(msgspec.Struct):
    matched: list[CompetenceLineOut]
    partial: list[CompetenceLineOut]
    missing_required: list[CompetenceLineOut]
    missing_optional: list[CompetenceLineOut]
    filters: list[FilterLineOut]
    parts: ScorePartsOut


class DecisionOut(msgspec.Struct):
    """A decision with what the engine advised when it was taken (empty for an employer's).

    ``kind``: shortlisted, rejected, proposed, withdrawn (a counsellor's), accepted, declined
    (the employer's). ``sequence`` numbers the pair's decisions from 1; the newest is the
    state. ``candidate_name`` is null unless the caller may see the candidate's record.
    """

    id: int
    position_id: int
    candidate_id: int
    candidate_name: str | None
    sequence: int
    kind: str
    reason: str
    note: str
    score: float | None
    rank: int | None
    eligible: bool | None
    explanation: ExplanationOut | None
    decided_by_id: int | None
    decided_by: str | None
    created_at: datetime.datetime


class SuggestionOut(msgspec.Struct):
    """A ranked candidate; ``name`` is null unless the caller may see the record."""

    rank: int
    candidate: int
    name: str | None
    score: float
    eligible: bool
    explanation: ExplanationOut
    decision: DecisionOut | None


class SuggestionsOut(msgspec.Struct):
    """The engine's ranking for a position: advice, eligible candidates first."""

    position: int
    advice: str
    is_open: bool
    ranked: int
    eligible: int
    suggestions: list[SuggestionOut]
    #: CEFR levels the language filter was widened by (``leeway`` asked and allowed), whether
    #: the workplace's readiness allows widening it, and why (or why not) in words.
    leeway: int = 0
    leeway_allowed: bool = False
    leeway_note: str = ""


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A counsellor's decision on a suggested candidate.

    ``decision``: ``shortlisted``, ``rejected`` (``reason`` required: ``missing_competence``,
    ``language``, ``location``, ``availability``, ``candidate_not_interested``,
    ``better_fit_elsewhere`` or ``other`` with a ``note``), ``proposed`` or ``withdrawn``
    (only after ``proposed``). ``after``: the ``sequence`` of the newest decision on the pair
    the caller saw (0 for none); if someone decided since, the answer is 409.
    """

    candidate: Id
    decision: str
    after: Integer
    reason: str = ""
    note: str = ""


class DecisionHistoryOut(msgspec.Struct):
    """Every decision on the position, per candidate, oldest first."""

    position: int
    decisions: list[DecisionOut]


# --- Conversions ---------------------------------------------------------------------


def _explanation_out(explanation: PlainExplanation) -> ExplanationOut:
    def lines(items: Any) -> list[CompetenceLineOut]:
        return [
            CompetenceLineOut(
                code=line.code,
                label=line.label,
                required=line.required,
                min_level=line.min_level,
                level=line.level,
                verified_level=line.verified_level,
                credit=line.credit,
                words=line.words,
                mapping_note=line.mapping_note,
            )
            for line in items
        ]

    parts = explanation.parts
    return ExplanationOut(
        matched=lines(explanation.matched),
        partial=lines(explanation.partial),
        missing_required=lines(explanation.missing_required),
        missing_optional=lines(explanation.missing_optional),
        filters=[
            FilterLineOut(kind=line.kind, passed=line.passed, words=line.words, leeway=line.leeway)
            for line in explanation.filters
        ],
        parts=ScorePartsOut(
            required=parts.required,
            optional=parts.optional,
            rarity=parts.rarity,
            total=parts.total,
            support=parts.support,
            support_words=parts.support_words,
        ),
    )


def _decision_out(view: DecisionView) -> DecisionOut:
    decision = view.decision
    shown = view.shown or explanation_from_snapshot(decision.explanation)
    return DecisionOut(
        id=decision.id,
        position_id=decision.position_id,
        candidate_id=decision.candidate_id,
        candidate_name=view.candidate_name,
        sequence=decision.sequence,
        kind=decision.kind,
        reason=decision.reason,
        note=decision.note,
        score=decision.score,
        rank=decision.rank,
        eligible=decision.eligible,
        explanation=_explanation_out(shown) if shown is not None else None,
        decided_by_id=decision.decided_by_id,
        decided_by=view.decided_by,
        created_at=decision.created_at,
    )


def _advice() -> str:
    return gettext(
        "This ranking is advice from the matching engine, not a decision. It compares"
        " competences, verified levels, languages and regions only; a counsellor reviews every"
        " candidate and decides."
    )


class SuggestionApi(Controller):
    path = "/api/positions"
    tags = ["suggestions"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/{position_id:int}/suggestions")
    async def list_suggestions(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        top: FromQuery[int] = 20,
        ineligible: FromQuery[bool] = False,
        leeway: FromQuery[int] = 0,
    ) -> SuggestionsOut:
        """Candidates ranked for the position by the engine, explained, with the current
        decision on each. ``top`` eligible candidates (1-200); with ``ineligible`` also up to
        ``top`` who fail a language or region filter, after them. ``leeway=1`` widens the
        language filter by one CEFR level, where the workplace's readiness answers allow it
        (``leeway_allowed`` in the answer; asked where not allowed: 400)."""
        if not 1 <= top <= MAX_TOP:
            raise ValidationException(detail=f"top must be from 1 to {MAX_TOP}.")
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValidationException(
                detail=gettext("leeway must be from 0 to %(max)d.") % {"max": MAX_LEEWAY}
            )
        result = await rank_for_position(
            db_session,
            position_id=position_id,
            viewer=viewer,
            top=top,
            include_ineligible=ineligible,
            leeway=leeway,
        )
        if result is None:
            raise NotFoundException(detail=f"No position with the id {position_id}.")
        if leeway and result.is_partner and not result.leeway_offer.allowed:
            raise ValidationException(
                detail="leeway: "
                + (
                    result.leeway_offer.words
                    or gettext("This position asks no language level that could be widened.")
                )
            )
        decisions = await current_decision_views(
            db_session,
            viewer=viewer,
            position_ids={position_id},
            candidate_ids={row.candidate_id for row in result.rows},
        )
        return SuggestionsOut(
            position=position_id,
            advice=_advice(),
            is_open=result.is_open,
            ranked=result.ranked,
            eligible=result.eligible,
            leeway=result.leeway,
            leeway_allowed=result.leeway_offer.allowed,
            leeway_note=result.leeway_offer.words,
            suggestions=[
                SuggestionOut(
                    rank=row.rank,
                    candidate=row.candidate_id,
                    name=row.name,
                    score=row.score,
                    eligible=row.eligible,
                    explanation=_explanation_out(row.explanation),
                    decision=(
                        _decision_out(view)
                        if (view := decisions.get((position_id, row.candidate_id)))
                        else None
                    ),
                )
                for row in result.rows
            ],
        )

    @post("/{position_id:int}/suggestions", status_code=HTTP_201_CREATED)
    async def create_decision(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> DecisionOut:
        """Record a counsellor's decision; the engine's score, rank and explanation at this
        moment are stored with it (computed here, never taken from the request)."""
        try:
            decision = await decide(
                db_session,
                viewer=viewer,
                position_id=position_id,
                candidate_id=data.candidate,
                kind=data.decision,
                expected_sequence=data.after,
                reason=data.reason,
                note=data.note,
            )
        except DecisionInvalid as invalid:
            raise ValidationException(
                detail=f"{_api_field(invalid.field)}: {invalid.message}"
            ) from None
        except DecisionNotFound as missing:
            raise NotFoundException(detail=missing.message) from None
        except DecisionNotAllowed as refused:
            raise ClientException(detail=refused.message, status_code=HTTP_409_CONFLICT) from None
        views = await current_decision_views(
            db_session,
            viewer=viewer,
            position_ids={position_id},
            candidate_ids={data.candidate},
        )
        view = views[(position_id, data.candidate)]
        assert view.decision.id == decision.id
        return _decision_out(view)

    @get("/{position_id:int}/suggestions/decisions")
    async def list_decisions(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
    ) -> DecisionHistoryOut:
        """Every decision on the position: per candidate, oldest first (the last is the
        state), with who, when, the reason and what the engine showed at that moment."""
        if await get_position(db_session, position_id=position_id, viewer=viewer) is None:
            raise NotFoundException(detail=f"No position with the id {position_id}.")
        history = await position_decision_history(
            db_session, position_id=position_id, viewer=viewer
        )
        ordered = sorted(history, key=lambda group: group.candidate_id)
        return DecisionHistoryOut(
            position=position_id,
            decisions=[_decision_out(view) for group in ordered for view in group.decisions],
        )


def _api_field(field: str) -> str:
    # The request's own names for the service's input parts.
    return {"kind": "decision"}.get(field, field)
