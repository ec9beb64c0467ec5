"""Who may see and change which organisation (object-level rules, one place).

- Counsellors and the coordinator see every organisation; the coordinator changes any.
- An employer contact sees and changes their own organisation; a workplace tutor sees it.
- Anyone else sees none.
- A readiness profile: staff see every organisation's, as far as the policy table lets them
  in at all; an employer contact or tutor their own organisation's.

Who may use each route at all is declared in ``portal/policy.py``. An organisation outside
these rules does not exist for the viewer: pages and API answer 404 (not 403), so that ids
cannot be probed.
"""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from employers import services
from employers.models import Organisation
from kit.roles import Role, Viewer


def may_see(viewer: Viewer, organisation_id: int) -> bool:
    return viewer.keeps_records or viewer.acts_for(organisation_id)


def may_edit(viewer: Viewer, organisation_id: int) -> bool:
    if viewer.is_coordinator:
        return True
    return viewer.role == Role.EMPLOYER and viewer.organisation_id == organisation_id


async def visible_organisation(
    db_session: AsyncSession, viewer: Viewer, organisation_id: int, *, for_update: bool = False
) -> Organisation:
    """The organisation if ``viewer`` may see it; otherwise 404, as if it did not exist."""
    if not may_see(viewer, organisation_id):
        raise NotFoundException()
    organisation = await services.get_organisation(
        db_session, organisation_id=organisation_id, for_update=for_update
    )
    if organisation is None:
        raise NotFoundException()
    return organisation


async def editable_organisation(
    db_session: AsyncSession, viewer: Viewer, organisation_id: int
) -> Organisation:
    """The organisation if ``viewer`` may change it; otherwise 404."""
    organisation = await visible_organisation(db_session, viewer, organisation_id)
    if not may_edit(viewer, organisation_id):
        raise NotFoundException()
    return organisation


async def readiness_organisation(
    db_session: AsyncSession, viewer: Viewer, organisation_id: int
) -> Organisation:
    """The organisation whose readiness profile ``viewer`` asks for; otherwise 404.

    Users who act for an organisation (employer contacts and tutors) have its id; staff have
    none and see every organisation, as far as the policy table lets them in at all.
    """
    own = viewer.organisation_id
    if own is not None and own != organisation_id:
        raise NotFoundException()
    organisation = await db_session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundException()
    return organisation
