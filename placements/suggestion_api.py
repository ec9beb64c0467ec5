"""JSON API for suggestions and decisions: ``/api/positions/{id}/suggestions`` (issue 6)."""

from __future__ import annotations

from litestar import Controller


class SuggestionApi(Controller):
    path = "/api/positions"
