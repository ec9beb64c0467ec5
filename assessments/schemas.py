"""What the assessment API answers (``/api/placements/{id}/assessment``)."""

from __future__ import annotations

import datetime

import msgspec


class OutcomeOut(msgspec.Struct):
    """A learning outcome of the plan; ``divergent`` when the submitted grades the caller may
    see spread over two grades or more, or "not demonstrated" stands beside 3 or more."""

    competence_id: int
    code: str
    label: str
    unit: str
    unit_label: str
    divergent: bool


class RatingOut(msgspec.Struct):
    """One outcome's rating: ``grade`` 1-5, or null with ``not_demonstrated`` (or not given
    yet, in a draft)."""

    competence_id: int
    grade: int | None
    not_demonstrated: bool
    note: str
    work_tasks: str


class SheetOut(msgspec.Struct):
    """One assessor's ratings: a submitted version, or the caller's own draft."""

    role: str
    version: int
    assessor_name: str
    submitted_at: datetime.datetime | None
    reference: str | None
    correction_reason: str
    ratings: list[RatingOut]


class DecisionOutcomeOut(msgspec.Struct):
    competence_id: int
    grade: int | None
    not_demonstrated: bool
    rationale: str


class DecisionOut(msgspec.Struct):
    """The consensus in force, signed by the professional teacher."""

    id: int
    version: int
    signed_by: str
    signed_at: datetime.datetime
    outcomes: list[DecisionOutcomeOut]


class AssessmentOut(msgspec.Struct):
    """A placement's assessment as the caller may see it.

    ``ratings`` holds the newest submitted sheet of each assessor the caller may see: until
    an assessor has submitted, only their own; after, every submitted one (staff without a
    seat: every submitted one). ``own_draft`` is the caller's unsubmitted sheet.
    ``submitted_roles`` says who has submitted (not what). ``decision`` is null until the
    teacher signs.
    """

    placement_id: int
    seat: str | None
    plan: list[OutcomeOut]
    ratings: list[SheetOut]
    own_draft: SheetOut | None
    submitted_roles: list[str]
    decision: DecisionOut | None


class TutorLinkOut(msgspec.Struct):
    """A tutor link just issued: ``url`` is shown once (only its hash is kept);
    ``emailed_to_tutor``: whether it was e-mailed to the placement's tutor."""

    id: int
    url: str
    expires_at: datetime.datetime
    emailed_to_tutor: bool = False
