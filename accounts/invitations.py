"""Inviting people to an organisation: employer contacts and workplace tutors.

An employer contact invites a colleague by name, e-mail address and role. The invitation is
a row of its own (:class:`Invitation`) that carries what the account will be made of:
inviting never creates or touches a user account. A one-time link, valid for
:data:`INVITATION_DAYS` days, goes to the invited address (an ``account`` notice written
to the outbox in the same transaction, in the language of the inviter's page), and the
account is created from the invitation in the transaction that uses the link. Only the
SHA-256 of the link's token is stored, as for login sessions, so the database never holds a
usable link.

The inviter cannot tell whether the address already has an account (in another
organisation, as staff, or a look-alike of one): the answer is the same page after the same
work (no argon2 on any path: no account is made), and the list of people shows the same
pending invitation, with an expiry, for every invited address. Only what the address
receives differs:

- a new address gets the link;
- an address with an account gets a note that someone tried to invite it, without a link:
  its invitation's token is shown to nobody, so the row can never be used;
- a look-alike of an address with an account gets nothing (whoever owns it may be the one
  imitating): a note goes to the ``isok.accounts`` log instead.

Someone already in the inviting organisation is listed there anyway: nothing is written
and the owner gets the note. When two organisations invite the same new address, the
first link used makes the account and the second answers "this address already has an
account" (:class:`AddressHasAccount`), backed by the unique e-mail constraint when both
are used at the same moment.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import password_links
from accounts.lookalike import skeleton
from accounts.models import Invitation, User
from accounts.notices import notify_address
from accounts.passwords import hash_password
from accounts.services import (
    EMAIL_PATTERN,
    AccountError,
    address_taken,
    create_user,
    normalise_email,
    password_problem,
    role_values,
    set_active,
)
from accounts.tokens import as_utc, token_hash, utc_now
from employers.models import Organisation
from kit import audit
from kit.clock import PROGRAMME_TIMEZONE
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.notices import Notice
from kit.roles import ORGANISATION_ROLES, Role, Viewer

INVITATION_DAYS = 14

accounts_log = logging.getLogger("isok.accounts")


class LinkUnusable(Exception):
    """The invitation's link cannot be used (any more): unknown, used (also by another
    request a moment ago), expired, or its pre-0005 account deactivated. Nothing is written."""


class AddressHasAccount(Exception):
    """The invited address got an account since it was invited (another organisation's
    invitation, a registration): the link cannot make a second one.

    Raised before anything is written, or from the unique e-mail constraint when another
    link made the account at the same moment: the session is then unusable and the caller
    undone with the rest of the acceptance (a savepoint).
    """


@dataclass(frozen=True)
class InvitationSent:
    """What the inviter is told: the same whatever the address.

    ``link`` is the one-time link e-mailed to the invited address, or None when the address
    receives no link (it has an account, or looks like one that has): only a development
    aid may show it.
    """

    name: str
    email: str
    expires_at: datetime.datetime
    link: str | None


class InvitationRace(Exception):
    """Another request invited the same address to the same organisation at the same
    moment and won.

    Nothing of this request's invitation is written (its savepoint is rolled back), and the
    session goes on; the answer is the same as for an invitation made, and the other
    request's invitation is the one that stands.
    """


@dataclass(frozen=True)
class Person:
    """A row of an organisation's list of people: an account or a pending invitation.

    ``user_id`` is set for an account, ``invitation_id`` for an invitation (then the
    status is "invited" or "expired" and ``expires_at`` is its expiry).
    """

    name: str
    email: str
    role: str
    status: str  # "active", "deactivated", "invited" or "expired"
    user_id: int | None = None
    invitation_id: int | None = None
    expires_at: datetime.datetime | None = None


def default_expiry() -> datetime.datetime:
    """When an invitation made now expires."""
    return utc_now() + datetime.timedelta(days=INVITATION_DAYS)


def invitation_link(public_url: str, token: str) -> str:
    """The link's address, on the configured public URL (never the request's Host)."""
    return f"{public_url.rstrip('/')}/invitations/{token}"


async def _account_of(session: AsyncSession, email: str) -> User | None:
    """The account of ``email``, else of a look-alike of it (same skeleton), else None."""
    exact_first = case((User.email == email, 0), else_=1)
    return (
        await session.execute(
            select(User)
            .where((User.email == email) | (User.email_skeleton == skeleton(email)))
            .order_by(exact_first, User.id)
            .limit(1)
        )
    ).scalar_one_or_none()


async def create_invitation(
    session: AsyncSession,
    *,
    organisation_id: int,
    inviter: Viewer,
    name: str,
    email: str,
    role: Role,
    public_url: str,
) -> InvitationSent:
    """Invite ``email`` to the organisation: a pending invitation and what goes to the address.

    Inviting again an address with a pending invitation of this organisation (expired or
    not) replaces that invitation's link, name, role and expiry: the old link stops
    working and there is never a second usable one. See the module's text for
    what each kind of address receives; the answer is the same for all.
    Raises :class:`~kit.invalid.Invalid` (naming the field) for an invalid address or a role
    that cannot be invited, and :class:`InvitationRace` when a simultaneous invitation of
    the same address to the same organisation won; nothing is written then.
    """
    if role not in ORGANISATION_ROLES:
        raise Invalid.of("role", gettext("Choose one of the options."))
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email):
        raise Invalid.of("email", gettext("Enter a valid e-mail address, like name@example.fi."))
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise Invalid.of("form", gettext("The organisation no longer exists."))
    name = name.strip() or email
    expires_at = default_expiry()
    answer = InvitationSent(name=name, email=email, expires_at=expires_at, link=None)
    account = await _account_of(session, email)
    owned = account is not None and account.email == email
    pending = (
        await session.execute(
            select(Invitation).where(
                Invitation.organisation_id == organisation_id,
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
            )
        )
    ).scalar_one_or_none()
    # An invitation made before revision 0005 made its account at once; it still gets a link.
    legacy = pending is not None and pending.user_id is not None
    if owned and account is not None and account.organisation_id == organisation_id and not legacy:
        # Already one of this organisation's people, listed as such: nothing to add.
        await notify_address(session, email, _tried_note(inviter, organisation))
        return answer
    token = secrets.token_urlsafe(32)
    try:
        async with session.begin_nested():
            if pending is None:
                pending = Invitation(organisation_id=organisation_id, email=email)
                session.add(pending)
            pending.name = name
            pending.role = role.value
            pending.token_hash = token_hash(token)
            pending.invited_by_id = inviter.user_id
            pending.expires_at = expires_at
            await session.flush()
            await audit.record(
                session,
                action="invitation_created",
                entity="invitation",
                entity_id=pending.id,
                details={"role": role.value, "organisation_id": organisation.id},
            )
    except IntegrityError as error:
        # The unique pending (organisation, address) index: another request invited this
        # address just now.
        raise InvitationRace from error
    if account is None or legacy:
        link = invitation_link(public_url, token)
        notice = Notice(
            "account",
            N_("You are invited to the ISOK portal"),
            lines=(
                N_("%(inviter)s invited you to the ISOK portal for %(organisation)s."),
                N_("Set your password with the link below. It works once, until %(until)s."),
            ),
            values={
                "inviter": inviter.name,
                "organisation": organisation.name,
                # The day it stops working, in Finland (as the inviter's page shows it).
                "until": expires_at.astimezone(PROGRAMME_TIMEZONE).date(),
            },
            link=link,
            action=password_links.SET_PASSWORD,
        )
        await notify_address(session, email, notice)
        return InvitationSent(name=name, email=email, expires_at=expires_at, link=link)
    if owned:
        await notify_address(session, email, _tried_note(inviter, organisation))
    else:
        accounts_log.warning(
            "invitation %s to %s sent nowhere: the address looks like an existing account's",
            pending.id,
            email,
        )
    return answer


def _tried_note(inviter: Viewer, organisation: Organisation) -> Notice:
    """The note to the owner of an address with an account: no one-time link, nothing
    changed (it leads to where anyone asks for a password link)."""
    return Notice(
        "account",
        N_("Someone tried to invite you to the ISOK portal"),
        lines=(
            N_(
                "%(inviter)s of %(organisation)s tried to invite this address, which already"
                " has an account. Nothing has changed."
            ),
            password_links.FORGOT_LINE,
        ),
        values={"inviter": inviter.name, "organisation": organisation.name},
        link=password_links.FORGOT_PATH,
        action=password_links.ASK_FOR_NEW,
    )


async def get_open_invitation(session: AsyncSession, *, token: str) -> Invitation | None:
    """The invitation of ``token`` if it can still be used: known, unused, unexpired."""
    invitation = (
        await session.execute(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    ).scalar_one_or_none()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or as_utc(invitation.expires_at) <= utc_now()
    ):
        return None
    return invitation


async def address_has_account(session: AsyncSession, *, invitation: Invitation) -> bool:
    """Whether the invited address (or a look-alike) got an account since it was invited."""
    if invitation.user_id is not None:
        return False  # an invitation made before 0005, with its own account (see accept)
    return await address_taken(session, email=invitation.email)


async def accept_invitation(session: AsyncSession, *, token: str, password: str) -> User:
    """Create the invited person's account with ``password`` and use up the link.

    Raises :class:`LinkUnusable` when the link cannot be used (also when another request
    used it a moment ago: the link is claimed by a conditional update checked by its row
    count), :class:`~kit.invalid.Invalid` when the password will not do, and
    :class:`AddressHasAccount` when the address has an account already; nothing is written
    then.
    """
    invitation = await get_open_invitation(session, token=token)
    if invitation is None:
        raise LinkUnusable
    problem = password_problem(password, email=invitation.email)
    if problem is not None:
        raise Invalid.of("password", gettext(problem))
    # A refusal after the link is claimed undoes the claim with the rest (a savepoint).
    async with session.begin_nested():
        claimed = await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
            .values(accepted_at=utc_now())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise LinkUnusable
        if invitation.user_id is not None:
            user = await _legacy_account(session, invitation, password)
        else:
            try:
                user = await create_user(
                    session,
                    email=invitation.email,
                    name=invitation.name,
                    role=Role(invitation.role),
                    password=password,
                    organisation=invitation.organisation,
                )
            except AccountError as error:
                # The address and password were checked: what is left is the address being
                # taken (or looking like one that is).
                raise AddressHasAccount from error
            except IntegrityError as error:  # another link made this account a moment ago
                raise AddressHasAccount from error
            invitation.user_id = user.id
        await audit.record(
            session,
            action="invitation_accepted",
            entity="user_account",
            entity_id=user.id,
            details={"invitation_id": invitation.id},
        )
        await session.flush()
    return user


async def _legacy_account(session: AsyncSession, invitation: Invitation, password: str) -> User:
    """Set the password of the account made with an invitation before revision 0005.

    Those invitations created the account (with a password nobody knew) at once; their
    links keep working until they expire.
    """
    user = await session.get(User, invitation.user_id)
    if user is None or not user.is_active:
        raise LinkUnusable
    user.password_hash = hash_password(password)
    return user


async def list_people(session: AsyncSession, *, organisation_id: int) -> list[Person]:
    """The organisation's employer contacts and tutors, and its pending invitations.

    Two queries whatever the number of people. An invitation shows what the inviter typed
    and its expiry, the same whether or not the address has an account elsewhere.
    """
    invitations = list(
        (
            await session.execute(
                select(Invitation)
                .where(
                    Invitation.organisation_id == organisation_id,
                    Invitation.accepted_at.is_(None),
                )
                .order_by(Invitation.role, Invitation.name, Invitation.id)
            )
        ).scalars()
    )
    # An invitation made before 0005 has an account already: it is listed as the invitation.
    waiting = {invitation.user_id for invitation in invitations if invitation.user_id}
    users = (
        await session.execute(
            select(User)
            .where(User.organisation_id == organisation_id, User.id.not_in(waiting))
            .order_by(User.role, User.name, User.id)
        )
    ).scalars()
    now = utc_now()
    people = [
        Person(
            name=user.name,
            email=user.email,
            role=user.role,
            status="active" if user.is_active else "deactivated",
            user_id=user.id,
        )
        for user in users
    ]
    people.extend(
        Person(
            name=invitation.name,
            email=invitation.email,
            role=invitation.role,
            status="invited" if as_utc(invitation.expires_at) > now else "expired",
            invitation_id=invitation.id,
            expires_at=as_utc(invitation.expires_at),
        )
        for invitation in invitations
    )
    return people


async def withdraw_invitation(
    session: AsyncSession, *, organisation_id: int, invitation_id: int
) -> Invitation | None:
    """Withdraw a pending invitation of the organisation: its link stops working.

    Returns None when the organisation has no such pending invitation (the caller answers
    404). The account of an invitation made before revision 0005 is deactivated with it.
    """
    invitation = (
        await session.execute(
            select(Invitation).where(
                Invitation.id == invitation_id,
                Invitation.organisation_id == organisation_id,
                Invitation.accepted_at.is_(None),
            )
        )
    ).scalar_one_or_none()
    if invitation is None:
        return None
    if invitation.user_id is not None:
        user = await session.get(User, invitation.user_id)
        if user is not None:
            await set_active(session, user=user, active=False)
    await session.execute(delete(Invitation).where(Invitation.id == invitation.id))
    await audit.record(
        session,
        action="invitation_withdrawn",
        entity="invitation",
        entity_id=invitation.id,
        details={"organisation_id": organisation_id},
    )
    return invitation


async def set_person_active(
    session: AsyncSession, *, organisation_id: int, user_id: int, active: bool, acting_user_id: int
) -> User | None:
    """Deactivate (or reactivate) an employer contact or tutor of the organisation.

    A deactivated person cannot sign in, and their open sessions end at once (they are
    deleted, and a session of an inactive user is refused anyway). A pending invitation has
    no account yet: it is withdrawn instead (:func:`withdraw_invitation`). Returns None
    when the organisation has no such person (the caller answers 404); raises
    :class:`~kit.invalid.Invalid` for one's own account, so that nobody locks themselves out.
    """
    user = (
        await session.execute(
            select(User).where(
                User.id == user_id,
                User.organisation_id == organisation_id,
                User.role.in_(role_values(ORGANISATION_ROLES)),
            )
        )
    ).scalar_one_or_none()
    if user is None:
        return None
    if user.id == acting_user_id:
        raise Invalid.of("person", gettext("You cannot deactivate your own account."))
    await set_active(session, user=user, active=active)
    return user
