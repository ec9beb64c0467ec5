"""Staff pages to browse and search competence frameworks, and the type-ahead fragment."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from competences import services


class FrameworkPages(Controller):
    path = "/frameworks"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str] = "",
    ) -> Template:
        query = q.strip()[:200]
        results = await services.search_competences(db_session, query=query) if query else []
        return Template(
            template_name="competences/index.html",
            context={
                "summaries": await services.list_frameworks(db_session),
                "query": query,
                "results": results,
            },
        )

    @get("/{code:str}")
    async def detail(
        self, db_session: NamedDependency[AsyncSession], code: FromPath[str], q: FromQuery[str] = ""
    ) -> Template:
        framework = await services.get_framework(db_session, code=code)
        if framework is None:
            raise NotFoundException()
        query = q.strip()[:200]
        matches: set[str] | None = None
        if query:
            found = await services.search_competences(
                db_session, query=query, framework_code=code, limit=1000
            )
            matches = {competence.code for competence in found}
        return Template(
            template_name="competences/framework.html",
            context={"framework": framework, "query": query, "matches": matches},
        )


class CompetenceSuggestionPages(Controller):
    """Type-ahead for picking competences: an HTMX fragment (its JSON twin is
    :class:`competences.api.CompetenceApi`)."""

    path = "/"
    include_in_schema = False

    @get("/competences/suggest")
    async def suggest_fragment(
        self,
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str] = "",
        framework: FromQuery[str] = "",
    ) -> Template:
        """Suggestions as a list of buttons, for the competence field of a form."""
        query = q.strip()[:200]
        suggestions = (
            await services.suggest_competences(
                db_session, query=query, limit=8, framework_code=framework.strip() or None
            )
            if query
            else []
        )
        return Template(
            template_name="competences/_suggestions.html",
            context={"query": query, "suggestions": suggestions},
        )
