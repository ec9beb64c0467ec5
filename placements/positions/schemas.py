"""JSON shapes of the positions API."""

from __future__ import annotations

import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from kit.forms import Id, Integer, check_dates

# Bounded work per request: a position lists at most as many competences and languages as
# its form offers rows, and a competence is named in a line, not a page (each is mapped to
# the vocabulary, fuzzily when it is not exact).
MAX_COMPETENCES = 40
MAX_LANGUAGES = 20
MAX_COMPETENCE_TEXT = 200


class CompetenceRequirementIn(msgspec.Struct, forbid_unknown_fields=True):
    """A competence by code (or exact label), its minimum level 1-5, required or optional."""

    competence: Annotated[str, Meta(max_length=MAX_COMPETENCE_TEXT)]
    min_level: Integer = 1
    required: bool = True


class LanguageRequirementIn(msgspec.Struct, forbid_unknown_fields=True):
    """A language (code such as fi, sv, en) at a CEFR level (A1 … C2)."""

    language: str
    level: str
    for_safety: bool = False


class PositionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new position; ``field`` is the code of a qualification framework. It starts as draft."""

    title: str
    field: str
    competences: Annotated[list[CompetenceRequirementIn], Meta(max_length=MAX_COMPETENCES)]
    tasks: str = ""
    municipality: str = ""
    region: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    hours_per_week: float | None = None
    places: Integer = 1
    tutor_id: Id | None = None
    languages: Annotated[list[LanguageRequirementIn], Meta(max_length=MAX_LANGUAGES)] = (
        msgspec.field(default_factory=list)
    )

    def __post_init__(self) -> None:
        check_dates(start_date=self.start_date, end_date=self.end_date)


class PositionPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a position: only the fields given change. Lists replace the old lists.

    ``status`` opens (``open``) or closes (``closed``) the position: draft → open,
    open → closed, closed → open.
    """

    title: str | UnsetType = UNSET
    field: str | UnsetType = UNSET
    competences: (
        Annotated[list[CompetenceRequirementIn], Meta(max_length=MAX_COMPETENCES)] | UnsetType
    ) = UNSET
    tasks: str | UnsetType = UNSET
    municipality: str | UnsetType = UNSET
    region: str | UnsetType = UNSET
    start_date: datetime.date | UnsetType | None = UNSET
    end_date: datetime.date | UnsetType | None = UNSET
    hours_per_week: float | UnsetType | None = UNSET
    places: Integer | UnsetType = UNSET
    tutor_id: Id | UnsetType | None = UNSET
    languages: (
        Annotated[list[LanguageRequirementIn], Meta(max_length=MAX_LANGUAGES)] | UnsetType
    ) = UNSET
    status: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        check_dates(start_date=self.start_date, end_date=self.end_date)


class CompetenceRequirementOut(msgspec.Struct):
    competence_id: int
    code: str
    label: str
    min_level: int
    required: bool


class LanguageRequirementOut(msgspec.Struct):
    language: str
    level: str
    for_safety: bool


class PositionOut(msgspec.Struct):
    id: int
    organisation_id: int
    organisation: str
    # applied / partner / rejected / inactive: only a partner's open position takes candidates
    organisation_status: str
    title: str
    field: str | None
    status: str
    tasks: str
    municipality: str
    region: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    hours_per_week: float | None
    places: int
    tutor_id: int | None
    competences: list[CompetenceRequirementOut]
    languages: list[LanguageRequirementOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime
