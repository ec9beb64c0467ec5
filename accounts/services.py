"""Account rules: creating users, signing in and out, passwords, (de)activating accounts.

Throttling of sign-in tries is in :mod:`accounts.throttle`, one-time password links
in :mod:`accounts.password_links`.
"""

from __future__ import annotations

import datetime
import re
import secrets

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.lookalike import skeleton
from accounts.models import LoginAttempt, LoginSession, Notification, User
from accounts.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from accounts.tokens import token_hash, utc_now
from employers.models import Organisation
from kit import audit
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.roles import PROGRAMME_ROLES, Role
from kit.settings import SecuritySettings

# One message for "this address" and "an address that looks like it", so that it does not
# tell which account exists (shown only where the address may be told, e.g. the CLI).
TAKEN_MESSAGE = N_("An account with this or a very similar e-mail address already exists.")

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == normalise_email(email)))
    return result.scalar_one_or_none()


async def address_taken(session: AsyncSession, *, email: str) -> bool:
    """Whether ``email``, or a look-alike of it (``lookalike.skeleton``), has an account."""
    email = normalise_email(email)
    found = await session.execute(
        select(User.id)
        .where((User.email == email) | (User.email_skeleton == skeleton(email)))
        .limit(1)
    )
    return found.first() is not None


def password_problem(password: str, *, email: str) -> str | None:
    """What is wrong with ``password`` as a new password for ``email`` (marked for
    translation), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("The password must be at least 8 characters long.")
    if password.strip().casefold() == normalise_email(email):
        return N_("The password must not be your e-mail address.")
    return None


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    organisation: Organisation | None = None,
) -> User:
    """Create a user after checking the e-mail, the password and the role's organisation."""
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email):
        raise AccountError(N_("Enter a valid e-mail address."))
    problem = password_problem(password, email=email)
    if problem is not None:
        raise AccountError(problem)
    if role.belongs_to_organisation and organisation is None:
        raise AccountError(N_("Employer contacts and tutors must belong to an organisation."))
    if not role.belongs_to_organisation and organisation is not None:
        raise AccountError(N_("Only employer contacts and tutors belong to an organisation."))
    if await address_taken(session, email=email):
        raise AccountError(TAKEN_MESSAGE)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role.value,
        password_hash=hash_password(password),
        organisation=organisation,
        organisation_id=organisation.id if organisation else None,
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(
    session: AsyncSession, *, email: str, password: str, client_address: str
) -> User | None:
    """The active user with these credentials, or None. Every checked try is recorded.

    The try must already be counted by :func:`accounts.throttle.count_try`.
    """
    user = await get_by_email(session, email=email)
    if user is None:
        verify_password(DUMMY_HASH, password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_active
    session.add(
        LoginAttempt(
            email=normalise_email(email)[:254],
            client_address=client_address[:64],
            succeeded=ok,
        )
    )
    if not ok or user is None:
        await session.flush()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utc_now()
    await session.flush()
    return user


async def start_session(
    session: AsyncSession, *, user: User, old_tokens: list[str], settings: SecuritySettings
) -> str:
    """Begin a login session with a fresh token; every session the browser presented ends.

    Issuing a new id at every sign-in defeats session fixation: a token planted in the
    browser before sign-in is never the one that becomes authenticated.
    """
    await end_sessions(session, tokens=old_tokens)
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utc_now() + datetime.timedelta(hours=settings.session_hours),
        )
    )
    await audit.record(
        session, action="login", entity="user_account", entity_id=user.id, details={}
    )
    await session.flush()
    return token


async def end_sessions(session: AsyncSession, *, tokens: list[str]) -> None:
    """End the login sessions of ``tokens`` (unknown tokens are ignored)."""
    if tokens:
        hashes = [token_hash(token) for token in tokens]
        await session.execute(delete(LoginSession).where(LoginSession.token_hash.in_(hashes)))


async def end_all_sessions(
    session: AsyncSession, *, user_id: int, except_token: str | None = None
) -> None:
    """End every login session of a user, but for ``except_token`` (the one in use)."""
    statement = delete(LoginSession).where(LoginSession.user_id == user_id)
    if except_token:
        statement = statement.where(LoginSession.token_hash != token_hash(except_token))
    await session.execute(statement)


# Built once: SQLAlchemy then computes its cache key once, not on every request (the
# session's user and organisation are joined in, which makes that key costly).
# The count of the user's unread notifications (every page's header) comes in the same
# statement.
_UNREAD = (
    select(func.count())
    .where(Notification.user_id == LoginSession.user_id, Notification.read_at.is_(None))
    .correlate(LoginSession)
    .scalar_subquery()
)
_SESSION_BY_HASH = select(LoginSession, _UNREAD).where(
    LoginSession.token_hash == bindparam("token_hash")
)


async def signed_in(session: AsyncSession, *, token: str) -> tuple[User | None, int]:
    """The user of a live session token (None when unknown, expired or deactivated) and how
    many of their notifications are unread."""
    result = await session.execute(_SESSION_BY_HASH, {"token_hash": token_hash(token)})
    found = result.one_or_none()
    if found is None:
        return None, 0
    login, unread = found
    expires = login.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=datetime.UTC)
    if expires <= utc_now() or not login.user.is_active:
        return None, 0
    return login.user, int(unread or 0)


async def user_for_token(session: AsyncSession, *, token: str) -> User | None:
    """The user of a live session token, or None when unknown, expired or deactivated."""
    user, _unread = await signed_in(session, token=token)
    return user


async def set_active(session: AsyncSession, *, user: User, active: bool) -> None:
    """Deactivate or reactivate an account. A deactivated user's sessions end at once.

    (A session of an inactive user is refused anyway; deleting them makes it final.)
    """
    user.is_active = active
    if not active:
        await end_all_sessions(session, user_id=user.id)
    await session.flush()


def sign_in_message(name: str, *, active: bool) -> str:
    """What a page says once ``name``'s account is reactivated or deactivated."""
    message = (
        gettext("%(name)s can sign in again.")
        if active
        else gettext("%(name)s can no longer sign in; their sessions have ended.")
    )
    return message % {"name": name}


async def change_password(
    session: AsyncSession,
    *,
    user: User,
    current: str,
    new: str,
    confirmation: str,
    keep_token: str | None,
) -> None:
    """Change a signed-in user's password. Raises :class:`~kit.invalid.Invalid` with a
    message per field when something is wrong, and nothing is written then.

    The user's other sessions end: whoever else might have been signed in is signed out.
    """
    errors: dict[str, str] = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = gettext("This is not your current password.")
    problem = password_problem(new, email=user.email)
    if problem is not None:
        errors["new_password"] = gettext(problem)
    elif new != confirmation:
        errors["new_password_confirmation"] = gettext("The two passwords are not the same.")
    if errors:
        raise Invalid(errors)
    user.password_hash = hash_password(new)
    await end_all_sessions(session, user_id=user.id, except_token=keep_token)
    await audit.record(
        session, action="password_changed", entity="user_account", entity_id=user.id, details={}
    )
    await session.flush()


def role_values(roles: frozenset[Role]) -> list[str]:
    """The stored names of ``roles``, for a query's ``IN``."""
    return sorted(role.value for role in roles)


async def list_staff(session: AsyncSession) -> list[User]:
    """The programme's accounts (coordinators, counsellors, teachers and the steering
    committee), by role and name."""
    result = await session.execute(
        select(User)
        .where(User.role.in_(role_values(PROGRAMME_ROLES)))
        .order_by(User.role, User.name, User.id)
    )
    return list(result.scalars())


async def get_staff(session: AsyncSession, *, user_id: int) -> User | None:
    """The programme's account ``user_id`` (see :func:`list_staff`), or None (also for
    employer contacts and tutors)."""
    result = await session.execute(
        select(User).where(User.id == user_id, User.role.in_(role_values(PROGRAMME_ROLES)))
    )
    return result.scalar_one_or_none()


def same_site_path(target: str | None, default: str = "/home") -> str:
    """``target`` if it is a path of this site, else ``default``: never a redirect to another
    host (``//host``, ``/\\host``) and never a control character in a ``Location``."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(character) < 0x20 or ord(character) == 0x7F for character in target)
    ):
        return target
    return default
