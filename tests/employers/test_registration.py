"""An organisation registers itself on the public page; nothing is saved on bad input."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from accounts.models import User
from employers.models import Organisation
from kit.audit import AuditEvent
from kit.settings import Settings
from portal.app import create_app
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_USERS, csrf_token, sign_in

# A valid business ID not in the demo data, and the first demo organisation's.
NEW_BUSINESS_ID = "1234567-1"
DEMO_BUSINESS_ID = "2734511-3"

FORM = {
    "name": "Savolaisen Siivous Oy",
    "business_id": NEW_BUSINESS_ID,
    "kind": "sme",
    "sector": "Cleaning",
    "municipality": "Kuopio",
    "region": "North Savo",
    "size": "10-49",
    "contact_name": "Hanna Hakija",
    "email": "hanna@siivous.test",
}
# The contact sets a password with the link shown (in development) on the answer page.
DEVELOPMENT_LINK = re.compile(r'value="(http://127\.0\.0\.1:8000/password/reset/[A-Za-z0-9_-]+)"')


async def scalar(settings: Settings, statement: Any) -> Any:
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            return (await session.execute(statement)).scalar_one_or_none()
    finally:
        await engine.dispose()


async def row_counts(settings: Settings) -> tuple[int, int]:
    organisations = await scalar(settings, select(func.count(Organisation.id)))
    users = await scalar(settings, select(func.count(User.id)))
    return int(organisations), int(users)


async def register(client: AsyncTestClient, **changes: str) -> Any:
    token = await csrf_token(client)
    return await client.post(
        "/register", data={**FORM, **changes, "_csrf_token": token}, follow_redirects=False
    )


async def test_the_form_is_public_and_linked_from_the_front_page(client: AsyncTestClient) -> None:
    assert 'href="/register"' in (await client.get("/")).text
    response = await client.get("/register")
    assert response.status_code == 200
    for field in ("name", "business_id", "kind", "region", "size", "email"):
        assert f'<label for="{field}"' in response.text
    assert 'name="password"' not in response.text  # set later with the e-mailed link
    assert 'name="_csrf_token"' in response.text


async def test_registration_creates_an_applied_organisation_and_its_employer(
    client: AsyncTestClient, settings: Settings
) -> None:
    response = await register(client)
    assert response.status_code == 200, response.text
    assert "we have received your application" in response.text
    assert "An e-mail with a link to set your password is on its way" in response.text
    assert response.headers["cache-control"] == "no-store"
    found = DEVELOPMENT_LINK.search(response.text)
    assert found is not None
    assert "Development aid" in response.text

    organisation = await scalar(
        settings, select(Organisation).where(Organisation.business_id == NEW_BUSINESS_ID)
    )
    assert organisation is not None
    assert organisation.status == "applied"
    assert organisation.size == "10-49"
    user = await scalar(settings, select(User).where(User.email == "hanna@siivous.test"))
    assert user is not None
    assert user.role == "employer"
    assert user.organisation_id == organisation.id

    events = await scalar(
        settings,
        select(func.count(AuditEvent.id))
        .where(AuditEvent.entity == "organisation")
        .where(AuditEvent.entity_id == str(organisation.id))
        .where(AuditEvent.action.in_(["create", "register"])),
    )
    assert events == 2
    assert await scalar(
        settings,
        select(AuditEvent.id)
        .where(AuditEvent.entity == "user_account")
        .where(AuditEvent.entity_id == str(user.id))
        .where(AuditEvent.action == "create"),
    )

    # The contact sets a password with the link, then signs in; home and organisation page
    # say the application waits.
    link = found.group(1).removeprefix("http://127.0.0.1:8000")
    assert (await client.get(link)).status_code == 200
    set_password = await client.post(
        link,
        data={
            "password": "long-enough-pass",
            "password_confirm": "long-enough-pass",
            "_csrf_token": await csrf_token(client),
        },
        follow_redirects=False,
    )
    assert set_password.status_code == 303
    await sign_in(client, "hanna@siivous.test", "long-enough-pass")
    home = await client.get("/home")
    assert "Your application is waiting for the programme" in home.text
    own = await client.get("/organisation")
    assert own.status_code == 200
    assert "Savolaisen Siivous Oy" in own.text
    assert "Applied, waiting for approval" in own.text
    listed = (await client.get("/api/organisations")).json()
    assert [item["id"] for item in listed] == [organisation.id]
    assert listed[0]["status"] == "applied"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"business_id": "1234567-2"}, "business_id", "not a valid Finnish business ID"),
        ({"business_id": DEMO_BUSINESS_ID}, "business_id", "already registered"),
        ({"email": "not-an-address"}, "email", "valid e-mail address"),
        # Full-width and Arabic-Indic digits spell the demo organisation's ID: not ASCII.
        (
            {"business_id": "\uff12\uff17\uff13\uff14\uff15\uff11\uff11-\uff13"},
            "business_id",
            "not a valid",
        ),
        (
            {"business_id": "\u0662\u0667\u0663\u0664\u0665\u0661\u0661-\u0663"},
            "business_id",
            "not a valid",
        ),
        ({"name": ""}, "name", "This field is required."),
        ({"kind": ""}, "kind", "Choose one of the options."),
        ({"region": "Atlantis"}, "region", "Choose one of the options."),
        ({"contact_name": ""}, "contact_name", "This field is required."),
    ],
)
async def test_bad_input_shows_the_form_again_and_saves_nothing(
    client: AsyncTestClient,
    settings: Settings,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = await row_counts(settings)
    response = await register(client, **changes)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    error_line = response.text.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error_line
    if field != "name":
        assert 'value="Savolaisen Siivous Oy"' in response.text  # input kept
    assert await row_counts(settings) == before


async def test_missing_fields_are_each_reported(
    client: AsyncTestClient, settings: Settings
) -> None:
    before = await row_counts(settings)
    token = await csrf_token(client)
    response = await client.post("/register", data={"_csrf_token": token})
    assert response.status_code == 400
    for field in ("name", "business_id", "kind", "sector", "municipality", "region", "size"):
        assert f'id="{field}-error"' in response.text, field
    for field in ("contact_name", "email"):
        assert f'id="{field}-error"' in response.text, field
    assert await row_counts(settings) == before


async def test_a_similar_name_is_accepted_and_flagged_to_the_coordinator(
    client: AsyncTestClient, settings: Settings
) -> None:
    response = await register(client, name="Savon Varastopalvelu Oy")
    assert response.status_code == 200
    new_id = await scalar(
        settings, select(Organisation.id).where(Organisation.business_id == NEW_BUSINESS_ID)
    )
    await sign_in(client, DEMO_USERS["coordinator"])
    partners = await client.get("/partners")
    row = partners.text.split(f'href="/organisations/{new_id}"', 1)[1].split("</tr>", 1)[0]
    assert "similar name" in row
    assert "Savon Varastopalvelut Oy" in row
    page = await client.get(f"/organisations/{new_id}")
    assert "Possible duplicate" in page.text
    assert 'href="/organisations/1"' in page.text


async def test_a_form_without_the_csrf_token_changes_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    before = await row_counts(settings)
    await client.get("/register")
    response = await client.post("/register", data=FORM, follow_redirects=False)
    assert response.status_code == 403
    assert await row_counts(settings) == before


@pytest.mark.parametrize(
    "email",
    ["employer@demo.test", "COORDINATOR@demo.test", "c\u043eordinator@demo.test"],
)
async def test_a_taken_or_look_alike_address_gets_the_same_answer_and_nothing_is_saved(
    settings: Settings, email: str
) -> None:
    # In production (no development aid) the answer is the same page but for the address.
    async with AsyncTestClient(
        app=create_app(dataclasses.replace(settings, env="production")),
        base_url="http://testserver.local",
    ) as client:
        before = await row_counts(settings)
        taken = await register(client, email=email)
        assert await row_counts(settings) == before  # nothing written for that address
        fresh = await register(client)
    assert taken.status_code == fresh.status_code == 200
    assert taken.text.replace(email.lower(), "ADDRESS") == fresh.text.replace(
        FORM["email"], "ADDRESS"
    )
    assert "Development aid" not in fresh.text
    assert await row_counts(settings) == (before[0] + 1, before[1] + 1)


@pytest.mark.both_databases
async def test_a_contact_refused_after_the_organisation_is_written_leaves_no_organisation(
    settings: Settings,
) -> None:
    """The organisation and its contact's account are written in one savepoint: when the
    account is refused after the organisation's row was flushed, the organisation goes too,
    although the session then commits (no controller has to roll back)."""
    from accounts.registration import register_with_contact
    from accounts.services import AccountError
    from employers.services import OrganisationDetails

    before = await row_counts(settings)
    fields = {field.name for field in dataclasses.fields(OrganisationDetails)}
    details = OrganisationDetails(**{key: value for key, value in FORM.items() if key in fields})
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            with pytest.raises(AccountError):
                await register_with_contact(
                    session, details=details, contact_name="Hanna", email="employer@demo.test"
                )
            await session.commit()
    finally:
        await engine.dispose()
    assert await row_counts(settings) == before
