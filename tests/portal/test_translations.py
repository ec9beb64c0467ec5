"""The message catalogue template is current: every translatable string is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kit.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, current_locale, gettext, ngettext
from tests.test_architecture import PRESENT

ROOT = Path(__file__).resolve().parents[2]
# Every package of the floor plan, so a new package's strings are checked from its first day.
METHOD_MAP = [
    *((f"{package}/**.py", "python") for package in PRESENT),
    ("templates/**.html", "jinja2"),
]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted_messages() -> set[str]:
    messages: set[str] = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, options_map=OPTIONS, keywords=keywords
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_catalogue_template_has_every_message() -> None:
    with (ROOT / "kit/locale/messages.pot").open("rb") as handle:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    missing = sorted(extracted_messages() - catalogue)
    assert not missing, f"run `make messages`; not in messages.pot: {missing[:5]}"


def test_finnish_catalogue_exists_for_translators() -> None:
    assert (ROOT / "kit/locale/fi/LC_MESSAGES/messages.po").is_file()


PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdif%]")
OFFERED = [locale for locale in SUPPORTED_LOCALES if locale != DEFAULT_LOCALE]


def catalogue_of(locale: str) -> Catalog:
    with (ROOT / f"kit/locale/{locale}/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("locale", OFFERED)
def test_every_message_of_an_offered_language_is_translated(locale: str) -> None:
    """A language is offered only whole: no message empty, none fuzzy (a guess by the
    catalogue tools that nobody checked), none missing from the template."""
    catalogue = catalogue_of(locale)
    with (ROOT / "kit/locale/messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    present = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    assert not sorted(template - present)[:5], "run `make messages` and translate"
    empty, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(form.strip() for form in forms):
            empty.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not empty, f"{len(empty)} untranslated in {locale}, e.g. {empty[:3]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {locale}, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("locale", OFFERED)
def test_translations_keep_every_placeholder(locale: str) -> None:
    """A translation that drops, renames or adds a ``%(name)s`` breaks the page it is on."""
    wrong = []
    for message in catalogue_of(locale):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            pairs = list(zip(message.id, message.string, strict=False))
            # Languages with more plural forms than English match the plural source.
            pairs += [(message.id[1], form) for form in message.string[2:]]
        else:
            pairs = [(message.id, message.string)]
        for source, translated in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                wrong.append((source, translated))
    assert not wrong, wrong[:3]


def test_a_translated_message_reaches_the_page_language() -> None:
    token = current_locale.set("fi")
    try:
        assert gettext("Sign in") == "Kirjaudu sisään"
        assert ngettext("%(num)d candidate", "%(num)d candidates", 3) % {"num": 3} != (
            "3 candidates"
        )
    finally:
        current_locale.reset(token)
    assert gettext("Sign in") == "Sign in"


def test_a_catalogue_never_compiled_is_compiled_in_memory() -> None:
    """A checkout or an install that never ran `make compile-messages` still speaks Finnish."""
    from kit.i18n import LOCALE_DIR, _compile_in_memory

    catalogue = _compile_in_memory(LOCALE_DIR / "fi" / "LC_MESSAGES" / "messages.po")
    assert catalogue.gettext("Sign in") == "Kirjaudu sisään"
    assert catalogue.ngettext("%(num)d candidate", "%(num)d candidates", 2) != "%(num)d candidates"
