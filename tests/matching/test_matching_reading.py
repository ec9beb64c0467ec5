"""Reading what people type: split and joined words, letter errors, word order, a clear winner.

Each kind of error maps to the competence meant and says what was read; ambiguous text stays
unmapped with its suggestions; a one-word text never maps to a longer label.
"""

import random

import pytest

from matching import Competence, CompetenceMatcher, MatchingInput, Vocabulary
from matching.model import Candidate, Claim, Position, Requirement
from matching.output import explanation_document

VOCABULARY = (
    Competence("q-design", "perform quality control of design during a run"),
    Competence("q-control", "perform quality control"),
    Competence("f-study", "perform feasibility study", ("execute feasibility study",)),
    Competence("s-models", "software architecture models"),
    Competence("s-design", "software design"),
    Competence("l-ict", "legal requirements of ICT products"),
    Competence("h-install", "install heat pump", ("heat pump installation",)),
    Competence("h-maintain", "maintain heat pump"),
    Competence("c-crane", "operate crane"),
    Competence("c-drone", "operate drone"),
    Competence("c-forklift", "operate forklift", ("forklift driving",)),
    Competence("w-weld", "welding"),
)


@pytest.fixture
def vocabulary() -> Vocabulary:
    return Vocabulary(VOCABULARY)


@pytest.mark.parametrize(
    ("typed", "competence", "corrections"),
    [
        # two letters swapped
        ("perform quality control of design udring a run", "q-design", (("udring", "during"),)),
        # a letter changed, in an alternative label
        ("execute aeasibility study", "f-study", (("aeasibility", "feasibility"),)),
        # a space left out
        (
            "softwarearchitecture models",
            "s-models",
            (("softwarearchitecture", "software architecture"),),
        ),
        # a space moved by one letter
        (
            "legalr equirements of ICT products",
            "l-ict",
            (("legalr equirements", "legal requirements"),),
        ),
        # a space inside a word
        ("legal require ments of ICT products", "l-ict", (("require ments", "requirements"),)),
        # a letter dropped, doubled, added
        ("instal heat pump", "h-install", (("instal", "install"),)),
        ("install heat pummp", "h-install", (("pummp", "pump"),)),
        ("install heat puhmp", "h-install", (("puhmp", "pump"),)),
        # a space left out and a letter dropped
        (
            "softwarearchitecure models",
            "s-models",
            (("softwarearchitecure", "software architecture"),),
        ),
        # one word, one letter wrong: nothing else in the vocabulary is as near
        ("welbing", "w-weld", (("welbing", "welding"),)),
    ],
)
def test_each_kind_of_error_maps_and_says_what_was_read(
    vocabulary: Vocabulary, typed: str, competence: str, corrections: tuple[tuple[str, str], ...]
) -> None:
    resolution = vocabulary.resolve(typed)
    assert (resolution.competence_id, resolution.method) == (competence, "fuzzy")
    assert resolution.corrections == corrections
    assert resolution.reference == typed
    assert resolution.needs_check
    assert resolution.read_as != typed.lower()
    for _typed, read in corrections:
        assert read in resolution.read_as


def test_the_note_is_a_plain_sentence(vocabulary: Vocabulary) -> None:
    resolution = vocabulary.resolve("perform quality control of design udring a run")
    assert resolution.note == "read 'udring' as 'during'"
    assert resolution.read_as == "perform quality control of design during a run"
    two = vocabulary.resolve("execute aeasibility stduy")
    assert two.note == "read 'aeasibility' as 'feasibility', 'stduy' as 'study'"
    assert vocabulary.resolve("operate forklift").note == ""


def test_word_order_maps_without_corrections(vocabulary: Vocabulary) -> None:
    resolution = vocabulary.resolve("heat pump install")
    assert (resolution.competence_id, resolution.method) == ("h-install", "fuzzy")
    assert resolution.corrections == ()
    assert resolution.similarity == 100.0


def test_a_suggestion_that_clearly_wins_maps(vocabulary: Vocabulary) -> None:
    # About 88 against "operate forklift" (below the upper threshold of 90), and nothing else
    # comes near: the suggestion clearly wins.
    resolution = vocabulary.resolve("forklift operating")
    assert (resolution.competence_id, resolution.method) == ("c-forklift", "fuzzy")
    assert 80 <= resolution.similarity < 90


def test_ambiguous_correction_stays_unmapped_with_suggestions(vocabulary: Vocabulary) -> None:
    # "crone" is one letter from "crane" and from "drone": either would be a guess.
    resolution = vocabulary.resolve("operate crone")
    assert resolution.method == "unmapped"
    assert resolution.corrections == ()
    assert [s.id for s in resolution.suggestions[:2]] == ["c-crane", "c-drone"]


def test_close_labels_do_not_map_to_each_other(vocabulary: Vocabulary) -> None:
    # A different verb is not a typo: "maintain" and "install" are both vocabulary words.
    resolution = vocabulary.resolve("maintain heat pump installation")
    assert resolution.method == "unmapped"
    assert {s.id for s in resolution.suggestions} >= {"h-install", "h-maintain"}


def test_context_decides_between_nearest_words() -> None:
    # "aws" is "laws" or "saws"; only "laws" makes the text a label.
    vocabulary = Vocabulary((Competence("a", "apply tax laws"), Competence("b", "sharpen saws")))
    resolution = vocabulary.resolve("apply tax aws")
    assert (resolution.competence_id, resolution.corrections) == ("a", (("aws", "laws"),))
    # Alone, a three-letter word is never corrected.
    assert vocabulary.resolve("aws").method == "unmapped"


@pytest.mark.parametrize("word", ["quality", "control", "pump", "heat", "software", "forklift"])
def test_a_one_word_text_never_maps_to_a_longer_label(vocabulary: Vocabulary, word: str) -> None:
    assert vocabulary.resolve(word).method == "unmapped"


def test_every_word_of_every_label_alone_maps_only_to_a_one_word_label(
    vocabulary: Vocabulary,
) -> None:
    one_word = {c.id for c in VOCABULARY if len(c.label.split()) == 1}
    for competence in VOCABULARY:
        for text in (competence.label, *competence.alt_labels):
            for word in text.split():
                resolution = vocabulary.resolve(word)
                assert resolution.competence_id is None or resolution.competence_id in one_word


def test_an_id_with_a_prefix_is_not_read_as_the_word() -> None:
    # "c-welding": the "c" is not a word, and one word with a letter in front is no clear win.
    vocabulary = Vocabulary((Competence("c-weld", "welding"),))
    assert vocabulary.resolve("c-welding").method == "unmapped"


def test_resolution_is_deterministic() -> None:
    texts = [
        "perform quality control of design udring a run",
        "operate crone",
        "softwarearchitecture models",
        "heat pump install",
        "execute aeasibility study",
        "forklift operating",
        "quality",
    ]
    expected = [Vocabulary(VOCABULARY).resolve(t) for t in texts]
    for seed in range(5):
        shuffled = list(VOCABULARY)
        random.Random(seed).shuffle(shuffled)
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)
        vocabulary = Vocabulary(shuffled)
        got = {i: vocabulary.resolve(texts[i]) for i in order}
        assert [got[i] for i in range(len(texts))] == expected


def test_the_explanation_carries_what_was_read() -> None:
    problem = MatchingInput(
        positions=(Position("p1", required=(Requirement("install heat pump", 2),)),),
        candidates=(Candidate("k1", (Claim("instal heat pummp", 3, verified=True),)),),
        competences=VOCABULARY,
    )
    matcher = CompetenceMatcher().fit(problem)
    match = matcher.explain("p1", "k1")
    assert match.explanation is not None
    assert match.score == match.explanation.parts.total()
    mapping = explanation_document(match.explanation)["matched"][0]["mapping"]
    assert mapping["position"] == {
        "text": "install heat pump",
        "method": "label",
        "similarity": 100.0,
    }
    assert mapping["candidate"]["method"] == "fuzzy"
    assert mapping["candidate"]["read_as"] == "install heat pump"
    assert mapping["candidate"]["corrections"] == [
        {"typed": "instal", "read": "install"},
        {"typed": "pummp", "read": "pump"},
    ]
    assert mapping["candidate"]["note"] == "read 'instal' as 'install', 'pummp' as 'pump'"
