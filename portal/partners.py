"""The coordinator's view of partners: counts against targets, applications, positions.

It lives in the composition root because it brings two domains together: organisations
(employers) and their positions (placements).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from employers import services
from employers.models import PartnershipStatus
from employers.readiness_questionnaire import level_names
from kit.roles import Viewer
from placements.positions.queries import count_positions_by_organisation


class PartnerPages(Controller):
    path = "/partners"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        """Partner counts against the targets, applications waiting, and every partner."""
        programme = request.app.state.settings.programme
        counts = await services.partner_counts(
            db_session,
            target_major_companies=programme.target_major_companies,
            target_other_organisations=programme.target_other_organisations,
        )
        applications = await services.list_organisations(
            db_session, status=PartnershipStatus.APPLIED.value
        )
        partners = await services.list_organisations(
            db_session, status=PartnershipStatus.PARTNER.value
        )
        return Template(
            template_name="portal/partners.html",
            context={
                "counts": counts,
                "applications": applications,
                "duplicates": await services.duplicates_by_organisation(db_session, applications),
                "partners": partners,
                "position_counts": await count_positions_by_organisation(db_session),
                "can_decide": viewer.is_coordinator,
                "level_names": level_names(),
                **services.label_maps(),
            },
        )
