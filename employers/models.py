"""Organisations: employers and other partner organisations.

The table starts minimal (the foundation needs it for employer and tutor users); the employers
issue grows it with registration details, readiness profiles and partnership agreements.
"""

from __future__ import annotations

import enum

from advanced_alchemy.base import IdentityAuditBase
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class OrganisationKind(enum.StrEnum):
    MAJOR_COMPANY = "major_company"
    SME = "sme"
    PUBLIC_SECTOR = "public_sector"
    THIRD_SECTOR = "third_sector"
    EDUCATION = "education"


class PartnershipStatus(enum.StrEnum):
    APPLIED = "applied"
    PARTNER = "partner"
    REJECTED = "rejected"
    INACTIVE = "inactive"


class Organisation(IdentityAuditBase):
    """An employer or other partner organisation."""

    __tablename__ = "organisation"
    __audited__ = True

    name: Mapped[str] = mapped_column(String(200))
    business_id: Mapped[str | None] = mapped_column(String(9), unique=True, default=None)
    kind: Mapped[str] = mapped_column(String(20), default=OrganisationKind.SME.value)
    sector: Mapped[str] = mapped_column(String(100), default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default=PartnershipStatus.APPLIED.value)
