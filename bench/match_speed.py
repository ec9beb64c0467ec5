"""Speed and memory of the matching engine at 1,000-100,000 candidates × 100-10,000 positions.

For each size it measures, in one run on the same data:

* fitting (mapping references, building the sparse matrices);
* one position against all candidates and one candidate against all positions (median of
  several queries, top 10 with explanations), beside a naive pure-Python loop over the pairs;
* the top 10 candidates for every position: the engine (arrays, and with explanations), the
  floor (a bare sparse product with top-k on the same matrices and blocks, no filters, no
  tie-breaking) and the naive loop where it finishes; peak traced memory of engine and floor.

Run: ``.venv/bin/python bench/match_speed.py`` (``--quick`` for a small grid).
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from match_data import speed_problem

from matching import CompetenceMatcher, MatchingInput
from matching.model import cefr_rank
from matching.vocabulary import normalise

TOP = 10


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def traced(action: Callable[[], object]) -> tuple[float, float, object]:
    """Seconds and peak traced memory (MiB) of one call."""
    tracemalloc.start()
    try:
        seconds, result = timed(action)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak / 2**20, result


def floor_top_k(matcher: CompetenceMatcher) -> None:
    """A bare sparse product with top-k on the engine's own matrices and blocks."""
    y, xt = matcher._Y, matcher._XT
    n = xt.shape[1]
    size = max(1, matcher.block_cells // max(n, 1))
    for start in range(0, y.shape[0], size):
        scores = (y[start : start + size] @ xt).toarray()
        np.argpartition(scores, n - TOP, axis=1)[:, n - TOP :]


def engine_top_k(matcher: CompetenceMatcher) -> None:
    for _ in matcher.top_indices("position", top=TOP):
        pass


class Naive:
    """The same score computed pair by pair in plain Python (dicts and loops)."""

    def __init__(self, problem: MatchingInput, matcher: CompetenceMatcher) -> None:
        w = matcher.weights
        idf = dict(zip(matcher.competence_keys_, matcher.idf_.tolist(), strict=True))
        self.self_declared = w.self_declared
        self.candidates = []
        for c in sorted(problem.candidates, key=lambda c: c.id):
            held: dict[str, tuple[int, int]] = {}
            for claim in c.competences:
                level, verified = held.get(claim.competence, (0, 0))
                held[claim.competence] = (
                    max(level, claim.level),
                    max(verified, claim.level if claim.verified else 0),
                )
            languages = {k: cefr_rank(v) for k, v in c.languages.items()}
            regions = {normalise(r) for r in c.regions}
            self.candidates.append((c.id, held, languages, regions))
        self.positions = []
        for p in sorted(problem.positions, key=lambda p: p.id):
            required = {r.competence: r.level for r in p.required}
            optional = {r.competence: r.level for r in p.optional if r.competence not in required}
            terms = [w.required * bool(required), w.optional * bool(optional), w.rarity]
            total = sum(terms)
            t = [x / total for x in terms]
            idf_sum = sum(idf[k] for k in (*required, *optional))
            entries = [
                (k, m, t[0] / len(required) + t[2] * idf[k] / idf_sum) for k, m in required.items()
            ] + [
                (k, m, t[1] / len(optional) + t[2] * idf[k] / idf_sum) for k, m in optional.items()
            ]
            languages = {k: cefr_rank(v) for k, v in p.languages.items()}
            region = None if p.region is None else normalise(p.region)
            self.positions.append((p.id, entries, languages, region))

    def score(self, position: tuple, candidate: tuple) -> tuple[bool, float]:
        _pid, entries, languages, region = position
        _cid, held, spoken, regions = candidate
        eligible = all(spoken.get(k, 0) >= v for k, v in languages.items()) and (
            region is None or not regions or region in regions
        )
        total = 0.0
        for key, minimum, weight in entries:
            if key in held:
                level, verified = held[key]
                full = min(verified, minimum)
                total += (
                    weight * (full + self.self_declared * (min(level, minimum) - full)) / minimum
                )
        return eligible, total

    def top_candidates(self, position: tuple) -> list:
        return heapq.nlargest(
            TOP,
            ((*self.score(position, c), c[0]) for c in self.candidates),
            key=lambda item: (item[0], round(item[1] * 1e6)),
        )

    def top_positions(self, candidate: tuple) -> list:
        return heapq.nlargest(
            TOP,
            ((*self.score(p, candidate), p[0]) for p in self.positions),
            key=lambda item: (item[0], round(item[1] * 1e6)),
        )


def median_ms(action: Callable[[int], object], repeats: int) -> float:
    times = []
    for i in range(repeats):
        seconds, _ = timed(lambda i=i: action(i))
        times.append(seconds)
    return statistics.median(times) * 1000


def measure(problem: MatchingInput, naive_limit: float, repeats: int) -> str:
    """One line of the table for one size."""
    n, p = len(problem.candidates), len(problem.positions)
    fit_s, fitted = timed(lambda: CompetenceMatcher().fit(problem))
    assert isinstance(fitted, CompetenceMatcher)
    matcher = fitted
    position_ids = matcher.position_ids_
    candidate_ids = matcher.candidate_ids_
    one_position = median_ms(
        lambda i: matcher.rank_candidates([position_ids[i * 7919 % p]], top=TOP), repeats
    )
    one_candidate = median_ms(
        lambda i: matcher.rank_positions([candidate_ids[i * 7919 % n]], top=TOP), repeats
    )
    naive = Naive(problem, matcher)
    naive_position = median_ms(
        lambda i: naive.top_candidates(naive.positions[i * 7919 % p]), min(repeats, 3)
    )
    naive_candidate = median_ms(
        lambda i: naive.top_positions(naive.candidates[i * 7919 % n]), min(repeats, 3)
    )
    # Same top 10 as the engine (scores to the millionth) on one position.
    expected = [round(s * 1e6) for _e, s, _id in naive.top_candidates(naive.positions[0])]
    ranked = matcher.rank_candidates([position_ids[0]], top=TOP)[0].matches
    assert expected == [round(m.score * 1e6) for m in ranked], "naive and engine disagree"

    engine_s, engine_mib, _ = traced(lambda: engine_top_k(matcher))
    explained_s, _ = timed(lambda: matcher.rank_candidates(top=TOP))
    floor_s, floor_mib, _ = traced(lambda: floor_top_k(matcher))
    if n * p <= naive_limit:
        naive_all, _ = timed(lambda: [naive.top_candidates(q) for q in naive.positions])
        naive_text = f"{naive_all:8.2f}"
    else:
        naive_text = f"~{naive_position / 1000 * p:7.0f}"
    return (
        f"{n:>10,} {p:>9,} {fit_s:6.2f} | {one_position:8.1f} {naive_position:8.1f} | "
        f"{one_candidate:9.1f} {naive_candidate:8.1f} | {engine_s:11.2f} "
        f"{explained_s:7.2f} {floor_s:7.2f} {engine_s / floor_s:5.2f} {naive_text} | "
        f"{engine_mib:8.0f} {floor_mib:9.0f}"
    )


def run(sizes_n: list[int], sizes_p: list[int], naive_limit: float, repeats: int) -> None:
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print("generating data ...", file=sys.stderr)
    full = speed_problem(max(sizes_n), max(sizes_p), seed=1)
    claims = sum(len(c.competences) for c in full.candidates) / len(full.candidates)
    listed = sum(len(p.required) + len(p.optional) for p in full.positions) / len(full.positions)
    print(
        f"data: {len(full.competences or ())} competences (Zipf 1.1), "
        f"{claims:.1f} per candidate, {listed:.1f} per position; top {TOP}"
    )
    header = (
        f"{'candidates':>10} {'positions':>9} {'fit s':>6} | {'1 pos ms':>8} {'naive':>8} | "
        f"{'1 cand ms':>9} {'naive':>8} | {'all top10 s':>11} {'+expl s':>7} {'floor s':>7} "
        f"{'ratio':>5} {'naive s':>8} | {'peak MiB':>8} {'floor MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for n in sizes_n:
        for p in sizes_p:
            problem = replace(full, candidates=full.candidates[:n], positions=full.positions[:p])
            print(measure(problem, naive_limit, repeats), flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of the whole run: {rss:,.0f} MiB")
    print("naive s with ~: not run, estimated as (1 position ms) × positions")
    if math.isfinite(naive_limit):
        print(f"naive all-positions loop run only up to {naive_limit:,.0f} pairs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grid, for a smoke test")
    args = parser.parse_args()
    if args.quick:
        run([1_000, 10_000], [100, 1_000], naive_limit=1e6, repeats=5)
    else:
        run([1_000, 10_000, 100_000], [100, 1_000, 10_000], naive_limit=1e7, repeats=15)


if __name__ == "__main__":
    main()
