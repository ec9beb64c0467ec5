"""Proposals to employers, placements and monitoring visits: pages and JSON API (issue 6)."""

from __future__ import annotations

from litestar import Controller


class ProposalPages(Controller):
    path = "/"


class PlacementPages(Controller):
    path = "/placements"


class PlacementApi(Controller):
    path = "/api/placements"
