"""Notifications in a real browser: the header counts the unread ones, one opens by keyboard
and the count falls, the e-mail choices are saved by keyboard, and axe-core finds nothing on
the two pages in English or Finnish.

The live server has no notifications of its own, so the test writes them into its database
(``accounts.notices.notify``, as the portal's actions do). The second demo employer is used:
no other browser test signs in as them, so the counts here are this file's alone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from accounts.models import MailChoice, Notification, User
from accounts.notices import notify
from kit.notices import Notice
from kit.settings import DatabaseSettings
from portal.database import create_engine, create_session_factory
from tests.e2e.browser import assert_accessible, flash, signed_in

EMPLOYER = "employer2@demo.test"


def tell(database_url: str, notices: Sequence[Notice]) -> None:
    """Start the employer afresh (no notifications, every e-mail wanted) and notify them of
    ``notices``, oldest first."""

    async def run() -> None:
        engine = create_engine(DatabaseSettings(url=database_url))
        try:
            async with create_session_factory(engine)() as session, session.begin():
                user = (await session.scalars(select(User).where(User.email == EMPLOYER))).one()
                await session.execute(delete(Notification).where(Notification.user_id == user.id))
                await session.execute(delete(MailChoice).where(MailChoice.user_id == user.id))
                for notice in notices:
                    await notify(session, user, notice)
        finally:
            await engine.dispose()

    # Playwright's sync API holds this thread's event loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, run()).result()


def header_link(page: Page, unread: int) -> None:
    """The header's link shows ``unread`` and says it in words to a screen reader."""
    link = page.locator("a.notifications-link")
    expect(link.locator(".count")).to_have_text(str(unread))
    expect(link).to_have_accessible_name(re.compile(rf"Notifications\W+{unread} unread$"))


def test_an_employer_opens_a_notification_and_chooses_emails_by_keyboard(
    browser: Browser, live_server: str, live_database_url: str
) -> None:
    tell(
        live_database_url,
        [
            Notice("placement_soon", "A placement starts next week", link="/positions"),
            Notice("proposal_waiting", "A proposal is waiting for your answer", link="/proposals"),
        ],
    )
    with signed_in(browser, live_server, EMPLOYER) as page:
        header_link(page, 2)
        page.locator("a.notifications-link").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/notifications$"))
        # From "Mark all as read", the next stop is the newest notification's button.
        page.get_by_role("button", name="Mark all as read").focus()
        page.keyboard.press("Tab")
        newest = page.get_by_role("button", name=re.compile("A proposal is waiting"))
        expect(newest).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/proposals$"))
        header_link(page, 1)
        page.goto("/notifications")
        header_link(page, 1)
        expect(page.locator("li.notification.unread")).to_have_count(1)

        page.get_by_role("link", name="Choose which notifications also come by e-mail").click()
        waiting = page.get_by_role("checkbox", name="Proposals waiting")
        expect(waiting).to_be_checked()
        expect(page.get_by_role("checkbox", name="Assessment links")).to_be_disabled()
        waiting.focus()
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        expect(page.get_by_role("checkbox", name="Placements starting or ending")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Save")).to_be_focused()
        page.keyboard.press("Enter")
        expect(flash(page, "Your choice of e-mails is saved.")).to_be_visible()
        expect(page.get_by_role("checkbox", name="Proposals waiting")).not_to_be_checked()
        expect(page.get_by_role("checkbox", name="Placements starting or ending")).to_be_checked()


def test_the_notification_pages_are_accessible_in_english_and_finnish(
    browser: Browser, live_server: str, live_database_url: str
) -> None:
    """Structure only in Finnish (lang, landmarks, names, contrast): whether every word is
    translated is tests/e2e/test_finnish.py's business, once the catalogue has them."""
    tell(live_database_url, [Notice("proposal_waiting", "A proposal waits", link="/proposals")])
    with signed_in(browser, live_server, EMPLOYER) as page:
        try:
            for language in ("en", "fi"):
                if language == "fi":
                    page.locator('.language-switch button[value="fi"]').click()
                for path in ("/notifications", "/notifications/settings"):
                    page.goto(path)
                    expect(page.locator("html")).to_have_attribute("lang", language)
                    assert_accessible(page, f"{path} in {language}")
        finally:
            # The account keeps its language: give it English back.
            page.goto("/notifications")
            english = page.locator('.language-switch button[value="en"]')
            if page.locator("html").get_attribute("lang") != "en" and english.count():
                english.click()
                expect(page.locator("html")).to_have_attribute("lang", "en")
