"""Organisation pages: the list, one organisation, its details form and the coordinator's
partnership decisions.

Who may use each route is declared in ``portal/policy.py``; the object check (an employer
contact or tutor sees only their own organisation) is in :mod:`employers.access`.
"""

from __future__ import annotations

import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from employers import services
from employers.access import editable_organisation, may_edit, visible_organisation
from employers.models import Organisation, PartnershipStatus
from employers.readiness_questionnaire import level_names
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext as _
from kit.invalid import Invalid
from kit.regions import REGIONS
from kit.roles import Viewer

DETAIL_FIELDS = ("name", "business_id", "kind", "sector", "municipality", "region", "size")
DECISION_FIELDS = ("agreement_start", "agreement_end", "note", "reason")


def _details_from_form(reader: FormReader) -> services.OrganisationDetails:
    return services.OrganisationDetails(**{field: reader.raw(field) for field in DETAIL_FIELDS})


def _known(value: str, choices: dict[str, str] | tuple[str, ...]) -> str | None:
    """A filter value if it is one of ``choices``; unknown values filter nothing on pages."""
    return value if value in choices else None


class OrganisationPages(Controller):
    include_in_schema = False

    @get("/organisation")
    async def own(self, viewer: NamedDependency[Viewer]) -> Redirect:
        """An employer contact's or tutor's way to their own organisation."""
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
                "level_names": level_names(),
                **services.label_maps(),
            },
        )

    @get("/organisations/{organisation_id:int}")
    async def detail(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await visible_organisation(db_session, viewer, organisation_id)
        return await _detail_page(db_session, viewer, organisation)

    @get("/organisations/{organisation_id:int}/edit")
    async def edit_form(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Template:
        organisation = await editable_organisation(db_session, viewer, organisation_id)
        values = {field: getattr(organisation, field) or "" for field in DETAIL_FIELDS}
        return _edit_page(organisation, values, {})

    @post("/organisations/{organisation_id:int}/edit", status_code=HTTP_200_OK)
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        organisation = await editable_organisation(db_session, viewer, organisation_id)
        reader = FormReader(await request.form())
        details = _details_from_form(reader)
        values = {field: reader.raw(field) for field in DETAIL_FIELDS}
        try:
            await services.update_organisation(
                db_session, organisation=organisation, details=details
            )
        except Invalid as error:
            return _edit_page(organisation, values, error.errors, HTTP_400_BAD_REQUEST)
        return redirect_with(
            request,
            f"/organisations/{organisation_id}",
            _("The organisation's details were saved."),
        )

    @post(
        [f"/organisations/{{organisation_id:int}}/{decision}" for decision in services.TRANSITIONS],
        status_code=HTTP_200_OK,
    )
    async def decide(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        organisation_id: FromPath[int],
    ) -> Response[Any]:
        """Apply a coordinator's decision (the last part of the path) from its form; on bad
        input, the page again with 400."""
        decision = str(request.scope["path_template"]).rsplit("/", 1)[1]
        organisation = await visible_organisation(
            db_session, viewer, organisation_id, for_update=True
        )
        form: FormMultiDict = await request.form()
        reader = FormReader(form)
        values = {field: reader.raw(field) for field in DECISION_FIELDS if field in form}
        start = reader.date("agreement_start")
        end = reader.date("agreement_end")
        try:
            if not reader.ok:
                raise Invalid(reader.errors)
            await services.decide(
                db_session,
                organisation=organisation,
                decision=decision,
                decided_by=viewer.signature,
                reason=reader.raw(
                    "note" if services.TRANSITIONS[decision].begins_partnership else "reason"
                ),
                agreement_start=start,
                agreement_end=end,
            )
        except Invalid as error:
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
            "deactivate": _(
                "%(name)s is now an inactive partner: its positions take no candidates."
            ),
            "reactivate": _("%(name)s is a partner again."),
        }
        return redirect_with(
            request,
            f"/organisations/{organisation_id}",
            messages[decision] % {"name": organisation.name},
            "success",
        )


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
    viewer: NamedDependency[Viewer],
    organisation: Organisation,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    staff = viewer.keeps_records
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
            "can_decide": viewer.is_coordinator,
            "can_edit": may_edit(viewer, organisation.id),
            "errors": errors or {},
            "values": values or {},
            "today": datetime.date.today().isoformat(),
            "level_names": level_names(),
            **services.label_maps(),
        },
    )
