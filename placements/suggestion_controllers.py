"""Placeholder: being written (issue 6)."""

from litestar import Controller


class SuggestionPages(Controller):
    pass
