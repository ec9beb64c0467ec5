"""Placeholder: being written (issue 3)."""

from litestar import Controller


class RegistrationController(Controller):
    pass
