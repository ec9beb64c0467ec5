"""Certificates: issued from a signed assessment decision, never edited.

The content (certificates/content.py) is fixed at issue and kept as JSON. A certificate is
*live* until it is revoked (by the coordinator, with a reason) or superseded (a correction is
a new certificate; the old one points to it). The database holds one live certificate per
decision and per placement, so two people issuing at once make one certificate.

The certificate's position in the revocation status list is its id (certificates/status.py).
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from kit.i18n import N_


class Status(enum.StrEnum):
    """Where a certificate stands: valid (live), revoked, or superseded by a newer one."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class RevocationReason(enum.StrEnum):
    """Why a certificate was revoked: the category is public, the note is not."""

    ISSUED_IN_ERROR = "issued_in_error"
    ASSESSMENT_WITHDRAWN = "assessment_withdrawn"
    MISCONDUCT = "misconduct"
    CANDIDATE_REQUEST = "candidate_request"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    RevocationReason.ISSUED_IN_ERROR: N_("Issued in error"),
    RevocationReason.ASSESSMENT_WITHDRAWN: N_("The assessment was withdrawn"),
    RevocationReason.MISCONDUCT: N_("Obtained dishonestly"),
    RevocationReason.CANDIDATE_REQUEST: N_("At the holder's request"),
    RevocationReason.OTHER: N_("Other reason"),
}
_REASON_KNOWN = "revocation_reason IN ({})".format(
    ", ".join(repr(reason.value) for reason in RevocationReason)
)
_LIVE = "revoked_at IS NULL AND superseded_at IS NULL"


class Certificate(IdentityAuditBase):
    __tablename__ = "certificate"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("language IN ('en', 'fi')", name="language_known"),
        CheckConstraint(f"revocation_reason = '' OR {_REASON_KNOWN}", name="reason_known"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revocation_reason = '')", name="revocation_has_reason"
        ),
        Index(
            "uq_certificate_live_decision",
            "decision_id",
            unique=True,
            sqlite_where=text(_LIVE),
            postgresql_where=text(_LIVE),
        ),
        Index(
            "uq_certificate_live_placement",
            "placement_id",
            unique=True,
            sqlite_where=text(_LIVE),
            postgresql_where=text(_LIVE),
        ),
    )

    code: Mapped[str] = mapped_column(String(24), unique=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_decision.id", ondelete="RESTRICT"), index=True
    )
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="RESTRICT"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="RESTRICT"), index=True
    )
    language: Mapped[str] = mapped_column(String(2))
    content: Mapped[dict[str, Any]] = mapped_column(JsonB)
    issued_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    issued_by_name: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)
    revocation_reason: Mapped[str] = mapped_column(String(30), default="")
    revocation_note: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    superseded_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="RESTRICT"), default=None
    )

    @property
    def status(self) -> Status:
        """Revoked wins over superseded: a revoked certificate is not to be trusted at all."""
        if self.revoked_at is not None:
            return Status.REVOKED
        if self.superseded_at is not None:
            return Status.SUPERSEDED
        return Status.VALID

    @property
    def is_live(self) -> bool:
        return self.status == Status.VALID

    @classmethod
    def in_status(cls, status: Status) -> ColumnElement[bool]:
        """The SQL condition for :attr:`status` (``Status.VALID``: the live ones)."""
        if status == Status.REVOKED:
            return cls.revoked_at.is_not(None)
        if status == Status.SUPERSEDED:
            return cls.revoked_at.is_(None) & cls.superseded_at.is_not(None)
        return cls.revoked_at.is_(None) & cls.superseded_at.is_(None)
