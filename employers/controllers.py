"""Organisation pages, the coordinator's partner view and the organisations API.

Who may use each route is declared in ``portal/policy.py``; the handlers here add the
object check: an employer contact or tutor sees only their own organisation, and another
organisation answers 404 (not 403) so that ids cannot be probed.
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol, cast

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from employers import readiness as readiness_questionnaire
from employers import services
from employers.models import Organisation, PartnershipStatus
from employers.schemas import DecisionIn, OrganisationOut, OrganisationPatch
from kit.flash import flash, redirect_with
from kit.forms import FormReader
from kit.i18n import gettext as _
from kit.regions import REGIONS

# Role names as stored on the user (the Role enum lives in portal, which we may not import).
COORDINATOR = "coordinator"
STAFF_WHO_SEE_ALL = frozenset({"coordinator", "counsellor"})
ORGANISATION_ROLES = frozenset({"employer", "tutor"})

DETAIL_FIELDS = ("name", "business_id", "kind", "sector", "municipality", "region", "size")
DECISION_FIELDS = ("agreement_start", "agreement_end", "note", "reason")


class Viewer(Protocol):
    """What this package needs of the signed-in user."""

    id: int
    name: str
    email: str
    role: str
    organisation_id: int | None


def viewer_of(request: Request[Any, Any, Any]) -> Viewer:
    return cast(Viewer, request.user)


def decided_by(viewer: Viewer) -> str:
    """The decider as recorded on the organisation: name and e-mail, like a signature."""
    return f"{viewer.name} <{viewer.email}>"


def may_see(viewer: Viewer, organisation_id: int) -> bool:
    if viewer.role in STAFF_WHO_SEE_ALL:
        return True
    return viewer.role in ORGANISATION_ROLES and viewer.organisation_id == organisation_id


def may_edit(viewer: Viewer, organisation_id: int) -> bool:
    if viewer.role == COORDINATOR:
        return True
    return viewer.role == "employer" and viewer.organisation_id == organisation_id


async def visible_organisation(
    db_session: AsyncSession, viewer: Viewer, organisation_id: int, *, for_update: bool = False
) -> Organisation:
    """The organisation if ``viewer`` may see it; otherwise 404, as if it did not exist."""
    if not may_see(viewer, organisation_id):
        raise NotFoundException()
    organisation = await services.get_organisation(
        db_session, organisation_id=organisation_id, for_update=for_update
    )
    if organisation is None:
        raise NotFoundException()
    return organisation


def readiness_level_names() -> dict[int, dict[str, str]]:
    """Readiness level → its name in every language, from the questionnaire's data."""
    return {level.level: level.name for level in readiness_questionnaire.get_questionnaire().levels}


def _details_from_form(reader: FormReader) -> services.OrganisationDetails:
    return services.OrganisationDetails(**{field: reader.raw(field) for field in DETAIL_FIELDS})


def _known(value: str, choices: dict[str, str] | tuple[str, ...]) -> str | None:
    """A filter value if it is one of ``choices``; unknown values filter nothing on pages."""
    return value if value in choices else None


# --- pages ----------------------------------------------------------------------------------


class OrganisationPages(Controller):
    include_in_schema = False

    @get("/organisation")
    async def own(self, request: Request[Any, Any, Any]) -> Redirect:
        """An employer contact's or tutor's way to their own organisation."""
        viewer = viewer_of(request)
        if viewer.organisation_id is None:
            raise NotFoundException()
        return Redirect(path=f"/organisations/{viewer.organisation_id}", status_code=303)

    @get("/organisations")
    async def index(
        self,
        db_session: NamedDependency[AsyncSession],
        status: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        region: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Template:
        filters = {
            "status": _known(status, services.STATUS_LABELS),
            "kind": _known(kind, services.KIND_LABELS),
            "region": _known(region, REGIONS),
            "q": q.strip()[:200],
        }
        organisations = await services.list_organisations(
            db_session,
            status=filters["status"],
            kind=filters["kind"],
            region=filters["region"],
            search=filters["q"],
        )
        return Template(
            template_name="employers/organisations.html",
            context={
                "organisations": organisations,
                "filters": filters,
                "options": services.choice_options(),
                "level_names": readiness_level_names(),
                **services.label_maps(),
            },
        )

    @get("/organisations/{organisation_id:int}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Template:
        viewer = viewer_of(request)
        organisation = await visible_organisation(db_session, viewer, organisation_id)
        return await _detail_page(db_session, viewer, organisation)

    @get("/organisations/{organisation_id:int}/edit")
    async def edit_form(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await _editable(db_session, viewer_of(request), organisation_id)
        values = {field: getattr(organisation, field) or "" for field in DETAIL_FIELDS}
        return _edit_page(organisation, values, {})

    @post("/organisations/{organisation_id:int}/edit", status_code=HTTP_200_OK)
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        organisation = await _editable(db_session, viewer_of(request), organisation_id)
        reader = FormReader(await request.form())
        details = _details_from_form(reader)
        values = {field: reader.raw(field) for field in DETAIL_FIELDS}
        try:
            await services.update_organisation(
                db_session, organisation=organisation, details=details
            )
        except services.OrganisationError as error:
            return _edit_page(organisation, values, error.errors, HTTP_400_BAD_REQUEST)
        response: Response[Any] = Redirect(
            path=f"/organisations/{organisation_id}", status_code=303
        )
        flash(request, response, _("The organisation's details were saved."), "success")
        return response

    @post("/organisations/{organisation_id:int}/approve", status_code=HTTP_200_OK)
    async def approve(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        return await _decide_from_form(request, db_session, organisation_id, "approve")

    @post("/organisations/{organisation_id:int}/reject", status_code=HTTP_200_OK)
    async def reject(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        return await _decide_from_form(request, db_session, organisation_id, "reject")

    @post("/organisations/{organisation_id:int}/deactivate", status_code=HTTP_200_OK)
    async def deactivate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        return await _decide_from_form(request, db_session, organisation_id, "deactivate")

    @post("/organisations/{organisation_id:int}/reactivate", status_code=HTTP_200_OK)
    async def reactivate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        return await _decide_from_form(request, db_session, organisation_id, "reactivate")


async def _editable(db_session: AsyncSession, viewer: Viewer, organisation_id: int) -> Organisation:
    organisation = await visible_organisation(db_session, viewer, organisation_id)
    if not may_edit(viewer, organisation_id):
        raise NotFoundException()
    return organisation


def _edit_page(
    organisation: Organisation,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="employers/organisation_edit.html",
        status_code=status,
        context={
            "organisation": organisation,
            "values": values,
            "errors": errors,
            "options": services.choice_options(),
        },
    )


async def _detail_page(
    db_session: AsyncSession,
    viewer: Viewer,
    organisation: Organisation,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    staff = viewer.role in STAFF_WHO_SEE_ALL
    duplicates: list[Organisation] = []
    if staff and organisation.status == PartnershipStatus.APPLIED.value:
        duplicates = await services.possible_duplicates(db_session, organisation)
    return Template(
        template_name="employers/organisation.html",
        status_code=status,
        context={
            "organisation": organisation,
            "readiness": organisation.readiness,
            "duplicates": duplicates,
            "staff": staff,
            "can_decide": viewer.role == COORDINATOR,
            "can_edit": may_edit(viewer, organisation.id),
            "errors": errors or {},
            "values": values or {},
            "today": datetime.date.today().isoformat(),
            "level_names": readiness_level_names(),
            **services.label_maps(),
        },
    )


async def _decide_from_form(
    request: Request[Any, Any, Any], db_session: AsyncSession, organisation_id: int, decision: str
) -> Response[Any]:
    """Apply a coordinator's decision from a form; on bad input, the page again with 400."""
    viewer = viewer_of(request)
    organisation = await visible_organisation(db_session, viewer, organisation_id, for_update=True)
    form: FormMultiDict = await request.form()
    reader = FormReader(form)
    values = {field: reader.raw(field) for field in DECISION_FIELDS if field in form}
    start = reader.date("agreement_start")
    end = reader.date("agreement_end")
    try:
        if not reader.ok:
            raise services.OrganisationError(reader.errors)
        await _apply_decision(
            db_session,
            organisation,
            decision,
            decider=decided_by(viewer),
            reason=reader.raw("note" if decision in ("approve", "reactivate") else "reason"),
            agreement_start=start,
            agreement_end=end,
        )
    except services.OrganisationError as error:
        return await _detail_page(
            db_session,
            viewer,
            organisation,
            errors=error.errors,
            values=values,
            status=HTTP_400_BAD_REQUEST,
        )
    messages = {
        "approve": _("%(name)s is now a partner of the programme."),
        "reject": _("The application of %(name)s was rejected."),
        "deactivate": _("%(name)s is now an inactive partner: its positions take no candidates."),
        "reactivate": _("%(name)s is a partner again."),
    }
    return redirect_with(
        request,
        f"/organisations/{organisation_id}",
        messages[decision] % {"name": organisation.name},
        "success",
    )


async def _apply_decision(
    db_session: AsyncSession,
    organisation: Organisation,
    decision: str,
    *,
    decider: str,
    reason: str,
    agreement_start: datetime.date | None,
    agreement_end: datetime.date | None,
) -> None:
    if decision == "approve":
        await services.approve(
            db_session,
            organisation=organisation,
            decided_by=decider,
            agreement_start=agreement_start,
            agreement_end=agreement_end,
            note=reason,
        )
    elif decision == "reactivate":
        await services.reactivate(
            db_session,
            organisation=organisation,
            decided_by=decider,
            agreement_start=agreement_start,
            agreement_end=agreement_end,
            note=reason,
        )
    elif decision == "reject":
        await services.reject(
            db_session, organisation=organisation, decided_by=decider, reason=reason
        )
    elif decision == "deactivate":
        await services.deactivate(
            db_session, organisation=organisation, decided_by=decider, reason=reason
        )
    else:  # pragma: no cover - the callers name the decision
        raise ValueError(decision)


# --- JSON API -------------------------------------------------------------------------------


def organisation_out(organisation: Organisation) -> OrganisationOut:
    readiness = organisation.readiness
    return OrganisationOut(
        id=organisation.id,
        name=organisation.name,
        business_id=organisation.business_id,
        kind=organisation.kind,
        sector=organisation.sector,
        municipality=organisation.municipality,
        region=organisation.region,
        size=organisation.size,
        status=organisation.status,
        decided_at=organisation.decided_at,
        decided_by=organisation.decided_by,
        decision_reason=organisation.decision_reason,
        agreement_start=organisation.agreement_start,
        agreement_end=organisation.agreement_end,
        readiness_level=readiness.level if readiness is not None else None,
    )


def _api_filter(name: str, value: str, choices: dict[str, str] | tuple[str, ...]) -> str | None:
    if not value:
        return None
    if value not in choices:
        raise ValidationException(
            detail=_("Unknown %(name)s %(value)r; use one of: %(choices)s.")
            % {"name": name, "value": value, "choices": ", ".join(choices)}
        )
    return value


def _api_error(error: services.OrganisationError) -> ClientException:
    if isinstance(error, services.TransitionError):
        return ClientException(detail=str(error), status_code=HTTP_409_CONFLICT)
    return ValidationException(detail=str(error), extra=error.errors)


class OrganisationApi(Controller):
    path = "/api/organisations"
    tags = ["organisations"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_organisations(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        status: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        region: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> list[OrganisationOut]:
        """Organisations by name: all for staff; only its own for an employer contact."""
        viewer = viewer_of(request)
        own: list[int] | None = None
        if viewer.role not in STAFF_WHO_SEE_ALL:
            own = [viewer.organisation_id] if viewer.organisation_id is not None else []
        organisations = await services.list_organisations(
            db_session,
            status=_api_filter("status", status, services.STATUS_LABELS),
            kind=_api_filter("kind", kind, services.KIND_LABELS),
            region=_api_filter("region", region, REGIONS),
            search=q[:200],
            organisation_ids=own,
        )
        return [organisation_out(organisation) for organisation in organisations]

    @get("/{organisation_id:int}")
    async def get_organisation(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
    ) -> OrganisationOut:
        """One organisation; another organisation than an employer's own answers 404."""
        organisation = await visible_organisation(db_session, viewer_of(request), organisation_id)
        return organisation_out(organisation)

    @patch("/{organisation_id:int}")
    async def update_organisation(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
        data: JSONBody[OrganisationPatch],
    ) -> OrganisationOut:
        """Change details (not the status): an employer its own organisation, a
        coordinator any. Bad values answer 400 with a message per field."""
        organisation = await _editable(db_session, viewer_of(request), organisation_id)
        details = services.merge_details(
            services.OrganisationDetails.of(organisation),
            name=data.name,
            business_id=data.business_id,
            kind=data.kind,
            sector=data.sector,
            municipality=data.municipality,
            region=data.region,
            size=data.size,
        )
        try:
            await services.update_organisation(
                db_session, organisation=organisation, details=details
            )
        except services.OrganisationError as error:
            raise _api_error(error) from error
        return organisation_out(organisation)

    @post("/{organisation_id:int}/decision", status_code=HTTP_200_OK)
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        organisation_id: FromPath[int],
        data: JSONBody[DecisionIn],
    ) -> OrganisationOut:
        """A coordinator approves, rejects, deactivates or reactivates a partnership.

        A decision that does not fit the current status answers 409; missing or wrong
        fields answer 400."""
        viewer = viewer_of(request)
        organisation = await visible_organisation(
            db_session, viewer, organisation_id, for_update=True
        )
        try:
            await _apply_decision(
                db_session,
                organisation,
                data.decision,
                decider=decided_by(viewer),
                reason=data.reason,
                agreement_start=data.agreement_start,
                agreement_end=data.agreement_end,
            )
        except services.OrganisationError as error:
            raise _api_error(error) from error
        return organisation_out(organisation)
