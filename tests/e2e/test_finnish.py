"""Every role's main pages in Finnish: signed in through the Finnish form, each page in the
navigation and the first record it lists, with no English message of the catalogue left on it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect

from tests.conftest import DEMO_USERS
from tests.e2e.browser import DEMO_PASSWORD, HOME_URL, assert_accessible, role_pages

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdif%]")
# Words that are the same in both languages or are names, not messages.
ALLOWED = {"ISOK", "ISOK portal", "English", "Suomi", "PDF", "CSV", "XLSX", "JSON", "ESF+"}


@cache
def english_phrases() -> tuple[frozenset[str], frozenset[str]]:
    """The catalogue's English source texts whose Finnish differs: the phrases of two words
    or more (placeholders cut out) and the one-word labels."""
    with (ROOT / "kit/locale/fi/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    phrases: set[str] = set()
    words: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = message.string if isinstance(message.string, tuple) else (message.string,)
        for source in sources:
            if source in translated or source in ALLOWED:
                continue
            whole = not PLACEHOLDER.search(source)
            for fragment in PLACEHOLDER.split(source):
                fragment = fragment.strip(" .,:;()“”\"'–-")
                # A piece of a message around a value is only telling when it is long.
                if fragment.count(" ") >= (1 if whole else 2) and len(fragment) >= 8:
                    phrases.add(fragment)
                elif fragment and " " not in fragment and whole:
                    words.add(fragment)
    return frozenset(phrases), frozenset(words)


# The page's text, and the texts of its labelled parts, leaving out what is marked as written
# in another language (a certificate issued in English keeps its words: WCAG 3.1.2).
PAGE_TEXTS = """(selector) => {
  const page = document.documentElement.lang;
  const own = (node) => {
    const marked = node.closest("[lang]");
    return !marked || marked.lang === page;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const text = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (parent && own(parent) && !parent.closest("script, style, [hidden]")) {
      text.push(node.textContent);
    }
  }
  const parts = Array.from(document.querySelectorAll(selector))
    .filter(own).map((element) => element.innerText);
  return [text.join(" "), parts];
}"""
LABELLED = "h1, h2, h3, label, legend, button, a, th, td, dt, dd, caption, option, summary"


def english_on(page: Page) -> list[str]:
    """English messages on the page: a phrase anywhere in its text, or a one-word label as
    the whole text of a heading, label, button, link, table header or cell."""
    phrases, words = english_phrases()
    text, texts = page.evaluate(PAGE_TEXTS, LABELLED)
    text = " ".join(text.split())
    found = sorted(phrase for phrase in phrases if phrase in text)
    found += sorted({t.strip() for t in texts if t.strip() in words})
    return found


def sign_in_in_finnish(browser: Browser, live_server: str, email: str) -> Page:
    context = browser.new_context(base_url=live_server, locale="fi-FI")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    page.get_by_label("Sähköpostiosoite").fill(email)
    page.get_by_label("Salasana").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()
    expect(page).to_have_url(HOME_URL)
    return page


def switch_to_finnish_if_needed(page: Page) -> bool:
    """An account that chose English in an earlier test (the choice wins over the browser's
    language) is switched to Finnish; True when it was, so the caller switches back."""
    if page.locator("html").get_attribute("lang") == "fi":
        return False
    page.locator('.language-switch button[value="fi"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    return True


@pytest.mark.parametrize("role", sorted(DEMO_USERS))
def test_each_roles_pages_are_in_finnish(browser: Browser, live_server: str, role: str) -> None:
    page = sign_in_in_finnish(browser, live_server, DEMO_USERS[role])
    switched = switch_to_finnish_if_needed(page)
    try:
        english: dict[str, list[str]] = {}
        paths = role_pages(page)
        assert len(paths) >= 3, paths
        for path in paths:
            response = page.goto(path)
            assert response is not None, path
            assert response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", "fi")
            left = english_on(page)
            if left:
                english[path] = left
        assert not english, f"English left on {role}'s pages: {english}"
    finally:
        if switched:
            page.goto("/home")
            page.locator('.language-switch button[value="en"]').click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        page.context.close()


def test_the_language_switch_changes_the_page_and_is_kept(
    browser: Browser, live_server: str
) -> None:
    page = sign_in_in_finnish(browser, live_server, DEMO_USERS["teacher"])
    try:
        page.goto("/interviews")
        expect(page.get_by_role("link", name="Haastattelut")).to_be_visible()
        page.get_by_role("button", name="English").click()
        expect(page).to_have_url(re.compile(r"/interviews$"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("link", name="Interviews")).to_be_visible()
        assert_accessible(page, "the interviews page after the switch")
        # Kept for the account: a new browser in Finnish still gets English.
        page.goto("/home")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("button", name="Suomi").focus()
        page.keyboard.press("Enter")
        expect(page.locator("html")).to_have_attribute("lang", "fi")
        assert_accessible(page, "the teacher's home in Finnish")
    finally:
        # The account keeps its language: give the other tests their English teacher back.
        page.goto("/home")
        english = page.get_by_role("button", name="English")
        if english.count():
            english.click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        page.context.close()
