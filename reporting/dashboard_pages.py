"""``GET /dashboard``: the programme's dashboard for a period and filters (coordinator and
steering committee; see :mod:`reporting.dashboard`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.roles import Viewer
from reporting import dashboard


class DashboardPages(Controller):
    include_in_schema = False

    @get("/dashboard")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        """The indicators against their targets, the funnel and the trends; the query string
        holds the filters (``from``, ``to``, ``counsellor``, ``region``, ``field``)."""
        shown = await dashboard.page(
            db_session,
            params=request.query_params,
            viewer=viewer,
            programme=request.app.state.settings.programme,
            today=clock.today(),
        )
        return Template(
            template_name="reporting/dashboard.html",
            context=shown.context,
            status_code=shown.status,
        )
