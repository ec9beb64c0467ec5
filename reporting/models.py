"""The programme's results: outcomes, trainer trainings, dissemination events, the ESF+
participant data and the six-monthly reports.

**Participant data is kept apart.** :class:`ParticipantData` holds the ESF+ common indicators
about participants (Regulation (EU) 2021/1057, Annex I): labour-market status, age band,
education level, gender, disability, and so on. Only the coordinator reads it, and the
aggregate reporting, which shows counts with small numbers suppressed. Every read of the table
lives in ``reporting/participants.py`` and nowhere else: matching, the match pages,
the other roles' API and the exports by person never read it. Its values are kept out of the
audit trail (``__audit_exclude__``), which other staff may read.

**A frozen report is never changed.** The services refuse it, and so does the database: the
migration (``0011``) adds a trigger on ``reporting_report`` that refuses any UPDATE or DELETE
of a row whose status is ``frozen`` (SQLite and PostgreSQL alike, as an integrity error).
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kit.i18n import N_


def _known(column: str, values: type[enum.StrEnum], *, nullable: bool = False) -> str:
    """The CHECK condition that ``column`` holds one of ``values`` (or NULL if ``nullable``)."""
    condition = f"{column} IN ({', '.join(repr(value.value) for value in values)})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


# --- Outcomes --------------------------------------------------------------------------------


class OutcomeKind(enum.StrEnum):
    """What followed for a candidate (BRIEF section 3, "Outcome")."""

    EMPLOYMENT_SHORT = "employment_short"
    EMPLOYMENT_LONG = "employment_long"
    EDUCATION = "education"  # education or training started
    STUDIES_SHORTENED = "studies_shortened"
    NONE_YET = "none_yet"

    @property
    def label(self) -> str:
        return _OUTCOME_KIND_LABELS[self]


_OUTCOME_KIND_LABELS = {
    OutcomeKind.EMPLOYMENT_SHORT: N_("Short-term employment"),
    OutcomeKind.EMPLOYMENT_LONG: N_("Long-term employment"),
    OutcomeKind.EDUCATION: N_("Education or training started"),
    OutcomeKind.STUDIES_SHORTENED: N_("Studies shortened"),
    OutcomeKind.NONE_YET: N_("No outcome yet"),
}


class OutcomeSource(enum.StrEnum):
    """Where the information about an outcome came from."""

    CANDIDATE = "candidate"
    EMPLOYER = "employer"
    COUNSELLOR = "counsellor"
    REGISTER = "register"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _OUTCOME_SOURCE_LABELS[self]


_OUTCOME_SOURCE_LABELS = {
    OutcomeSource.CANDIDATE: N_("The candidate"),
    OutcomeSource.EMPLOYER: N_("The employer"),
    OutcomeSource.COUNSELLOR: N_("The counsellor"),
    OutcomeSource.REGISTER: N_("A register"),
    OutcomeSource.OTHER: N_("Other source"),
}


class Outcome(IdentityAuditBase):
    """What followed for a candidate: employment, education, shortened studies or none yet.

    ``starts_on`` is required except for "none yet"; ``units_recognised`` (ids of
    ``competence_unit`` rows) is for shortened studies. The employer is named as text and,
    when it is a partner, linked by ``organisation_id``.
    """

    __tablename__ = "reporting_outcome"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(_known("kind", OutcomeKind), name="kind_known"),
        CheckConstraint(_known("source", OutcomeSource), name="source_known"),
        CheckConstraint("kind = 'none_yet' OR starts_on IS NOT NULL", name="starts_on_given"),
        CheckConstraint(
            "ends_on IS NULL OR (starts_on IS NOT NULL AND ends_on >= starts_on)",
            name="dates_ordered",
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    employer_name: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    starts_on: Mapped[datetime.date | None] = mapped_column(Date, default=None, index=True)
    ends_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    units_recognised: Mapped[list[int]] = mapped_column(JsonB, default=list)
    source: Mapped[str] = mapped_column(String(20))
    source_note: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


# --- Programme activities --------------------------------------------------------------------


class Training(IdentityAuditBase):
    """A pilot training of the trainer-training programme, with its participants by role.

    The training organisation is named as text (it need not be a partner) and linked when it
    is in the organisation table.
    """

    __tablename__ = "reporting_training"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("counsellors >= 0", name="counsellors_not_negative"),
        CheckConstraint("teachers >= 0", name="teachers_not_negative"),
        CheckConstraint("others >= 0", name="others_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
    )

    title: Mapped[str] = mapped_column(String(200))
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    starts_on: Mapped[datetime.date] = mapped_column(Date, index=True)
    ends_on: Mapped[datetime.date] = mapped_column(Date)
    counsellors: Mapped[int] = mapped_column(Integer, default=0)
    teachers: Mapped[int] = mapped_column(Integer, default=0)
    others: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def participants(self) -> int:
        """Everyone trained: counsellors, teachers and others."""
        return self.counsellors + self.teachers + self.others


class EventKind(enum.StrEnum):
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    CONFERENCE = "conference"
    FAIR = "fair"
    WEBINAR = "webinar"
    PUBLICATION = "publication"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _EVENT_KIND_LABELS[self]


_EVENT_KIND_LABELS = {
    EventKind.SEMINAR: N_("Seminar"),
    EventKind.WORKSHOP: N_("Workshop"),
    EventKind.CONFERENCE: N_("Conference"),
    EventKind.FAIR: N_("Fair"),
    EventKind.WEBINAR: N_("Webinar"),
    EventKind.PUBLICATION: N_("Publication"),
    EventKind.OTHER: N_("Other event"),
}


class DisseminationEvent(IdentityAuditBase):
    """An event or publication that made the ISOK model known, with the people it reached."""

    __tablename__ = "reporting_event"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(_known("kind", EventKind), name="kind_known"),
        CheckConstraint("attendees >= 0", name="attendees_not_negative"),
    )

    held_on: Mapped[datetime.date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(Text, default="")
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


# --- Participant data for the funder (kept apart: see the module's docstring) ----------------


class LabourMarketStatus(enum.StrEnum):
    """At entry. ESF+ counts "unemployed, including long-term unemployed": both values."""

    UNEMPLOYED = "unemployed"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed"
    INACTIVE = "inactive"
    EMPLOYED = "employed"  # self-employed included

    @property
    def label(self) -> str:
        return _LABOUR_MARKET_LABELS[self]


_LABOUR_MARKET_LABELS = {
    LabourMarketStatus.UNEMPLOYED: N_("Unemployed"),
    LabourMarketStatus.LONG_TERM_UNEMPLOYED: N_("Long-term unemployed"),
    LabourMarketStatus.INACTIVE: N_("Inactive (outside the labour force)"),
    LabourMarketStatus.EMPLOYED: N_("Employed, including self-employed"),
}


class AgeBand(enum.StrEnum):
    """At entry, in the bands of ESF+ Annex I."""

    UNDER_18 = "under_18"
    FROM_18_TO_29 = "18_29"
    FROM_30_TO_54 = "30_54"
    FROM_55 = "55_over"

    @property
    def label(self) -> str:
        return _AGE_BAND_LABELS[self]


_AGE_BAND_LABELS = {
    AgeBand.UNDER_18: N_("Under 18"),
    AgeBand.FROM_18_TO_29: N_("18 to 29"),
    AgeBand.FROM_30_TO_54: N_("30 to 54"),
    AgeBand.FROM_55: N_("55 and over"),
}


class IscedLevel(enum.StrEnum):
    """The highest education attained, grouped as ESF+ reports it (ISCED 2011)."""

    ISCED_0_2 = "isced_0_2"
    ISCED_3_4 = "isced_3_4"
    ISCED_5_8 = "isced_5_8"

    @property
    def label(self) -> str:
        return _ISCED_LABELS[self]


_ISCED_LABELS = {
    IscedLevel.ISCED_0_2: N_("Lower secondary or less (ISCED 0-2)"),
    IscedLevel.ISCED_3_4: N_("Upper secondary or post-secondary (ISCED 3-4)"),
    IscedLevel.ISCED_5_8: N_("Tertiary (ISCED 5-8)"),
}


class Gender(enum.StrEnum):
    WOMAN = "woman"
    MAN = "man"
    NON_BINARY = "non_binary"

    @property
    def label(self) -> str:
        return _GENDER_LABELS[self]


_GENDER_LABELS = {
    Gender.WOMAN: N_("Woman"),
    Gender.MAN: N_("Man"),
    Gender.NON_BINARY: N_("Non-binary"),
}

#: The indicator columns of :class:`ParticipantData`: each NULL means "not disclosed".
PARTICIPANT_INDICATORS: tuple[str, ...] = (
    "labour_market_status",
    "age_band",
    "isced_level",
    "gender",
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
)


class ParticipantData(IdentityAuditBase):
    """A candidate's ESF+ common indicators (Regulation (EU) 2021/1057, Annex I), at entry.

    One row per candidate. Every indicator may be NULL: the person did not disclose it (they
    are never obliged to). ``legal_basis`` says on what basis the row is kept, as recorded.
    Read only through ``reporting/participants.py`` (see the module's docstring).
    """

    __tablename__ = "reporting_participant"
    __audited__ = True
    # Who changed the row and when is audited; what it says is not copied into the trail.
    __audit_exclude__ = PARTICIPANT_INDICATORS
    __table_args__ = (
        CheckConstraint(
            _known("labour_market_status", LabourMarketStatus, nullable=True),
            name="labour_market_status_known",
        ),
        CheckConstraint(_known("age_band", AgeBand, nullable=True), name="age_band_known"),
        CheckConstraint(_known("isced_level", IscedLevel, nullable=True), name="isced_known"),
        CheckConstraint(_known("gender", Gender, nullable=True), name="gender_known"),
        CheckConstraint("legal_basis <> ''", name="legal_basis_given"),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), unique=True
    )
    labour_market_status: Mapped[str | None] = mapped_column(String(30), default=None)
    age_band: Mapped[str | None] = mapped_column(String(10), default=None)
    isced_level: Mapped[str | None] = mapped_column(String(10), default=None)
    gender: Mapped[str | None] = mapped_column(String(20), default=None)
    disability: Mapped[bool | None] = mapped_column(Boolean, default=None)
    third_country_national: Mapped[bool | None] = mapped_column(Boolean, default=None)
    foreign_background: Mapped[bool | None] = mapped_column(Boolean, default=None)
    minority: Mapped[bool | None] = mapped_column(Boolean, default=None)
    homeless: Mapped[bool | None] = mapped_column(Boolean, default=None)
    legal_basis: Mapped[str] = mapped_column(Text)
    recorded_on: Mapped[datetime.date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )


# --- Six-monthly reports ---------------------------------------------------------------------


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"
    FROZEN = "frozen"

    @property
    def label(self) -> str:
        return _REPORT_STATUS_LABELS[self]


_REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: N_("Draft"),
    ReportStatus.FROZEN: N_("Frozen"),
}


class Report(IdentityAuditBase):
    """The six-monthly ESF report of one reporting period: a draft, then frozen for good.

    ``figures`` is NULL while the report is a draft (the figures are computed when shown);
    freezing stores the snapshot (each figure and the ids of the records it counted), the
    time and who froze it. After that the row never changes (the database refuses).
    """

    __tablename__ = "reporting_report"
    __audited__ = True
    # The snapshot is the report itself; the trail records the freezing, not a second copy.
    __audit_exclude__ = ("figures",)
    __table_args__ = (
        CheckConstraint(_known("status", ReportStatus), name="status_known"),
        CheckConstraint("period_ends_on >= period_starts_on", name="period_ordered"),
        CheckConstraint(
            "(status = 'frozen') = (frozen_at IS NOT NULL AND figures IS NOT NULL)",
            name="frozen_with_figures",
        ),
    )

    period_starts_on: Mapped[datetime.date] = mapped_column(Date, unique=True)
    period_ends_on: Mapped[datetime.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.DRAFT.value)
    achievements: Mapped[str] = mapped_column(Text, default="")
    empowerment: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    frozen_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC, default=None)
    # Who froze it: kept (a user who froze a report cannot be deleted), and named as then.
    frozen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), default=None
    )
    frozen_by_name: Mapped[str] = mapped_column(String(200), default="")

    @property
    def is_frozen(self) -> bool:
        return self.status == ReportStatus.FROZEN.value
