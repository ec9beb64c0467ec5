"""A certificate's standing (valid, revoked, superseded) and its export for schools.

The export is the documented JSON shape (docs/certificates.md, "For schools") that an
education provider reads to record previously acquired competence and shorten studies: the
recognised units with their outcomes and grades, who assessed and when, and how to check the
certificate. ``GET /api/certificates/{code}`` answers with it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from certificates.content import Content
from certificates.models import Certificate, RevocationReason, Status
from kit.clock import PROGRAMME_TIMEZONE

EXPORT_FORMAT = "isok-recognition/1"


@dataclass(frozen=True)
class Standing:
    """Where a certificate stands, as anyone may be told."""

    status: Status
    revoked_on: str | None = None  # ISO date, programme time
    reason: RevocationReason | None = None
    newer_code: str | None = None  # the certificate that supersedes this one

    @property
    def revoked_day(self) -> datetime.date | None:
        """The day of the revocation, for a page to write in its language."""
        return None if self.revoked_on is None else datetime.date.fromisoformat(self.revoked_on)


async def standing(session: AsyncSession, certificate: Certificate) -> Standing:
    """The status with what a reader is told about it (``Certificate.status``)."""
    status = certificate.status
    if status == Status.REVOKED:
        assert certificate.revoked_at is not None
        return Standing(
            status,
            revoked_on=certificate.revoked_at.astimezone(PROGRAMME_TIMEZONE).date().isoformat(),
            reason=RevocationReason(certificate.revocation_reason),
        )
    if status == Status.SUPERSEDED:
        newer = await session.scalar(
            select(Certificate.code).where(Certificate.id == certificate.superseded_by_id)
        )
        return Standing(Status.SUPERSEDED, newer_code=newer)
    return Standing(Status.VALID)


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{code}"


def recognition(content: Content, standing: Standing, *, public_url: str) -> dict[str, Any]:
    """The export for schools (see the module and docs/certificates.md)."""
    root = public_url.rstrip("/")
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for outcome in content.outcomes:
        by_unit.setdefault(outcome.unit_code, []).append(
            {
                "code": outcome.code,
                "name": outcome.name,
                "grade": outcome.grade,
                "grade_words": outcome.grade_words,
                "criteria": outcome.criteria,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "certificate": {
            "code": content.code,
            "verify_url": verify_url(root, content.code),
            "credential_url": f"{root}/api/certificates/{content.code}/credential",
            "issued_on": content.issued_on.isoformat(),
            "language": content.language,
            "status": standing.status.value,
            "revoked_on": standing.revoked_on,
            "revocation_reason": None if standing.reason is None else standing.reason.value,
            "superseded_by": standing.newer_code,
        },
        "learner": {"name": content.recipient.name},
        "issuer": {
            "name": content.issuer.name,
            "address": content.issuer.address,
            "url": content.issuer.url,
        },
        "qualifications": [
            {
                "code": qualification.code,
                "name": qualification.name,
                "units": [
                    {"code": unit.code, "name": unit.name, "outcomes": by_unit.get(unit.code, [])}
                    for unit in qualification.units
                ],
            }
            for qualification in content.qualifications
        ],
        "demonstrated": {
            "organisation": content.organisation,
            "position": content.position,
            "from": None if content.start_date is None else content.start_date.isoformat(),
            "to": None if content.end_date is None else content.end_date.isoformat(),
        },
        "assessors": [{"role": person.role, "name": person.name} for person in content.assessors],
        "signed": {"by": content.signed_by, "on": content.signed_on.isoformat()},
    }
