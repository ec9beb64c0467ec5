"""Mapping free-text competence references to the vocabulary."""

import pytest

from matching import Competence, InputError, Vocabulary, normalise

VOCABULARY = (
    Competence("c-forklift", "operate forklift", ("forklift driving", "Trukin ajo")),
    Competence("c-crane", "operate crane"),
    Competence("c-inventory", "inventory control"),
    Competence("c-clean-win", "clean windows", ("window washing",)),
    Competence("c-clean-floor", "clean floors", ("floor care",)),
    Competence("c-weld", "welding"),
)


@pytest.fixture
def vocabulary() -> Vocabulary:
    return Vocabulary(VOCABULARY)


def test_normalise_ignores_case_and_spacing() -> None:
    assert normalise("  Operate\tFORKLIFT  ") == "operate forklift"


@pytest.mark.parametrize(
    ("reference", "competence", "method"),
    [
        ("c-forklift", "c-forklift", "id"),
        ("Operate  Forklift", "c-forklift", "label"),
        ("forklift DRIVING", "c-forklift", "alt_label"),
        ("trukin ajo", "c-forklift", "alt_label"),
        ("forklift drivng", "c-forklift", "fuzzy"),
        ("driving forklift", "c-forklift", "fuzzy"),
        ("inventory controll", "c-inventory", "fuzzy"),
        ("weldin", "c-weld", "fuzzy"),
    ],
)
def test_mapping_methods(
    vocabulary: Vocabulary, reference: str, competence: str, method: str
) -> None:
    resolution = vocabulary.resolve(reference)
    assert (resolution.competence_id, resolution.method) == (competence, method)
    assert resolution.reference == reference
    assert 90 <= resolution.similarity <= 100


def test_a_subset_of_words_is_not_a_match(vocabulary: Vocabulary) -> None:
    # token_set_ratio would give "forklift" 100 against "operate forklift".
    resolution = vocabulary.resolve("forklift")
    assert resolution.method == "unmapped"
    assert resolution.competence_id is None


def test_between_thresholds_only_suggests(vocabulary: Vocabulary) -> None:
    # Two letters wrong in one short word: too far to read as "welding" (one edit at most for
    # a word of seven letters), about 71 against it, so only suggested.
    resolution = vocabulary.resolve("welbinq")
    assert resolution.method == "unmapped"
    assert [s.id for s in resolution.suggestions] == ["c-weld"]
    assert 70 <= resolution.suggestions[0].similarity < 90


def test_far_text_has_no_suggestions(vocabulary: Vocabulary) -> None:
    resolution = vocabulary.resolve("accounting")
    assert resolution.method == "unmapped"
    assert resolution.suggestions == ()


def test_similar_labels_do_not_map_to_each_other(vocabulary: Vocabulary) -> None:
    assert vocabulary.resolve("clean walls").competence_id is None


def test_ambiguous_alt_label_is_not_mapped_silently() -> None:
    vocabulary = Vocabulary(
        (
            Competence("a", "first thing", ("shared name",)),
            Competence("b", "second thing", ("shared name",)),
        )
    )
    resolution = vocabulary.resolve("shared name")
    assert resolution.method == "unmapped"
    assert [s.id for s in resolution.suggestions] == ["a", "b"]


def test_duplicate_labels_are_an_error() -> None:
    with pytest.raises(InputError, match=r"competences\[1\].label"):
        Vocabulary((Competence("a", "Welding"), Competence("b", "welding ")))


def test_without_vocabulary_labels_are_compared_as_given() -> None:
    vocabulary = Vocabulary(None)
    first, second = vocabulary.resolve("Welding "), vocabulary.resolve("welding")
    assert first.key == second.key
    assert first.method == "as_given"
    assert vocabulary.resolve("weldin").key != first.key


def test_an_id_the_vocabulary_lacks_is_free_text(vocabulary: Vocabulary) -> None:
    # No guessing from the shape of ids: it is unmapped like any text, with suggestions.
    missing = vocabulary.resolve("c-missing")
    assert (missing.method, missing.competence_id, missing.suggestions) == ("unmapped", None, ())
    near = vocabulary.resolve("c-welding")
    assert near.method == "unmapped"
    assert [s.id for s in near.suggestions] == ["c-weld"]


def test_resolution_is_cached_per_normalised_text(vocabulary: Vocabulary) -> None:
    first = vocabulary.resolve("forklift drivng")
    second = vocabulary.resolve("Forklift  drivng")
    assert first.competence_id == second.competence_id
    assert second.reference == "Forklift  drivng"
