"""Who is acting: the six roles of the portal and one :class:`Viewer` every domain asks about.

Role names are stored on the user as text; this is the one place that spells them. Each domain
decides what a viewer may see with its own rules (``candidates.access``, ``placements``), but they
all receive the same :class:`Viewer`, provided to handlers as the ``viewer`` dependency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException

from kit.i18n import N_


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    COUNSELLOR = "counsellor"
    TEACHER = "teacher"
    EMPLOYER = "employer"
    TUTOR = "tutor"
    # Reads the programme's dashboard and reports (aggregates only): neither staff nor an
    # organisation's person, so no route that shows a candidate, a position or a placement.
    STEERING = "steering"
    # A candidate with their own account: sees their own record (the parts that are not
    # internal), gives and withdraws their consents, and nothing of anybody else.
    CANDIDATE = "candidate"

    @property
    def belongs_to_organisation(self) -> bool:
        """Employer contacts and workplace tutors act for one organisation."""
        return self in ORGANISATION_ROLES

    @property
    def label(self) -> str:
        """The role's name for people (untranslated; pass it to ``gettext``)."""
        return ROLE_LABELS[self]


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.COUNSELLOR, Role.TEACHER})
ORGANISATION_ROLES = frozenset({Role.EMPLOYER, Role.TUTOR})
# Counsellors and the coordinator keep candidate records and see every organisation.
RECORD_KEEPERS = frozenset({Role.COORDINATOR, Role.COUNSELLOR})
# Everyone who works on candidates' pathways (staff and organisations' people); the steering
# committee is not among them and sees nothing personal.
PATHWAY_ROLES = STAFF_ROLES | ORGANISATION_ROLES
# The programme's own accounts, which the coordinator administers on one page (employer
# contacts and tutors are their organisation's, on its people page).
PROGRAMME_ROLES = STAFF_ROLES | {Role.STEERING}
ROLE_LABELS = {
    Role.COORDINATOR: N_("Coordinator"),
    Role.COUNSELLOR: N_("Counsellor"),
    Role.TEACHER: N_("Professional teacher"),
    Role.EMPLOYER: N_("Employer contact"),
    Role.TUTOR: N_("Workplace tutor"),
    Role.STEERING: N_("Steering committee member"),
    Role.CANDIDATE: N_("Candidate"),
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the domains see them: who, in which role, for which organisation."""

    user_id: int
    role: Role
    organisation_id: int | None = None
    name: str = ""
    email: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def keeps_records(self) -> bool:
        """Counsellors and the coordinator create and change candidate records."""
        return self.role in RECORD_KEEPERS

    @property
    def signature(self) -> str:
        """Name and e-mail, as a decision is signed on the record."""
        return f"{self.name} <{self.email}>"

    def acts_for(self, organisation_id: int | None) -> bool:
        """An employer contact or tutor of this organisation."""
        return (
            self.role in ORGANISATION_ROLES
            and organisation_id is not None
            and self.organisation_id == organisation_id
        )


def viewer_for(user: Any) -> Viewer:
    """The :class:`Viewer` of a signed-in user object (``request.user``)."""
    return Viewer(
        user_id=int(user.id),
        role=Role(str(user.role)),
        organisation_id=user.organisation_id,
        name=str(user.name),
        email=str(user.email),
    )


def viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    """The signed-in person of a request; 401 if nobody is signed in."""
    user = request.scope.get("user")
    if user is None:
        raise NotAuthorizedException()
    return viewer_for(user)


async def provide_viewer(request: Request[Any, Any, Any]) -> Viewer:
    """The ``viewer`` dependency of every handler that acts for a signed-in person."""
    return viewer_of(request)
