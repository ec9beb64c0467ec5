"""Outcomes in a real browser: the counsellor records what followed for a candidate.

The demo counsellor opens demo candidate 16 (at the assessment stage; the demo records no
outcome for them), follows "Record an outcome", sends the form empty and reads the messages,
records shortened studies with a unit recognised, finds it on the candidate's page, and
removes it again, so the shared server's data is as it was. axe-core checks the form (blank
and with errors), the candidate's page with the outcome, and the change form.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.browser import assert_accessible, flash, signed_in

pytestmark = pytest.mark.e2e

COUNSELLOR = "counsellor@demo.test"
CANDIDATE = 16
UNIT_CODE = "LOG-U1"


def test_a_counsellor_records_and_removes_an_outcome(browser: Browser, live_server: str) -> None:
    with signed_in(browser, live_server, COUNSELLOR) as page:
        page.goto(f"/candidates/{CANDIDATE}")
        outcomes = page.get_by_role("region", name="Outcomes")
        expect(outcomes).to_contain_text("No outcome recorded yet.")
        outcomes.get_by_role("link", name="Record an outcome").click()
        expect(page).to_have_url(re.compile(rf"/candidates/{CANDIDATE}/outcomes/new$"))
        assert_accessible(page, "the new outcome form")

        page.get_by_role("button", name="Save outcome").click()
        summary = page.get_by_role("alert").filter(has_text="Please correct the following")
        expect(summary).to_contain_text("Choose what followed.")
        assert_accessible(page, "the outcome form with errors")

        page.get_by_label("Outcome").select_option(label="Studies shortened")
        page.get_by_label("From", exact=True).fill("2026-10-01")
        page.get_by_role("checkbox", name=re.compile(rf"^{UNIT_CODE} ")).check()
        page.get_by_label("Where the information came from").select_option(label="A register")
        page.get_by_label("Details of the source").fill("Decision of the vocational college")
        page.get_by_role("button", name="Save outcome").click()

        expect(page).to_have_url(re.compile(rf"/candidates/{CANDIDATE}(#outcomes)?$"))
        expect(flash(page, "The outcome was recorded.")).to_be_visible()
        outcomes = page.get_by_role("region", name="Outcomes")
        expect(outcomes).to_contain_text("Studies shortened")
        expect(outcomes).to_contain_text(UNIT_CODE)
        expect(outcomes).to_contain_text("Decision of the vocational college")
        assert_accessible(page, "the candidate's page with an outcome")

        outcomes.get_by_role("link", name=re.compile("^Change or remove")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Change an outcome")
        expect(page.get_by_role("checkbox", name=re.compile(rf"^{UNIT_CODE} "))).to_be_checked()
        assert_accessible(page, "the outcome change form")
        page.get_by_role("button", name="Remove outcome").click()

        expect(flash(page, "The outcome was removed.")).to_be_visible()
        expect(page.get_by_role("region", name="Outcomes")).to_contain_text(
            "No outcome recorded yet."
        )
