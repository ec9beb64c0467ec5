"""Mapping free-text competence references to the vocabulary.

A reference is resolved in this order, and the first rule that applies wins:

1. **id**: it is exactly the id of a competence;
2. **label**: it equals a preferred label, ignoring case and spacing;
3. **alt_label**: it equals an alternative label of exactly one competence, ignoring case and
   spacing;
4. **fuzzy**: the text is *read* against the vocabulary's own words (below), and then

   a. the text as read has exactly the words of one competence's label or alternative label
      (in that order, or else in any order); or
   b. its similarity (0-100) to some label or alternative label is at least `upper` and beats
      the next competence by `margin` points; or
   c. it has at least two words (of three letters or more) both as typed and as read, its
      similarity is at least `clear` and beats the next competence by `clear_margin` points:
      a suggestion that clearly wins;

5. otherwise it is **unmapped**; competences with a similarity of at least `lower` are offered
   as suggestions.

**Reading** changes only words that are not in the vocabulary, and never guesses between two
equally near readings:

* two typed words that together make a vocabulary word, or a pair of words that follow each
  other in some label, are joined ("legalr equirements" → "legal requirements");
* a typed word may be read as the pairs it splits into ("softwarearchitecture" → "software
  architecture") and as the vocabulary words (or pairs written without their space) nearest to
  it by optimal string alignment distance, a Damerau-Levenshtein distance: a letter swapped,
  dropped, doubled, added or changed ("udring" → "during"). Words of 4 to 8 letters may be one
  edit away, longer words two; a split counts as one edit;
* a word with exactly one such reading is read so; a word with two to four (or a three-letter
  word with any) is read only in the one way that makes the whole text exactly one
  competence's label: "operate crone" stays as typed when both "operate crane" and "operate
  drone" are labels.

Every change is kept in `Resolution.corrections`, so an explanation can say "read 'udring' as
'during'", and every "fuzzy" mapping is for a person to confirm (`Resolution.needs_check`).

The **similarity** of two texts is the better of rapidfuzz's `ratio` (letter by letter) and
`token_sort_ratio` (the same after sorting the words, so word order does not matter). Both
compare whole texts, so every word counts: "forklift" alone scores 67 against "operate
forklift" (scorers such as `token_set_ratio` or `partial_ratio` would give it 100), and a
one-word text never maps to a longer label.

Without a vocabulary every reference stands for itself (method **as_given**): two references
mean the same competence when their normalised texts are equal.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from matching.model import Competence, InputError

__all__ = [
    "CLEAR_MARGIN",
    "CLEAR_WINNER",
    "FUZZY_LOWER",
    "FUZZY_MARGIN",
    "FUZZY_UPPER",
    "Method",
    "Resolution",
    "Suggestion",
    "Vocabulary",
    "describe_corrections",
    "normalise",
]

#: A fuzzy similarity at or above this maps the reference (one typo in a two-word label scores
#: about 95; a substituted letter in a single seven-letter word about 86, which only suggests
#: unless reading corrects the word).
FUZZY_UPPER = 90.0
#: Below this a vocabulary entry is not even suggested.
FUZZY_LOWER = 70.0
#: The best competence must beat the runner-up by this many points to be mapped.
FUZZY_MARGIN = 3.0
#: A text of two or more words whose best competence reaches this similarity ...
CLEAR_WINNER = 80.0
#: ... and beats every other competence by this many points is mapped: the suggestion clearly
#: wins. Both were chosen on the development seed of `bench/match_eval.py` as the pair with
#: the best recall that costs no more than 0.1 point of precision on any of its noisy sets
#: (docs/matching.md, section 1).
CLEAR_MARGIN = 12.0
#: At most this many suggestions are offered for an unmapped reference.
MAX_SUGGESTIONS = 3
#: Words shorter than this are corrected only where that makes the whole text exactly a label
#: ("aws" is "laws", "jaws" or "saws": only the label can tell) ...
MIN_CORRECTED_LENGTH = 4
#: ... and words shorter than this never ("an", "of", "it" are too easy to confuse).
MIN_CONTEXT_LENGTH = 3
#: Words of this many letters or more may be corrected by two edits, shorter ones by one.
TWO_EDITS_LENGTH = 9
#: A typed word with more nearest vocabulary words than this is left as typed.
MAX_READINGS = 4
#: At most this many readings are tried for a text with several words that have several
#: nearest vocabulary words.
MAX_COMBINATIONS = 16

Method = Literal["id", "label", "alt_label", "fuzzy", "as_given", "unmapped"]

_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """Case- and space-insensitive form of a label: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _fuzzy_form(text: str) -> str:
    # Punctuation separates words for the fuzzy comparison ("fork-lift" ≈ "fork lift").
    return " ".join(_NON_WORD.sub(" ", normalise(text)).split())


def _sorted_words(words: Sequence[str]) -> str:
    return " ".join(sorted(words))


def _content_words(words: Sequence[str]) -> int:
    # "a", "of", "in" do not make a one-word text a two-word one.
    return sum(1 for word in words if len(word) >= 3)


def describe_corrections(corrections: Sequence[tuple[str, str]]) -> str:
    """The corrections in plain English: ``read 'udring' as 'during'``; empty when none."""
    if not corrections:
        return ""
    return "read " + ", ".join(f"'{typed}' as '{read}'" for typed, read in corrections)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A vocabulary entry offered for a reference that could not be mapped.

    Attributes
    ----------
    id : str
    label : str
        Preferred label of the competence.
    similarity : float, 0-100
        Similarity (see the module docstring) to its closest label or alternative label.
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
        100 for the exact methods; for "fuzzy" the similarity of the text *as typed* to the
        closest label or alternative label of the competence it was mapped to (so a low value
        says the text needed reading); the best suggestion's similarity (or 0) for "unmapped".
    suggestions : tuple of Suggestion
        Only for "unmapped": the closest entries at or above the lower threshold.
    corrections : tuple of (str, str)
        Only for "fuzzy": each change made while reading, as (typed, read as), in the order of
        the text: ``(("udring", "during"),)``. Empty when the words were taken as typed.
    read_as : str
        Only for "fuzzy" with corrections: the whole text as read.
    """

    reference: str
    key: str
    competence_id: str | None
    label: str
    method: Method
    similarity: float
    suggestions: tuple[Suggestion, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    read_as: str = ""

    @property
    def mapped(self) -> bool:
        """True unless the reference is unmapped."""
        return self.method != "unmapped"

    @property
    def needs_check(self) -> bool:
        """True for a mapping a person should confirm: any "fuzzy" one."""
        return self.method == "fuzzy"

    @property
    def note(self) -> str:
        """The corrections in plain English (``read 'udring' as 'during'``), or empty."""
        return describe_corrections(self.corrections)


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
    clear, clear_margin : float
        A text of at least two words also maps when its best competence reaches `clear` and
        beats the runner-up by `clear_margin` points.

    Notes
    -----
    Results are cached per normalised text, and corrections per word, so resolving the same
    label many times is cheap. The index of words is built on the first text that is not an
    exact label. Resolution is deterministic: equal similarities are ordered by competence id.
    """

    def __init__(
        self,
        competences: Sequence[Competence] | None,
        *,
        upper: float = FUZZY_UPPER,
        lower: float = FUZZY_LOWER,
        margin: float = FUZZY_MARGIN,
        clear: float = CLEAR_WINNER,
        clear_margin: float = CLEAR_MARGIN,
    ) -> None:
        if not 0 <= lower <= upper <= 100:
            raise ValueError("thresholds must satisfy 0 <= lower <= upper <= 100")
        if not lower <= clear <= upper:
            raise ValueError("the clear-winner threshold must lie between lower and upper")
        self.upper = upper
        self.lower = lower
        self.margin = margin
        self.clear = clear
        self.clear_margin = clear_margin
        self.competences: tuple[Competence, ...] | None = (
            None if competences is None else tuple(competences)
        )
        self._by_id: dict[str, Competence] = {}
        self._by_label: dict[str, Competence] = {}
        self._by_alt: dict[str, list[Competence]] = {}
        self._cache: dict[str, Resolution] = {}
        self._reader: _Reader | None = None
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
            for alt in competence.alt_labels:
                owners = self._by_alt.setdefault(normalise(alt), [])
                if competence not in owners:
                    owners.append(competence)

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
            return cached if cached.reference == reference else replace(cached, reference=reference)
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
        if self._reader is None:
            assert self.competences is not None
            self._reader = _Reader(self.competences)
        reader = self._reader
        typed = _fuzzy_form(reference).split()
        readings = reader.readings(reader.read(typed))
        reading, exact = readings[0], reader.exact_owners(readings[0].words)
        if len(exact) != 1:
            # A word with several nearest words: the one reading that is exactly one label.
            matches = [(r, reader.exact_owners(r.words)) for r in readings[1:]]
            single = [(r, owners) for r, owners in matches if len(owners) == 1]
            if len({owners for _r, owners in single}) == 1:
                reading, exact = single[0]
        words, corrections = reading.words, reading.corrections
        ranked = (
            []
            if len(exact) == 1
            else reader.rank(words, typed if corrections else None, self.lower)
        )
        chosen = self._choose(typed, words, ranked, exact)
        if chosen is not None:
            return Resolution(
                reference,
                chosen,
                chosen,
                self._by_id[chosen].label,
                "fuzzy",
                reader.similarity(typed, chosen),
                corrections=corrections,
                read_as=" ".join(words) if corrections else "",
            )
        suggestions = tuple(
            Suggestion(cid, self._by_id[cid].label, round(similarity, 1))
            for cid, similarity in ranked[:MAX_SUGGESTIONS]
        )
        return Resolution(
            reference,
            "text:" + key,
            None,
            key,
            "unmapped",
            suggestions[0].similarity if suggestions else 0.0,
            suggestions,
        )

    def _choose(
        self,
        typed: list[str],
        words: list[str],
        ranked: list[tuple[str, float]],
        exact: tuple[str, ...],
    ) -> str | None:
        """The competence the text maps to by rule 4 (a, b or c), or None."""
        if len(exact) == 1:
            return exact[0]
        if exact or not ranked:
            return None  # read exactly as the label of several competences: ambiguous
        best, similarity = ranked[0]
        gap = similarity - (ranked[1][1] if len(ranked) > 1 else 0.0)
        if similarity >= self.upper and gap >= self.margin:
            return best
        if (
            similarity >= self.clear
            and gap >= self.clear_margin
            and min(_content_words(words), _content_words(typed)) >= 2
        ):
            return best
        return None


class _Reader:
    """The vocabulary's words, the pairs of words that follow each other in its labels, and
    its labels with their words sorted: what reading a text and scoring it need.

    Built once per vocabulary, on the first text that is not an exact label.
    """

    def __init__(self, competences: tuple[Competence, ...]) -> None:
        # (owner id, form), sorted: `rank` scans the forms grouped by owner.
        scanned = sorted(
            {
                (competence.id, form)
                for competence in competences
                for text in (competence.label, *competence.alt_labels)
                if (form := _fuzzy_form(text))
            }
        )
        self.owners = [owner for owner, _form in scanned]
        self.forms = [form for _owner, form in scanned]
        self.sorted_forms: list[str] = []
        self.exact: dict[str, list[str]] = {}  # form -> owners
        self.exact_any_order: dict[str, list[str]] = {}  # sorted form -> owners
        words: set[str] = set()
        pairs: set[str] = set()
        for owner, form in scanned:
            tokens = form.split()
            sorted_form = " ".join(sorted(tokens))
            self.sorted_forms.append(sorted_form)
            for table, text in ((self.exact, form), (self.exact_any_order, sorted_form)):
                owners = table.setdefault(text, [])
                if not owners or owners[-1] != owner:  # owners come in order
                    owners.append(owner)
            words.update(tokens)
            pairs.update(map(" ".join, itertools.pairwise(tokens)))
        self.words = frozenset(words)
        self.pairs = frozenset(pairs)
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(words):
            self._by_length.setdefault(len(word), []).append(word)
        # Pairs written without their space ("welfarechemical"), for a missing space together
        # with a typo; a joined form that is itself a word or joins several pairs is left out.
        joined: dict[str, set[str]] = {}
        for pair in pairs:
            joined.setdefault(pair.replace(" ", "", 1), set()).add(pair)
        self._joined = {
            text: next(iter(split))
            for text, split in joined.items()
            if len(split) == 1 and text not in self.words
        }
        self._joined_by_length: dict[int, list[str]] = {}
        for text in sorted(self._joined):
            self._joined_by_length.setdefault(len(text), []).append(text)
        self._nearest: dict[str, tuple[str, ...]] = {}
        self._candidates: dict[int, list[str]] = {}  # by the length of the typed word

    # --- reading ---------------------------------------------------------------------------

    def read(self, typed: list[str]) -> list[_Segment]:
        """The typed words cut into segments, each with what it may be read as."""
        segments: list[_Segment] = []
        i = 0
        while i < len(typed):
            token = typed[i]
            if token in self.words:
                segments.append(_Segment(token, (token,)))
                i += 1
                continue
            # A space typed inside a word or moved by a letter: join with the next word ...
            if i + 1 < len(typed):
                joined = self._known(token + typed[i + 1])
                if joined is not None:
                    segments.append(_Segment(f"{token} {typed[i + 1]}", (joined,)))
                    i += 2
                    continue
            # ... or with the word before, when that one was taken as typed.
            previous = segments[-1] if segments else None
            if previous is not None and previous.options == (previous.typed,):
                joined = self._known(previous.typed + token)
                if joined is not None:
                    segments[-1] = _Segment(f"{previous.typed} {token}", (joined,))
                    i += 1
                    continue
            # A short word is read only where that makes the text exactly a label.
            alone = len(token) >= MIN_CORRECTED_LENGTH
            segments.append(_Segment(token, self._options(token), alone=alone))
            i += 1
        return segments

    def _known(self, text: str) -> str | None:
        """`text` itself when it is a vocabulary word, else its one split into a pair of words
        that follow each other in some label, else None."""
        if text in self.words:
            return text
        splits = [
            f"{text[:k]} {text[k:]}"
            for k in range(2, len(text) - 1)
            if f"{text[:k]} {text[k:]}" in self.pairs
        ]
        return splits[0] if len(splits) == 1 else None

    def _options(self, token: str) -> tuple[str, ...]:
        """What an unknown word may be read as: the pairs of words it splits into (a missing
        space) and the vocabulary words nearest to it within its edit budget, a split counting
        as one edit; none when nothing is near or there are more than `MAX_READINGS`."""
        if token in self._nearest:
            return self._nearest[token]
        splits = [
            f"{token[:k]} {token[k:]}"
            for k in range(2, len(token) - 1)
            if f"{token[:k]} {token[k:]}" in self.pairs
        ]
        nearest, distance = self._correct(token)
        options = splits + (nearest if not splits or distance == 1 else [])
        result = tuple(options) if len(options) <= MAX_READINGS else ()
        self._nearest[token] = result
        return result

    def _correct(self, token: str) -> tuple[list[str], int]:
        """The vocabulary words nearest to `token` within its edit budget, and their
        distance."""
        budget = (
            0
            if len(token) < MIN_CONTEXT_LENGTH or not token.isalpha()
            else 2
            if len(token) >= TWO_EDITS_LENGTH
            else 1
        )
        if budget:
            candidates = self._candidates.get(len(token))
            if candidates is None:
                lengths = range(len(token) - budget, len(token) + budget + 1)
                candidates = [word for n in lengths for word in self._by_length.get(n, ())]
                candidates += [text for n in lengths for text in self._joined_by_length.get(n, ())]
                self._candidates[len(token)] = candidates
            hits = process.extract(
                token,
                candidates,
                scorer=OSA.distance,
                score_cutoff=budget,
                limit=None,
            )
            if hits:
                nearest = min(distance for _word, distance, _index in hits)
                closest = sorted(word for word, d, _index in hits if d == nearest)
                return [self._joined.get(word, word) for word in closest], int(nearest)
        return [], 0

    def readings(self, segments: list[_Segment]) -> list[_Reading]:
        """The first reading, with every segment read as its only option (or as typed when it
        has none or several), then the readings that try each option of the segments that have
        several, at most `MAX_COMBINATIONS` of them."""
        first = [s.options[0] if len(s.options) == 1 and s.alone else s.typed for s in segments]
        readings = [_Reading.of(segments, first)]
        open_segments = [
            i for i, s in enumerate(segments) if s.options and s.options[0] != first[i]
        ]
        choices = [segments[i].options for i in open_segments]
        if open_segments and math.prod(len(c) for c in choices) <= MAX_COMBINATIONS:
            for combination in itertools.product(*choices):
                texts = list(first)
                for i, text in zip(open_segments, combination, strict=True):
                    texts[i] = text
                readings.append(_Reading.of(segments, texts))
        return readings

    # --- comparing -------------------------------------------------------------------------

    def exact_owners(self, words: list[str]) -> tuple[str, ...]:
        """Competences with a label or alternative label of exactly these words, in this order
        if any, else in any order."""
        owners = self.exact.get(" ".join(words)) or self.exact_any_order.get(_sorted_words(words))
        return tuple(owners or ())

    def rank(
        self, words: list[str], typed: list[str] | None, cutoff: float
    ) -> list[tuple[str, float]]:
        """(competence id, similarity) at or above `cutoff`, best first, one per competence.

        The similarity of two texts is the better of rapidfuzz's `ratio` (letter by letter)
        and `token_sort_ratio` (the same with the words of both sorted, so word order does
        not count). Both compare whole texts: every word counts. With `typed`, the better of
        the text as read and as typed counts, so that a wrong correction cannot hide a close
        label.
        """
        best: dict[str, float] = {}
        for text in (words, typed) if typed is not None else (words,):
            if not text:
                continue
            for query, choices in (
                (" ".join(text), self.forms),
                (_sorted_words(text), self.sorted_forms),
            ):
                hits = process.extract(
                    query,
                    choices,
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=cutoff,
                    limit=None,
                )
                for _choice, similarity, index in hits:
                    owner = self.owners[index]
                    if similarity > best.get(owner, -1.0):
                        best[owner] = similarity
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))

    def similarity(self, typed: list[str], competence_id: str) -> float:
        """The similarity (as in `rank`) of the typed words to the competence's closest text."""
        form, sorted_form = " ".join(typed), _sorted_words(typed)
        start = bisect.bisect_left(self.owners, competence_id)
        end = bisect.bisect_right(self.owners, competence_id, lo=start)
        scores = (
            max(fuzz.ratio(form, self.forms[i]), fuzz.ratio(sorted_form, self.sorted_forms[i]))
            for i in range(start, end)
        )
        return round(max(scores, default=0.0), 1)


@dataclass(frozen=True, slots=True)
class _Segment:
    """One or two typed words and what they may be read as (one or two vocabulary words each);
    no options when nothing in the vocabulary is near."""

    typed: str
    options: tuple[str, ...]
    alone: bool = True  # False: an option is taken only when it makes the text exactly a label


@dataclass(frozen=True, slots=True)
class _Reading:
    """A text as read: its words and the changes from what was typed."""

    words: list[str]
    corrections: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, segments: list[_Segment], texts: list[str]) -> _Reading:
        return cls(
            " ".join(texts).split(),
            tuple(
                (segment.typed, text)
                for segment, text in zip(segments, texts, strict=True)
                if text != segment.typed
            ),
        )
