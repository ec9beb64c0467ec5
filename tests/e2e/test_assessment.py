"""The triad assessment in a real browser: the issue's browser tests.

Demo placement 1 (active, tutored by tutor@demo.test) has its plan, the teacher's rating
submitted and the counsellor's saved as a draft; the tutor has not rated. In one story:

1. The counsellor issues the tutor's link; on a 375 x 812 phone screen, a browser with no
   sign-in opens it, fills the form with the keyboard only (Tab, arrow keys and Space on the
   radio groups, typing a note), saves a draft, reloads and finds it kept, completes every
   outcome, submits and sees the receipt; the link then shows the submission read-only.
2. The tutor gave 1 on every outcome and the teacher's demo grades are 3 or 4, so every
   outcome diverges: the teacher sees the flag, opens the decision page, gives the final
   grades with a rationale, records why the consensus cannot wait for the counsellor (who has
   not submitted), signs, and finds the decision locked.
3. The counsellor finds the candidate in the caseload: the candidate's page says the
   consensus is signed.

axe-core (axe-playwright-python) checks every assessment page on the way: the assessment
page, the issued link, the link's form and receipt, and the decision page before and after
signing. The story shares the session's server, so it is one test, in order.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import (
    anonymous_phone,
    assert_accessible,
    flash,
    signed_in,
)

pytestmark = pytest.mark.e2e

COUNSELLOR = "counsellor@demo.test"
TEACHER = "teacher@demo.test"
PLACEMENT = 1
ASSESSMENT_PATH = f"/placements/{PLACEMENT}/assessment"
DECISION_PATH = f"{ASSESSMENT_PATH}/decision"

LINK_PATH = re.compile(r"^/assess/[A-Za-z0-9_-]{22,}$")  # 128 bits or more, URL-safe
TUTOR_REFERENCE = re.compile(r"^T1-[0-9A-F]{8}$")
LOCAL_MINUTE = re.compile(r"^\d{1,2} \w{3,4} \d{4}, \d{2}:\d{2}$")  # 3 Nov 2026, 16:05
DRAFT_NOTE = "Checks every delivery against the waybill (e2e)."
MISSING_REASON = "Mikko Ohjaaja, the counsellor, is on leave until February (e2e)."
RATIONALE = "The tutor saw the daily work, the teacher two visits; we agreed on 3 (e2e)."


def focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the form."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(target):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def outcome_groups(page: Page) -> Locator:
    """The link form's outcomes: one fieldset (role group) with a radio group of grades each."""
    return page.get_by_role("group").filter(has=page.get_by_role("radio"))


def grade(group: Locator, value: str) -> Locator:
    return group.get_by_role("radio", name=value, exact=True)


def test_tutor_link_draft_submit_divergence_and_signed_consensus(
    browser: Browser, live_server: str
) -> None:
    # --- The counsellor issues the tutor's link (shown once, in an input). ---
    with signed_in(browser, live_server, COUNSELLOR) as page:
        page.goto(ASSESSMENT_PATH)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Assessment:")
        candidate_name = (
            page.get_by_role("heading", level=1)
            .inner_text()
            .removeprefix("Assessment: ")
            .split(" at ")[0]
            .strip()
        )
        page.get_by_role("button", name="Issue a link for the tutor").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("The tutor's link")
        link_input = page.get_by_label(re.compile(r"^Link \(shown only now"))
        expect(link_input).to_have_attribute("readonly", "")
        link_url = link_input.input_value()
        assert_accessible(page, "the issued tutor link")
    # The link is built on the portal's public address (not set for this server): open its
    # path on the server under test.
    link_path = urlsplit(link_url).path
    assert LINK_PATH.match(link_path), link_url

    # --- The tutor, on a phone, with no account: keyboard only. ---
    with anonymous_phone(browser, live_server) as page:
        response = page.goto(link_path)
        assert response is not None
        assert response.status == 200
        assert response.headers.get("referrer-policy") == "no-referrer"
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Assessment of {candidate_name}")
        groups = outcome_groups(page)
        expect(groups.first).to_be_visible()
        count = groups.count()
        assert count >= 2, f"the demo plan should have several outcomes, has {count}"
        assert_accessible(page, "the tutor's link form")

        # The first outcome: Tab into the radio group, arrow keys to 3.
        first, second = groups.nth(0), groups.nth(1)
        tab_to(page, grade(first, "1"))
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(grade(first, "3")).to_be_checked()
        expect(grade(first, "3")).to_be_focused()
        # On to the tasks, then the note, and type it.
        page.keyboard.press("Tab")
        expect(first.get_by_label("Work tasks where it was shown (optional)")).to_be_focused()
        page.keyboard.press("Tab")
        note = first.get_by_label("Note (optional)")
        expect(note).to_be_focused()
        page.keyboard.type(DRAFT_NOTE)
        # The second outcome: Tab into the group, Space on the first grade.
        tab_to(page, grade(second, "1"))
        page.keyboard.press("Space")
        expect(grade(second, "1")).to_be_checked()

        save = page.get_by_role("button", name="Save draft")
        tab_to(page, save)
        page.keyboard.press("Enter")
        expect(flash(page, "Your draft is saved.")).to_be_visible()

        # The draft is on the server: a reload (or a closed browser) keeps it.
        page.reload()
        groups = outcome_groups(page)
        first, second = groups.nth(0), groups.nth(1)
        expect(grade(first, "3")).to_be_checked()
        expect(grade(second, "1")).to_be_checked()
        expect(first.get_by_label("Note (optional)")).to_have_value(DRAFT_NOTE)
        for index in range(2, count):
            expect(groups.nth(index).get_by_role("radio", checked=True)).to_have_count(0)

        # Complete every outcome with a 1: far from the teacher's demo grades (3 and 4).
        tab_to(page, grade(first, "3"))  # Tab lands on the checked radio of a group
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        expect(grade(first, "1")).to_be_checked()
        for index in range(2, count):
            group = groups.nth(index)
            tab_to(page, grade(group, "1"))
            page.keyboard.press("Space")
            expect(grade(group, "1")).to_be_checked()
        submit = page.get_by_role("button", name="Submit rating")
        tab_to(page, submit)
        page.keyboard.press("Enter")

        # The receipt: a reference number, the time, and what was sent.
        expect(flash(page, "Your rating is sent.")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rating sent")
        facts = page.locator("dl.facts")
        reference = facts.locator("dt:has-text('Reference') + dd")
        expect(reference).to_have_text(TUTOR_REFERENCE)
        expect(facts.locator("dt:has-text('Sent') + dd")).to_have_text(LOCAL_MINUTE)
        sent = page.get_by_role("list").filter(has_text="Grade 1")
        expect(sent.get_by_role("listitem")).to_have_count(count)
        expect(page.get_by_role("main")).to_contain_text(f"Note: {DRAFT_NOTE}")
        tutor_reference = reference.inner_text().strip()
        assert_accessible(page, "the tutor's link receipt")

        # Afterwards the link shows the submission, read-only.
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rating sent")
        expect(reference).to_have_text(tutor_reference)
        expect(page.get_by_role("radio")).to_have_count(0)
        expect(page.get_by_role("textbox")).to_have_count(0)
        expect(page.get_by_role("button", name="Submit rating")).to_have_count(0)
        expect(page.get_by_role("button", name="Save draft")).to_have_count(0)

    # --- The teacher sees the divergence and signs the consensus. ---
    with signed_in(browser, live_server, TEACHER) as page:
        page.goto(ASSESSMENT_PATH)
        main = page.get_by_role("main")
        expect(main).to_contain_text("2 of 3 ratings submitted.")
        expect(main).to_contain_text(f"{count} outcomes diverge: talk them through")
        matrix = page.get_by_role(
            "table", name="Learning outcomes and the grade each assessor gave"
        )
        body_rows = matrix.locator("tbody").get_by_role("row")
        expect(body_rows).to_have_count(count)
        expect(body_rows.filter(has_text="Diverges")).to_have_count(count)
        expect(body_rows.first.get_by_role("cell").first).to_contain_text("1 (")
        assert_accessible(page, "the assessment page (teacher)")

        page.get_by_role("link", name="The consensus decision").click()
        expect(page).to_have_url(re.compile(rf"{re.escape(DECISION_PATH)}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Consensus decision")
        expect(page.get_by_text(f"{count} outcomes diverge", exact=True)).to_be_visible()
        assert_accessible(page, "the decision page before signing")

        outcomes = page.get_by_role("group").filter(
            has=page.get_by_label(re.compile("^Final grade"))
        )
        expect(outcomes).to_have_count(count)
        for index in range(count):
            outcome = outcomes.nth(index)
            expect(outcome).to_contain_text("Ratings diverge")
            outcome.get_by_label(re.compile("^Final grade")).select_option("3")
            outcome.get_by_label(re.compile(r"^Rationale \(required\)")).fill(RATIONALE)
        who = page.get_by_role("group", name="Who took part")
        for box in who.get_by_role("checkbox").all():
            expect(box).to_be_checked()
        # The counsellor has not submitted: the consensus names who is missing, and why.
        expect(page.get_by_text("Not submitted yet: Counsellor.")).to_be_visible()
        who.get_by_role("checkbox", name=re.compile(r"^Counsellor")).uncheck()
        page.get_by_label(re.compile(r"^Why the consensus cannot wait")).fill(MISSING_REASON)
        page.get_by_role("button", name="Sign the decision").click()

        # Signed and locked: a correction would be a new decision with a reason.
        expect(flash(page, "The consensus decision was signed.")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile(r"^Signed decision"))).to_be_visible()
        main = page.get_by_role("main")
        expect(main).to_contain_text("Signed by Leena Opettaja")
        expect(main).to_contain_text(MISSING_REASON)
        took_part = page.locator("dt:has-text('Took part') + dd")
        expect(took_part).to_contain_text("Workplace tutor Pekka Työpaikkaohjaaja")
        expect(took_part).to_contain_text("Professional teacher Leena Opettaja")
        expect(took_part).not_to_contain_text("Counsellor")
        final = page.get_by_role("table", name="Final grades")
        expect(final.locator("tbody").get_by_role("row")).to_have_count(count)
        expect(final.locator("tbody").get_by_role("row").filter(has_text=RATIONALE)).to_have_count(
            count
        )
        expect(page.get_by_role("button", name="Sign the decision")).to_have_count(0)
        expect(page.get_by_role("heading", name="Correct this decision")).to_be_visible()
        expect(
            page.get_by_label(re.compile(r"^Why you correct the signed decision"))
        ).to_be_visible()
        assert_accessible(page, "the decision page, signed")

    # --- The candidate's page shows where the assessment stands. ---
    with signed_in(browser, live_server, COUNSELLOR) as page:
        page.goto(f"/placements/{PLACEMENT}")
        placement_section = page.get_by_role("region", name="Assessment")
        expect(placement_section).to_contain_text("consensus signed on")
        # The placement page names the candidate; the caseload leads to their page.
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Candidates", exact=True
        ).click()
        page.get_by_label("Name", exact=True).fill(candidate_name)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name=candidate_name, exact=True).click()
        expect(page).to_have_url(re.compile(r"/candidates/\d+$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(candidate_name)
        section = page.get_by_role("region", name="Assessment")
        expect(section).to_contain_text("2 of 3 ratings submitted")
        expect(section).to_contain_text(re.compile(r"consensus signed on \d{1,2} \w{3,4} \d{4}"))
        expect(section.get_by_role("link")).to_have_attribute("href", ASSESSMENT_PATH)
