"""Pages of match review (issue 6): suggested candidates for a position, the counsellors'
decisions on them, the decisions page of a position, and suggested positions for a candidate.

Counsellors and the coordinator see the engine's ranking with its explanation; it is advice,
and every page says so. Only counsellors decide, on candidates they may see, on open positions.
Other roles are refused by the policy table; an unknown position or a candidate out of reach
is 404. The rules and the queries live in :mod:`placements.review.suggestions`,
:mod:`placements.review.decisions` and :mod:`placements.review.candidate_suggestions`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.services import stage_label
from kit.flash import redirect_with
from kit.forms import FormReader, parse_integer
from kit.i18n import gettext
from kit.roles import Role, Viewer
from placements.models import DecisionKind
from placements.positions.queries import get_position
from placements.positions.services import status_label
from placements.review.candidate_suggestions import suggestions_for_candidate
from placements.review.decisions import (
    NOTE_MAX,
    REJECTION_REASONS,
    DecisionError,
    DecisionNotFound,
    current_decision_views,
    decide,
    decision_label,
    position_decision_history,
)
from placements.review.suggestions import MAX_LEEWAY, TOP_CHOICES, suggestions_for_position

DEFAULT_TOP = 20
MAX_SEARCH_LENGTH = 200


def _top(raw: str) -> tuple[int, str]:
    """The number of suggestions asked for, and a notice when it was not one of the choices."""
    if not raw:
        return DEFAULT_TOP, ""
    top = parse_integer(raw)
    if top is not None and top in TOP_CHOICES:
        return top, ""
    return DEFAULT_TOP, gettext("Choose 10, 20 or 50 suggestions; showing %(top)d.") % {
        "top": DEFAULT_TOP
    }


def _flag(raw: str) -> bool:
    return raw in ("1", "on", "true")


def _leeway(raw: str) -> tuple[int, str]:
    """The language leeway asked for (0 or 1 level), and a notice when it was not one of them."""
    if raw in ("", "0"):
        return 0, ""
    leeway = parse_integer(raw)
    if leeway is not None and 0 <= leeway <= MAX_LEEWAY:
        return leeway, ""
    return 0, gettext(
        "The language filter can be widened by one level only; showing the position's own"
        " language requirement."
    )


def _choices() -> dict[str, Any]:
    """What the decision forms need: reasons, labels, limits."""
    return {
        "reason_options": [(code, gettext(label)) for code, label in REJECTION_REASONS.items()],
        "decision_label": decision_label,
        "note_max": NOTE_MAX,
        "kinds": DecisionKind,
    }


def _back_to_suggestions(position_id: int, candidate_id: int, reader: FormReader) -> str:
    """The suggestions page as the counsellor had it (same filters), at the candidate's row."""
    top, _notice = _top(reader.raw("top"))
    query = {"top": str(top)}
    if _flag(reader.raw("ineligible")):
        query["ineligible"] = "1"
    leeway, _notice = _leeway(reader.raw("leeway"))
    if leeway:
        query["leeway"] = str(leeway)
    search = reader.raw("q")[:MAX_SEARCH_LENGTH]
    if search:
        query["q"] = search
    return f"/positions/{position_id}/suggestions?{urlencode(query)}#candidate-{candidate_id}"


class SuggestionPages(Controller):
    path = "/positions"
    include_in_schema = False

    @get("/{position_id:int}/suggestions")
    async def suggestions(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        top: FromQuery[str] = "",
        ineligible: FromQuery[str] = "",
        q: FromQuery[str] = "",
        leeway: FromQuery[str] = "",
    ) -> Template:
        chosen, notice = _top(top)
        widened, leeway_notice = _leeway(leeway)
        search = q.strip()[:MAX_SEARCH_LENGTH] or None
        result = await suggestions_for_position(
            db_session,
            position_id=position_id,
            viewer=viewer,
            top=chosen,
            include_ineligible=_flag(ineligible),
            search=search,
            leeway=widened,
        )
        if result is None:
            raise NotFoundException(detail=gettext("No such position."))
        if widened and result.is_partner and not result.leeway:
            # Say why, in the offer's words: no readiness profile, no support, safety.
            leeway_notice = result.leeway_offer.words or gettext(
                "This position asks no language level that could be widened, so the language"
                " filter was not widened."
            )
        # The current decision of every row and search hit shown, in one query.
        shown = {row.candidate_id for row in result.rows}
        shown |= {hit.candidate_id for hit in result.hits if hit.row is not None}
        decisions = await current_decision_views(
            db_session, viewer=viewer, position_ids={position_id}, candidate_ids=shown
        )
        return Template(
            template_name="placements/review/suggestions.html",
            context={
                "result": result,
                "top_options": [(str(n), str(n)) for n in TOP_CHOICES],
                "notice": notice,
                "leeway_notice": leeway_notice,
                "q": q,
                "status_label": status_label,
                "stage_label": stage_label,
                "decisions": {candidate_id: view for (_p, candidate_id), view in decisions.items()},
                "may_decide": viewer.role == Role.COUNSELLOR and result.is_open,
                **_choices(),
            },
        )

    @post("/{position_id:int}/suggestions/{candidate_id:int}/decisions", status_code=HTTP_200_OK)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """A counsellor's decision from the suggestions page; back to the page with a message."""
        reader = FormReader(await request.form())
        back = _back_to_suggestions(position_id, candidate_id, reader)
        kind = reader.raw("kind")
        after = reader.integer("after", minimum=0)
        # The reason list belongs to the reject button: another button ignores it.
        reason = reader.raw("reason") if kind == DecisionKind.REJECTED.value else ""
        note = reader.raw("note")
        try:
            await decide(
                db_session,
                viewer=viewer,
                position_id=position_id,
                candidate_id=candidate_id,
                kind=kind,
                expected_sequence=after if after is not None else -1,
                reason=reason,
                note=note,
            )
        except DecisionNotFound as missing:
            raise NotFoundException(detail=missing.message) from None
        except DecisionError as refused:
            message = gettext("Candidate no. %(id)s: nothing was saved. %(why)s") % {
                "id": candidate_id,
                "why": refused.message,
            }
            return redirect_with(request, back, message, "error")
        message = gettext("Candidate no. %(id)s: %(decision)s. The decision is on record.") % {
            "id": candidate_id,
            "decision": decision_label(kind),
        }
        return redirect_with(request, back, message, "success")

    @get("/{position_id:int}/decisions")
    async def decisions(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
    ) -> Template:
        """Every decision on the position, per candidate, oldest first: who, when, what the
        engine showed at that moment, and why."""
        position = await get_position(db_session, position_id=position_id, viewer=viewer)
        if position is None:
            raise NotFoundException(detail=gettext("No such position."))
        history = await position_decision_history(
            db_session, position_id=position_id, viewer=viewer
        )
        return Template(
            template_name="placements/review/decisions.html",
            context={
                "position": position,
                "history": history,
                "status_label": status_label,
                **_choices(),
            },
        )


class CandidateSuggestionPages(Controller):
    """Positions that fit a candidate, ranked and explained (``/candidates/{id}/suggestions``)."""

    path = "/candidates"
    include_in_schema = False

    @get("/{candidate_id:int}/suggestions")
    async def suggestions(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
        top: FromQuery[str] = "",
        ineligible: FromQuery[str] = "",
    ) -> Template:
        chosen, notice = _top(top)
        result = await suggestions_for_candidate(
            db_session,
            candidate_id=candidate_id,
            viewer=viewer,
            top=chosen,
            include_ineligible=_flag(ineligible),
        )
        if result is None:
            raise NotFoundException(detail=gettext("No such candidate."))
        return Template(
            template_name="placements/review/candidate_suggestions.html",
            context={
                "result": result,
                "top_options": [(str(n), str(n)) for n in TOP_CHOICES],
                "notice": notice,
                "stage_label": stage_label,
                **_choices(),
            },
        )
