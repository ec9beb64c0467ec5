"""Translation of user-facing strings (gettext catalogues in ``kit/locale``).

The language is chosen per request (``Accept-Language``) and kept in a context variable, so
Python code and templates translate into the language of the request they serve. Strings
defined at import time are marked with :func:`N_` and translated where they are shown.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en"
# A language is offered once its catalogue is translated; Finnish is next (make messages).
SUPPORTED_LOCALES: tuple[str, ...] = ("en",)

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=8)
def translations(locale: str) -> _gettext.NullTranslations:
    return _gettext.translation("messages", LOCALE_DIR, languages=[locale], fallback=True)


def gettext(message: str) -> str:
    """Translate ``message`` into the current request's language."""
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


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
