"""The programme's staff accounts: the coordinator (or an operator) creates them and sends
password links.

A new account gets no password anybody knows: a one-time link to set one goes to its address
(:mod:`accounts.password_links`, valid for ``FIRST_PASSWORD_HOURS``), an ``account`` notice
written to the outbox in the same transaction. A link sent later ("send a reset link", or
``isok users reset``) works the same way and leaves the current password alone: it keeps
working until the link is used, so a link sent by mistake, or to a person who remembers
their password, changes nothing. Using a link ends every session of the account and closes
its other open links.

Only the coordinator sees addresses here, so a taken address (or a look-alike of one) is
named as such next to the field. Several identical requests at once make one account: the
unique e-mail constraint refuses the others, each in its own savepoint.
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import password_links
from accounts.models import User
from accounts.notices import notify_address
from accounts.services import (
    EMAIL_PATTERN,
    TAKEN_MESSAGE,
    AccountError,
    address_taken,
    create_user,
    normalise_email,
)
from kit import audit
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.notices import Notice
from kit.roles import PROGRAMME_ROLES, Role

LINK_HOURS = password_links.FIRST_PASSWORD_HOURS
"""How long a link the coordinator sends works. The person did not ask for it at that moment
and may read it days later (a forgotten password's link, asked for by the person, works for
an hour)."""
INACTIVE_MESSAGE = N_("This account is deactivated: reactivate it first.")


class AccountInactive(Exception):
    """A password link was asked for a deactivated account (it could not be used)."""


async def create_staff_user(
    session: AsyncSession, *, name: str, email: str, role: Role, public_url: str
) -> tuple[User, str]:
    """Create a programme account (``kit.roles.PROGRAMME_ROLES``) and e-mail it a one-time
    link to set its password; the account and the link.

    Raises :class:`~kit.invalid.Invalid` naming the field for another role, an invalid
    address, or an address that has an account (or looks like one that has, also when
    another request made it a moment ago); nothing is written then.
    """
    if role not in PROGRAMME_ROLES:
        raise Invalid.of("role", gettext("Choose one of the options."))
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email):
        raise Invalid.of("email", gettext("Enter a valid e-mail address, like name@example.fi."))
    if await address_taken(session, email=email):
        raise Invalid.of("email", gettext(TAKEN_MESSAGE))
    try:
        async with session.begin_nested():
            # Nobody knows this password: the person sets their own with the link.
            user = await create_user(
                session, email=email, name=name, role=role, password=secrets.token_urlsafe(32)
            )
    except AccountError as error:  # pragma: no cover - the checks above come first
        raise Invalid.of("email", gettext(str(error))) from None
    except IntegrityError:
        # The unique e-mail constraint: the same address was created a moment ago.
        raise Invalid.of("email", gettext(TAKEN_MESSAGE)) from None
    await audit.record(
        session,
        action="staff_user_created",
        entity="user_account",
        entity_id=user.id,
        details={"role": role.value},
    )
    link = await send_password_link(session, user=user, public_url=public_url, first=True)
    return user, link


async def send_password_link(
    session: AsyncSession, *, user: User, public_url: str, first: bool = False
) -> str:
    """E-mail ``user`` a new one-time link to set a password, valid for :data:`LINK_HOURS`
    hours; the link. The current password keeps working until the link is used.

    ``first`` is for a new account (the message welcomes the person). Raises
    :class:`AccountInactive` for a deactivated account; nothing is written then.
    """
    if not user.is_active:
        raise AccountInactive
    token = await password_links.issue(session, user=user, hours=LINK_HOURS)
    link = password_links.link_for(public_url, token)
    if first:
        notice = Notice(
            "account",
            N_("Your account in the ISOK portal"),
            lines=(
                N_("An account in the ISOK portal was made for you, to sign in with this address."),
                password_links.FIRST_PASSWORD_LINE,
            ),
            values={"hours": LINK_HOURS},
            link=link,
            action=password_links.SET_PASSWORD,
        )
    else:
        notice = Notice(
            "account",
            N_("A link to set a new password for the ISOK portal"),
            lines=(
                N_("The ISOK portal's administrators sent you a link to set a new password."),
                N_("The link below works once, for %(hours)s hours."),
                N_("Until you use it, your current password keeps working."),
            ),
            values={"hours": LINK_HOURS},
            link=link,
            action=N_("Set a new password"),
        )
    await notify_address(session, user.email, notice)
    await audit.record(
        session,
        action="password_link_sent",
        entity="user_account",
        entity_id=user.id,
        details={"first": first, "hours": LINK_HOURS},
    )
    return link
