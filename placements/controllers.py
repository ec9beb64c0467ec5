"""Placeholder: being written (issue 3)."""

from litestar import Controller


class PositionPages(Controller):
    pass


class PositionApi(Controller):
    pass
