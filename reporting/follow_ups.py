"""Follow-up reminders: the counsellor's clients whose placement ended 3 or 6 months ago.

The rule (docs/reporting.md, "Outcomes"):

- A client's follow-up dates count from the end date of their latest completed placement
  (an interrupted placement is not the end of the pathway: the client goes back to
  guidance). A client with a live placement (agreed or active) is not followed up yet.
- The 3-month follow-up is due from 3 calendar months after that end date; the 6-month one
  from 6 months after it, and it replaces the first (one reminder per client).
- A follow-up is done when an outcome of the client, "none yet" included, was recorded or
  changed on or after its due date (programme time). Until then it stays on the home page,
  up to 12 months after the placement ended: by then the follow-up can no longer be reported
  as a 6-month one, and the list stays bounded.
- The reminders are the counsellor's own caseload (``Candidate.counsellor_id``): the record
  opened to another counsellor is followed up by its own counsellor.

One query, however many clients are due. :func:`remind_follow_ups` (``isok reminders run``
and the sender's loop) also tells the counsellor once per follow-up, in their notifications
and by e-mail; a client without an active counsellor is the coordinators' to follow up.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.notices import notify_all, users_with_ids
from candidates.models import Candidate
from kit.clock import day_of
from kit.i18n import N_
from kit.notices import Notice
from kit.roles import Role, Viewer
from placements.models import LIVE_PLACEMENT_STATUSES, Placement, PlacementStatus
from reporting.models import Outcome

FOLLOW_UP_MONTHS = (3, 6)
LAPSES_AFTER_MONTHS = 12


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by whole calendar months (back when negative), on the same day of the
    month or, where that month is shorter, on its last day (30 November + 3 = 28 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class FollowUp:
    """A client whose follow-up is due: after ``months`` months, since ``due_on``."""

    candidate_id: int
    candidate_name: str
    placement_ended_on: datetime.date
    months: int
    due_on: datetime.date


_ENDED = (
    select(
        Placement.candidate_id.label("candidate_id"),
        func.max(Placement.end_date).label("ended_on"),
    )
    .where(
        Placement.status == PlacementStatus.COMPLETED.value,
        Placement.end_date.is_not(None),
    )
    .group_by(Placement.candidate_id)
    .subquery("ended")
)
_LAST_RECORDED = (
    select(func.max(Outcome.updated_at))
    .where(Outcome.candidate_id == Candidate.id)
    .scalar_subquery()
)
_LIVE = exists().where(
    Placement.candidate_id == Candidate.id, Placement.status.in_(LIVE_PLACEMENT_STATUSES)
)
# Built once (and its cache key with it), not on every home page.
_DUE = (
    select(Candidate.id, Candidate.name, _ENDED.c.ended_on, _LAST_RECORDED)
    .join(_ENDED, _ENDED.c.candidate_id == Candidate.id)
    .where(
        Candidate.counsellor_id == bindparam("user_id"),
        _ENDED.c.ended_on <= bindparam("ended_by"),
        _ENDED.c.ended_on > bindparam("lapsed_before"),
        ~_LIVE,
    )
    .order_by(_ENDED.c.ended_on, Candidate.name, Candidate.id)
)


# The query keeps a few days more on either side than the rule (months differ in length, so
# "3 months before today" and "today is 3 months after" are not the same day at a month's end);
# :func:`due_follow_up` then applies the rule exactly.
_MARGIN = datetime.timedelta(days=4)


def due_follow_up(
    ended_on: datetime.date, last_recorded: datetime.datetime | None, *, today: datetime.date
) -> tuple[int, datetime.date] | None:
    """The follow-up due today for a placement that ended on ``ended_on`` (its months and
    due date), given when an outcome was last recorded or changed; None if none is due."""
    if today > add_months(ended_on, LAPSES_AFTER_MONTHS):
        return None
    due = [
        (months, add_months(ended_on, months))
        for months in FOLLOW_UP_MONTHS
        if add_months(ended_on, months) <= today
    ]
    if not due:
        return None
    months, due_on = due[-1]
    if last_recorded is not None and day_of(last_recorded) >= due_on:
        return None
    return months, due_on


async def follow_ups_due(
    session: AsyncSession, viewer: Viewer, *, today: datetime.date
) -> list[FollowUp]:
    """The follow-ups due for ``viewer``'s clients (counsellors only), the longest-ended
    placement first (one query; none for other roles)."""
    if viewer.role != Role.COUNSELLOR:
        return []
    rows = await session.execute(
        _DUE,
        {
            "user_id": viewer.user_id,
            "ended_by": add_months(today, -FOLLOW_UP_MONTHS[0]) + _MARGIN,
            "lapsed_before": add_months(today, -LAPSES_AFTER_MONTHS) - _MARGIN,
        },
    )
    follow_ups = []
    for candidate_id, name, ended_on, last_recorded in rows.tuples().all():
        due = due_follow_up(ended_on, last_recorded, today=today)
        if due is not None:
            follow_ups.append(FollowUp(int(candidate_id), str(name), ended_on, *due))
    return follow_ups


# --- Telling the counsellor ---------------------------------------------------------------

KIND = "follow_up_due"
_EVERY_DUE = (
    select(Candidate.id, Candidate.counsellor_id, _ENDED.c.ended_on, _LAST_RECORDED)
    .join(_ENDED, _ENDED.c.candidate_id == Candidate.id)
    .where(
        _ENDED.c.ended_on <= bindparam("ended_by"),
        _ENDED.c.ended_on > bindparam("lapsed_before"),
        Candidate.erased_at.is_(None),
        ~_LIVE,
    )
    .order_by(_ENDED.c.ended_on, Candidate.id)
)


def follow_up_notice(candidate_id: int, months: int, due_on: datetime.date) -> Notice:
    """The reminder of one follow-up: the candidate by number (an e-mail is no place for a
    name), leading to the form where the outcome is recorded."""
    return Notice(
        kind=KIND,
        subject=N_("A follow-up is due: candidate no. %(number)s"),
        lines=(
            N_(
                "The %(months)s-month follow-up of candidate no. %(number)s is due since"
                " %(day)s. Ask them what followed their placement and record it as an"
                " outcome, even when nothing has followed yet."
            ),
        ),
        values={"number": candidate_id, "months": months, "day": due_on},
        link=f"/candidates/{candidate_id}/outcomes/new",
        action=N_("Record the outcome"),
    )


async def remind_follow_ups(session: AsyncSession, *, now: datetime.datetime) -> int:
    """Tell each client's counsellor (the coordinators when the client has no active
    counsellor) of every follow-up due at ``now`` (programme time), once per client and
    follow-up; how many people were told this time."""
    today = day_of(now)
    rows = await session.execute(
        _EVERY_DUE,
        {
            "ended_by": add_months(today, -FOLLOW_UP_MONTHS[0]) + _MARGIN,
            "lapsed_before": add_months(today, -LAPSES_AFTER_MONTHS) - _MARGIN,
        },
    )
    due = []
    for candidate_id, counsellor_id, ended_on, last_recorded in rows.tuples().all():
        follow_up = due_follow_up(ended_on, last_recorded, today=today)
        if follow_up is not None:
            due.append((int(candidate_id), counsellor_id, ended_on, *follow_up))
    if not due:
        return 0
    counsellors = {
        user.id: user
        for user in await users_with_ids(session, {row[1] for row in due})
        if user.role == Role.COUNSELLOR
    }
    coordinators: list[User] | None = None
    told = 0
    for candidate_id, counsellor_id, ended_on, months, due_on in due:
        counsellor = counsellors.get(counsellor_id) if counsellor_id is not None else None
        if counsellor is not None:
            recipients = [counsellor]
        else:
            if coordinators is None:
                coordinators = list(
                    await session.scalars(
                        select(User)
                        .where(User.role == Role.COORDINATOR, User.is_active.is_(True))
                        .order_by(User.id)
                    )
                )
            recipients = coordinators
        told += await notify_all(
            session,
            recipients,
            follow_up_notice(candidate_id, months, due_on),
            dedupe_key=f"{KIND}:{candidate_id}:{ended_on.isoformat()}:{months}",
        )
    return told
