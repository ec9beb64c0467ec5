"""Input types of the matching engine and the reader of its JSON document.

The types hold only what matching needs: competence references with levels, language levels,
regions and places, and for a position what its workplace says about language at work (working
languages, language support). They have no field for a name, nationality, gender, age or
religion, so the engine cannot use them.

The JSON document is described in CONTRACTS.md ("Matching input and output"). `parse_document`
checks it strictly and names the place of the first problem, for example
``candidates[3].competences[0].level: 7 is not between 1 and 5``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import msgspec

__all__ = [
    "CEFR_LEVELS",
    "MAX_LANGUAGE_LEEWAY",
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
#: The most CEFR levels a counsellor may accept below a position's language requirement.
MAX_LANGUAGE_LEEWAY = 2
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
        if type(self.level) is not int or not MIN_LEVEL <= self.level <= MAX_LEVEL:
            _check_level(self.level)  # raises; the test above is inlined for speed


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
        if type(self.level) is not int or not MIN_LEVEL <= self.level <= MAX_LEVEL:
            _check_level(self.level)  # raises; the test above is inlined for speed


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
    working_languages : tuple of str
        Language codes used at the workplace, from its multicultural-readiness answers;
        empty when unknown.
    language_support : bool
        The workplace offers language support at work, or instructions in plain language or
        with pictures.
    language_leeway : int, 0-2
        CEFR levels below a language requirement the counsellor accepts for this position. It
        has effect only where the workplace bridges the gap: it offers language support, or
        works in another language the candidate speaks at B1 or above (docs/matching.md).

    Notes
    -----
    A position with working languages or language support has *readiness data*: its score
    includes the `support` part (`matching.Weights.support`). Without them it scores as if the
    three fields did not exist.
    """

    id: str
    title: str = ""
    required: tuple[Requirement, ...] = ()
    optional: tuple[Requirement, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    places: int = 1
    working_languages: tuple[str, ...] = ()
    language_support: bool = False
    language_leeway: int = 0

    def __post_init__(self) -> None:
        _check_languages(self.languages)
        if self.places < 0:
            raise InputError(f"places {self.places} is negative")
        if (
            isinstance(self.language_leeway, bool)
            or not isinstance(self.language_leeway, int)
            or not 0 <= self.language_leeway <= MAX_LANGUAGE_LEEWAY
        ):
            raise InputError(
                f"language_leeway {self.language_leeway!r} is not a whole number from 0 to"
                f" {MAX_LANGUAGE_LEEWAY}"
            )
        if not isinstance(self.language_support, bool):
            raise InputError(f"language_support {self.language_support!r} is not true or false")
        for code in self.working_languages:
            if not isinstance(code, str) or not code.strip():
                raise InputError(f"working language {code!r} is not a language code")

    @property
    def has_readiness(self) -> bool:
        """True when the workplace's working languages or language support are known."""
        return bool(self.working_languages) or self.language_support


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
#
# Two readers with one set of rules. The fast one decodes the document with msgspec into the
# structs below (types, unknown fields and ranges checked in C) and checks what remains (blank
# texts, CEFR levels, repeated ids) in a few passes; it only ever says yes or "not valid". When
# it says "not valid", the careful reader (`_parse_carefully`, plain Python) reads the document
# again and names the place of the first problem, so every message comes from one place.
# `tests/matching/test_matching_document_reader.py` holds the two to the same answers.

_Text = Annotated[str, msgspec.Meta(min_length=1)]
_Level = Annotated[int, msgspec.Meta(ge=MIN_LEVEL, le=MAX_LEVEL)]


class _CompetenceIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    id: _Text
    label: _Text
    alt_labels: tuple[_Text, ...] = ()


class _RequirementIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    competence: _Text
    level: _Level = MIN_LEVEL


class _ClaimIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    competence: _Text
    level: _Level = MIN_LEVEL
    verified: bool = False


class _PositionIn(msgspec.Struct, forbid_unknown_fields=True):
    id: _Text
    title: str = ""
    required: tuple[_RequirementIn, ...] = ()
    optional: tuple[_RequirementIn, ...] = ()
    languages: dict[str, str] = {}
    region: _Text | None = None
    places: Annotated[int, msgspec.Meta(ge=0)] = 1
    working_languages: tuple[str, ...] = ()
    language_support: bool = False
    language_leeway: Annotated[int, msgspec.Meta(ge=0, le=MAX_LANGUAGE_LEEWAY)] = 0


class _CandidateIn(msgspec.Struct, forbid_unknown_fields=True):
    id: _Text
    competences: tuple[_ClaimIn, ...] = ()
    languages: dict[str, str] = {}
    regions: tuple[_Text, ...] = ()


class _DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    positions: tuple[_PositionIn, ...]
    candidates: tuple[_CandidateIn, ...]
    # UNSET (absent) means no vocabulary; null is not allowed, as in the careful reader.
    competences: tuple[_CompetenceIn, ...] | msgspec.UnsetType = msgspec.UNSET


class _Problem(msgspec.Struct, gc=False):
    """A checked document, shaped as `MatchingInput` (no vocabulary: None) for conversion."""

    positions: tuple[_PositionIn, ...]
    candidates: tuple[_CandidateIn, ...]
    competences: tuple[_CompetenceIn, ...] | None


_DECODER = msgspec.json.Decoder(_DocumentIn)


class _NotValid(Exception):
    """The fast reader found a problem; the careful reader will name it."""


def load_document(text: str | bytes) -> MatchingInput:
    """Parse and check a JSON document (CONTRACTS.md, "Matching input and output").

    Raises
    ------
    InputError
        With a one-line message naming the place of the first problem.
    """
    # The fast reader first (UnicodeError: a str holding a lone surrogate, which msgspec cannot
    # read and `json` can); on any doubt the careful one, which names the problem.
    try:
        return _built(_DECODER.decode(text))
    except (msgspec.MsgspecError, UnicodeError, _NotValid):
        pass
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
    return _parse_carefully(document)


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
    try:
        return _built(msgspec.convert(document, _DocumentIn, strict=True))
    except (msgspec.MsgspecError, _NotValid):
        return _parse_carefully(document)


def _built(document: _DocumentIn) -> MatchingInput:
    """The `MatchingInput` of a decoded document, after the checks msgspec cannot make.

    Raises `_NotValid` at the first problem; the careful reader then names it.
    """
    positions, candidates = document.positions, document.candidates
    competences = document.competences
    texts: list[str] = [p.id for p in positions]
    texts += [p.region for p in positions if p.region is not None]
    for position in positions:
        texts += [r.competence for r in position.required]
        texts += [r.competence for r in position.optional]
        position.languages = _normal_languages(position.languages)
        if position.working_languages:
            position.working_languages = _normal_codes(position.working_languages)
    texts += [c.id for c in candidates]
    for candidate in candidates:
        texts += [c.competence for c in candidate.competences]
        texts += candidate.regions
        candidate.languages = _normal_languages(candidate.languages)
    if isinstance(competences, msgspec.UnsetType):
        vocabulary = None
    else:
        texts += [c.id for c in competences]
        texts += [c.label for c in competences]
        for competence in competences:
            texts += competence.alt_labels
        vocabulary = competences
    # A text of spaces only (msgspec already refused empty ones), or a repeated id.
    if not all(map(str.strip, texts)):
        raise _NotValid
    for items in (positions, candidates, vocabulary or ()):
        if len({item.id for item in items}) != len(items):
            raise _NotValid
    # The public types check levels and languages again in `__post_init__`; that is cheap.
    return msgspec.convert(
        _Problem(positions, candidates, vocabulary), MatchingInput, from_attributes=True
    )


def _normal_languages(languages: dict[str, str]) -> dict[str, str]:
    """The languages with codes in lower case and CEFR levels in capitals, as the careful
    reader keeps them; raises `_NotValid` for a bad level, a blank or a repeated code."""
    for code, level in languages.items():
        if level not in _CEFR_RANK or code != code.strip().lower() or not code:
            break
    else:
        return languages  # already in normal form: the usual case
    normal: dict[str, str] = {}
    for code, level in languages.items():
        key, cefr = code.strip().lower(), level.strip().upper()
        if not key or cefr not in _CEFR_RANK or key in normal:
            raise _NotValid
        normal[key] = cefr
    return normal


def _normal_codes(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Language codes in lower case, as the careful reader keeps them; raises `_NotValid` for
    a blank or a repeated code."""
    normal = tuple(code.strip().lower() for code in codes)
    if not all(normal) or len(set(normal)) != len(normal):
        raise _NotValid
    return normal


def _parse_carefully(document: object) -> MatchingInput:
    """`parse_document` in plain Python, naming the place of the first problem."""
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


def _working_languages(value: object, where: str) -> tuple[str, ...]:
    codes: list[str] = []
    for i, code in enumerate(_array(value, where)):
        key = _text(code, f"{where}[{i}]").strip().lower()
        if key in codes:
            raise InputError(f"{where}[{i}]: language {key!r} is given twice")
        codes.append(key)
    return tuple(codes)


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
        optional={
            "title",
            "required",
            "optional",
            "languages",
            "region",
            "places",
            "working_languages",
            "language_support",
            "language_leeway",
        },
    )
    title = item.get("title", "")
    if not isinstance(title, str):
        raise InputError(f"{where}.title: expected a string, got {_kind(title)}")
    region = item.get("region")
    places = item.get("places", 1)
    if isinstance(places, bool) or not isinstance(places, int) or places < 0:
        raise InputError(f"{where}.places: expected a whole number of 0 or more, got {places!r}")
    support = item.get("language_support", False)
    if not isinstance(support, bool):
        raise InputError(f"{where}.language_support: expected true or false, got {_kind(support)}")
    leeway = item.get("language_leeway", 0)
    if (
        isinstance(leeway, bool)
        or not isinstance(leeway, int)
        or not 0 <= leeway <= MAX_LANGUAGE_LEEWAY
    ):
        raise InputError(
            f"{where}.language_leeway: expected a whole number from 0 to {MAX_LANGUAGE_LEEWAY},"
            f" got {_kind(leeway)}"
        )
    return Position(
        id=_text(item["id"], f"{where}.id"),
        title=title,
        required=_items(item.get("required", []), f"{where}.required", _requirement),
        optional=_items(item.get("optional", []), f"{where}.optional", _requirement),
        languages=_languages(item.get("languages", {}), f"{where}.languages"),
        region=None if region is None else _text(region, f"{where}.region"),
        places=places,
        working_languages=_working_languages(
            item.get("working_languages", []), f"{where}.working_languages"
        ),
        language_support=support,
        language_leeway=leeway,
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
