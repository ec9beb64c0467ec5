"""Languages and language levels, as every form and the API name them."""

from __future__ import annotations

import re

from kit.i18n import N_, gettext

# Languages offered in the form (ISO 639 codes); the API takes any two- or three-letter code.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("fi", N_("Finnish")),
    ("sv", N_("Swedish")),
    ("en", N_("English")),
    ("ru", N_("Russian")),
    ("et", N_("Estonian")),
    ("uk", N_("Ukrainian")),
    ("ar", N_("Arabic")),
    ("so", N_("Somali")),
    ("fa", N_("Persian")),
    ("ku", N_("Kurdish")),
    ("ti", N_("Tigrinya")),
    ("tr", N_("Turkish")),
    ("de", N_("German")),
    ("fr", N_("French")),
    ("es", N_("Spanish")),
    ("prs", N_("Dari")),
    ("ps", N_("Pashto")),
    ("am", N_("Amharic")),
    ("th", N_("Thai")),
    ("vi", N_("Vietnamese")),
    ("ln", N_("Lingala")),
    ("sw", N_("Swahili")),
    ("tl", N_("Tagalog")),
)

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
# The Common European Framework of Reference levels, lowest first.
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


def language_name(code: str) -> str:
    """The language's name in the reader's language, or the code if it is not in the list."""
    names = dict(LANGUAGES)
    return gettext(names[code]) if code in names else code
