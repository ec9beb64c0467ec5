"""The coordinator creates a staff account by keyboard in a real browser; the page, its
errors and its answer have no axe-core violations.

The live server is shared by every browser test: the account made here has an address of
its own, and nothing else is changed.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, expect

from tests.e2e.browser import assert_accessible, signed_in


def test_the_coordinator_creates_a_staff_account_by_keyboard(
    browser: Browser, live_server: str
) -> None:
    address = f"new-teacher-{uuid.uuid4().hex[:8]}@example.fi"
    with signed_in(browser, live_server, "coordinator@demo.test") as page:
        page.goto("/users")
        expect(page.get_by_role("heading", name="Create a staff account")).to_be_visible()
        assert_accessible(page, "/users")

        # Sent empty: the errors are listed, linked to their fields, and named beside them.
        page.get_by_role("button", name="Create the account").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page, "/users with errors")

        page.get_by_label("Name").focus()
        page.keyboard.type("Taina Opettaja")
        page.keyboard.press("Tab")
        expect(page.get_by_label("E-mail address")).to_be_focused()
        page.keyboard.type(address)
        page.keyboard.press("Tab")
        role = page.get_by_label("Role")
        expect(role).to_be_focused()
        role.select_option("teacher")  # a select's own keys differ by platform
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Create the account")).to_be_focused()
        page.keyboard.press("Enter")

        expect(
            page.get_by_role("status").filter(has_text="The account of Taina Opettaja is made")
        ).to_be_visible()
        expect(page.locator("#development-link")).to_have_value(re.compile(r"/password/reset/"))
        row = page.get_by_role("row").filter(has_text=address)
        expect(row).to_contain_text("Professional teacher")
        expect(
            row.get_by_role("button", name="Send Taina Opettaja a link to set a new password")
        ).to_be_visible()
        assert_accessible(page, "/users after creating an account")
