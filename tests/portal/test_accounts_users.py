"""The coordinator's staff users page; look-alike addresses; ASCII-only business IDs."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from accounts.lookalike import skeleton
from accounts.models import LoginThrottle, User
from employers import business_id
from kit.audit import AuditEvent
from kit.settings import Settings, get_settings
from portal.app import create_app
from portal.cli import main
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_auth import post_login
from tests.portal.test_people import query, user_row


async def post(client: AsyncTestClient, path: str) -> Any:
    return await client.post(
        path, data={"_csrf_token": await csrf_token(client)}, follow_redirects=False
    )


async def test_the_coordinator_lists_staff_users_and_no_one_else(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    home = await client.get("/home")
    assert 'href="/users"' in home.text
    page = await client.get("/users")
    assert page.status_code == 200
    for role in ("coordinator", "counsellor", "teacher", "steering"):
        assert DEMO_USERS[role] in page.text
    for email in (DEMO_USERS["employer"], DEMO_USERS["tutor"]):
        assert email not in page.text
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get("/users")).status_code == 403


async def test_deactivating_a_counsellor_signs_them_out_at_once(
    client: AsyncTestClient, settings: Settings, database_url: str
) -> None:
    counsellor_id, _ = await user_row(database_url, DEMO_USERS["counsellor"])
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as c:
        await sign_in(c, DEMO_USERS["counsellor"])
        await sign_in(client, DEMO_USERS["coordinator"])
        response = await post(client, f"/users/{counsellor_id}/deactivate")
        assert response.status_code == 303
        assert "can no longer sign in" in (await client.get("/users")).text
        assert (await c.get("/api/me")).status_code == 401
        refused = await post_login(c, DEMO_USERS["counsellor"], "isok-demo")
        assert refused.status_code == 400
    assert (await user_row(database_url, DEMO_USERS["counsellor"]))[1] is False
    assert (await post(client, f"/users/{counsellor_id}/reactivate")).status_code == 303
    assert (await user_row(database_url, DEMO_USERS["counsellor"]))[1] is True


async def test_the_coordinator_deactivates_a_steering_committee_member(
    client: AsyncTestClient, database_url: str
) -> None:
    steering_id, _ = await user_row(database_url, DEMO_USERS["steering"])
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await post(client, f"/users/{steering_id}/deactivate")).status_code == 303
    assert (await user_row(database_url, DEMO_USERS["steering"]))[1] is False
    refused = await post_login(client, DEMO_USERS["steering"], "isok-demo")
    assert refused.status_code == 400
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await post(client, f"/users/{steering_id}/reactivate")).status_code == 303
    assert (await user_row(database_url, DEMO_USERS["steering"]))[1] is True


async def test_the_coordinator_cannot_deactivate_themselves_or_non_staff(
    client: AsyncTestClient, database_url: str
) -> None:
    coordinator_id, _ = await user_row(database_url, DEMO_USERS["coordinator"])
    employer_id, _ = await user_row(database_url, DEMO_USERS["employer"])
    await sign_in(client, DEMO_USERS["coordinator"])
    mine = await post(client, f"/users/{coordinator_id}/deactivate")
    assert mine.status_code == 303
    assert "cannot deactivate your own account" in (await client.get("/users")).text
    for user_id in (employer_id, 999_999):
        for action in ("deactivate", "reactivate", "unlock"):
            assert (await post(client, f"/users/{user_id}/{action}")).status_code == 404
    for email in (DEMO_USERS["coordinator"], DEMO_USERS["employer"]):
        assert (await user_row(database_url, email))[1] is True


@pytest.mark.real_sign_in  # the last sign-in proves the throttle is lifted
async def test_the_coordinator_clears_sign_in_delays(settings: Settings, database_url: str) -> None:
    # A long first delay, so that it is still in force however slow the machine.
    slow = dataclasses.replace(
        settings,
        security=dataclasses.replace(settings.security, throttle_first_delay_seconds=600),
    )
    teacher_id, _ = await user_row(database_url, DEMO_USERS["teacher"])
    async with (
        AsyncTestClient(app=create_app(slow), base_url="http://testserver.local") as client,
        AsyncTestClient(app=create_app(slow), base_url="http://testserver.local") as admin,
    ):
        for _ in range(5):
            await post_login(client, DEMO_USERS["teacher"], "wrong-password")
        assert (await post_login(client, DEMO_USERS["teacher"], "isok-demo")).status_code == 429
        # The coordinator signs in from the same test address: the pair is another one.
        await sign_in(admin, DEMO_USERS["coordinator"])
        page = await admin.get("/users")
        assert "Sign-in delayed until" in page.text
        assert (await post(admin, f"/users/{teacher_id}/unlock")).status_code == 303
        await sign_in(client, DEMO_USERS["teacher"])
    remaining = select(func.count(LoginThrottle.id)).where(
        LoginThrottle.email == DEMO_USERS["teacher"]
    )
    assert await query(database_url, remaining) == [(1,)]  # only the new sign-in's row
    unlocked = select(func.count(AuditEvent.id)).where(AuditEvent.action == "sign_in_unlocked")
    assert await query(database_url, unlocked) == [(1,)]


def test_look_alike_addresses_share_a_skeleton() -> None:
    staff = "coordinator@demo.test"
    for look_alike in (
        "c\u043eordinator@demo.test",  # Cyrillic о
        "co\u043erdinator@demo.test",  # Cyrillic о, second place
        "\u0441oordinator@demo.test",  # Cyrillic с
        "\uff43oordinator@demo.test",  # full-width c
        "coordinator@dem\u043e.test",  # in the domain
        "CO\u00d6RDINATOR@demo.test",  # an accent and capitals
    ):
        assert skeleton(look_alike) == skeleton(staff), look_alike
    assert skeleton("coordinator2@demo.test") != skeleton(staff)


@pytest.fixture
def isok(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[CliRunner]:
    monkeypatch.setenv("ISOK_DATABASE_URL", database_url)
    monkeypatch.setenv("ISOK_SECRET_KEY", "cli-test-secret-" * 3)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_isok_users_create_refuses_a_look_alike_of_a_staff_address(
    isok: CliRunner, database_url: str
) -> None:
    result = isok.invoke(
        main,
        ["users", "create", "--email", "te\u0430cher@demo.test", "--role", "coordinator"],
        input="a long enough password\n",
    )
    assert result.exit_code == 1
    assert "this or a very similar e-mail address already exists" in result.output
    users = asyncio.run(
        query(database_url, select(func.count(User.id)).where(User.role == "coordinator"))
    )
    assert users == [(1,)]


@pytest.mark.parametrize(
    "value",
    [
        "\uff12\uff17\uff13\uff14\uff15\uff11\uff11-\uff13",  # full-width 2734511-3
        "\u0662\u0667\u0663\u0664\u0665\u0661\u0661-\u0663",  # Arabic-Indic 2734511-3
        "\u06f2\u06f7\u06f3\u06f4\u06f5\u06f1\u06f1-\u06f3",  # Extended Arabic-Indic
    ],
)
def test_business_ids_take_ascii_digits_only(value: str) -> None:
    assert business_id.is_valid("2734511-3")
    assert not business_id.is_valid(value)
    assert business_id.normalise(value) != "2734511-3"
