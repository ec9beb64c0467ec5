"""The message catalogue template is current: every translatable string is in it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

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
