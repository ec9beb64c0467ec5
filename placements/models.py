"""On-the-job training positions (and, later, match review, placements and assessments)."""

from __future__ import annotations

import datetime
import enum

from advanced_alchemy.base import IdentityAuditBase
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competences.models import Competence, Framework

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class PositionStatus(enum.StrEnum):
    """draft → open → filled or closed; a closed or filled position can be reopened."""

    DRAFT = "draft"
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


class Position(IdentityAuditBase):
    """An on-the-job training position offered by an organisation."""

    __tablename__ = "position"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'filled', 'closed')", name="status_known"),
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint(
            "hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 60)",
            name="hours_range",
        ),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="dates_ordered",
        ),
    )

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    framework_id: Mapped[int | None] = mapped_column(
        ForeignKey("framework.id", ondelete="SET NULL"), default=None, index=True
    )
    tasks: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    end_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    hours_per_week: Mapped[float | None] = mapped_column(
        Numeric(4, 1, asdecimal=False), default=None
    )
    places: Mapped[int] = mapped_column(Integer, default=1)
    # A workplace tutor of the same organisation (a user with the tutor role).
    tutor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=PositionStatus.DRAFT.value, index=True)

    framework: Mapped[Framework | None] = relationship(lazy="raise")
    competences: Mapped[list[PositionCompetence]] = relationship(
        back_populates="position",
        cascade="all, delete-orphan",
        order_by="(PositionCompetence.required.desc(), PositionCompetence.id)",
        lazy="raise",
    )
    languages: Mapped[list[PositionLanguage]] = relationship(
        back_populates="position",
        cascade="all, delete-orphan",
        order_by="PositionLanguage.language",
        lazy="raise",
    )


class PositionCompetence(IdentityAuditBase):
    """A competence a position requires (or would welcome), with the minimum level 1-5."""

    __tablename__ = "position_competence"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("position_id", "competence_id"),
        CheckConstraint("min_level BETWEEN 1 AND 5", name="level_range"),
    )

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence.id", ondelete="RESTRICT"), index=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    min_level: Mapped[int] = mapped_column(Integer, default=1)

    position: Mapped[Position] = relationship(back_populates="competences")
    competence: Mapped[Competence] = relationship(lazy="raise")


class PositionLanguage(IdentityAuditBase):
    """A language requirement of a position as a CEFR level (A1 … C2)."""

    __tablename__ = "position_language"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("position_id", "language"),
        CheckConstraint("level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')", name="cefr_level"),
    )

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(3))
    level: Mapped[str] = mapped_column(String(2))
    # True when the level is needed for safety at work (instructions, alarms).
    for_safety: Mapped[bool] = mapped_column(Boolean, default=False)

    position: Mapped[Position] = relationship(back_populates="languages")
