"""Reminders about placements: one starting or ending within a week (docs/notifications.md).

The people taking part are told 7 days before (and up to) the start day and the end day of an
agreed or active placement: the workplace tutor, the professional teacher and the counsellor
the placement records, and the candidate when they have an account of their own. The notice
names the position, the organisation and the day, never the candidate: the placement's page
shows the rest to whoever may see it. Each person is told once per placement, event and day
(a key written once), so running the reminders again tells nobody twice; a placement whose
day is moved is announced again for its new day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.notices import notify, users_with_ids
from candidates.models import Candidate
from employers.models import Organisation
from kit.clock import day_of
from kit.i18n import N_
from kit.notices import Notice
from placements.models import LIVE_PLACEMENT_STATUSES, Placement, Position

KIND = "placement_soon"
AHEAD = datetime.timedelta(days=7)
CANDIDATE_HOME = "/home"

# (subject, paragraph) for the people working on the placement, and for the candidate.
_WORDING = {
    "start": (
        (
            N_("A placement starts on %(day)s"),
            N_("The placement in the position %(position)s at %(organisation)s starts on %(day)s."),
        ),
        (
            N_("Your placement starts on %(day)s"),
            N_(
                "Your placement in the position %(position)s at %(organisation)s starts on %(day)s."
            ),
        ),
    ),
    "end": (
        (
            N_("A placement ends on %(day)s"),
            N_("The placement in the position %(position)s at %(organisation)s ends on %(day)s."),
        ),
        (
            N_("Your placement ends on %(day)s"),
            N_("Your placement in the position %(position)s at %(organisation)s ends on %(day)s."),
        ),
    ),
}


@dataclass(frozen=True)
class _Soon:
    placement_id: int
    event: str  # "start" or "end"
    day: datetime.date
    position: str
    organisation: str
    staff_ids: tuple[int | None, ...]
    candidate_user_id: int | None


async def _placements_soon(session: AsyncSession, *, today: datetime.date) -> list[_Soon]:
    """Each start or end day from ``today`` to a week ahead of a live placement (one query)."""
    last = today + AHEAD
    rows = await session.execute(
        select(
            Placement.id,
            Placement.start_date,
            Placement.end_date,
            Placement.tutor_id,
            Placement.teacher_id,
            Placement.counsellor_id,
            Position.title,
            Organisation.name,
            Candidate.user_id,
        )
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Placement.organisation_id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .where(
            Placement.status.in_(LIVE_PLACEMENT_STATUSES),
            or_(
                and_(Placement.start_date >= today, Placement.start_date <= last),
                and_(Placement.end_date >= today, Placement.end_date <= last),
            ),
        )
        .order_by(Placement.id)
    )
    soon = []
    for (
        placement_id,
        start,
        end,
        tutor_id,
        teacher_id,
        counsellor_id,
        title,
        organisation,
        user_id,
    ) in rows.tuples():
        for event, day in (("start", start), ("end", end)):
            if day is not None and today <= day <= last:
                soon.append(
                    _Soon(
                        placement_id=int(placement_id),
                        event=event,
                        day=day,
                        position=str(title),
                        organisation=str(organisation),
                        staff_ids=(tutor_id, teacher_id, counsellor_id),
                        candidate_user_id=user_id,
                    )
                )
    return soon


def _notice(soon: _Soon, *, for_candidate: bool) -> Notice:
    staff_wording, candidate_wording = _WORDING[soon.event]
    subject, line = candidate_wording if for_candidate else staff_wording
    return Notice(
        kind=KIND,
        subject=subject,
        lines=(line,),
        values={"position": soon.position, "organisation": soon.organisation, "day": soon.day},
        link=CANDIDATE_HOME if for_candidate else f"/placements/{soon.placement_id}",
        action=N_("Open the ISOK portal") if for_candidate else N_("Open the placement"),
    )


async def remind_placements(session: AsyncSession, *, now: datetime.datetime) -> int:
    """Tell the people taking part in each live placement that starts or ends within a
    week of ``now`` (programme time), once each; how many were told this time."""
    soon = await _placements_soon(session, today=day_of(now))
    wanted = {
        user_id
        for item in soon
        for user_id in (*item.staff_ids, item.candidate_user_id)
        if user_id is not None
    }
    users = {user.id: user for user in await users_with_ids(session, wanted)}
    told = 0
    for item in soon:
        key = f"{KIND}:{item.placement_id}:{item.event}:{item.day.isoformat()}"
        staff_notice = _notice(item, for_candidate=False)
        seen: set[int] = set()
        for user_id in item.staff_ids:
            user = users.get(user_id) if user_id is not None else None
            if user is None or user.id in seen:
                continue
            seen.add(user.id)
            told += await notify(session, user, staff_notice, dedupe_key=f"{key}:{user.id}")
        candidate = users.get(item.candidate_user_id) if item.candidate_user_id else None
        if candidate is not None and candidate.id not in seen:
            told += await notify(
                session,
                candidate,
                _notice(item, for_candidate=True),
                dedupe_key=f"{key}:{candidate.id}",
            )
    return told
