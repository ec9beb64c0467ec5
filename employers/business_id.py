"""The Finnish business ID (Y-tunnus): seven digits, a hyphen and a check digit."""

from __future__ import annotations

import re

# ASCII digits only: ``\d`` would also take full-width or Arabic-Indic digits, which
# ``int()`` reads as the same number, so one ID could be registered under several spellings.
_PATTERN = re.compile(r"^([0-9]{6,7})-([0-9])$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def check_digit(digits: str) -> int | None:
    """The check digit for seven digits, or None where no valid ID has them (remainder 1)."""
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def normalise(value: str) -> str:
    """Trim and pad the old six-digit form with a leading zero."""
    value = value.strip()
    match = _PATTERN.match(value)
    if match and len(match.group(1)) == 6:
        return f"0{match.group(1)}-{match.group(2)}"
    return value


def is_valid(value: str) -> bool:
    match = _PATTERN.match(normalise(value))
    if not match:
        return False
    return check_digit(match.group(1).zfill(7)) == int(match.group(2))


def with_check_digit(digits: str) -> str | None:
    """``digits`` (seven) with its check digit appended, or None if no valid ID exists."""
    digit = check_digit(digits)
    return None if digit is None else f"{digits}-{digit}"
