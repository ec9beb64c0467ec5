"""The floor of `isok match rank`: the least a ranking command has to do, as a bare script.

Reads the same JSON document, builds the sparse candidate × competence and position ×
competence matrices with scipy, takes one sparse product in blocks of positions, picks the
top K candidates per position with numpy's argpartition and writes JSON with scores. No
mapping of texts, no filters, no tie-breaking, no explanations. `bench/match_cli.py` times it
beside the command in the same run.

Run: ``python bench/match_floor.py FILE [K] > out.json``.
"""

from __future__ import annotations

import sys

import msgspec
import numpy as np
from scipy import sparse

BLOCK_CELLS = 1 << 24  # as the engine: 128 MiB of float64 scores at a time


def main(path: str, top: int) -> None:
    with open(path, "rb") as file:
        document = msgspec.json.decode(file.read())
    columns: dict[str, int] = {}

    candidate_ids = []
    rows, cols, values = [], [], []
    for row, candidate in enumerate(document["candidates"]):
        candidate_ids.append(candidate["id"])
        for claim in candidate.get("competences", ()):
            rows.append(row)
            cols.append(columns.setdefault(claim["competence"], len(columns)))
            values.append(claim.get("level", 1) * (1.0 if claim.get("verified") else 0.7))

    position_ids = []
    p_rows, p_cols, p_values = [], [], []
    for row, position in enumerate(document["positions"]):
        position_ids.append(position["id"])
        listed = [*position.get("required", ()), *position.get("optional", ())]
        for requirement in listed:
            p_rows.append(row)
            p_cols.append(columns.setdefault(requirement["competence"], len(columns)))
            p_values.append(1.0 / (len(listed) * requirement.get("level", 1)))

    n, p = len(candidate_ids), len(position_ids)
    x = sparse.csr_matrix((values, (rows, cols)), shape=(n, len(columns)))
    y = sparse.csr_matrix((p_values, (p_rows, p_cols)), shape=(p, len(columns)))
    xt = x.T.tocsr()
    k = min(top, n)
    rankings = []
    size = max(1, BLOCK_CELLS // max(n, 1))
    for start in range(0, p, size):
        scores = (y[start : start + size] @ xt).toarray()
        chosen = np.argpartition(scores, n - k, axis=1)[:, n - k :]
        best = np.take_along_axis(scores, chosen, axis=1)
        order = np.argsort(-best, axis=1)
        chosen = np.take_along_axis(chosen, order, axis=1).tolist()
        best = np.round(np.take_along_axis(best, order, axis=1), 6).tolist()
        for offset, (others, values_) in enumerate(zip(chosen, best, strict=True)):
            rankings.append(
                {
                    "position": position_ids[start + offset],
                    "candidates": [
                        {"candidate": candidate_ids[c], "score": s}
                        for c, s in zip(others, values_, strict=True)
                    ],
                }
            )
    sys.stdout.buffer.write(msgspec.json.encode({"rankings": rankings}) + b"\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
