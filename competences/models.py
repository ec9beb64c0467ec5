"""Competence frameworks: qualification → units → competences → assessment criteria.

A *competence* is what a position requires, a portfolio claims and an assessment grades: a
learning outcome of a qualification unit, or a skill of a vocabulary such as ESCO. Every item
has a stable ``code`` and labels in several languages (``{"en": ..., "fi": ...}``).
"""

from __future__ import annotations

import enum

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import JsonB
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

Labels = dict[str, str]
AltLabels = dict[str, list[str]]

GRADES_WITH_CRITERIA = (1, 3, 5)


class FrameworkKind(enum.StrEnum):
    QUALIFICATION = "qualification"
    SKILLS = "skills"  # a flat vocabulary such as ESCO


def label_in(labels: Labels, locale: str) -> str:
    """The label in ``locale``, else English, else any language there is."""
    return labels.get(locale) or labels.get("en") or next(iter(labels.values()), "")


class Framework(IdentityAuditBase):
    __tablename__ = "framework"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=FrameworkKind.QUALIFICATION.value)
    labels: Mapped[Labels] = mapped_column(JsonB)
    field_labels: Mapped[Labels] = mapped_column(JsonB, default=dict)
    source: Mapped[str] = mapped_column(Text, default="")
    attribution: Mapped[str | None] = mapped_column(Text, default=None)

    units: Mapped[list[Unit]] = relationship(
        back_populates="framework",
        order_by="Unit.position",
        cascade="all, delete-orphan",
    )


class Unit(IdentityAuditBase):
    __tablename__ = "competence_unit"

    framework_id: Mapped[int] = mapped_column(
        ForeignKey("framework.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(200), unique=True)
    labels: Mapped[Labels] = mapped_column(JsonB)
    position: Mapped[int] = mapped_column(Integer, default=0)

    framework: Mapped[Framework] = relationship(back_populates="units")
    competences: Mapped[list[Competence]] = relationship(
        back_populates="unit",
        order_by="Competence.position",
        cascade="all, delete-orphan",
    )


class Competence(IdentityAuditBase):
    """A learning outcome ("the candidate is able to …") or a vocabulary skill."""

    __tablename__ = "competence"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("competence_unit.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(200), unique=True)
    labels: Mapped[Labels] = mapped_column(JsonB)
    alt_labels: Mapped[AltLabels] = mapped_column(JsonB, default=dict)
    description: Mapped[Labels] = mapped_column(JsonB, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Lower-cased code, labels and alternative labels in every language, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship(back_populates="competences")
    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        back_populates="competence",
        order_by="AssessmentCriterion.grade",
        cascade="all, delete-orphan",
    )


class AssessmentCriterion(IdentityAuditBase):
    """What a grade looks like for one competence (texts exist for grades 1, 3 and 5)."""

    __tablename__ = "assessment_criterion"
    __table_args__ = (
        UniqueConstraint("competence_id", "grade"),
        CheckConstraint("grade IN (1, 3, 5)", name="grade_has_criteria"),
    )

    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence.id", ondelete="CASCADE"), index=True
    )
    grade: Mapped[int] = mapped_column(Integer)
    labels: Mapped[Labels] = mapped_column(JsonB)

    competence: Mapped[Competence] = relationship(back_populates="criteria")
