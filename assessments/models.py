"""The triad assessment of a placement: the plan, the three assessors' ratings, tutor links and
the teacher's consensus decision (docs/assessments.md has the rules and why).

The database backs the rules the services check, so that no race can break them: one draft
and one sheet per version for each assessor of a placement, one rating per outcome on a sheet,
grades 1-5 or "not demonstrated", one live decision per placement, and one live tutor link.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


class AssessorRole(enum.StrEnum):
    """The three assessors of the triad, in the order the pages show them."""

    TUTOR = "tutor"
    TEACHER = "teacher"
    COUNSELLOR = "counsellor"


ASSESSOR_ROLES = tuple(role.value for role in AssessorRole)
_ROLE_KNOWN = f"assessor_role IN ({', '.join(repr(role) for role in ASSESSOR_ROLES)})"
_GRADE_RANGE = "grade IS NULL OR grade BETWEEN 1 AND 5"
_GRADE_OR_NOT_DEMONSTRATED = "NOT (not_demonstrated AND grade IS NOT NULL)"


class PlanOutcome(IdentityAuditBase):
    """A learning outcome to be assessed in a placement.

    Before the first rating is submitted, outcomes are added and removed freely (a removal
    deletes the row). After it, a change needs a reason: an added outcome carries
    ``added_reason`` and a removed one stays with ``removed_at`` and ``removed_reason``.
    """

    __tablename__ = "assessment_outcome"
    __audited__ = True
    __table_args__ = (UniqueConstraint("placement_id", "competence_id"),)

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_reason: Mapped[str] = mapped_column(Text, default="")
    removed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )

    @property
    def in_plan(self) -> bool:
        return self.removed_at is None


class RatingSheet(IdentityAuditBase):
    """One assessor's ratings of a placement's outcomes: a draft until submitted.

    A correction after submitting is a new sheet with the next version and a reason; the
    submitted ones stay as they were.
    """

    __tablename__ = "rating_sheet"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("placement_id", "assessor_role", "version"),
        CheckConstraint(_ROLE_KNOWN, name="role_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("version = 1 OR correction_reason <> ''", name="correction_has_reason"),
        Index(
            "uq_rating_sheet_draft",
            "placement_id",
            "assessor_role",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    assessor_role: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Who filled it in: a signed-in user, or the tutor through a link (their name is kept).
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    assessor_name: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)
    # The receipt's reference, given at submission.
    reference: Mapped[str | None] = mapped_column(String(20), default=None, unique=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")

    ratings: Mapped[list[Rating]] = relationship(
        back_populates="sheet",
        cascade="all, delete-orphan",
        order_by="Rating.id",
        lazy="raise",
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Rating(IdentityAuditBase):
    """One outcome's grade on a sheet: 1-5, "not demonstrated", or not given yet (a draft)."""

    __tablename__ = "rating"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("sheet_id", "competence_id"),
        CheckConstraint(_GRADE_RANGE, name="grade_range"),
        CheckConstraint(_GRADE_OR_NOT_DEMONSTRATED, name="grade_or_not_demonstrated"),
    )

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("rating_sheet.id", ondelete="CASCADE"), index=True
    )
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="RESTRICT"))
    grade: Mapped[int | None] = mapped_column(Integer, default=None)
    not_demonstrated: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    work_tasks: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[RatingSheet] = relationship(back_populates="ratings")

    @property
    def is_given(self) -> bool:
        return self.grade is not None or self.not_demonstrated


class TutorLink(IdentityAuditBase):
    """A link that opens one placement's rating form for its tutor, and nothing else.

    Only the SHA-256 of the random token is stored. Issuing a new link revokes the old one, so a
    placement has at most one live link (a partial unique index backs it).
    """

    __tablename__ = "tutor_link"
    __audited__ = True
    __audit_exclude__ = ("token_hash",)
    __table_args__ = (
        Index(
            "uq_tutor_link_live",
            "placement_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)


class AssessmentDecision(IdentityAuditBase):
    """The consensus the professional teacher records and signs; certificates come from it.

    A signed decision is never changed: a correction is a new decision (next version, with a
    reason) and the old one gets ``superseded_at``. One live decision per placement.
    """

    __tablename__ = "assessment_decision"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("placement_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("version = 1 OR correction_reason <> ''", name="correction_has_reason"),
        Index(
            "uq_assessment_decision_live",
            "placement_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="RESTRICT"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    signed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    signed_by_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC)
    # Who took part in the consensus: [{"role": ..., "name": ...}, ...].
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    # Why the decision was taken before every assessor had submitted (names who is missing).
    missing_reason: Mapped[str] = mapped_column(Text, default="")
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    superseded_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)

    outcomes: Mapped[list[DecisionOutcome]] = relationship(
        back_populates="decision",
        cascade="all, delete-orphan",
        order_by="DecisionOutcome.id",
        lazy="raise",
    )


class DecisionOutcome(IdentityAuditBase):
    """The final grade of one outcome in a decision, with the rationale where ratings diverged."""

    __tablename__ = "decision_outcome"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("decision_id", "competence_id"),
        CheckConstraint("grade IS NULL OR grade BETWEEN 1 AND 5", name="grade_range"),
        CheckConstraint("(grade IS NULL) = not_demonstrated", name="grade_or_not_demonstrated"),
    )

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_decision.id", ondelete="CASCADE"), index=True
    )
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id", ondelete="RESTRICT"))
    grade: Mapped[int | None] = mapped_column(Integer, default=None)
    not_demonstrated: Mapped[bool] = mapped_column(Boolean, default=False)
    rationale: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[AssessmentDecision] = relationship(back_populates="outcomes")
