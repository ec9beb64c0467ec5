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
    "SupportFit",
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
    leeway : bool
        True when the candidate's level is below the required one and the filter passed only
        thanks to the position's `language_leeway`: the workplace bridges the gap with
        language support or another working language the candidate speaks at B1 or above.
    """

    filter: Literal["language", "region"]
    passed: bool
    required: str
    held: str | tuple[str, ...] | None
    language: str | None = None
    leeway: bool = False


@dataclass(frozen=True, slots=True)
class SupportFit:
    """How a workplace's languages and language support fit a candidate's languages.

    The source of the `support` part of the score, for a position with readiness data. It
    reads only the candidate's language levels and the workplace's answers.

    Attributes
    ----------
    fit : float, 0-1
        ``s`` without language support, ``(1 + s) / 2`` with it, where ``s`` is the
        candidate's best level in a working language, counted up to B1: none → 0, A1 → 1/3,
        A2 → 2/3, B1 or above → 1.
    working_languages : tuple of str
        The workplace's working languages (codes, sorted).
    language : str or None
        The working language the candidate speaks best (the first by code on a tie); None when
        they speak none of them.
    held : str or None
        The candidate's CEFR level in `language`.
    language_support : bool
        The workplace offers language support or plain-language instructions.
    """

    fit: float
    working_languages: tuple[str, ...]
    language: str | None
    held: str | None
    language_support: bool


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """The score split by where it comes from; the four add up to the score exactly.

    Attributes
    ----------
    required : float
        Weight of required competences × their mean credit.
    optional : float
        Weight of optional competences × their mean credit.
    rarity : float
        Weight of the rarity term × the credit averaged with rare competences counting more.
    support : float
        `Weights.support` × the fit between the workplace's languages and language support and
        the candidate's languages (`support_fit`); 0 for a position without readiness data.
    support_fit : SupportFit or None
        How `support` was earned; None for a position without readiness data.

    Notes
    -----
    Each part is a whole number of millionths and the score is their sum, so they add up
    exactly in decimal; in binary floating point the sum agrees to within 1e-12. For a position
    with readiness data the competence parts are scaled by ``1 - Weights.support``.
    """

    required: float
    optional: float
    rarity: float
    support: float = 0.0
    support_fit: SupportFit | None = None

    def total(self) -> float:
        """Sum of the parts, computed in millionths."""
        return (
            round(self.required * 1e6)
            + round(self.optional * 1e6)
            + round(self.rarity * 1e6)
            + round(self.support * 1e6)
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

    @property
    def support_fit(self) -> SupportFit | None:
        """How the `support` part was earned (`ScoreParts.support_fit`)."""
        return self.parts.support_fit


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
