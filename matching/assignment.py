"""One-to-one assignment of candidates to the places of positions.

The problem is a maximum-weight bipartite matching: one column per place (a position with
three places has three columns), one row per candidate, weights the scores. Either side may be
left out: the smaller side gets a "leave unmatched" column per row at weight 0, and pairs that
fail a hard filter, or score no more than `min_score`, are forbidden. `scipy`'s
`linear_sum_assignment` then maximises the total score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from matching.scoring import SCALE, CompetenceMatcher

__all__ = ["Assignment", "AssignmentResult", "assign"]


@dataclass(frozen=True, slots=True)
class Assignment:
    """A candidate proposed for a place of a position.

    Attributes
    ----------
    position_id, candidate_id : str
    score : float, 0-1
    """

    position_id: str
    candidate_id: str
    score: float


@dataclass(frozen=True, slots=True)
class AssignmentResult:
    """The proposal.

    Attributes
    ----------
    assignments : tuple of Assignment
        In position id order, then candidate id order.
    unassigned_candidates : tuple of str
        Candidates left without a place, in id order.
    unfilled_places : mapping of str to int
        Positions with places left, and how many.
    """

    assignments: tuple[Assignment, ...]
    unassigned_candidates: tuple[str, ...]
    unfilled_places: Mapping[str, int]


def assign(matcher: CompetenceMatcher, *, min_score: float = 0.0) -> AssignmentResult:
    """Propose a one-to-one assignment maximising the total score.

    Parameters
    ----------
    matcher : CompetenceMatcher
        Fitted; positions bring their `places`.
    min_score : float, 0-1
        Pairs must score strictly more than this; with the default 0, a candidate holding
        nothing the position lists is never placed there.

    Returns
    -------
    AssignmentResult

    Notes
    -----
    Only eligible pairs are used. The score matrix is dense, of shape (n_positions,
    n_candidates), so this is meant for programme scale (thousands, not millions, of cells
    per side). Equal totals are resolved deterministically because rows and columns are in id
    order.
    """
    scores, eligible = matcher.score_matrix()
    places = matcher.places_
    usable = eligible & (scores > round(min_score * SCALE))
    slot_position = np.repeat(np.arange(len(places)), places)
    slot_position = slot_position[usable[slot_position].any(axis=1)]
    candidates = np.flatnonzero(usable.any(axis=0))
    assigned: list[tuple[int, int]] = []
    if len(slot_position) and len(candidates):
        # weights[c, s]: candidate c in slot s; forbidden pairs far below the "unmatched" 0.
        weights = scores[np.ix_(slot_position, candidates)].T.astype(np.float64)
        forbidden = ~usable[np.ix_(slot_position, candidates)].T
        weights[forbidden] = -float(SCALE) * (weights.shape[0] + weights.shape[1] + 1)
        transposed = weights.shape[0] > weights.shape[1]
        if transposed:
            weights = weights.T
        n_rows = weights.shape[0]
        padded = np.hstack([weights, np.zeros((n_rows, n_rows))])
        rows, columns = linear_sum_assignment(padded, maximize=True)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            if column >= weights.shape[1] or padded[row, column] < 0:
                continue
            slot, candidate = (row, column) if transposed else (column, row)
            assigned.append((int(slot_position[slot]), int(candidates[candidate])))
    assigned.sort()
    filled = np.bincount([p for p, _ in assigned], minlength=len(places))
    taken = {c for _, c in assigned}
    return AssignmentResult(
        assignments=tuple(
            Assignment(
                matcher.position_ids_[p],
                matcher.candidate_ids_[c],
                int(scores[p, c]) / SCALE,
            )
            for p, c in assigned
        ),
        unassigned_candidates=tuple(
            cid for row, cid in enumerate(matcher.candidate_ids_) if row not in taken
        ),
        unfilled_places={
            pid: int(places[row] - filled[row])
            for row, pid in enumerate(matcher.position_ids_)
            if places[row] > filled[row]
        },
    )
