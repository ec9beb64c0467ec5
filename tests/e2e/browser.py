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
