"""The landing page, each role's home page, the health check and who-am-I."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from assessments.standing import owed_ratings
from certificates.waiting import to_certify
from competences.models import Framework
from employers.models import Organisation, PartnershipStatus
from kit.roles import Viewer


class PageController(Controller):
    include_in_schema = False

    @get("/")
    async def landing(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if request.scope.get("user") is not None:
            return Redirect(path="/home", status_code=303)
        return Template(template_name="portal/landing.html")

    @get("/home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        frameworks = (await db_session.execute(select(func.count(Framework.id)))).scalar_one()
        partners = (
            await db_session.execute(
                select(Organisation.kind, func.count())
                .where(Organisation.status == PartnershipStatus.PARTNER.value)
                .group_by(Organisation.kind)
            )
        ).all()
        return Template(
            template_name=f"portal/home_{viewer.role.value}.html",
            context={
                "framework_count": frameworks,
                "partner_counts": {kind: number for kind, number in partners},
                "targets": request.app.state.settings.programme,
                "owed": await owed_ratings(db_session, viewer),
                "to_certify": await to_certify(db_session, viewer),
            },
        )


class Health(msgspec.Struct):
    status: str
    database: str


class Me(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None


class HealthController(Controller):
    @get("/healthz", media_type=MediaType.JSON, tags=["operations"])
    async def healthz(self, request: Request[Any, Any, Any]) -> Response[Health]:
        """Liveness and database reachability, for load balancers and monitoring."""
        try:
            async with request.app.state.session_factory() as session:
                await session.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return Response(Health(status="error", database="unreachable"), status_code=503)
        return Response(Health(status="ok", database="ok"))

    @get("/api/me", tags=["accounts"])
    async def me(self, viewer: NamedDependency[Viewer]) -> Me:
        """The signed-in user."""
        return Me(
            id=viewer.user_id,
            email=viewer.email,
            name=viewer.name,
            role=viewer.role.value,
            organisation_id=viewer.organisation_id,
        )
