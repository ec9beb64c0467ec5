"""Inviting people to an organisation: employer contacts and workplace tutors.

An employer contact invites a colleague by name and e-mail address. The portal creates the
account at once, with an unusable password (the argon2 hash of a random secret nobody
knows), and a one-time invitation link valid for :data:`INVITATION_DAYS` days. The portal
sends no e-mail: the inviter passes the link on. Only the sha256 hash of the link's token is
stored, as for login sessions, so the database never holds a usable link.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from employers.models import Organisation
from portal import audit
from portal.accounts.models import Invitation, LoginSession, Role, User
from portal.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from portal.accounts.services import EMAIL_PATTERN, create_user, get_by_email, normalise_email
from portal.i18n import N_

INVITATION_DAYS = 14
INVITABLE_ROLES = (Role.EMPLOYER, Role.TUTOR)


class InvitationError(ValueError):
    """Input that cannot make an invitation; ``field`` names the form field, ``message``
    is marked for translation (translate it where it is shown)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation; ``token`` is shown once to the inviter and never stored."""

    user: User
    token: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class Person:
    """Someone of an organisation, with the state of their account."""

    user: User
    status: str  # "active", "invited", "expired" or "deactivated"
    invitation_expires_at: datetime.datetime | None = None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invitation(
    session: AsyncSession,
    *,
    organisation_id: int,
    inviter: User,
    name: str,
    email: str,
    role: Role,
) -> IssuedInvitation:
    """Create the invited person's account and a one-time link for them to set a password.

    Inviting again a person of the organisation who never used their link replaces the old
    link with a new one. Raises :class:`InvitationError` (naming the field) for an invalid or
    taken e-mail address or a role that cannot be invited; nothing is written then.
    """
    if role not in INVITABLE_ROLES:
        raise InvitationError("role", N_("Choose one of the options."))
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email):
        raise InvitationError("email", N_("Enter a valid e-mail address, like name@example.fi."))
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise InvitationError("form", N_("The organisation no longer exists."))
    user = await get_by_email(session, email=email)
    if user is not None:
        # Inviting again someone who never used their link gives them a new one.
        if not await _awaits_acceptance(session, user, organisation_id):
            raise InvitationError("email", N_("A user with this e-mail address already exists."))
        user.name = name.strip() or email
        user.role = role.value
        await session.execute(delete(Invitation).where(Invitation.user_id == user.id))
    else:
        # Nobody knows this password: the account can be used only once the link is used.
        user = await create_user(
            session,
            email=email,
            name=name,
            role=role,
            password=secrets.token_urlsafe(32),
            organisation=organisation,
        )
    token = secrets.token_urlsafe(32)
    expires_at = _now() + datetime.timedelta(days=INVITATION_DAYS)
    session.add(
        Invitation(
            user_id=user.id,
            token_hash=token_hash(token),
            invited_by_id=inviter.id,
            expires_at=expires_at,
        )
    )
    await audit.record(
        session,
        action="invitation_created",
        entity="user_account",
        entity_id=user.id,
        details={"role": role.value, "organisation_id": organisation.id},
    )
    await session.flush()
    return IssuedInvitation(user=user, token=token, expires_at=expires_at)


async def _awaits_acceptance(session: AsyncSession, user: User, organisation_id: int) -> bool:
    """Whether ``user`` was invited to this organisation and has never accepted."""
    if user.organisation_id != organisation_id or not user.is_active:
        return False
    invited, accepted = (
        await session.execute(
            select(func.count(Invitation.id), func.count(Invitation.accepted_at)).where(
                Invitation.user_id == user.id
            )
        )
    ).one()
    return bool(invited) and not accepted


async def get_open_invitation(session: AsyncSession, *, token: str) -> Invitation | None:
    """The invitation of ``token`` if it can still be used: known, unused, unexpired."""
    invitation = (
        await session.execute(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    ).scalar_one_or_none()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or _aware(invitation.expires_at) <= _now()
        or not invitation.user.is_active
    ):
        return None
    return invitation


async def accept_invitation(session: AsyncSession, *, token: str, password: str) -> User:
    """Set the invited person's password and use up the link.

    Raises :class:`InvitationError` when the link cannot be used or the password is too
    short; nothing is written then.
    """
    invitation = await get_open_invitation(session, token=token)
    if invitation is None:
        raise InvitationError("form", N_("This invitation link is not valid."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvitationError("password", N_("The password must be at least 8 characters long."))
    user = invitation.user
    user.password_hash = hash_password(password)
    invitation.accepted_at = _now()
    await audit.record(
        session,
        action="invitation_accepted",
        entity="user_account",
        entity_id=user.id,
        details={},
    )
    await session.flush()
    return user


async def list_people(session: AsyncSession, *, organisation_id: int) -> list[Person]:
    """The organisation's employer contacts and tutors with the state of their account.

    Two queries whatever the number of people: the users, then their invitations.
    """
    users = list(
        (
            await session.execute(
                select(User)
                .where(User.organisation_id == organisation_id)
                .order_by(User.role, User.name, User.id)
            )
        ).scalars()
    )
    latest: dict[int, tuple[datetime.datetime, datetime.datetime | None]] = {}
    if users:
        rows = await session.execute(
            select(Invitation.user_id, Invitation.expires_at, Invitation.accepted_at)
            .where(Invitation.user_id.in_([user.id for user in users]))
            .order_by(Invitation.id)
        )
        for user_id, expires_at, accepted_at in rows.all():
            latest[user_id] = (_aware(expires_at), accepted_at)
    now = _now()
    people: list[Person] = []
    for user in users:
        invitation = latest.get(user.id)
        if not user.is_active:
            people.append(Person(user, "deactivated"))
        elif invitation is not None and invitation[1] is None:
            status = "invited" if invitation[0] > now else "expired"
            people.append(Person(user, status, invitation[0]))
        else:
            people.append(Person(user, "active"))
    return people


PEOPLE_ROLES = (Role.EMPLOYER.value, Role.TUTOR.value)


async def set_person_active(
    session: AsyncSession, *, organisation_id: int, user_id: int, active: bool, acting_user_id: int
) -> User | None:
    """Deactivate (or reactivate) an employer contact or tutor of the organisation.

    A deactivated person cannot sign in, their open sessions end at once (they are deleted,
    and a session of an inactive user is refused anyway), and an unused invitation link stops
    working. Returns None when the organisation has no such person (the caller answers 404);
    raises :class:`InvitationError` for one's own account, so that nobody locks themselves out.
    """
    user = (
        await session.execute(
            select(User).where(
                User.id == user_id,
                User.organisation_id == organisation_id,
                User.role.in_(PEOPLE_ROLES),
            )
        )
    ).scalar_one_or_none()
    if user is None:
        return None
    if user.id == acting_user_id:
        raise InvitationError("person", N_("You cannot deactivate your own account."))
    user.is_active = active
    if not active:
        await session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    await session.flush()
    return user
