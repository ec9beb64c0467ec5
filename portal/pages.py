"""The landing page, each role's home page, the health check and who-am-I."""

from __future__ import annotations

import asyncio
import datetime
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assessments.standing import owed_ratings
from candidates import own_home
from certificates.waiting import to_certify
from competences.models import Framework
from kit import clock
from kit.roles import Role, Viewer
from portal.migrate import CodeRevisions, code_revisions, migration_state
from reporting import dashboard
from reporting.follow_ups import follow_ups_due

# When the accessibility statement was last checked against the portal (update on review).
ACCESSIBILITY_REVIEWED = datetime.date(2026, 11, 30)


class PageController(Controller):
    include_in_schema = False

    @get("/")
    async def landing(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if request.scope.get("user") is not None:
            return Redirect(path="/home", status_code=303)
        return Template(template_name="portal/landing.html")

    @get("/accessibility")
    async def accessibility(self, request: Request[Any, Any, Any]) -> Template:
        """The accessibility statement the Act on the Provision of Digital Services asks for."""
        issuer = request.app.state.settings.certificates
        return Template(
            template_name="portal/accessibility.html",
            context={
                "provider": issuer.issuer_name,
                "address": issuer.issuer_address,
                "reviewed_on": ACCESSIBILITY_REVIEWED,
            },
        )

    @get("/home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        if viewer.role == Role.CANDIDATE:
            return await own_home.home_page(db_session, viewer)
        # Each role's page reads only what it shows: the frameworks are on the coordinator's
        # alone, the dashboard (reporting/dashboard.py) on the coordinator's and the steering
        # committee's.
        context: dict[str, Any] = {
            "targets": request.app.state.settings.programme,
            "owed": await owed_ratings(db_session, viewer),
            "to_certify": await to_certify(db_session, viewer),
            "follow_ups": await follow_ups_due(db_session, viewer, today=clock.today()),
        }
        if viewer.role == Role.COORDINATOR:
            context["framework_count"] = (await db_session.execute(_FRAMEWORKS)).scalar_one()
        if viewer.role in (Role.COORDINATOR, Role.STEERING):
            shown = await dashboard.page(
                db_session,
                params={},
                viewer=viewer,
                programme=request.app.state.settings.programme,
                today=clock.today(),
            )
            context.update(shown.context)
        return Template(template_name=f"portal/home_{viewer.role.value}.html", context=context)


_FRAMEWORKS = select(func.count(Framework.id))


class Health(msgspec.Struct):
    """``status`` is ``ok`` only when the database answers and is at the code's migration
    head; ``migrations`` says how they differ (:func:`portal.migrate.migration_state`)."""

    status: str
    database: str
    migrations: str
    database_revision: str | None
    code_revision: str


@dataclass(frozen=True)
class DatabaseState:
    """What one health check found: whether the database answered, and its revision."""

    reachable: bool
    revision: str | None = None


class Me(msgspec.Struct):
    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None


class SharedCheck:
    """One database round trip for every health check that arrives while one is under way.

    A load balancer or a monitor may ask many times at once; each asker waits for the check in
    flight and gets its answer, so the answer is never older than the request, and a burst of
    checks costs the database one query. (Per app, so per worker.)
    """

    def __init__(self) -> None:
        self._running: asyncio.Future[DatabaseState] | None = None

    async def database_state(self, engine: AsyncEngine) -> DatabaseState:
        if self._running is None:
            self._running = asyncio.ensure_future(_ping(engine))
            self._running.add_done_callback(self._done)
        return await asyncio.shield(self._running)

    def _done(self, _future: asyncio.Future[DatabaseState]) -> None:
        self._running = None


REVISION_QUERY = "SELECT version_num FROM alembic_version"


async def _ping(engine: AsyncEngine) -> DatabaseState:
    """One query when the database is migrated: its revision, which proves it answers."""
    try:
        async with engine.connect() as connection:
            try:
                found = await connection.exec_driver_sql(REVISION_QUERY)
            except SQLAlchemyError:
                # No revision table (never migrated), or the connection failed: ask again.
                await connection.rollback()
                await connection.exec_driver_sql("SELECT 1")
                return DatabaseState(reachable=True)
            revisions = sorted(str(row[0]) for row in found)
    except (SQLAlchemyError, OSError):
        return DatabaseState(reachable=False)
    return DatabaseState(reachable=True, revision=",".join(revisions) or None)


async def _code_revisions() -> CodeRevisions:
    """The code's migrations, read off the event loop the first time (Alembic imports every
    migration script), then from memory."""
    if code_revisions.cache_info().currsize:
        return code_revisions()
    return await anyio.to_thread.run_sync(code_revisions)


class HealthController(Controller):
    @get("/healthz", media_type=MediaType.JSON, tags=["operations"])
    async def healthz(self, request: Request[Any, Any, Any]) -> Response[Health]:
        """Liveness, database reachability and migration state, for load balancers and
        monitoring.

        503 only when the database does not answer. A database at another migration than the
        code's head answers 200 with ``status`` ``degraded``: during an upgrade the workers
        can still serve, and taking all of them out of a load balancer would not help.
        """
        state = request.app.state
        code = await _code_revisions()
        found = await state.health_check.database_state(state.engine)
        if not found.reachable:
            return Response(
                Health(
                    status="error",
                    database="unreachable",
                    migrations="unknown",
                    database_revision=None,
                    code_revision=code.head,
                ),
                status_code=503,
            )
        migrations = migration_state(found.revision, code)
        return Response(
            Health(
                status="ok" if migrations == "ok" else "degraded",
                database="ok",
                migrations=migrations,
                database_revision=found.revision,
                code_revision=code.head,
            )
        )

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
