"""The fast reader (msgspec) and the careful reader (plain Python) agree on every document.

`load_document` and `parse_document` first try msgspec structs and a few checks; on any problem
the careful reader reads the document again and names the place. So the fast reader must never
accept what the careful one refuses, nor read a value differently. These documents are near the
edge: blank texts, levels as strings, floats and booleans, CEFR levels in any case, language
codes with spaces, repeated ids, missing and unknown fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import InputError, MatchingInput, load_document, parse_document
from matching.model import _parse_carefully
from tests.matching.conftest import CONTRACT_EXAMPLE, PROPERTY_SETTINGS

ABSENT = object()

ids = st.sampled_from(["a", "b", "10", "9", "", "  ", 5, None])
texts = st.sampled_from(["welding", "Operate  Forklift", " x ", "ä", "", " ", 7, None, ["x"]])
levels = st.sampled_from([ABSENT, 1, 3, 5, 0, 6, 2.0, 2.5, True, "3", None, 10**30])
flags = st.sampled_from([ABSENT, True, False, 1, "yes", None])
cefr = st.sampled_from(["A1", "b2", " C1 ", "B3", "", 1, None])
codes = st.sampled_from(["fi", "FI", " en", "", "  ", "sv "])
places = st.sampled_from([ABSENT, 0, 1, 3, -1, 1.0, True, "2", None])
unknown = st.sampled_from([ABSENT, ABSENT, ABSENT, "colour"])


def fields(draw: st.DrawFn, **values: Any) -> dict[str, Any]:
    item = {key: value for key, value in values.items() if value is not ABSENT}
    extra = draw(unknown)
    if extra is not ABSENT:
        item[extra] = 1
    return item


@st.composite
def languages(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([["fi"], None, "fi"]))
    return draw(st.dictionaries(codes, cefr, max_size=3))


@st.composite
def requirement(draw: st.DrawFn) -> Any:
    return fields(draw, competence=draw(texts), level=draw(levels))


@st.composite
def claim(draw: st.DrawFn) -> Any:
    return fields(draw, competence=draw(texts), level=draw(levels), verified=draw(flags))


def maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(st.one_of(st.just(ABSENT), strategy))


@st.composite
def position(draw: st.DrawFn) -> Any:
    return fields(
        draw,
        id=draw(ids),
        title=maybe(draw, st.sampled_from(["", "Welder", None])),
        required=maybe(draw, st.lists(requirement(), max_size=3)),
        optional=maybe(draw, st.lists(requirement(), max_size=2)),
        languages=maybe(draw, languages()),
        region=maybe(draw, st.one_of(texts, st.none())),
        places=draw(places),
    )


@st.composite
def candidate(draw: st.DrawFn) -> Any:
    return fields(
        draw,
        id=draw(ids),
        competences=maybe(draw, st.lists(claim(), max_size=3)),
        languages=maybe(draw, languages()),
        regions=maybe(draw, st.lists(texts, max_size=2)),
    )


@st.composite
def competence(draw: st.DrawFn) -> Any:
    return fields(
        draw,
        id=draw(ids),
        label=draw(texts),
        alt_labels=maybe(draw, st.lists(texts, max_size=2)),
    )


@st.composite
def documents(draw: st.DrawFn) -> Any:
    return fields(
        draw,
        competences=maybe(draw, st.one_of(st.lists(competence(), max_size=2), st.none())),
        positions=maybe(draw, st.lists(position(), max_size=3)),
        candidates=maybe(draw, st.lists(candidate(), max_size=3)),
    )


def outcome(read: Callable[[], MatchingInput]) -> object:
    try:
        return read()
    except InputError as error:
        return ("error", str(error))


@PROPERTY_SETTINGS
@given(documents())
def test_fast_and_careful_readers_agree(document: Any) -> None:
    careful = outcome(lambda: _parse_carefully(document))
    assert outcome(lambda: parse_document(document)) == careful
    assert outcome(lambda: load_document(json.dumps(document))) == careful


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from(["fi", "FI", " fi", "en"]), max_size=3), cefr)
def test_languages_agree(codes: list[str], level: Any) -> None:
    document = json.loads(json.dumps(CONTRACT_EXAMPLE))
    document["candidates"][0]["languages"] = dict.fromkeys(codes, level)
    careful = outcome(lambda: _parse_carefully(document))
    assert outcome(lambda: load_document(json.dumps(document))) == careful


def test_what_only_the_careful_reader_reads_still_reads() -> None:
    # Whole numbers written as decimals, a byte-order mark, UTF-16: msgspec refuses them, the
    # careful reader takes them, as before.
    document = json.loads(json.dumps(CONTRACT_EXAMPLE))
    document["positions"][0]["required"][0]["level"] = 3.0
    text = json.dumps(document)
    expected = _parse_carefully(json.loads(text))
    assert load_document(text) == expected
    assert load_document(b"\xef\xbb\xbf" + text.encode()) == expected
    assert load_document(text.encode("utf-16")) == expected


def test_a_repeated_key_keeps_the_last_value_in_both_readers() -> None:
    text = '{"positions": [{"id": "p", "id": "q"}], "candidates": []}'
    assert load_document(text) == _parse_carefully(json.loads(text))
    assert load_document(text).positions[0].id == "q"


def test_a_lone_surrogate_in_a_str_is_read_as_before() -> None:
    # msgspec cannot take such a str; the careful reader reads it as `json` does.
    text = '{"positions": [{"id": "\ud800"}], "candidates": []}'
    assert load_document(text).positions[0].id == "\ud800"
    with pytest.raises(InputError, match="not valid JSON at line 1, column 1"):
        load_document("\ud800")
