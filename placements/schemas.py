"""JSON shapes of the positions API."""

from __future__ import annotations

import datetime

import msgspec
from msgspec import UNSET, UnsetType


class CompetenceRequirementIn(msgspec.Struct, forbid_unknown_fields=True):
    """A competence by code (or exact label), its minimum level 1-5, required or optional."""

    competence: str
    min_level: int = 1
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
    competences: list[CompetenceRequirementIn]
    tasks: str = ""
    municipality: str = ""
    region: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    hours_per_week: float | None = None
    places: int = 1
    tutor_id: int | None = None
    languages: list[LanguageRequirementIn] = msgspec.field(default_factory=list)


class PositionPatch(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a position: only the fields given change. Lists replace the old lists.

    ``status`` opens (``open``) or closes (``closed``) the position: draft → open,
    open → closed, closed → open.
    """

    title: str | UnsetType = UNSET
    field: str | UnsetType = UNSET
    competences: list[CompetenceRequirementIn] | UnsetType = UNSET
    tasks: str | UnsetType = UNSET
    municipality: str | UnsetType = UNSET
    region: str | UnsetType = UNSET
    start_date: datetime.date | UnsetType | None = UNSET
    end_date: datetime.date | UnsetType | None = UNSET
    hours_per_week: float | UnsetType | None = UNSET
    places: int | UnsetType = UNSET
    tutor_id: int | UnsetType | None = UNSET
    languages: list[LanguageRequirementIn] | UnsetType = UNSET
    status: str | UnsetType = UNSET


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
