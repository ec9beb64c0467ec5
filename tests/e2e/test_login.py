"""Sign in and out in a real browser: every demo role, errors, throttling, keyboard, basics.

Failed sign-ins from 127.0.0.1 in this module: 1 (wrong password) + at most 8 (throttling),
below the per-address allowance of 20, so the tests do not throttle one another.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Response, expect

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "isok-demo"
DEMO_ROLES = {
    "coordinator@demo.test": "Coordinator",
    "counsellor@demo.test": "Counsellor",
    "teacher@demo.test": "Professional teacher",
    "employer@demo.test": "Employer contact",
    "employer2@demo.test": "Employer contact",
    "tutor@demo.test": "Workplace tutor",
}
# Used by the throttling test only, so no other test's failures count against it.
THROTTLE_EMAIL = "throttle-e2e@demo.test"

LOGIN_URL = re.compile(r"/login(\?.*)?$")
HOME_URL = re.compile(r"/home$")


def is_login_post(response: Response) -> bool:
    return response.url.endswith("/login") and response.request.method == "POST"


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def focused(page: Page) -> str:
    """A short description of the focused element: tag, id or class, and text."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return "body";
            const key = el.id ? "#" + el.id : (el.className ? "." + el.className : "");
            return (el.tagName.toLowerCase() + key + " " + (el.textContent || "").trim()).trim();
        }"""
    )


@pytest.mark.parametrize(("email", "role"), DEMO_ROLES.items(), ids=list(DEMO_ROLES))
def test_demo_user_signs_in_and_out(page: Page, email: str, role: str) -> None:
    page.goto("/login")
    sign_in(page, email, DEMO_PASSWORD)

    expect(page).to_have_url(HOME_URL)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Hello")
    header = page.locator("header.site-header")
    expect(header.locator(".role")).to_contain_text(role)
    name = header.locator(".name")
    expect(name).not_to_be_empty()
    expect(heading).to_contain_text(name.inner_text().strip())

    header.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/home")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_wrong_password_shows_error_and_keeps_email(page: Page) -> None:
    page.goto("/login")
    with page.expect_response(is_login_post) as posted:
        sign_in(page, "counsellor@demo.test", "not-the-password")
    assert posted.value.status == 400

    expect(page).to_have_url(LOGIN_URL)
    error = page.locator("#form-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_have_text("The e-mail address or the password is wrong.")
    expect(page.get_by_role("alert")).to_have_text("The e-mail address or the password is wrong.")
    expect(page.get_by_label("E-mail address")).to_have_value("counsellor@demo.test")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_sixth_failed_attempt_is_throttled(page: Page) -> None:
    page.goto("/login")
    for attempt in range(1, 6):
        sign_in(page, THROTTLE_EMAIL, f"wrong-{attempt}")
        expect(page.locator("#form-error"), f"attempt {attempt}").to_have_text(
            "The e-mail address or the password is wrong."
        )

    # Past the allowance each try waits a doubling delay (1, 2, 4 s): one of the next few
    # tries, however slow the browser, comes within its delay and is refused.
    statuses = []
    for attempt in range(6, 9):
        with page.expect_response(is_login_post) as posted:
            sign_in(page, THROTTLE_EMAIL, f"wrong-{attempt}")
        response = posted.value
        statuses.append(response.status)
        if response.status == 429:
            break
    assert statuses[-1] == 429, statuses
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= 300

    error = page.locator("#form-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("Too many failed sign-in attempts")
    expect(error).to_have_text(
        re.compile(r"^Too many failed sign-in attempts\. Wait \d+ seconds? and try again\.$")
    )
    expect(page.get_by_label("E-mail address")).to_have_value(THROTTLE_EMAIL)


def test_first_tab_on_login_page_reaches_skip_link(page: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    assert focused(page) == "a.skip-link Skip to content"


def test_keyboard_tab_order_and_enter_submits(page: Page) -> None:
    page.goto("/login")

    # Walk the whole tab cycle (it wraps through the browser back to the first element),
    # wherever focus happens to start.
    sequence = []
    for _ in range(12):
        page.keyboard.press("Tab")
        sequence.append(focused(page))
    skip_link = "a.skip-link Skip to content"
    assert skip_link in sequence, sequence
    after_skip = sequence[sequence.index(skip_link) :]
    fields = [entry for entry in after_skip if entry.startswith(("input#", "button"))]
    # The header's language switch, then the form's fields in order.
    assert fields[:4] == [
        "button.link-button Suomi",
        "input#email",
        "input#password",
        "button.button Sign in",
    ], sequence

    # The skip link leads into the main content.
    page.locator("a.skip-link").focus()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # Fill the form from the keyboard and submit with Enter in the password field.
    email = page.get_by_label("E-mail address")
    email.focus()
    page.keyboard.type("teacher@demo.test")
    page.keyboard.press("Tab")
    password = page.get_by_label("Password")
    expect(password).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    password.press("Enter")

    expect(page).to_have_url(HOME_URL)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.locator("header.site-header .role")).to_contain_text("Professional teacher")


def test_front_page_has_no_console_errors_and_loads_htmx(page: Page) -> None:
    console_errors: list[str] = []
    page_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.add_init_script(
        """
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => {
            window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
        });
        """
    )

    response = page.goto("/")
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("networkidle")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
    assert page_errors == []


def test_unknown_url_shows_not_found_page(page: Page) -> None:
    response = page.goto("/no-such-page-e2e")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("link", name="Go to the front page")).to_be_visible()
