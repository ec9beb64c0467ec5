"""The demo certificate: the completed demo placement's signed decision, issued in Finnish;
and the certified candidate's own account, ``candidate@demo.test`` (CONTRACTS.md).

Issued through :func:`certificates.issuing.issue` by the demo counsellor, like any other, so
the candidate becomes "certified" and the certificate shows on /certificates, the candidate's
page and /verify/{code}. Idempotent: issuing again from the same decision changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.services import create_user
from assessments.decisions import live_decision
from candidates.models import Candidate, GuidanceNote
from certificates import issuing
from certificates.models import Certificate
from kit import clock
from kit.roles import Role, viewer_for
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
        tell_candidate=False,
    )
    return int(issued.new)


CANDIDATE_EMAIL = "candidate@demo.test"
# The note the demo counsellor shared with the certified candidate (the others stay internal).
SHARED_NOTE = (
    "Todistuksesi on valmis, onneksi olkoon! Seuraavaksi haemme yhdessä töitä. Sovitaan "
    "seuraava tapaaminen puhelimessa."
)


async def seed_demo_candidate_account(session: AsyncSession, password: str) -> int:
    """Give the certified demo candidate their own account, with a note shared with them;
    return how many accounts were made (0 or 1)."""
    if await session.scalar(select(User.id).where(User.email == CANDIDATE_EMAIL)) is not None:
        return 0
    candidate = await session.scalar(
        select(Candidate)
        .join(Certificate, Certificate.candidate_id == Candidate.id)
        .where(Candidate.user_id.is_(None))
        .order_by(Certificate.id)
    )
    if candidate is None:
        return 0
    user = await create_user(
        session, email=CANDIDATE_EMAIL, name=candidate.name, role=Role.CANDIDATE, password=password
    )
    candidate.user_id = user.id
    session.add(
        GuidanceNote(
            candidate_id=candidate.id,
            author_id=candidate.counsellor_id,
            noted_on=clock.today(),
            text=SHARED_NOTE,
            shared=True,
        )
    )
    await session.flush()
    return 1
