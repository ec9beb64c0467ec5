"""The participant data pages in a real browser, checked by axe-core; nothing is saved.

The demo coordinator follows the candidate page's link to demo candidate 1's participant
data, sends the form without a legal basis and reads the message beside the field (so the
shared server's data stays as it was), then opens the totals. axe-core checks the form
(blank and with the error) and the totals page with its tables.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser import assert_accessible, signed_in

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@demo.test"
CANDIDATE = 1


def test_the_coordinators_participant_pages_are_accessible(
    browser: Browser, live_server: str
) -> None:
    with signed_in(browser, live_server, COORDINATOR) as page:
        page.goto(f"/candidates/{CANDIDATE}")
        section = page.get_by_role("region", name="Participant data for the funder")
        section.get_by_role("link", name=re.compile("participant data")).click()
        expect(page).to_have_url(re.compile(rf"/candidates/{CANDIDATE}/participant-data$"))
        expect(page.get_by_label("Gender")).to_be_visible()
        assert_accessible(page, "the participant data form")

        page.get_by_label("Legal basis").fill("")
        page.get_by_role("button", name="Save the participant data").click()
        summary = page.get_by_role("alert").filter(has_text="Please correct the following")
        expect(summary).to_contain_text("Say on what legal basis the data is kept.")
        assert_accessible(page, "the participant data form with an error")

        page.goto("/participant-data")
        expect(page.get_by_role("heading", level=1)).to_have_text("Participant data for the funder")
        expect(page.get_by_role("table", name=re.compile("^Gender"))).to_be_visible()
        assert_accessible(page, "the participant totals")
