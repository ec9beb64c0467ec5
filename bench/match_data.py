"""Synthetic matching data for the benchmark and the evaluation.

Competences follow a long-tailed (Zipf) popularity, as real skill data does: a few
competences (safety, customer service) appear everywhere, most appear rarely.
"""

from __future__ import annotations

import numpy as np

from matching import Candidate, Claim, Competence, MatchingInput, Position, Requirement

REGIONS = (
    "Uusimaa", "Southwest Finland", "Satakunta", "Kanta-Häme", "Pirkanmaa", "Päijät-Häme",
    "Kymenlaakso", "South Karelia", "South Savo", "North Savo", "North Karelia",
    "Central Finland", "South Ostrobothnia", "Ostrobothnia", "Central Ostrobothnia",
    "North Ostrobothnia", "Kainuu", "Lapland", "Åland",
)  # fmt: skip
CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")


def zipf_weights(n: int, exponent: float = 1.1) -> np.ndarray:
    """Popularity of `n` competences, most popular first; shape (n,), sums to 1."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


def vocabulary(n: int) -> tuple[Competence, ...]:
    """`n` competences with ids ``c00000`` … and plain labels."""
    return tuple(Competence(f"c{i:05d}", f"competence {i}") for i in range(n))


def speed_problem(
    n_candidates: int,
    n_positions: int,
    *,
    n_competences: int = 3000,
    per_profile: int = 15,
    seed: int = 0,
) -> MatchingInput:
    """Random positions and candidates with about `per_profile` competences each.

    Positions require about half their competences (minimum level 1-4) and list the rest
    as optional; 60 % ask for Finnish at A2-B2 and 80 % name one of 19 regions. Candidates
    hold levels 1-5, 40 % verified, speak Finnish at some level in 80 % of cases and 70 % name
    one to three regions.
    """
    rng = np.random.default_rng(seed)
    popularity = zipf_weights(n_competences)
    ids = [f"c{i:05d}" for i in range(n_competences)]

    def draw_competences(count: int) -> np.ndarray:
        sizes = np.clip(rng.poisson(per_profile, count), 3, 3 * per_profile)
        chosen = []
        for size in sizes:
            picks = rng.choice(n_competences, size=int(size * 1.3) + 2, p=popularity)
            chosen.append(np.unique(picks)[: int(size)])
        return np.array(chosen, dtype=object)

    positions = []
    for i, comps in enumerate(draw_competences(n_positions)):
        order = rng.permutation(comps)
        split = max(1, len(order) // 2)
        levels = rng.integers(1, 5, size=len(order))
        positions.append(
            Position(
                id=f"p{i:06d}",
                required=tuple(
                    Requirement(ids[c], int(v)) for c, v in zip(order[:split], levels, strict=False)
                ),
                optional=tuple(
                    Requirement(ids[c], int(v))
                    for c, v in zip(order[split:], levels[split:], strict=False)
                ),
                languages={"fi": CEFR[int(rng.integers(1, 4))]} if rng.random() < 0.6 else {},
                region=REGIONS[int(rng.integers(len(REGIONS)))] if rng.random() < 0.8 else None,
                places=int(rng.integers(1, 4)),
            )
        )
    candidates = []
    for i, comps in enumerate(draw_competences(n_candidates)):
        levels = rng.integers(1, 6, size=len(comps))
        verified = rng.random(len(comps)) < 0.4
        n_regions = int(rng.integers(1, 4)) if rng.random() < 0.7 else 0
        candidates.append(
            Candidate(
                id=f"k{i:07d}",
                competences=tuple(
                    Claim(ids[c], int(v), bool(f))
                    for c, v, f in zip(comps, levels, verified, strict=True)
                ),
                languages={"fi": CEFR[int(rng.integers(0, 6))]} if rng.random() < 0.8 else {},
                regions=tuple(
                    REGIONS[int(r)] for r in rng.choice(len(REGIONS), n_regions, replace=False)
                ),
            )
        )
    return MatchingInput(tuple(positions), tuple(candidates), vocabulary(n_competences))
