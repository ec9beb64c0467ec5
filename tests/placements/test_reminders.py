"""A placement starting or ending within a week (placements/lifecycle/reminders.py): the people
taking part are told 7 days before, not earlier, once each, by the portal and by e-mail that a
real SMTP server receives; the candidate's name is in nobody's message."""

from __future__ import annotations

import datetime
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import Notification, User
from accounts.services import create_user
from candidates.models import Candidate
from employers.models import Organisation
from kit.clock import PROGRAMME_TIMEZONE
from kit.i18n import format_date, in_language
from kit.outbox import OutboxMessage
from kit.roles import Role
from kit.settings import MailSettings
from placements.lifecycle.reminders import remind_placements
from placements.models import Placement, PlacementStatus, Position
from tests.mailbox import PUBLIC_URL, Inbox, deliver, html_of, text_of

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]

PLACEMENT = 1  # demo: active, tutor@, teacher@ and counsellor@demo.test take part
STAFF = ("tutor@demo.test", "teacher@demo.test", "counsellor@demo.test")
OWN_ACCOUNT = "placed.candidate@example.test"
# Years after the demo's dates, so that no other demo placement starts or ends that week.
NOW = datetime.datetime(2031, 3, 3, 9, 0, tzinfo=PROGRAMME_TIMEZONE)
TODAY = NOW.date()


async def arrange(
    sessions: Sessions,
    *,
    start: datetime.date,
    end: datetime.date,
    status: str = PlacementStatus.ACTIVE.value,
) -> tuple[str, str, str]:
    """Placement 1 on these days, its candidate with an account of their own; returns the
    candidate's name, the position's title and the organisation's name."""
    async with sessions() as session, session.begin():
        placement = await session.get(Placement, PLACEMENT)
        assert placement is not None
        placement.start_date, placement.end_date, placement.status = start, end, status
        candidate = await session.get(Candidate, placement.candidate_id)
        assert candidate is not None
        user = await create_user(
            session,
            email=OWN_ACCOUNT,
            name=candidate.name,
            role=Role.CANDIDATE,
            password="a long enough password 2031",
        )
        candidate.user_id = user.id
        position = await session.get(Position, placement.position_id)
        organisation = await session.get(Organisation, placement.organisation_id)
        assert position is not None
        assert organisation is not None
        return candidate.name, position.title, organisation.name


async def remind(sessions: Sessions, now: datetime.datetime) -> int:
    async with sessions() as session, session.begin():
        return await remind_placements(session, now=now)


async def written(sessions: Sessions) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.recipient, OutboxMessage.kind).order_by(OutboxMessage.recipient)
        )
        return [(str(to), str(kind)) for to, kind in rows.tuples()]


def day_in(message: EmailMessage, day: datetime.date) -> str:
    with in_language(str(message["Content-Language"])):
        return format_date(day)


async def test_the_people_taking_part_are_told_a_week_before_the_start_and_not_earlier(
    sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    start = TODAY + datetime.timedelta(days=7)
    name, title, organisation = await arrange(
        sessions, start=start, end=start + datetime.timedelta(days=60)
    )
    assert await remind(sessions, NOW - datetime.timedelta(days=1)) == 0  # 8 days before
    assert await written(sessions) == []

    assert await remind(sessions, NOW) == 4
    assert sorted(await written(sessions)) == sorted(
        (address, "placement_soon") for address in (*STAFF, OWN_ACCOUNT)
    )
    report = await deliver(sessions, mail)
    assert report.sent == 4
    for address in STAFF:
        [message] = inbox.to(address)
        text, page = text_of(message), html_of(message)
        assert f"The placement in the position {title} at {organisation} starts on" in text
        assert day_in(message, start) in text
        assert f"{PUBLIC_URL}/placements/{PLACEMENT}" in text
        assert f'href="{PUBLIC_URL}/placements/{PLACEMENT}"' in page
        assert name not in text
        assert name not in page
        assert name not in str(message["Subject"])
    [own] = inbox.to(OWN_ACCOUNT)
    assert "Your placement starts on" in str(own["Subject"])
    assert f"Your placement in the position {title} at {organisation}" in text_of(own)
    assert f"{PUBLIC_URL}/home" in text_of(own)

    # Again the same day, and on the following days: nobody is told twice.
    for days in (0, 1, 6, 7):
        assert await remind(sessions, NOW + datetime.timedelta(days=days)) == 0
    assert len(await written(sessions)) == 4
    assert (await deliver(sessions, mail)).handled == 0
    assert len(inbox.received) == 4
    async with sessions() as session:
        told = await session.execute(
            select(User.email, func.count())
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == "placement_soon")
            .group_by(User.email)
        )
        assert dict(told.tuples().all()) == dict.fromkeys((*STAFF, OWN_ACCOUNT), 1)


async def test_the_end_is_announced_a_week_before_it_and_a_past_start_is_not(
    sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    end = TODAY + datetime.timedelta(days=3)
    await arrange(sessions, start=TODAY - datetime.timedelta(days=50), end=end)
    assert await remind(sessions, NOW - datetime.timedelta(days=5)) == 0  # 8 days before
    assert await remind(sessions, NOW) == 4
    assert await remind(sessions, NOW + datetime.timedelta(days=1)) == 0
    await deliver(sessions, mail)
    [message] = inbox.to("tutor@demo.test")
    assert str(message["Subject"]).startswith("A placement ends on")
    assert day_in(message, end) in text_of(message)
    [own] = inbox.to(OWN_ACCOUNT)
    assert str(own["Subject"]).startswith("Your placement ends on")
    # The day after the end, nothing more.
    assert await remind(sessions, NOW + datetime.timedelta(days=4)) == 0


async def test_a_moved_start_is_announced_again_for_its_new_day(sessions: Sessions) -> None:
    await arrange(
        sessions,
        start=TODAY + datetime.timedelta(days=2),
        end=TODAY + datetime.timedelta(days=90),
    )
    assert await remind(sessions, NOW) == 4
    async with sessions() as session, session.begin():
        placement = await session.get(Placement, PLACEMENT)
        assert placement is not None
        placement.start_date = TODAY + datetime.timedelta(days=5)
    assert await remind(sessions, NOW) == 4
    assert await remind(sessions, NOW) == 0


@pytest.mark.parametrize(
    "status", [PlacementStatus.INTERRUPTED.value, PlacementStatus.COMPLETED.value]
)
async def test_an_interrupted_or_completed_placement_is_not_announced(
    sessions: Sessions, status: str
) -> None:
    await arrange(
        sessions,
        start=TODAY + datetime.timedelta(days=1),
        end=TODAY + datetime.timedelta(days=2),
        status=status,
    )
    assert await remind(sessions, NOW) == 0
    assert await written(sessions) == []
