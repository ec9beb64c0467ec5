"""What every page shares: the title and focus after a failed form, the error summary in the
order of the fields, one menu item marked as the current page."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.conftest import DEMO_USERS
from tests.e2e.browser import signed_in


def test_a_failed_form_says_so_first_and_lists_errors_in_field_order(
    browser: Browser, live_server: str
) -> None:
    with signed_in(browser, live_server, DEMO_USERS["counsellor"]) as page:
        page.goto("/candidates/new")
        form = page.locator("main form").first
        form.locator("input[name=email]").fill("not an address")
        form.locator("input[name=phone]").fill("x" * 3)
        form.get_by_role("button").last.click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        assert page.title().startswith("Error: "), page.title()
        expect(summary).to_be_focused()
        targets = summary.locator("a").evaluate_all(
            "links => links.map(a => document.getElementById(a.hash.slice(1)))"
            ".map(field => field ? Array.from(document.querySelectorAll('*')).indexOf(field)"
            " : -1)"
        )
        assert len(targets) >= 2, targets
        assert -1 not in targets, targets
        assert targets == sorted(targets), targets


def test_one_menu_item_is_the_current_page(browser: Browser, live_server: str) -> None:
    with signed_in(browser, live_server, DEMO_USERS["employer"]) as page:
        page.goto("/organisation/people")
        current = page.locator('header nav a[aria-current="page"]')
        expect(current).to_have_count(1)
        expect(current).to_have_attribute("href", "/organisation/people")
        page.goto("/proposals")
        proposal = page.locator("main a[href*='/proposals/']").first
        proposal.click()
        expect(current).to_have_count(1)
        expect(current).to_have_attribute("href", "/proposals")
