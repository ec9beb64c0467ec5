"""Placeholder: being written (issue 3)."""

from litestar import Controller


class PeoplePages(Controller):
    pass


class InvitationPages(Controller):
    pass
