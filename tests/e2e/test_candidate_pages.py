"""A candidate's own pages in a real browser: the invitation, the home page, the consents.

1. End to end on a phone: the counsellor invites the first candidate of the caseload who has
   an e-mail address and no account and copies the link that the development aid shows (the
   test server runs with ``ISOK_ENV=development``); the candidate, in a browser of their own
   on a 375 x 812 screen, sets a password, signs in, finds their own record and nobody
   else's, withdraws the consent to share with partner employers and sees it confirmed.
2. The certified demo candidate (``candidate@demo.test``) reads their home in Finnish on a
   phone: every section under a Finnish heading, no English left, nothing scrolls sideways,
   and the certificate's PDF downloads.
3. axe-core finds nothing on the candidate's pages (``/home``, ``/my/portfolio``,
   ``/my/corrections``, ``/my/data``, ``/my/consents``, also with a form error) in English, in
   Finnish and turned right to left, nor on the counsellor's invitation page.
4. The consent buttons are reached with Tab and pressed with Enter.

What other tests rely on is put back: a consent to share with employers withdrawn here is
given again, and an account switched to Finnish is switched back (the account keeps its
language). What stays: the invited candidate's account, a new unused link for the demo
candidate, and the demo candidate's consent records (the last one for a named organisation is
a withdrawal). The module must run before ``test_certificates.py`` (it does, in name order):
that test supersedes and revokes the demo candidate's certificate, after which there is no
PDF to download.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import (
    DEMO_PASSWORD,
    HOME_URL,
    assert_accessible,
    flash,
    new_context,
    paths,
    signed_in,
)
from tests.e2e.test_finnish import PAGE_TEXTS, PLACEHOLDER, english_on
from tests.e2e.test_reflow import in_language

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
COUNSELLOR = "counsellor@demo.test"
CANDIDATE = "candidate@demo.test"
NEW_PASSWORD = "Oma-sivu-salasana-2026"
RESET_PATH = re.compile(r"^/password/reset/[A-Za-z0-9_-]{20,}$")
CANDIDATE_PATH = re.compile(r"^/candidates/(\d+)$")
PDF_TIMEOUT = 60_000  # WeasyPrint renders on request

SHARING = "Sharing a profile with partner employers"
GIVEN = "Thank you. Your consent is saved."
WITHDRAWN = "Your consent is withdrawn. It applies from now on."

# The candidate's home, in page order (the notes show because the demo counsellor shared one
# with the demo candidate).
HOME_SECTIONS = (
    "Your path",
    "Your details",
    "Your competences",
    "Your interviews",
    "Your on-the-job training",
    "Your assessment results",
    "Your certificates",
    "Notes from your counsellor",
    "Your consents",
)
# The templates of the candidate's own pages: their English must not show in Finnish.
OWN_TEMPLATES = (
    "templates/candidates/own_home.html",
    "templates/candidates/own_consents.html",
    "templates/certificates/_own.html",
    "templates/assessments/_own_results.html",
    "templates/placements/lifecycle/_own_placements.html",
)
MESSAGE = re.compile(
    r'\b(?:_|gettext|ngettext)\(\s*"((?:[^"\\]|\\.)+)"(?:\s*,\s*"((?:[^"\\]|\\.)+)")?'
)


@cache
def finnish_catalogue() -> dict[str, str]:
    """The Finnish catalogue's translated messages (not fuzzy, not empty), by English text."""
    with (ROOT / "kit/locale/fi/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    return {
        message.id: message.string
        for message in catalogue
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and message.id
        and message.string
        and not message.fuzzy
    }


@cache
def own_template_phrases() -> frozenset[str]:
    """The English phrases of the own pages' templates (two words or more, as
    ``test_finnish`` reads the catalogue): found whether or not the catalogue has them yet."""
    phrases: set[str] = set()
    for template in OWN_TEMPLATES:
        for found in MESSAGE.finditer((ROOT / template).read_text(encoding="utf-8")):
            for source in filter(None, found.groups()):
                whole = not PLACEHOLDER.search(source)
                for fragment in PLACEHOLDER.split(source):
                    fragment = fragment.strip(" .,:;()“”\"'–-")
                    if fragment.count(" ") >= (1 if whole else 2) and len(fragment) >= 8:
                        phrases.add(fragment)
    return frozenset(phrases)


def english_left(page: Page) -> list[str]:
    """English on the page: the catalogue's messages, and the own templates' phrases."""
    text, _ = page.evaluate(PAGE_TEXTS, "h1")
    text = " ".join(text.split())
    found = {phrase for phrase in own_template_phrases() if phrase in text}
    return sorted(found.union(english_on(page)))


def untranslated_headings(page: Page, level: int, messages: tuple[str, ...]) -> list[str]:
    """What is wrong with the page's headings of ``level`` in Finnish: each message must
    show as its Finnish translation; an English heading or a missing one is named."""
    heading = page.get_by_role("main").get_by_role("heading", level=level)
    shown = [" ".join(text.split()) for text in heading.all_inner_texts()]
    problems = []
    for message in messages:
        finnish = finnish_catalogue().get(message)
        if finnish and finnish in shown:
            continue
        if message in shown:
            problems.append(
                f"h{level} {message!r} is in English"
                + ("" if finnish else " (the catalogue has no Finnish for it)")
            )
        else:
            problems.append(f"no h{level} {finnish or message!r}; the page shows {shown}")
    return problems


def scrolls_sideways(page: Page) -> str | None:
    """The widths when the page is wider than the screen, else None."""
    width, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return f"scrollWidth {width} > clientWidth {client}" if width > client else None


@contextmanager
def signed_in_phone(
    browser: Browser, live_server: str, email: str, password: str = DEMO_PASSWORD
) -> Iterator[Page]:
    """A page on a 375 x 812 screen in its own context, signed in as ``email``."""
    context = new_context(browser, live_server, phone=True)
    page = context.new_page()
    try:
        sign_in(page, email, password)
        yield page
    finally:
        context.close()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(HOME_URL)


def consent_section(page: Page, label: str) -> Locator:
    return page.get_by_role("region", name=label, exact=True)


def fact(page: Page, term: str) -> Locator:
    return page.locator(f"dl.facts dt:text-is('{term}') + dd")


def tab_to(page: Page, target: Locator, limit: int = 40) -> int:
    """Press Tab until ``target`` has the keyboard focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            return presses
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(f"{limit} presses of Tab never reached {target}; focus on {focused}")


def assert_focus_visible(target: Locator) -> None:
    """The focused control shows it (WCAG 2.4.7): an outline or a ring of shadow."""
    style = target.evaluate(
        "(e) => { const s = getComputedStyle(e);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    outline, width, shadow = style
    assert (outline != "none" and width != "0px") or shadow != "none", style


def invitable_candidate(page: Page) -> tuple[str, str, str]:
    """The first candidate of the counsellor's caseload with an e-mail and no account, on
    their page: (the page's path, the name, the e-mail address)."""
    page.goto("/candidates")
    rows = page.get_by_role("table").get_by_role("rowheader").get_by_role("link")
    records = [
        (path, name.strip())
        for path, name in zip(
            [link.get_attribute("href") or "" for link in rows.all()],
            rows.all_inner_texts(),
            strict=True,
        )
        if CANDIDATE_PATH.match(path)
    ]
    assert records, "the caseload lists no candidates"
    for path, name in records:
        page.goto(path)
        section = page.get_by_role("region", name="The candidate's own pages")
        email = fact(page, "E-mail").inner_text().strip()
        if "@" in email and section.get_by_role("button", name="Invite to their own pages").count():
            return path, name, email
    raise AssertionError(f"none of the {len(records)} candidates on the caseload can be invited")


def test_invited_candidate_sets_a_password_and_withdraws_a_consent_on_a_phone(
    browser: Browser, live_server: str
) -> None:
    # --- The counsellor invites a candidate and copies the link. ---
    with signed_in(browser, live_server, COUNSELLOR) as counsellor:
        record_path, name, email = invitable_candidate(counsellor)
        counsellor.goto("/candidates")
        others = [
            other.strip()
            for other in counsellor.get_by_role("table").get_by_role("rowheader").all_inner_texts()
            if other.strip() and other.strip() != name and other.strip() not in name
        ]
        other_path = next(
            p
            for p in paths(counsellor, "main table a[href]")
            if CANDIDATE_PATH.match(p) and p != record_path
        )
        counsellor.goto(record_path)
        section = counsellor.get_by_role("region", name="The candidate's own pages")
        expect(section).to_contain_text("The candidate has no account yet.")
        section.get_by_role("button", name="Invite to their own pages").click()

        expect(counsellor.get_by_role("heading", level=1)).to_have_text(
            f"Invitation on its way to {name}"
        )
        expect(counsellor.get_by_role("status")).to_contain_text(email)
        link = counsellor.get_by_label("Link in the e-mail")
        expect(link).to_have_attribute("readonly", "")
        reset_path = urlsplit(link.input_value()).path
        assert RESET_PATH.match(reset_path), link.input_value()

        # --- The candidate, on a phone, sets a password and signs in. ---
        context = new_context(browser, live_server, phone=True)
        try:
            page = context.new_page()
            page.goto(reset_path)
            expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
            expect(page.get_by_label("E-mail address")).to_have_value(email)
            page.get_by_label("New password", exact=False).first.fill(NEW_PASSWORD)
            page.get_by_label("The new password again", exact=False).fill(NEW_PASSWORD)
            page.get_by_role("button", name="Set the password").click()
            expect(page).to_have_url(re.compile(r"/login$"))
            expect(flash(page, "Your password is set.")).to_be_visible()
            sign_in(page, email, NEW_PASSWORD)

            # Their own record, and nobody else's.
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
            expect(fact(page, "Name")).to_have_text(name)
            expect(fact(page, "E-mail")).to_have_text(email)
            main_text = page.get_by_role("main").inner_text()
            assert not [other for other in others if other in main_text], others
            # The menu holds the candidate's own pages only, and each of them opens.
            menu = paths(page, "header nav a[href]")
            assert menu[0] == "/home", menu
            assert all(path.startswith("/my/") for path in menu[1:]), menu
            for path in menu:
                opened = page.goto(path)
                assert opened is not None, path
                assert opened.status == 200, f"{path} in the menu answered {opened.status}"
            refused = page.goto(other_path)
            assert refused is not None, other_path
            assert refused.status in (403, 404), f"{other_path} answered {refused.status}"
            page.goto("/home")
            assert_accessible(page, "a newly invited candidate's home on a phone")
            assert scrolls_sideways(page) is None, scrolls_sideways(page)

            # --- They withdraw the consent to share with employers (given first if need be).
            page.get_by_role("link", name="Give or withdraw your consents").click()
            expect(page).to_have_url(re.compile(r"/my/consents$"))
            sharing = consent_section(page, SHARING)
            withdraw = sharing.get_by_role("button", name="Withdraw this consent")
            agree = sharing.get_by_role("button", name="I agree")
            was_given = withdraw.count() == 1
            try:
                if not was_given:
                    agree.click()
                    expect(flash(page, GIVEN)).to_be_visible()
                withdraw.click()
                expect(page).to_have_url(re.compile(r"/my/consents$"))
                expect(flash(page, WITHDRAWN)).to_be_visible()
                expect(sharing).to_contain_text("withdrawn")
                expect(agree).to_be_visible()
                expect(withdraw).to_have_count(0)
                page.get_by_role("link", name="Back to your pages").click()
                expect(
                    page.get_by_role("region", name="Your consents").get_by_role("listitem")
                ).to_contain_text([f"{SHARING}: withdrawn"])
            finally:
                # Give it back: other tests find this candidate among those who share.
                if was_given:
                    page.goto("/my/consents")
                    if agree.count():
                        agree.click()
                        expect(flash(page, GIVEN)).to_be_visible()
        finally:
            context.close()

        # --- The counsellor sees that the candidate has signed in. ---
        counsellor.goto(record_path)
        expect(section).to_contain_text(f"The candidate has an account ({email})")
        expect(
            section.get_by_role("button", name="Send a new link to set a password")
        ).to_be_visible()


def test_demo_candidate_reads_their_home_in_finnish_on_a_phone(
    browser: Browser, live_server: str
) -> None:
    with signed_in_phone(browser, live_server, CANDIDATE) as page, in_language(page, "fi"):
        page.goto("/home")
        main = page.get_by_role("main")
        current = main.locator('[aria-current="step"]')
        expect(current).to_have_count(1)
        expect(current).to_contain_text(finnish_catalogue()["Certified"])
        assert scrolls_sideways(page) is None, f"/home in Finnish: {scrolls_sideways(page)}"

        # The certificate's PDF downloads, and is a PDF.
        pdf_link = main.locator('a[href$="/certificate.pdf"]')
        expect(pdf_link).to_have_count(1)
        with page.expect_download(timeout=PDF_TIMEOUT) as started:
            pdf_link.click()
        download = started.value
        assert download.failure() is None, download.failure()
        assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
        assert download.path().read_bytes().startswith(b"%PDF-")

        problems = untranslated_headings(page, 2, HOME_SECTIONS)
        hello = finnish_catalogue().get("Hello, %(name)s")
        name = page.locator("header .who .name").inner_text().strip()
        heading = " ".join(main.get_by_role("heading", level=1).inner_text().split())
        if hello is None or heading != hello % {"name": name}:
            problems.append(f"h1 {heading!r} is not the Finnish of 'Hello, %(name)s'")
        english = {"/home": english_left(page)}

        page.goto("/my/consents")
        expect(page.locator("html")).to_have_attribute("lang", "fi")
        assert scrolls_sideways(page) is None, f"/my/consents in Finnish: {scrolls_sideways(page)}"
        problems += untranslated_headings(page, 1, ("Your consents",))
        english["/my/consents"] = english_left(page)

        english = {path: left for path, left in english.items() if left}
        assert (problems, english) == ([], {}), (
            f"the candidate's pages in Finnish: {problems}; English left: {english}"
        )


@pytest.mark.parametrize("variant", ["en", "fi", "rtl"])
def test_candidate_pages_pass_axe_on_a_phone(
    browser: Browser, live_server: str, variant: str
) -> None:
    language = "fi" if variant == "fi" else "en"
    with signed_in_phone(browser, live_server, CANDIDATE) as page, in_language(page, language):

        def check(what: str) -> None:
            if variant == "rtl":
                page.evaluate("() => { document.documentElement.dir = 'rtl'; }")
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert scrolls_sideways(page) is None, f"{what}: {scrolls_sideways(page)}"
            assert_accessible(page, f"{what} ({variant}) on a phone")

        for path in ("/home", "/my/portfolio", "/my/corrections", "/my/data", "/my/consents"):
            response = page.goto(path)
            assert response is not None, path
            assert response.status == 200, f"{path} answered {response.status}"
            check(path)

        # A named organisation's consent with no organisation chosen: the form's error.
        named = page.locator('section[aria-labelledby="consent-named-heading"]')
        named.locator('button[name="decision"][value="given"]').click()
        expect(page.get_by_role("alert")).to_be_visible()
        expect(named.get_by_role("combobox")).to_have_attribute("aria-invalid", "true")
        check("/my/consents with an error")


def test_counsellors_invitation_page_passes_axe(browser: Browser, live_server: str) -> None:
    # The demo candidate has an account: a new link leaves their password as it is.
    with signed_in(browser, live_server, COUNSELLOR) as page:
        page.goto("/candidates?stage=certified")
        link = page.get_by_role("table").get_by_role("rowheader").get_by_role("link").first
        name = link.inner_text().strip()
        link.click()
        section = page.get_by_role("region", name="The candidate's own pages")
        expect(section).to_contain_text(f"({CANDIDATE})")
        assert_accessible(page, "a candidate's page with their own account")
        section.get_by_role("button", name="Send a new link to set a password").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Invitation on its way to {name}"
        )
        expect(page.get_by_role("status")).to_contain_text(CANDIDATE)
        link_value = page.get_by_label("Link in the e-mail").input_value()
        assert RESET_PATH.match(urlsplit(link_value).path), link_value
        assert_accessible(page, "the invitation page")


def test_consent_buttons_work_with_the_keyboard(browser: Browser, live_server: str) -> None:
    with signed_in_phone(browser, live_server, CANDIDATE) as page:
        page.goto("/my/consents")
        sharing = consent_section(page, SHARING)
        withdraw = sharing.get_by_role("button", name="Withdraw this consent")
        agree = sharing.get_by_role("button", name="I agree")
        expect(withdraw).to_be_visible()  # the demo candidate shares with employers

        tab_to(page, withdraw)
        assert_focus_visible(withdraw)
        page.keyboard.press("Enter")
        expect(flash(page, WITHDRAWN)).to_be_visible()
        expect(sharing).to_contain_text("withdrawn")

        tab_to(page, agree)
        assert_focus_visible(agree)
        page.keyboard.press("Enter")
        expect(flash(page, GIVEN)).to_be_visible()
        expect(withdraw).to_be_visible()

        # A named organisation: choose it with the arrow key, agree, withdraw again.
        named = consent_section(page, "Sharing with a named organisation")
        organisation = named.get_by_label("Organisation")
        tab_to(page, organisation)
        page.keyboard.press("ArrowDown")
        expect(organisation).not_to_have_value("")
        chosen = organisation.evaluate("(select) => select.selectedOptions[0].text")
        page.keyboard.press("Tab")
        named_agree = named.get_by_role("button", name="I agree")
        expect(named_agree).to_be_focused()
        page.keyboard.press("Enter")
        expect(flash(page, GIVEN)).to_be_visible()
        line = named.get_by_role("listitem").filter(has_text=chosen)
        expect(line).to_contain_text("given")
        named_withdraw = line.get_by_role("button", name=f"Withdraw ({chosen})")
        tab_to(page, named_withdraw)
        assert_focus_visible(named_withdraw)
        page.keyboard.press("Enter")
        expect(flash(page, WITHDRAWN)).to_be_visible()
        expect(line).to_contain_text("withdrawn")
        expect(named_withdraw).to_have_count(0)
