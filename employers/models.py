"""Organisations (employers and other partners) and their multicultural-readiness profiles."""

from __future__ import annotations

import datetime
import enum
from typing import Any

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship


class OrganisationKind(enum.StrEnum):
    MAJOR_COMPANY = "major_company"
    SME = "sme"
    PUBLIC_SECTOR = "public_sector"
    THIRD_SECTOR = "third_sector"
    EDUCATION = "education"


class PartnershipStatus(enum.StrEnum):
    """applied → partner (approved) or rejected; a partner may later become inactive."""

    APPLIED = "applied"
    PARTNER = "partner"
    REJECTED = "rejected"
    INACTIVE = "inactive"


class OrganisationSize(enum.StrEnum):
    """Staff head-count bands (the EU's SME definition)."""

    MICRO = "1-9"
    SMALL = "10-49"
    MEDIUM = "50-249"
    LARGE = "250+"


class Organisation(IdentityAuditBase):
    """An employer or other partner organisation."""

    __tablename__ = "organisation"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "status IN ('applied', 'partner', 'rejected', 'inactive')", name="status_known"
        ),
        CheckConstraint(
            "kind IN ('major_company', 'sme', 'public_sector', 'third_sector', 'education')",
            name="kind_known",
        ),
        CheckConstraint(
            "agreement_end IS NULL OR agreement_start IS NULL OR agreement_end >= agreement_start",
            name="agreement_dates_ordered",
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    business_id: Mapped[str | None] = mapped_column(String(9), unique=True, default=None)
    kind: Mapped[str] = mapped_column(String(20), default=OrganisationKind.SME.value)
    sector: Mapped[str] = mapped_column(String(100), default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[str] = mapped_column(String(10), default="")
    status: Mapped[str] = mapped_column(String(20), default=PartnershipStatus.APPLIED.value)
    # Set when a coordinator decides on the application.
    decided_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # Who decided, as they were named then (a record, like a signature; the audit trail
    # keeps the user id).
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    agreement_start: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    agreement_end: Mapped[datetime.date | None] = mapped_column(Date, default=None)

    readiness: Mapped[ReadinessProfile | None] = relationship(
        back_populates="organisation", uselist=False, lazy="raise"
    )

    @property
    def is_partner(self) -> bool:
        return self.status == PartnershipStatus.PARTNER.value


class ReadinessProfile(IdentityAuditBase):
    """An organisation's answers to the multicultural-readiness questionnaire.

    The questions live in data (``employers/data/readiness.json``); the answers are stored
    by question id with the questionnaire version they answered, and the computed level is
    kept beside them so that lists can filter by it.
    """

    __tablename__ = "readiness_profile"
    __audited__ = True
    __table_args__ = (CheckConstraint("level BETWEEN 0 AND 3", name="level_range"),)

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), unique=True
    )
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    score: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation] = relationship(back_populates="readiness")
