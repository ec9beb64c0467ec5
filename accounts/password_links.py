"""One-time links to set a password: "forgot my password", and a new contact's first one.

The link holds a random 256-bit token; only its SHA-256 is stored, so the database never
holds a usable link. A link works once (a conditional ``UPDATE … WHERE used_at IS NULL``,
checked by its row count, so two submissions at once cannot both use it) and expires.
Using it ends every session of the user: whoever knew the old password is signed out.

The link goes by e-mail, an ``account`` notice written to the outbox in the caller's
transaction (:func:`accounts.notices.notify_address`), in the account's language; it is
never logged.
"""

from __future__ import annotations

import datetime
import secrets

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import PasswordReset, User
from accounts.notices import notify_address
from accounts.passwords import hash_password
from accounts.services import end_all_sessions, get_by_email, password_problem
from accounts.tokens import as_utc, token_hash, utc_now
from kit import audit
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.notices import Notice

RESET_HOURS = 1
# A new contact may read the message later than someone who just asked for a reset.
FIRST_PASSWORD_HOURS = 72
# The e-mails with a first password's link say this under their first line (``hours``).
FIRST_PASSWORD_LINE = N_(
    "Set your password with the link below. It works once, for %(hours)s hours."
)
SET_PASSWORD = N_("Set your password")
# Where anyone asks for a link: the note to an address that has an account leads there.
FORGOT_PATH = "/password/forgot"
FORGOT_LINE = N_("Sign in as usual. If you forgot your password, ask for a new one.")
ASK_FOR_NEW = N_("Ask for a new password")


def link_for(public_url: str, token: str) -> str:
    """The address of the link, on the configured public URL (never the request's Host)."""
    return f"{public_url.rstrip('/')}/password/reset/{token}"


async def issue(session: AsyncSession, *, user: User, hours: int = RESET_HOURS) -> str:
    """A new link for ``user``; the token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash(token),
            expires_at=utc_now() + datetime.timedelta(hours=hours),
        )
    )
    await session.flush()
    return token


async def request_reset(session: AsyncSession, *, email: str, public_url: str) -> str | None:
    """Issue and send a reset link when ``email`` is an active account's; the link sent, or
    None. The caller answers the same either way, so the answer tells nothing."""
    user = await get_by_email(session, email=email)
    if user is None or not user.is_active:
        # The same work as the other path, so the time taken tells nothing either.
        token_hash(secrets.token_urlsafe(32))
        return None
    link = link_for(public_url, await issue(session, user=user))
    notice = Notice(
        "account",
        N_("Set a new password for the ISOK portal"),
        lines=(
            N_("Someone (we hope you) asked to set a new password for your account."),
            N_("The link below works once, for %(minutes)s minutes."),
            N_("If it was not you, ignore this message: your password stays as it is."),
        ),
        values={"minutes": RESET_HOURS * 60},
        link=link,
        action=N_("Set a new password"),
    )
    await notify_address(session, user.email, notice)
    return link


async def get_open(session: AsyncSession, *, token: str) -> PasswordReset | None:
    """The link of ``token`` if it can still be used: known, unused, unexpired, active user."""
    link = (
        await session.execute(
            select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
        )
    ).scalar_one_or_none()
    if (
        link is None
        or link.used_at is not None
        or as_utc(link.expires_at) <= utc_now()
        or not link.user.is_active
    ):
        return None
    return link


class LinkUsed(Exception):
    """The link was used (or expired) while this request was on its way."""


async def use(session: AsyncSession, *, token: str, password: str) -> None:
    """Set the password with the link ``token``. Raises :class:`~kit.invalid.Invalid` when
    the password will not do, and :class:`LinkUsed` when the link cannot be used (any more);
    nothing is written then.
    """
    link = await get_open(session, token=token)
    if link is None:
        raise LinkUsed
    problem = password_problem(password, email=link.user.email)
    if problem is not None:
        raise Invalid.of("password", gettext(problem))
    now = utc_now()
    claimed = await session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == link.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkUsed
    user = link.user
    # The user's other open links stop working too: the password they would reset is new.
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user.password_hash = hash_password(password)
    await end_all_sessions(session, user_id=user.id)
    await audit.record(
        session, action="password_reset", entity="user_account", entity_id=user.id, details={}
    )
    await session.flush()
