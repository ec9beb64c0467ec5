"""The JSON documents printed by `isok match rank` and `isok match assign` (CONTRACTS.md).

These functions turn results into plain JSON values (dicts, lists, strings, numbers); they
never print.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matching.assignment import AssignmentResult
from matching.explanation import (
    CompetenceResult,
    Explanation,
    FilterResult,
    Ranking,
    UnmappedReference,
)
from matching.vocabulary import Resolution

__all__ = ["assignment_document", "rank_document"]

JSON = dict[str, Any]


def rank_document(rankings: Sequence[Ranking], unmapped: Sequence[UnmappedReference]) -> JSON:
    """The output of `isok match rank`.

    Rankings by position list ``"candidates"``; rankings by candidate list ``"positions"``.
    """
    return {
        "rankings": [_ranking(r) for r in rankings],
        "unmapped": [_unmapped(u) for u in unmapped],
    }


def assignment_document(result: AssignmentResult) -> JSON:
    """The output of `isok match assign`."""
    return {
        "assignments": [
            {"position": a.position_id, "candidate": a.candidate_id, "score": a.score}
            for a in result.assignments
        ],
        "unassigned_candidates": list(result.unassigned_candidates),
        "unfilled_places": dict(result.unfilled_places),
    }


def _ranking(ranking: Ranking) -> JSON:
    other = "candidate" if ranking.by == "position" else "position"
    entries = []
    for match in ranking.matches:
        entry: JSON = {
            other: match.candidate_id if other == "candidate" else match.position_id,
            "score": match.score,
            "eligible": match.eligible,
        }
        if match.explanation is not None:
            entry["explanation"] = explanation_document(match.explanation)
        entries.append(entry)
    return {ranking.by: ranking.id, f"{other}s": entries}


def explanation_document(explanation: Explanation) -> JSON:
    """One explanation as JSON; `parts` add up to the match's score."""
    return {
        "matched": [_competence(c) for c in explanation.matched],
        "partial": [_competence(c) for c in explanation.partial],
        "missing_required": [_competence(c) for c in explanation.missing_required],
        "missing_optional": [_competence(c) for c in explanation.missing_optional],
        "filters": [_filter(f) for f in explanation.filters],
        "parts": {
            "required": explanation.parts.required,
            "optional": explanation.parts.optional,
            "rarity": explanation.parts.rarity,
        },
    }


def _competence(result: CompetenceResult) -> JSON:
    document: JSON = {
        "competence": result.competence_id,
        "label": result.label,
        "requirement": result.requirement,
        "min_level": result.min_level,
    }
    mapping = {"position": _mapping(result.position_mapping)}
    if result.candidate_mapping is not None:
        document["level"] = result.level
        document["verified_level"] = result.verified_level
        document["credit"] = round(result.credit, 6)
        if result.reasons:
            document["reasons"] = list(result.reasons)
        mapping["candidate"] = _mapping(result.candidate_mapping)
    document["mapping"] = mapping
    return document


def _mapping(resolution: Resolution) -> JSON:
    return {
        "text": resolution.reference,
        "method": resolution.method,
        "similarity": resolution.similarity,
    }


def _filter(result: FilterResult) -> JSON:
    document: JSON = {"filter": result.filter}
    if result.language is not None:
        document["language"] = result.language
    held = result.held
    document["required"] = result.required
    document["held"] = list(held) if isinstance(held, tuple) else held
    document["passed"] = result.passed
    return document


def _unmapped(reference: UnmappedReference) -> JSON:
    return {
        reference.owner: reference.owner_id,
        "label": reference.label,
        "suggestions": [s.label for s in reference.suggestions],
    }
