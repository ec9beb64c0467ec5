"""Reading HTML form input with a message per field.

Handlers read every field through a :class:`FormReader`; each reader method returns the clean
value (or None) and records a plain-language message against the field name when the input is
wrong, so the template can show the form again with the message beside the field and the
person's input kept. Nothing is saved unless ``reader.ok``.

This module is part of the portal's shared web kit: domain packages may import it (it imports
nothing of ours but :mod:`portal.i18n`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from portal.i18n import gettext


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

    def values(self, name: str) -> list[str]:
        """All values of a repeated field (checkboxes, multi-selects)."""
        getall = getattr(self.data, "getall", None)
        if getall is not None:
            found = getall(name, [])
        else:
            value = self.data.get(name)
            found = value if isinstance(value, list) else ([] if value is None else [value])
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
        try:
            number = int(value)
        except ValueError:
            self.error(name, gettext("Enter a whole number."))
            return None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            self.error(
                name,
                gettext("Enter a number from %(min)s to %(max)s.")
                % {
                    "min": minimum if minimum is not None else "…",
                    "max": maximum if maximum is not None else "…",
                },
            )
            return None
        return number

    def decimal(
        self, name: str, *, required: bool = False, minimum: float, maximum: float
    ) -> float | None:
        value = self.raw(name).replace(",", ".")
        if not value:
            if required:
                self.error(name, gettext("This field is required."))
            return None
        try:
            number = float(value)
        except ValueError:
            self.error(name, gettext("Enter a number, for example 37.5."))
            return None
        if not minimum <= number <= maximum:
            self.error(
                name,
                gettext("Enter a number from %(min)s to %(max)s.")
                % {"min": f"{minimum:g}", "max": f"{maximum:g}"},
            )
            return None
        return number

    def date(self, name: str, *, required: bool = False) -> datetime.date | None:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, gettext("This field is required."))
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(name, gettext("Enter a date as YYYY-MM-DD, for example 2027-03-01."))
            return None

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
        try:
            return datetime.date.fromisoformat(self.raw(name)) if self.raw(name) else None
        except ValueError:
            return None


# --- Repeating rows (language requirements, competences) ------------------------------
#
# A form with repeating rows names its fields ``<field>-<row>`` and sends the number of rows
# it showed in a hidden field; blank rows are left out of the data, and the form keeps them.


def row_count(raw: str, *, default: int, maximum: int) -> int:
    """How many rows the form showed (the hidden count), between 1 and ``maximum``."""
    try:
        return max(1, min(int(raw), maximum))
    except ValueError:
        return default


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
