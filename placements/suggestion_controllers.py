"""The page of suggested candidates for a position (match review, issue 6, first part).

Counsellors and the coordinator see the engine's ranking with its explanation; it is advice,
and the page says so. Other roles are refused by the policy table; an unknown position is 404.
The rules and the queries live in :mod:`placements.suggestions`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.services import stage_label
from placements.services import status_label, viewer_for
from placements.suggestions import TOP_CHOICES, suggestions_for_position
from portal.i18n import gettext

DEFAULT_TOP = 20
MAX_SEARCH_LENGTH = 200


class SuggestionPages(Controller):
    path = "/positions"

    @get("/{position_id:int}/suggestions")
    async def suggestions(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
        top: FromQuery[str] = "",
        ineligible: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Template:
        notice = ""
        chosen = DEFAULT_TOP
        if top:
            if top.isdigit() and int(top) in TOP_CHOICES:
                chosen = int(top)
            else:
                notice = gettext("Choose 10, 20 or 50 suggestions; showing %(top)d.") % {
                    "top": DEFAULT_TOP
                }
        search = q.strip()[:MAX_SEARCH_LENGTH] or None
        result = await suggestions_for_position(
            db_session,
            position_id=position_id,
            viewer=viewer_for(request.user),
            top=chosen,
            include_ineligible=ineligible in ("1", "on", "true"),
            search=search,
        )
        if result is None:
            raise NotFoundException(detail=gettext("No such position."))
        return Template(
            template_name="placements/suggestions.html",
            context={
                "result": result,
                "top_options": [(str(n), str(n)) for n in TOP_CHOICES],
                "notice": notice,
                "q": q,
                "status_label": status_label,
                "stage_label": stage_label,
            },
        )


class CandidateSuggestionPages(Controller):
    """Positions that fit a candidate, ranked and explained (``/candidates/{id}/suggestions``)."""

    path = "/candidates"
