"""Placeholder: being written (issue 4)."""

from litestar import Controller


class PortfolioPages(Controller):
    pass
