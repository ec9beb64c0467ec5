"""Read framework files into plain data, checking everything before anything is written.

Two formats: the project's JSON (``docs/frameworks.md``) and ESCO's skills CSV. A reader
either returns a complete :class:`FrameworkData` or raises :class:`FrameworkFileError` whose
message names the place in the file, so an import is all or nothing.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JSON_FORMAT = "isok-framework/1"
MAX_CODE_LENGTH = 200
ESCO_ATTRIBUTION = "This service uses the ESCO classification of the European Commission."
ESCO_REQUIRED_COLUMNS = ("conceptUri", "preferredLabel", "altLabels", "description", "skillType")


class FrameworkFileError(ValueError):
    """A framework file is broken; the message says where and why."""


@dataclass(frozen=True)
class CompetenceData:
    code: str
    labels: dict[str, str]
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    description: dict[str, str] = field(default_factory=dict)
    criteria: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitData:
    code: str
    labels: dict[str, str]
    competences: list[CompetenceData]


@dataclass(frozen=True)
class FrameworkData:
    code: str
    kind: str
    labels: dict[str, str]
    field_labels: dict[str, str]
    source: str
    attribution: str | None
    units: list[UnitData]

    @property
    def competence_count(self) -> int:
        return sum(len(unit.competences) for unit in self.units)


def read_framework_file(path: Path, *, language: str = "en") -> FrameworkData:
    """Read ``path`` as ISOK JSON (``.json``) or an ESCO skills CSV (``.csv``)."""
    if not path.is_file():
        raise FrameworkFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json_framework(path)
    if suffix == ".csv":
        return read_esco_csv(path, language=language)
    raise FrameworkFileError(f"{path}: expected a .json (ISOK format) or .csv (ESCO skills) file")


# --- ISOK JSON -----------------------------------------------------------------------------


def read_json_framework(path: Path) -> FrameworkData:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise FrameworkFileError(
            f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
        ) from None
    return parse_framework_document(document)


def _fail(place: str, message: str) -> FrameworkFileError:
    return FrameworkFileError(f"{place}: {message}" if place else message)


def _object(value: Any, place: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(place, f"expected an object, found {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(place, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(value))
    if missing:
        raise _fail(place, f"missing key {missing[0]!r}")
    return value


def _join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key


def _code(value: Any, place: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(place, "a code must be a non-empty string")
    if len(value) > MAX_CODE_LENGTH:
        raise _fail(place, f"a code may be at most {MAX_CODE_LENGTH} characters long")
    return value.strip()


def _language(key: Any, place: str) -> str:
    if (
        not isinstance(key, str)
        or not (2 <= len(key) <= 3)
        or not key.isalpha()
        or not key.islower()
    ):
        raise _fail(place, f"{key!r} is not a language code such as 'en' or 'fi'")
    return key


def _labels(value: Any, place: str, *, required: bool = True) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(place, 'expected an object of language code to text, like {"en": "..."}')
    if required and not value:
        raise _fail(place, "needs a label in at least one language")
    labels: dict[str, str] = {}
    for key, text in value.items():
        _language(key, place)
        if not isinstance(text, str) or not text.strip():
            raise _fail(f"{place}.{key}", "a label must be non-empty text")
        labels[key] = " ".join(text.split())
    return labels


def _alt_labels(value: Any, place: str) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise _fail(place, "expected an object of language code to a list of texts")
    result: dict[str, list[str]] = {}
    for key, texts in value.items():
        _language(key, place)
        if not isinstance(texts, list):
            raise _fail(f"{place}.{key}", "expected a list of texts")
        cleaned: list[str] = []
        for index, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise _fail(
                    f"{place}.{key}[{index}]", "an alternative label must be non-empty text"
                )
            cleaned.append(" ".join(text.split()))
        result[key] = cleaned
    return result


def _criteria(value: Any, place: str) -> dict[int, dict[str, str]]:
    if not isinstance(value, dict) or not value:
        raise _fail(place, 'expected criteria for grades "1", "3" and/or "5"')
    criteria: dict[int, dict[str, str]] = {}
    for grade, labels in value.items():
        if grade not in ("1", "3", "5"):
            raise _fail(place, f"grade {grade!r} is not one of 1, 3, 5")
        criteria[int(grade)] = _labels(labels, f"{place}.{grade}")
    return criteria


def parse_framework_document(document: Any) -> FrameworkData:
    """Check a decoded ISOK JSON document and turn it into :class:`FrameworkData`."""
    top = _object(
        document,
        "",
        allowed={"format", "code", "labels", "field", "source", "attribution", "units"},
        required={"format", "code", "labels", "units"},
    )
    if top["format"] != JSON_FORMAT:
        raise _fail("format", f"expected {JSON_FORMAT!r}, found {top['format']!r}")
    seen: dict[str, str] = {}

    def unique(code: str, place: str) -> str:
        if code in seen:
            raise _fail(place, f"code {code!r} is used twice (first at {seen[code]})")
        seen[code] = place
        return code

    framework_code = unique(_code(top["code"], "code"), "code")
    source = top.get("source", "")
    attribution = top.get("attribution")
    if not isinstance(source, str):
        raise _fail("source", "expected text")
    if attribution is not None and not isinstance(attribution, str):
        raise _fail("attribution", "expected text or null")
    if not isinstance(top["units"], list) or not top["units"]:
        raise _fail("units", "expected a non-empty list of units")
    units: list[UnitData] = []
    for u_index, raw_unit in enumerate(top["units"]):
        u_place = f"units[{u_index}]"
        unit = _object(
            raw_unit,
            u_place,
            allowed={"code", "labels", "outcomes"},
            required={"code", "labels", "outcomes"},
        )
        unit_code = unique(_code(unit["code"], _join(u_place, "code")), _join(u_place, "code"))
        outcomes = unit["outcomes"]
        if not isinstance(outcomes, list) or not outcomes:
            raise _fail(
                _join(u_place, "outcomes"), "expected a non-empty list of learning outcomes"
            )
        competences: list[CompetenceData] = []
        for o_index, raw_outcome in enumerate(outcomes):
            o_place = f"{u_place}.outcomes[{o_index}]"
            outcome = _object(
                raw_outcome,
                o_place,
                allowed={"code", "labels", "alt_labels", "description", "criteria"},
                required={"code", "labels", "criteria"},
            )
            competences.append(
                CompetenceData(
                    code=unique(
                        _code(outcome["code"], _join(o_place, "code")), _join(o_place, "code")
                    ),
                    labels=_labels(outcome["labels"], _join(o_place, "labels")),
                    alt_labels=_alt_labels(
                        outcome.get("alt_labels", {}), _join(o_place, "alt_labels")
                    ),
                    description=_labels(
                        outcome.get("description", {}),
                        _join(o_place, "description"),
                        required=False,
                    ),
                    criteria=_criteria(outcome["criteria"], _join(o_place, "criteria")),
                )
            )
        units.append(
            UnitData(
                code=unit_code,
                labels=_labels(unit["labels"], _join(u_place, "labels")),
                competences=competences,
            )
        )
    return FrameworkData(
        code=framework_code,
        kind="qualification",
        labels=_labels(top["labels"], "labels"),
        field_labels=_labels(top.get("field", {}), "field", required=False),
        source=source,
        attribution=attribution,
        units=units,
    )


# --- ESCO skills CSV -----------------------------------------------------------------------


def read_esco_csv(path: Path, *, language: str = "en") -> FrameworkData:
    """Read ESCO's skills file (``skills_<lang>.csv``) into one ``ESCO`` skills framework."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            missing = [name for name in ESCO_REQUIRED_COLUMNS if name not in columns]
            if missing:
                raise FrameworkFileError(
                    f"{path}: line 1: missing ESCO column {missing[0]!r} "
                    f"(expected {', '.join(ESCO_REQUIRED_COLUMNS)})"
                )
            by_type: dict[str, list[CompetenceData]] = {}
            seen: dict[str, int] = {}
            for row in reader:
                line = reader.line_num
                uri = (row.get("conceptUri") or "").strip()
                label = " ".join((row.get("preferredLabel") or "").split())
                if not uri:
                    raise FrameworkFileError(f"{path}: line {line}: conceptUri is empty")
                if len(uri) > MAX_CODE_LENGTH:
                    raise FrameworkFileError(f"{path}: line {line}: conceptUri is too long")
                if not label:
                    raise FrameworkFileError(f"{path}: line {line}: preferredLabel is empty")
                if uri in seen:
                    raise FrameworkFileError(
                        f"{path}: line {line}: conceptUri {uri!r} repeats line {seen[uri]}"
                    )
                seen[uri] = line
                alt = [" ".join(a.split()) for a in (row.get("altLabels") or "").split("\n")]
                description = " ".join((row.get("description") or "").split())
                skill_type = (row.get("skillType") or "").strip() or "skill/competence"
                by_type.setdefault(skill_type, []).append(
                    CompetenceData(
                        code=uri,
                        labels={language: label},
                        alt_labels={language: [a for a in alt if a]} if any(alt) else {},
                        description={language: description} if description else {},
                    )
                )
    except UnicodeDecodeError as exc:
        raise FrameworkFileError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise FrameworkFileError(f"{path}: not a readable CSV file ({exc})") from None
    if not by_type:
        raise FrameworkFileError(f"{path}: no skills found")
    units = [
        UnitData(
            code=f"ESCO:{skill_type}",
            labels={"en": f"ESCO {skill_type}"},
            competences=competences,
        )
        for skill_type, competences in sorted(by_type.items())
    ]
    return FrameworkData(
        code="ESCO",
        kind="skills",
        labels={"en": "ESCO skills", "fi": "ESCO-taidot"},
        field_labels={},
        source=f"ESCO skills file {path.name}",
        attribution=ESCO_ATTRIBUTION,
        units=units,
    )
