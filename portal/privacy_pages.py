"""The privacy notice (public, linked from every page) and the record of processing
activities (the coordinator's), both drawn from :mod:`portal.processing`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from portal.processing import ACTIVITIES, record_of_processing


def _controller(request: Request[Any, Any, Any]) -> dict[str, str]:
    issuer = request.app.state.settings.certificates
    return {"name": issuer.issuer_name, "address": issuer.issuer_address}


class PrivacyPages(Controller):
    include_in_schema = False

    @get("/privacy")
    async def notice(self, request: Request[Any, Any, Any]) -> Template:
        """What the portal keeps about whom, why, for how long, and each person's rights."""
        return Template(
            template_name="portal/privacy.html",
            context={
                "controller": _controller(request),
                "activities": ACTIVITIES,
                "years": request.app.state.settings.privacy.retention_years,
            },
        )

    @get("/processing")
    async def record(self, request: Request[Any, Any, Any]) -> Template:
        """The record of processing activities (GDPR art. 30), from the data inventory."""
        return Template(
            template_name="portal/processing.html",
            context={
                "controller": _controller(request),
                "records": record_of_processing(),
                "years": request.app.state.settings.privacy.retention_years,
            },
        )
