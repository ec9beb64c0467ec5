"""Translation of user-facing strings (gettext catalogues in ``kit/locale``) and
formatting of dates, numbers and lists per language (Babel).

The language is chosen per request (the signed-in user's choice, else the language cookie,
else ``Accept-Language``; see ``accounts.middleware``) and kept in a context variable, so
Python code and templates translate into the language of the request they serve. Strings
defined at import time are marked with :func:`N_` and translated where they are shown.
"""

from __future__ import annotations

import datetime
import gettext as _gettext
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date as _format_date
from babel.dates import format_time as _format_time
from babel.dates import get_datetime_format
from babel.lists import format_list as _format_list
from babel.numbers import format_decimal as _format_decimal

from kit.clock import PROGRAMME_TIMEZONE

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en"
# A language is offered once its whole catalogue is translated (tests/portal/test_translations
# holds every offered catalogue to that). Each is named in its own language on the switch.
SUPPORTED_LOCALES: tuple[str, ...] = ("en", "fi")
# The cookie that keeps the choice of a person who is not signed in (or who is, on this browser).
LANGUAGE_COOKIE = "isok_language"
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fi": "Suomi"}
# Written right to left; none is offered yet, but the candidate's pages are tested with it.
RTL_LANGUAGES = frozenset({"ar", "fa", "prs", "he", "ur"})
# The conventions dates and numbers follow per language: English as written in Europe
# (3 Nov 2026, 16:05), Finnish as in Finland (3.11.2026 16.05).
BABEL_LOCALES: dict[str, str] = {"en": "en_GB", "fi": "fi_FI"}

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=8)
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue of ``locale``: its compiled ``.mo`` (``make compile-messages``), or,
    when that is missing or older than the ``.po``, the ``.po`` compiled in memory, so a
    checkout or an install that never ran the compiler still speaks every language."""
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    source, compiled = folder / "messages.po", folder / "messages.mo"
    if source.is_file() and (
        not compiled.is_file() or compiled.stat().st_mtime < source.stat().st_mtime
    ):
        return _compile_in_memory(source)
    return _gettext.translation("messages", LOCALE_DIR, languages=[locale], fallback=True)


def _compile_in_memory(source: Path) -> _gettext.GNUTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalogue = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    """Translate ``message`` into the current request's language."""
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


def is_supported(locale: str | None) -> bool:
    return locale in SUPPORTED_LOCALES


def direction(locale: str) -> str:
    """``rtl`` or ``ltr``: the writing direction of ``locale``, for ``<html dir>``."""
    return "rtl" if locale.split("-")[0] in RTL_LANGUAGES else "ltr"


def _babel_locale() -> str:
    locale = current_locale.get()
    return BABEL_LOCALES.get(locale, locale)


def format_date(value: datetime.date | None) -> str:
    """A day as people of the current language write it (``3 Nov 2026``, ``3.11.2026``);
    a moment is shown as its day in Finland. Nothing for no date."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(PROGRAMME_TIMEZONE).date() if value.tzinfo else value.date()
    return _format_date(value, "medium", locale=_babel_locale())


def format_datetime(value: datetime.datetime | None) -> str:
    """A moment in Finnish time (the programme's), written the current language's way."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    local = value.astimezone(PROGRAMME_TIMEZONE)
    locale = _babel_locale()
    # The day as format_date writes it and the time to the minute, joined the language's way.
    return (
        str(get_datetime_format("medium", locale=locale))
        .replace("{1}", _format_date(local.date(), "medium", locale=locale))
        .replace("{0}", _format_time(local.time(), "short", locale=locale))
    )


def format_number(value: float | int | None) -> str:
    """A number with the current language's digit grouping and decimal sign."""
    if value is None:
        return ""
    return _format_decimal(value, locale=_babel_locale())


def format_list(items: Iterable[str]) -> str:
    """``a, b and c`` / ``a, b ja c``."""
    return _format_list(list(items), locale=_babel_locale())


def negotiate_locale(
    accept_language: str | None, supported: tuple[str, ...] = SUPPORTED_LOCALES
) -> str:
    """Pick the best supported language from an ``Accept-Language`` header."""
    if not accept_language:
        return DEFAULT_LOCALE
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag:
            weighted.append((-quality, index, tag.split("-")[0]))
    for _quality, _index, language in sorted(weighted):
        if language in supported:
            return language
    return DEFAULT_LOCALE


@contextmanager
def in_language(locale: str) -> Iterator[None]:
    """Translate and format into ``locale`` inside the block (a message to someone else)."""
    token = current_locale.set(locale if is_supported(locale) else DEFAULT_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)
