"""Employers in a real browser: register, approval, readiness, a position through the type-ahead.

The journey test registers its own organisation (a name and business ID no demo data and no
other test uses), so it needs nothing but the demo seed. The other tests use the first demo
employer and save nothing.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from employers.business_id import with_check_digit
from kit.i18n import format_date

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "isok-demo"

# Seven digits no demo organisation uses (demo/__init__.py); the check digit is computed.
BUSINESS_ID_DIGITS = "3498219"
ORGANISATION = "Lumivaaran Hyllytys E2E Oy"
CONTACT_NAME = "Ilona Hyllyvaara"
CONTACT_EMAIL = "ilona.hyllyvaara@lumivaara-e2e.test"
CONTACT_PASSWORD = "lumivaara-e2e-salasana"
POSITION_TITLE = "Forklift driver trainee (Lumivaara e2e)"

COMPETENCE_CODE = "LOG-U2-01"
COMPETENCE_LABEL = "operate a counterbalance forklift safely"
TYPO = "forklift drivng"
LOGISTICS = "Vocational Qualification in Logistics (ISOK sample)"

LOGIN_URL = re.compile(r"/login(\?.*)?$")
HOME_URL = re.compile(r"/home$")
POSITION_URL = re.compile(r"/positions/(\d+)$")


def labelled(page: Page | Locator, text: str) -> Locator:
    """The control whose label is ``text``, with or without the "(required)" marker."""
    return page.get_by_label(re.compile(rf"^{re.escape(text)}( \(required\))?$"))


def group(page: Page | Locator, legend_start: str) -> Locator:
    """A fieldset by the start of its legend."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend_start)}"))


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(HOME_URL)


def sign_out(page: Page) -> None:
    page.locator("header.site-header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("status")).to_have_text("You have signed out.")


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def choose_competence_by_mouse(page: Page, field: Locator, suggestions: Locator) -> None:
    """Type a misspelt competence, wait for the suggestions, click the right one."""
    field.click()
    field.press_sequentially(TYPO, delay=30)
    listing = suggestions.get_by_role("list", name="Suggested competences")
    expect(listing).to_be_visible()
    suggestion = listing.get_by_role("button", name=re.compile(rf"^{COMPETENCE_CODE}\b"))
    expect(suggestion).to_contain_text(COMPETENCE_LABEL)
    suggestion.click()
    expect(field).to_have_value(COMPETENCE_CODE)
    expect(field).to_be_focused()
    expect(listing).to_have_count(0)


# --- 1. The whole journey --------------------------------------------------------------------


def test_organisation_registers_is_approved_and_posts_a_position(page: Page) -> None:
    business_id = with_check_digit(BUSINESS_ID_DIGITS)
    assert business_id is not None, "choose other digits: these have no valid check digit"
    today = datetime.date.today()
    start = today + datetime.timedelta(days=30)
    end = start + datetime.timedelta(days=90)

    # The organisation registers itself; its contact person gets a link to set a password.
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Register your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    labelled(page, "Name of the organisation").fill(ORGANISATION)
    labelled(page, "Business ID (Y-tunnus)").fill(business_id)
    labelled(page, "Kind of organisation").select_option(
        label="Small or medium-sized enterprise (SME)"
    )
    labelled(page, "Sector or field").fill("Warehousing")
    labelled(page, "Municipality").fill("Kuopio")
    labelled(page, "Region").select_option(label="North Savo")
    labelled(page, "Number of staff").select_option(label="10-49 people")
    labelled(page, "Your name").fill(CONTACT_NAME)
    labelled(page, "E-mail address").fill(CONTACT_EMAIL)
    page.get_by_role("button", name="Send the application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: we have received your application"
    )
    expect(page.get_by_role("main")).to_contain_text(
        f"An e-mail with a link to set your password is on its way to {CONTACT_EMAIL}."
    )
    # In development the page also shows the link (the e-mail is in the outbox) as an aid.
    link = page.get_by_label("Link in the e-mail").input_value()
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    labelled(page, "New password").fill(CONTACT_PASSWORD)
    labelled(page, "The new password again").fill(CONTACT_PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("status")).to_have_text(
        "Your password is set. Sign in with your e-mail address and the new password."
    )

    # The coordinator finds the application on the partners page and approves it.
    sign_in(page, "coordinator@demo.test")
    nav(page, "Partners")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partners")
    applications = page.get_by_role("region", name="Applications waiting for approval")
    application = applications.get_by_role("row").filter(has_text=ORGANISATION)
    expect(application).to_have_count(1)
    expect(application).to_contain_text(business_id)
    expect(application).to_contain_text("Small or medium-sized enterprise (SME)")
    application.get_by_role("link", name=ORGANISATION).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    expect(page.locator(".badge").first).to_have_text("Applied, waiting for approval")
    approval = group(page, "Approve as a partner")
    labelled(approval, "Agreement starts").fill(today.isoformat())
    approval.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    expect(page.get_by_role("status")).to_have_text(
        f"{ORGANISATION} is now a partner of the programme."
    )
    partnership = page.get_by_role("region", name="Partnership")
    expect(partnership).to_contain_text("Partner")
    expect(partnership).to_contain_text(f"from {format_date(today)} until further notice")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)

    nav(page, "Partners")
    expect(
        page.get_by_role("region", name="Applications waiting for approval").get_by_role(
            "link", name=ORGANISATION
        )
    ).to_have_count(0)
    sign_out(page)

    # The new employer signs in and fills in the readiness profile.
    sign_in(page, CONTACT_EMAIL, CONTACT_PASSWORD)
    expect(page.locator("header.site-header .role")).to_contain_text(
        f"Employer contact, {ORGANISATION}"
    )
    page.get_by_role("main").get_by_role("link", name="Readiness profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Multicultural readiness of {ORGANISATION}"
    )
    expect(page.get_by_text("The readiness profile has not been filled in yet.")).to_be_visible()
    page.get_by_role("link", name="Fill in the readiness profile").click()

    working = group(page, "Working languages (required)")
    working.get_by_label("Finnish", exact=True).check()
    working.get_by_label("English", exact=True).check()
    labelled(page, "Language that is really needed").select_option(label="Finnish")
    labelled(page, "Level that is really needed (CEFR)").select_option("A2")
    group(page, "Has your organisation employed").get_by_label("A few times").check()
    group(page, "Are your workplace tutors trained").get_by_label("Training is planned").check()
    group(page, "Are work and safety instructions").get_by_label("Yes", exact=True).check()
    group(page, "Is induction material available").get_by_label("No", exact=True).check()
    support = group(page, "What language support")
    support.get_by_label("A work buddy who explains in a shared language").check()
    support.get_by_label("A glossary of the words used at work").check()
    group(page, "Which flexible arrangements").get_by_label("Flexible shifts and schedules").check()
    labelled(page, "Who is the contact person for problems during a placement?").fill(
        f"{CONTACT_NAME}, warehouse manager, 040 765 4321"
    )
    page.get_by_role("button", name="Save the readiness profile").click()

    expect(page).to_have_url(re.compile(r"/organisations/\d+/readiness$"))
    expect(page.get_by_role("status")).to_have_text("The readiness profile is saved.")
    # Points: languages 5 + 15, experience 10, tutors 5, instructions 10, induction 0,
    # language support 5 + 3, flexibility 5, contact 5 = 63 of 100: level 2 (from 40).
    level = page.get_by_role("region", name="Readiness level")
    expect(level.locator(".readiness-level")).to_have_text(re.compile(r"Level 2 of 3\s+Ready"))
    expect(level).to_contain_text("Score 63 of 100.")
    checklist = page.get_by_role("region", name="Checklist: gaps and suggestions")
    gaps = checklist.get_by_role("listitem")
    expect(gaps).to_have_count(2)
    expect(gaps.nth(0)).to_contain_text("Tutor training is planned but not done.")
    expect(gaps.nth(0)).to_contain_text("Book a date for the training")
    expect(gaps.nth(1)).to_contain_text("Induction material is only in Finnish or Swedish.")
    expect(gaps.nth(1)).to_contain_text("Translate the induction checklist")

    # The employer posts a position, picking the competence through the type-ahead.
    nav(page, "Positions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Our positions")
    expect(page.get_by_role("status")).to_have_text("0 positions")
    page.get_by_role("link", name="New position").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New position")
    labelled(page, "Title").fill(POSITION_TITLE)
    labelled(page, "Field or qualification").select_option(label=LOGISTICS)
    labelled(page, "Tasks").fill("Moving pallets with a counterbalance forklift.")
    expect(labelled(page, "Municipality")).to_have_value("Kuopio")  # from the organisation
    labelled(page, "Start date").fill(start.isoformat())
    labelled(page, "End date").fill(end.isoformat())
    labelled(page, "Hours per week").fill("37.5")
    labelled(page, "Number of places").fill("2")

    competence = page.get_by_label("Competence 1", exact=True)
    choose_competence_by_mouse(page, competence, page.locator("#competence-0-suggestions"))
    page.get_by_label("Minimum level of competence 1", exact=True).select_option("3")
    page.get_by_label("Required or optional (competence 1)", exact=True).select_option(
        label="Required"
    )
    page.get_by_label("Language 1", exact=True).select_option(label="Finnish")
    page.get_by_label("Level of language 1", exact=True).select_option("A2")
    page.get_by_role("button", name="Save position").click()

    expect(page).to_have_url(POSITION_URL)
    expect(page.get_by_role("status")).to_have_text("The position was saved.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(POSITION_TITLE)
    expect(heading.locator(".badge")).to_have_text("draft")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(ORGANISATION)
    expect(facts).to_contain_text(LOGISTICS)
    expect(facts).to_contain_text(f"{format_date(start)} – {format_date(end)}")
    requirement = page.get_by_role("row").filter(has_text=COMPETENCE_CODE)
    expect(requirement).to_have_count(1)
    expect(requirement).to_contain_text(COMPETENCE_LABEL)
    expect(requirement).to_contain_text("3 (good)")
    expect(requirement).to_contain_text("required")
    expect(page.get_by_role("main")).to_contain_text("Finnish: A2")
    position_url = page.url

    # Open it for candidates, then find it on the positions page.
    page.get_by_role("button", name="Open for candidates").click()
    expect(page.get_by_role("status")).to_have_text(
        "The position is open: counsellors can now see it."
    )
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("open")
    nav(page, "Positions")
    expect(page.get_by_role("status")).to_have_text("1 position")
    listed = page.get_by_role("row").filter(has_text=POSITION_TITLE)
    expect(listed).to_have_count(1)
    expect(listed.locator(".badge")).to_have_text("open")
    expect(listed).to_contain_text(f"{format_date(start)} – {format_date(end)}")
    listed.get_by_role("link", name=POSITION_TITLE).click()
    expect(page).to_have_url(position_url)
    sign_out(page)

    # The second demo employer can neither open the position nor see it listed.
    sign_in(page, "employer2@demo.test")
    response = page.goto(position_url)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(POSITION_TITLE)).to_have_count(0)
    page.goto("/positions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Our positions")
    expect(page.get_by_role("link", name=POSITION_TITLE)).to_have_count(0)
    expect(page.get_by_text(POSITION_TITLE)).to_have_count(0)


# --- 2. Bad input ----------------------------------------------------------------------------


def test_end_date_before_start_is_shown_beside_the_field(page: Page) -> None:
    sign_in(page, "employer@demo.test")
    nav(page, "Positions")
    count_before = page.get_by_role("status").inner_text()
    page.get_by_role("link", name="New position").click()

    title = "Order picker trainee (dates e2e)"
    start = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    end = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    labelled(page, "Title").fill(title)
    labelled(page, "Field or qualification").select_option(label=LOGISTICS)
    labelled(page, "Start date").fill(start)
    labelled(page, "End date").fill(end)
    page.get_by_label("Competence 1", exact=True).fill(COMPETENCE_CODE)
    page.get_by_role("button", name="Save position").click()

    expect(page).to_have_url(re.compile(r"/positions$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New position")
    message = "The end date cannot be before the start date."
    end_date = labelled(page, "End date")
    expect(end_date).to_have_attribute("aria-invalid", "true")
    expect(end_date).to_have_accessible_description(re.compile(re.escape(message)))
    beside = page.locator(".field.has-error").filter(has=end_date)
    expect(beside.locator(".field-error")).to_have_text(message)
    expect(page.get_by_role("alert").get_by_role("link", name=message)).to_be_visible()
    # Only the end date is wrong; what was typed is still there.
    expect(page.locator(".field-error")).to_have_count(1)
    expect(labelled(page, "Title")).to_have_value(title)
    expect(labelled(page, "Start date")).to_have_value(start)
    expect(end_date).to_have_value(end)
    expect(page.get_by_label("Competence 1", exact=True)).to_have_value(COMPETENCE_CODE)

    # Nothing was saved.
    nav(page, "Positions")
    expect(page.get_by_role("status")).to_have_text(count_before)
    expect(page.get_by_role("link", name=title)).to_have_count(0)


# --- 3. Keyboard -----------------------------------------------------------------------------


def choose_with_keyboard(page: Page, key: str) -> tuple[Locator, Locator]:
    """On a new position form, type a misspelt competence, Tab to its suggestion, press ``key``.

    Returns the competence field and the suggestion list's container.
    """
    sign_in(page, "employer@demo.test")
    page.goto("/positions/new")

    field = page.get_by_label("Competence 1", exact=True)
    field.focus()
    page.keyboard.type(TYPO, delay=30)
    container = page.locator("#competence-0-suggestions")
    listing = container.get_by_role("list", name="Suggested competences")
    expect(listing).to_be_visible()
    wanted = listing.get_by_role("button", name=re.compile(rf"^{COMPETENCE_CODE}\b"))
    expect(wanted).to_be_visible()

    # Tab from the field goes through the suggestions in order, to the wanted one.
    buttons = listing.get_by_role("button")
    for index in range(buttons.count()):
        page.keyboard.press("Tab")
        expect(buttons.nth(index)).to_be_focused()
        if buttons.nth(index).get_attribute("data-suggest-code") == COMPETENCE_CODE:
            break
    expect(wanted).to_be_focused()
    page.keyboard.press(key)
    return field, container


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_type_ahead_suggestion_is_chosen_with_the_keyboard(page: Page, key: str) -> None:
    field, container = choose_with_keyboard(page, key)

    expect(field).to_have_value(COMPETENCE_CODE)
    expect(field).to_be_focused()
    expect(container).to_be_empty()
    expect(page).to_have_url(re.compile(r"/positions/new$"))  # the choice did not submit


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_type_ahead_list_stays_closed_after_a_keyboard_choice(page: Page, key: str) -> None:
    field, container = choose_with_keyboard(page, key)
    expect(field).to_have_value(COMPETENCE_CODE)

    page.wait_for_timeout(1000)  # well past the type-ahead's 300 ms delay and its request
    expect(container).to_be_empty(timeout=1000)
    expect(field).to_have_value(COMPETENCE_CODE)
