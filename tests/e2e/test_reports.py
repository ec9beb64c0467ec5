"""Six-monthly reports in a real browser: axe-core finds nothing on the list, a draft (blank,
with an error beside its field, saved), the freezing confirmation and a frozen report, for
the coordinator and the steering committee.

The coordinator writes the draft of the current period (a draft changes no figure the other
tests read) and freezes the programme's first period, which is over, unless it is frozen
already (the demo data may hold it frozen); then the steering committee reads it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import assert_accessible, flash, signed_in

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@demo.test"
STEERING = "steering@demo.test"
FIRST_PERIOD = "/reports/2026-01-01"


def _open_details(page: Page) -> None:
    for summary in page.locator("details > summary").all():
        summary.click()


def test_the_coordinator_drafts_and_freezes_and_the_steering_committee_reads(
    browser: Browser, live_server: str
) -> None:
    with signed_in(browser, live_server, COORDINATOR) as page:
        page.get_by_role("link", name="Reports", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Six-monthly reports")
        assert_accessible(page, "the list of reports")

        # The current period's draft: its first row's link.
        page.get_by_role("row").filter(has_text="current").get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Six-monthly report")
        expect(page.get_by_role("img", name="Progress against targets")).to_be_visible()
        _open_details(page)
        assert_accessible(page, "a draft report")

        page.get_by_label("Achievements").fill("Half\x00way")
        page.get_by_role("button", name="Save the draft").click()
        expect(page.locator("#achievements-error")).to_have_text(
            "Remove the control character (NUL) from this text."
        )
        assert_accessible(page, "a draft with an error")
        page.get_by_label("Achievements").fill("Halfway there: the browser test wrote this.")
        page.get_by_label("Next steps").focus()
        page.keyboard.press("Tab")  # to the button
        page.keyboard.press("Enter")
        expect(flash(page, "The draft of the report was saved.")).to_be_visible()
        expect(page.get_by_label("Achievements")).to_have_value(
            "Halfway there: the browser test wrote this."
        )

        page.goto(FIRST_PERIOD)
        if page.get_by_role("button", name="Save the draft").count():
            page.get_by_label("Achievements").fill("The first period, frozen by the browser test.")
            page.get_by_role("button", name="Save the draft").click()
            expect(flash(page, "The draft of the report was saved.")).to_be_visible()
            page.get_by_role("link", name="Freeze the report…").click()
            expect(page).to_have_url(re.compile(r"/reports/2026-01-01/freeze$"))
            assert_accessible(page, "the freezing confirmation")
            page.get_by_role("button", name="Freeze the report").click()
            expect(flash(page, "The report was frozen.")).to_be_visible()
        expect(page.get_by_text("Frozen on")).to_be_visible()
        assert_accessible(page, "a frozen report")

    with signed_in(browser, live_server, STEERING) as page:
        page.get_by_role("link", name="Reports", exact=True).click()
        expect(page.get_by_text("in progress: shown here once frozen")).to_be_visible()
        assert_accessible(page, "the steering committee's list of reports")
        page.goto(FIRST_PERIOD)
        expect(page.get_by_role("heading", name="Qualitative part")).to_be_visible()
        expect(page.get_by_role("button", name="Save the draft")).to_have_count(0)
        _open_details(page)
        assert_accessible(page, "a frozen report for the steering committee")
