"""The demo certificate: the completed demo placement's signed decision, issued in Finnish.

Issued through :func:`certificates.issuing.issue` by the demo counsellor, like any other, so
the candidate becomes "certified" and the certificate shows on /certificates, the candidate's
page and /verify/{code}. Idempotent: issuing again from the same decision changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from assessments.decisions import live_decision
from certificates import issuing
from kit.roles import viewer_for
from kit.settings import Settings
from placements.models import Placement, PlacementStatus

LANGUAGE = "fi"


async def seed_demo_certificates(session: AsyncSession, settings: Settings) -> int:
    """Issue the demo certificate if it is missing; return how many were issued (0 or 1)."""
    placement = await session.scalar(
        select(Placement)
        .join(User, User.id == Placement.tutor_id)
        .where(
            User.email == "tutor@demo.test",
            Placement.status == PlacementStatus.COMPLETED.value,
        )
        .order_by(Placement.id)
    )
    if placement is None or await live_decision(session, placement.id) is None:
        return 0
    if await issuing.live_for_placement(session, placement.id) is not None:
        return 0
    counsellor = await session.scalar(select(User).where(User.email == "counsellor@demo.test"))
    if counsellor is None:
        return 0
    issued = await issuing.issue(
        session,
        viewer_for(counsellor),
        placement_id=placement.id,
        language=LANGUAGE,
        issuer=issuing.issuer_of(settings),
    )
    return int(issued.new)
