"""The workplace tutor's link: one placement's rating form, reached without an account.

Most tutors have no account and fill the form on a phone, so the counsellor or the teacher of
the placement (or the coordinator) issues a link. The link holds a random 256-bit token; only
its SHA-256 is stored (``accounts.tokens``), so a copy of the database opens nothing. A link
expires after ``ISOK_TUTOR_LINK_DAYS`` days, can be revoked, and issuing a new one revokes the
old one in the same transaction: a placement has at most one live link, which a partial unique
index backs, so two issues at once leave one live link (the later one) and never fail.

A token that is not known (or altered) answers 404; one that was known but no longer works
(expired, revoked, superseded by a newer link) answers 410. Neither shows any data.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.tokens import as_utc, token_hash, utc_now
from assessments.access import Assessor, plans
from assessments.models import AssessorRole, TutorLink
from candidates.models import Candidate
from kit import audit
from kit.i18n import N_
from kit.roles import Viewer
from placements.models import Placement, Position

# Tries to issue before giving up when other issues keep winning the race (never seen: each
# retry sees the winner's link and revokes it).
ISSUE_ATTEMPTS = 5
# What a tutor reached by link is called when the placement names no tutor account.
WORKPLACE_TUTOR = N_("Workplace tutor")
# The path of a link's pages (portal/logs.py hides the token wherever a path is logged).
LINK_PATH = "/assess/"


class LinkRefused(Exception):
    """The token opens nothing: ``status`` is 404 (unknown) or 410 (no longer works)."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"tutor link refused ({status})")


class NotAllowed(Exception):
    """The viewer may see the placement but not issue or revoke its tutor's link."""


class LinkNotFound(Exception):
    """No such link on this placement."""


@dataclass(frozen=True)
class LinkAccess:
    """What a working link opens: its placement, the tutor's seat on it, and whom and which
    position the tutor assesses (the form names them, nothing more)."""

    link: TutorLink
    placement: Placement
    assessor: Assessor
    candidate_name: str
    position_title: str


def link_url(public_url: str, token: str) -> str:
    """The link's address on the configured public URL (never the request's Host)."""
    return f"{public_url.rstrip('/')}{LINK_PATH}{token}"


class LinkRaceLost(Exception):
    """Other issues kept taking the placement's live link; the caller may try again."""


async def _revoke_live(
    session: AsyncSession, *, placement_id: int, stamp: datetime.datetime, reason: str
) -> None:
    """Revoke the placement's live link, if any, on the audit trail.

    One ``UPDATE`` that writes before it reads: on SQLite it takes the write lock first (a
    transaction that read before writing could not wait for another writer), and on
    PostgreSQL it waits for an issue under way and then sees the link that issue wrote.
    """
    revoked = (
        await session.execute(
            update(TutorLink)
            .where(TutorLink.placement_id == placement_id, TutorLink.revoked_at.is_(None))
            .values(revoked_at=stamp, updated_at=stamp)
            .returning(TutorLink.id)
            .execution_options(synchronize_session=False)
        )
    ).scalars()
    for link_id in revoked:
        await audit.record(
            session,
            action="revoked",
            entity="tutor_link",
            entity_id=str(link_id),
            details={"placement_id": placement_id, "reason": reason},
        )


async def issue(
    session: AsyncSession, viewer: Viewer, *, placement: Placement, days: int
) -> tuple[TutorLink, str]:
    """A new link for the placement's tutor, working for ``days``; the previous live link
    stops working. Returns the link and its token: the token is given out once, never stored.

    Raises :class:`NotAllowed` for someone who may not manage the placement's links.
    """
    if not plans(viewer, placement):  # who shapes the plan manages the links
        raise NotAllowed
    token = secrets.token_urlsafe(32)
    for _attempt in range(ISSUE_ATTEMPTS):
        stamp = utc_now()
        try:
            async with session.begin_nested():
                await _revoke_live(
                    session, placement_id=placement.id, stamp=stamp, reason="superseded"
                )
                link = TutorLink(
                    placement_id=placement.id,
                    token_hash=token_hash(token),
                    issued_by_id=viewer.user_id,
                    expires_at=stamp + datetime.timedelta(days=days),
                )
                session.add(link)
                await session.flush()
        except IntegrityError:
            # Another issue for the same placement committed its link in between: the next
            # attempt revokes that link.
            continue
        return link, token
    raise LinkRaceLost


async def revoke(
    session: AsyncSession, viewer: Viewer, *, placement: Placement, link_id: int
) -> None:
    """Revoke the link ``link_id`` of this placement (revoking it twice changes nothing).

    Raises :class:`LinkNotFound` when the placement has no such link (another placement's id
    included) and :class:`NotAllowed` for someone who may not manage its links.
    """
    link = await session.scalar(
        select(TutorLink).where(TutorLink.id == link_id, TutorLink.placement_id == placement.id)
    )
    if link is None:
        raise LinkNotFound
    if not plans(viewer, placement):  # who shapes the plan manages the links
        raise NotAllowed
    if link.revoked_at is None:
        link.revoked_at = utc_now()
        await session.flush()


async def live_link(session: AsyncSession, *, placement_id: int) -> TutorLink | None:
    """The placement's live link (revoked_at unset), expired or not."""
    found: TutorLink | None = await session.scalar(
        select(TutorLink).where(
            TutorLink.placement_id == placement_id, TutorLink.revoked_at.is_(None)
        )
    )
    return found


async def tutor_by_link(session: AsyncSession, *, placement: Placement) -> Assessor:
    """The tutor's seat as a link fills it: the placement's tutor if it names one."""
    if placement.tutor_id is not None:
        tutor = await session.get(User, placement.tutor_id)
        if tutor is not None:
            return Assessor(role=AssessorRole.TUTOR, user_id=tutor.id, name=tutor.name)
    return Assessor(role=AssessorRole.TUTOR, user_id=None, name=WORKPLACE_TUTOR)


async def resolve(session: AsyncSession, *, token: str) -> LinkAccess:
    """What ``token`` opens, or :class:`LinkRefused` (404 unknown, 410 expired or revoked)."""
    if not token or len(token) > 100:
        raise LinkRefused(404)
    link = await session.scalar(select(TutorLink).where(TutorLink.token_hash == token_hash(token)))
    if link is None:
        raise LinkRefused(404)
    if link.revoked_at is not None or as_utc(link.expires_at) <= utc_now():
        raise LinkRefused(410)
    placement = await session.get(Placement, link.placement_id)
    if placement is None:
        raise LinkRefused(404)
    names = (
        await session.execute(
            select(Candidate.name, Position.title)
            .select_from(Placement)
            .join(Candidate, Candidate.id == Placement.candidate_id)
            .join(Position, Position.id == Placement.position_id)
            .where(Placement.id == placement.id)
        )
    ).one()
    return LinkAccess(
        link=link,
        placement=placement,
        assessor=await tutor_by_link(session, placement=placement),
        candidate_name=names[0],
        position_title=names[1],
    )
