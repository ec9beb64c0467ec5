"""Placeholder: being written (issue 4)."""

from litestar import Controller


class InterviewPages(Controller):
    pass
