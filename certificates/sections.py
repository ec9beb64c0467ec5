"""The certificates of a placement and of a candidate, as sections of their pages.

The placement page and the consensus decision page show the placement's certificate with a
form to issue it (or to issue it again in the other language); the candidate's page lists the
candidate's certificates with their links (see :mod:`kit.sections`). Staff only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from assessments.models import AssessmentDecision
from candidates.models import Candidate
from certificates import issuing
from certificates.content import LANGUAGES
from certificates.export import Standing, standing
from certificates.models import Certificate
from kit.i18n import N_, gettext
from kit.roles import Viewer
from kit.sections import Section
from placements.models import Placement

LANGUAGE_NAMES = {"en": N_("English"), "fi": N_("Finnish")}


@dataclass(frozen=True)
class Line:
    certificate: Certificate
    standing: Standing


_LIVE_DECISION = (
    select(AssessmentDecision.id, Candidate)
    .join(Placement, Placement.id == AssessmentDecision.placement_id)
    .join(Candidate, Candidate.id == Placement.candidate_id)
    .where(
        AssessmentDecision.placement_id == bindparam("placement_id"),
        AssessmentDecision.superseded_at.is_(None),
    )
)


def language_options() -> list[tuple[str, str]]:
    return [(code, gettext(LANGUAGE_NAMES[code])) for code in LANGUAGES]


async def _lines(session: AsyncSession, certificates: list[Certificate]) -> list[Line]:
    return [Line(certificate, await standing(session, certificate)) for certificate in certificates]


async def placement_certificate(
    session: AsyncSession, viewer: Viewer, *, placement_id: int
) -> Section | None:
    """The placement's certificates, and the issue form for those who may issue."""
    if not viewer.is_staff:
        return None
    placement = await session.get(Placement, placement_id)
    if placement is None:
        return None
    certificates = list(await issuing.certificates_of(session, placement_id=placement_id))
    # The decision in force (its id is all this section shows of it) and, only where there is
    # one to issue from, the candidate, who decides who may issue: one query.
    found = (await session.execute(_LIVE_DECISION, {"placement_id": placement_id})).first()
    decision_id = int(found[0]) if found is not None else None
    if decision_id is None and not certificates:
        return None
    issuable = found is not None and issuing.may_issue(viewer, placement, found[1])
    live = next((c for c in certificates if c.is_live), None)
    return Section(
        "certificates/_section.html",
        {
            "lines": await _lines(session, certificates),
            "placement_id": placement_id,
            "issuable": issuable,
            "reissue": live is not None
            and decision_id is not None
            and live.decision_id == decision_id,
            "outdated": live is not None
            and decision_id is not None
            and live.decision_id != decision_id,
            "language_options": language_options(),
            "default_language": "en" if live is not None and live.language == "fi" else "fi",
        },
    )


async def candidate_certificates(
    session: AsyncSession, viewer: Viewer, *, candidate_id: int
) -> Section | None:
    """Every certificate of the candidate, with its links."""
    if not viewer.is_staff:
        return None
    certificates = list(await issuing.certificates_of(session, candidate_id=candidate_id))
    if not certificates:
        return None
    return Section(
        "certificates/_section.html",
        {
            "lines": await _lines(session, certificates),
            "placement_id": None,
            "issuable": False,
        },
    )


async def own_certificates(session: AsyncSession, viewer: Viewer, *, candidate_id: int) -> Section:
    """The candidate's own home: their certificates, to download and to show to others."""
    certificates = list(await issuing.certificates_of(session, candidate_id=candidate_id))
    return Section("certificates/_own.html", {"lines": await _lines(session, certificates)})
