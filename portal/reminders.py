"""The scheduled reminders, composed in one place (docs/notifications.md, "Reminders").

Each reminder is a function ``(session, *, now) -> int`` of its own domain that tells people
what falls due and returns how many it told. Each writes its notices with a key that is
written once, so running them again (from ``isok reminders run``, from every sender's loop,
from several machines at once) tells nobody twice. :func:`run_reminders` runs each in a
transaction of its own: one that fails is rolled back and reported, and the others still run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments.notices import remind_expiring_links
from placements.lifecycle.reminders import remind_placements
from reporting.follow_ups import remind_follow_ups


class Remind(Protocol):
    async def __call__(self, session: AsyncSession, *, now: datetime.datetime) -> int:
        """Tell whoever is due to be told at ``now``; how many were told."""


# How often the sender's loop (`isok mail send`) runs the reminders.
EVERY = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class Reminder:
    name: str  # as `isok reminders run` prints it
    remind: Remind


REMINDERS: tuple[Reminder, ...] = (
    Reminder("Assessment links expiring", remind_expiring_links),
    Reminder("Placements starting or ending within a week", remind_placements),
    Reminder("Outcome follow-ups due", remind_follow_ups),
)


@dataclass(frozen=True)
class Reminded:
    """What one reminder did: how many people it told, or why it failed."""

    name: str
    told: int = 0
    error: str = ""

    def describe(self) -> str:
        if self.error:
            return f"{self.name}: failed, {self.error}"
        return f"{self.name}: told {self.told} {'person' if self.told == 1 else 'people'}."


async def run_reminders(
    sessions: async_sessionmaker[AsyncSession], now: datetime.datetime
) -> list[Reminded]:
    """Run every reminder as of ``now``, each in one transaction of its own."""
    done = []
    for reminder in REMINDERS:
        try:
            async with sessions() as session, session.begin():
                told = await reminder.remind(session, now=now)
        except Exception as error:  # one broken reminder must not stop the others or the mail
            first_line = (str(error).splitlines() or [""])[0][:200]
            done.append(Reminded(reminder.name, error=f"{type(error).__name__}: {first_line}"))
            continue
        done.append(Reminded(reminder.name, told=told))
    return done
