"""The HTML pages of on-the-job training positions: lists, a position, its form.

Employers write their own organisation's positions; staff read every organisation's; tutors
read their own organisation's. Another organisation's position answers 404, so ids cannot
be probed. The rules live in :mod:`placements.positions.services`, the form in
:mod:`placements.positions.forms`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from competences.models import label_in
from employers.models import OrganisationKind, PartnershipStatus
from kit.flash import redirect_with
from kit.forms import MAX_ID, FormReader, language_row_options, pad_rows, parse_integer
from kit.i18n import N_, current_locale, gettext
from kit.idempotency import Earlier, FormKeys, create_once, new_submission_key
from kit.invalid import Invalid
from kit.languages import LANGUAGES
from kit.roles import Viewer
from placements.models import Position, PositionStatus
from placements.positions import queries, services
from placements.positions.dependencies import provide_own_position
from placements.positions.forms import (
    BLANK_COMPETENCE,
    BLANK_LANGUAGE,
    MAX_ROWS,
    MIN_COMPETENCE_ROWS,
    MIN_LANGUAGE_ROWS,
    PositionForm,
    form_from,
    read_position_form,
)
from placements.positions.queries import PositionFilters
from placements.positions.services import NotAPartner, PositionInput, StatusChangeNotAllowed

KIND_LABELS = {
    OrganisationKind.MAJOR_COMPANY.value: N_("Major company"),
    OrganisationKind.SME.value: N_("Small or medium-sized company"),
    OrganisationKind.PUBLIC_SECTOR.value: N_("Public sector"),
    OrganisationKind.THIRD_SECTOR.value: N_("Third sector"),
    OrganisationKind.EDUCATION.value: N_("Education"),
}
READINESS_LABELS = {
    1: N_("1 or higher"),
    2: N_("2 or higher"),
    3: N_("3 (highest)"),
}


async def _form_page(
    db_session: AsyncSession,
    *,
    organisation_id: int,
    form: PositionForm,
    action_url: str,
    heading: str,
    position: Position | None = None,
    status: int = HTTP_200_OK,
    submission_key: str = "",
) -> Template:
    pad_rows(
        form.competence_rows,
        BLANK_COMPETENCE,
        "text",
        minimum=MIN_COMPETENCE_ROWS,
        maximum=MAX_ROWS,
    )
    frameworks = await queries.list_qualifications(db_session)
    tutors = await queries.list_tutors(db_session, organisation_id=organisation_id)
    language_choices = language_row_options(
        form.language_rows, BLANK_LANGUAGE, minimum=MIN_LANGUAGE_ROWS, maximum=MAX_ROWS
    )
    locale = current_locale.get()
    return Template(
        template_name="placements/positions/form.html",
        status_code=status,
        context={
            "heading": heading,
            "action_url": action_url,
            "position": position,
            "submission_key": submission_key,
            "form": form,
            "values": form.values,
            "errors": form.errors,
            "field_options": [(f.code, label_in(f.labels, locale)) for f in frameworks],
            "tutor_options": [(str(t.id), f"{t.name} ({t.email})") for t in tutors],
            "level_options": [(str(level), str(level)) for level in range(1, 6)],
            "requirement_options": [
                ("required", gettext("Required")),
                ("optional", gettext("Optional (an advantage)")),
            ],
            **language_choices,
        },
    )


async def _submit(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    organisation_id: int,
    action_url: str,
    heading: str,
    position: Position | None,
) -> Response[Any]:
    """Shared by create and edit: re-show, refuse with messages, or save and redirect.

    Creating is idempotent: the form's key (:mod:`kit.idempotency`) makes a second
    submission of the same form redirect to the position the first one created.
    """
    submitted = await request.form()
    form = read_position_form(submitted)
    data = form.data
    assert data is not None
    keys = FormKeys.of(submitted, creating=position is None)
    if form.action in ("add-competence", "add-language"):
        rows = form.competence_rows if form.action == "add-competence" else form.language_rows
        blank = BLANK_COMPETENCE if form.action == "add-competence" else BLANK_LANGUAGE
        if len(rows) < MAX_ROWS:
            rows.append(dict(blank))
        form.errors = {}
        return await _form_page(
            db_session,
            organisation_id=organisation_id,
            form=form,
            action_url=action_url,
            heading=heading,
            position=position,
            submission_key=keys.shown,
        )
    try:
        if form.errors:
            await services.check_position(db_session, organisation_id=organisation_id, data=data)
        elif position is None:
            created = await create_once(
                db_session,
                key=keys.claimed,
                user_id=request.user.id,
                fallback="/positions",
                create=lambda: services.create_position(
                    db_session, organisation_id=organisation_id, data=data
                ),
                page_of=lambda row: f"/positions/{row.id}",
            )
            if isinstance(created, Earlier):
                return redirect_with(request, created.page, Earlier.message(), "info")
            position = created
        else:
            position = await services.update_position(db_session, position=position, data=data)
    except Invalid as invalid:
        form.add_service_errors(invalid.errors)
    if form.errors or position is None:
        return await _form_page(
            db_session,
            organisation_id=organisation_id,
            form=form,
            action_url=action_url,
            heading=heading,
            position=position,
            status=HTTP_400_BAD_REQUEST,
            submission_key=keys.shown,
        )
    return redirect_with(
        request, f"/positions/{position.id}", gettext("The position was saved."), "success"
    )


# --- Pages ---------------------------------------------------------------------------


def _optional_int(raw: str) -> int | None:
    """A filter's number (a readiness level, an organisation's id), or None: ASCII digits
    within an id's range, so that the query can always bind it."""
    number = parse_integer(raw)
    return number if number is not None and 0 <= number <= MAX_ID else None


class PositionPages(Controller):
    path = "/positions"
    include_in_schema = False
    # Handlers that change a position declare ``position``: their own, or 404.
    dependencies = {"position": Provide(provide_own_position)}  # noqa: RUF012

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        field: FromQuery[str] = "",
        region: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        readiness: FromQuery[str] = "",
        organisation: FromQuery[str] = "",
    ) -> Template:
        """Staff: every organisation's open positions, filtered. Others: their own."""
        filters = (
            PositionFilters(
                status=PositionStatus.OPEN.value,
                field=field.strip() or None,
                region=region.strip() or None,
                kind=kind.strip() or None,
                readiness=_optional_int(readiness),
                organisation=_optional_int(organisation),
            )
            if viewer.is_staff
            else PositionFilters()
        )
        rows = await queries.position_lines(db_session, viewer=viewer, filters=filters)
        own = request.user.organisation  # None for staff
        locale = current_locale.get()
        context: dict[str, Any] = {
            "rows": rows,
            "viewer": viewer,
            "filters": filters,
            "kind_labels": {key: gettext(value) for key, value in KIND_LABELS.items()},
            "status_label": services.status_label,
            "partnership_label": services.partnership_label,
            # An employer or tutor of an organisation that is not a partner is told why.
            "organisation_status": own.status if own else "",
            "is_partner": own is None or own.status == PartnershipStatus.PARTNER.value,
        }
        if viewer.is_staff:
            frameworks = await queries.qualification_choices(db_session)
            context.update(
                field_options=[(f.code, label_in(f.labels, locale)) for f in frameworks],
                region_options=[(r, gettext(r)) for r in await queries.list_regions(db_session)],
                kind_options=[(key, gettext(value)) for key, value in KIND_LABELS.items()],
                readiness_options=[
                    (str(key), gettext(value)) for key, value in READINESS_LABELS.items()
                ],
                values={
                    "field": field,
                    "region": region,
                    "kind": kind,
                    "readiness": readiness,
                },
            )
        return Template(template_name="placements/positions/index.html", context=context)

    @get("/new")
    async def new(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        organisation = request.user.organisation
        form = form_from(
            PositionInput(
                title="",
                municipality=organisation.municipality if organisation else "",
                region=organisation.region if organisation else "",
            )
        )
        return await _form_page(
            db_session,
            organisation_id=request.user.organisation_id,
            form=form,
            action_url="/positions",
            heading=gettext("New position"),
            submission_key=new_submission_key(),
        )

    @post("/", status_code=HTTP_200_OK)
    async def create(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        return await _submit(
            request,
            db_session,
            organisation_id=request.user.organisation_id,
            action_url="/positions",
            heading=gettext("New position"),
            position=None,
        )

    @get("/{position_id:int}")
    async def detail(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
    ) -> Template:
        position = await queries.get_position(db_session, position_id=position_id, viewer=viewer)
        if position is None:
            raise NotFoundException()
        return await _detail_page(db_session, viewer=viewer, position=position)

    @get("/{position_id:int}/edit")
    async def edit(
        self,
        db_session: NamedDependency[AsyncSession],
        position: NamedDependency[Position],
    ) -> Template:
        return await _form_page(
            db_session,
            organisation_id=position.organisation_id,
            form=form_from(services.input_from(position)),
            action_url=f"/positions/{position.id}/edit",
            heading=gettext("Edit position"),
            position=position,
        )

    @post("/{position_id:int}/edit", status_code=HTTP_200_OK)
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position: NamedDependency[Position],
    ) -> Response[Any]:
        return await _submit(
            request,
            db_session,
            organisation_id=position.organisation_id,
            action_url=f"/positions/{position.id}/edit",
            heading=gettext("Edit position"),
            position=position,
        )

    @post("/{position_id:int}/status", status_code=HTTP_200_OK)
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position: NamedDependency[Position],
    ) -> Response[Any]:
        wanted = FormReader(await request.form()).raw("status")
        try:
            await services.change_position_status(db_session, position=position, status=wanted)
        except StatusChangeNotAllowed as refused:
            # Not a partner: the request is fine, the organisation's state refuses it.
            return await _detail_page(
                db_session,
                viewer=viewer,
                position=position,
                status_error=str(refused),
                status=HTTP_409_CONFLICT
                if isinstance(refused, NotAPartner)
                else HTTP_400_BAD_REQUEST,
            )
        message = (
            gettext("The position is open: counsellors can now see it.")
            if wanted == PositionStatus.OPEN.value
            else gettext("The position is closed.")
        )
        return redirect_with(request, f"/positions/{position.id}", message, "success")

    @post("/{position_id:int}/copy", status_code=HTTP_200_OK)
    async def copy(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position: NamedDependency[Position],
    ) -> Response[Any]:
        copy = await services.copy_position(db_session, position=position)
        return redirect_with(
            request,
            f"/positions/{copy.id}/edit",
            gettext("The copy is a draft. Check its details, then open it."),
            "success",
        )


async def _detail_page(
    db_session: AsyncSession,
    *,
    viewer: Viewer,
    position: Position,
    status_error: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    context = await queries.get_position_context(db_session, position=position)
    language_names = {code: gettext(name) for code, name in LANGUAGES}
    return Template(
        template_name="placements/positions/detail.html",
        status_code=status,
        context={
            "position": position,
            "organisation": context.organisation,
            "readiness_level": context.readiness_level,
            "tutor_name": context.tutor_name,
            "viewer": viewer,
            "may_edit": services.may_edit(viewer, position),
            "is_partner": context.organisation.status == PartnershipStatus.PARTNER.value,
            "partnership_label": services.partnership_label,
            "next_statuses": sorted(services.TRANSITIONS.get(position.status, frozenset())),
            "status_error": status_error,
            "language_names": language_names,
            "kind_label": gettext(KIND_LABELS.get(context.organisation.kind, "")),
            "status_label": services.status_label,
        },
    )
