"""Reflow (WCAG 2.1 AA 1.4.10): every page of every role works at 320 x 640 CSS pixels.

For each demo role the test signs in (English) and collects that role's pages: ``/home``,
every link of the header navigation, and from each of those list pages the first link in
``main`` to one of its records (the list's path, a slash and one segment with a digit in it:
``/candidates/12``, ``/reports/2026-01-01``, ``/certificates/ABCD-...``). Links that start a
download (``.../export``, a file extension) are left out. The public pages (``/``, ``/login``,
``/register``, ``/verify`` and a certificate's verification page) are checked without a
sign-in.

Each page is opened on a 320 x 640 screen; the page must not scroll sideways
(``scrollWidth <= innerWidth``), neither as it is nor turned right to left (``dir="rtl"``), and
every box that scrolls sideways (a wide table's region) must take the keyboard focus and have a
name. A failure names every offending path with its outermost elements that reach past the
edge, widest first. axe-core checks one page per role at 320 px (one with a table scrolling in
its own region where the role has one), and the header navigation's Menu button is checked
with the keyboard.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.conftest import DEMO_USERS
from tests.e2e.browser import (
    assert_accessible,
    first_record,
    new_context,
    paths,
    role_pages,
    signed_in,
)

pytestmark = pytest.mark.e2e

NARROW = ViewportSize(width=320, height=640)
PUBLIC_PAGES = ("/", "/login", "/register", "/verify")

# The page's width against the viewport, and the outermost elements that reach past its
# inline end (the right edge, or the left in right-to-left), widest first. A box whose overflow
# is clipped or scrolls keeps its content to itself, so the walk does not look inside one.
MEASURE = """(rtl) => {
  if (rtl) { document.documentElement.dir = "rtl"; }
  const width = window.innerWidth;
  const past = (box) => Math.round(rtl ? -box.left : box.right - width);
  const found = [];
  const describe = (element) => {
    const classes = typeof element.className === "string" && element.className.trim()
      ? "." + element.className.trim().split(/\\s+/).join(".") : "";
    return element.tagName.toLowerCase() + classes + (element.id ? "#" + element.id : "");
  };
  const walk = (element) => {
    for (const child of element.children) {
      const box = child.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) { walk(child); continue; }
      if (past(box) > 0) {
        found.push({ element: describe(child), past: past(box) });
        continue;
      }
      if (getComputedStyle(child).overflowX === "visible") { walk(child); }
    }
  };
  walk(document.body);
  if (!found.length) {
    // Something escapes its clipping box: an absolutely positioned child of a scrolling
    // region with no positioned ancestor, say. Name the outermost such elements.
    const nodes = [];
    for (const element of document.body.querySelectorAll("*")) {
      const placed = ["absolute", "fixed"].includes(getComputedStyle(element).position);
      const box = element.getBoundingClientRect();
      if (placed && past(box) > 0 && !nodes.some((node) => node.contains(element))) {
        nodes.push(element);
        found.push({ element: describe(element), past: past(box) });
      }
    }
  }
  found.sort((a, b) => b.past - a.past);
  // Every box that scrolls sideways must be reachable with the keyboard and named.
  const unreachable = [];
  for (const element of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    if (!["auto", "scroll"].includes(style.overflowX)) { continue; }
    if (element.scrollWidth <= element.clientWidth + 1) { continue; }
    if (element.tabIndex < 0 || !element.getAttribute("aria-label")) {
      unreachable.push(describe(element));
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: width,
    offenders: found.slice(0, 5),
    unreachable: unreachable,
  };
}"""


def _problems(page: Page, path: str) -> list[str]:
    """What is wrong with ``path`` at the page's width: sideways scrolling (left to right and
    right to left) and scrolling boxes that the keyboard cannot reach."""
    response = page.goto(path)
    assert response is not None, path
    assert response.ok, f"{path} answered {response.status}"
    problems = []
    for rtl in (False, True):
        measure: dict[str, Any] = page.evaluate(MEASURE, rtl)
        if measure["scrollWidth"] > measure["innerWidth"]:
            culprits = ", ".join(
                f"{o['element']} ({o['past']} px past the edge)" for o in measure["offenders"]
            )
            problems.append(
                f"{path}{' (dir=rtl)' if rtl else ''}: scrollWidth {measure['scrollWidth']}"
                f" > {measure['innerWidth']}; {culprits or 'no single element'}"
            )
        if not rtl and measure["unreachable"]:
            problems.append(
                f"{path}: scrolls sideways but cannot be focused or has no name: "
                + ", ".join(measure["unreachable"])
            )
    return problems


def _has_scrolling_table(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => Array.from(document.querySelectorAll(".table-region")).some(
                 (region) => region.scrollWidth > region.clientWidth + 1)"""
        )
    )


@contextmanager
def in_language(page: Page, language: str) -> Iterator[None]:
    """The signed-in account switched to ``language`` (Finnish words are longer), and back to
    English afterwards: the account keeps the choice, and other tests expect English."""
    if language == "en":
        yield
        return
    page.goto("/home")
    page.locator(f'.language-switch button[value="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    try:
        yield
    finally:
        page.goto("/home")
        page.locator('.language-switch button[value="en"]').click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("language", ["en", "fi"])
@pytest.mark.parametrize("role", sorted(DEMO_USERS))
def test_every_page_of_the_role_reflows_at_320_px(
    browser: Browser, live_server: str, role: str, language: str
) -> None:
    with signed_in(browser, live_server, DEMO_USERS[role]) as page, in_language(page, language):
        page.set_viewport_size(NARROW)
        pages = role_pages(page)
        assert len(pages) > 1, f"{role}: only {pages} found"
        problems: list[str] = []
        axe_page = None
        for path in pages:
            found = _problems(page, path)
            problems += found
            if not found and axe_page is None and _has_scrolling_table(page):
                axe_page = path
        print(f"{role} ({language}): {len(pages)} pages checked, {len(problems)} overflow")
        assert not problems, f"{role} ({language}): pages wider than 320 px:\n" + "\n".join(
            problems
        )

        # One page per role through axe at 320 px: one with a table scrolling in its own
        # region when the role has one (scrollable-region-focusable), else the home page.
        axe_page = axe_page or "/home"
        page.goto(axe_page)
        assert_accessible(page, f"{axe_page} as {role} at 320 px ({language})")


def test_public_pages_reflow_at_320_px(browser: Browser, live_server: str) -> None:
    # A certificate's public verification page, as the signed-in counsellor finds it linked.
    with signed_in(browser, live_server, DEMO_USERS["counsellor"]) as staff:
        staff.goto("/certificates")
        certificate = first_record(staff, "/certificates")
        if certificate:
            staff.goto(certificate)
        verification = next(
            (p for p in paths(staff, "main a[href]") if p.startswith("/verify/")), None
        )
    context = new_context(browser, live_server)
    try:
        page = context.new_page()
        page.set_viewport_size(NARROW)
        page.goto("/")
        linked = paths(page, "a[href]")
        pages = [p for p in PUBLIC_PAGES if p in linked or p in ("/", "/login", "/verify")]
        if verification:
            pages.append(verification)
        problems = [problem for path in pages for problem in _problems(page, path)]
        print(f"public: {len(pages)} pages checked, {len(problems)} overflow")
        assert not problems, "public pages wider than 320 px:\n" + "\n".join(problems)
        assert_accessible(page, f"{pages[-1]} at 320 px")
    finally:
        context.close()


def test_the_navigation_collapses_behind_a_menu_button_at_320_px(
    browser: Browser, live_server: str
) -> None:
    with signed_in(browser, live_server, DEMO_USERS["coordinator"]) as page:
        page.set_viewport_size(NARROW)
        page.goto("/candidates")
        navigation = page.get_by_role("navigation", name="Main")
        menu = navigation.get_by_role("button", name="Menu")
        candidates = navigation.get_by_role("link", name="Candidates", exact=True)

        expect(menu).to_have_attribute("aria-expanded", "false")
        controlled = menu.get_attribute("aria-controls")
        assert controlled, "the Menu button names no list"
        expect(page.locator(f"#{controlled}")).to_have_count(1)
        expect(candidates).to_be_hidden()

        # Keyboard: Tab from the brand reaches the button; Enter opens the list.
        page.get_by_role("link", name="ISOK portal").focus()
        page.keyboard.press("Tab")
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(candidates).to_be_visible()
        expect(candidates).to_have_attribute("aria-current", "page")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= NARROW["width"], f"the open menu is {width} px wide"
        assert_accessible(page, "/candidates at 320 px with the menu open")

        # Tab moves into the list; Escape closes it and gives the focus back to the button.
        page.keyboard.press("Tab")
        expect(navigation.get_by_role("link").first).to_be_focused()
        page.keyboard.press("Escape")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(menu).to_be_focused()
        expect(candidates).to_be_hidden()

        # Space opens it again; on a wide screen the button goes and the links show.
        page.keyboard.press("Space")
        expect(menu).to_have_attribute("aria-expanded", "true")
        page.set_viewport_size(ViewportSize(width=1280, height=720))
        expect(menu).to_be_hidden()
        expect(candidates).to_be_visible()
