"""Signed assessments still waiting for their certificate, on the issuer's home page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from assessments.models import AssessmentDecision
from candidates.models import Candidate
from certificates.models import Certificate
from employers.models import Organisation
from kit.roles import Role, Viewer
from placements.models import Placement, Position


@dataclass(frozen=True)
class Waiting:
    placement_id: int
    candidate_name: str
    position_title: str
    organisation_name: str
    signed_at: datetime.datetime


async def to_certify(session: AsyncSession, viewer: Viewer) -> list[Waiting]:
    """Placements whose decision in force has no certificate yet, that ``viewer`` may issue,
    oldest signature first (one query).

    A decision with any certificate (live, superseded or revoked) is not listed: a revoked
    certificate was revoked on purpose, and issuing again is a choice made on its page.
    """
    if viewer.role not in _WAITING:
        return []
    rows = await session.execute(_WAITING[viewer.role], {"user_id": viewer.user_id})
    return [
        Waiting(int(pid), str(name), str(title), str(organisation), signed_at)
        for pid, name, title, organisation, signed_at in rows.all()
    ]


def _waiting_statement() -> Select[Any]:
    certified = exists().where(Certificate.decision_id == AssessmentDecision.id)
    return (
        select(
            Placement.id,
            Candidate.name,
            Position.title,
            Organisation.name,
            AssessmentDecision.signed_at,
        )
        .join(AssessmentDecision, AssessmentDecision.placement_id == Placement.id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .where(AssessmentDecision.superseded_at.is_(None), ~certified)
        .order_by(AssessmentDecision.signed_at, Placement.id)
    )


# Built once (their cache keys too), not on every home page. The coordinator may issue every
# certificate; a counsellor those of the placements they proposed and of their own candidates.
_WAITING = {
    Role.COORDINATOR: _waiting_statement(),
    Role.COUNSELLOR: _waiting_statement().where(
        or_(
            Placement.counsellor_id == bindparam("user_id"),
            Candidate.counsellor_id == bindparam("user_id"),
        )
    ),
}
