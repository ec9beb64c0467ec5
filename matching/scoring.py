"""Scoring candidates against positions with sparse matrices.

How a score is made (see docs/matching.md for the reasons):

* Each competence a position lists earns a **credit** from 0 to 1. The minimum level ``m`` is
  cut into ``m`` steps; a step the candidate holds counts 1 when a teacher verified it and
  ``Weights.self_declared`` (0.7) when it is only self-declared; the credit is the mean over the
  ``m`` steps. A verified level at or above the minimum gives 1; a missing competence gives 0.
* ``score = Weights.required × mean credit of the required competences
  + Weights.optional × mean credit of the optional ones
  + Weights.rarity × credit averaged over all listed competences with weights idf``,
  where ``idf = ln((1 + n) / (1 + df)) + 1`` over the ``n`` candidates, ``df`` of whom hold
  the competence (scikit-learn's smoothed idf), so rare competences count more than common
  ones. A term with nothing to average (e.g. no optional competences) drops out and the
  other weights are scaled up so that they add up to 1; a position that lists no competences
  scores 0 for everyone (there is nothing to compare).
* A position with readiness data (the workplace's working languages or language support,
  `Position.has_readiness`) that lists competences scores ``(1 − Weights.support) × the above
  + Weights.support × fit``, where the fit (0-1) compares the workplace's languages and support
  with the candidate's languages only. Other positions score as above, exactly.

Because every term is linear in the per-step credits, the score of all pairs is one sparse
product: candidates × (competence, level step) by (competence, level step) × positions.
Hard filters (language levels, with the counsellor's leeway where the workplace bridges the
gap, and region) are boolean arrays over blocks of the same product.
No Python loop runs over candidate × position pairs. Explanations are made only for the pairs
returned, over arrays of their competences (`CompetenceMatcher.explain_pairs`); Python only
builds the result objects, or `matching.output` the JSON text.
"""

from __future__ import annotations

import bisect
import copy
import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from scipy import sparse

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
    CEFR_LEVELS,
    MAX_LEVEL,
    Candidate,
    InputError,
    MatchingInput,
    Position,
    Requirement,
    cefr_rank,
)
from matching.vocabulary import FUZZY_LOWER, FUZZY_UPPER, Resolution, Vocabulary, normalise

__all__ = ["SCALE", "CompetenceMatcher", "ExplainedPairs", "Progress", "Weights"]

#: Scores are whole numbers of millionths; ranking and the printed score use the same value.
SCALE = 1_000_000
#: Default number of score cells (rows × columns) computed at once: 2**24 float64 = 128 MiB.
BLOCK_CELLS = 1 << 24
#: Cells of a block turned into ranking keys at once: 2**18 float64 = 2 MiB, about a cache.
TOP_K_CELLS = 1 << 18
#: Pairs explained at once (`CompetenceMatcher.explain_pairs`): a few tens of MiB of arrays.
PAIRS_AT_ONCE = 1 << 15

RequirementKind = Literal["required", "optional"]


Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each block of rows."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score; `required` + `optional` + `rarity` must be 1.

    Parameters
    ----------
    required : float, default 0.6
        Weight of the mean credit of required competences.
    optional : float, default 0.15
        Weight of the mean credit of optional competences.
    rarity : float, default 0.25
        Weight of the idf-weighted mean credit of all listed competences.
    self_declared : float in [0, 1], default 0.7
        Credit of a level step that is only self-declared (a verified step counts 1).
    support : float in [0, 1), default 0.05
        For a position with readiness data (`Position.has_readiness`) that lists competences:
        weight of the fit between the workplace's languages and language support and the
        candidate's languages; the three competence weights are scaled by ``1 - support``.
        Positions without readiness data do not have this term.
    """

    required: float = 0.6
    optional: float = 0.15
    rarity: float = 0.25
    self_declared: float = 0.7
    support: float = 0.05

    def __post_init__(self) -> None:
        terms = (self.required, self.optional, self.rarity)
        if min(terms) < 0 or not math.isclose(sum(terms), 1.0, abs_tol=1e-9):
            raise ValueError("weights must be non-negative and add up to 1")
        if not 0.0 <= self.self_declared <= 1.0:
            raise ValueError("self_declared must be between 0 and 1")
        if not 0.0 <= self.support < 1.0:
            raise ValueError("support must be at least 0 and below 1")


@dataclass(frozen=True, slots=True)
class ExplainedPairs:
    """Explanations of many pairs in flat lists (`CompetenceMatcher.explain_pairs`).

    Row ``r`` is one competence a position lists, for one pair. The rows of pair ``i`` are
    ``bounds[4 i]`` to ``bounds[4 i + 4]``, in the groups of `Explanation`: ``bounds[4 i + 1]``
    ends the matched ones, ``bounds[4 i + 2]`` the partial ones, ``bounds[4 i + 3]`` the
    missing required ones; then the missing optional ones. Each group keeps the position's
    order.

    Attributes
    ----------
    bounds : list of int, length 4 × n_pairs + 1
    entries : list of int
        Per row, which competence of which position it is (the same number is the same
        competence of the same position, in every pair).
    holdings : list of int
        Per row, which competence of which candidate meets it; -1 when the candidate lacks it.
    level, verified_level : list of int
        Per row, the candidate's highest level and highest verified level (0: none); only
        meaningful where the candidate holds the competence, as are the next two.
    credit : list of float
    reasons : list of tuple of str
    listed : dict of int to CompetenceResult
        By entry, the competence as the position lists it, held by no one: the whole result
        of a row whose candidate lacks it (one object per entry, kept by the matcher).
    candidate_mappings : dict of int to Resolution
        By holding, how the candidate's text was understood.
    filters : list of tuple of FilterResult
        Per pair.
    parts : list of ScoreParts
        Per pair; they add up to the pair's score exactly.
    """

    bounds: list[int]
    entries: list[int]
    holdings: list[int]
    level: list[int]
    verified_level: list[int]
    credit: list[float]
    reasons: list[tuple[str, ...]]
    listed: dict[int, CompetenceResult]
    candidate_mappings: dict[int, Resolution]
    filters: list[tuple[FilterResult, ...]]
    parts: list[ScoreParts]

    def result(self, row: int) -> CompetenceResult:
        """The `CompetenceResult` of one row."""
        listed = self.listed[self.entries[row]]
        holding = self.holdings[row]
        if holding < 0:
            return listed
        return CompetenceResult(
            listed.competence_id,
            listed.label,
            listed.requirement,
            listed.min_level,
            self.level[row],
            self.verified_level[row] or None,
            self.credit[row],
            self.reasons[row],
            listed.position_mapping,
            self.candidate_mappings[holding],
        )


def id_order(identifier: str) -> tuple[int, int, str]:
    """Sort key for ids: all-digit ids by value ("9" before "10"), before any other id."""
    if identifier.isascii() and identifier.isdigit():
        return (0, int(identifier), identifier)
    return (1, 0, identifier)


class CompetenceMatcher:
    """Ranks candidates for positions and positions for candidates.

    Parameters
    ----------
    weights : Weights
    fuzzy_upper, fuzzy_lower : float, 0-100
        Thresholds of the label mapping (see `matching.vocabulary`).
    block_cells : int
        How many score cells to hold at once; bounds peak memory at about
        ``block_cells × 10`` bytes beyond the fitted matrices.

    Attributes
    ----------
    position_ids_, candidate_ids_ : tuple of str
        Sorted ids (numbers by value: "9" before "10"; see :func:`id_order`); ties between
        equal scores are broken in this order.
    competence_keys_ : tuple of str
        One per column of the competence space: vocabulary ids, then keys of references
        that stay as given.
    places_ : ndarray of shape (n_positions,)
        Places per position, in `position_ids_` order.
    idf_ : ndarray of shape (n_competences,)
        Rarity weight of each competence over the candidates.
    unmapped_ : tuple of UnmappedReference
        References that could not be mapped, positions first, in id order.

    Examples
    --------
    >>> from matching import CompetenceMatcher, parse_document
    >>> problem = parse_document({"positions": [{"id": "p1", "required": [
    ...     {"competence": "welding", "level": 3}]}], "candidates": [
    ...     {"id": "k1", "competences": [{"competence": "Welding", "level": 3,
    ...     "verified": True}]}]})
    >>> matcher = CompetenceMatcher().fit(problem)
    >>> matcher.rank_candidates(top=1)[0].matches[0].score
    1.0
    """

    def __init__(
        self,
        weights: Weights | None = None,
        *,
        fuzzy_upper: float = FUZZY_UPPER,
        fuzzy_lower: float = FUZZY_LOWER,
        block_cells: int = BLOCK_CELLS,
    ) -> None:
        self.weights = weights if weights is not None else Weights()
        self.fuzzy_upper = fuzzy_upper
        self.fuzzy_lower = fuzzy_lower
        self.block_cells = block_cells

    # --- fitting ------------------------------------------------------------------------------

    def fit(self, problem: MatchingInput) -> CompetenceMatcher:
        """Map every reference and build the sparse matrices.

        A reference that cannot be mapped is kept as written (it matches the same text on the
        other side) and listed in `unmapped_`.
        """
        self._fit_candidates(problem)
        self._positions = tuple(problem.positions)
        self._fit_positions(self._positions)
        return self

    def with_positions(self, positions: Sequence[Position]) -> CompetenceMatcher:
        """The same candidates, fitted once, against other positions.

        Returns a new matcher equal in every result (rankings, scores, explanations,
        `unmapped_`) to ``fit`` on ``MatchingInput(positions, the same candidates, the same
        competences)``, without reading the candidates again: their mapped competences, the
        candidate matrix and the rarity weights are shared with this matcher (never changed by
        either), and only the positions are mapped and weighed. This is what a portal keeps
        in memory between requests (a live index): the candidates are fitted when they change,
        each page brings its own positions.

        Raises
        ------
        InputError
            If two positions share an id.
        """
        ids = [position.id for position in positions]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise InputError(f"positions: id {duplicate!r} is used twice")
        twin = copy.copy(self)
        twin._positions = tuple(positions)
        twin._fit_positions(twin._positions)
        return twin

    def with_candidates(
        self, candidates: Sequence[Candidate] = (), *, removed: Collection[str] = ()
    ) -> CompetenceMatcher:
        """These candidates added (or, for an id already fitted, changed), ``removed`` left
        out, everyone else as fitted.

        Returns a new matcher equal in every result to ``fit`` on the same positions and
        competences with the candidates as they are now. Only the given candidates are
        mapped; the others' holdings are carried over with array operations, so a change costs
        time in proportion to what changed plus one pass of array copies, not a new fit. This
        matcher is left as it was. An id in ``removed`` that was never fitted is ignored.

        Raises
        ------
        InputError
            If two of ``candidates`` share an id.
        """
        ids = [candidate.id for candidate in candidates]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise InputError(f"candidates: id {duplicate!r} is used twice")
        twin = copy.copy(self)
        twin._update_candidates(candidates, set(removed))
        twin._fit_positions(twin._positions)
        return twin

    def _fit_candidates(self, problem: MatchingInput) -> None:
        """The candidates' side: vocabulary, holdings, candidate matrix, rarity, filters.

        The columns of the competence space are numbered in one canonical order: the
        vocabulary's competences by id, then every other key held by a candidate, sorted;
        positions add theirs after (`_fit_positions`). So a fit, a matcher brought up to date
        (`with_candidates`) and one given other positions (`with_positions`) number the same
        competences the same, and compute the same scores to the last bit.
        """
        self.vocabulary_ = Vocabulary(
            problem.competences, upper=self.fuzzy_upper, lower=self.fuzzy_lower
        )
        self._resolved: dict[str, Resolution] = {}
        vocabulary = sorted(problem.competences or (), key=lambda c: c.id)
        self._vocabulary_keys = tuple(c.id for c in vocabulary)
        self._vocabulary_labels = tuple(c.label for c in vocabulary)
        # Label and vocabulary id of every other key a candidate ever held (shared by twins:
        # both follow from the key).
        self._extra_keys: dict[str, tuple[str, str | None]] = {}
        self._region_keys: dict[str, str] = {}  # region as written → its key (shared cache)
        # Nobody yet; `_update_candidates` adds everyone.
        self.candidate_ids_: tuple[str, ...] = ()
        self._candidate_id_array = _objects([])
        self._candidate_index: dict[str, int] = {}
        self._column_keys: tuple[str, ...] = self._vocabulary_keys
        self._holding_indptr = np.zeros(1, dtype=np.int64)
        self._holding_columns = np.zeros(0, dtype=np.int64)
        self._holding_levels = np.zeros(0, dtype=np.int64)
        self._holding_verified = np.zeros(0, dtype=np.int64)
        self._holding_mappings = _objects([])
        self._candidate_unmapped: dict[tuple[int, str, str], UnmappedReference] = {}
        self._candidate_languages: tuple[str, ...] = ()
        self._candidate_held_language = np.zeros((0, 0), dtype=np.int8)
        self._candidate_region_keys: tuple[str, ...] = ()
        self._candidate_region_matrix = np.zeros((0, 0), dtype=bool)
        self._candidate_regions_given = _objects([])
        self._update_candidates(problem.candidates, set())

    def _update_candidates(self, candidates: Sequence[Candidate], removed: set[str]) -> None:
        """Replace the candidate side: the fitted candidates but ``removed`` and those of
        ``candidates``, plus ``candidates``, in id order (see `with_candidates`)."""
        old_ids, index = self.candidate_ids_, self._candidate_index
        n_old = len(old_ids)
        leaving = removed | {candidate.id for candidate in candidates}
        keep = np.ones(n_old, dtype=bool)
        keep[[index[i] for i in leaving if i in index]] = False
        kept_rows = np.flatnonzero(keep)
        arriving = sorted(candidates, key=lambda c: id_order(c.id))
        # Where each arriving candidate goes among those kept (its place among all the old
        # ones, less the old ones leaving before it); rows n_old, n_old + 1, ... are the
        # arriving ones in the combined numbering used below.
        places = [bisect.bisect_left(old_ids, id_order(c.id), key=id_order) for c in arriving]
        at = np.asarray(places, dtype=np.int64) - np.searchsorted(np.flatnonzero(~keep), places)
        source = np.insert(kept_rows, at, n_old + np.arange(len(arriving), dtype=np.int64))
        ids = np.insert(self._candidate_id_array[kept_rows], at, _objects([c.id for c in arriving]))

        # The arriving candidates' holdings, by key.
        unmapped = {k: v for k, v in self._candidate_unmapped.items() if k[1] not in leaving}
        extra = self._extra_keys
        resolved, resolve = self._resolved, self.vocabulary_.resolve
        counts: list[int] = []
        keys: list[str] = []
        levels: list[int] = []
        verified_levels: list[int] = []
        mappings: list[Resolution] = []
        # Per reference: its resolution, key and whether it mapped (looked up once a call).
        seen: dict[str, tuple[Resolution, str, bool]] = {}
        for candidate in arriving:
            held: dict[str, list[Any]] = {}
            for claim in candidate.competences:
                reference = claim.competence
                entry = seen.get(reference)
                if entry is None:
                    resolution = resolved.get(reference)
                    if resolution is None:
                        resolution = resolved[reference] = resolve(reference)
                    entry = seen[reference] = (resolution, resolution.key, resolution.mapped)
                resolution, key, mapped = entry
                if not mapped:
                    unmapped.setdefault(
                        (1, candidate.id, reference),
                        UnmappedReference(
                            "candidate", candidate.id, reference, resolution.suggestions
                        ),
                    )
                verified = claim.level if claim.verified else 0
                holding = held.get(key)
                if holding is None:
                    held[key] = [claim.level, verified, resolution]
                elif claim.level > holding[0] or verified > holding[1]:
                    holding[0] = max(holding[0], claim.level)
                    holding[1] = max(holding[1], verified)
            for key, (level, verified, resolution) in held.items():
                keys.append(key)
                levels.append(level)
                verified_levels.append(verified)
                mappings.append(resolution)
            counts.append(len(held))
        for resolution, key, _mapped in seen.values():
            if key not in extra and resolution.competence_id != key:
                extra[key] = (resolution.label, resolution.competence_id)

        # The columns: the vocabulary, then every other key still held, sorted.
        n_vocabulary = len(self._vocabulary_keys)
        old_keys = self._column_keys
        kept_holdings = np.repeat(keep, np.diff(self._holding_indptr))
        still = np.bincount(self._holding_columns[kept_holdings], minlength=len(old_keys))
        others = {old_keys[c] for c in np.flatnonzero(still).tolist() if c >= n_vocabulary}
        vocabulary_index = {key: i for i, key in enumerate(self._vocabulary_keys)}
        others.update(key for key in keys if key not in vocabulary_index)
        column_keys = self._vocabulary_keys + tuple(sorted(others))
        columns = {key: i for i, key in enumerate(column_keys)}
        renumbered = np.array([columns.get(key, -1) for key in old_keys], dtype=np.int64)

        # Arriving holdings in column order within each candidate.
        new_columns = np.array([columns[key] for key in keys], dtype=np.int64)
        new_rows = np.repeat(np.arange(len(arriving)), counts)
        order = np.lexsort((new_columns, new_rows))
        new_indptr = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])

        # Everyone's holdings, gathered row by row in the new order.
        end = self._holding_indptr[-1]
        combined_indptr = np.concatenate([self._holding_indptr, end + new_indptr[1:]])
        starts = combined_indptr[source]
        sizes = combined_indptr[source + 1] - starts
        offsets = np.cumsum(sizes) - sizes
        take = np.repeat(starts - offsets, sizes) + np.arange(int(sizes.sum()), dtype=np.int64)
        self._holding_indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._holding_columns = np.concatenate(
            [renumbered[self._holding_columns], new_columns[order]]
        )[take]
        self._holding_levels = np.concatenate(
            [self._holding_levels, np.asarray(levels, dtype=np.int64)[order]]
        )[take]
        self._holding_verified = np.concatenate(
            [self._holding_verified, np.asarray(verified_levels, dtype=np.int64)[order]]
        )[take]
        self._holding_mappings = np.concatenate(
            [self._holding_mappings, _objects(mappings)[order]]
        )[take]

        self._candidate_id_array = ids
        self.candidate_ids_ = tuple(ids.tolist())
        self._candidate_index = dict(zip(self.candidate_ids_, range(len(ids)), strict=True))
        self._column_keys = column_keys
        self._candidate_columns = columns
        self._candidate_labels = self._vocabulary_labels + tuple(
            extra[key][0] for key in column_keys[n_vocabulary:]
        )
        self._candidate_competence_ids = self._vocabulary_keys + tuple(
            extra[key][1] for key in column_keys[n_vocabulary:]
        )
        self._candidate_unmapped = unmapped
        self._update_candidate_filters(arriving, keep, source)
        self._build_candidate_matrices()

    def _update_candidate_filters(
        self, arriving: Sequence[Candidate], keep: BoolArray, source: IntArray
    ) -> None:
        """Languages and regions of the candidates in their new order (`_update_candidates`):
        ``source`` numbers the old rows first, then ``arriving``."""
        n_old = len(keep)
        levels = _CEFR_RANKS
        old_codes, old_held = self._candidate_languages, self._candidate_held_language
        codes = sorted(
            {old_codes[i] for i in np.flatnonzero(old_held[keep].any(axis=0)).tolist()}
            | {code for candidate in arriving for code in candidate.languages}
        )
        code_index = {code: i for i, code in enumerate(codes)}
        held = np.zeros((n_old + len(arriving), len(codes)), dtype=np.int8)
        for column, code in enumerate(old_codes):
            if code in code_index:
                held[:n_old, code_index[code]] = old_held[:, column]
        for row, candidate in enumerate(arriving, start=n_old):
            for code, level in candidate.languages.items():
                held[row, code_index[code]] = levels.get(level) or cefr_rank(level)
        self._candidate_languages = tuple(codes)
        self._candidate_held_language = held[source]

        # A region is named as the first candidate (in id order) wrote it, unless a position
        # names it (`_build_position_filters`).
        region_key = self._region_keys
        for candidate in arriving:
            for region in candidate.regions:
                if region not in region_key:
                    region_key[region] = normalise(region)
        old_keys, old_regions = self._candidate_region_keys, self._candidate_region_matrix
        keys = sorted(
            {old_keys[i] for i in np.flatnonzero(old_regions[keep].any(axis=0)).tolist()}
            | {region_key[region] for candidate in arriving for region in candidate.regions}
        )
        key_index = {key: i for i, key in enumerate(keys)}
        regions = np.zeros((n_old + len(arriving), len(keys)), dtype=bool)
        for column, key in enumerate(old_keys):
            if key in key_index:
                regions[:n_old, key_index[key]] = old_regions[:, column]
        for row, candidate in enumerate(arriving, start=n_old):
            for region in candidate.regions:
                regions[row, key_index[region_key[region]]] = True
        given = np.concatenate(
            [self._candidate_regions_given, _objects([tuple(c.regions) for c in arriving])]
        )[source]
        self._candidate_region_keys = tuple(keys)
        self._candidate_region_matrix = regions[source]
        self._candidate_regions_given = given
        first = (
            self._candidate_region_matrix.argmax(axis=0).tolist()
            if len(self._candidate_region_matrix)
            else []
        )
        self._candidate_region_names: dict[str, str] = {
            key: next(r for r in given[row] if region_key[r] == key)
            for key, row in zip(keys, first, strict=True)
        }
        self._candidate_has_region: BoolArray = np.asarray(
            self._candidate_region_matrix.any(axis=1)
        )

    def _fit_positions(self, positions: Sequence[Position]) -> None:
        """The positions' side, over the candidates' side as `_fit_candidates` left it."""
        self._columns = dict(self._candidate_columns)
        self._labels = list(self._candidate_labels)
        self._competence_ids = list(self._candidate_competence_ids)
        self._unmapped = dict(self._candidate_unmapped)
        position_order = sorted(range(len(positions)), key=lambda i: id_order(positions[i].id))
        self.position_ids_ = tuple(positions[i].id for i in position_order)
        self._position_index = {pid: row for row, pid in enumerate(self.position_ids_)}
        self.places_ = np.array([positions[i].places for i in position_order], dtype=np.int64)
        # Per position: (column, requirement, minimum level, resolution), required first.
        self._position_entries: list[tuple[tuple[int, RequirementKind, int, Resolution], ...]] = []
        for original in position_order:
            position = positions[original]
            entries: dict[int, tuple[RequirementKind, int, Resolution]] = {}
            lists: tuple[tuple[RequirementKind, tuple[Requirement, ...]], ...] = (
                ("required", position.required),
                ("optional", position.optional),
            )
            for kind, requirements in lists:
                for requirement in requirements:
                    column, resolution = self._resolve(
                        requirement.competence, "position", position.id
                    )
                    previous = entries.get(column)
                    if previous is None:
                        entries[column] = (kind, requirement.level, resolution)
                    elif previous[0] == kind and requirement.level > previous[1]:
                        entries[column] = (previous[0], requirement.level, previous[2])
            ordered = sorted(entries.items(), key=lambda e: (e[1][0] != "required", e[0]))
            self._position_entries.append(
                tuple((column, kind, level, res) for column, (kind, level, res) in ordered)
            )
        self.competence_keys_ = tuple(self._columns)
        self.unmapped_ = tuple(self._unmapped[key] for key in sorted(self._unmapped))
        in_order = [positions[i] for i in position_order]
        # Working languages or language support known: the score has the support part.
        self._has_readiness: BoolArray = np.array(
            [position.has_readiness for position in in_order], dtype=np.bool_
        )
        self._build_position_matrices()
        self._build_position_filters(in_order)

    def _resolve(
        self, reference: str, owner: Literal["position", "candidate"], owner_id: str
    ) -> tuple[int, Resolution]:
        resolution = self._resolved.get(reference)
        if resolution is None:
            resolution = self.vocabulary_.resolve(reference)
            self._resolved[reference] = resolution
        if not resolution.mapped:
            self._unmapped.setdefault(
                (0 if owner == "position" else 1, owner_id, reference),
                UnmappedReference(owner, owner_id, reference, resolution.suggestions),
            )
        column = self._column(resolution.key, resolution.competence_id, resolution.label)
        return column, resolution

    def _column(self, key: str, competence_id: str | None, label: str) -> int:
        column = self._columns.get(key)
        if column is None:
            column = self._columns[key] = len(self._columns)
            self._labels.append(label)
            self._competence_ids.append(competence_id)
        return column

    def _build_candidate_matrices(self) -> None:
        n_candidates = len(self.candidate_ids_)
        n_columns = self._n_candidate_columns = len(self._candidate_columns)
        steps = MAX_LEVEL
        rows = np.repeat(np.arange(n_candidates), np.diff(self._holding_indptr))

        # scikit-learn's smoothed idf (TfidfTransformer(smooth_idf=True)), the same operations
        # in the same order; a candidate holds each column at most once. Columns that only
        # positions bring (`_build_position_matrices`) are held by nobody.
        holders = np.bincount(self._holding_columns, minlength=n_columns).astype(np.float64)
        self._candidate_idf = _smoothed_idf(n_candidates, holders)

        # Candidate ladder: column (competence × 5 + step − 1) holds the credit of that step.
        data, row_parts, col_parts = [], [], []
        for step in range(1, steps + 1):
            holds = self._holding_levels >= step
            credit = np.where(self._holding_verified >= step, 1.0, self.weights.self_declared)
            data.append(credit[holds])
            row_parts.append(rows[holds])
            col_parts.append(self._holding_columns[holds] * steps + step - 1)
        x = sparse.csr_matrix(
            (np.concatenate(data), (np.concatenate(row_parts), np.concatenate(col_parts))),
            shape=(n_candidates, n_columns * steps),
        )
        x.sum_duplicates()
        self._candidate_X = x
        self._candidate_XT = x.T.tocsr()
        # A holding is found by its key (candidate row × columns + column), increasing since
        # each row's columns are sorted.
        self._holding_keys = rows * n_columns + self._holding_columns

    def _build_position_matrices(self) -> None:
        n_candidates = len(self.candidate_ids_)
        n_positions = len(self.position_ids_)
        n_columns = len(self._columns)
        steps = MAX_LEVEL
        added = n_columns - self._n_candidate_columns
        if added:
            # References only positions make: nobody holds them. The candidate matrices only
            # grow empty columns (rows of the transpose); their arrays are shared, not copied.
            self.idf_: FloatArray = np.concatenate(
                [self._candidate_idf, _smoothed_idf(n_candidates, np.zeros(added))]
            )
            x, xt = self._candidate_X, self._candidate_XT
            self._X = sparse.csr_matrix(
                (x.data, x.indices, x.indptr), shape=(n_candidates, n_columns * steps), copy=False
            )
            indptr = np.concatenate([xt.indptr, np.full(added * steps, xt.indptr[-1])])
            self._XT = sparse.csr_matrix(
                (xt.data, xt.indices, indptr), shape=(n_columns * steps, n_candidates), copy=False
            )
        else:
            self.idf_ = self._candidate_idf
            self._X, self._XT = self._candidate_X, self._candidate_XT

        # Position side: the weight of each listed competence, spread over its minimum level.
        w = self.weights
        p_rows: list[int] = []
        p_cols: list[int] = []
        p_min: list[int] = []
        p_required: list[bool] = []
        for row, entries in enumerate(self._position_entries):
            for column, kind, minimum, _resolution in entries:
                p_rows.append(row)
                p_cols.append(column)
                p_min.append(minimum)
                p_required.append(kind == "required")
        rows_p = np.asarray(p_rows, dtype=np.int64)
        cols_p = np.asarray(p_cols, dtype=np.int64)
        minimum_p = np.asarray(p_min, dtype=np.int64)
        required_p = np.asarray(p_required, dtype=bool)
        n_required = np.bincount(rows_p[required_p], minlength=n_positions)
        n_optional = np.bincount(rows_p[~required_p], minlength=n_positions)
        idf_p = self.idf_[cols_p] if len(cols_p) else np.zeros(0)
        idf_sum = np.bincount(rows_p, weights=idf_p, minlength=n_positions)
        self._n_required = n_required
        self._n_optional = n_optional
        self._idf_sum = idf_sum
        # The same entries, kept for explanations: those of position i are
        # entry_indptr[i]:entry_indptr[i + 1].
        self._entry_indptr = np.concatenate(
            [[0], np.cumsum(np.bincount(rows_p, minlength=n_positions))]
        ).astype(np.int64)
        self._entry_columns = cols_p
        self._entry_minimum = minimum_p
        self._entry_required = required_p
        self._entry_mappings = [e[3] for entries in self._position_entries for e in entries]
        self._listed_results: dict[int, CompetenceResult] = {}
        # A term with nothing to average (no optional competences, say) drops out and the
        # others are scaled up, so that meeting everything the position lists scores 1.
        terms = np.column_stack(
            [
                w.required * (n_required > 0),
                w.optional * (n_optional > 0),
                w.rarity * ((n_required + n_optional) > 0),
            ]
        )
        active = terms.sum(axis=1, keepdims=True)
        self._term_weights: FloatArray = np.divide(
            terms, active, out=np.zeros_like(terms), where=active > 0
        )
        # A position with readiness data that lists competences gives `w.support` to the fit
        # of languages (`_support_fit`); its competence terms keep ``1 - w.support``. Others
        # are multiplied by exactly 1: their scores do not change.
        self._support_weight: FloatArray = np.where(
            self._has_readiness & ((n_required + n_optional) > 0), w.support, 0.0
        )
        self._term_weights *= (1.0 - self._support_weight)[:, np.newaxis]
        t = self._term_weights
        weight = np.where(
            required_p,
            t[rows_p, 0] / np.maximum(n_required[rows_p], 1),
            t[rows_p, 1] / np.maximum(n_optional[rows_p], 1),
        ) + t[rows_p, 2] * idf_p / np.maximum(idf_sum[rows_p], 1e-300)
        data, row_parts, col_parts = [], [], []
        for step in range(1, steps + 1):
            listed = minimum_p >= step
            data.append((weight / minimum_p)[listed])
            row_parts.append(rows_p[listed])
            col_parts.append(cols_p[listed] * steps + step - 1)
        self._Y = sparse.csr_matrix(
            (np.concatenate(data), (np.concatenate(row_parts), np.concatenate(col_parts))),
            shape=(n_positions, n_columns * steps),
        )
        self._YT = self._Y.T.tocsr()

    def _build_position_filters(self, positions: Sequence[Position]) -> None:
        """The positions' language levels and regions, over the candidates' (shared unless a
        position brings a language or region no candidate has)."""
        codes = sorted(
            {code for p in positions for code in (*p.languages, *p.working_languages)}.union(
                self._candidate_languages
            )
        )
        self._languages = tuple(codes)
        language_index = {code: i for i, code in enumerate(codes)}
        self._required_language = np.zeros((len(positions), len(codes)), dtype=np.int8)
        # The workplace's working languages, language support and the counsellor's leeway.
        self._working_language = np.zeros((len(positions), len(codes)), dtype=bool)
        for row, position in enumerate(positions):
            for code, level in position.languages.items():
                self._required_language[row, language_index[code]] = cefr_rank(level)
            for code in position.working_languages:
                self._working_language[row, language_index[code]] = True
        self._language_support = np.array([p.language_support for p in positions], dtype=bool)
        self._language_leeway = np.array([p.language_leeway for p in positions], dtype=np.int8)
        self._held_language = _widen(
            self._candidate_held_language, self._candidate_languages, language_index
        )

        region_names: dict[str, str] = {}
        for position in positions:
            if position.region is not None:
                region_names.setdefault(normalise(position.region), position.region)
        for key, name in self._candidate_region_names.items():
            region_names.setdefault(key, name)
        keys = sorted(region_names)
        self._region_names = tuple(region_names[k] for k in keys)
        region_index = {key: i for i, key in enumerate(keys)}
        self._position_region = np.array(
            [-1 if p.region is None else region_index[normalise(p.region)] for p in positions],
            dtype=np.int64,
        )
        self._candidate_regions = _widen(
            self._candidate_region_matrix, self._candidate_region_keys, region_index
        )
        # Made as explanations need them (`_filter_results`).
        self._region_of: list[int] = self._position_region.tolist()
        self._languages_required: dict[int, list[tuple[int, int]]] = {}
        self._regions_held: dict[int, tuple[int, ...]] = {}
        self._language_results: dict[tuple[int, int, int, bool, bool], FilterResult] = {}
        self._region_results: dict[tuple[int, tuple[int, ...]], FilterResult] = {}
        self._support_fits: dict[tuple[int, int, int], SupportFit] = {}

    # --- scores and filters over blocks -------------------------------------------------------

    def _eligible(
        self, position_rows: IntArray, candidate_rows: IntArray | slice
    ) -> BoolArray | None:
        """Hard filters, shape (len(position_rows), n selected candidates); None: all pass."""
        eligible: BoolArray | None = None
        required = self._required_language[position_rows]
        leeway = _Leeway.of(self, position_rows, candidate_rows)
        for language in np.flatnonzero(required.any(axis=0)):
            held = self._held_language[candidate_rows, language]
            passed = held[np.newaxis, :] >= required[:, language, np.newaxis]
            if leeway is not None:
                passed |= leeway.passes(int(language), held, required[:, language])
            eligible = passed if eligible is None else eligible & passed
        regions = self._position_region[position_rows]
        has_region: BoolArray = self._candidate_has_region[candidate_rows]
        if (regions >= 0).any() and has_region.any():
            in_region = self._candidate_regions[candidate_rows][:, np.maximum(regions, 0)].T
            passed = (regions < 0)[:, np.newaxis] | ~has_region[np.newaxis, :] | in_region
            eligible = passed if eligible is None else eligible & passed
        return eligible

    def _position_block_scores(self, position_rows: IntArray) -> FloatArray:
        """Raw scores, shape (len(position_rows), n_candidates)."""
        scores: FloatArray = (self._Y[position_rows] @ self._XT).toarray()
        support = _support_term(self, position_rows, slice(None))
        if support is not None:
            scores += support
        return scores

    def _candidate_block_scores(self, candidate_rows: IntArray) -> FloatArray:
        """Raw scores, shape (len(candidate_rows), n_positions)."""
        scores: FloatArray = (self._X[candidate_rows] @ self._YT).toarray()
        support = _support_term(self, np.arange(len(self.position_ids_)), candidate_rows)
        if support is not None:
            scores += support.T
        return scores

    def score_matrix(self) -> tuple[IntArray, BoolArray]:
        """All scores at once, for small problems such as assignment.

        Returns
        -------
        scores : ndarray of shape (n_positions, n_candidates), int64
            Scores in millionths (divide by `SCALE`).
        eligible : ndarray of shape (n_positions, n_candidates), bool
        """
        rows = np.arange(len(self.position_ids_))
        raw = self._position_block_scores(rows)
        scores = np.rint(raw * SCALE).astype(np.int64)
        eligible = self._eligible(rows, slice(None))
        if eligible is None:
            eligible = np.ones(scores.shape, dtype=bool)
        return scores, eligible

    # --- ranking ------------------------------------------------------------------------------

    def rank_candidates(
        self,
        positions: Sequence[str] | None = None,
        *,
        top: int | None = 10,
        explain: bool = True,
        progress: Progress | None = None,
    ) -> list[Ranking]:
        """Best candidates for each position.

        Parameters
        ----------
        positions : sequence of str or None
            Position ids; None ranks for every position, in id order.
        top : int or None
            Candidates per position; None ranks all of them.
        explain : bool
            Attach an `Explanation` to each match.
        progress : callable or None
            ``progress(done, total)`` after each block of positions.

        Returns
        -------
        list of Ranking, one per position, ``by="position"``.
        """
        return self._rankings("position", positions, top, explain, progress)

    def rank_positions(
        self,
        candidates: Sequence[str] | None = None,
        *,
        top: int | None = 10,
        explain: bool = True,
        progress: Progress | None = None,
    ) -> list[Ranking]:
        """Best positions for each candidate; parameters as in `rank_candidates`.

        Returns
        -------
        list of Ranking, one per candidate, ``by="candidate"``.
        """
        return self._rankings("candidate", candidates, top, explain, progress)

    def top_indices(
        self,
        by: Literal["position", "candidate"],
        *,
        top: int | None = 10,
        rows: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> Iterator[tuple[IntArray, IntArray, IntArray, BoolArray]]:
        """The ranking as arrays, without building `Match` objects.

        Yields
        ------
        rows : ndarray of shape (n_block,)
            Row numbers of the ranked positions (``by="position"``) or candidates.
        chosen : ndarray of shape (n_block, k)
            Row numbers of the candidates (or positions) ranked, best first.
        scores : ndarray of shape (n_block, k), int64
            Scores in millionths.
        eligible : ndarray of shape (n_block, k), bool
        """
        for block, (chosen, keys) in self._blocks(self._rows(by, rows), by, top, progress):
            scores, eligible = _decode(keys, self._n_other(by))
            yield block, chosen, scores, eligible

    def _rankings(
        self,
        by: Literal["position", "candidate"],
        ids: Sequence[str] | None,
        top: int | None,
        explain: bool,
        progress: Progress | None,
    ) -> list[Ranking]:
        """`rank_candidates` (``by="position"``) and `rank_positions` (``by="candidate"``)."""
        row_ids = self.position_ids_ if by == "position" else self.candidate_ids_
        position_ids, candidate_ids = self.position_ids_, self.candidate_ids_
        n_other = self._n_other(by)
        rankings: list[Ranking] = []
        for block, (chosen, keys) in self._blocks(self._rows(by, ids), by, top, progress):
            k = chosen.shape[1]
            scores, eligible = _decode(keys.ravel(), n_other)
            rows = np.repeat(block, k)
            others = chosen.ravel()
            positions, candidates = (rows, others) if by == "position" else (others, rows)
            explanations: list[Explanation] | list[None] = (
                self._explanations(positions, candidates, scores)
                if explain
                else [None] * len(scores)
            )
            matches = [
                Match(position_ids[p], candidate_ids[c], score / SCALE, passed, explanation)
                for p, c, score, passed, explanation in zip(
                    positions.tolist(),
                    candidates.tolist(),
                    scores.tolist(),
                    eligible.tolist(),
                    explanations,
                    strict=True,
                )
            ]
            for i, row in enumerate(block.tolist()):
                rankings.append(Ranking(by, row_ids[row], tuple(matches[i * k : (i + 1) * k])))
        return rankings

    def _n_other(self, by: str) -> int:
        return len(self.candidate_ids_) if by == "position" else len(self.position_ids_)

    def _rows(self, by: str, ids: Sequence[str] | None) -> IntArray:
        """Row numbers of the given position (``by="position"``) or candidate ids; None: all."""
        index = self._position_index if by == "position" else self._candidate_index
        if ids is None:
            return np.arange(len(index), dtype=np.int64)
        try:
            return np.array([index[i] for i in ids], dtype=np.int64)
        except KeyError as error:
            raise KeyError(f"no {by} with id {error.args[0]!r}") from None

    def _blocks(
        self,
        rows: IntArray,
        by: str,
        top: int | None,
        progress: Progress | None,
    ) -> Iterator[tuple[IntArray, tuple[IntArray, FloatArray]]]:
        n_other = self._n_other(by)
        k = n_other if top is None else max(0, min(top, n_other))
        size = max(1, self.block_cells // max(n_other, 1))
        for start in range(0, len(rows), size):
            block = rows[start : start + size]
            if by == "position":
                scores = self._position_block_scores(block)
                eligible = self._eligible(block, slice(None))
            else:
                scores = self._candidate_block_scores(block)
                positions = np.arange(len(self.position_ids_))
                full = self._eligible(positions, block)
                eligible = None if full is None else full.T
            yield block, _top_k(scores, eligible, k)
            if progress is not None:
                progress(min(start + size, len(rows)), len(rows))

    # --- explanations -------------------------------------------------------------------------

    def explain(self, position_id: str, candidate_id: str) -> Match:
        """Score and explanation of one pair, ranked or not."""
        position = self._position_index[position_id]
        candidate = self._candidate_index[candidate_id]
        rows = np.array([position])
        raw = (self._Y[rows] @ self._X[candidate].T).toarray()
        support = _support_term(self, rows, np.array([candidate]))
        if support is not None:
            raw += support  # the same operations as in a block: the same score
        score = int(np.rint(raw[0, 0] * SCALE))
        eligible = self._eligible(rows, np.array([candidate]))
        passed = True if eligible is None else bool(eligible[0, 0])
        (explanation,) = self._explanations(rows, np.array([candidate]), np.array([score]))
        return Match(position_id, candidate_id, score / SCALE, passed, explanation)

    def explain_candidates(self, position_id: str, candidate_ids: Sequence[str]) -> list[Match]:
        """`explain` for several candidates of one position, in one pass over arrays; the
        same matches, in the order given."""
        position = self._position_index[position_id]
        candidates = np.array([self._candidate_index[c] for c in candidate_ids], dtype=np.int64)
        if not len(candidates):
            return []
        rows = np.array([position])
        raw = (self._Y[rows] @ self._X[candidates].T).toarray()
        support = _support_term(self, rows, candidates)
        if support is not None:
            raw += support
        scores = np.rint(raw[0] * SCALE).astype(np.int64)
        eligible = self._eligible(rows, candidates)
        passed = np.ones(len(candidates), dtype=bool) if eligible is None else eligible[0]
        explanations = self._explanations(np.full(len(candidates), position), candidates, scores)
        return [
            Match(position_id, candidate_id, score / SCALE, ok, explanation)
            for candidate_id, score, ok, explanation in zip(
                candidate_ids, scores.tolist(), passed.tolist(), explanations, strict=True
            )
        ]

    def explain_pairs(
        self, positions: IntArray, candidates: IntArray, scores: IntArray
    ) -> ExplainedPairs:
        """Explanations of the pairs ``(positions[i], candidates[i])`` scoring ``scores[i]``.

        The credits, groups and parts of every competence of every pair are computed at once
        over arrays; what is returned is flat lists, ready to be turned into `Explanation`
        objects or straight into JSON (`matching.output`) in one pass.

        Memory grows with the pairs times the competences their positions list (about 200
        bytes each); callers explain `PAIRS_AT_ONCE` pairs at a time.

        Parameters
        ----------
        positions, candidates : ndarray of shape (n_pairs,)
            Row numbers (in `position_ids_` and `candidate_ids_`).
        scores : ndarray of shape (n_pairs,), int64
            The pairs' scores in millionths; the parts are split to add up to them exactly.
        """
        n_pairs = len(positions)
        # One row per (pair, competence the position lists), in the position's order.
        starts = self._entry_indptr[positions]
        counts = self._entry_indptr[positions + 1] - starts
        pair = np.repeat(np.arange(n_pairs), counts)
        offset = np.arange(len(pair)) - np.repeat(np.cumsum(counts) - counts, counts)
        entry = starts[pair] + offset
        column = self._entry_columns[entry]
        minimum = self._entry_minimum[entry]
        required = self._entry_required[entry]

        # The candidate's holding of that competence, if any.
        # (A column only positions bring is held by nobody.)
        key = candidates[pair] * self._n_candidate_columns + column
        if len(self._holding_keys):
            holding = np.minimum(
                np.searchsorted(self._holding_keys, key), len(self._holding_keys) - 1
            )
            held = (self._holding_keys[holding] == key) & (column < self._n_candidate_columns)
            level = np.where(held, self._holding_levels[holding], 0)
            verified = np.where(held, self._holding_verified[holding], 0)
        else:  # no candidate holds anything
            holding = level = verified = np.zeros(len(key), dtype=np.int64)
            held = np.zeros(len(key), dtype=bool)
        full = np.minimum(verified, minimum)
        capped = np.minimum(level, minimum)
        credit = (full + self.weights.self_declared * (capped - full)) / minimum
        below = held & (level < minimum)
        declared = held & (verified < capped)

        # Sums over each pair's competences, added one competence after the other in the
        # position's order: a pair's parts do not depend on what is explained with it.
        width = int(counts.max()) if n_pairs else 0
        terms = np.zeros((3, width, n_pairs))
        terms[0, offset, pair] = np.where(required, credit, 0.0)
        terms[1, offset, pair] = np.where(required, 0.0, credit)
        terms[2, offset, pair] = self.idf_[column] * credit
        sums = np.zeros((3, n_pairs))
        for step in range(width):
            sums += terms[:, step]
        n_required = self._n_required[positions]
        n_optional = self._n_optional[positions]
        weights = self._term_weights[positions]
        raw = np.column_stack(
            [
                weights[:, 0] * _mean(sums[0], n_required, n_required > 0),
                weights[:, 1] * _mean(sums[1], n_optional, n_optional > 0),
                weights[:, 2]
                * _mean(sums[2], self._idf_sum[positions], n_required + n_optional > 0),
            ]
        )
        # The support part (readiness data only) is rounded first; the competence parts share
        # the rest of the score. Without readiness data it is 0: the split of before.
        fits, support_units = _support_parts(self, positions, candidates, scores)
        parts = _split_all(scores - support_units, raw) / SCALE

        # Rows grouped per pair: matched, partial, missing required, missing optional.
        group = np.where(held, below | declared, np.where(required, 2, 3))
        slot = pair * 4 + group
        order = np.argsort(slot, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(slot, minlength=4 * n_pairs))])
        made = self._listed_results
        return ExplainedPairs(
            bounds=bounds.tolist(),
            entries=entry[order].tolist(),
            holdings=np.where(held, holding, -1)[order].tolist(),
            level=level[order].tolist(),
            verified_level=verified[order].tolist(),
            credit=credit[order].tolist(),
            reasons=[_REASONS[r] for r in (below[order] * 2 + declared[order]).tolist()],
            listed={e: made[e] if e in made else self._listed(e) for e in set(entry.tolist())},
            candidate_mappings={h: self._holding_mappings[h] for h in set(holding[held].tolist())},
            filters=[
                self._filter_results(p, c)
                for p, c in zip(positions.tolist(), candidates.tolist(), strict=True)
            ],
            parts=[
                ScoreParts(p[0], p[1], p[2], support / SCALE, fit)
                for p, support, fit in zip(
                    parts.tolist(), support_units.tolist(), fits, strict=True
                )
            ],
        )

    def _explanations(
        self, positions: IntArray, candidates: IntArray, scores: IntArray
    ) -> list[Explanation]:
        """`explain_pairs` as `Explanation` objects, one per pair (`PAIRS_AT_ONCE` at once)."""
        explanations = []
        for at in range(0, len(positions), PAIRS_AT_ONCE):
            chunk = slice(at, at + PAIRS_AT_ONCE)
            pairs = self.explain_pairs(positions[chunk], candidates[chunk], scores[chunk])
            bounds, result = pairs.bounds, pairs.result
            for i, (filters, parts) in enumerate(zip(pairs.filters, pairs.parts, strict=True)):
                start, matched, partial, missing, end = bounds[4 * i : 4 * i + 5]
                explanations.append(
                    Explanation(
                        matched=tuple(result(r) for r in range(start, matched)),
                        partial=tuple(result(r) for r in range(matched, partial)),
                        missing_required=tuple(result(r) for r in range(partial, missing)),
                        missing_optional=tuple(result(r) for r in range(missing, end)),
                        filters=filters,
                        parts=parts,
                    )
                )
        return explanations

    def _listed(self, entry: int) -> CompetenceResult:
        """Competence `entry` as its position lists it, held by no one (made once)."""
        result = self._listed_results.get(entry)
        if result is None:
            column = int(self._entry_columns[entry])
            result = self._listed_results[entry] = CompetenceResult(
                self._competence_ids[column],
                self._labels[column],
                "required" if self._entry_required[entry] else "optional",
                int(self._entry_minimum[entry]),
                None,
                None,
                0.0,
                (),
                self._entry_mappings[entry],
                None,
            )
        return result

    def _filter_results(self, position: int, candidate: int) -> tuple[FilterResult, ...]:
        """Every filter checked for a pair. Equal results are one shared object."""
        languages = self._languages_required.get(position)
        if languages is None:
            row = self._required_language[position]
            languages = [(int(i), int(row[i])) for i in np.flatnonzero(row)]
            self._languages_required[position] = languages
        results = []
        for language, required in languages:
            held = int(self._held_language[candidate, language])
            widened = held < required and _widened(
                self, position, candidate, language, held, required
            )
            key = (language, required, held, held >= required or widened, widened)
            result = self._language_results.get(key)
            if result is None:
                result = self._language_results[key] = FilterResult(
                    "language",
                    key[3],
                    CEFR_LEVELS[required - 1],
                    CEFR_LEVELS[held - 1] if held else None,
                    self._languages[language],
                    widened,
                )
            results.append(result)
        region = self._region_of[position]
        if region >= 0:
            regions = self._regions_held.get(candidate)
            if regions is None:
                regions = tuple(np.flatnonzero(self._candidate_regions[candidate]).tolist())
                self._regions_held[candidate] = regions
            result = self._region_results.get((region, regions))
            if result is None:
                result = self._region_results[region, regions] = FilterResult(
                    "region",
                    not regions or region in regions,
                    self._region_names[region],
                    tuple(self._region_names[r] for r in regions),
                )
            results.append(result)
        return tuple(results)


def _top_k(scores: FloatArray, eligible: BoolArray | None, k: int) -> tuple[IntArray, FloatArray]:
    """Best `k` columns of each row: eligible first, then score, then lowest column.

    The scores are turned in place into one exact integer key per cell (held in float64,
    exact below 2**53): ``(eligible × (SCALE + 1) + millionths) × n + (n − 1 − column)``.
    A few rows at a time (`TOP_K_CELLS`), so that the passes over them stay in the cache.

    Returns
    -------
    chosen : ndarray of shape (n_rows, k)
        Column numbers, best first.
    keys : ndarray of shape (n_rows, k)
    """
    n_rows, n = scores.shape
    if k == 0 or n == 0:
        return np.zeros((n_rows, 0), dtype=np.int64), np.zeros((n_rows, 0))
    chosen = np.empty((n_rows, k), dtype=np.int64)
    chosen_keys = np.empty((n_rows, k))
    reverse = np.arange(n - 1, -1, -1, dtype=np.float64)
    step = max(1, TOP_K_CELLS // n)
    bonus = np.empty((min(step, n_rows), n))
    for start in range(0, n_rows, step):
        rows = slice(start, start + step)
        keys = scores[rows]
        np.multiply(keys, SCALE, out=keys)
        np.rint(keys, out=keys)
        if eligible is not None:
            # Adding 0 or SCALE + 1 everywhere is exact and faster than a masked add.
            added = bonus[: len(keys)]
            np.multiply(eligible[rows], float(SCALE + 1), out=added)
            keys += added
        else:
            keys += SCALE + 1
        keys *= n
        keys += reverse
        if k < n:
            best = np.argpartition(keys, n - k, axis=1)[:, n - k :]
        else:
            best = np.broadcast_to(np.arange(n), keys.shape)
        best_keys = np.take_along_axis(keys, best, axis=1)
        order = np.argsort(-best_keys, axis=1)
        chosen[rows] = np.take_along_axis(best, order, axis=1)
        chosen_keys[rows] = np.take_along_axis(best_keys, order, axis=1)
    return chosen, chosen_keys


def _decode(keys: FloatArray, n: int) -> tuple[IntArray, BoolArray]:
    """Millionths and eligibility from keys made by `_top_k`."""
    combined = np.floor_divide(keys, n).astype(np.int64)
    eligible = combined > SCALE
    return combined - eligible * (SCALE + 1), eligible


def _mean(total: FloatArray, count: FloatArray | IntArray, where: BoolArray) -> FloatArray:
    """``total / count`` where `where`, else 0."""
    mean: FloatArray = np.divide(total, count, out=np.zeros(len(total)), where=where)
    return mean


_REASONS: tuple[tuple[str, ...], ...] = (
    (),
    ("self_declared",),
    ("below_min_level",),
    ("below_min_level", "self_declared"),
)
"""Reasons for a credit below 1, indexed by ``2 × below the minimum + only self-declared``."""


def _split_all(totals: IntArray, raw: FloatArray) -> IntArray:
    """`_split` for each row: ``totals`` of shape (n,), ``raw`` of shape (n, 3).

    Usually each part is rounded down and 0-3 units are missing; they go to the parts with the
    largest remainders here. Any other row (floating-point noise) goes through `_split`.
    """
    scaled = np.maximum(raw, 0.0) * SCALE
    floors = np.floor(scaled)
    parts: IntArray = floors.astype(np.int64)
    difference = totals - parts.sum(axis=1)
    order = np.argsort(floors - scaled, axis=1, kind="stable")  # largest remainder first
    simple = (difference >= 0) & (difference <= 3)
    extra = np.zeros_like(parts)
    np.put_along_axis(extra, order, np.arange(3) < np.where(simple, difference, 0)[:, None], 1)
    parts += extra
    for i in np.flatnonzero(~simple):
        parts[i] = _split(int(totals[i]), (float(raw[i, 0]), float(raw[i, 1]), float(raw[i, 2])))
    return parts


def _split(total: int, raw: tuple[float, float, float]) -> tuple[int, int, int]:
    """Whole millionths for each part that add up to `total` exactly.

    Each part is rounded down and the units still missing (or in excess, from floating-point
    noise) go to the parts with the largest (smallest) remainders, first part first on ties.
    """
    scaled = [max(0.0, r) * SCALE for r in raw]
    parts = [math.floor(s) for s in scaled]
    remainders = [s - p for s, p in zip(scaled, parts, strict=True)]
    difference = total - sum(parts)
    order = sorted(range(3), key=lambda i: (-remainders[i], i))
    step = 1 if difference > 0 else -1
    while difference != 0:
        moved = False
        for i in order if step > 0 else reversed(order):
            if difference == 0:
                break
            if step < 0 and parts[i] == 0:
                continue
            parts[i] += step
            difference -= step
            moved = True
        if not moved:
            break
    return parts[0], parts[1], parts[2]


def _smoothed_idf(n_candidates: int, holders: FloatArray) -> FloatArray:
    """``ln((1 + n) / (1 + df)) + 1`` per column, element by element (the same operations
    whichever columns are computed together, so a column's value never depends on the rest)."""
    idf: FloatArray = np.full(len(holders), n_candidates + 1, dtype=np.float64)
    idf /= holders + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    return idf


_Cell = TypeVar("_Cell", np.int8, np.bool_)


def _widen(
    matrix: npt.NDArray[_Cell], keys: Sequence[str], index: dict[str, int]
) -> npt.NDArray[_Cell]:
    """``matrix`` (one column per key of ``keys``) with one column per key of ``index``,
    the new ones empty; the same array when nothing is added."""
    if len(index) == len(keys):
        return matrix
    wide = np.zeros((matrix.shape[0], len(index)), dtype=matrix.dtype)
    wide[:, [index[key] for key in keys]] = matrix
    return wide


_CEFR_RANKS = {level: rank for rank, level in enumerate(CEFR_LEVELS, start=1)}


def _objects(items: Sequence[Any]) -> npt.NDArray[np.object_]:
    """A one-dimensional array of Python objects (tuples stay whole, not a second axis)."""
    array = np.empty(len(items), dtype=object)
    if items and not isinstance(items[0], tuple | list):
        array[:] = items  # one C loop; an item that is not a sequence stays one cell
        return array
    for i, item in enumerate(items):
        array[i] = item
    return array


# --- readiness in the ranking: the workplace's languages, language support and leeway -------

#: A language counts in full for the support fit, and bridges a gap under the leeway, from B1.
_BRIDGE = 3  # cefr_rank("B1")


def _support_fit(held: npt.NDArray[np.int8], working: BoolArray, support: BoolArray) -> FloatArray:
    """Fit (0-1) between a workplace's languages and support and a candidate's languages.

    ``s`` is the candidate's best level in a working language counted up to B1 (none → 0,
    A1 → 1/3, A2 → 2/3, B1 or above → 1); the fit is ``s``, or ``(1 + s) / 2`` where the
    workplace offers language support. ``held`` (candidates' CEFR ranks) and ``working`` have
    the languages on the last axis and the rest broadcast together: (1, n_c, L) against
    (n_p, 1, L) for a block, (n, L) against (n, L) for pairs. A loop over languages only, and
    the same operations for a pair in a block and alone, so both give the same score.
    """
    shape = np.broadcast_shapes(held.shape[:-1], working.shape[:-1])
    best = np.zeros(shape, dtype=np.int8)
    used = working.any(axis=tuple(range(working.ndim - 1)))
    for language in np.flatnonzero(used):
        level = np.minimum(held[..., language], _BRIDGE)
        np.maximum(best, np.where(working[..., language], level, 0), out=best)
    fit: FloatArray = best.astype(np.float64) / _BRIDGE
    return np.where(support, (1.0 + fit) / 2.0, fit)


def _support_term(
    matcher: CompetenceMatcher, position_rows: IntArray, candidate_rows: IntArray | slice
) -> FloatArray | None:
    """``Weights.support × fit``, shape (len(position_rows), n selected candidates); None when
    no position of the block has readiness data (then every score is as before)."""
    weight = matcher._support_weight[position_rows]
    if not weight.any():
        return None
    fit = _support_fit(
        matcher._held_language[candidate_rows][np.newaxis],
        matcher._working_language[position_rows][:, np.newaxis],
        matcher._language_support[position_rows][:, np.newaxis],
    )
    term: FloatArray = weight[:, np.newaxis] * fit
    return term


def _support_parts(
    matcher: CompetenceMatcher, positions: IntArray, candidates: IntArray, scores: IntArray
) -> tuple[list[SupportFit | None], IntArray]:
    """Per pair, how the support part was earned (None without readiness data) and the part
    in millionths: ``Weights.support × fit`` rounded, never more than the score."""
    n_pairs = len(positions)
    units: IntArray = np.zeros(n_pairs, dtype=np.int64)
    fits: list[SupportFit | None] = [None] * n_pairs
    weight = matcher._support_weight[positions]
    if not weight.any():
        return fits, units
    held = matcher._held_language[candidates]
    working = matcher._working_language[positions]
    fit = _support_fit(held, working, matcher._language_support[positions])
    units = np.clip(np.rint(weight * fit * SCALE).astype(np.int64), 0, scores)
    # The working language spoken best (the first by code on a tie), and its level.
    spoken = np.where(working, held, 0)
    best = spoken.argmax(axis=1) if spoken.shape[1] else np.zeros(n_pairs, dtype=np.int64)
    level = spoken[np.arange(n_pairs), best] if spoken.shape[1] else best
    made = matcher._support_fits
    for i in np.flatnonzero(weight > 0).tolist():
        position, rank = int(positions[i]), int(level[i])
        key = (position, int(best[i]) if rank else -1, rank)
        result = made.get(key)
        if result is None:
            result = made[key] = SupportFit(
                float(fit[i]),
                tuple(matcher._languages[j] for j in np.flatnonzero(working[i]).tolist()),
                matcher._languages[key[1]] if rank else None,
                CEFR_LEVELS[rank - 1] if rank else None,
                bool(matcher._language_support[position]),
            )
        fits[i] = result
    return fits, units


@dataclass(frozen=True, slots=True)
class _Leeway:
    """The language leeway of a block of positions against a block of candidates.

    A candidate below a required level ``r`` passes when the position's leeway ``k`` > 0,
    their level is at least ``max(r − k, A1)``, and the workplace bridges the gap: it offers
    language support, or works in another language the candidate speaks at B1 or above.
    """

    leeway: npt.NDArray[np.int8]  # (n_p,)
    widened: BoolArray  # (n_p,): a leeway that can have effect
    support: BoolArray  # (n_p,)
    working: BoolArray  # (n_p, L)
    knows: BoolArray  # (n_c, L): spoken at B1 or above
    known: npt.NDArray[np.int16]  # (n_p, n_c): working languages spoken at B1 or above

    @classmethod
    def of(
        cls, matcher: CompetenceMatcher, position_rows: IntArray, candidate_rows: IntArray | slice
    ) -> _Leeway | None:
        """None when no position of the block has a leeway that can have effect."""
        leeway = matcher._language_leeway[position_rows]
        support = matcher._language_support[position_rows]
        working = matcher._working_language[position_rows]
        widened = (leeway > 0) & (support | working.any(axis=1))
        if not widened.any():
            return None
        knows = matcher._held_language[candidate_rows] >= _BRIDGE
        known = np.zeros((len(leeway), len(knows)), dtype=np.int16)
        for language in np.flatnonzero(working.any(axis=0)):
            known += working[:, language, np.newaxis] & knows[np.newaxis, :, language]
        return cls(leeway, widened, support, working, knows, known)

    def passes(
        self, language: int, held: npt.NDArray[np.int8], required: npt.NDArray[np.int8]
    ) -> BoolArray:
        """Who passes `language` thanks to the leeway: shape (n_p, n_c), for the candidates'
        levels ``held`` (n_c,) and the positions' required levels ``required`` (n_p,)."""
        floor = np.maximum(required.astype(np.int16) - self.leeway, 1)
        other = self.known - (
            self.working[:, language, np.newaxis] & self.knows[np.newaxis, :, language]
        )
        bridged = self.support[:, np.newaxis] | (other > 0)
        passed: BoolArray = (
            self.widened[:, np.newaxis] & (held[np.newaxis, :] >= floor[:, np.newaxis]) & bridged
        )
        return passed


def _widened(
    matcher: CompetenceMatcher,
    position: int,
    candidate: int,
    language: int,
    held: int,
    required: int,
) -> bool:
    """`_Leeway`'s rule for one pair below a required level: does the leeway let it pass?"""
    leeway = int(matcher._language_leeway[position])
    if leeway == 0 or held < max(required - leeway, 1):
        return False
    if matcher._language_support[position]:
        return True
    knows = matcher._held_language[candidate] >= _BRIDGE
    knows[language] = False  # the language itself does not bridge its own gap
    return bool((matcher._working_language[position] & knows).any())
