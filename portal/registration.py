"""An organisation registers itself: its details and the contact person who signs in for it.

The organisation starts as *applied*; a coordinator decides on it (``employers.services``).
The contact person becomes the organisation's employer user in the same transaction: if
anything is wrong, nothing is saved (the request's session rolls back on a 4xx answer).
This lives in ``portal`` because it creates a user.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from employers import services as organisations
from portal import audit
from portal.accounts.models import Role
from portal.accounts.passwords import MIN_PASSWORD_LENGTH
from portal.accounts.services import (
    EMAIL_PATTERN,
    AccountError,
    create_user,
    get_by_email,
    normalise_email,
)
from portal.flash import redirect_with
from portal.forms import FormReader
from portal.i18n import gettext as _

ORGANISATION_FIELDS = ("name", "business_id", "kind", "sector", "municipality", "region", "size")
CONTACT_FIELDS = ("contact_name", "email")


def _form(values: dict[str, str], errors: dict[str, str], status: int = HTTP_200_OK) -> Template:
    return Template(
        template_name="portal/register.html",
        status_code=status,
        context={
            "values": values,
            "errors": errors,
            "options": organisations.choice_options(),
            "min_password_length": MIN_PASSWORD_LENGTH,
        },
    )


async def _check_contact(
    db_session: AsyncSession, reader: FormReader, password: str, confirmation: str
) -> None:
    """Record a message on each wrong contact field of ``reader``."""
    reader.text("contact_name", required=True, max_length=200)
    email = reader.text("email", required=True, max_length=254)
    if email and not EMAIL_PATTERN.match(normalise_email(email)):
        reader.error("email", _("Enter a valid e-mail address, like name@example.fi."))
    elif email and await get_by_email(db_session, email=email) is not None:
        reader.error(
            "email",
            _("A user with this e-mail address already exists. Sign in, or use another address."),
        )
    if not password:
        reader.error("password", _("This field is required."))
    elif len(password) < MIN_PASSWORD_LENGTH:
        reader.error(
            "password",
            _("The password must be at least %(min)d characters long.")
            % {"min": MIN_PASSWORD_LENGTH},
        )
    if password and confirmation != password:
        reader.error("password_confirmation", _("The passwords do not match."))


class RegistrationController(Controller):
    include_in_schema = False

    @get("/register")
    async def registration_form(self) -> Template:
        return _form({}, {})

    @post("/register", status_code=HTTP_200_OK)
    async def register(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        form = await request.form()
        reader = FormReader(form)
        # Passwords are taken as typed: spaces may be part of them.
        password = str(form.get("password", ""))
        confirmation = str(form.get("password_confirmation", ""))
        values = {field: reader.raw(field) for field in (*ORGANISATION_FIELDS, *CONTACT_FIELDS)}

        details, errors = await organisations.check_new_organisation(
            db_session,
            details=organisations.OrganisationDetails(
                **{field: reader.raw(field) for field in ORGANISATION_FIELDS}
            ),
        )
        await _check_contact(db_session, reader, password, confirmation)
        errors = {**errors, **reader.errors}
        if errors:
            return _form(values, errors, HTTP_400_BAD_REQUEST)

        try:
            organisation = await organisations.register_organisation(db_session, details=details)
            user = await create_user(
                db_session,
                email=reader.raw("email"),
                name=reader.raw("contact_name"),
                role=Role.EMPLOYER,
                password=password,
                organisation=organisation,
            )
        except organisations.OrganisationError as error:
            return _form(values, error.errors, HTTP_400_BAD_REQUEST)
        except AccountError as error:
            return _form(values, {"email": _(str(error))}, HTTP_400_BAD_REQUEST)
        await audit.record(
            db_session,
            action="register",
            entity="organisation",
            entity_id=organisation.id,
            details={"name": organisation.name, "contact_user_id": user.id},
        )
        return redirect_with(
            request,
            "/login",
            _(
                "Thank you: your application is waiting for the programme's approval. "
                "You can sign in now."
            ),
            "success",
        )
