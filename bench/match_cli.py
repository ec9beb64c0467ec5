"""The whole `isok match rank --top 10` process beside a bare floor measured in the same run.

For each size it writes a seeded input document in the project's JSON format (the data of
`bench/match_speed.py`: 3,000 competences with Zipf popularity, about 15 per candidate and
per position, references by id, Finnish and region filters), then times, as separate
processes, in alternation:

* the command: ``isok match rank --input FILE --top 10`` (the real entry point: start-up,
  imports, reading and checking the document, fitting, ranking, explanations, JSON out);
* the floor: ``bench/match_floor.py FILE 10``, a standalone script that reads the same JSON
  with msgspec, builds the two sparse matrices with scipy, takes the sparse product and the
  top 10 per position with argpartition and writes JSON (no mapping, no filters, no
  explanations).

Standard output of both goes to a file. It prints the medians of the rounds (wall seconds,
and CPU seconds, user + system, which a busy machine disturbs less), each round's wall time,
and the ratios command / floor.

Run: ``.venv/bin/python bench/match_cli.py`` (``--quick`` for the small size only). To time
other code beside the same floor (say, the previous commit: ``git archive HEAD matching portal
kit certificates accounts | tar -x -C DIR``), put it first on the path: ``PYTHONPATH=DIR``;
the command then runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from match_data import speed_problem  # noqa: E402

from matching import MatchingInput, Requirement  # noqa: E402

ISOK = str(Path(sys.executable).parent / "isok")
FLOOR = str(BENCH / "match_floor.py")
TOP = 10


def document(problem: MatchingInput) -> dict[str, object]:
    """The problem as the JSON document `isok match` reads (CONTRACTS.md)."""

    def requirements(items: tuple[Requirement, ...]) -> list[dict[str, object]]:
        return [{"competence": r.competence, "level": r.level} for r in items]

    positions = []
    for p in problem.positions:
        entry: dict[str, object] = {
            "id": p.id,
            "required": requirements(p.required),
            "optional": requirements(p.optional),
            "languages": dict(p.languages),
            "places": p.places,
        }
        if p.region is not None:
            entry["region"] = p.region
        positions.append(entry)
    return {
        "competences": [
            {"id": c.id, "label": c.label, "alt_labels": list(c.alt_labels)}
            for c in problem.competences or ()
        ],
        "positions": positions,
        "candidates": [
            {
                "id": c.id,
                "competences": [
                    {"competence": k.competence, "level": k.level, "verified": k.verified}
                    for k in c.competences
                ],
                "languages": dict(c.languages),
                "regions": list(c.regions),
            }
            for c in problem.candidates
        ],
    }


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], output: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run; stops the benchmark if the command fails."""
    with output.open("wb") as out:
        cpu = cpu_of_children()
        start = time.perf_counter()
        result = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - start
        cpu = cpu_of_children() - cpu
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {result.stderr.decode(errors='replace')}")
    return seconds, cpu


def check(output: Path, n_candidates: int, n_positions: int) -> None:
    """The command's output has a ranking per position, K entries each, exact parts."""
    ranked = json.loads(output.read_bytes())
    assert len(ranked["rankings"]) == n_positions
    for ranking in ranked["rankings"]:
        assert len(ranking["candidates"]) == min(TOP, n_candidates)
        for entry in ranking["candidates"]:
            parts = entry["explanation"]["parts"]
            assert sum(round(v * 1e6) for v in parts.values()) == round(entry["score"] * 1e6)


def measure(n_candidates: int, n_positions: int, rounds: int, folder: Path) -> None:
    problem = speed_problem(n_candidates, n_positions, seed=1)
    path = folder / f"match-{n_candidates}x{n_positions}.json"
    path.write_text(json.dumps(document(problem), ensure_ascii=False), encoding="utf-8")
    command = [ISOK, "match", "rank", "--input", str(path), "--top", str(TOP)]
    floor = [sys.executable, FLOOR, str(path), str(TOP)]
    out = folder / "out.json"
    wall: dict[str, list[float]] = {"command": [], "floor": []}
    cpu: dict[str, list[float]] = {"command": [], "floor": []}
    for _ in range(rounds):
        for name, argv in (("floor", floor), ("command", command)):
            seconds, cpu_seconds = timed(argv, out)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    output_mib = out.stat().st_size / 2**20
    check(out, n_candidates, n_positions)
    floor_s, command_s = statistics.median(wall["floor"]), statistics.median(wall["command"])
    floor_cpu, command_cpu = statistics.median(cpu["floor"]), statistics.median(cpu["command"])
    print(
        f"{n_candidates:>10,} {n_positions:>9,} {path.stat().st_size / 2**20:7.1f} "
        f"{output_mib:8.1f} | {floor_s:7.2f} {command_s:9.2f} {command_s / floor_s:6.2f} | "
        f"{floor_cpu:7.2f} {command_cpu:9.2f} {command_cpu / floor_cpu:6.2f}",
        flush=True,
    )
    print(
        f"{'':>21} wall s of each round: floor {' '.join(f'{t:.2f}' for t in wall['floor'])}; "
        f"command {' '.join(f'{t:.2f}' for t in wall['command'])}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 2,000 × 200, for a smoke test")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each per size (median)")
    args = parser.parse_args()
    sizes = [(2_000, 200)] if args.quick else [(2_000, 200), (20_000, 2_000)]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}; "
        f"top {TOP}, {args.rounds} rounds"
    )
    print(
        f"{'':>36} | {'wall, median':^24} | {'CPU (user + system), median':^24}\n"
        f"{'candidates':>10} {'positions':>9} {'in MiB':>7} {'out MiB':>8} | {'floor s':>7} "
        f"{'command s':>9} {'ratio':>6} | {'floor s':>7} {'command s':>9} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="isok-match-cli-") as folder:
        for n, p in sizes:
            measure(n, p, args.rounds, Path(folder))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
