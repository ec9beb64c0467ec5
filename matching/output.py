"""The JSON documents printed by `isok match rank` and `isok match assign` (CONTRACTS.md).

`rank_document`, `assignment_document` and `explanation_document` turn results into plain JSON
values (dicts, lists, strings, numbers); `encode` writes such a value as compact JSON text in
UTF-8. None of them prints.

`rank_json` makes the output of `isok match rank` as text, piece by piece, straight from the
engine's arrays (`CompetenceMatcher.explain_pairs`), without a `Ranking` of objects in between:
the same document (tests compare the two on random problems), in a fraction of the time. What many
explanations share (a competence the candidate lacks, a mapping, the filters) is encoded once
by msgspec and reused as text; an item the candidate holds is the encoded text of what the
position asks, followed by the candidate's numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from matching.explanation import (
    CompetenceResult,
    Explanation,
    FilterResult,
    Ranking,
    ScoreParts,
    SupportFit,
    UnmappedReference,
)
from matching.vocabulary import Resolution

if TYPE_CHECKING:
    # For types only: the assignment loads its solver (scipy.optimize), which ranking does not
    # need, and the matcher is handed in by the caller.
    from matching.assignment import AssignmentResult
    from matching.scoring import CompetenceMatcher, ExplainedPairs, Progress

__all__ = ["assignment_document", "encode", "explanation_document", "rank_document", "rank_json"]

JSON = dict[str, Any]

_ENCODER = msgspec.json.Encoder()


def encode(document: object) -> bytes:
    """`document` as compact JSON in UTF-8 (msgspec: several times faster than `json.dumps`)."""
    return _ENCODER.encode(document)


def rank_document(rankings: Sequence[Ranking], unmapped: Sequence[UnmappedReference]) -> JSON:
    """The output of `isok match rank`.

    Rankings by position list ``"candidates"``; rankings by candidate list ``"positions"``.
    """
    shared = _Shared()
    return {
        "rankings": [_ranking(r, shared) for r in rankings],
        "unmapped": [_unmapped(u) for u in unmapped],
    }


def assignment_document(result: AssignmentResult) -> JSON:
    """The output of `isok match assign`."""
    return {
        "assignments": [
            {"position": a.position_id, "candidate": a.candidate_id, "score": a.score}
            for a in result.assignments
        ],
        "unassigned_candidates": list(result.unassigned_candidates),
        "unfilled_places": dict(result.unfilled_places),
    }


def explanation_document(explanation: Explanation) -> JSON:
    """One explanation as JSON; `parts` add up to the match's score."""
    return _explanation(explanation, _Shared())


def _ranking(ranking: Ranking, shared: _Shared) -> JSON:
    other = "candidate" if ranking.by == "position" else "position"
    entries = []
    for match in ranking.matches:
        entry: JSON = {
            other: match.candidate_id if other == "candidate" else match.position_id,
            "score": match.score,
            "eligible": match.eligible,
        }
        if match.explanation is not None:
            entry["explanation"] = _explanation(match.explanation, shared)
        entries.append(entry)
    return {ranking.by: ranking.id, f"{other}s": entries}


def _explanation(explanation: Explanation, shared: _Shared) -> JSON:
    document: JSON = {
        "matched": [shared.competence(c) for c in explanation.matched],
        "partial": [shared.competence(c) for c in explanation.partial],
        "missing_required": [shared.competence(c) for c in explanation.missing_required],
        "missing_optional": [shared.competence(c) for c in explanation.missing_optional],
        "filters": [_filter(f) for f in explanation.filters],
        "parts": _parts(explanation.parts),
    }
    if explanation.parts.support_fit is not None:
        document["support_fit"] = _support_fit(explanation.parts.support_fit)
    return document


class _Shared:
    """JSON of results that many explanations share, made once per document.

    The engine gives every pair of a position the same `CompetenceResult` object for a
    competence the candidate lacks, and every item the same `Resolution` object for the same
    reference; their JSON is the same too, so it is made once and referred to (keyed by the
    object's id: the objects live at least as long as the document is being made).
    """

    def __init__(self) -> None:
        self.missing: dict[int, JSON] = {}
        self.mappings: dict[int, JSON] = {}

    def mapping(self, resolution: Resolution) -> JSON:
        document = self.mappings.get(id(resolution))
        if document is None:
            document = self.mappings[id(resolution)] = _mapping(resolution)
        return document

    def competence(self, result: CompetenceResult) -> JSON:
        if result.candidate_mapping is None:
            document = self.missing.get(id(result))
            if document is None:
                position_mapping = self.mapping(result.position_mapping)
                document = self.missing[id(result)] = _missing(result, position_mapping)
            return document
        document = _asked(result)
        document["level"] = result.level
        document["verified_level"] = result.verified_level
        document["credit"] = round(result.credit, 6)
        if result.reasons:
            document["reasons"] = list(result.reasons)
        document["mapping"] = {
            "position": self.mapping(result.position_mapping),
            "candidate": self.mapping(result.candidate_mapping),
        }
        return document


def _asked(listed: CompetenceResult) -> JSON:
    """What the position asks: the first keys of every competence's item."""
    return {
        "competence": listed.competence_id,
        "label": listed.label,
        "requirement": listed.requirement,
        "min_level": listed.min_level,
    }


def _missing(listed: CompetenceResult, position_mapping: Any) -> JSON:
    """The item of a competence the candidate lacks: what the position asks, and how the
    position's text was understood (`_mapping`, or the same encoded)."""
    document = _asked(listed)
    document["mapping"] = {"position": position_mapping}
    return document


def _parts(parts: ScoreParts) -> JSON:
    return {
        "required": parts.required,
        "optional": parts.optional,
        "rarity": parts.rarity,
        "support": parts.support,
    }


def _support_fit(fit: SupportFit) -> JSON:
    """How the support part was earned (only for a position with readiness data)."""
    return {
        "fit": round(fit.fit, 6),
        "working_languages": list(fit.working_languages),
        "language": fit.language,
        "held": fit.held,
        "language_support": fit.language_support,
    }


# --- the same document as text, straight from the engine's arrays ----------------------------


def rank_json(
    matcher: CompetenceMatcher,
    *,
    by: Literal["position", "candidate"] = "position",
    top: int | None = 10,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The output of `isok match rank` as JSON text, in pieces, every match explained.

    Joined (``b"".join(rank_json(matcher))``), the pieces are the same document as
    ``encode(rank_document(rankings, matcher.unmapped_))`` with the rankings of
    ``matcher.rank_candidates(top=top)`` (``by="position"``) or
    ``matcher.rank_positions(top=top)``. They are made block by block from the engine's arrays
    as they are asked for, so a caller that writes them out never holds the whole text; only
    the matches printed are explained.
    """
    from matching.scoring import PAIRS_AT_ONCE, SCALE  # loaded already with the matcher

    other: Literal["position", "candidate"] = "candidate" if by == "position" else "position"
    ids = matcher.position_ids_ if by == "position" else matcher.candidate_ids_
    other_ids = matcher.candidate_ids_ if by == "position" else matcher.position_ids_
    texts = _Texts()
    yield b'{"rankings":['
    separator = b""
    for block, best, best_scores, best_eligible in matcher.top_indices(
        by, top=top, progress=progress
    ):
        k = best.shape[1]
        step = max(1, PAIRS_AT_ONCE // max(k, 1))  # whole rankings, a bounded number of pairs
        for at in range(0, len(block), step):
            rows, chosen = block[at : at + step], best[at : at + step]
            scores, eligible = best_scores[at : at + step], best_eligible[at : at + step]
            own = rows.repeat(k)
            others = chosen.ravel()
            positions, candidates = (own, others) if by == "position" else (others, own)
            pairs = matcher.explain_pairs(positions, candidates, scores.ravel())
            entries = [
                {other: other_ids[o], "score": s / SCALE, "eligible": e, "explanation": x}
                for o, s, e, x in zip(
                    others.tolist(),
                    scores.ravel().tolist(),
                    eligible.ravel().tolist(),
                    texts.explanations(pairs),
                    strict=True,
                )
            ]
            for i, row in enumerate(rows.tolist()):
                yield separator
                yield encode({by: ids[row], f"{other}s": entries[i * k : (i + 1) * k]})
                separator = b","
    yield b'],"unmapped":' + encode([_unmapped(u) for u in matcher.unmapped_]) + b"}"


#: The item of a competence the candidate holds: what the position asks (``{"competence": …,
#: "min_level": …``, encoded), the candidate's level and verified level, the credit, the
#: reasons (``,"reasons":[…]`` or nothing), the position's and the candidate's mapping. The
#: keys and their order are those of `_Shared.competence`.
_HELD = b'%s,"level":%d,"verified_level":%s,"credit":%s%s,"mapping":{"position":%s,"candidate":%s}}'
_LEVELS = (b"null", b"1", b"2", b"3", b"4", b"5")  # a verified level of 0 is none: null
#: An explanation: its four lists of items, the filters, the parts and, for a position with
#: readiness data, ``,"support_fit":{…}`` (keys and order of `_explanation`).
_EXPLANATION = (
    b'{"matched":[%s],"partial":[%s],"missing_required":[%s],"missing_optional":[%s],'
    b'"filters":%s,"parts":%s%s}'
)


class _Texts:
    """Encoded text of what many explanations share, made once per document.

    Keyed by the engine's entry (a competence of a position) and holding (a competence of a
    candidate) numbers, which are the same in every pair; filters by value; credits by value.
    """

    def __init__(self) -> None:
        self.asked: dict[int, tuple[bytes, bytes]] = {}  # entry: (what is asked, its mapping)
        self.missing: dict[int, bytes] = {}  # entry: the whole item
        self.mappings: dict[int, bytes] = {}  # holding: the candidate's mapping
        self.resolutions: dict[int, bytes] = {}  # id of a Resolution: its mapping
        self.credits: dict[float, bytes] = {}
        self.reasons: dict[tuple[str, ...], bytes] = {}
        self.filters: dict[tuple[FilterResult, ...], bytes] = {}
        self.support_fits: dict[int, bytes] = {}  # id of a SupportFit: ,"support_fit":{…}

    def explanations(self, pairs: ExplainedPairs) -> list[msgspec.Raw]:
        """The explanation of each pair, as encoded text.

        The loops look the shared texts up in the dictionaries directly: a large ranking has
        several hundred thousand rows, and a method call for each would cost more than the
        rest of the work.
        """
        bounds, entries, holdings = pairs.bounds, pairs.entries, pairs.holdings
        level, verified, credit, reasons = (
            pairs.level,
            pairs.verified_level,
            pairs.credit,
            pairs.reasons,
        )
        asked, missing, mappings = self.asked, self.missing, self.mappings
        credits, reason_texts, filter_texts = self.credits, self.reasons, self.filters
        for e in set(entries) - asked.keys():
            self._add_entry(e, pairs.listed[e])
        for h in pairs.candidate_mappings.keys() - mappings.keys():
            mappings[h] = self._mapping(pairs.candidate_mappings[h])
        for value in set(credit) - credits.keys():
            credits[value] = encode(round(value, 6))
        for why in set(reasons) - reason_texts.keys():
            reason_texts[why] = b',"reasons":' + encode(list(why)) if why else b""
        documents = []
        for i, (filters, parts) in enumerate(zip(pairs.filters, pairs.parts, strict=True)):
            start, matched, partial, absent, end = bounds[4 * i : 4 * i + 5]
            held = [
                _HELD
                % (
                    asked[entries[r]][0],
                    level[r],
                    _LEVELS[verified[r]],
                    credits[credit[r]],
                    reason_texts[reasons[r]],
                    asked[entries[r]][1],
                    mappings[holdings[r]],
                )
                for r in range(start, partial)
            ]
            filters_text = filter_texts.get(filters)
            if filters_text is None:
                filters_text = filter_texts[filters] = encode([_filter(f) for f in filters])
            documents.append(
                msgspec.Raw(
                    _EXPLANATION
                    % (
                        b",".join(held[: matched - start]),
                        b",".join(held[matched - start :]),
                        b",".join([missing[e] for e in entries[partial:absent]]),
                        b",".join([missing[e] for e in entries[absent:end]]),
                        filters_text,
                        encode(_parts(parts)),
                        self._support_fit(parts.support_fit),
                    )
                )
            )
        return documents

    def _support_fit(self, fit: SupportFit | None) -> bytes:
        # The engine shares one SupportFit among pairs with the same fit: encode it once.
        if fit is None:
            return b""
        text = self.support_fits.get(id(fit))
        if text is None:
            text = self.support_fits[id(fit)] = b',"support_fit":' + encode(_support_fit(fit))
        return text

    def _mapping(self, resolution: Resolution) -> bytes:
        # Many entries and holdings share one Resolution (the same text): encode it once.
        text = self.resolutions.get(id(resolution))
        if text is None:
            text = self.resolutions[id(resolution)] = encode(_mapping(resolution))
        return text

    def _add_entry(self, entry: int, listed: CompetenceResult) -> None:
        position_mapping = self._mapping(listed.position_mapping)
        asked = encode(_asked(listed))[:-1]  # left open: the holder's keys follow
        self.asked[entry] = (asked, position_mapping)
        self.missing[entry] = encode(_missing(listed, msgspec.Raw(position_mapping)))


def _mapping(resolution: Resolution) -> JSON:
    document: JSON = {
        "text": resolution.reference,
        "method": resolution.method,
        "similarity": resolution.similarity,
    }
    if resolution.corrections:
        # What was read, for a person to confirm: "read 'udring' as 'during'".
        document["read_as"] = resolution.read_as
        document["corrections"] = [
            {"typed": typed, "read": read} for typed, read in resolution.corrections
        ]
        document["note"] = resolution.note
    return document


def _filter(result: FilterResult) -> JSON:
    document: JSON = {"filter": result.filter}
    if result.language is not None:
        document["language"] = result.language
    held = result.held
    document["required"] = result.required
    document["held"] = list(held) if isinstance(held, tuple) else held
    document["passed"] = result.passed
    if result.leeway:
        document["leeway"] = True  # passed below the required level, thanks to the leeway
    return document


def _unmapped(reference: UnmappedReference) -> JSON:
    return {
        reference.owner: reference.owner_id,
        "label": reference.label,
        "suggestions": [s.label for s in reference.suggestions],
    }
