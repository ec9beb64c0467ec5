"""matching: the ranking engine of the ISOK portal.

A library with plain data in and plain data out: it imports nothing of the portal, the web or
the database. Build a `MatchingInput` (or read the JSON document with `load_document`), fit a
`CompetenceMatcher`, then rank candidates for positions, positions for candidates, or
`assign` candidates to places. docs/matching.md explains the score for counsellors.

The names below are loaded from their modules on first use, so that a program that only ranks
does not pay for the assignment's solver (scipy.optimize) and one that only reads documents
does not pay for scipy at all (docs/performance.md, "The command line, whole process").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matching.assignment import Assignment, AssignmentResult, assign
    from matching.explanation import (
        CompetenceResult,
        Explanation,
        FilterResult,
        Match,
        Ranking,
        ScoreParts,
        SupportFit,
        UnmappedReference,
    )
    from matching.model import (
        Candidate,
        Claim,
        Competence,
        InputError,
        MatchingInput,
        Position,
        Requirement,
        load_document,
        parse_document,
    )
    from matching.scoring import SCALE, CompetenceMatcher, Weights
    from matching.vocabulary import Resolution, Suggestion, Vocabulary, normalise

_MODULES = {
    "matching.assignment": ("Assignment", "AssignmentResult", "assign"),
    "matching.explanation": (
        "CompetenceResult",
        "Explanation",
        "FilterResult",
        "Match",
        "Ranking",
        "ScoreParts",
        "SupportFit",
        "UnmappedReference",
    ),
    "matching.model": (
        "Candidate",
        "Claim",
        "Competence",
        "InputError",
        "MatchingInput",
        "Position",
        "Requirement",
        "load_document",
        "parse_document",
    ),
    "matching.scoring": ("SCALE", "CompetenceMatcher", "Weights"),
    "matching.vocabulary": ("Resolution", "Suggestion", "Vocabulary", "normalise"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "SCALE",
    "Assignment",
    "AssignmentResult",
    "Candidate",
    "Claim",
    "Competence",
    "CompetenceMatcher",
    "CompetenceResult",
    "Explanation",
    "FilterResult",
    "InputError",
    "Match",
    "MatchingInput",
    "Position",
    "Ranking",
    "Requirement",
    "Resolution",
    "ScoreParts",
    "Suggestion",
    "SupportFit",
    "UnmappedReference",
    "Vocabulary",
    "Weights",
    "assign",
    "load_document",
    "normalise",
    "parse_document",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'matching' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
