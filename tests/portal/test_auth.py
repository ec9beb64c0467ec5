"""Sign-in, sign-out, session renewal, throttling and CSRF against the real app."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.login_pages import wait_message
from accounts.models import LoginAttempt, LoginSession, LoginThrottle, User
from accounts.throttle import count_try, delay_after
from kit.audit import AuditEvent
from kit.settings import Settings
from portal.app import create_app
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_USERS, csrf_token, sign_in

# These tests are about signing in: every sign_in() goes through the form and the hasher.
pytestmark = pytest.mark.real_sign_in


async def count(settings: Settings, statement: object) -> int:
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            return int((await session.execute(statement)).scalar_one())  # type: ignore[call-overload]
    finally:
        await engine.dispose()


async def post_login(client: AsyncTestClient, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    token = await csrf_token(client)
    return await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": token, **extra},
        follow_redirects=False,
    )


@pytest.mark.parametrize("role", sorted(DEMO_USERS))
async def test_each_demo_user_signs_in_and_sees_their_home(
    client: AsyncTestClient, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    response = await client.get("/home")
    assert response.status_code == 200
    assert "Hello," in response.text
    me = (await client.get("/api/me")).json()
    assert me["role"] == role
    assert me["email"] == DEMO_USERS[role]


@pytest.mark.both_databases
async def test_wrong_password_shows_error_and_records_the_attempt(
    client: AsyncTestClient, settings: Settings
) -> None:
    response = await post_login(client, "counsellor@demo.test", "wrong-password")
    assert response.status_code == 400
    assert "The e-mail address or the password is wrong." in response.text
    assert 'value="counsellor@demo.test"' in response.text
    assert "isok_session" not in response.cookies
    failures = (
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
    )
    assert await count(settings, failures) == 1


async def test_missing_fields_are_reported_beside_each_field(client: AsyncTestClient) -> None:
    response = await post_login(client, "", "")
    assert response.status_code == 400
    assert 'id="email-error"' in response.text
    assert "Enter your e-mail address." in response.text
    assert 'id="password-error"' in response.text
    response = await post_login(client, "not-an-email", "x")
    assert "Enter a valid e-mail address" in response.text


async def test_unknown_email_gives_the_same_answer_as_a_wrong_password(
    client: AsyncTestClient,
) -> None:
    unknown = await post_login(client, "nobody@demo.test", "isok-demo")
    wrong = await post_login(client, "teacher@demo.test", "not-it")
    assert unknown.status_code == wrong.status_code == 400
    assert "The e-mail address or the password is wrong." in unknown.text


async def test_session_id_is_renewed_at_sign_in(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, "teacher@demo.test")
    first = client.cookies["isok_session"]
    # Signing in again (as someone else, from the same browser) must not reuse the token,
    # and the old token must stop working.
    await sign_in(client, "counsellor@demo.test")
    second = client.cookies["isok_session"]
    assert first != second
    assert await count(settings, select(func.count()).select_from(LoginSession)) == 1
    client.cookies.clear()
    client.cookies["isok_session"] = first
    response = await client.get("/api/me")
    assert response.status_code == 401


async def test_planted_session_cookie_is_not_adopted(client: AsyncTestClient) -> None:
    client.cookies.set("isok_session", "attacker-chosen-value", domain="testserver.local")
    await sign_in(client, "teacher@demo.test")
    assert client.cookies["isok_session"] != "attacker-chosen-value"


async def test_sign_out_invalidates_the_session(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, "coordinator@demo.test")
    token = client.cookies["isok_session"]
    response = await client.post(
        "/logout", headers={"x-csrftoken": await csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert await count(settings, select(func.count()).select_from(LoginSession)) == 0
    page = await client.get("/login")
    assert "You have signed out." in page.text
    # The message is shown once.
    assert "You have signed out." not in (await client.get("/login")).text
    # Even a copy of the old cookie no longer works.
    client.cookies.clear()
    client.cookies["isok_session"] = token
    assert (await client.get("/api/me")).status_code == 401


async def test_sign_in_redirects_only_to_same_site_paths(client: AsyncTestClient) -> None:
    response = await post_login(client, "teacher@demo.test", "isok-demo", next="//evil.example/")
    assert response.status_code == 303
    assert response.headers["location"] == "/home"
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})
    response = await post_login(client, "teacher@demo.test", "isok-demo", next="/frameworks")
    assert response.headers["location"] == "/frameworks"


async def blocked_until_passes(settings: Settings) -> None:
    """Move every delay in force into the past, as if the wait were over."""
    engine = create_engine(settings.database)
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.blocked_until.is_not(None))
                .values(blocked_until=past)
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def patient(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """A client on an app whose first delay is a minute, so that no delay runs out while a
    slow machine runs the test."""
    slow = dataclasses.replace(
        settings,
        security=dataclasses.replace(settings.security, throttle_first_delay_seconds=60),
    )
    async with AsyncTestClient(app=create_app(slow), base_url="http://testserver.local") as c:
        yield c


@pytest.mark.both_databases
async def test_account_is_throttled_after_repeated_failures(
    patient: AsyncTestClient, settings: Settings
) -> None:
    for _ in range(5):
        response = await post_login(patient, "tutor@demo.test", "wrong-password")
        assert response.status_code == 400
    response = await post_login(patient, "tutor@demo.test", "isok-demo")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Wait 1 minute and try again." in response.text
    assert 50 <= int(response.headers["retry-after"]) <= 60
    assert "isok_session" not in response.cookies
    # A refused try is not checked: only the five failures were.
    assert await count(settings, select(func.count()).select_from(LoginAttempt)) == 5
    # Another account from the same address is still allowed.
    await sign_in(patient, "teacher@demo.test")
    # Once the wait is over, the right password works: never a lock-out for hours.
    await blocked_until_passes(settings)
    await sign_in(patient, "tutor@demo.test")


@pytest.mark.both_databases
async def test_delays_grow_with_each_further_failure_and_are_capped(
    patient: AsyncTestClient, settings: Settings
) -> None:
    for _ in range(5):
        await post_login(patient, "tutor@demo.test", "wrong-password")
    waits = []
    for _ in range(4):
        await blocked_until_passes(settings)
        assert (await post_login(patient, "tutor@demo.test", "wrong")).status_code == 400
        refused = await post_login(patient, "tutor@demo.test", "isok-demo")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
    # 2, 4, 8 then 16 minutes, but never more than the cap of 5 minutes.
    for wait, expected in zip(waits, [120, 240, 300, 300], strict=True):
        assert expected - 10 <= wait <= expected, waits
    rules = settings.security
    assert [delay_after(n, free=5, settings=rules) for n in (4, 5, 6, 7, 40)] == [0, 1, 2, 4, 300]


def test_the_wait_is_said_in_seconds_then_in_minutes() -> None:
    assert wait_message(1) == "Too many failed sign-in attempts. Wait 1 second and try again."
    assert wait_message(30) == "Too many failed sign-in attempts. Wait 30 seconds and try again."
    assert wait_message(61) == "Too many failed sign-in attempts. Wait 2 minutes and try again."


@pytest.mark.both_databases
async def test_a_right_password_starts_the_count_afresh(client: AsyncTestClient) -> None:
    for _ in range(4):
        await post_login(client, "tutor@demo.test", "wrong-password")
    await sign_in(client, "tutor@demo.test")
    for _ in range(4):
        assert (await post_login(client, "tutor@demo.test", "wrong")).status_code == 400
    await sign_in(client, "tutor@demo.test")


@pytest.mark.both_databases
async def test_client_address_is_throttled_across_accounts(patient: AsyncTestClient) -> None:
    for index in range(20):
        await post_login(patient, f"guess{index}@demo.test", "wrong-password")
    response = await post_login(patient, "teacher@demo.test", "isok-demo")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


@pytest.mark.both_databases
async def test_parallel_guesses_get_no_more_checks_than_the_allowance(
    settings: Settings,
) -> None:
    # A long first delay, so that a slow machine cannot let a sixth guess in by waiting.
    slow = dataclasses.replace(
        settings,
        security=dataclasses.replace(settings.security, throttle_first_delay_seconds=600),
    )
    async with AsyncTestClient(app=create_app(slow), base_url="http://testserver.local") as c:
        token = await csrf_token(c)

        async def guess(index: int) -> int:
            response = await c.post(
                "/login",
                data={
                    "email": "tutor@demo.test",
                    "password": f"guess-{index}",
                    "_csrf_token": token,
                },
                follow_redirects=False,
            )
            return response.status_code

        statuses = await asyncio.gather(*(guess(index) for index in range(20)))
    assert sorted(statuses) == [400] * 5 + [429] * 15
    checked = select(func.count()).select_from(LoginAttempt)
    assert await count(settings, checked) == 5


@pytest.mark.both_databases
async def test_guesses_from_another_address_never_delay_the_owner(settings: Settings) -> None:
    engine = create_engine(settings.database)
    rules = settings.security
    try:
        factory = create_session_factory(engine)
        for _ in range(40):
            async with factory() as session, session.begin():
                await count_try(
                    session, email="tutor@demo.test", client_address="203.0.113.9", settings=rules
                )
        async with factory() as session, session.begin():
            attacker = await count_try(
                session, email="tutor@demo.test", client_address="203.0.113.9", settings=rules
            )
            owner = await count_try(
                session, email="tutor@demo.test", client_address="192.0.2.10", settings=rules
            )
        assert attacker.blocked
        assert attacker.retry_after_seconds <= rules.throttle_max_delay_seconds
        assert not owner.blocked
    finally:
        await engine.dispose()


@pytest.mark.both_databases
async def test_a_refused_try_counts_for_nothing_even_if_the_session_commits(
    settings: Settings,
) -> None:
    """The pair's count is made before the address's refuses: both are made in a savepoint
    that the refusal rolls back, so the caller need not roll back for the count to vanish."""
    engine = create_engine(settings.database)
    rules = dataclasses.replace(
        settings.security, free_tries_per_address=1, throttle_first_delay_seconds=60
    )
    try:
        factory = create_session_factory(engine)
        for email in ("tutor@demo.test", "teacher@demo.test"):
            async with factory() as session, session.begin():
                await count_try(session, email=email, client_address="203.0.113.7", settings=rules)
        attempts = select(func.sum(LoginThrottle.attempts))
        before = await count(settings, attempts)
        async with factory() as session, session.begin():
            refused = await count_try(
                session, email="counsellor@demo.test", client_address="203.0.113.7", settings=rules
            )
        assert refused.blocked
        assert await count(settings, attempts) == before
        counsellor = select(func.count()).where(LoginThrottle.email == "counsellor@demo.test")
        assert await count(settings, counsellor) == 0
    finally:
        await engine.dispose()


async def test_login_without_csrf_token_is_refused(
    client: AsyncTestClient, settings: Settings
) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": "teacher@demo.test", "password": "isok-demo"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "isok_session" not in response.cookies
    assert await count(settings, select(func.count()).select_from(LoginAttempt)) == 0


async def test_forged_csrf_token_changes_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, "coordinator@demo.test")
    response = await client.post(
        "/logout", headers={"x-csrftoken": "forged-token"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "You do not have access to this page" in response.text
    # The session survived: the forged request was not carried out.
    assert await count(settings, select(func.count()).select_from(LoginSession)) == 1
    assert (await client.get("/api/me")).status_code == 200


@pytest.mark.both_databases
async def test_deactivated_user_cannot_sign_in_or_keep_a_session(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, "counsellor@demo.test")
    engine = create_engine(settings.database)
    async with create_session_factory(engine)() as session, session.begin():
        user = (
            await session.execute(select(User).where(User.email == "counsellor@demo.test"))
        ).scalar_one()
        user.is_active = False
    await engine.dispose()
    assert (await client.get("/api/me")).status_code == 401
    response = await post_login(client, "counsellor@demo.test", "isok-demo")
    assert response.status_code == 400


async def test_sign_in_is_on_the_audit_trail(client: AsyncTestClient, settings: Settings) -> None:
    await sign_in(client, "teacher@demo.test")
    logins = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login")
    assert await count(settings, logins) == 1


async def test_anonymous_page_request_redirects_to_login_with_next(client: AsyncTestClient) -> None:
    response = await client.get("/frameworks?q=fork", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/frameworks%3Fq%3Dfork"


async def test_anonymous_api_request_gets_json_401(client: AsyncTestClient) -> None:
    response = await client.get("/api/frameworks")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in to continue."}


async def test_two_session_cookies_are_read_alike_and_sign_out_ends_both(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, "teacher@demo.test")
    teacher = client.cookies["isok_session"]
    await sign_in(client, "counsellor@demo.test")
    counsellor = client.cookies["isok_session"]
    # Signing in again ended the teacher's session; make a new one in another browser.
    async with AsyncTestClient(
        app=create_app(settings), base_url="http://testserver.local"
    ) as other:
        await sign_in(other, "teacher@demo.test")
        teacher = other.cookies["isok_session"]
    csrf = await csrf_token(client)
    both = {"cookie": f"isok_session={teacher}; isok_session={counsellor}; csrftoken={csrf}"}
    me = await client.get("/api/me", headers=both)
    assert me.json()["email"] == "teacher@demo.test"  # the first cookie, as sign-out reads
    assert await count(settings, select(func.count()).select_from(LoginSession)) == 2
    response = await client.post(
        "/logout", headers={**both, "x-csrftoken": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert await count(settings, select(func.count()).select_from(LoginSession)) == 0


async def test_sign_in_ends_every_session_cookie_presented(
    client: AsyncTestClient, settings: Settings
) -> None:
    tokens = []
    for email in ("teacher@demo.test", "counsellor@demo.test"):
        async with AsyncTestClient(
            app=create_app(settings), base_url="http://testserver.local"
        ) as other:
            await sign_in(other, email)
            tokens.append(other.cookies["isok_session"])
    csrf = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"email": "tutor@demo.test", "password": "isok-demo", "_csrf_token": csrf},
        headers={"cookie": f"isok_session={tokens[0]}; isok_session={tokens[1]}; csrftoken={csrf}"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert await count(settings, select(func.count()).select_from(LoginSession)) == 1
