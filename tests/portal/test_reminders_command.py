"""`isok reminders run` and the sender's loop (`isok mail send`) run the scheduled reminders
(portal/reminders.py): each says how many it told, and running again tells nobody twice."""

from __future__ import annotations

import datetime
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit import clock
from kit.outbox import OutboxMessage
from kit.settings import MailSettings, Settings, get_settings
from placements.models import Placement
from portal.cli import main, run_in_session
from portal.reminders import REMINDERS
from tests.mailbox import Inbox

pytestmark = pytest.mark.both_databases

PLACEMENT = 1  # demo: active, with tutor@, teacher@ and counsellor@demo.test
PLACEMENT_LINE = "Placements starting or ending within a week: told 3 people."
TOLD = re.compile(r"^(.+): told (\d+) (?:person|people)\.$", re.MULTILINE)
T = TypeVar("T")


def in_database(settings: Settings, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``job`` in one transaction on the test's database (outside any event loop)."""
    return run_in_session(settings, job)


def starts_in_three_days(settings: Settings) -> None:
    """Demo placement 1 starts in three days (programme time), as far as reminders go."""

    async def job(session: AsyncSession) -> None:
        placement = await session.get(Placement, PLACEMENT)
        assert placement is not None
        placement.start_date = clock.today() + datetime.timedelta(days=3)
        placement.end_date = clock.today() + datetime.timedelta(days=60)

    in_database(settings, job)


def outbox_size(settings: Settings) -> int:
    async def job(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)

    return in_database(settings, job)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[None]:
    monkeypatch.setenv("ISOK_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("ISOK_SECRET_KEY", "reminder-test-secret-" * 3)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def isok(*arguments: str) -> Result:
    return CliRunner().invoke(main, list(arguments), catch_exceptions=False)


def told(output: str) -> dict[str, int]:
    return {name: int(count) for name, count in TOLD.findall(output)}


@pytest.mark.usefixtures("environment")
def test_isok_reminders_run_says_how_many_each_told_and_tells_nobody_twice(
    settings: Settings,
) -> None:
    starts_in_three_days(settings)
    first = isok("reminders", "run")
    assert first.exit_code == 0, first.output
    assert PLACEMENT_LINE in first.output
    counts = told(first.output)
    assert list(counts) == [reminder.name for reminder in REMINDERS]
    written = outbox_size(settings)
    assert written == sum(counts.values())  # every person told gets an e-mail here

    again = isok("reminders", "run")
    assert again.exit_code == 0, again.output
    assert told(again.output) == dict.fromkeys(counts, 0)
    assert outbox_size(settings) == written


def test_isok_reminders_run_explains_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOK_ENV", "production")
    monkeypatch.delenv("ISOK_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["reminders", "run"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "Error:" in result.output


@pytest.mark.usefixtures("environment")
def test_isok_mail_send_once_runs_the_reminders_and_delivers_them_once(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    monkeypatch.setenv("ISOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ISOK_SMTP_PORT", str(mail.port))
    monkeypatch.setenv("ISOK_SMTP_TLS", "none")
    monkeypatch.setenv("ISOK_PUBLIC_URL", "https://isok.example.fi")
    get_settings.cache_clear()
    starts_in_three_days(settings)

    first = isok("mail", "send", "--once")
    assert first.exit_code == 0, first.output
    assert PLACEMENT_LINE in first.output
    sent = sum(told(first.output).values())
    assert f"Sent {sent}, to try again later 0, failed 0" in first.output
    for address in ("tutor@demo.test", "teacher@demo.test", "counsellor@demo.test"):
        subjects = [str(m["Subject"]) for m in inbox.to(address)]
        assert sum(s.startswith("A placement starts on") for s in subjects) == 1, subjects
    [tutor] = inbox.to("tutor@demo.test")
    assert f"https://isok.example.fi/placements/{PLACEMENT}" in str(tutor.get_body(("plain",)))

    again = isok("mail", "send", "--once")
    assert again.exit_code == 0, again.output
    assert "told" not in again.output  # a pass that tells nobody says nothing of reminders
    assert "Sent 0, to try again later 0, failed 0" in again.output
    assert len(inbox.received) == sent
