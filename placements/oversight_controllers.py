"""The oversight record of decisions on suggestions, and the coordinator's assignment proposal."""

from __future__ import annotations

from litestar import Controller


class OversightPages(Controller):
    path = "/oversight"


class AssignmentPages(Controller):
    path = "/assignments"
