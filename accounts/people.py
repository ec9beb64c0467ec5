"""People of an organisation (employer contacts, workplace tutors) and invitation links."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
)
from sqlalchemy.ext.asyncio import AsyncSession

from accounts import invitations
from accounts.models import Invitation, User
from accounts.passwords import MIN_PASSWORD_LENGTH
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import N_, gettext
from kit.roles import Role

ROLE_CHOICES = (
    (Role.EMPLOYER.value, N_("Employer contact")),
    (Role.TUTOR.value, N_("Workplace tutor")),
)
STATUS_LABELS = {
    "active": N_("Active"),
    "invited": N_("Invitation waiting"),
    "expired": N_("Invitation expired"),
    "deactivated": N_("Deactivated"),
}
# Pages that show or take an invitation token must not be kept by browsers or proxies.
NO_STORE = {"Cache-Control": "no-store"}


def _people_page(
    people: list[invitations.Person],
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="accounts/people.html",
        status_code=status,
        context={
            "people": people,
            "status_labels": STATUS_LABELS,
            "role_choices": [(value, gettext(label)) for value, label in ROLE_CHOICES],
            "values": values or {"name": "", "email": "", "role": Role.TUTOR.value},
            "errors": errors or {},
        },
    )


class PeoplePages(Controller):
    path = "/organisation/people"
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[User, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        organisation_id = _own_organisation(request)
        return _people_page(
            await invitations.list_people(db_session, organisation_id=organisation_id)
        )

    @post("/", status_code=HTTP_201_CREATED)
    async def invite(
        self, request: Request[User, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        organisation_id = _own_organisation(request)
        reader = FormReader(await request.form())
        name = reader.text("name", required=True, max_length=200)
        email = reader.text("email", required=True, max_length=254)
        role = reader.choice("role", [value for value, _label in ROLE_CHOICES], required=True)
        sent = None
        if reader.ok and role is not None:
            try:
                sent = await invitations.create_invitation(
                    db_session,
                    organisation_id=organisation_id,
                    inviter=request.user,
                    name=name,
                    email=email,
                    role=Role(role),
                    public_url=request.app.state.settings.public_url,
                )
            except invitations.InvitationError as error:
                reader.error(error.field, gettext(error.message))
            except invitations.InvitationRace:
                # Someone invited this address at the same moment: theirs stands, and the
                # answer is the same as for an invitation made here.
                await db_session.rollback()
                sent = invitations.InvitationSent(
                    name=name, email=email, expires_at=invitations.default_expiry(), message=None
                )
        if sent is None:
            people = await invitations.list_people(db_session, organisation_id=organisation_id)
            values = {"name": name, "email": email, "role": role or ""}
            return _people_page(people, values, reader.errors, HTTP_400_BAD_REQUEST)
        # The same page whether or not the address had an account. The link is shown on
        # screen in development only, as an aid until the portal sends e-mail.
        development = request.app.state.settings.env == "development"
        return Template(
            template_name="accounts/invitation_created.html",
            status_code=HTTP_201_CREATED,
            headers=NO_STORE,
            context={
                "sent": sent,
                "development_link": sent.message.link if development and sent.message else None,
            },
        )

    @post("/invitations/{invitation_id:int}/withdraw", status_code=HTTP_200_OK)
    async def withdraw(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        invitation_id: FromPath[int],
    ) -> Response[Any]:
        """Withdraw a pending invitation of one's own organisation; another's answers 404."""
        invitation = await invitations.withdraw_invitation(
            db_session, organisation_id=_own_organisation(request), invitation_id=invitation_id
        )
        if invitation is None:
            raise NotFoundException(detail=gettext("No such invitation in your organisation."))
        message = gettext("The invitation of %(name)s is withdrawn; its link no longer works.")
        return redirect_with(
            request, "/organisation/people", message % {"name": invitation.name}, "success"
        )

    @post("/{user_id:int}/deactivate", status_code=HTTP_200_OK)
    async def deactivate(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        return await _set_active(request, db_session, user_id, active=False)

    @post("/{user_id:int}/reactivate", status_code=HTTP_200_OK)
    async def reactivate(
        self,
        request: Request[User, Any, Any],
        db_session: NamedDependency[AsyncSession],
        user_id: FromPath[int],
    ) -> Response[Any]:
        return await _set_active(request, db_session, user_id, active=True)


async def _set_active(
    request: Request[User, Any, Any], db_session: AsyncSession, user_id: int, *, active: bool
) -> Response[Any]:
    """Deactivate or reactivate one of the organisation's people; another's answers 404."""
    try:
        person = await invitations.set_person_active(
            db_session,
            organisation_id=_own_organisation(request),
            user_id=user_id,
            active=active,
            acting_user_id=request.user.id,
        )
    except invitations.InvitationError as error:
        return redirect_with(request, "/organisation/people", gettext(error.message), "error")
    if person is None:
        raise NotFoundException(detail=gettext("No such person in your organisation."))
    message = (
        gettext("%(name)s can sign in again.")
        if active
        else gettext("%(name)s can no longer sign in; their sessions have ended.")
    )
    return redirect_with(
        request, "/organisation/people", message % {"name": person.name}, "success"
    )


def _own_organisation(request: Request[User, Any, Any]) -> int:
    """The organisation the employer contact acts for (the policy admits only them)."""
    organisation_id = request.user.organisation_id
    if organisation_id is None:  # pragma: no cover - the role's check constraint forbids it
        raise ValueError("an employer contact without an organisation")
    return organisation_id


def _invalid_link() -> Template:
    return Template(
        template_name="accounts/invitation_invalid.html",
        status_code=HTTP_404_NOT_FOUND,
        headers=NO_STORE,
    )


def _address_has_account(email: str, organisation: str) -> Template:
    """The link's address got an account since it was invited: it cannot make another.

    Only the address's owner has the link, so telling them is no leak.
    """
    return Template(
        template_name="accounts/invitation_account_exists.html",
        status_code=HTTP_409_CONFLICT,
        headers=NO_STORE,
        context={"email": email, "organisation": organisation},
    )


def _accept_form(
    invitation: Invitation, errors: dict[str, str] | None = None, status: int = HTTP_200_OK
) -> Template:
    return Template(
        template_name="accounts/invitation.html",
        status_code=status,
        headers=NO_STORE,
        context={
            "invited": invitation,
            "errors": errors or {},
            "min_length": MIN_PASSWORD_LENGTH,
        },
    )


class InvitationPages(Controller):
    """The invited person sets a password with the link, which creates their account
    (public: the link is the key)."""

    path = "/invitations/{token:str}"
    include_in_schema = False

    @get("/")
    async def show(
        self, db_session: NamedDependency[AsyncSession], token: FromPath[str]
    ) -> Template:
        invitation = await invitations.get_open_invitation(db_session, token=token)
        if invitation is None:
            return _invalid_link()
        if await invitations.address_has_account(db_session, invitation=invitation):
            return _address_has_account(invitation.email, invitation.organisation.name)
        return _accept_form(invitation)

    @post("/", status_code=HTTP_200_OK)
    async def accept(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        token: FromPath[str],
    ) -> Response[Any]:
        invitation = await invitations.get_open_invitation(db_session, token=token)
        if invitation is None:
            return _invalid_link()
        # Kept before the session may be rolled back (which expires the loaded rows).
        email, organisation = invitation.email, invitation.organisation.name
        form = await request.form()
        password = str(form.get("password", ""))
        confirm = str(form.get("password_confirm", ""))
        if password != confirm and len(password) >= MIN_PASSWORD_LENGTH:
            errors = {"password_confirm": gettext("The two passwords are not the same.")}
            return _accept_form(invitation, errors, HTTP_400_BAD_REQUEST)
        try:
            await invitations.accept_invitation(db_session, token=token, password=password)
        except invitations.InvitationError as error:
            if error.field == "form":  # used a moment ago by another request
                await db_session.rollback()
                return _invalid_link()
            return _accept_form(
                invitation, {error.field: gettext(error.message)}, HTTP_400_BAD_REQUEST
            )
        except invitations.AddressHasAccount:
            # Another organisation's link (or a registration) made the account first.
            await db_session.rollback()
            return _address_has_account(email, organisation)
        return redirect_with(
            request,
            "/login",
            gettext("Your password is set. Sign in with your e-mail address and the new password."),
            "success",
        )
