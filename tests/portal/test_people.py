"""Employer contacts invite colleagues and workplace tutors; the invited set a password."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.models import Invitation, User
from kit.audit import AuditEvent
from kit.settings import DatabaseSettings
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_accessibility import PageStructure

# Links are built on ISOK_PUBLIC_URL (the default in tests), never on the request's Host.
LINK = re.compile(r"http://127\.0\.0\.1:8000/invitations/([A-Za-z0-9_-]{20,})")
NEW_TUTOR = {"name": "Tiina Työpaikkaohjaaja", "email": "Tiina.T@example.fi", "role": "tutor"}


async def invite(client: AsyncTestClient, **fields: str) -> Any:
    return await client.post(
        "/organisation/people",
        data={**NEW_TUTOR, **fields, "_csrf_token": await csrf_token(client)},
    )


async def invite_and_get_token(client: AsyncTestClient, **fields: str) -> str:
    response = await invite(client, **fields)
    assert response.status_code == 201, response.text
    found = LINK.search(response.text)
    assert found is not None, response.text
    return found.group(1)


async def query(database_url: str, statement: Any) -> list[Any]:
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(statement)).all())
    finally:
        await engine.dispose()


async def execute(database_url: str, statement: Any) -> None:
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await session.execute(statement)
    finally:
        await engine.dispose()


async def test_an_invited_tutor_sets_a_password_with_the_link_and_signs_in(
    client: AsyncTestClient, database_url: str
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    response = await invite(client)
    assert response.status_code == 201
    assert "an e-mail with a link to set a password is on its way" in response.text
    assert "Development aid" in response.text  # the link is on screen in development only
    assert response.headers["cache-control"] == "no-store"
    found = LINK.search(response.text)
    assert found is not None
    token = found.group(1)

    # Only the token's hash is stored, and no account exists until the link is used.
    rows = await query(
        database_url,
        select(
            Invitation.name,
            Invitation.role,
            Invitation.organisation_id,
            Invitation.user_id,
            Invitation.token_hash,
        ).where(Invitation.email == "tiina.t@example.fi"),
    )
    assert len(rows) == 1
    name, role, organisation_id, user_id, token_hash = rows[0]
    assert (name, role, organisation_id, user_id) == ("Tiina Työpaikkaohjaaja", "tutor", 1, None)
    assert token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in token_hash
    account = select(func.count(User.id)).where(User.email == "tiina.t@example.fi")
    assert await query(database_url, account) == [(0,)]
    events = await query(
        database_url,
        select(AuditEvent.action, AuditEvent.changes).where(
            AuditEvent.action == "invitation_created"
        ),
    )
    assert token not in str(events)

    # The list shows the pending invitation.
    people = await client.get("/organisation/people")
    assert "Tiina Työpaikkaohjaaja" in people.text
    assert "Invitation waiting" in people.text

    await client.post("/logout", data={"_csrf_token": await csrf_token(client)})
    form = await client.get(f"/invitations/{token}")
    assert form.status_code == 200
    assert "Tiina Työpaikkaohjaaja" in form.text
    assert "Savon Varastopalvelut Oy" in form.text
    accepted = await client.post(
        f"/invitations/{token}",
        data={
            "password": "tutor-password-1",
            "password_confirm": "tutor-password-1",
            "_csrf_token": await csrf_token(client),
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert accepted.headers["location"] == "/login"
    await sign_in(client, "tiina.t@example.fi", "tutor-password-1")
    me = (await client.get("/api/me")).json()
    assert (me["role"], me["organisation_id"], me["name"]) == (
        "tutor",
        1,
        "Tiina Työpaikkaohjaaja",
    )
    # The account is made from the invitation, which now names it and is no longer listed.
    ((password_hash, linked),) = await query(
        database_url,
        select(User.password_hash, Invitation.user_id)
        .join(Invitation, Invitation.email == User.email)
        .where(User.email == "tiina.t@example.fi"),
    )
    assert password_hash.startswith("$argon2id$")
    assert linked is not None


async def test_a_used_or_unknown_link_shows_a_friendly_404(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    data = {
        "password": "tutor-password-1",
        "password_confirm": "tutor-password-1",
        "_csrf_token": await csrf_token(client),
    }
    assert (await client.post(f"/invitations/{token}", data=data)).status_code == 200
    for path in (f"/invitations/{token}", "/invitations/no-such-token"):
        page = await client.get(path)
        assert page.status_code == 404
        assert "Ask the person who invited you for a new link" in page.text
        reused = await client.post(path, data=data)
        assert reused.status_code == 404


async def test_an_expired_link_does_not_work(client: AsyncTestClient, database_url: str) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    await execute(database_url, update(Invitation).values(expires_at=yesterday))
    assert (await client.get(f"/invitations/{token}")).status_code == 404
    people = await client.get("/organisation/people")
    assert "Invitation expired" in people.text


async def test_a_new_link_replaces_the_old_one(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    old = await invite_and_get_token(client)
    new = await invite_and_get_token(client, name="Tiina Tutor")
    assert old != new
    assert (await client.get(f"/invitations/{old}")).status_code == 404
    assert (await client.get(f"/invitations/{new}")).status_code == 200


async def test_a_short_or_mistyped_password_is_refused_and_the_link_still_works(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    short = await client.post(
        f"/invitations/{token}",
        data={
            "password": "short",
            "password_confirm": "short",
            "_csrf_token": await csrf_token(client),
        },
    )
    assert short.status_code == 400
    assert 'id="password-error"' in short.text
    mistyped = await client.post(
        f"/invitations/{token}",
        data={
            "password": "tutor-password-1",
            "password_confirm": "tutor-password-2",
            "_csrf_token": await csrf_token(client),
        },
    )
    assert mistyped.status_code == 400
    assert 'id="password_confirm-error"' in mistyped.text
    assert (await client.get(f"/invitations/{token}")).status_code == 200


async def test_bad_e_mail_addresses_and_roles_are_refused_beside_the_field(
    client: AsyncTestClient, database_url: str
) -> None:
    count = select(func.count(User.id))
    users_before = await query(database_url, count)
    await sign_in(client, DEMO_USERS["employer"])
    response = await invite(client, email="not-an-address")
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert "Enter a valid e-mail address" in response.text
    assert 'value="not-an-address"' in response.text  # the input is kept
    missing = await invite(client, name="", role="coordinator")
    assert missing.status_code == 400
    assert 'id="name-error"' in missing.text
    assert 'id="role-error"' in missing.text
    assert await query(database_url, count) == users_before
    assert await query(database_url, select(func.count(Invitation.id))) == [(0,)]


async def test_each_organisation_sees_only_its_own_people(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    own = await client.get("/organisation/people")
    assert own.status_code == 200
    assert "tutor@demo.test" in own.text
    assert "employer@demo.test" in own.text
    assert "employer2@demo.test" not in own.text
    await invite_and_get_token(client)

    await sign_in(client, "employer2@demo.test")
    other = await client.get("/organisation/people")
    assert other.status_code == 200
    assert "employer2@demo.test" in other.text
    for email in ("employer@demo.test", "tutor@demo.test", "tiina.t@example.fi"):
        assert email not in other.text


async def test_tutors_cannot_invite(client: AsyncTestClient, database_url: str) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await client.get("/organisation/people")).status_code == 403
    assert (await invite(client)).status_code == 403
    assert await query(database_url, select(func.count(Invitation.id))) == [(0,)]


async def test_an_employer_may_invite_another_employer_contact(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(
        client, name="Eeva Esihenkilö", email="eeva@example.fi", role="employer"
    )
    page = await client.get(f"/invitations/{token}")
    assert "Employer contact" in page.text


async def test_people_and_invitation_pages_are_labelled_and_structured(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    for path in ("/organisation/people", f"/invitations/{token}", "/invitations/unknown"):
        response = await client.get(path)
        page = PageStructure()
        page.feed(response.text)
        assert page.h1 == 1, path
        unlabelled = [f for f in page.fields if f is None or f not in page.labels]
        assert not unlabelled, path


async def user_row(database_url: str, email: str) -> tuple[int, bool]:
    ((user_id, active),) = await query(
        database_url, select(User.id, User.is_active).where(User.email == email)
    )
    return int(user_id), bool(active)


async def post_as(client: AsyncTestClient, path: str) -> Any:
    return await client.post(
        path, data={"_csrf_token": await csrf_token(client)}, follow_redirects=False
    )


async def test_an_employer_deactivates_a_tutor_who_is_signed_out_at_once(
    client: AsyncTestClient, settings: Any, database_url: str
) -> None:
    from portal.app import create_app

    tutor_id, active = await user_row(database_url, DEMO_USERS["tutor"])
    assert active
    # The tutor is signed in in another browser.
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as tb:
        await sign_in(tb, DEMO_USERS["tutor"])
        assert (await tb.get("/placements", follow_redirects=False)).status_code == 200

        await sign_in(client, DEMO_USERS["employer"])
        response = await post_as(client, f"/organisation/people/{tutor_id}/deactivate")
        assert response.status_code == 303
        assert (await user_row(database_url, DEMO_USERS["tutor"]))[1] is False
        page = await client.get("/organisation/people")
        assert "can no longer sign in" in page.text
        assert f'action="/organisation/people/{tutor_id}/reactivate"' in page.text

        # Their open session ends at once, and they cannot sign in again.
        gone = await tb.get("/placements", follow_redirects=False)
        assert gone.status_code in (303, 401)
        tb.cookies.clear()
        await tb.get("/login")
        refused = await tb.post(
            "/login",
            data={
                "email": DEMO_USERS["tutor"],
                "password": "isok-demo",
                "_csrf_token": tb.cookies["csrftoken"],
            },
            follow_redirects=False,
        )
        assert refused.status_code != 303

    response = await post_as(client, f"/organisation/people/{tutor_id}/reactivate")
    assert response.status_code == 303
    assert (await user_row(database_url, DEMO_USERS["tutor"]))[1] is True
    events = await query(
        database_url,
        select(func.count(AuditEvent.id)).where(
            AuditEvent.entity == "user_account", AuditEvent.entity_id == str(tutor_id)
        ),
    )
    assert events[0][0] >= 2  # both changes are on the audit trail


async def test_people_of_other_organisations_and_oneself_cannot_be_deactivated(
    client: AsyncTestClient, database_url: str
) -> None:
    employer_id, _ = await user_row(database_url, DEMO_USERS["employer"])
    other_id, _ = await user_row(database_url, "employer2@demo.test")
    counsellor_id, _ = await user_row(database_url, DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS["employer"])
    for user_id in (other_id, counsellor_id, 999_999):
        response = await post_as(client, f"/organisation/people/{user_id}/deactivate")
        assert response.status_code == 404
    mine = await post_as(client, f"/organisation/people/{employer_id}/deactivate")
    assert mine.status_code == 303
    assert "cannot deactivate your own account" in (await client.get("/organisation/people")).text
    for email in (DEMO_USERS["employer"], "employer2@demo.test", DEMO_USERS["counsellor"]):
        assert (await user_row(database_url, email))[1] is True


def row_of(page: str, email: str) -> str:
    """The list's table row of ``email``, with the address and ids made neutral."""
    (row,) = [r for r in re.findall(r"<tr>.*?</tr>", page, re.DOTALL) if email in r]
    row = row.replace(email, "ADDRESS")
    return re.sub(r"/invitations/\d+/", "/invitations/ID/", row)


# Addresses with an account in another organisation or as staff, and a look-alike of one
# (a Cyrillic "о"): to the inviter, each looks like an address nobody uses.
ACCOUNT_ELSEWHERE = ("counsellor@demo.test", "employer2@demo.test", "c\u043eunsellor@demo.test")


@pytest.mark.parametrize("email", ACCOUNT_ELSEWHERE)
async def test_the_list_looks_the_same_whether_or_not_the_address_has_an_account(
    client: AsyncTestClient, database_url: str, email: str
) -> None:
    users = select(func.count(User.id))
    users_before = await query(database_url, users)
    await sign_in(client, DEMO_USERS["employer"])
    before = await client.get("/organisation/people")
    await invite(client, name="Same Name", email="fresh.person@example.fi")
    await invite(client, name="Same Name", email=email)
    await invite(client, name="Same Name", email=email)  # again: still one invitation
    page = (await client.get("/organisation/people")).text
    assert page.count("<tr>") == before.text.count("<tr>") + 2
    fresh = row_of(page, "fresh.person@example.fi")
    assert row_of(page, email) == fresh
    assert "Invitation waiting" in fresh
    assert "until " in fresh
    assert "/withdraw" in fresh
    # Inviting creates no account, for either address.
    assert await query(database_url, users) == users_before


async def test_an_employer_withdraws_a_pending_invitation(
    client: AsyncTestClient, database_url: str
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    token = await invite_and_get_token(client)
    ((invitation_id,),) = await query(database_url, select(Invitation.id))
    path = f"/organisation/people/invitations/{invitation_id}/withdraw"

    # Another organisation's employer cannot withdraw it, nor can anyone an unknown one.
    await sign_in(client, "employer2@demo.test")
    assert (await post_as(client, path)).status_code == 404
    assert (await client.get(f"/invitations/{token}")).status_code == 200

    await sign_in(client, DEMO_USERS["employer"])
    assert (
        await post_as(client, "/organisation/people/invitations/999999/withdraw")
    ).status_code == 404
    response = await post_as(client, path)
    assert response.status_code == 303
    page = await client.get("/organisation/people")
    assert "its link no longer works" in page.text
    assert NEW_TUTOR["email"].lower() not in page.text
    assert (await client.get(f"/invitations/{token}")).status_code == 404
    assert (await post_as(client, path)).status_code == 404  # already gone
    events = await query(
        database_url,
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "invitation_withdrawn"),
    )
    assert events == [(1,)]
