"""Candidates' own accounts: the counsellor's invitation, the candidate's home, their consents
and certificates, and that an own account reaches nothing else (candidates/own.py,
candidates/own_pages.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import html
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.models import Notification, PasswordReset, User
from accounts.notices import notify
from accounts.password_links import FIRST_PASSWORD_HOURS
from accounts.tokens import as_utc
from assessments.models import AssessmentDecision, Rating, RatingSheet
from candidates import consent, own
from candidates.models import (
    Candidate,
    Claim,
    ConsentRecord,
    EvidenceItem,
    GuidanceNote,
    Interview,
    RecordOpening,
    VerifiedCompetence,
)
from certificates import issuing
from certificates.models import Certificate
from demo.certificates import SHARED_NOTE
from kit.audit import AuditEvent
from kit.invalid import Invalid
from kit.notices import Notice
from kit.roles import Role
from kit.settings import Settings
from placements.models import Placement, SuggestionDecision
from portal.app import create_app
from portal.policy import ROUTE_POLICY
from reporting.models import Outcome
from tests.candidates.conftest import Database, MakeCandidate
from tests.candidates.test_records import post_form
from tests.certificates.conftest import COUNSELLOR, PLACEMENT, sign_decision
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_accounts_passwords import RESET_LINK
from tests.portal.test_policy import PATH_VALUES

pytestmark = pytest.mark.both_databases

CANDIDATE = DEMO_USERS["candidate"]
# What a candidate must never read on their own pages.
INTERNAL = {
    "interview": "Interview note for staff only",
    "verified": "Teacher's note on the verified level",
    "suggestion": "Suggestion note for staff only",
    "rating": "Assessor's own rating note",
    "decision": "Why the others did not sign",
}


async def own_record(db: Database) -> int:
    """The id of the demo candidate's own record (linked to candidate@demo.test)."""
    user_id = await db.user_id(CANDIDATE)
    return int(await db.scalar(select(Candidate.id).where(Candidate.user_id == user_id)))


async def own_code(db: Database, candidate_id: int) -> str:
    return str(
        await db.scalar(select(Certificate.code).where(Certificate.candidate_id == candidate_id))
    )


async def invite(client: AsyncTestClient, candidate_id: int) -> Any:
    return await post_form(client, f"/candidates/{candidate_id}/account", {})


def reset_path(page: str) -> str:
    """The first-password link the development aid shows on the invitation page."""
    found = RESET_LINK.search(page)
    assert found is not None, page
    return found.group(1)


async def accounts_with(db: Database, email: str) -> int:
    return await db.count(User, User.email == email)


async def links_of(db: Database, email: str) -> list[PasswordReset]:
    async with db.session() as session:
        statement = (
            select(PasswordReset)
            .join(User, User.id == PasswordReset.user_id)
            .where(User.email == email)
            .order_by(PasswordReset.id)
        )
        return list((await session.scalars(statement)).all())


async def linked_account(db: Database, candidate_id: int) -> int | None:
    found = await db.scalar(select(Candidate.user_id).where(Candidate.id == candidate_id))
    return int(found) if found is not None else None


async def execute(db: Database, *statements: Any) -> None:
    async with db.session() as session, session.begin():
        for statement in statements:
            await session.execute(statement)


async def consents_of(db: Database, candidate_id: int) -> list[ConsentRecord]:
    async with db.session() as session:
        statement = (
            select(ConsentRecord)
            .where(ConsentRecord.candidate_id == candidate_id)
            .order_by(ConsentRecord.id)
        )
        return list((await session.scalars(statement)).all())


async def sharing(db: Database) -> set[int]:
    async with db.session() as session:
        return await consent.candidates_sharing_with_employers(session)


async def decide(client: AsyncTestClient, **form: str) -> Any:
    return await post_form(client, "/my/consents", form)


# --- The invitation -------------------------------------------------------------------------


async def test_an_invited_candidate_sets_a_password_with_the_link_and_sees_their_own_record(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(name="Amina Own", email="  Amina.Own@Example.FI ")
    await sign_in(client, DEMO_USERS["counsellor"])
    detail = await client.get(f"/candidates/{candidate}")
    assert "The candidate has no account yet." in detail.text

    response = await invite(client, candidate)

    assert response.status_code == 201, response.text
    assert "Invitation on its way to Amina Own" in response.text
    assert "amina.own@example.fi" in response.text
    assert response.headers["cache-control"] == "no-store"
    async with db.session() as session:
        user = (
            await session.execute(select(User).where(User.email == "amina.own@example.fi"))
        ).scalar_one()
        assert (user.role, user.name, user.organisation_id) == (Role.CANDIDATE, "Amina Own", None)
        events = (
            await session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "invite_candidate",
                    AuditEvent.entity_id == str(candidate),
                )
            )
        ).all()
        assert [event.actor_id for event in events] == [await db.user_id(DEMO_USERS["counsellor"])]
    assert await linked_account(db, candidate) == user.id
    [link] = await links_of(db, "amina.own@example.fi")
    lifetime = as_utc(link.expires_at) - datetime.datetime.now(datetime.UTC)
    hours = datetime.timedelta(hours=FIRST_PASSWORD_HOURS)
    assert hours - datetime.timedelta(minutes=5) < lifetime <= hours
    detail = await client.get(f"/candidates/{candidate}")
    assert "was invited (amina.own@example.fi) but has not signed in yet" in detail.text

    path = reset_path(response.text)
    client.cookies.clear()
    assert (await client.get(path)).status_code == 200
    done = await post_form(
        client, path, {"password": "amina-own-secret", "password_confirm": "amina-own-secret"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/login"
    await sign_in(client, "amina.own@example.fi", "amina-own-secret")
    home = await client.get("/home")
    assert home.status_code == 200
    assert "Hello, Amina Own" in home.text
    assert "Amina.Own@Example.FI" in home.text  # the record's own address, as kept
    assert "Fadi Al-Jubouri" not in home.text
    assert (await client.get("/my/consents")).status_code == 200
    # The link worked once.
    assert (await client.get(path)).status_code == 404


async def test_inviting_again_sends_a_new_link_to_the_same_account(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(email="twice@example.fi")
    await sign_in(client, DEMO_USERS["counsellor"])
    first = await invite(client, candidate)
    assert first.status_code == 201
    account = await linked_account(db, candidate)
    detail = await client.get(f"/candidates/{candidate}")
    assert "Send a new link to set a password" in detail.text

    again = await invite(client, candidate)

    assert again.status_code == 201, again.text
    assert await accounts_with(db, "twice@example.fi") == 1
    assert await linked_account(db, candidate) == account
    assert [link.user_id for link in await links_of(db, "twice@example.fi")] == [account] * 2
    assert reset_path(first.text) != reset_path(again.text)
    # Using the newer link ends the older one.
    client.cookies.clear()
    done = await post_form(
        client,
        reset_path(again.text),
        {"password": "twice-secret-1", "password_confirm": "twice-secret-1"},
    )
    assert done.status_code == 303
    assert (await client.get(reset_path(first.text))).status_code == 404


async def test_the_link_is_on_screen_only_in_development(
    settings: Settings, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(email="production@example.fi")
    production = dataclasses.replace(settings, env="production")
    async with AsyncTestClient(
        app=create_app(production), base_url="http://testserver.local"
    ) as client:
        await sign_in(client, DEMO_USERS["counsellor"])
        response = await invite(client, candidate)
    assert response.status_code == 201, response.text
    assert "Invitation on its way" in response.text
    assert "/password/reset/" not in response.text
    assert "Development aid" not in response.text
    assert len(await links_of(db, "production@example.fi")) == 1


async def test_the_coordinator_invites_any_candidate_and_a_counsellor_only_those_they_see(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    outside = await make_candidate(by=DEMO_USERS["coordinator"], email="outside@example.fi")
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await invite(client, outside)).status_code == 404
    assert (await invite(client, 999_999)).status_code == 404
    assert await accounts_with(db, "outside@example.fi") == 0

    await sign_in(client, DEMO_USERS["coordinator"])
    response = await invite(client, outside)
    assert response.status_code == 201, response.text
    assert await accounts_with(db, "outside@example.fi") == 1


@pytest.mark.parametrize("role", ["teacher", "employer", "tutor", "steering", "candidate"])
async def test_no_other_role_may_invite_not_even_a_teacher_who_sees_the_candidate(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate, role: str
) -> None:
    candidate = await make_candidate(email="not-by-them@example.fi")
    # The teacher sees the candidates they interview; the policy still refuses them.
    async with db.session() as session, session.begin():
        session.add(
            Interview(
                candidate_id=candidate,
                teacher_id=await db.user_id(DEMO_USERS["teacher"]),
                scheduled_at=datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC),
            )
        )
    users_before = await db.count(User)
    await sign_in(client, DEMO_USERS[role])
    assert (await invite(client, candidate)).status_code == 403
    assert (await invite(client, await own_record(db))).status_code == 403
    assert await db.count(User) == users_before
    assert await linked_account(db, candidate) is None


REFUSALS = [
    ("no_address", "", "Add the candidate's e-mail address to their record first."),
    ("invalid_address", "not an address", "The e-mail address on the record is not valid"),
    ("staff_address", " Teacher@Demo.TEST", "Another account in the portal uses this e-mail"),
    ("another_candidates_account", CANDIDATE, "Another account in the portal uses this e-mail"),
]


@pytest.mark.parametrize(
    ("address", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
async def test_an_invitation_that_cannot_be_sent_says_why_and_creates_nothing(
    client: AsyncTestClient,
    db: Database,
    make_candidate: MakeCandidate,
    address: str,
    message: str,
) -> None:
    candidate = await make_candidate(email="")
    # Set directly: the record form itself refuses an invalid address (older records may not).
    await execute(db, update(Candidate).where(Candidate.id == candidate).values(email=address))
    users_before = await db.count(User)
    links_before = await db.count(PasswordReset)
    await sign_in(client, DEMO_USERS["counsellor"])

    response = await invite(client, candidate)

    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/candidates/{candidate}#own-account"
    page = await client.get(response.headers["location"])
    assert message in html.unescape(page.text)
    assert "flash-error" in page.text
    assert await db.count(User) == users_before
    assert await db.count(PasswordReset) == links_before
    assert await linked_account(db, candidate) is None
    assert await db.count(AuditEvent, AuditEvent.action == "invite_candidate") == 0


async def test_a_deactivated_candidate_account_gets_no_new_link(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(email="deactivated@example.fi")
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await invite(client, candidate)).status_code == 201
    await execute(
        db, update(User).where(User.email == "deactivated@example.fi").values(is_active=False)
    )
    detail = await client.get(f"/candidates/{candidate}")
    assert "account (deactivated@example.fi) is deactivated." in html.unescape(detail.text)
    assert f'action="/candidates/{candidate}/account"' not in detail.text

    response = await invite(client, candidate)

    assert response.status_code == 303
    assert response.headers["location"] == f"/candidates/{candidate}#own-account"
    page = await client.get(response.headers["location"])
    assert "The candidate's account is deactivated." in html.unescape(page.text)
    assert len(await links_of(db, "deactivated@example.fi")) == 1
    assert await accounts_with(db, "deactivated@example.fi") == 1


async def test_four_invitations_at_once_make_one_account_and_a_link_each(
    settings: Settings, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(email="four-at-once@example.fi")
    # Four browsers, each on an app of its own (as separate workers would be).
    async with contextlib.AsyncExitStack() as stack:
        browsers = []
        for who in ("counsellor", "counsellor", "coordinator", "coordinator"):
            browser = await stack.enter_async_context(
                AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
            )
            await sign_in(browser, DEMO_USERS[who])
            browsers.append(browser)

        responses = await asyncio.gather(*(invite(browser, candidate) for browser in browsers))

    assert [r.status_code for r in responses] == [201] * 4, [
        (r.status_code, r.headers.get("location")) for r in responses
    ]
    assert await accounts_with(db, "four-at-once@example.fi") == 1
    account = await linked_account(db, candidate)
    links = await links_of(db, "four-at-once@example.fi")
    assert [link.user_id for link in links] == [account] * 4
    assert len({reset_path(r.text) for r in responses}) == 4


async def test_an_invitation_that_loses_the_race_sends_its_link_to_the_account_that_won(
    db: Database, settings: Settings, make_candidate: MakeCandidate
) -> None:
    """The order the four requests above can take: the second read the record before the
    first committed the new account, and looks for the address after it did."""
    candidate = await make_candidate(email="lost-race@example.fi")
    counsellor = await db.viewer(DEMO_USERS["counsellor"])
    async with db.session() as first, db.session() as second:
        record_as_read = await second.get_one(Candidate, candidate)
        assert record_as_read.user_id is None
        async with first.begin():
            won = await own.invite(
                first,
                counsellor,
                candidate=await first.get_one(Candidate, candidate),
                public_url=settings.public_url,
            )
        try:
            lost = await own.invite(
                second, counsellor, candidate=record_as_read, public_url=settings.public_url
            )
        except Invalid as refused:
            pytest.fail(f"the invitation that lost the race was refused: {refused.errors}")
        await second.commit()
    assert (won.new_account, lost.new_account) == (True, False)
    assert lost.email == won.email == "lost-race@example.fi"
    assert await accounts_with(db, "lost-race@example.fi") == 1
    assert len(await links_of(db, "lost-race@example.fi")) == 2


# --- The candidate's home -------------------------------------------------------------------


async def test_the_home_shows_the_candidates_own_record_and_nothing_internal(
    client: AsyncTestClient, db: Database
) -> None:
    candidate = await own_record(db)
    async with db.session() as session:
        internal_notes = list(
            (
                await session.scalars(
                    select(GuidanceNote.text).where(
                        GuidanceNote.candidate_id == candidate, GuidanceNote.shared.is_(False)
                    )
                )
            ).all()
        )
        others = set(
            (await session.scalars(select(Candidate.name).where(Candidate.id != candidate))).all()
        )
        interviews = select(Interview.id).where(Interview.candidate_id == candidate)
        placements = select(Placement.id).where(Placement.candidate_id == candidate)
    assert internal_notes
    await execute(
        db,
        update(Interview)
        .where(Interview.candidate_id == candidate)
        .values(notes=INTERNAL["interview"]),
        update(VerifiedCompetence)
        .where(VerifiedCompetence.interview_id.in_(interviews))
        .values(note=INTERNAL["verified"]),
        update(SuggestionDecision)
        .where(SuggestionDecision.candidate_id == candidate)
        .values(note=INTERNAL["suggestion"]),
        update(Rating)
        .where(
            Rating.sheet_id.in_(
                select(RatingSheet.id).where(RatingSheet.placement_id.in_(placements))
            )
        )
        .values(note=INTERNAL["rating"]),
        update(AssessmentDecision)
        .where(AssessmentDecision.placement_id.in_(placements))
        .values(missing_reason=INTERNAL["decision"]),
    )
    # The coordinator opens the record: the access log is not the candidate's to read.
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await client.get(f"/candidates/{candidate}")).status_code == 200
    client.cookies.clear()
    await sign_in(client, CANDIDATE)

    home = await client.get("/home")

    assert home.status_code == 200
    assert home.headers["cache-control"] == "no-store"
    text = html.unescape(home.text)  # the markers hold apostrophes
    code = await own_code(db, candidate)
    for shown in (
        "Hello, Fadi Al-Jubouri",
        "fadi.al-jubouri@example.test",
        'aria-current="step" class="current">Certified',
        "Your counsellor is Mikko Ohjaaja",
        "with Leena Opettaja",
        "Warehouse worker, Savon Varastopalvelut Oy: Completed",
        "Warehouse worker, decided",
        f'href="/certificates/{code}/certificate.pdf"',
        f'href="/certificates/{code}/credential.jwt"',
        f'href="/verify/{code}"',
        SHARED_NOTE,
        "Processing for validation: given",
        "Sharing a profile with partner employers: given",
    ):
        assert shown in text, shown
    # A competence the teacher added in the interview: not claimed, verified at 3; and a
    # final grade of the signed decision.
    assert re.search(
        r"handle returns, deviations and damaged goods</th>\s*<td>–</td>\s*<td>\s*3 \(good\)",
        text,
    )
    assert re.search(r"pick and pack customer orders accurately</th><td>4 \(good\)</td>", text)
    for hidden in [*INTERNAL.values(), *internal_notes, "Aino Koordinaattori", "opened"]:
        assert hidden not in text, hidden
    assert not [name for name in others if name in text]


async def test_a_note_shared_by_the_counsellor_shows_on_the_home_and_an_internal_one_does_not(
    client: AsyncTestClient, db: Database
) -> None:
    candidate = await own_record(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    detail = await client.get(f"/candidates/{candidate}")
    assert 'name="shared" type="checkbox" value="on"' in detail.text
    for text, shared in (("Shared: bring your papers.", "on"), ("Internal: seems tired.", None)):
        form = {"noted_on": "2026-12-01", "text": text}
        if shared:
            form["shared"] = shared
        response = await post_form(client, f"/candidates/{candidate}/notes", form)
        assert response.status_code == 303, response.text
    async with db.session() as session:
        saved = (
            await session.execute(
                select(GuidanceNote.text, GuidanceNote.shared).where(
                    GuidanceNote.candidate_id == candidate,
                    GuidanceNote.noted_on == datetime.date(2026, 12, 1),
                )
            )
        ).all()
    assert sorted(saved) == [
        ("Internal: seems tired.", False),
        ("Shared: bring your papers.", True),
    ]
    detail = await client.get(f"/candidates/{candidate}")
    assert "shared with the candidate" in detail.text

    client.cookies.clear()
    await sign_in(client, CANDIDATE)
    home = await client.get("/home")
    assert "Shared: bring your papers." in home.text
    assert "Internal: seems tired." not in home.text


async def test_an_account_whose_record_is_gone_gets_a_plain_page_and_404s(
    client: AsyncTestClient, db: Database
) -> None:
    candidate = await own_record(db)
    code = await own_code(db, candidate)
    await execute(db, update(Candidate).where(Candidate.id == candidate).values(user_id=None))
    records_before = await db.count(ConsentRecord)
    await sign_in(client, CANDIDATE)

    home = await client.get("/home")

    assert home.status_code == 200
    assert "Your record is not available in the portal now." in home.text
    assert "Fadi Al-Jubouri" not in home.text.split("<main", 1)[1]
    assert (await client.get("/my/consents")).status_code == 404
    response = await decide(client, purpose="validation", decision="withdrawn")
    assert response.status_code == 404
    assert await db.count(ConsentRecord) == records_before
    listing = await client.get("/api/certificates")
    assert (listing.status_code, listing.json()["total"]) == (200, 0)
    for path in (f"/certificates/{code}/certificate.pdf", f"/api/certificates/{code}"):
        assert (await client.get(path)).status_code == 404, path


# --- The candidate's consents ---------------------------------------------------------------


async def test_a_withdrawal_takes_the_candidate_out_of_the_suggestions_in_the_same_request(
    client: AsyncTestClient, db: Database
) -> None:
    candidate = await own_record(db)
    candidate_user = await db.user_id(CANDIDATE)
    # A certified candidate is never suggested: back at the portfolio stage, they would be.
    await execute(db, update(Candidate).where(Candidate.id == candidate).values(stage="portfolio"))
    suggestions = "/api/positions/1/suggestions"
    query = {"top": "200", "ineligible": "true"}
    await sign_in(client, DEMO_USERS["counsellor"])
    before = (await client.get(suggestions, params=query)).json()["suggestions"]
    assert candidate in {row["candidate"] for row in before}
    assert candidate in await sharing(db)
    records_before = len(await consents_of(db, candidate))

    client.cookies.clear()
    await sign_in(client, CANDIDATE)
    page = await client.get("/my/consents")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    response = await decide(client, purpose="share_with_employers", decision="withdrawn")

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/my/consents"
    assert candidate not in await sharing(db)
    records = await consents_of(db, candidate)
    assert len(records) == records_before + 1
    withdrawal = records[-1]
    assert (withdrawal.purpose, withdrawal.given, withdrawal.recorded_by_id) == (
        "share_with_employers",
        False,
        candidate_user,
    )
    assert withdrawal.text_shown == consent.consent_text("share_with_employers", given=False)
    page = await client.get("/my/consents")
    assert "Your consent is withdrawn. It applies from now on." in page.text
    home = await client.get("/home")
    assert "Sharing a profile with partner employers: withdrawn" in home.text

    client.cookies.clear()
    await sign_in(client, DEMO_USERS["counsellor"])
    after = (await client.get(suggestions, params=query)).json()["suggestions"]
    assert candidate not in {row["candidate"] for row in after}
    assert after


async def test_a_candidate_shares_with_a_named_partner_and_withdraws_it(
    client: AsyncTestClient, db: Database
) -> None:
    candidate = await own_record(db)
    async with db.session() as session:
        partner = (await consent.list_partner_organisations(session))[0]
    await sign_in(client, CANDIDATE)
    given = await decide(
        client, purpose="share_with_organisation", decision="given", organisation=str(partner.id)
    )
    assert given.status_code == 303, given.text
    withdrawn = await decide(
        client,
        purpose="share_with_organisation",
        decision="withdrawn",
        organisation=str(partner.id),
    )
    assert withdrawn.status_code == 303, withdrawn.text
    records = (await consents_of(db, candidate))[-2:]
    assert [(r.purpose, r.organisation_id, r.given) for r in records] == [
        ("share_with_organisation", partner.id, True),
        ("share_with_organisation", partner.id, False),
    ]
    assert partner.name in records[0].text_shown
    page = await client.get("/my/consents")
    assert f"{partner.name}:" in page.text


BAD_CONSENTS = [
    ("unknown_purpose", {"purpose": "marketing", "decision": "given"}, "purpose"),
    ("no_purpose", {"decision": "given"}, "purpose"),
    ("no_decision", {"purpose": "validation"}, "decision"),
    ("unknown_decision", {"purpose": "validation", "decision": "maybe"}, "decision"),
    ("no_organisation", {"organisation": ""}, "organisation"),
    ("applied_organisation", {"organisation": "13"}, "organisation"),
    ("unknown_organisation", {"organisation": "999999"}, "organisation"),
    ("negative_organisation", {"organisation": "-1"}, "organisation"),
    ("past_64_bits", {"organisation": "9223372036854775808"}, "organisation"),
    ("far_past_64_bits", {"organisation": "1" * 40}, "organisation"),
    ("unicode_digits", {"organisation": "１２"}, "organisation"),
    ("nul_in_organisation", {"organisation": "12\x00"}, "organisation"),
    ("nul_in_purpose", {"purpose": "validation\x00", "decision": "given"}, "purpose"),
    ("nul_in_decision", {"purpose": "validation", "decision": "given\x00"}, "decision"),
]


@pytest.mark.parametrize(
    ("form", "field"), [b[1:] for b in BAD_CONSENTS], ids=[b[0] for b in BAD_CONSENTS]
)
async def test_bad_consent_input_answers_400_with_the_page_and_writes_nothing(
    client: AsyncTestClient, db: Database, form: dict[str, str], field: str
) -> None:
    # Organisation 12 is a partner: a reader that took "１２" or "12\x00" for 12 would save.
    if "organisation" in form:
        form = {"purpose": "share_with_organisation", "decision": "given", **form}
    records_before = await db.count(ConsentRecord)
    await sign_in(client, CANDIDATE)

    response = await decide(client, **form)

    assert response.status_code == 400, response.text
    assert "<h1>Your consents</h1>" in response.text
    summary = response.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#{field}"' in summary
    assert await db.count(ConsentRecord) == records_before


async def test_a_candidate_id_in_the_form_changes_nothing_about_whose_consent_it_is(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    candidate = await own_record(db)
    await sign_in(client, CANDIDATE)
    response = await decide(
        client,
        purpose="validation",
        decision="given",
        candidate_id=str(candidate_id),
        candidate=str(candidate_id),
    )
    assert response.status_code == 303, response.text
    assert await consents_of(db, candidate_id) == []
    newest = (await consents_of(db, candidate))[-1]
    assert (newest.purpose, newest.given) == ("validation", True)
    assert newest.recorded_by_id == await db.user_id(CANDIDATE)


@pytest.mark.parametrize("role", ["coordinator", "counsellor", "teacher", "employer"])
async def test_the_consent_pages_are_the_candidates_alone(
    client: AsyncTestClient, db: Database, role: str
) -> None:
    records_before = await db.count(ConsentRecord)
    await sign_in(client, DEMO_USERS[role])
    assert (await client.get("/my/consents")).status_code == 403
    response = await decide(client, purpose="share_with_employers", decision="withdrawn")
    assert response.status_code == 403
    assert await db.count(ConsentRecord) == records_before


# --- Certificates ---------------------------------------------------------------------------


@pytest.fixture
async def other_code(db: Database, settings: Settings) -> str:
    """The code of a certificate issued here to another candidate (demo placement 1's)."""
    async with db.session() as session, session.begin():
        await sign_decision(session)
        issued = await issuing.issue(
            session,
            COUNSELLOR,
            placement_id=PLACEMENT,
            language="en",
            issuer=issuing.issuer_of(settings),
        )
        return issued.certificate.code


async def test_a_candidate_downloads_and_reads_their_own_certificate(
    client: AsyncTestClient, db: Database, other_code: str
) -> None:
    code = await own_code(db, await own_record(db))
    await sign_in(client, CANDIDATE)

    pdf = await client.get(f"/certificates/{code}/certificate.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")
    jwt = await client.get(f"/certificates/{code}/credential.jwt")
    assert jwt.status_code == 200
    assert len(jwt.text.split(".")) == 3
    listing = await client.get("/api/certificates")
    assert listing.status_code == 200
    assert listing.json()["total"] == 1
    assert [row["code"] for row in listing.json()["certificates"]] == [code]
    assert (await client.get(f"/api/certificates/{code}")).status_code == 200
    credential = await client.get(f"/api/certificates/{code}/credential")
    assert credential.status_code == 200
    assert credential.text == jwt.text
    assert (await client.get(f"/verify/{code}")).status_code == 200


async def test_another_candidates_certificate_answers_404_and_the_staff_pages_403(
    client: AsyncTestClient, db: Database, other_code: str
) -> None:
    code = await own_code(db, await own_record(db))
    other = await db.scalar(
        select(Candidate.name)
        .join(Certificate, Certificate.candidate_id == Candidate.id)
        .where(Certificate.code == other_code)
    )
    await sign_in(client, CANDIDATE)
    for path in (
        f"/certificates/{other_code}/certificate.pdf",
        f"/certificates/{other_code}/credential.jwt",
        f"/api/certificates/{other_code}",
        f"/api/certificates/{other_code}/credential",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert other not in response.text
    for query in ({"q": other}, {"q": other_code}, {"status": "valid"}):
        listing = (await client.get("/api/certificates", params=query)).json()
        assert other_code not in {row["code"] for row in listing["certificates"]}, query
    for path in (
        "/certificates",
        f"/certificates/{code}",
        f"/certificates/{code}/recognition.json",
    ):
        assert (await client.get(path)).status_code == 403, path
    revoke = await post_form(
        client, f"/certificates/{code}/revocation", {"reason": "issued_in_error"}
    )
    assert revoke.status_code == 403
    api_revoke = await client.post(
        f"/api/certificates/{code}/revocation",
        json={"reason": "issued_in_error"},
        headers={"x-csrftoken": await csrf_token(client)},
    )
    assert api_revoke.status_code == 403
    assert await db.count(Certificate, Certificate.revoked_at.is_not(None)) == 0


# --- The route table ------------------------------------------------------------------------


def path_of(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


async def own_notification(db: Database) -> int:
    """A notification for the candidate's account (the route opens only one's own)."""
    async with db.sessions() as session, session.begin():
        user = await session.get_one(User, await db.user_id(CANDIDATE))
        await notify(session, user, Notice("certificate_issued", "Your certificate"))
    found = await db.scalar(select(func.max(Notification.id)))
    assert found is not None
    return int(found)


async def test_every_route_open_to_candidates_serves_their_own_objects_and_no_one_elses(
    client: AsyncTestClient, db: Database, other_code: str
) -> None:
    own = {
        "code": await own_code(db, await own_record(db)),
        "notification_id": str(await own_notification(db)),
    }
    others = ({"code": other_code}, {"code": "AAAA-AAAA-AAAA-AAAA-AAAA"})
    rows = [
        (key, access)
        for key, access in ROUTE_POLICY.items()
        if access.roles is not None and access.allows(Role.CANDIDATE)
    ]
    assert "GET /my/consents" in dict(rows)
    await sign_in(client, CANDIDATE)
    wrong = []
    for key, _access in rows:
        method, template = key.split(" ", 1)
        names = set(re.findall(r"\{(\w+)\}", template))
        # A new kind of id open to candidates needs its own and another's object here.
        assert names <= set(own), f"{key}: no own and other object for {names - set(own)}"
        if method != "GET":
            response = await post_form(client, path_of(template, own), {})
            if response.status_code >= 500 or response.status_code == 403:
                wrong.append(f"{key}: {response.status_code}")
            continue
        response = await client.get(path_of(template, own), follow_redirects=False)
        if response.status_code != 200:
            wrong.append(f"{key} (own): {response.status_code}")
        if names:
            for values in others:
                response = await client.get(path_of(template, values), follow_redirects=False)
                if response.status_code != 404:
                    wrong.append(f"{key} ({values['code']}): {response.status_code}")
    assert not wrong, "\n".join(wrong)


async def test_every_staff_route_answers_403_to_the_candidate_for_their_own_objects(
    client: AsyncTestClient, db: Database
) -> None:
    candidate = await own_record(db)
    own = dict(PATH_VALUES)
    own["candidate_id"] = str(candidate)
    own["code"] = await own_code(db, candidate)
    for name, model, column in (
        ("placement_id", Placement, Placement.candidate_id),
        ("interview_id", Interview, Interview.candidate_id),
        ("claim_id", Claim, Claim.candidate_id),
        ("evidence_id", EvidenceItem, EvidenceItem.candidate_id),
        ("outcome_id", Outcome, Outcome.candidate_id),
    ):
        found = await db.scalar(select(func.min(model.id)).where(column == candidate))
        assert found is not None, name
        own[name] = str(found)
    openings_before = await db.count(RecordOpening, RecordOpening.candidate_id == candidate)
    await sign_in(client, CANDIDATE)
    token = await csrf_token(client)
    wrong = []
    for key, access in ROUTE_POLICY.items():
        if access.roles is None or access.allows(Role.CANDIDATE):
            continue
        method, template = key.split(" ", 1)
        response = await client.request(
            method,
            path_of(template, own),
            headers={"x-csrftoken": token},
            follow_redirects=False,
        )
        if response.status_code != 403:
            wrong.append(f"{key}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert await db.count(RecordOpening, RecordOpening.candidate_id == candidate) == openings_before
