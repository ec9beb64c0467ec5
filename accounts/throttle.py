"""Login throttling: growing delays per (account, address) pair and per address.

Each try at signing in is counted *before* its password is checked, in its own short
transaction, so guesses sent in parallel cannot get more checks than the allowance: a row
per (e-mail, client address) pair and a row per client address (``email == ""``). Within
the allowance tries are free; past it, each counted try makes the next one wait a delay
that doubles (1, 2, 4 … seconds) up to a cap of a few minutes. A try while a delay is in
force is refused without being counted and without a password check.

Keying on the pair means that an attacker guessing from another address never slows down
the account's owner, and the cap means that the right password is never refused for more
than a few minutes. The rows are in the database, so every worker sees the same counts.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from sqlalchemy import Insert, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import LoginThrottle, User
from accounts.tokens import as_utc, utc_now
from kit import audit
from kit.settings import SecuritySettings

ADDRESS_WIDE = ""  # the ``email`` of the row that counts every try from one address


@dataclass(frozen=True)
class Throttle:
    """Whether a try is refused for now, and how many seconds until the next is allowed."""

    blocked: bool
    retry_after_seconds: int = 0


def client_key(namespace: str, host: str | None) -> str:
    """The throttle's address column for a client in ``namespace`` (``"link:"``,
    ``"verify:"``): tries of one kind never share a count with sign-in tries or each other."""
    return (namespace + (host or "unknown"))[:64]


def delay_after(tries: int, *, free: int, settings: SecuritySettings) -> int:
    """Seconds the next try must wait after ``tries`` counted tries (0 within the allowance)."""
    if tries < free:
        return 0
    doublings = min(tries - free, 30)  # 2**30 s is far past any cap
    delay: int = settings.throttle_first_delay_seconds * 2**doublings
    return min(delay, settings.throttle_max_delay_seconds)


def _insert_if_missing(session: AsyncSession, *, email: str, client_address: str) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING``: two workers creating the same row never clash."""
    now = utc_now()
    values = {
        "email": email,
        "client_address": client_address,
        "attempts": 0,
        "last_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return builder(LoginThrottle).values(**values).on_conflict_do_nothing()


async def _count_try(
    session: AsyncSession, *, email: str, client_address: str, free: int, settings: SecuritySettings
) -> int:
    """Count one try on a row; 0 when counted, else the seconds until a try is allowed.

    The count is a conditional ``UPDATE … WHERE blocked_until <= now``: the database applies
    it to one transaction at a time, so two tries can never both take the last free place.
    """
    await session.execute(_insert_if_missing(session, email=email, client_address=client_address))
    now = utc_now()
    window_start = now - datetime.timedelta(minutes=settings.throttle_window_minutes)
    row = (LoginThrottle.email == email) & (LoginThrottle.client_address == client_address)
    counted = (
        await session.execute(
            update(LoginThrottle)
            .where(row)
            .where(or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= now))
            .values(
                # A quiet window forgets the earlier tries.
                attempts=case(
                    (LoginThrottle.last_attempt_at < window_start, 1),
                    else_=LoginThrottle.attempts + 1,
                ),
                last_attempt_at=now,
                updated_at=now,
            )
            .returning(LoginThrottle.attempts)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if counted is None:
        blocked_until = (
            await session.execute(select(LoginThrottle.blocked_until).where(row))
        ).scalar_one()
        remaining = (as_utc(blocked_until) - now).total_seconds() if blocked_until else 0
        return max(1, math.ceil(remaining))
    seconds = delay_after(counted, free=free, settings=settings)
    await session.execute(
        update(LoginThrottle)
        .where(row)
        .values(blocked_until=now + datetime.timedelta(seconds=seconds) if seconds else None)
        .execution_options(synchronize_session=False)
    )
    return 0


async def count_try(
    session: AsyncSession, *, email: str, client_address: str, settings: SecuritySettings
) -> Throttle:
    """Count a sign-in try for the pair and for the address, or refuse it.

    The caller commits right away when the try is allowed (before checking the password).
    A refused try counts for nothing: the counts are made in a savepoint, rolled back here
    when one of them refuses.
    """
    async with session.begin_nested() as counting:
        for key, free in (
            (email, settings.free_tries_per_pair),
            (ADDRESS_WIDE, settings.free_tries_per_address),
        ):
            wait = await _count_try(
                session, email=key, client_address=client_address, free=free, settings=settings
            )
            if wait:
                await counting.rollback()
                return Throttle(blocked=True, retry_after_seconds=wait)
    return Throttle(blocked=False)


async def forget_success(session: AsyncSession, *, email: str, client_address: str) -> None:
    """A right password: the pair starts afresh and the address gets its try back.

    The address keeps its other counted tries, so signing in to one's own account between
    guesses at others' does not wipe the address's record.
    """
    await session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.email == email, LoginThrottle.client_address == client_address)
        .values(attempts=0, blocked_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.email == ADDRESS_WIDE,
            LoginThrottle.client_address == client_address,
            LoginThrottle.attempts > 0,
        )
        .values(attempts=LoginThrottle.attempts - 1)
        .execution_options(synchronize_session=False)
    )


async def unlock(session: AsyncSession, *, user: User) -> None:
    """Clear every sign-in delay on ``user``'s account, from any address (on the audit
    trail)."""
    await session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.email == user.email)
        .execution_options(synchronize_session=False)
    )
    await audit.record(
        session, action="sign_in_unlocked", entity="user_account", entity_id=user.id, details={}
    )


async def delayed_accounts(
    session: AsyncSession, *, emails: list[str]
) -> dict[str, datetime.datetime]:
    """For each of ``emails`` with a delay in force from some address, when the last ends."""
    if not emails:
        return {}
    rows = await session.execute(
        select(LoginThrottle.email, LoginThrottle.blocked_until).where(
            LoginThrottle.email.in_(emails), LoginThrottle.blocked_until > utc_now()
        )
    )
    latest: dict[str, datetime.datetime] = {}
    for email, until in rows.all():
        until = as_utc(until)
        if email not in latest or until > latest[email]:
            latest[email] = until
    return latest
