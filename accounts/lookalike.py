"""Look-alike e-mail addresses: one address written with letters of another script.

``раypal@example.fi`` with a Cyrillic "р" and "а" reads as ``paypal@example.fi`` but is another
string, so a unique constraint on the address lets it through. The *skeleton* of an address
maps every character to the ASCII letter it is confusable with (Unicode's confusables data,
as in UTS #39), so two addresses that look alike have the same skeleton. The skeleton is
stored beside the address (indexed), and a new address whose skeleton is taken is refused.

ASCII characters are kept as they are: ``john1`` and ``johnl`` are different people often
enough that refusing them would hurt more than it protects.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from confusable_homoglyphs import confusables  # type: ignore[import-untyped]


@cache
def _ascii_prototype(character: str) -> str:
    """The ASCII text ``character`` is confusable with, or the character itself."""
    for entry in confusables.confusables_data.get(character, ()):
        homoglyph = entry["c"]
        if homoglyph.isascii() and homoglyph.strip():
            return str(homoglyph).lower()
    return character


def skeleton(email: str) -> str:
    """The form of ``email`` that every look-alike of it shares."""
    # NFKD folds compatibility forms (full-width letters, ligatures) and splits accents off.
    decomposed = unicodedata.normalize("NFKD", email.strip().casefold())
    parts = []
    for character in decomposed:
        if unicodedata.combining(character):
            continue  # "é" looks like "e" at a glance
        parts.append(character if character.isascii() else _ascii_prototype(character))
    return "".join(parts)
