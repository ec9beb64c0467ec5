"""JSON shapes of the frameworks API."""

from __future__ import annotations

import msgspec


class FrameworkListItem(msgspec.Struct):
    code: str
    kind: str
    labels: dict[str, str]
    units: int
    competences: int
    attribution: str | None


class CriterionOut(msgspec.Struct):
    grade: int
    labels: dict[str, str]


class CompetenceOut(msgspec.Struct):
    code: str
    labels: dict[str, str]
    alt_labels: dict[str, list[str]]
    criteria: list[CriterionOut]


class UnitOut(msgspec.Struct):
    code: str
    labels: dict[str, str]
    competences: list[CompetenceOut]


class FrameworkOut(msgspec.Struct):
    code: str
    kind: str
    labels: dict[str, str]
    field: dict[str, str]
    source: str
    attribution: str | None
    units: list[UnitOut]


class CompetenceSuggestionOut(msgspec.Struct):
    """One type-ahead suggestion: ``matched`` is the alternative label that matched, if any."""

    id: int
    code: str
    label: str
    framework: str
    matched: str | None
    score: float
