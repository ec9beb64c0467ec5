"""Certificate codes: 95 random bits a person can read aloud, type and check.

A code is 19 random characters of Crockford's base-32 alphabet (no I, L, O or U, so nothing
is mistaken for 1 or 0) and one check character, written in five groups of four:
``7KQ2-M8XD-4HRT-9WZP-3NCF``. The check character is the Luhn mod 32 of the others: a
mistyped character, or two swapped neighbours (all but 0 and Z, Luhn's blind spot as 09 and 90
are in base 10), is caught before anything is looked up.

Reading is forgiving the way people are: lower case, spaces or no hyphens, ``O`` for zero and
``I`` or ``L`` for one (also in full-width forms pasted from a PDF) all read as the same
code. Anything else (other scripts' digits, control characters, a wrong length, a wrong check
character) is not a code.
"""

from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARACTERS = 19  # 95 bits
GROUP = 4
LENGTH = RANDOM_CHARACTERS + 1
MAX_INPUT = 100  # characters read from a person before giving up
_VALUE = {character: index for index, character in enumerate(ALPHABET)}
_LOOKALIKES = {"O": "0", "I": "1", "L": "1"}


def check_character(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of :data:`ALPHABET`)."""
    total = 0
    factor = 2
    for character in reversed(body):
        addend = factor * _VALUE[character]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def formatted(compact: str) -> str:
    """``ABCD…`` as ``ABCD-…`` in groups of four."""
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))


def new_code() -> str:
    """A fresh code, formatted."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARACTERS))
    return formatted(body + check_character(body))


def read(text: str) -> str | None:
    """The formatted code a person meant by ``text``, or None when it is not a code."""
    if len(text) > MAX_INPUT:
        return None
    compact = []
    for character in unicodedata.normalize("NFKC", text).upper():
        if character in "- \t":
            continue
        character = _LOOKALIKES.get(character, character)
        if character not in _VALUE:
            return None
        compact.append(character)
    if len(compact) != LENGTH:
        return None
    body, check = "".join(compact[:-1]), compact[-1]
    if check_character(body) != check:
        return None
    return formatted("".join(compact))
