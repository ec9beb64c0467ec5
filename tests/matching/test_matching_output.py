"""Explanations made over arrays, and the JSON of `isok match rank` made straight from them.

`CompetenceMatcher.explain_pairs` computes every pair's credits and parts at once; these tests
hold it to a plain per-pair computation of the same rules (docs/matching.md, "The score"), and
hold `rank_json` to the document built from `Ranking` objects, key for key and in order.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import CompetenceMatcher, MatchingInput, load_document, scoring
from matching.output import encode, explanation_document, rank_document, rank_json
from matching.scoring import SCALE
from tests.matching.conftest import CONTRACT_EXAMPLE, PROPERTY_SETTINGS, problems
from tests.matching.test_matching_cli import DOCUMENT


def reference_explanation(matcher: CompetenceMatcher, position_id: str, candidate_id: str) -> dict:
    """The explanation of one pair, one competence after the other in plain Python."""
    w = matcher.weights
    document = explanation_document(matcher.explain(position_id, candidate_id).explanation)
    position = matcher._position_index[position_id]
    candidate = matcher._candidate_index[candidate_id]
    start, end = matcher._holding_indptr[candidate], matcher._holding_indptr[candidate + 1]
    held = {int(matcher._holding_columns[i]): i for i in range(int(start), int(end))}
    groups: dict[str, list[tuple[str | None, str, float]]] = {
        "matched": [],
        "partial": [],
        "missing_required": [],
        "missing_optional": [],
    }
    sums = {"required": 0.0, "optional": 0.0}
    rarity = 0.0
    for column, kind, minimum, _mapping in matcher._position_entries[position]:
        i = held.get(column)
        credit = 0.0
        if i is None:
            group = "missing_required" if kind == "required" else "missing_optional"
        else:
            level = int(matcher._holding_levels[i])
            verified = int(matcher._holding_verified[i])
            full = min(verified, minimum)
            credit = (full + w.self_declared * (min(level, minimum) - full)) / minimum
            partial = level < minimum or verified < min(level, minimum)
            group = "partial" if partial else "matched"
        sums[kind] += credit
        rarity += float(matcher.idf_[column]) * credit
        groups[group].append((matcher._competence_ids[column], kind, round(credit, 6)))
    n_required = int(matcher._n_required[position])
    n_optional = int(matcher._n_optional[position])
    t = matcher._term_weights[position]
    raw = (
        t[0] * (sums["required"] / n_required if n_required else 0.0),
        t[1] * (sums["optional"] / n_optional if n_optional else 0.0),
        t[2] * (rarity / matcher._idf_sum[position] if n_required + n_optional else 0.0),
    )
    got = {
        group: [(c["competence"], c["requirement"], c.get("credit", 0.0)) for c in document[group]]
        for group in groups
    }
    assert got == groups
    return {"raw": raw, "parts": document["parts"]}


@PROPERTY_SETTINGS
@given(problems())
def test_explanations_follow_the_rules_pair_by_pair(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    for position_id in matcher.position_ids_:
        for candidate_id in matcher.candidate_ids_:
            result = reference_explanation(matcher, position_id, candidate_id)
            parts = result["parts"]
            score = matcher.explain(position_id, candidate_id).score
            assert round(sum(parts.values()) * SCALE) == round(score * SCALE)
            for name, raw in zip(("required", "optional", "rarity"), result["raw"], strict=True):
                # Each part is its exact value rounded down or up to a whole millionth.
                assert abs(parts[name] - raw) < 1e-6 + 1e-9, (name, parts, result["raw"])


@PROPERTY_SETTINGS
@given(problems())
def test_a_pair_is_explained_alike_alone_and_among_others(problem: MatchingInput) -> None:
    matcher = CompetenceMatcher().fit(problem)
    for ranking in matcher.rank_candidates(top=None):
        for match in ranking.matches:
            assert matcher.explain(match.position_id, match.candidate_id) == match


def same_json(text: bytes, document: dict) -> bool:
    """Equal as JSON, with the keys in the same order."""
    return json.dumps(json.loads(text)) == json.dumps(document)


@PROPERTY_SETTINGS
@given(problems(), st.sampled_from([None, 1, 3]))
def test_rank_json_is_the_document_of_the_rankings(problem: MatchingInput, top: int | None) -> None:
    matcher = CompetenceMatcher(block_cells=7).fit(problem)  # several blocks
    by_position = rank_document(matcher.rank_candidates(top=top), matcher.unmapped_)
    assert same_json(b"".join(rank_json(matcher, top=top)), by_position)
    by_candidate = rank_document(matcher.rank_positions(top=top), matcher.unmapped_)
    assert same_json(b"".join(rank_json(matcher, by="candidate", top=top)), by_candidate)


def test_rank_json_with_mappings_unmapped_text_and_filters() -> None:
    for document in (DOCUMENT, CONTRACT_EXAMPLE):
        matcher = CompetenceMatcher().fit(load_document(json.dumps(document)))
        for top in (None, 1):
            expected = rank_document(matcher.rank_candidates(top=top), matcher.unmapped_)
            text = b"".join(rank_json(matcher, top=top))
            assert same_json(text, expected)
            assert json.loads(text) == json.loads(encode(expected))


def test_rank_json_of_nothing() -> None:
    problem = load_document('{"positions": [], "candidates": [{"id": "k"}]}')
    matcher = CompetenceMatcher().fit(problem)
    assert json.loads(b"".join(rank_json(matcher))) == {"rankings": [], "unmapped": []}
    assert json.loads(b"".join(rank_json(matcher, by="candidate"))) == {
        "rankings": [{"candidate": "k", "positions": []}],
        "unmapped": [],
    }


def test_explain_pairs_of_no_pairs() -> None:
    matcher = CompetenceMatcher().fit(load_document(json.dumps(DOCUMENT)))
    empty = np.zeros(0, dtype=np.int64)
    pairs = matcher.explain_pairs(empty, empty, empty)
    assert pairs.bounds == [0]
    assert pairs.parts == []


def test_parts_are_whole_millionths() -> None:
    matcher = CompetenceMatcher().fit(load_document(json.dumps(DOCUMENT)))
    for ranking in matcher.rank_candidates(top=None):
        for match in ranking.matches:
            assert match.explanation is not None
            for value in (match.explanation.parts.required, match.explanation.parts.rarity):
                assert math.isclose(value * SCALE, round(value * SCALE), abs_tol=1e-6)


def test_explaining_a_few_pairs_at_a_time_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rankings are explained a bounded number of pairs at a time (memory); the results are the
    # same whatever the bound.
    matcher = CompetenceMatcher().fit(load_document(json.dumps(DOCUMENT)))
    texts = {by: b"".join(rank_json(matcher, by=by, top=None)) for by in ("position", "candidate")}
    objects = matcher.rank_candidates(top=None)
    monkeypatch.setattr(scoring, "PAIRS_AT_ONCE", 1)
    for by, text in texts.items():
        assert b"".join(rank_json(matcher, by=by, top=None)) == text
    assert matcher.rank_candidates(top=None) == objects
