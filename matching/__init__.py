"""matching: the ranking engine of the ISOK portal.

A library with plain data in and plain data out: it imports nothing of the portal, the web or
the database. Build a `MatchingInput` (or read the JSON document with `load_document`), fit a
`CompetenceMatcher`, then rank candidates for positions, positions for candidates, or
`assign` candidates to places. docs/matching.md explains the score for counsellors.
"""

from matching.assignment import Assignment, AssignmentResult, assign
from matching.explanation import (
    CompetenceResult,
    Explanation,
    FilterResult,
    Match,
    Ranking,
    ScoreParts,
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
    "UnmappedReference",
    "Vocabulary",
    "Weights",
    "assign",
    "load_document",
    "normalise",
    "parse_document",
]
