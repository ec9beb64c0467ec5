"""Outcome follow-ups due (reporting/follow_ups.py, remind_follow_ups): the counsellor is told
of the follow-ups on their home page, once each, by candidate number and never by name; a
client with no counsellor is the coordinators'."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import Notification, User
from candidates.models import Candidate
from kit import clock
from kit.outbox import OutboxMessage
from kit.roles import viewer_for
from kit.settings import MailSettings
from reporting.follow_ups import FollowUp, add_months, follow_ups_due, remind_follow_ups
from reporting.models import OutcomeKind, OutcomeSource
from reporting.outcomes import OutcomeInput, record_outcome
from tests.conftest import DEMO_USERS
from tests.mailbox import PUBLIC_URL, Inbox, deliver, text_of

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]


async def due_for_counsellor(sessions: Sessions, today: datetime.date) -> list[FollowUp]:
    async with sessions() as session:
        counsellor = await session.scalar(
            select(User).where(User.email == DEMO_USERS["counsellor"])
        )
        assert counsellor is not None
        return await follow_ups_due(session, viewer_for(counsellor), today=today)


async def remind(sessions: Sessions, now: datetime.datetime) -> int:
    async with sessions() as session, session.begin():
        return await remind_follow_ups(session, now=now)


async def test_the_counsellor_is_told_of_each_follow_up_on_their_home_page_once(
    sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    now = clock.now()
    due = await due_for_counsellor(sessions, clock.today())
    assert due, "the demo data has follow-ups due"
    assert await remind(sessions, now) == len(due)
    assert await remind(sessions, now) == 0
    assert (await deliver(sessions, mail)).sent == len(due)
    messages = inbox.to(DEMO_USERS["counsellor"])
    assert len(messages) == len(due)
    everything = "\n".join(f"{m['Subject']}\n{text_of(m)}" for m in messages)
    for follow_up in due:
        assert f"candidate no. {follow_up.candidate_id}" in everything
        assert f"{PUBLIC_URL}/candidates/{follow_up.candidate_id}/outcomes/new" in everything
        assert f"{follow_up.months}-month follow-up" in everything
        assert follow_up.candidate_name not in everything
    async with sessions() as session:
        kinds = (
            await session.scalars(
                select(Notification.kind)
                .join(User, User.id == Notification.user_id)
                .where(User.email == DEMO_USERS["counsellor"])
            )
        ).all()
    assert kinds == ["follow_up_due"] * len(due)


async def test_a_client_without_a_counsellor_is_the_coordinators_and_the_next_follow_up_is_new(
    sessions: Sessions,
) -> None:
    now = clock.now()
    first, *_ = await due_for_counsellor(sessions, clock.today())
    async with sessions() as session, session.begin():
        candidate = await session.get(Candidate, first.candidate_id)
        assert candidate is not None
        candidate.counsellor_id = None
    await remind(sessions, now)
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.recipient, OutboxMessage.dedupe_key).where(
                OutboxMessage.dedupe_key.like(f"follow_up_due:{first.candidate_id}:%")
            )
        )
        assert [to for to, _key in rows.tuples()] == [DEMO_USERS["coordinator"]]
    if first.months == 3:
        # Three months on, the 6-month follow-up is a reminder of its own.
        later = datetime.datetime.combine(
            add_months(first.placement_ended_on, 6), datetime.time(9), clock.PROGRAMME_TIMEZONE
        )
        assert await remind(sessions, later) >= 1
        async with sessions() as session:
            keys = (
                await session.scalars(
                    select(OutboxMessage.dedupe_key).where(
                        OutboxMessage.dedupe_key.like(f"follow_up_due:{first.candidate_id}:%")
                    )
                )
            ).all()
        assert len(keys) == 2


async def test_a_follow_up_recorded_before_the_reminders_run_is_not_reminded(
    sessions: Sessions,
) -> None:
    """An outcome ("none yet" too) recorded on or after the due day is the follow-up done."""
    due = await due_for_counsellor(sessions, clock.today())
    first = due[0]
    async with sessions() as session, session.begin():
        counsellor = await session.scalar(
            select(User).where(User.email == DEMO_USERS["counsellor"])
        )
        candidate = await session.get(Candidate, first.candidate_id)
        assert counsellor is not None
        assert candidate is not None
        await record_outcome(
            session,
            candidate=candidate,
            viewer=viewer_for(counsellor),
            data=OutcomeInput(kind=OutcomeKind.NONE_YET.value, source=OutcomeSource.CANDIDATE),
            today=clock.today(),
        )
    assert await remind(sessions, clock.now()) == len(due) - 1
    async with sessions() as session:
        told = (
            await session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.dedupe_key.like(f"follow_up_due:{first.candidate_id}:%")
                )
            )
        ).all()
    assert told == []
