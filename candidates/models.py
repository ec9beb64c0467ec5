"""Candidates (the immigrant clients), consent, portfolios with evidence, teacher interviews.

Data minimisation: a candidate record holds what guidance, placement and certification need.
It has no field for nationality, ethnicity, religion, gender or date of birth, and the name is
never passed to matching. ``candidates/inventory.py`` lists every personal-data column.
"""

from __future__ import annotations

import datetime
import enum

from advanced_alchemy.base import IdentityAuditBase, IdentityBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competences.models import Competence


class ClientType(enum.StrEnum):
    LONG_TERM = "long_term"
    SHORT_TERM = "short_term"


class Stage(enum.StrEnum):
    """The candidate's stage on the validation pathway, in order."""

    GUIDANCE = "guidance"
    PORTFOLIO = "portfolio"
    INTERVIEW = "interview"
    PLACEMENT = "placement"
    ASSESSMENT = "assessment"
    CERTIFIED = "certified"


class LanguageAssessment(enum.StrEnum):
    SELF = "self"  # self-assessed
    TESTED = "tested"  # tested (e.g. a YKI test or a teacher's assessment)


class ConsentPurpose(enum.StrEnum):
    VALIDATION = "validation"  # processing personal data for validation
    SHARE_WITH_EMPLOYERS = "share_with_employers"  # a profile shown to partner employers
    SHARE_WITH_ORGANISATION = "share_with_organisation"  # with one named organisation


class AcquiredHow(enum.StrEnum):
    WORK_HISTORY = "work_history"
    INFORMAL = "informal"
    EDUCATION_ABROAD = "education_abroad"
    OTHER = "other"


class InterviewStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Candidate(IdentityAuditBase):
    """An immigrant client on the validation pathway."""

    __tablename__ = "candidate"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("client_type IN ('long_term', 'short_term')", name="client_type_known"),
        CheckConstraint(
            "stage IN ('guidance', 'portfolio', 'interview', 'placement', 'assessment',"
            " 'certified')",
            name="stage_known",
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    # Regions where the candidate can work (names as in employers' region list).
    regions: Mapped[list[str]] = mapped_column(JsonB, default=list)
    available_from: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    availability_note: Mapped[str] = mapped_column(Text, default="")
    client_type: Mapped[str] = mapped_column(String(20), default=ClientType.SHORT_TERM.value)
    client_since: Mapped[datetime.date] = mapped_column(Date)
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, index=True
    )
    stage: Mapped[str] = mapped_column(String(20), default=Stage.GUIDANCE.value, index=True)
    # The candidate's own account, once a counsellor invited them (candidates/own.py).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None, unique=True
    )
    # When the person's data was erased at their request or after the retention period
    # (portal/erasure.py): the row stays, without anything that tells who it was, so that
    # the programme's counts stay as reported.
    erased_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )

    languages: Mapped[list[CandidateLanguage]] = relationship(
        back_populates="candidate",
        cascade="all, delete-orphan",
        order_by="CandidateLanguage.language",
        lazy="raise",
    )
    claims: Mapped[list[Claim]] = relationship(
        back_populates="candidate",
        cascade="all, delete-orphan",
        order_by="Claim.id",
        lazy="raise",
    )


class CandidateLanguage(IdentityAuditBase):
    __tablename__ = "candidate_language"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("candidate_id", "language"),
        CheckConstraint("level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')", name="cefr_level"),
        CheckConstraint("assessment IN ('self', 'tested')", name="assessment_known"),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(3))
    level: Mapped[str] = mapped_column(String(2))
    assessment: Mapped[str] = mapped_column(String(10), default=LanguageAssessment.SELF.value)

    candidate: Mapped[Candidate] = relationship(back_populates="languages")


class CandidateAccess(IdentityAuditBase):
    """A counsellor other than the candidate's own, given access by the coordinator."""

    __tablename__ = "candidate_access"
    __audited__ = True
    __table_args__ = (UniqueConstraint("candidate_id", "user_id"),)

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )


class GuidanceNote(IdentityAuditBase):
    __tablename__ = "guidance_note"
    __audited__ = True

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    noted_on: Mapped[datetime.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    # Internal unless the counsellor shares it: only shared notes show on the candidate's pages.
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsentRecord(IdentityAuditBase):
    """Consent given or withdrawn, never edited: the newest record per purpose counts."""

    __tablename__ = "consent_record"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('validation', 'share_with_employers', 'share_with_organisation')",
            name="purpose_known",
        ),
        CheckConstraint(
            "(purpose = 'share_with_organisation') = (organisation_id IS NOT NULL)",
            name="organisation_matches_purpose",
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(30))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), default=None
    )
    given: Mapped[bool] = mapped_column(Boolean)
    # The text shown to the person when they gave or withdrew consent, as shown.
    text_shown: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(3), default="en")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


class Claim(IdentityAuditBase):
    """A competence the candidate claims, mapped to a framework item or kept as free text."""

    __tablename__ = "claim"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("self_level BETWEEN 1 AND 5", name="level_range"),
        CheckConstraint(
            "acquired_how IN ('work_history', 'informal', 'education_abroad', 'other')",
            name="acquired_how_known",
        ),
        CheckConstraint("competence_id IS NOT NULL OR free_text <> ''", name="mapped_or_described"),
        CheckConstraint("months IS NULL OR months >= 0", name="months_positive"),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    # None while the claim's text does not map to the framework (it is kept and flagged).
    competence_id: Mapped[int | None] = mapped_column(
        ForeignKey("competence.id", ondelete="RESTRICT"), default=None, index=True
    )
    free_text: Mapped[str] = mapped_column(String(300), default="")
    self_level: Mapped[int] = mapped_column(Integer)
    acquired_how: Mapped[str] = mapped_column(String(20), default=AcquiredHow.WORK_HISTORY.value)
    acquired_where: Mapped[str] = mapped_column(String(300), default="")
    months: Mapped[int | None] = mapped_column(Integer, default=None)
    # Added by the candidate on their own pages and not yet reviewed by the counsellor: kept
    # out of matching and the interview guide until accepted (candidates/own.py).
    draft: Mapped[bool] = mapped_column(Boolean, default=False)

    candidate: Mapped[Candidate] = relationship(back_populates="claims")
    competence: Mapped[Competence | None] = relationship(lazy="raise")
    evidence: Mapped[list[EvidenceItem]] = relationship(
        back_populates="claim", order_by="EvidenceItem.id", lazy="raise"
    )


class EvidenceItem(IdentityAuditBase):
    """A description or an uploaded document (PDF or image) that backs the portfolio."""

    __tablename__ = "evidence_item"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "content_type IS NULL OR content_type IN ('application/pdf', 'image/jpeg',"
            " 'image/png')",
            name="content_type_allowed",
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claim.id", ondelete="SET NULL"), default=None, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # For uploads: a random file name in the upload folder (outside the web root), what the
    # content really is, and its size and SHA-256 after metadata was stripped.
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str | None] = mapped_column(String(50), default=None)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    # Added by the candidate, not yet reviewed by the counsellor (as ``Claim.draft``).
    draft: Mapped[bool] = mapped_column(Boolean, default=False)

    claim: Mapped[Claim | None] = relationship(back_populates="evidence")


class Interview(IdentityAuditBase):
    """A professional teacher's interview verifying the candidate's competences."""

    __tablename__ = "interview"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'completed', 'cancelled')", name="status_known"),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    teacher_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    scheduled_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    place: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=InterviewStatus.SCHEDULED.value)
    interpreter_used: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter_language: Mapped[str] = mapped_column(String(3), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )

    results: Mapped[list[VerifiedCompetence]] = relationship(
        back_populates="interview",
        cascade="all, delete-orphan",
        order_by="VerifiedCompetence.id",
        lazy="raise",
    )


class VerifiedCompetence(IdentityAuditBase):
    """The level a teacher verified for one competence, or "not demonstrated"."""

    __tablename__ = "verified_competence"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("interview_id", "competence_id"),
        CheckConstraint(
            "(verified_level IS NULL) = not_demonstrated", name="level_or_not_demonstrated"
        ),
        CheckConstraint(
            "verified_level IS NULL OR verified_level BETWEEN 1 AND 5", name="level_range"
        ),
    )

    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), index=True
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence.id", ondelete="RESTRICT"), index=True
    )
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claim.id", ondelete="SET NULL"), default=None
    )
    verified_level: Mapped[int | None] = mapped_column(Integer, default=None)
    not_demonstrated: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    interview: Mapped[Interview] = relationship(back_populates="results")
    competence: Mapped[Competence] = relationship(lazy="raise")


class MatchingCounter(IdentityBase):
    """The version of what matching reads about candidates: one row, id 1.

    Database triggers raise it in the transaction of every change (``candidates.changes``).
    The row lock a raise takes is held until the transaction ends, so versions are handed
    out in the order transactions commit: a reader who sees version ``v`` sees every change
    up to ``v``.
    """

    __tablename__ = "matching_counter"

    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # PostgreSQL: the transaction that raised the version last, so each raises it once.
    transaction_id: Mapped[int] = mapped_column(BigInteger, default=0)


class MatchingChange(IdentityBase):
    """The newest version at which a candidate's matching data changed (0: everyone's)."""

    __tablename__ = "matching_change"

    candidate_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)


class CorrectionStatus(enum.StrEnum):
    OPEN = "open"
    CORRECTED = "corrected"
    DECLINED = "declined"


class CorrectionRequest(IdentityAuditBase):
    """A candidate's request to correct their record (GDPR art. 16), and its answer."""

    __tablename__ = "correction_request"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("status IN ('open', 'corrected', 'declined')", name="status_known"),
        CheckConstraint("status = 'open' OR answered_at IS NOT NULL", name="answer_dated"),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=CorrectionStatus.OPEN.value)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    answered_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class RecordOpening(IdentityAuditBase):
    """Someone opened a candidate's record (their page, or the record through the API).

    The access log the coordinator reads and the candidate's copy of their data includes.
    It is a log, so it is not audited itself; who opened it is kept by name as well, so the
    line still says who after their account is gone.
    """

    __tablename__ = "record_opening"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    user_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # "page" or "api"
    via: Mapped[str] = mapped_column(String(10))
