"""Input types of the matching engine and the reader of its JSON document.

The types hold only what matching needs: competence references with levels, language levels,
regions and places. They have no field for a name, nationality, gender, age or religion, so the
engine cannot use them.

The JSON document is described in CONTRACTS.md ("Matching input and output"). `parse_document`
checks it strictly and names the place of the first problem, for example
``candidates[3].competences[0].level: 7 is not between 1 and 5``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "CEFR_LEVELS",
    "MAX_LEVEL",
    "MIN_LEVEL",
    "Candidate",
    "Claim",
    "Competence",
    "InputError",
    "MatchingInput",
    "Position",
    "Requirement",
    "cefr_rank",
    "load_document",
    "parse_document",
]

MIN_LEVEL = 1
MAX_LEVEL = 5
CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")
_CEFR_RANK = {level: rank for rank, level in enumerate(CEFR_LEVELS, start=1)}
_T = TypeVar("_T")


class InputError(ValueError):
    """The input cannot be matched; the message names the place and the reason in one line."""


def cefr_rank(level: str) -> int:
    """Rank of a CEFR level: A1 → 1 … C2 → 6.

    Raises
    ------
    InputError
        If `level` is not one of A1, A2, B1, B2, C1, C2 (case-insensitive).
    """
    rank = _CEFR_RANK.get(level.strip().upper())
    if rank is None:
        raise InputError(f"{level!r} is not a CEFR level ({', '.join(CEFR_LEVELS)})")
    return rank


def _check_level(level: int) -> None:
    if isinstance(level, bool) or not isinstance(level, int):
        raise InputError(f"{level!r} is not a whole number")
    if not MIN_LEVEL <= level <= MAX_LEVEL:
        raise InputError(f"{level} is not between {MIN_LEVEL} and {MAX_LEVEL}")


def _check_languages(languages: Mapping[str, str]) -> None:
    for level in languages.values():
        cefr_rank(level)


@dataclass(frozen=True, slots=True)
class Competence:
    """One entry of the vocabulary.

    Parameters
    ----------
    id : str
        Stable identifier, e.g. ``"c-forklift"`` or an ESCO concept URI.
    label : str
        Preferred label.
    alt_labels : tuple of str
        Other ways people name the same competence.
    """

    id: str
    label: str
    alt_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Requirement:
    """A competence a position asks for.

    Parameters
    ----------
    competence : str
        A vocabulary id or free text.
    level : int, 1-5
        Minimum level on the Finnish vocational scale.
    """

    competence: str
    level: int = MIN_LEVEL

    def __post_init__(self) -> None:
        _check_level(self.level)


@dataclass(frozen=True, slots=True)
class Claim:
    """A competence a candidate holds.

    Parameters
    ----------
    competence : str
        A vocabulary id or free text.
    level : int, 1-5
        Level held on the Finnish vocational scale.
    verified : bool
        True when a professional teacher verified the level in an interview; False when it is
        self-declared.
    """

    competence: str
    level: int = MIN_LEVEL
    verified: bool = False

    def __post_init__(self) -> None:
        _check_level(self.level)


@dataclass(frozen=True, slots=True)
class Position:
    """An on-the-job training position.

    Parameters
    ----------
    id : str
        Unique among positions.
    title : str
        Shown to people only; not used for scoring.
    required, optional : tuple of Requirement
        Competences the position needs and those it would welcome.
    languages : mapping of str to str
        Minimum CEFR level per language code, e.g. ``{"fi": "A2"}``. A hard filter.
    region : str or None
        Where the position is. A hard filter when the candidate names regions.
    places : int, >= 0
        How many people the position can take; used by assignment.
    """

    id: str
    title: str = ""
    required: tuple[Requirement, ...] = ()
    optional: tuple[Requirement, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    places: int = 1

    def __post_init__(self) -> None:
        _check_languages(self.languages)
        if self.places < 0:
            raise InputError(f"places {self.places} is negative")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate as matching sees them: competences, languages and regions, nothing else.

    Parameters
    ----------
    id : str
        Unique among candidates; an opaque reference, never a name.
    competences : tuple of Claim
        What the candidate can do, with level and evidence.
    languages : mapping of str to str
        CEFR level per language code.
    regions : tuple of str
        Regions where the candidate can work; empty means anywhere.
    """

    id: str
    competences: tuple[Claim, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)
    regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_languages(self.languages)


@dataclass(frozen=True, slots=True)
class MatchingInput:
    """A whole matching problem.

    Parameters
    ----------
    positions : tuple of Position
    candidates : tuple of Candidate
    competences : tuple of Competence or None
        The vocabulary. None means labels are compared as given (after normalisation).
    """

    positions: tuple[Position, ...]
    candidates: tuple[Candidate, ...]
    competences: tuple[Competence, ...] | None = None


# --- reading the JSON document ---------------------------------------------------------------


def load_document(text: str | bytes) -> MatchingInput:
    """Parse and check a JSON document (CONTRACTS.md, "Matching input and output").

    Raises
    ------
    InputError
        With a one-line message naming the place of the first problem.
    """
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(
            f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply") from None
    except UnicodeDecodeError as error:
        raise InputError(f"not valid UTF-8 text: {error.reason}") from None
    return parse_document(document)


def _reject_constant(name: str) -> Any:
    raise InputError(f"not valid JSON: {name} is not a number")


def parse_document(document: object) -> MatchingInput:
    """Check an already decoded JSON value and build a `MatchingInput`.

    Unknown fields are errors: a misspelt key must not be ignored silently.

    Raises
    ------
    InputError
        With a one-line message naming the place of the first problem.
    """
    top = _object(document, "input", required={"positions", "candidates"}, optional={"competences"})
    competences: tuple[Competence, ...] | None = None
    if "competences" in top:
        competences = _items(top["competences"], "competences", _competence)
        _check_unique([c.id for c in competences], "competences")
    positions = _items(top["positions"], "positions", _position)
    _check_unique([p.id for p in positions], "positions")
    candidates = _items(top["candidates"], "candidates", _candidate)
    _check_unique([c.id for c in candidates], "candidates")
    return MatchingInput(positions=positions, candidates=candidates, competences=competences)


def _object(value: object, where: str, *, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected an object, got {_kind(value)}")
    unknown = sorted(set(value) - required - optional)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise InputError(f"{where}: unknown field {unknown[0]!r} (allowed: {allowed})")
    missing = sorted(required - set(value))
    if missing:
        raise InputError(f"{where}: missing field {missing[0]!r}")
    return value


def _array(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected an array, got {_kind(value)}")
    return value


def _items(value: object, where: str, read: Callable[[object, str], _T]) -> tuple[_T, ...]:
    """`read` applied to each element of the array `value`; the i-th is named ``where[i]``."""
    return tuple(read(item, f"{where}[{i}]") for i, item in enumerate(_array(value, where)))


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a string, got {_kind(value)}")
    if not value.strip():
        raise InputError(f"{where}: must not be empty")
    return value


def _level(value: object, where: str) -> int:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: expected a whole number from 1 to 5, got {_kind(value)}")
    if not MIN_LEVEL <= value <= MAX_LEVEL:
        raise InputError(f"{where}: {value} is not between {MIN_LEVEL} and {MAX_LEVEL}")
    return value


def _languages(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InputError(
            f"{where}: expected an object of language → CEFR level, got {_kind(value)}"
        )
    languages: dict[str, str] = {}
    for code, level in value.items():
        place = f"{where}.{code}"
        if not code.strip():
            raise InputError(f"{where}: a language code must not be empty")
        level = _text(level, place)
        if level.strip().upper() not in _CEFR_RANK:
            raise InputError(f"{place}: {level!r} is not a CEFR level ({', '.join(CEFR_LEVELS)})")
        key = code.strip().lower()
        if key in languages:
            raise InputError(f"{place}: language {key!r} is given twice")
        languages[key] = level.strip().upper()
    return languages


def _competence(value: object, where: str) -> Competence:
    item = _object(value, where, required={"id", "label"}, optional={"alt_labels"})
    return Competence(
        id=_text(item["id"], f"{where}.id"),
        label=_text(item["label"], f"{where}.label"),
        alt_labels=_items(item.get("alt_labels", []), f"{where}.alt_labels", _text),
    )


def _requirement(value: object, where: str) -> Requirement:
    item = _object(value, where, required={"competence"}, optional={"level"})
    return Requirement(
        competence=_text(item["competence"], f"{where}.competence"),
        level=_level(item.get("level", MIN_LEVEL), f"{where}.level"),
    )


def _claim(value: object, where: str) -> Claim:
    item = _object(value, where, required={"competence"}, optional={"level", "verified"})
    verified = item.get("verified", False)
    if not isinstance(verified, bool):
        raise InputError(f"{where}.verified: expected true or false, got {_kind(verified)}")
    return Claim(
        competence=_text(item["competence"], f"{where}.competence"),
        level=_level(item.get("level", MIN_LEVEL), f"{where}.level"),
        verified=verified,
    )


def _position(value: object, where: str) -> Position:
    item = _object(
        value,
        where,
        required={"id"},
        optional={"title", "required", "optional", "languages", "region", "places"},
    )
    title = item.get("title", "")
    if not isinstance(title, str):
        raise InputError(f"{where}.title: expected a string, got {_kind(title)}")
    region = item.get("region")
    places = item.get("places", 1)
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise InputError(f"{where}.places: expected a whole number of 0 or more, got {places!r}")
    return Position(
        id=_text(item["id"], f"{where}.id"),
        title=title,
        required=_items(item.get("required", []), f"{where}.required", _requirement),
        optional=_items(item.get("optional", []), f"{where}.optional", _requirement),
        languages=_languages(item.get("languages", {}), f"{where}.languages"),
        region=None if region is None else _text(region, f"{where}.region"),
        places=places,
    )


def _candidate(value: object, where: str) -> Candidate:
    item = _object(value, where, required={"id"}, optional={"competences", "languages", "regions"})
    return Candidate(
        id=_text(item["id"], f"{where}.id"),
        competences=_items(item.get("competences", []), f"{where}.competences", _claim),
        languages=_languages(item.get("languages", {}), f"{where}.languages"),
        regions=_items(item.get("regions", []), f"{where}.regions", _text),
    )


def _check_unique(ids: Sequence[str], where: str) -> None:
    seen: dict[str, int] = {}
    for index, identifier in enumerate(ids):
        if identifier in seen:
            first = seen[identifier]
            raise InputError(
                f"{where}[{index}].id: {identifier!r} is already the id of {where}[{first}]"
            )
        seen[identifier] = index


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
