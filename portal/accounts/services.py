"""Account rules: creating users, signing in and out, throttling failed sign-ins."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from employers.models import Organisation
from portal import audit
from portal.accounts.models import LoginAttempt, LoginSession, Role, User
from portal.accounts.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from portal.i18n import N_
from portal.settings import SecuritySettings

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the person."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == normalise_email(email)))
    return result.scalar_one_or_none()


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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("The password must be at least 8 characters long."))
    if role.belongs_to_organisation and organisation is None:
        raise AccountError(N_("Employer contacts and tutors must belong to an organisation."))
    if not role.belongs_to_organisation and organisation is not None:
        raise AccountError(N_("Only employer contacts and tutors belong to an organisation."))
    if await get_by_email(session, email=email) is not None:
        raise AccountError(N_("A user with this e-mail address already exists."))
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


@dataclass(frozen=True)
class Throttle:
    """Whether sign-in is refused for now, and for how many more minutes."""

    blocked: bool
    retry_after_minutes: int = 0


async def check_throttle(
    session: AsyncSession, *, email: str, client_address: str, settings: SecuritySettings
) -> Throttle:
    """Refuse sign-in after too many recent failures for this account or from this address."""
    since = _now() - datetime.timedelta(minutes=settings.throttle_window_minutes)
    failures = (
        select(func.count(), func.min(LoginAttempt.created_at))
        .where(LoginAttempt.succeeded.is_(False))
        .where(LoginAttempt.created_at >= since)
    )
    by_account = (
        await session.execute(failures.where(LoginAttempt.email == normalise_email(email)))
    ).one()
    by_address = (
        await session.execute(failures.where(LoginAttempt.client_address == client_address))
    ).one()
    for (count, oldest), limit in (
        (by_account, settings.max_failures_per_account),
        (by_address, settings.max_failures_per_address),
    ):
        if count >= limit:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=datetime.UTC)
            until = oldest + datetime.timedelta(minutes=settings.throttle_window_minutes)
            minutes = max(1, int((until - _now()).total_seconds() // 60) + 1)
            return Throttle(blocked=True, retry_after_minutes=minutes)
    return Throttle(blocked=False)


async def authenticate(
    session: AsyncSession, *, email: str, password: str, client_address: str
) -> User | None:
    """The active user with these credentials, or None. Every try is recorded."""
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
    user.last_login_at = _now()
    await session.flush()
    return user


async def start_session(
    session: AsyncSession, *, user: User, old_token: str | None, settings: SecuritySettings
) -> str:
    """Begin a login session with a fresh token; any session the browser had is ended.

    Issuing a new id at every sign-in defeats session fixation: a token planted in the
    browser before sign-in is never the one that becomes authenticated.
    """
    if old_token:
        await end_session(session, token=old_token)
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=_now() + datetime.timedelta(hours=settings.session_hours),
        )
    )
    await audit.record(
        session, action="login", entity="user_account", entity_id=user.id, details={}
    )
    await session.flush()
    return token


async def end_session(session: AsyncSession, *, token: str) -> None:
    await session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


async def user_for_token(session: AsyncSession, *, token: str) -> User | None:
    """The user of a live session token, or None when unknown, expired or deactivated."""
    result = await session.execute(
        select(LoginSession).where(LoginSession.token_hash == _token_hash(token))
    )
    login = result.scalar_one_or_none()
    if login is None:
        return None
    expires = login.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=datetime.UTC)
    if expires <= _now() or not login.user.is_active:
        return None
    return login.user
