"""Reading HTML form input with a message per field.

Handlers read every field through a :class:`FormReader`; each reader method returns the clean
value (or None) and records a plain-language message against the field name when the input is
wrong, so the template can show the form again with the message beside the field and the
person's input kept. Nothing is saved unless ``reader.ok``.

This module is part of the portal's shared web kit: domain packages may import it (it imports
nothing of ours but :mod:`kit.i18n` and :mod:`kit.languages`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from kit.i18n import gettext
from kit.languages import CEFR_LEVELS, LANGUAGES

# --- One bounded id, one integer and one date parsing for pages and the API -------------
#
# Ids are positive and fit the smaller of the two databases' integer columns (PostgreSQL's
# INTEGER is 32-bit; SQLite's is 64-bit), so an id that passes here can always be bound in
# a query: a larger one names no object (a path answers 404, a field gets its message).
# Numbers are ASCII digits only: Python's int() also reads "١٢" and "１２", which no form
# of ours offers, and would read a 4,000-digit number too.

MAX_ID = 2**31 - 1
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
"""An object id in a JSON body: 1 to 2^31 - 1."""
Integer = Annotated[int, msgspec.Meta(ge=-MAX_ID, le=MAX_ID)]
"""Any other whole number in a JSON body: it fits an INTEGER column on both databases (the
service still checks the field's own range and says what it accepts)."""

MAX_INTEGER_DIGITS = 18  # fits a 64-bit column, and no field of ours needs more
_INTEGER = re.compile(rf"-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}")
_DIGITS = re.compile(r"-?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL = re.compile(r"-?(?:[0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9})")

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
"""Dates outside these bounds are typing mistakes (and 0001-01-01 or 9999-12-31 overflow
date arithmetic); fields with a tighter sensible window pass their own bounds."""

NUL = "\x00"
MAX_REPEATED_VALUES = 100
"""Checkboxes or options of one field a form may send (Finland has 19 regions)."""


def check_dates(**dates: object) -> None:
    """For a JSON schema's ``__post_init__``: raise ValueError (a 400 naming the field) when
    a date is outside EARLIEST_DATE .. LATEST_DATE."""
    for name, value in dates.items():
        day = value.date() if isinstance(value, datetime.datetime) else value
        if isinstance(day, datetime.date) and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ValueError(
                f"{name} must be from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
            )


def parse_integer(text: str) -> int | None:
    """``text`` as a whole number written in ASCII digits (an optional minus sign), or None."""
    text = text.strip()
    return int(text) if _INTEGER.fullmatch(text) else None


def parse_id(text: str) -> int | None:
    """``text`` as an object id (see :data:`MAX_ID`), or None when it cannot be one."""
    number = parse_integer(text)
    return number if number is not None and 1 <= number <= MAX_ID else None


def parse_date(
    text: str, *, earliest: datetime.date = EARLIEST_DATE, latest: datetime.date = LATEST_DATE
) -> datetime.date | None:
    """``text`` as an ISO date (YYYY-MM-DD, ASCII digits) from ``earliest`` to ``latest``."""
    text = text.strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if earliest <= day <= latest else None


class FormReader:
    """Validate fields of a submitted form one by one."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        """Record ``message`` for ``name`` (the first message for a field wins)."""
        self.errors.setdefault(name, message)

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def values(self, name: str, *, max_items: int = MAX_REPEATED_VALUES) -> list[str]:
        """All values of a repeated field (checkboxes, multi-selects), at most ``max_items``
        (more is not a form of ours: a message, and none of them is read)."""
        getall = getattr(self.data, "getall", None)
        if getall is not None:
            found = getall(name, [])
        else:
            value = self.data.get(name)
            found = value if isinstance(value, list) else ([] if value is None else [value])
        if len(found) > max_items:
            self.error(name, gettext("Choose at most %(max)d options.") % {"max": max_items})
            return []
        return [str(item).strip() for item in found if str(item).strip()]

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.raw(name)
        if required and not value:
            self.error(name, gettext("This field is required."))
        elif len(value) > max_length:
            self.error(
                name,
                gettext("Use at most %(max)d characters.") % {"max": max_length},
            )
        elif NUL in value:
            # PostgreSQL cannot store it, and no keyboard types it: a pasted control character.
            self.error(name, gettext("Remove the control character (NUL) from this text."))
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, gettext("This field is required."))
            return None
        # Without bounds of its own a field still fits a database column.
        minimum = -MAX_ID if minimum is None else minimum
        maximum = MAX_ID if maximum is None else maximum
        number = parse_integer(value)
        if number is None and not _DIGITS.fullmatch(value):
            self.error(name, gettext("Enter a whole number."))
            return None
        if number is None or number < minimum or number > maximum:
            self.error(
                name,
                gettext("Enter a number from %(min)s to %(max)s.")
                % {"min": minimum, "max": maximum},
            )
            return None
        return number

    def id(self, name: str, *, required: bool = False) -> int | None:
        """An object chosen in a select (a tutor, a counsellor): a valid id or a message."""
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, gettext("Choose one of the options."))
            return None
        number = parse_id(value)
        if number is None:
            self.error(name, gettext("Choose one of the options."))
        return number

    def decimal(
        self, name: str, *, required: bool = False, minimum: float, maximum: float
    ) -> float | None:
        value = self.raw(name).replace(",", ".")
        if not value:
            if required:
                self.error(name, gettext("This field is required."))
            return None
        if not _DECIMAL.fullmatch(value):
            self.error(name, gettext("Enter a number, for example 37.5."))
            return None
        number = float(value)
        if not minimum <= number <= maximum:
            self.error(
                name,
                gettext("Enter a number from %(min)s to %(max)s.")
                % {"min": f"{minimum:g}", "max": f"{maximum:g}"},
            )
            return None
        return number

    def date(
        self,
        name: str,
        *,
        required: bool = False,
        earliest: datetime.date = EARLIEST_DATE,
        latest: datetime.date = LATEST_DATE,
    ) -> datetime.date | None:
        """A date as YYYY-MM-DD from ``earliest`` to ``latest`` (a field's sensible window)."""
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, gettext("This field is required."))
            return None
        day = parse_date(value, earliest=datetime.date.min, latest=datetime.date.max)
        if day is None:
            self.error(name, gettext("Enter a date as YYYY-MM-DD, for example 2027-03-01."))
            return None
        if not earliest <= day <= latest:
            self.error(
                name,
                gettext("Enter a date from %(min)s to %(max)s.")
                % {"min": earliest.isoformat(), "max": latest.isoformat()},
            )
            return None
        return day

    def choice(self, name: str, choices: Iterable[str], *, required: bool = False) -> str | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, gettext("Choose one of the options."))
            return None
        if value not in set(choices):
            self.error(name, gettext("Choose one of the options."))
            return None
        return value

    def checkbox(self, name: str) -> bool:
        return self.raw(name) in ("on", "true", "1", "yes")

    def date_order(self, start: str, end: str) -> None:
        """Record an error on ``end`` when it comes before ``start``."""
        first, last = self._date_or_none(start), self._date_or_none(end)
        if first and last and last < first:
            self.error(end, gettext("The end date cannot be before the start date."))

    def _date_or_none(self, name: str) -> datetime.date | None:
        return parse_date(self.raw(name), earliest=datetime.date.min, latest=datetime.date.max)


# --- Repeating rows (language requirements, competences) ------------------------------
#
# A form with repeating rows names its fields ``<field>-<row>`` and sends the number of rows
# it showed in a hidden field; blank rows are left out of the data, and the form keeps them.


def row_count(raw: str, *, default: int, maximum: int) -> int:
    """How many rows the form showed (the hidden count), between 1 and ``maximum``.

    The count comes from the browser, so it is only a hint: rows beyond ``maximum`` are
    never read, whatever the form sends.
    """
    number = parse_integer(raw)
    return default if number is None else max(1, min(number, maximum))


def pad_rows(
    rows: list[dict[str, str]], blank: Mapping[str, str], key: str, *, minimum: int, maximum: int
) -> None:
    """Leave room for more: one blank row after the last filled one, ``minimum`` in all."""
    filled = max((i + 1 for i, row in enumerate(rows) if row[key]), default=0)
    wanted = min(max(minimum, filled + 1, len(rows)), maximum)
    rows.extend(dict(blank) for _ in range(wanted - len(rows)))


def language_options(
    known: Iterable[tuple[str, str]], rows: Iterable[Mapping[str, str]]
) -> list[tuple[str, str]]:
    """Options for a language select: ``known`` (code, name) translated, then any other code
    a row holds (from the API or an older list), so that saving the form never loses it."""
    options = [(code, gettext(name)) for code, name in known]
    codes = {code for code, _name in options}
    for row in rows:
        code = row["language"]
        if code and code not in codes:
            options.append((code, code))
            codes.add(code)
    return options


# --- Language rows (a position's language requirements, a candidate's languages) -------
#
# Row ``<i>`` names its language ``language-<i>`` (an ISO 639 code, from a select) and its
# level ``language_level-<i>`` (a CEFR level); a form adds fields of its own to each row.


@dataclass
class LanguageRows:
    """A form's language rows as read.

    ``shown`` holds every row as the form shows it again (blank ones too), ``filled`` the
    rows that name a language, in order, and ``index`` the form row of each filled row.
    Each row maps ``language``, ``level`` and the form's own keys to the text read.
    """

    shown: list[dict[str, str]]
    filled: list[dict[str, str]]
    index: list[int]


def read_language_rows(
    reader: FormReader,
    *,
    default: int,
    maximum: int,
    extra: Mapping[str, Callable[[int], str]] | None = None,
) -> LanguageRows:
    """Read the rows the form showed (see :func:`row_count`): the language code in lower
    case, the level in upper case, and each ``extra`` key read by its function from the
    row's number. The service checks the codes and levels."""
    rows = LanguageRows(shown=[], filled=[], index=[])
    for row in range(row_count(reader.raw("language_rows"), default=default, maximum=maximum)):
        values = {
            "language": reader.raw(f"language-{row}").lower(),
            "level": reader.raw(f"language_level-{row}").upper(),
        }
        for key, read in (extra or {}).items():
            values[key] = read(row)
        rows.shown.append(values)
        if values["language"]:
            rows.filled.append(values)
            rows.index.append(row)
    return rows


def place_errors(
    target: dict[str, str], errors: Mapping[str, str], field_name: Callable[[str], str]
) -> None:
    """Put a service's messages (keyed by its input parts) beside the form fields they
    concern, as ``field_name`` maps them; a field keeps its first message."""
    for key, message in errors.items():
        target.setdefault(field_name(key), message)


def language_field_name(
    key: str, index: Sequence[int], *, other: str = "language_level"
) -> str | None:
    """The form field a service's error key ``languages.<i>.<part>`` concerns (``index`` as
    :attr:`LanguageRows.index`): ``language-<row>``, ``language_level-<row>``, or ``other``
    for a part of the form's own; None when ``key`` is not about a language row."""
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != "languages":
        return None
    name = {"language": "language", "level": "language_level"}.get(parts[2], other)
    return f"{name}-{index[int(parts[1])]}"


def language_row_options(
    rows: list[dict[str, str]], blank: Mapping[str, str], *, minimum: int, maximum: int
) -> dict[str, list[tuple[str, str]]]:
    """Ready the language rows for the template: pad them (see :func:`pad_rows`) and give the
    options of their selects, ``language_options`` and ``cefr_options``."""
    pad_rows(rows, blank, "language", minimum=minimum, maximum=maximum)
    return {
        "language_options": language_options(LANGUAGES, rows),
        "cefr_options": [(level, level) for level in CEFR_LEVELS],
    }
