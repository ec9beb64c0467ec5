"""What the engine returns: matches, their explanations and the parts of their scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from matching.vocabulary import Resolution, Suggestion

__all__ = [
    "CompetenceResult",
    "Explanation",
    "FilterResult",
    "Match",
    "Ranking",
    "ScoreParts",
    "UnmappedReference",
]

Kind = Literal["required", "optional"]


@dataclass(frozen=True, slots=True)
class CompetenceResult:
    """How one competence of a position was met by a candidate.

    Attributes
    ----------
    competence_id : str or None
        Vocabulary id; None for a reference that is not in the vocabulary.
    label : str
    requirement : {"required", "optional"}
    min_level : int, 1-5
        The position's minimum level.
    level : int or None, 1-5
        Highest level the candidate holds (self-declared or verified); None when missing.
    verified_level : int or None, 1-5
        Highest level verified by a teacher; None when nothing was verified.
    credit : float, 0-1
        Share of this competence's weight the candidate earns: each level step up to the
        minimum counts 1 when verified and `Weights.self_declared` when only self-declared,
        divided by the minimum level.
    reasons : tuple of {"below_min_level", "self_declared"}
        Why the credit is below 1 (empty when fully matched or missing).
    position_mapping : Resolution
        How the position's reference was understood.
    candidate_mapping : Resolution or None
        How the candidate's reference was understood; None when missing.
    """

    competence_id: str | None
    label: str
    requirement: Kind
    min_level: int
    level: int | None
    verified_level: int | None
    credit: float
    reasons: tuple[str, ...]
    position_mapping: Resolution
    candidate_mapping: Resolution | None


@dataclass(frozen=True, slots=True)
class FilterResult:
    """One hard filter checked for a pair.

    Attributes
    ----------
    filter : {"language", "region"}
    passed : bool
    required : str
        CEFR level, or the position's region.
    held : str, tuple of str, or None
        The candidate's CEFR level (None when they do not speak the language), or their
        regions (empty: they did not restrict where they work).
    language : str or None
        Language code for the language filter.
    """

    filter: Literal["language", "region"]
    passed: bool
    required: str
    held: str | tuple[str, ...] | None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """The score split by where it comes from; the three add up to the score exactly.

    Attributes
    ----------
    required : float
        Weight of required competences × their mean credit.
    optional : float
        Weight of optional competences × their mean credit.
    rarity : float
        Weight of the rarity term × the credit averaged with rare competences counting more.

    Notes
    -----
    Each part is a whole number of millionths and the score is their sum, so they add up
    exactly in decimal; in binary floating point the sum agrees to within 1e-12.
    """

    required: float
    optional: float
    rarity: float

    def total(self) -> float:
        """Sum of the parts, computed in millionths."""
        return (
            round(self.required * 1e6) + round(self.optional * 1e6) + round(self.rarity * 1e6)
        ) / 1e6


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a candidate got their score for a position.

    Attributes
    ----------
    matched : tuple of CompetenceResult
        Held at or above the minimum level, verified (credit 1).
    partial : tuple of CompetenceResult
        Held, but below the minimum level or only self-declared (0 < credit < 1).
    missing_required, missing_optional : tuple of CompetenceResult
        Not held at all (credit 0).
    filters : tuple of FilterResult
        Every hard filter checked; a failed one makes the pair ineligible.
    parts : ScoreParts
    """

    matched: tuple[CompetenceResult, ...]
    partial: tuple[CompetenceResult, ...]
    missing_required: tuple[CompetenceResult, ...]
    missing_optional: tuple[CompetenceResult, ...]
    filters: tuple[FilterResult, ...]
    parts: ScoreParts

    @property
    def failed_filters(self) -> tuple[FilterResult, ...]:
        """The filters that made the pair ineligible."""
        return tuple(f for f in self.filters if not f.passed)


@dataclass(frozen=True, slots=True)
class Match:
    """A candidate-position pair with its score.

    Attributes
    ----------
    position_id, candidate_id : str
    score : float, 0-1
        Rounded to millionths; ranking uses exactly this value, then the id.
    eligible : bool
        False when a hard filter failed; ineligible pairs always rank below eligible ones.
    explanation : Explanation or None
        None when explanations were not asked for.
    """

    position_id: str
    candidate_id: str
    score: float
    eligible: bool
    explanation: Explanation | None


@dataclass(frozen=True, slots=True)
class Ranking:
    """The best matches for one position (``by="position"``) or one candidate.

    Attributes
    ----------
    by : {"position", "candidate"}
        What `id` names: the position whose candidates are ranked, or the candidate whose
        positions are ranked.
    id : str
    matches : tuple of Match
        Eligible first, then by score (highest first), then by id.
    """

    by: Literal["position", "candidate"]
    id: str
    matches: tuple[Match, ...]


@dataclass(frozen=True, slots=True)
class UnmappedReference:
    """A reference that could not be mapped to the vocabulary.

    Attributes
    ----------
    owner : {"position", "candidate"}
    owner_id : str
    label : str
        The reference as given.
    suggestions : tuple of Suggestion
        Closest vocabulary entries, best first.
    """

    owner: Literal["position", "candidate"]
    owner_id: str
    label: str
    suggestions: tuple[Suggestion, ...]
