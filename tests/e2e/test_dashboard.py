"""The programme's dashboard in a real browser: axe-core finds nothing on the coordinator's and
the steering committee's home pages and dashboards (with the tables open, and after filtering
with the keyboard), and a wrong filter is answered beside its field."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import assert_accessible, signed_in

pytestmark = pytest.mark.e2e


def _open_details(page: Page) -> None:
    for summary in page.locator("details > summary").all():
        summary.click()


@pytest.mark.parametrize("email", ["coordinator@demo.test", "steering@demo.test"])
def test_the_dashboard_is_accessible_and_filters_from_the_keyboard(
    browser: Browser, live_server: str, email: str
) -> None:
    with signed_in(browser, live_server, email) as page:
        expect(page.get_by_role("heading", name="Indicators against targets")).to_be_visible()
        assert_accessible(page, f"{email}'s home page")
        page.get_by_role("link", name="Dashboard", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
        expect(page.get_by_role("img", name="Progress against targets")).to_be_visible()
        _open_details(page)
        assert_accessible(page, "the dashboard with its tables open")

        page.get_by_label("From", exact=True).fill("2024-01-01")
        page.get_by_label("Region where candidates can work").select_option("North Savo")
        page.get_by_label("Field", exact=True).focus()
        page.keyboard.press("Tab")  # to the button
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/dashboard\?.*region=North\+Savo"))
        expect(page.get_by_text("Only candidates of this selection are counted")).to_be_visible()
        expect(page.get_by_label("From", exact=True)).to_have_value("2024-01-01")
        assert_accessible(page, "the dashboard filtered")

        page.goto("/dashboard?from=2026-06-01&to=2026-05-31")
        expect(page.locator("#to-error")).to_have_text(
            "The end of the period cannot be before its start."
        )
        assert_accessible(page, "the dashboard with a wrong filter")
