"""Staff pages and API to browse and search competence frameworks."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from competences import services
from competences.models import Framework
from competences.schemas import (
    CompetenceOut,
    CriterionOut,
    FrameworkListItem,
    FrameworkOut,
    UnitOut,
)


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


class FrameworkApi(Controller):
    path = "/api/frameworks"
    tags = ["frameworks"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_frameworks(
        self, db_session: NamedDependency[AsyncSession]
    ) -> list[FrameworkListItem]:
        """Every framework with its counts."""
        return [
            FrameworkListItem(
                code=s.framework.code,
                kind=s.framework.kind,
                labels=s.framework.labels,
                units=s.units,
                competences=s.competences,
                attribution=s.framework.attribution,
            )
            for s in await services.list_frameworks(db_session)
        ]

    @get("/{code:str}")
    async def get_framework(
        self, db_session: NamedDependency[AsyncSession], code: FromPath[str]
    ) -> FrameworkOut:
        """One framework with units, competences and assessment criteria."""
        framework = await services.get_framework(db_session, code=code)
        if framework is None:
            raise NotFoundException(detail=f"No framework with the code {code!r}.")
        return _framework_out(framework)


def _framework_out(framework: Framework) -> FrameworkOut:
    return FrameworkOut(
        code=framework.code,
        kind=framework.kind,
        labels=framework.labels,
        field=framework.field_labels,
        source=framework.source,
        attribution=framework.attribution,
        units=[
            UnitOut(
                code=unit.code,
                labels=unit.labels,
                competences=[
                    CompetenceOut(
                        code=c.code,
                        labels=c.labels,
                        alt_labels=c.alt_labels,
                        criteria=[CriterionOut(grade=k.grade, labels=k.labels) for k in c.criteria],
                    )
                    for c in unit.competences
                ],
            )
            for unit in framework.units
        ],
    )


class CompetenceSuggestions(Controller):
    """Placeholder: the type-ahead is being written (issue 3)."""
