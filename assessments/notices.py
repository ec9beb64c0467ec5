"""What the assessment tells people: the tutor's link and its reminder, and the teacher's
notices that ratings are in (docs/notifications.md).

- **The tutor's link.** When a link is issued it is e-mailed to the placement's tutor (the
  user account the placement names). The e-mail holds the one-time token, so it goes through
  :func:`accounts.notices.notify_address` alone: the outbox empties its text once it is sent,
  and no notification in the portal keeps it.
- **The reminder.** :func:`remind_expiring_links` (``isok reminders run``) tells the tutor
  three days before a live link stops working, if their ratings are not in yet. Only the
  token's hash is kept, so the reminder cannot hold the link: it points to the first e-mail.
- **Ratings in.** :func:`rating_submitted` tells the placement's teacher that the tutor or
  the counsellor submitted, and once that all three ratings are in (the consensus is theirs).

Every notice names the position and the organisation, never the candidate, and leads to the
portal page where the access rules apply. Each is written in the caller's transaction, so an
action that is rolled back tells nobody.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from sqlalchemy import distinct, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.notices import notify, notify_address, users_with_ids
from accounts.tokens import as_utc
from assessments.models import AssessorRole, RatingSheet, TutorLink
from employers.models import Organisation
from kit.clock import day_of
from kit.i18n import N_
from kit.notices import Notice, Value
from placements.models import Placement, Position

TUTOR_LINK = "tutor_link"
RATING_SUBMITTED = "rating_submitted"
# How long before a link stops working its tutor is reminded.
REMIND_BEFORE = datetime.timedelta(days=3)

# Who submitted, as the teacher is told it (the seat, never the person's name). The teacher's
# own submission is not told to them.
_SUBMITTED_BY: Mapping[AssessorRole, str] = {
    AssessorRole.TUTOR: N_(
        "The workplace tutor submitted their ratings for the placement in %(position)s at"
        " %(organisation)s."
    ),
    AssessorRole.COUNSELLOR: N_(
        "The counsellor submitted their ratings for the placement in %(position)s at"
        " %(organisation)s."
    ),
}


def assessment_path(placement_id: int) -> str:
    """The placement's assessment page: who may see what there is decided on the page."""
    return f"/placements/{placement_id}/assessment"


async def _position_at(session: AsyncSession, placement: Placement) -> dict[str, Value]:
    """The position's title and the organisation's name, as the notices name the placement."""
    title, organisation = (
        await session.execute(
            select(Position.title, Organisation.name)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .where(Position.id == placement.position_id)
        )
    ).one()
    return {"position": title, "organisation": organisation}


async def _tutor(session: AsyncSession, placement: Placement) -> User | None:
    """The placement's tutor if the placement names an active account with an address."""
    if placement.tutor_id is None:
        return None
    tutor = await session.get(User, placement.tutor_id)
    if tutor is None or not tutor.is_active or not tutor.email:
        return None
    return tutor


async def tutor_link_issued(
    session: AsyncSession, *, placement: Placement, link: TutorLink, url: str
) -> User | None:
    """E-mail the link just issued (``url``, with its token) to the placement's tutor.

    Returns the tutor told, or None when the placement names no tutor with an address: the
    one who issued the link sends it themselves, as the page says."""
    tutor = await _tutor(session, placement)
    if tutor is None:
        return None
    values = await _position_at(session, placement)
    notice = Notice(
        TUTOR_LINK,
        N_("Your link to assess the placement in %(position)s at %(organisation)s"),
        lines=(
            N_(
                "You are the workplace tutor of a placement in %(position)s at"
                " %(organisation)s. Please rate how the learning outcomes were shown at work:"
                " the link below opens the rating form, without an account."
            ),
            N_(
                "The link works until %(day)s. Keep this e-mail: the link is not kept anywhere"
                " else and cannot be sent again. If it stops working, ask the placement's"
                " teacher or counsellor for a new one."
            ),
        ),
        values={**values, "day": day_of(link.expires_at)},
        link=url,
        action=N_("Open the rating form"),
    )
    await notify_address(session, tutor.email, notice)
    return tutor


async def remind_expiring_links(session: AsyncSession, *, now: datetime.datetime) -> int:
    """Remind the tutor of each live link that stops working within three days and whose
    ratings are not submitted yet; how many were told.

    Once per link however often it runs (the outbox's dedupe key). A link issued for three
    days or fewer is not reminded of: its tutor just got it. ``now`` without a zone is UTC.
    """
    now = as_utc(now)
    tutor_submitted = exists().where(
        RatingSheet.placement_id == TutorLink.placement_id,
        RatingSheet.assessor_role == AssessorRole.TUTOR.value,
        RatingSheet.submitted_at.is_not(None),
    )
    due = await session.execute(
        select(TutorLink, User.email, Position.title, Organisation.name)
        .join(Placement, Placement.id == TutorLink.placement_id)
        .join(User, User.id == Placement.tutor_id)
        .join(Position, Position.id == Placement.position_id)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .where(
            TutorLink.revoked_at.is_(None),
            TutorLink.expires_at > now,
            TutorLink.expires_at <= now + REMIND_BEFORE,
            User.is_active.is_(True),
            User.email != "",
            ~tutor_submitted,
        )
        .order_by(TutorLink.id)
    )
    told = 0
    for link, address, title, organisation in due.all():
        expires = as_utc(link.expires_at)
        if as_utc(link.created_at) > expires - REMIND_BEFORE:
            continue
        notice = Notice(
            TUTOR_LINK,
            N_("Your link to assess %(position)s at %(organisation)s stops working on %(day)s"),
            lines=(
                N_(
                    "The link you got to rate the placement in %(position)s at %(organisation)s"
                    " stops working on %(day)s, and your ratings are not submitted yet."
                ),
                N_(
                    "Please use the link in the earlier e-mail before then. If you cannot find"
                    " it, or it no longer works, ask the placement's teacher or counsellor for"
                    " a new link."
                ),
            ),
            values={"position": title, "organisation": organisation, "day": day_of(expires)},
        )
        told += await notify_address(
            session, address, notice, dedupe_key=f"tutor_link_expiry:{link.id}"
        )
    return told


async def rating_submitted(
    session: AsyncSession, *, placement: Placement, role: AssessorRole, version: int = 1
) -> None:
    """Tell the placement's teacher that the assessor in ``role`` submitted (not their own
    submission), and once that all three ratings are in. Call it in the submission's
    transaction, after the submission."""
    teachers = await users_with_ids(session, [placement.teacher_id])
    if not teachers:
        return
    teacher = teachers[0]
    values = await _position_at(session, placement)
    link = assessment_path(placement.id)
    told_line = _SUBMITTED_BY.get(role)
    if told_line is not None:
        lines = [told_line]
        if version > 1:
            lines.append(N_("This is a correction of the ratings submitted earlier."))
        await notify(
            session,
            teacher,
            Notice(
                RATING_SUBMITTED,
                N_("Ratings submitted for %(position)s at %(organisation)s"),
                lines=tuple(lines),
                values=values,
                link=link,
                action=N_("Open the assessment"),
            ),
        )
    # The placement's row locked first: two last submissions at once (on PostgreSQL) are
    # counted one after the other, so the second sees the first and "all in" is not missed.
    # FOR NO KEY UPDATE: a plain FOR UPDATE would wait for the key-share locks that each
    # transaction's new draft holds on the placement, and two submissions would deadlock.
    await session.execute(
        select(Placement.id).where(Placement.id == placement.id).with_for_update(key_share=True)
    )
    submitted = set(
        (
            await session.scalars(
                select(distinct(RatingSheet.assessor_role)).where(
                    RatingSheet.placement_id == placement.id,
                    RatingSheet.submitted_at.is_not(None),
                )
            )
        ).all()
    )
    if submitted >= {seat.value for seat in AssessorRole}:
        await notify(
            session,
            teacher,
            Notice(
                RATING_SUBMITTED,
                N_("All ratings are in for %(position)s at %(organisation)s"),
                lines=(
                    N_(
                        "The workplace tutor, the counsellor and you have submitted ratings"
                        " for the placement in %(position)s at %(organisation)s."
                    ),
                    N_("You can now make the consensus decision."),
                ),
                values=values,
                link=link,
                action=N_("Open the assessment"),
            ),
            dedupe_key=f"ratings_all_in:{placement.id}",
        )
