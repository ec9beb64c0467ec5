"""Match review in a real browser: the issue's acceptance test.

A counsellor opens the suggestions for the first organisation's tutored position (position 1
in the demo: three places, two taken by demo placements 1 and 3, so one is free), reads why a
candidate scores as they do, rejects one candidate with a reason and proposes another. The
employer finds the proposal (a candidate number, no name), accepts it, and the placement
appears for the counsellor, the employer and the workplace tutor.

The two candidates are the first two eligible rows of the counsellor's caseload without a
decision yet, read from the page; so the test needs nothing but the demo seed. Every step
uses the controls' labels and roles, as a keyboard or screen-reader user would find them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import flash, signed_in

pytestmark = pytest.mark.e2e

COUNSELLOR = "counsellor@demo.test"
EMPLOYER = "employer@demo.test"
TUTOR = "tutor@demo.test"
# The first organisation's position tutored by tutor@demo.test, with a free place after the
# demo seed (demo/placements.py: placements 1 and 3 hold two of its three places).
POSITION = 1
POSITION_TITLE = "Warehouse worker"
ORGANISATION = "Savon Varastopalvelut Oy"

CANDIDATE_ROW_ID = re.compile(r"^candidate-(\d+)$")


@dataclass(frozen=True)
class Suggested:
    number: int
    name: str


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def eligible_table(page: Page) -> Locator:
    return page.get_by_role("table", name="Eligible candidates, best first")


def undecided_rows(page: Page) -> Locator:
    """Rows of the eligible table the counsellor can still decide on: no decision yet."""
    return (
        eligible_table(page)
        .get_by_role("row")
        .filter(has_text="No decision yet")
        .filter(has=page.locator("details.decide"))
    )


def suggested(row: Locator) -> Suggested:
    row_id = row.get_attribute("id") or ""
    found = CANDIDATE_ROW_ID.match(row_id)
    assert found, f"a suggestion row without a candidate id: {row_id!r}"
    name = row.get_by_role("rowheader").get_by_role("link").inner_text().strip()
    return Suggested(number=int(found.group(1)), name=name)


def row_of(page: Page, candidate: Suggested) -> Locator:
    return (
        eligible_table(page)
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name=candidate.name, exact=True))
    )


def decision_form(page: Page, candidate: Suggested) -> Locator:
    """The row's decision form, opened from its summary with the keyboard."""
    form = page.get_by_role("form", name=f"Decision on {candidate.name}")
    summary = row_of(page, candidate).locator("details.decide > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(form).to_be_visible()
    return form


def test_counsellor_proposes_employer_accepts_placement_for_everyone(
    browser: Browser, live_server: str
) -> None:
    # --- The counsellor reviews the suggestions for the position. ---
    with signed_in(browser, live_server, COUNSELLOR) as page:
        nav(page, "Positions")
        listed = page.get_by_role("row").filter(has_text=ORGANISATION)
        listed.get_by_role("link", name=POSITION_TITLE, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/positions/{POSITION}$"))
        page.get_by_role("link", name="Suggested candidates").click()
        expect(page).to_have_url(re.compile(rf"/positions/{POSITION}/suggestions"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            f"Suggested candidates: {POSITION_TITLE}"
        )
        # The ranking is advice, and the page says so.
        expect(page.get_by_role("note")).to_contain_text("This ranking is advice")

        rows = undecided_rows(page)
        expect(rows.nth(1)).to_be_visible()
        rejected = suggested(rows.nth(0))
        proposed = suggested(rows.nth(1))
        assert rejected != proposed

        # Read why the first one scores as they do (opened from the keyboard), and that the
        # parts add up to the score shown in the row.
        row = row_of(page, rejected)
        why = row.get_by_text("Why this score")
        why.focus()
        page.keyboard.press("Enter")
        expect(row.get_by_role("heading", name="How the score adds up")).to_be_visible()
        # An eligible candidate passes the position's filters: Finnish at A2, the region.
        expect(row.get_by_role("heading", name="Filters passed")).to_be_visible()
        lines = row.get_by_role("listitem")
        expect(lines.filter(has_text="Finnish A2 needed, has")).to_be_visible()
        expect(lines.filter(has_text="Position in North Savo")).to_be_visible()
        total = row.get_by_role("row", name=re.compile(r"^Score ")).get_by_role("cell")
        expect(total).to_have_text(re.compile(r"^\d+\.\d{4} %$"))
        score_cell = row.get_by_role("cell").nth(2)  # rank, stage, score (the name is a header)
        expect(score_cell).to_have_text(re.compile(r"^\d+\.\d %$"))
        parts_total = float(total.inner_text().removesuffix(" %"))
        rounded = float(score_cell.inner_text().removesuffix(" %"))
        assert abs(parts_total - rounded) <= 0.05 + 1e-9, (parts_total, rounded)

        # Reject the first with a reason and a note.
        form = decision_form(page, rejected)
        form.get_by_label(re.compile(r"^Reason")).select_option(
            label="Missing or too low competence"
        )
        form.get_by_label(re.compile(r"^Note")).fill("Needs more warehouse experience first (e2e).")
        form.get_by_role("button", name="Reject").click()
        expect(
            flash(page, f"Candidate no. {rejected.number}: Rejected. The decision is on record.")
        ).to_be_visible()
        rejected_row = row_of(page, rejected)
        expect(rejected_row).to_contain_text("Rejected: Missing or too low competence")
        expect(rejected_row).to_contain_text("Needs more warehouse experience first (e2e).")

        # Propose the second to the employer.
        decision_form(page, proposed).get_by_role("button", name="Propose to the employer").click()
        expect(
            flash(
                page,
                f"Candidate no. {proposed.number}: Proposed to the employer. "
                "The decision is on record.",
            )
        ).to_be_visible()
        proposed_row = row_of(page, proposed)
        expect(proposed_row).to_contain_text("Proposed to the employer")
        expect(proposed_row.locator("details.decide > summary")).to_have_text(
            "Withdraw the proposal…"
        )
        expect(
            decision_form(page, proposed).get_by_role("button", name="Withdraw the proposal")
        ).to_be_visible()

    number = f"Candidate no. {proposed.number}"

    # --- The employer finds the proposal (a number, no name) and accepts. ---
    with signed_in(browser, live_server, EMPLOYER) as page:
        nav(page, "Proposals")
        expect(page.get_by_role("heading", level=1)).to_have_text("Proposed candidates")
        # A candidate may also be proposed for another of the employer's positions.
        proposal = (
            page.get_by_role("row")
            .filter(has=page.get_by_role("cell", name=number, exact=True))
            .filter(has_text=POSITION_TITLE)
        )
        expect(proposal).to_have_count(1)
        expect(page.get_by_role("main")).not_to_contain_text(proposed.name)
        proposal.get_by_role("link", name=re.compile(r"^Review and answer")).click()

        expect(page).to_have_url(re.compile(rf"/positions/{POSITION}/proposals/{proposed.number}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(number)
        expect(page.get_by_role("heading", name="Competences")).to_be_visible()
        main = page.get_by_role("main")
        expect(main).not_to_contain_text(proposed.name)
        expect(main.locator("a[href^='mailto:']")).to_have_count(0)  # no contact details yet
        page.get_by_role("button", name="Accept the candidate").click()

        expect(page).to_have_url(re.compile(r"/placements/\d+$"))
        expect(flash(page, "You accepted the candidate.")).to_be_visible()
        placement_url = page.url
        placement_path = re.sub(r"^https?://[^/]+", "", placement_url)
        # Now the name is shown, with the placement's status.
        expect(page.get_by_role("heading", level=1)).to_contain_text(proposed.name)
        expect(page.get_by_role("main")).to_contain_text("Agreed")
        nav(page, "Placements")
        expect(page.get_by_role("link", name=proposed.name, exact=True)).to_be_visible()
        # The proposal is answered: no longer waiting.
        nav(page, "Proposals")
        expect(
            page.get_by_role("row")
            .filter(has=page.get_by_role("cell", name=number, exact=True))
            .filter(has_text=POSITION_TITLE)
        ).to_have_count(0)

    # --- The counsellor sees the placement. ---
    with signed_in(browser, live_server, COUNSELLOR) as page:
        nav(page, "Placements")
        link = page.get_by_role("link", name=proposed.name, exact=True)
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(re.compile(rf"{re.escape(placement_path)}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(proposed.name)
        expect(page.get_by_role("main")).to_contain_text("Agreed")

    # --- The workplace tutor sees it too (the position's tutor is theirs). ---
    with signed_in(browser, live_server, TUTOR) as page:
        nav(page, "Placements")
        link = page.get_by_role("link", name=proposed.name, exact=True)
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(re.compile(rf"{re.escape(placement_path)}$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(proposed.name)
