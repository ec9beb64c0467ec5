"""Certificates in a real browser: the issue's browser test.

Demo placement 3 is completed, its consensus decision signed, and the demo counsellor issued
its certificate in Finnish. In one story:

1. The counsellor opens the placement's decision page, finds the Finnish certificate listed,
   issues it again in English and lands on the new certificate's page, which gives the
   verification link; the PDF and the signed credential download for real.
2. On a 375 x 812 phone screen, a browser with no sign-in types the code at ``/verify`` with the
   keyboard (lower case, no hyphens), presses Enter and sees "Valid", the candidate's name and
   the outcomes; the old Finnish certificate says "Superseded" and links to the new one.
3. The coordinator revokes the new certificate with a reason and a private note.
4. The visitor reloads: "Revoked", today's date (programme time) and the reason; never the note.

axe-core (axe-playwright-python) checks the decision page, the certificate page, the public
form and the public results. The story shares the session's server and changes placement 3's
certificates, so it is one test, in order; no other module depends on placement 3.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from kit.clock import today
from kit.i18n import format_date
from tests.e2e.browser import (
    anonymous_phone,
    assert_accessible,
    flash,
    signed_in,
)

pytestmark = pytest.mark.e2e

COUNSELLOR = "counsellor@demo.test"
COORDINATOR = "coordinator@demo.test"
PLACEMENT = 3
DECISION_PATH = f"/placements/{PLACEMENT}/assessment/decision"

# 20 characters of Crockford base 32 (no I, L, O, U) in five groups of four.
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")
CERTIFICATE_URL = re.compile(r"/certificates/([0-9A-Z-]+)$")
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
GRADE = re.compile(r"^[1-5] (satisfactory|good|excellent)$")
REASON = "Issued in error"
NOTE = "Wrong end date on the placement; see the coordinator's e-mail of today (e2e)."
PDF_TIMEOUT = 60_000  # WeasyPrint renders on request


def verdict(page: Page) -> Locator:
    """The certificate's standing: a status line that starts with Valid, Revoked or Superseded."""
    return page.get_by_role("status").filter(has_text=re.compile(r"^(Valid|Revoked|Superseded)"))


def listed(section: Locator, code: str) -> Locator:
    """The line of a certificates section that links to the certificate ``code``."""
    return section.get_by_role("listitem").filter(has=section.page.get_by_role("link", name=code))


def fact(page: Page, term: str) -> Locator:
    return page.locator(f"dl.facts dt:text-is('{term}') + dd")


def base64url_json(part: str) -> dict[str, Any]:
    """A JWT part (unpadded base64url) read as the JSON object it holds."""
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def test_issue_verify_by_code_revoke_and_see_revoked(browser: Browser, live_server: str) -> None:
    # --- The counsellor issues the certificate again, in English. ---
    with signed_in(browser, live_server, COUNSELLOR) as page:
        page.goto(DECISION_PATH)
        expect(page.get_by_role("heading", level=1)).to_have_text("Consensus decision")
        section = page.get_by_role("region", name="Certificates")
        lines = section.get_by_role("listitem")
        expect(lines).to_have_count(1)
        old_code = lines.first.get_by_role("link").first.inner_text().strip()
        assert CODE.match(old_code), old_code
        expect(lines.first).to_contain_text("valid")
        issue = section.get_by_role("button", name="Issue again in this language")
        expect(issue).to_be_visible()
        assert_accessible(page, "the decision page with its certificate")

        # The demo certificate is the Finnish one.
        lines.first.get_by_role("link", name=old_code).click()
        expect(page).to_have_url(re.compile(rf"/certificates/{old_code}$"))
        expect(fact(page, "Language")).to_have_text("Finnish")
        page.go_back()

        section.get_by_label("Language of the certificate").select_option(label="English")
        issue.click()
        expect(flash(page, "The certificate was issued.")).to_be_visible()
        expect(page).to_have_url(CERTIFICATE_URL)
        landed = CERTIFICATE_URL.search(page.url)
        assert landed is not None, page.url
        code = landed.group(1)
        assert CODE.match(code), code
        assert code != old_code
        # The page's own h1 (the certificate's body has its title as an h1 too).
        expect(page.get_by_role("heading", level=1).first).to_have_text(f"Certificate {code}")
        expect(verdict(page)).to_have_text(re.compile(r"^Valid"))
        expect(fact(page, "Language")).to_have_text("English")
        link = page.get_by_label("Verification link")
        expect(link).to_have_attribute("readonly", "")
        verify_path = urlsplit(link.input_value()).path
        assert verify_path == f"/verify/{code}", link.input_value()

        body = page.locator("article.certificate")
        expect(body).to_have_attribute("lang", "en")
        candidate_name = body.locator(".certificate-recipient-name").inner_text().strip()
        assert candidate_name
        # The outcome rows: a row header and cells (a unit's row is a header alone).
        outcome_rows = body.get_by_role("row").filter(has=page.get_by_role("cell"))
        expect(outcome_rows.first).to_be_visible()
        outcome_name = outcome_rows.first.get_by_role("rowheader").inner_text().strip()
        expect(outcome_rows.first.get_by_role("cell").first).to_have_text(GRADE)
        assert_accessible(page, "the new certificate's page")

        # The downloads are real: an A4 PDF, and a signed credential (a VC-JWT).
        pdf_href = page.get_by_role("link", name="Download the PDF").get_attribute("href")
        assert pdf_href == f"/certificates/{code}/certificate.pdf"
        pdf = page.request.get(pdf_href, timeout=PDF_TIMEOUT)
        assert pdf.status == 200, pdf.text()[:500]
        assert pdf.headers["content-type"].startswith("application/pdf")
        assert pdf.body().startswith(b"%PDF")

        jwt_href = page.get_by_role("link", name=re.compile(r"^Download the digital credential"))
        credential = page.request.get(jwt_href.get_attribute("href") or "")
        assert credential.status != 503, (
            f"the credential cannot be signed: no signing key? {credential.text()[:500]}"
        )
        assert credential.status == 200, credential.text()[:500]
        assert credential.headers["content-type"].startswith("application/vc+jwt")
        token = credential.text().strip()
        parts = token.split(".")
        assert len(parts) == 3, token[:200]
        assert all(BASE64URL.match(part) for part in parts), token[:200]
        assert base64url_json(parts[0])["alg"] == "EdDSA"
        payload = base64url_json(parts[1])
        assert "OpenBadgeCredential" in payload["type"]

        # The placement page lists both: the Finnish one superseded, the English one valid.
        page.get_by_role("link", name="The placement").click()
        section = page.get_by_role("region", name="Certificates")
        expect(section.get_by_role("listitem")).to_have_count(2)
        expect(listed(section, old_code)).to_contain_text("superseded")
        expect(listed(section, code)).to_contain_text("valid")

    with anonymous_phone(browser, live_server) as visitor:
        # --- A visitor with no account types the code, loosely, and sees it valid. ---
        visitor.goto("/verify")
        expect(visitor.get_by_role("heading", level=1)).to_have_text("Check a certificate")
        assert_accessible(visitor, "/verify on a phone")
        visitor.get_by_label("Certificate code").click()
        visitor.keyboard.type(code.replace("-", "").lower())
        visitor.keyboard.press("Enter")
        expect(visitor).to_have_url(re.compile(rf"/verify/{code}$"))
        expect(visitor.get_by_role("heading", level=1).first).to_have_text(f"Certificate {code}")
        expect(verdict(visitor)).to_have_text(re.compile(r"^Valid"))
        main = visitor.get_by_role("main")
        expect(main).to_contain_text(candidate_name)
        outcome = main.get_by_role("row", name=outcome_name)
        expect(outcome.get_by_role("cell").first).to_have_text(GRADE)
        assert_accessible(visitor, "a valid certificate's verification page on a phone")

        # The Finnish certificate it replaced says so, and leads to the new one.
        visitor.goto(f"/verify/{old_code}")
        expect(verdict(visitor)).to_have_text(re.compile(r"^Superseded"))
        verdict(visitor).get_by_role("link", name=re.compile(code)).click()
        expect(visitor).to_have_url(re.compile(rf"/verify/{code}$"))
        expect(verdict(visitor)).to_have_text(re.compile(r"^Valid"))

        # --- The coordinator revokes it, with a reason and a note for the records. ---
        with signed_in(browser, live_server, COORDINATOR) as page:
            page.goto(f"/certificates/{code}")
            revoke = page.get_by_role("region", name="Revoke the certificate")
            revoke.get_by_label("Reason").select_option(label=REASON)
            revoke.get_by_label("Note for the records (not public)").fill(NOTE)
            before = format_date(today())
            revoke.get_by_role("button", name="Revoke").click()
            expect(flash(page, "The certificate was revoked.")).to_be_visible()
            after = format_date(today())
            expect(verdict(page)).to_have_text(re.compile(r"^Revoked"))
            expect(fact(page, "Revocation note")).to_have_text(NOTE)
            expect(page.get_by_role("button", name="Revoke")).to_have_count(0)

        # --- The visitor's page says revoked at once: when and why, never the note. ---
        visitor.reload()
        standing = verdict(visitor)
        expect(standing).to_have_text(re.compile(r"^Revoked"))
        expect(standing).to_contain_text(REASON)
        standing_text = standing.inner_text()
        assert before in standing_text or after in standing_text, standing_text
        assert NOTE not in visitor.content()
        assert_accessible(visitor, "a revoked certificate's verification page on a phone")
