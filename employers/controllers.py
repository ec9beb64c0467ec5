"""Placeholder: being written (issue 3)."""

from litestar import Controller


class OrganisationPages(Controller):
    pass


class OrganisationApi(Controller):
    pass


class PartnerPages(Controller):
    pass
