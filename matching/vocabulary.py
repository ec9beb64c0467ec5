"""Mapping free-text competence references to the vocabulary.

A reference is resolved in this order, and the first rule that applies wins:

1. **id**: it is exactly the id of a competence;
2. **label**: it equals a preferred label, ignoring case and spacing;
3. **alt_label**: it equals an alternative label of exactly one competence, ignoring case and
   spacing;
4. **fuzzy**: its `rapidfuzz.fuzz.token_sort_ratio` similarity (0-100) to some label or
   alternative label is at least `upper` and beats the next competence by `margin` points;
5. otherwise it is **unmapped**; competences with a similarity of at least `lower` are offered
   as suggestions.

`token_sort_ratio` compares whole strings after sorting their words, so word order does not
matter but every word counts: "forklift" alone is *not* a perfect match for "operate forklift"
(scorers such as `token_set_ratio` or `partial_ratio` would give it 100).

Without a vocabulary every reference stands for itself (method **as_given**): two references
mean the same competence when their normalised texts are equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from matching.model import Competence, InputError

__all__ = [
    "FUZZY_LOWER",
    "FUZZY_MARGIN",
    "FUZZY_UPPER",
    "Method",
    "Resolution",
    "Suggestion",
    "Vocabulary",
    "normalise",
]

#: A fuzzy similarity at or above this maps the reference (one typo in a two-word label scores
#: about 95; a substituted letter in a single seven-letter word about 86, which only suggests).
FUZZY_UPPER = 90.0
#: Below this a vocabulary entry is not even suggested.
FUZZY_LOWER = 70.0
#: The best competence must beat the runner-up by this many points to be mapped.
FUZZY_MARGIN = 3.0
#: At most this many suggestions are offered for an unmapped reference.
MAX_SUGGESTIONS = 3

Method = Literal["id", "label", "alt_label", "fuzzy", "as_given", "unmapped"]

_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Case- and space-insensitive form of a label: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _fuzzy_form(text: str) -> str:
    # Punctuation separates words for the fuzzy comparison ("fork-lift" ≈ "fork lift").
    return " ".join(_NON_WORD.sub(" ", normalise(text)).split())


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A vocabulary entry offered for a reference that could not be mapped.

    Attributes
    ----------
    id : str
    label : str
        Preferred label of the competence.
    similarity : float, 0-100
        `token_sort_ratio` against its closest label.
    """

    id: str
    label: str
    similarity: float


@dataclass(frozen=True, slots=True)
class Resolution:
    """How one reference was understood.

    Attributes
    ----------
    reference : str
        The text as given.
    key : str
        Internal identity of the competence: the vocabulary id when mapped, otherwise a key
        derived from the normalised text (two identical unmapped texts still mean the same).
    competence_id : str or None
        The vocabulary id, or None when nothing was mapped.
    label : str
        Label to show: the preferred label when mapped, else the normalised text.
    method : {"id", "label", "alt_label", "fuzzy", "as_given", "unmapped"}
    similarity : float, 0-100
        100 for the exact methods; the fuzzy score for "fuzzy"; the best suggestion's score (or
        0) for "unmapped".
    suggestions : tuple of Suggestion
        Only for "unmapped": the closest entries at or above the lower threshold.
    """

    reference: str
    key: str
    competence_id: str | None
    label: str
    method: Method
    similarity: float
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def mapped(self) -> bool:
        """True unless the reference is unmapped."""
        return self.method != "unmapped"


class Vocabulary:
    """Resolves competence references against a list of competences.

    Parameters
    ----------
    competences : sequence of Competence or None
        The vocabulary; None compares references as given.
    upper, lower : float, 0-100
        Fuzzy thresholds: at or above `upper` a reference maps, from `lower` it is suggested.
    margin : float
        Points by which the best fuzzy competence must beat the runner-up to be mapped.

    Notes
    -----
    Results are cached per normalised text, so resolving the same label many times is cheap.
    Resolution is deterministic: equal similarities are ordered by competence id.
    """

    def __init__(
        self,
        competences: Sequence[Competence] | None,
        *,
        upper: float = FUZZY_UPPER,
        lower: float = FUZZY_LOWER,
        margin: float = FUZZY_MARGIN,
    ) -> None:
        if not 0 <= lower <= upper <= 100:
            raise ValueError("thresholds must satisfy 0 <= lower <= upper <= 100")
        self.upper = upper
        self.lower = lower
        self.margin = margin
        self.competences: tuple[Competence, ...] | None = (
            None if competences is None else tuple(competences)
        )
        self._by_id: dict[str, Competence] = {}
        self._by_label: dict[str, Competence] = {}
        self._by_alt: dict[str, list[Competence]] = {}
        self._choices: list[str] = []
        self._choice_owner: list[Competence] = []
        self._cache: dict[str, Resolution] = {}
        if self.competences is not None:
            self._index(self.competences)

    def _index(self, competences: tuple[Competence, ...]) -> None:
        for position, competence in enumerate(competences):
            self._by_id[competence.id] = competence
            label = normalise(competence.label)
            other = self._by_label.get(label)
            if other is not None:
                raise InputError(
                    f"competences[{position}].label: {competence.label!r} is already the label "
                    f"of competence {other.id!r}"
                )
            self._by_label[label] = competence
        for competence in competences:
            forms = {_fuzzy_form(competence.label)}
            for alt in competence.alt_labels:
                key = normalise(alt)
                owners = self._by_alt.setdefault(key, [])
                if competence not in owners:
                    owners.append(competence)
                forms.add(_fuzzy_form(alt))
            for form in sorted(forms):
                self._choices.append(form)
                self._choice_owner.append(competence)

    @property
    def has_competences(self) -> bool:
        """True when a vocabulary was given."""
        return self.competences is not None

    def label_of(self, competence_id: str) -> str:
        """Preferred label of a vocabulary id."""
        return self._by_id[competence_id].label

    def resolve(self, reference: str) -> Resolution:
        """Map one reference; see the module docstring for the rules."""
        if self.competences is None:
            key = normalise(reference)
            return Resolution(reference, "text:" + key, None, key, "as_given", 100.0)
        if reference in self._by_id:
            competence = self._by_id[reference]
            return Resolution(
                reference, competence.id, competence.id, competence.label, "id", 100.0
            )
        key = normalise(reference)
        cached = self._cache.get(key)
        if cached is not None:
            return cached if cached.reference == reference else _with_reference(cached, reference)
        resolution = self._resolve_text(reference, key)
        self._cache[key] = resolution
        return resolution

    def _resolve_text(self, reference: str, key: str) -> Resolution:
        competence = self._by_label.get(key)
        if competence is not None:
            return Resolution(
                reference, competence.id, competence.id, competence.label, "label", 100.0
            )
        owners = self._by_alt.get(key, [])
        if len(owners) == 1:
            competence = owners[0]
            return Resolution(
                reference, competence.id, competence.id, competence.label, "alt_label", 100.0
            )
        ranked = self._fuzzy(_fuzzy_form(reference))
        if ranked:
            best = ranked[0]
            runner_up = ranked[1].similarity if len(ranked) > 1 else 0.0
            if best.similarity >= self.upper and best.similarity - runner_up >= self.margin:
                return Resolution(reference, best.id, best.id, best.label, "fuzzy", best.similarity)
        return Resolution(
            reference,
            "text:" + key,
            None,
            key,
            "unmapped",
            ranked[0].similarity if ranked else 0.0,
            tuple(ranked[:MAX_SUGGESTIONS]),
        )

    def _fuzzy(self, form: str) -> list[Suggestion]:
        """Competences at or above `lower`, best first, one entry per competence."""
        if not form or not self._choices:
            return []
        hits = process.extract(
            form,
            self._choices,
            scorer=fuzz.token_sort_ratio,
            processor=None,
            score_cutoff=self.lower,
            limit=None,
        )
        best: dict[str, float] = {}
        for _choice, similarity, index in hits:
            owner = self._choice_owner[index]
            if similarity > best.get(owner.id, -1.0):
                best[owner.id] = similarity
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [
            Suggestion(cid, self._by_id[cid].label, round(similarity, 1))
            for cid, similarity in ranked
        ]


def _with_reference(resolution: Resolution, reference: str) -> Resolution:
    return Resolution(
        reference,
        resolution.key,
        resolution.competence_id,
        resolution.label,
        resolution.method,
        resolution.similarity,
        resolution.suggestions,
    )
