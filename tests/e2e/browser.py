"""What the browser tests share: contexts signed in or not, axe-core, flash messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

DEMO_PASSWORD = "isok-demo"
PHONE = ViewportSize(width=375, height=812)
HOME_URL = re.compile(r"/home$")


def new_context(browser: Browser, live_server: str, *, phone: bool = False) -> BrowserContext:
    """A fresh browser context (no cookies) on the live server; a 375 x 812 screen if ``phone``."""
    context = browser.new_context(
        base_url=live_server, locale="en-GB", viewport=PHONE if phone else None
    )
    context.set_default_timeout(10_000)
    return context


@contextmanager
def signed_in(browser: Browser, live_server: str, email: str) -> Iterator[Page]:
    """A page in its own browser context, signed in as ``email`` through the form."""
    context = new_context(browser, live_server)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(HOME_URL)
        yield page
    finally:
        context.close()


@contextmanager
def anonymous_phone(browser: Browser, live_server: str) -> Iterator[Page]:
    """A page on a 375 x 812 screen in a fresh context: no cookies, nobody signed in."""
    context = new_context(browser, live_server, phone=True)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def assert_accessible(page: Page, what: str) -> None:
    """axe-core finds no violations on the page as it is now."""
    results = Axe().run(page)
    violations = results.response["violations"]
    assert violations == [], f"axe-core on {what}:\n{results.generate_report()}"


def flash(page: Page, text: str) -> Locator:
    """The success message (role status) that says ``text``."""
    return page.get_by_role("status").filter(has_text=text)


# The paths of this site that the links matching a selector lead to.
PATHS_IN = """(selector) => Array.from(document.querySelectorAll(selector), (a) => {
  const url = new URL(a.href, document.baseURI);
  return url.origin === location.origin ? url.pathname : null;
}).filter((path) => path)"""
DOWNLOAD = re.compile(r"(/export$)|(\.[A-Za-z0-9]{2,5}$)")


def paths(page: Page, selector: str) -> list[str]:
    """The site's paths the links ``selector`` lead to, each once, in page order."""
    return list(dict.fromkeys(page.evaluate(PATHS_IN, selector)))


def downloads(path: str) -> bool:
    return bool(DOWNLOAD.search(path))


def first_record(page: Page, list_path: str) -> str | None:
    """The first link in main to a record of the list: its name, a slash and one part with a
    digit in it (``/candidates`` lists ``/candidates/12``, ``/proposals`` lists
    ``/positions/3/proposals/5``, ``/certificates`` a certificate's code)."""
    name = list_path.rstrip("/").rsplit("/", 1)[-1]
    record = re.compile(r"^(/[^/]+)*/" + re.escape(name) + r"/[^/]*\d[^/]*$")
    return next(
        (
            path
            for path in paths(page, "main a[href]")
            if record.match(path) and not downloads(path)
        ),
        None,
    )


def role_pages(page: Page) -> list[str]:
    """A signed-in role's main pages: /home, the header navigation's pages and the first
    record each of those lists (downloads left out)."""
    lists = [path for path in ["/home", *paths(page, "header nav a[href]")] if not downloads(path)]
    pages = list(dict.fromkeys(lists))
    for list_path in pages[:]:
        page.goto(list_path)
        record = first_record(page, list_path)
        if record and record not in pages:
            pages.append(record)
    return pages
