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
from accounts.models import Invitation
from accounts.passwords import MIN_PASSWORD_LENGTH
from accounts.services import sign_in_message
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.roles import ORGANISATION_ROLES, Role, Viewer

# The roles an employer contact invites, in the order of the roles' list.
INVITABLE_ROLES = tuple(role for role in Role if role in ORGANISATION_ROLES)
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
            "role_choices": [(role.value, gettext(role.label)) for role in INVITABLE_ROLES],
            "values": values or {"name": "", "email": "", "role": Role.TUTOR.value},
            "errors": errors or {},
        },
    )


class PeoplePages(Controller):
    path = "/organisation/people"
    include_in_schema = False

    @get("/")
    async def index(
        self, db_session: NamedDependency[AsyncSession], viewer: NamedDependency[Viewer]
    ) -> Template:
        organisation_id = _own_organisation(viewer)
        return _people_page(
            await invitations.list_people(db_session, organisation_id=organisation_id)
        )

    @post("/", status_code=HTTP_201_CREATED)
    async def invite(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        organisation_id = _own_organisation(viewer)
        reader = FormReader(await request.form())
        name = reader.text("name", required=True, max_length=200)
        email = reader.text("email", required=True, max_length=254)
        role = reader.choice("role", [role.value for role in INVITABLE_ROLES], required=True)
        sent = None
        if reader.ok and role is not None:
            try:
                sent = await invitations.create_invitation(
                    db_session,
                    organisation_id=organisation_id,
                    inviter=viewer,
                    name=name,
                    email=email,
                    role=Role(role),
                    public_url=request.app.state.settings.public_url,
                )
            except Invalid as error:
                for field, message in error.errors.items():
                    reader.error(field, message)
            except invitations.InvitationRace:
                # Someone invited this address at the same moment: theirs stands, and the
                # answer is the same as for an invitation made here.
                sent = invitations.InvitationSent(
                    name=name, email=email, expires_at=invitations.default_expiry(), link=None
                )
        if sent is None:
            people = await invitations.list_people(db_session, organisation_id=organisation_id)
            values = {"name": name, "email": email, "role": role or ""}
            return _people_page(people, values, reader.errors, HTTP_400_BAD_REQUEST)
        # The same page whether or not the address had an account. The link is shown on
        # screen in development only, as an aid (it also went by e-mail).
        development = request.app.state.settings.env == "development"
        return Template(
            template_name="accounts/invitation_created.html",
            status_code=HTTP_201_CREATED,
            headers=NO_STORE,
            context={
                "sent": sent,
                "development_link": sent.link if development else None,
            },
        )

    @post("/invitations/{invitation_id:int}/withdraw", status_code=HTTP_200_OK)
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        invitation_id: FromPath[int],
    ) -> Response[Any]:
        """Withdraw a pending invitation of one's own organisation; another's answers 404."""
        invitation = await invitations.withdraw_invitation(
            db_session, organisation_id=_own_organisation(viewer), invitation_id=invitation_id
        )
        if invitation is None:
            raise NotFoundException(detail=gettext("No such invitation in your organisation."))
        message = gettext("The invitation of %(name)s is withdrawn; its link no longer works.")
        return redirect_with(
            request, "/organisation/people", message % {"name": invitation.name}, "success"
        )

    @post(["/{user_id:int}/deactivate", "/{user_id:int}/reactivate"], status_code=HTTP_200_OK)
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        user_id: FromPath[int],
    ) -> Response[Any]:
        """Deactivate or reactivate (the last part of the path) one of the organisation's
        people, never oneself; another organisation's answers 404."""
        active = str(request.scope["path_template"]).endswith("/reactivate")
        try:
            person = await invitations.set_person_active(
                db_session,
                organisation_id=_own_organisation(viewer),
                user_id=user_id,
                active=active,
                acting_user_id=viewer.user_id,
            )
        except Invalid as error:
            message = " ".join(error.errors.values())
            return redirect_with(request, "/organisation/people", message, "error")
        if person is None:
            raise NotFoundException(detail=gettext("No such person in your organisation."))
        message = sign_in_message(person.name, active=active)
        return redirect_with(request, "/organisation/people", message, "success")


def _own_organisation(viewer: Viewer) -> int:
    """The organisation the employer contact acts for (the policy admits only them)."""
    if viewer.organisation_id is None:  # pragma: no cover - the role's check constraint forbids it
        raise ValueError("an employer contact without an organisation")
    return viewer.organisation_id


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
        email, organisation = invitation.email, invitation.organisation.name
        form = await request.form()
        password = str(form.get("password", ""))
        confirm = str(form.get("password_confirm", ""))
        if password != confirm and len(password) >= MIN_PASSWORD_LENGTH:
            errors = {"password_confirm": gettext("The two passwords are not the same.")}
            return _accept_form(invitation, errors, HTTP_400_BAD_REQUEST)
        try:
            await invitations.accept_invitation(db_session, token=token, password=password)
        except invitations.LinkUnusable:  # used a moment ago by another request
            return _invalid_link()
        except Invalid as error:
            return _accept_form(invitation, error.errors, HTTP_400_BAD_REQUEST)
        except invitations.AddressHasAccount:
            # Another organisation's link (or a registration) made the account first.
            return _address_has_account(email, organisation)
        return redirect_with(
            request,
            "/login",
            gettext("Your password is set. Sign in with your e-mail address and the new password."),
            "success",
        )
