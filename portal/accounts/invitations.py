"""Inviting people to an organisation: employer contacts and workplace tutors.

An employer contact invites a colleague by name and e-mail address. The portal creates the
account at once, with an unusable password (the argon2 hash of a random secret nobody
knows), and a one-time invitation link valid for :data:`INVITATION_DAYS` days, sent to the
invited address (``portal.accounts.mail``: written to the log until the portal sends
e-mail). Only the sha256 hash of the link's token is stored, as for login sessions, so the
database never holds a usable link.

The answer to the inviter never tells whether the address already has an account (here or
in another organisation, or a look-alike of one): it is the same page, after the same
argon2 work, and nothing is written for such an address; its owner is told by e-mail.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from employers.models import Organisation
from portal import audit
from portal.accounts.mail import Outgoing, deliver
from portal.accounts.models import Invitation, Role, User
from portal.accounts.passwords import hash_password
from portal.accounts.services import (
    EMAIL_PATTERN,
    address_taken,
    create_user,
    get_by_email,
    normalise_email,
    password_problem,
    set_active,
)
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
class InvitationSent:
    """What the inviter is told: the same whether or not an invitation was made.

    ``message`` is the e-mail sent to the invited address with its link, or None when the
    address already had an account (its owner was told instead): only a development aid
    may show it.
    """

    name: str
    email: str
    expires_at: datetime.datetime
    message: Outgoing | None


class InvitationRace(Exception):
    """Another request invited the same address at the same moment and won.

    The session is unusable (the caller rolls it back); the answer is the same as for an
    invitation made, and the other request's invitation is the one that stands.
    """


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


def default_expiry() -> datetime.datetime:
    """When an invitation made now expires."""
    return _now() + datetime.timedelta(days=INVITATION_DAYS)


def invitation_link(public_url: str, token: str) -> str:
    """The link's address, on the configured public URL (never the request's Host)."""
    return f"{public_url.rstrip('/')}/invitations/{token}"


async def create_invitation(
    session: AsyncSession,
    *,
    organisation_id: int,
    inviter: User,
    name: str,
    email: str,
    role: Role,
    public_url: str,
) -> InvitationSent:
    """Create the invited person's account and send them a one-time link to set a password.

    Inviting again a person of the organisation who never used their link replaces the old
    link with a new one. An address that already has an account, or looks like one that
    has, gets the same answer and nothing is written (its owner is told by e-mail).
    Raises :class:`InvitationError` (naming the field) for an invalid address or a role
    that cannot be invited, and :class:`InvitationRace` when a simultaneous invitation of
    the same address won; nothing is written then.
    """
    if role not in INVITABLE_ROLES:
        raise InvitationError("role", N_("Choose one of the options."))
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email):
        raise InvitationError("email", N_("Enter a valid e-mail address, like name@example.fi."))
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise InvitationError("form", N_("The organisation no longer exists."))
    name = name.strip() or email
    expires_at = default_expiry()
    user = await get_by_email(session, email=email)
    if user is not None and await _awaits_acceptance(session, user, organisation_id):
        # Inviting again someone who never used their link gives them a new one.
        user.name = name
        user.role = role.value
        await session.execute(delete(Invitation).where(Invitation.user_id == user.id))
    elif user is not None or await address_taken(session, email=email):
        # The same argon2 work as creating an account, so the time taken tells nothing.
        hash_password(secrets.token_urlsafe(32))
        if user is not None:
            deliver(
                Outgoing(
                    to=user.email,
                    subject=N_("Someone tried to invite you to the ISOK portal"),
                    body=f"{inviter.name} of {organisation.name} tried to invite this address, "
                    "which already has an account. Nothing has changed; if you forgot your "
                    "password, ask for a new one on the sign-in page.",
                )
            )
        return InvitationSent(name=name, email=email, expires_at=expires_at, message=None)
    else:
        # Nobody knows this password: the account can be used only once the link is used.
        try:
            user = await create_user(
                session,
                email=email,
                name=name,
                role=role,
                password=secrets.token_urlsafe(32),
                organisation=organisation,
            )
        except IntegrityError as error:
            # The unique e-mail constraint: another request created this account just now.
            raise InvitationRace from error
    token = secrets.token_urlsafe(32)
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
    link = invitation_link(public_url, token)
    message = Outgoing(
        to=user.email,
        subject=N_("You are invited to the ISOK portal"),
        body=f"{inviter.name} invited you to the ISOK portal for {organisation.name}. Set your "
        f"password with this link; it works once, until {expires_at:%Y-%m-%d}: {link}",
        link=link,
    )
    deliver(message)
    return InvitationSent(name=name, email=email, expires_at=expires_at, message=message)


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

    Raises :class:`InvitationError` when the link cannot be used (also when another request
    used it a moment ago: the link is claimed by a conditional update checked by its row
    count) or the password will not do; nothing is written then.
    """
    invitation = await get_open_invitation(session, token=token)
    if invitation is None:
        raise InvitationError("form", N_("This invitation link is not valid."))
    user = invitation.user
    problem = password_problem(password, email=user.email)
    if problem is not None:
        raise InvitationError("password", problem)
    now = _now()
    claimed = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationError("form", N_("This invitation link is not valid."))
    user.password_hash = hash_password(password)
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
    await set_active(session, user=user, active=active)
    return user
