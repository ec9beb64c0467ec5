"""The competence frameworks JSON API and the competence type-ahead."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from competences import services
from competences.models import Framework, label_in
from competences.schemas import (
    CompetenceOut,
    CompetenceSuggestionOut,
    CriterionOut,
    FrameworkListItem,
    FrameworkOut,
    UnitOut,
)
from kit.i18n import current_locale


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


class CompetenceApi(Controller):
    """Type-ahead for picking competences, as JSON (the page fragment is
    :class:`competences.pages.CompetenceSuggestionPages`)."""

    path = "/"

    @get("/api/competences", tags=["competences"])
    async def suggest_api(
        self,
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str] = "",
        framework: FromQuery[str] = "",
        limit: FromQuery[int] = 10,
    ) -> list[CompetenceSuggestionOut]:
        """Competences matching ``q``, typos and alternative labels included; best first.

        ``score`` is 100 for an exact code or label, 90-99 when the words are contained,
        below 90 for a fuzzy match. An empty ``q`` gives an empty list.
        """
        if not 1 <= limit <= 50:
            raise ValidationException(detail="limit must be from 1 to 50.")
        locale = current_locale.get()
        found = await services.suggest_competences(
            db_session,
            query=q.strip()[:200],
            limit=limit,
            framework_code=framework.strip() or None,
        )
        return [
            CompetenceSuggestionOut(
                id=s.id,
                code=s.code,
                label=label_in(s.labels, locale),
                framework=s.framework_code,
                matched=s.matched,
                score=s.score,
            )
            for s in found
        ]
