"""Telling people what they need to do: a notification in the portal and an e-mail.

:func:`notify` tells a user: it adds the notice to their list of notifications and, unless
they chose not to get that kind by e-mail, writes the e-mail to the outbox, both in the
caller's transaction (a rolled-back action tells nobody). :func:`notify_address` e-mails an
address that has no account (or whose account is not the point: an invitation, a tutor's
link). The e-mail is in the recipient's language: the one they chose on the language switch,
else the language of the page that caused it.

Each kind of notice is in :data:`KINDS`: who can get it, and whether it is always sent (a
tutor's assessment link is: the tutor has no other way to it). docs/notifications.md lists
every message, who gets it, when and why.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import MailChoice, Notification, User
from accounts.services import get_by_email, same_site_path
from accounts.tokens import utc_now
from kit.i18n import N_, current_locale, is_supported
from kit.notices import Notice
from kit.outbox import enqueue_notice
from kit.roles import Role

SETTINGS_PATH = "/notifications/settings"
LINK_LENGTH = 500  # Notification.link


@dataclass(frozen=True)
class Kind:
    """A kind of notice: its name on the settings page, what it is about, who can get it,
    and whether it is always e-mailed."""

    label: str
    about: str
    roles: frozenset[Role]
    always: bool = False


_ALL = frozenset(Role)
_RECORD_KEEPERS = frozenset({Role.COUNSELLOR, Role.COORDINATOR})
_PLACEMENT_PEOPLE = frozenset(
    {Role.COUNSELLOR, Role.COORDINATOR, Role.TEACHER, Role.EMPLOYER, Role.TUTOR, Role.CANDIDATE}
)

KINDS: dict[str, Kind] = {
    "account": Kind(
        N_("Your account"),
        N_("Invitations, first passwords and password links."),
        _ALL,
        always=True,
    ),
    "tutor_link": Kind(
        N_("Assessment links"),
        N_("The link to assess a placement, and a reminder before it stops working."),
        frozenset({Role.TUTOR, Role.EMPLOYER}),
        always=True,
    ),
    "proposal_waiting": Kind(
        N_("Proposals waiting"),
        N_("A candidate is proposed for one of your organisation's positions."),
        frozenset({Role.EMPLOYER}),
    ),
    "proposal_answered": Kind(
        N_("Answers to proposals"),
        N_("An employer accepted or declined a candidate you proposed."),
        _RECORD_KEEPERS,
    ),
    "rating_submitted": Kind(
        N_("Ratings submitted"),
        N_("An assessor submitted ratings for a placement you assess, and when all are in."),
        frozenset({Role.TEACHER}),
    ),
    "placement_soon": Kind(
        N_("Placements starting or ending"),
        N_("A placement you take part in starts or ends within a week."),
        _PLACEMENT_PEOPLE,
    ),
    "follow_up_due": Kind(
        N_("Follow-ups due"),
        N_("An outcome follow-up of a candidate is due."),
        _RECORD_KEEPERS,
    ),
    "certificate_issued": Kind(
        N_("Certificates"),
        N_("Your certificate is issued, with the link anyone can use to verify it."),
        frozenset({Role.CANDIDATE}),
        always=True,
    ),
}


def kinds_for(role: Role | str) -> list[tuple[str, Kind]]:
    """The kinds of notice a user of ``role`` can get, in the order of :data:`KINDS`."""
    role = Role(role)
    return [(name, kind) for name, kind in KINDS.items() if role in kind.roles]


def language_of(user: User | None, fallback: str | None = None) -> str:
    """The language to write to ``user`` in: their choice, else ``fallback``, else the
    language of the page that caused the message."""
    if user is not None and is_supported(user.locale):
        return str(user.locale)
    return fallback or current_locale.get()


def _footer(kind: str) -> tuple[Notice, ...]:
    if KINDS.get(kind, KINDS["account"]).always:
        return (Notice(kind, N_("This message is from the ISOK portal.")),)
    return (
        Notice(kind, N_("You get this e-mail because of your role in the ISOK portal.")),
        Notice(kind, N_("Choose which e-mails you get:"), link=SETTINGS_PATH),
    )


async def _mail_wanted(session: AsyncSession, user_id: int, kind: str) -> bool:
    if KINDS.get(kind) is None or KINDS[kind].always:
        return True
    chosen = await session.scalar(
        select(MailChoice.id).where(MailChoice.user_id == user_id, MailChoice.kind == kind)
    )
    return chosen is None


async def notify(
    session: AsyncSession,
    user: User,
    notice: Notice,
    *,
    dedupe_key: str | None = None,
) -> bool:
    """Tell ``user``: a notification in the portal, and an e-mail unless they chose not to
    get this kind (an inactive account gets neither). With ``dedupe_key`` (a reminder) it
    happens once however often it is called; False when it had happened already."""
    if not user.is_active:
        return False
    notification = Notification(
        user_id=user.id,
        kind=notice.kind,
        notice=notice.as_data(),
        # A link too long for the column is dropped, not cut to another page.
        link=notice.link if len(notice.link) <= LINK_LENGTH else "",
        dedupe_key=dedupe_key,
    )
    try:
        async with session.begin_nested():
            session.add(notification)
            await session.flush()
    except IntegrityError:
        return False  # told already
    if await _mail_wanted(session, user.id, notice.kind):
        await enqueue_notice(
            session,
            to=user.email,
            notice=notice,
            language=language_of(user),
            footer=_footer(notice.kind),
            dedupe_key=f"{dedupe_key}:mail" if dedupe_key else None,
        )
    return True


async def notify_all(
    session: AsyncSession, users: Iterable[User], notice: Notice, *, dedupe_key: str | None = None
) -> int:
    """:func:`notify` each of ``users`` (each once); how many were told."""
    told = 0
    seen: set[int] = set()
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        key = f"{dedupe_key}:{user.id}" if dedupe_key else None
        told += await notify(session, user, notice, dedupe_key=key)
    return told


async def notify_address(
    session: AsyncSession,
    to: str,
    notice: Notice,
    *,
    language: str | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """E-mail ``notice`` to an address (no notification: there may be no account). The
    language is the account's choice when the address has one, else ``language``, else the
    page's. False when ``dedupe_key`` was used before."""
    account = await get_by_email(session, email=to)
    written = await enqueue_notice(
        session,
        to=to,
        notice=notice,
        language=language_of(account, language),
        footer=_footer(notice.kind),
        dedupe_key=dedupe_key,
    )
    return written is not None


async def users_with_ids(session: AsyncSession, ids: Collection[int | None]) -> list[User]:
    """The active users among ``ids`` (Nones skipped), in id order."""
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return []
    found = await session.scalars(
        select(User).where(User.id.in_(wanted), User.is_active.is_(True)).order_by(User.id)
    )
    return list(found)


# The list in the portal.

PAGE_SIZE = 50


def leads_to(link: str) -> str:
    """The page of this site a notification opens: its link when that is a path here, else
    "" (a whole address, such as a one-time link, is for the e-mail; ``//host`` and the like
    would leave the site)."""
    return same_site_path(link, default="")


@dataclass(frozen=True)
class Shown:
    """A notification on the list: its notice (render it in the page's language) and the
    page of this site it opens ("" for none)."""

    id: int
    notice: Notice
    created_at: datetime.datetime
    unread: bool
    link: str = ""


@dataclass(frozen=True)
class Listing:
    """One page of the list (how many of all are unread is counted with the session, for
    every page's header: ``accounts.services.signed_in``)."""

    shown: list[Shown]
    total: int
    page: int
    pages: int


async def list_for(session: AsyncSession, user_id: int, *, page: int = 1) -> Listing:
    """One page of the user's notifications, newest first (a page past the end gives the
    last page)."""
    total = int(
        await session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
        )
        or 0
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = await session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    shown = [
        Shown(
            id=row.id,
            notice=Notice.from_data(row.notice),
            created_at=row.created_at,
            unread=row.read_at is None,
            link=leads_to(row.link),
        )
        for row in rows
    ]
    return Listing(shown=shown, total=total, page=page, pages=pages)


async def open_notification(
    session: AsyncSession, user_id: int, notification_id: int
) -> str | None:
    """Mark the user's own notification read; the page it leads to ("" for none), or None
    when it is not theirs (or not there)."""
    row = await session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )
    if row is None:
        return None
    if row.read_at is None:
        row.read_at = utc_now()
        await session.flush()
    return leads_to(row.link)


async def mark_all_read(session: AsyncSession, user_id: int) -> int:
    done = await session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utc_now())
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


# Each person's choice of e-mails.


async def mail_choices(session: AsyncSession, user: User) -> dict[str, bool]:
    """For each kind the user can get: whether it is e-mailed to them."""
    off = set(await session.scalars(select(MailChoice.kind).where(MailChoice.user_id == user.id)))
    return {name: kind.always or name not in off for name, kind in kinds_for(user.role)}


async def choose_mail(session: AsyncSession, user: User, wanted: Collection[str]) -> None:
    """Keep e-mailing the kinds in ``wanted`` and stop the user's other optional kinds
    (the always-sent kinds cannot be stopped; unknown names are ignored)."""
    optional = {name for name, kind in kinds_for(user.role) if not kind.always}
    # The user's row first, locked: the same form sent several times at once is saved one
    # after another (on SQLite the writes queue anyway).
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    await session.execute(delete(MailChoice).where(MailChoice.user_id == user.id))
    for name in sorted(optional - set(wanted)):
        session.add(MailChoice(user_id=user.id, kind=name))
    await session.flush()
