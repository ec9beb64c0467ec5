"""On-the-job training positions, decisions on match suggestions, placements and visits."""

from __future__ import annotations

import datetime
import enum

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import JsonB
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competences.models import Competence, Framework


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


# --- Match review (issue 6) -----------------------------------------------------------


class DecisionKind(enum.StrEnum):
    """A step in the history of one candidate-position pair.

    A counsellor shortlists, rejects, proposes or withdraws a proposal; the employer accepts or
    declines a proposal. The newest step is the pair's state; older steps are never changed.
    """

    SHORTLISTED = "shortlisted"
    REJECTED = "rejected"
    PROPOSED = "proposed"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    DECLINED = "declined"


COUNSELLOR_DECISIONS = frozenset(
    {
        DecisionKind.SHORTLISTED.value,
        DecisionKind.REJECTED.value,
        DecisionKind.PROPOSED.value,
        DecisionKind.WITHDRAWN.value,
    }
)
EMPLOYER_DECISIONS = frozenset({DecisionKind.ACCEPTED.value, DecisionKind.DECLINED.value})


class SuggestionDecision(IdentityAuditBase):
    """One decision on a suggested candidate for a position, with what was shown at the time.

    ``sequence`` numbers the decisions on a pair from 1. The unique constraint on
    (position, candidate, sequence) is what stops two people deciding on the same state at
    once: both compute the same next number and the second insert fails. ``score``, ``rank``,
    ``eligible`` and ``explanation`` are the engine's advice when the decision was taken (for
    an employer's answer they are empty); ``created_at`` is when, ``decided_by_id`` who.
    """

    __tablename__ = "suggestion_decision"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("position_id", "candidate_id", "sequence", name="uq_decision_sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint(
            "kind IN ('shortlisted', 'rejected', 'proposed', 'withdrawn', 'accepted', 'declined')",
            name="kind_known",
        ),
        Index("ix_suggestion_decision_pair", "position_id", "candidate_id"),
    )

    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # A reason code from a fixed list (see placements.review.decisions) and the person's own words.
    reason: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column(Float, default=None)
    rank: Mapped[int | None] = mapped_column(Integer, default=None)
    eligible: Mapped[bool | None] = mapped_column(Boolean, default=None)
    explanation: Mapped[dict[str, object] | None] = mapped_column(JsonB, default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )


class PlacementStatus(enum.StrEnum):
    """agreed → active → completed or interrupted (agreed can also be interrupted).

    The "proposed" step of a placement is the counsellor's proposal itself, kept in
    :class:`SuggestionDecision`; the employer's acceptance creates the placement as agreed.
    """

    AGREED = "agreed"
    ACTIVE = "active"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"


# A placement in one of these holds the candidate and one of the position's places.
LIVE_PLACEMENT_STATUSES = (PlacementStatus.AGREED.value, PlacementStatus.ACTIVE.value)
_LIVE = text("status IN ('agreed', 'active')")
_HOLDS_PLACE = text("status <> 'interrupted'")


class Placement(IdentityAuditBase):
    """A candidate placed in a position: the people around them, dates and status.

    Two partial unique indexes back the service's checks, so that no race can break them:
    a candidate has at most one live (agreed or active) placement, and a position's place
    numbers (1 … places) are each held by at most one placement that was not interrupted.
    """

    __tablename__ = "placement"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "status IN ('agreed', 'active', 'completed', 'interrupted')", name="status_known"
        ),
        CheckConstraint("place_number >= 1", name="place_number_positive"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="dates_ordered",
        ),
        Index(
            "uq_placement_live_candidate",
            "candidate_id",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index(
            "uq_placement_place",
            "position_id",
            "place_number",
            unique=True,
            sqlite_where=_HOLDS_PLACE,
            postgresql_where=_HOLDS_PLACE,
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="RESTRICT"), index=True
    )
    position_id: Mapped[int] = mapped_column(
        ForeignKey("position.id", ondelete="RESTRICT"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    # The employer's acceptance this placement came from.
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion_decision.id", ondelete="SET NULL"), default=None, unique=True
    )
    place_number: Mapped[int] = mapped_column(Integer)
    tutor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    start_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    end_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(
        String(20), default=PlacementStatus.AGREED.value, index=True
    )
    # Why it was interrupted (or a note on completion).
    status_note: Mapped[str] = mapped_column(Text, default="")

    position: Mapped[Position] = relationship(lazy="raise")
    visits: Mapped[list[MonitoringVisit]] = relationship(
        back_populates="placement",
        cascade="all, delete-orphan",
        order_by="(MonitoringVisit.visited_on.desc(), MonitoringVisit.id.desc())",
        lazy="raise",
    )


class MonitoringVisit(IdentityAuditBase):
    """A counsellor's visit (or call) to a placement, with notes."""

    __tablename__ = "monitoring_visit"
    __audited__ = True

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[datetime.date] = mapped_column(Date)
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    notes: Mapped[str] = mapped_column(Text, default="")

    placement: Mapped[Placement] = relationship(back_populates="visits")
