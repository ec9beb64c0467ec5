"""Placeholder: being written (issue 4)."""

from litestar import Controller


class CandidatePages(Controller):
    pass


class CandidateApi(Controller):
    pass
