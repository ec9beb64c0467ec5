"""An organisation registers itself: its details and the contact person who signs in for it.

The organisation starts as *applied*; a coordinator decides on it (``employers.services``).
The contact person becomes the organisation's employer user in the same transaction: if
anything is wrong, nothing is saved (the two are written in one savepoint, and the request's
session rolls back on a 4xx answer). This lives in ``accounts`` because it creates a user.

The answer never tells whether the e-mail address already has an account. The contact does
not choose a password here (signing in with it would tell), but gets an e-mail with a
one-time link to set one; an address that already has an account, or looks like one that
has, gets the same page after the same argon2 work, nothing is written for it, and its
owner is told by e-mail. Both e-mails are ``account`` notices written to the outbox with the
rest (:func:`accounts.notices.notify_address`); in development the page also shows the link
as a development aid.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import password_links
from accounts.models import User
from accounts.notices import notify_address
from accounts.passwords import hash_password
from accounts.services import (
    EMAIL_PATTERN,
    AccountError,
    address_taken,
    create_user,
    get_by_email,
    normalise_email,
)
from employers import services as organisations
from employers.models import Organisation
from kit import audit
from kit.forms import FormReader
from kit.i18n import N_
from kit.i18n import gettext as _
from kit.invalid import Invalid
from kit.notices import Notice
from kit.roles import Role

ORGANISATION_FIELDS = ("name", "business_id", "kind", "sector", "municipality", "region", "size")
CONTACT_FIELDS = ("contact_name", "email")


def _form(values: dict[str, str], errors: dict[str, str], status: int = HTTP_200_OK) -> Template:
    return Template(
        template_name="accounts/register.html",
        status_code=status,
        context={"values": values, "errors": errors, "options": organisations.choice_options()},
    )


def _received(request: Request[Any, Any, Any], email: str, link: str | None) -> Template:
    """The one answer to an application that passed the form's checks."""
    development = request.app.state.settings.env == "development"
    return Template(
        template_name="accounts/register_received.html",
        headers={"Cache-Control": "no-store"},
        context={"email": email, "development_link": link if development else None},
    )


def _check_contact(reader: FormReader) -> None:
    """Record a message on each wrong contact field of ``reader``."""
    reader.text("contact_name", required=True, max_length=200)
    email = reader.text("email", required=True, max_length=254)
    if email and not EMAIL_PATTERN.match(normalise_email(email)):
        reader.error("email", _("Enter a valid e-mail address, like name@example.fi."))


async def _tell_owner(db_session: AsyncSession, email: str) -> None:
    """Someone applied with an address that has an account: tell its owner, write nothing."""
    # The same argon2 work as creating the account, so the time taken tells nothing.
    hash_password(secrets.token_urlsafe(32))
    owner = await get_by_email(db_session, email=email)
    if owner is not None:
        notice = Notice(
            "account",
            N_("Someone applied to the ISOK portal with your address"),
            lines=(
                N_(
                    "An organisation's application named this address, which already has an"
                    " account. Nothing was saved."
                ),
                password_links.FORGOT_LINE,
            ),
            link=password_links.FORGOT_PATH,
            action=password_links.ASK_FOR_NEW,
        )
        await notify_address(db_session, owner.email, notice)


async def register_with_contact(
    session: AsyncSession,
    *,
    details: organisations.OrganisationDetails,
    contact_name: str,
    email: str,
) -> tuple[Organisation, User] | None:
    """Write the applying organisation and its contact person's account, both or neither.

    None when the address got an account from another request a moment ago (the unique
    e-mail constraint): nothing of this application is written then, and the caller gives
    the same answer as for an application received. Raises :class:`~kit.invalid.Invalid`
    when the business ID was registered a moment ago.
    """
    try:
        async with session.begin_nested():
            organisation = await organisations.register_organisation(session, details=details)
            # Nobody knows this password: the contact sets their own with the link.
            user = await create_user(
                session,
                email=email,
                name=contact_name,
                role=Role.EMPLOYER,
                password=secrets.token_urlsafe(32),
                organisation=organisation,
            )
    except IntegrityError:
        return None
    return organisation, user


class RegistrationController(Controller):
    include_in_schema = False

    @get("/register")
    async def registration_form(self) -> Template:
        return _form({}, {})

    @post("/register", status_code=HTTP_200_OK)
    async def register(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        reader = FormReader(await request.form())
        values = {field: reader.raw(field) for field in (*ORGANISATION_FIELDS, *CONTACT_FIELDS)}

        details, errors = await organisations.check_new_organisation(
            db_session,
            details=organisations.OrganisationDetails(
                **{field: reader.raw(field) for field in ORGANISATION_FIELDS}
            ),
        )
        _check_contact(reader)
        errors = {**errors, **reader.errors}
        if errors:
            return _form(values, errors, HTTP_400_BAD_REQUEST)

        email = normalise_email(reader.raw("email"))
        if await address_taken(db_session, email=email):
            await _tell_owner(db_session, email)
            return _received(request, email, None)
        try:
            registered = await register_with_contact(
                db_session, details=details, contact_name=reader.raw("contact_name"), email=email
            )
        except Invalid as error:
            return _form(values, error.errors, HTTP_400_BAD_REQUEST)
        except AccountError as error:  # pragma: no cover - the checks above come first
            return _form(values, {"email": _(str(error))}, HTTP_400_BAD_REQUEST)
        if registered is None:
            # The same address registered by another request a moment ago: the same answer.
            return _received(request, email, None)
        organisation, user = registered
        token = await password_links.issue(
            db_session, user=user, hours=password_links.FIRST_PASSWORD_HOURS
        )
        await audit.record(
            db_session,
            action="register",
            entity="organisation",
            entity_id=organisation.id,
            details={"name": organisation.name, "contact_user_id": user.id},
        )
        link = password_links.link_for(request.app.state.settings.public_url, token)
        notice = Notice(
            "account",
            N_("Set your password for the ISOK portal"),
            lines=(
                N_("Thank you for the application of %(organisation)s."),
                password_links.FIRST_PASSWORD_LINE,
            ),
            values={
                "organisation": organisation.name,
                "hours": password_links.FIRST_PASSWORD_HOURS,
            },
            link=link,
            action=password_links.SET_PASSWORD,
        )
        await notify_address(db_session, user.email, notice)
        return _received(request, email, link)
