"""How well the engine ranks: nDCG@10 and MRR against two baselines on a labelled set.

The labelled set is synthetic, built from a taxonomy of fields → occupations → competences:

* **Positions** are instances of occupations: the occupation's core competences are required
  (minimum level 2-4), some peripheral and generic ones optional.
* **Candidates** have a hidden *true* profile drawn from an occupation (strong, partial or
  weak fit, plus generic and unrelated extra competences), and an *observed* profile with the
  noise of real portfolios: competences left out, levels over- or under-claimed unless a
  teacher verified them, references written as the label, an alternative label, the label
  with a typo, or the id.
* **Relevance** of a candidate to a position comes from the true profile only: 4 when every
  required competence is held at its minimum level and at least half of the optional ones
  are held, 3 when every required competence is held at its minimum level, 2 when the mean
  of min(1, level/minimum) over required competences is at least 0.8, 1 when at least 0.5,
  else 0. MRR counts the first candidate of relevance 3 or more (fully qualified).

Rankers see only the observed profiles:

* **ours**: `CompetenceMatcher` with the default weights;
* **exact-label Jaccard**: |A ∩ B| / |A ∪ B| of the references as written (normalised);
* **fuzzy coverage**: references mapped with the engine's vocabulary, then the share of the
  position's competences (required and optional) the candidate lists, levels ignored.

Ablations and a small weight grid (chosen on a development set, reported on a separate test
set) show what each part of the score contributes.

Run: ``.venv/bin/python bench/match_eval.py`` (``--quick`` for a small set).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching import (
    Candidate,
    Claim,
    Competence,
    CompetenceMatcher,
    MatchingInput,
    Position,
    Requirement,
    Vocabulary,
    Weights,
    normalise,
)

VERBS = (
    "operate", "maintain", "install", "clean", "prepare", "inspect", "repair", "assemble",
    "handle", "plan", "serve", "record", "measure", "store", "pack", "sort", "monitor", "adjust",
)  # fmt: skip
GENERIC = (
    "occupational safety", "customer service", "teamwork", "workplace communication in finnish",
    "hygiene passport", "first aid", "time management", "digital time reporting",
    "waste sorting", "fire safety",
)  # fmt: skip
SYLLABLES = ("ka", "lo", "mi", "ne", "tu", "ra", "si", "ve", "po", "har", "jul", "ken", "mot", "sa")


@dataclass(frozen=True)
class LabelledSet:
    problem: MatchingInput
    relevance: np.ndarray  # shape (n_positions, n_candidates), grades 0-4, rows/cols in id order


def _word(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 4))))
        if word not in used and len(word) >= 5:
            used.add(word)
            return word


def _typo(rng: np.random.Generator, text: str) -> str:
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long_words:
        return text
    i = int(rng.choice(long_words))
    w = words[i]
    j = int(rng.integers(1, len(w) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        w = w[:j] + w[j + 1 :]
    elif kind == 1:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + str(rng.choice(list("aeiouklmnrst"))) + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def build_set(n_positions: int, n_candidates: int, *, seed: int, n_fields: int = 10) -> LabelledSet:
    """The labelled set described in the module docstring."""
    rng = np.random.default_rng(seed)
    used: set[str] = set()
    competences: list[Competence] = []
    alt_of: dict[str, list[str]] = {}

    def add(label: str, alts: list[str]) -> str:
        cid = f"c-{len(competences):04d}"
        competences.append(Competence(cid, label, tuple(alts)))
        alt_of[cid] = alts
        return cid

    generic = [add(label, [label.replace(" ", "-") + " skills"]) for label in GENERIC]
    fields: list[list[str]] = []
    for _ in range(n_fields):
        pool = []
        for _ in range(30):
            verb, noun = str(rng.choice(VERBS)), _word(rng, used)
            pool.append(add(f"{verb} {noun}", [f"{noun} {verb}ing", f"{noun} work"]))
        fields.append(pool)
    occupations = []
    for f, pool in enumerate(fields):
        for _ in range(3):
            picked = rng.permutation(pool)
            occupations.append((f, list(picked[:8]), list(picked[8:14])))

    positions = []
    minimums = []
    optionals = []
    for i in range(n_positions):
        f, core, peripheral = occupations[int(rng.integers(len(occupations)))]
        required = [c for c in core if rng.random() < 0.85]
        levels = {c: int(rng.integers(2, 5)) for c in required}
        optional = [c for c in peripheral if rng.random() < 0.6]
        optional += list(rng.choice(generic, size=2, replace=False))
        minimums.append(levels)
        optionals.append(optional)
        positions.append(
            Position(
                id=f"p{i:04d}",
                required=tuple(
                    Requirement(_write_label(competences, c), levels[c]) for c in required
                ),
                optional=tuple(Requirement(_write_label(competences, c)) for c in optional),
            )
        )

    truths: list[dict[str, int]] = []
    candidates = []
    all_ids = [c.id for c in competences]
    for i in range(n_candidates):
        f, core, peripheral = occupations[int(rng.integers(len(occupations)))]
        kind = rng.random()
        truth: dict[str, int] = {}
        if kind < 0.4:  # strong: the whole core at good levels
            for c in core:
                truth[c] = int(rng.integers(3, 6))
        elif kind < 0.7:  # partial: some of the core, any level
            for c in core:
                if rng.random() < 0.65:
                    truth[c] = int(rng.integers(1, 5))
        else:  # weak or changing career: a little of the field, levels low
            for c in rng.choice(fields[f], size=4, replace=False):
                truth[str(c)] = int(rng.integers(1, 4))
        for c in peripheral:
            if rng.random() < 0.5:
                truth[c] = int(rng.integers(1, 6))
        for c in generic:
            if rng.random() < 0.5:
                truth[c] = int(rng.integers(1, 6))
        for c in rng.choice(all_ids, size=int(rng.integers(0, 5)), replace=False):
            truth.setdefault(str(c), int(rng.integers(1, 6)))
        truths.append(truth)

        claims = []
        for c, level in sorted(truth.items()):
            if rng.random() < 0.2:  # not recorded in the portfolio
                continue
            verified = rng.random() < 0.4
            shown = level
            if not verified:
                shown = int(
                    np.clip(level + rng.choice([-1, 0, 1, 2], p=[0.1, 0.45, 0.35, 0.1]), 1, 5)
                )
            claims.append(Claim(_write_reference(rng, competences, alt_of, c), shown, verified))
        candidates.append(Candidate(id=f"k{i:05d}", competences=tuple(claims)))

    relevance = np.zeros((n_positions, n_candidates), dtype=np.int64)
    for p, levels in enumerate(minimums):
        for k, truth in enumerate(truths):
            if not levels:
                continue
            shares = [min(1.0, truth.get(c, 0) / m) for c, m in levels.items()]
            coverage = sum(shares) / len(shares)
            extras = sum(c in truth for c in optionals[p]) >= len(optionals[p]) / 2
            relevance[p, k] = (
                (4 if extras else 3)
                if min(shares) == 1.0
                else 2
                if coverage >= 0.8
                else 1
                if coverage >= 0.5
                else 0
            )
    return LabelledSet(
        MatchingInput(tuple(positions), tuple(candidates), tuple(competences)), relevance
    )


def _write_label(competences: list[Competence], cid: str) -> str:
    return competences[int(cid[2:])].label


def _write_reference(
    rng: np.random.Generator, competences: list[Competence], alt_of: dict[str, list[str]], cid: str
) -> str:
    label = competences[int(cid[2:])].label
    way = rng.random()
    if way < 0.5:
        return label.upper() if rng.random() < 0.2 else label
    if way < 0.7:
        return str(rng.choice(alt_of[cid]))
    if way < 0.9:
        return _typo(rng, label)
    return cid


# --- rankers: each returns scores of shape (n_positions, n_candidates), rows/cols in id order


def ours(
    weights: Weights | None = None, **changes: object
) -> Callable[[MatchingInput], np.ndarray]:
    def score(problem: MatchingInput) -> np.ndarray:
        if changes.get("ignore_levels"):
            problem = replace(
                problem,
                positions=tuple(
                    replace(p, required=tuple(Requirement(r.competence) for r in p.required))
                    for p in problem.positions
                ),
            )
        matcher = CompetenceMatcher(weights).fit(problem)
        scores, _eligible = matcher.score_matrix()
        return scores.astype(np.float64)

    return score


def _overlap(a: list[set[str]], b: list[set[str]]) -> np.ndarray:
    """|A ∩ B| for every set of `a` (rows) against every set of `b` (columns)."""
    columns = {x: i for i, x in enumerate(sorted(set[str]().union(*a, *b)))}

    def incidence(sets: list[set[str]]) -> sparse.csr_matrix:
        rows = [i for i, s in enumerate(sets) for _ in s]
        cols = [columns[x] for s in sets for x in s]
        return sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(sets), len(columns) or 1)
        )

    return (incidence(a) @ incidence(b).T).toarray()


def _sorted(problem: MatchingInput) -> tuple[list[Position], list[Candidate]]:
    return sorted(problem.positions, key=lambda p: p.id), sorted(
        problem.candidates, key=lambda c: c.id
    )


def exact_jaccard(problem: MatchingInput) -> np.ndarray:
    positions, candidates = _sorted(problem)
    a = [{normalise(r.competence) for r in p.required + p.optional} for p in positions]
    b = [{normalise(c.competence) for c in k.competences} for k in candidates]
    shared = _overlap(a, b)
    union = np.add.outer([len(s) for s in a], [len(s) for s in b]) - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def fuzzy_coverage(problem: MatchingInput, *, required_only: bool = False) -> np.ndarray:
    positions, candidates = _sorted(problem)
    vocabulary = Vocabulary(problem.competences)
    a = [
        {
            vocabulary.resolve(r.competence).key
            for r in (p.required if required_only else p.required + p.optional)
        }
        for p in positions
    ]
    b = [{vocabulary.resolve(c.competence).key for c in k.competences} for k in candidates]
    shared = _overlap(a, b)
    sizes = np.array([len(s) for s in a], dtype=np.float64)[:, None]
    return np.divide(shared, sizes, out=np.zeros_like(shared), where=sizes > 0)


# --- metrics -------------------------------------------------------------------------------


def evaluate(scores: np.ndarray, relevance: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Mean nDCG@k (gain 2^rel − 1) and MRR (first candidate of relevance ≥ 3) over positions.

    Ties in a score are broken by candidate id, as the engine does.
    """
    n_candidates = scores.shape[1]
    order = np.lexsort((np.broadcast_to(np.arange(n_candidates), scores.shape), -scores), axis=1)
    ranked = np.take_along_axis(relevance, order, axis=1)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = ((2.0 ** ranked[:, :k] - 1) * discounts).sum(axis=1)
    best = -np.sort(-relevance, axis=1)[:, :k]
    ideal = ((2.0**best - 1) * discounts).sum(axis=1)
    has_relevant = ideal > 0
    ndcg = float((dcg[has_relevant] / ideal[has_relevant]).mean())
    qualified = ranked >= 3
    has_qualified = qualified.any(axis=1)
    first = qualified.argmax(axis=1)
    mrr = float((1.0 / (first[has_qualified] + 1)).mean())
    return ndcg, mrr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small set, for a smoke test")
    args = parser.parse_args()
    n_positions, n_candidates = (60, 600) if args.quick else (200, 3000)
    development = build_set(n_positions, n_candidates, seed=11)
    test = build_set(n_positions, n_candidates, seed=12)
    grades = np.bincount(test.relevance.ravel(), minlength=5) / test.relevance.size
    print(
        f"labelled set: {n_positions} positions × {n_candidates} candidates, "
        f"{len(test.problem.competences or ())} competences; relevance 0/1/2/3/4 = "
        + "/".join(f"{g:.1%}" for g in grades)
    )

    print(
        "\nweight grid on the development set (seed 11), best 5 by the mean of nDCG@10 and MRR"
        " (self-declared < 1: verified must count more):"
    )
    results = []
    for required, rarity, self_declared in itertools.product(
        (0.5, 0.6, 0.7), (0.15, 0.25, 0.35), (0.5, 0.7, 0.85)
    ):
        optional = round(1 - required - rarity, 10)
        if optional < 0:
            continue
        weights = Weights(required, optional, rarity, self_declared)
        results.append(
            (evaluate(ours(weights)(development.problem), development.relevance), weights)
        )
    results.sort(key=lambda r: -(r[0][0] + r[0][1]))
    for (ndcg, mrr), w in results[:5]:
        print(
            f"  required {w.required:.2f} optional {w.optional:.2f} rarity {w.rarity:.2f} "
            f"self-declared {w.self_declared:.2f}: nDCG@10 {ndcg:.3f}  MRR {mrr:.3f}"
        )
    default_dev = evaluate(ours()(development.problem), development.relevance)
    place = 1 + sum(
        1 for (ndcg, mrr), _w in results if ndcg + mrr > default_dev[0] + default_dev[1]
    )
    print(
        f"  defaults {Weights()}: nDCG@10 {default_dev[0]:.3f}  MRR {default_dev[1]:.3f}"
        f"  (rank {place} of {len(results)})"
    )

    print("\ntest set (seed 12):")
    rankers: list[tuple[str, Callable[[MatchingInput], np.ndarray]]] = [
        ("ours (defaults)", ours()),
        ("exact-label Jaccard (baseline)", exact_jaccard),
        ("fuzzy-mapped coverage (baseline)", fuzzy_coverage),
        (
            "  extra: fuzzy coverage of required only",
            lambda p: fuzzy_coverage(p, required_only=True),
        ),
        ("  ablation: no rarity term", ours(Weights(0.8, 0.2, 0.0))),
        ("  ablation: self-declared = verified", ours(Weights(self_declared=1.0))),
        ("  ablation: minimum levels ignored", ours(ignore_levels=True)),
    ]
    figures = {}
    print(f"  {'ranker':<42} {'nDCG@10':>8} {'MRR':>7}")
    for name, ranker in rankers:
        ndcg, mrr = evaluate(ranker(test.problem), test.relevance)
        figures[name] = (ndcg, mrr)
        print(f"  {name:<42} {ndcg:8.3f} {mrr:7.3f}")
    ours_ndcg, ours_mrr = figures["ours (defaults)"]
    for name in ("exact-label Jaccard (baseline)", "fuzzy-mapped coverage (baseline)"):
        ndcg, mrr = figures[name]
        print(
            f"ours vs {name.split(' (')[0]}: nDCG@10 {ours_ndcg - ndcg:+.3f} "
            f"({(ours_ndcg / ndcg - 1):+.0%}), "
            f"MRR {ours_mrr - mrr:+.3f} ({(ours_mrr / mrr - 1):+.0%})"
        )


if __name__ == "__main__":
    main()
