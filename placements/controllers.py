"""Pages and API for on-the-job training positions.

Employers write their own organisation's positions; staff read every organisation's; tutors
read their own organisation's. Another organisation's position answers 404, so ids cannot
be probed. The rules live in :mod:`placements.services`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_409_CONFLICT,
)
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.services import LANGUAGES
from competences.models import label_in
from employers.models import OrganisationKind, PartnershipStatus
from kit.flash import redirect_with
from kit.forms import (
    MAX_ID,
    FormReader,
    language_options,
    pad_rows,
    parse_integer,
    row_count,
)
from kit.i18n import N_, current_locale, gettext
from kit.idempotency import (
    claim_submission,
    complete_submission,
    new_submission_key,
    submitted_key,
)
from kit.roles import Viewer, viewer_for
from placements import services
from placements.models import CEFR_LEVELS, Position, PositionStatus
from placements.schemas import (
    CompetenceRequirementIn,
    CompetenceRequirementOut,
    LanguageRequirementIn,
    LanguageRequirementOut,
    PositionIn,
    PositionOut,
    PositionPatch,
)
from placements.services import (
    CompetenceRequirementInput,
    LanguageRequirementInput,
    NotAPartner,
    PositionFilters,
    PositionInput,
    PositionInvalid,
    StatusChangeNotAllowed,
)

MIN_COMPETENCE_ROWS = 5
MIN_LANGUAGE_ROWS = 3
MAX_ROWS = 40
BLANK_COMPETENCE = {"text": "", "level": "1", "kind": "required"}
BLANK_LANGUAGE = {"language": "", "level": "", "safety": ""}

# Languages offered in the form (ISO 639-1 codes); the API takes any two- or three-letter code.
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


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    return viewer_for(request.user)


async def _own_position(
    db_session: AsyncSession, request: Request[Any, Any, Any], position_id: int
) -> Position:
    """The position if the signed-in employer's organisation owns it; otherwise 404."""
    viewer = _viewer(request)
    position = await services.get_position(db_session, position_id=position_id, viewer=viewer)
    if position is None or not services.may_edit(viewer, position):
        raise NotFoundException(detail=gettext("No such position."))
    return position


# --- The form ------------------------------------------------------------------------


@dataclasses.dataclass
class PositionForm:
    """The position form as submitted or prefilled: values by field name, rows, errors."""

    values: dict[str, str]
    competence_rows: list[dict[str, str]]
    language_rows: list[dict[str, str]]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    action: str = "save"
    data: PositionInput | None = None
    # Form row number of each requirement in ``data`` (blank rows are left out of ``data``).
    competence_index: list[int] = dataclasses.field(default_factory=list)
    language_index: list[int] = dataclasses.field(default_factory=list)

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """Put the service's messages beside the fields they concern (first message wins)."""
        for key, message in errors.items():
            self.errors.setdefault(self._field_name(key), message)

    def _field_name(self, key: str) -> str:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "competences":
            row = self.competence_index[int(parts[1])]
            return f"competence-{row}" if parts[2] == "competence" else f"level-{row}"
        if len(parts) == 3 and parts[0] == "languages":
            row = self.language_index[int(parts[1])]
            return f"language-{row}" if parts[2] == "language" else f"language_level-{row}"
        return key


def _format_hours(hours: float | None) -> str:
    return "" if hours is None else f"{hours:g}"


def read_position_form(form: Mapping[str, Any]) -> PositionForm:
    """Read and check the submitted form field by field (the service checks the rest)."""
    reader = FormReader(form)
    action = reader.raw("action") or "save"
    values = {
        name: reader.raw(name)
        for name in (
            "title",
            "field",
            "tasks",
            "municipality",
            "region",
            "start_date",
            "end_date",
            "hours_per_week",
            "places",
            "tutor",
        )
    }
    title = reader.text("title", required=True)
    tasks = reader.text("tasks", max_length=5000)
    municipality = reader.text("municipality", max_length=100)
    region = reader.text("region", max_length=100)
    start = reader.date("start_date")
    end = reader.date("end_date")
    reader.date_order("start_date", "end_date")
    hours = reader.decimal("hours_per_week", minimum=services.MIN_HOURS, maximum=services.MAX_HOURS)
    places = reader.integer("places", required=True, minimum=1, maximum=services.MAX_PLACES)
    tutor = reader.integer("tutor")

    competence_rows: list[dict[str, str]] = []
    competences: list[CompetenceRequirementInput] = []
    competence_index: list[int] = []
    for row in range(
        row_count(reader.raw("competence_rows"), default=MIN_COMPETENCE_ROWS, maximum=MAX_ROWS)
    ):
        text = reader.text(f"competence-{row}", max_length=200)
        level_raw = reader.raw(f"level-{row}")
        kind = reader.raw(f"requirement-{row}") or "required"
        competence_rows.append({"text": text, "level": level_raw or "1", "kind": kind})
        if not text:
            continue
        level = reader.integer(
            f"level-{row}", minimum=services.MIN_LEVEL, maximum=services.MAX_LEVEL
        )
        if kind not in ("required", "optional"):
            reader.error(f"requirement-{row}", gettext("Choose one of the options."))
        competences.append(
            CompetenceRequirementInput(
                competence=text,
                min_level=level if level_raw else 1,
                required=kind != "optional",
            )
        )
        competence_index.append(row)

    language_rows: list[dict[str, str]] = []
    languages: list[LanguageRequirementInput] = []
    language_index: list[int] = []
    for row in range(
        row_count(reader.raw("language_rows"), default=MIN_LANGUAGE_ROWS, maximum=MAX_ROWS)
    ):
        language = reader.raw(f"language-{row}").lower()
        cefr = reader.raw(f"language_level-{row}").upper()
        safety = reader.checkbox(f"language_safety-{row}")
        language_rows.append(
            {"language": language, "level": cefr, "safety": "on" if safety else ""}
        )
        if not language:
            continue
        languages.append(LanguageRequirementInput(language=language, level=cefr, for_safety=safety))
        language_index.append(row)

    data = PositionInput(
        title=title,
        field=reader.raw("field") or None,
        tasks=tasks,
        municipality=municipality,
        region=region,
        start_date=start,
        end_date=end,
        hours_per_week=hours,
        places=places,
        tutor_id=tutor,
        competences=competences,
        languages=languages,
    )
    return PositionForm(
        values=values,
        competence_rows=competence_rows,
        language_rows=language_rows,
        errors=dict(reader.errors),
        action=action,
        data=data,
        competence_index=competence_index,
        language_index=language_index,
    )


def form_from(data: PositionInput) -> PositionForm:
    """The form prefilled from a position's input (editing) or defaults (new)."""
    competence_rows = [
        {
            "text": row.competence,
            "level": str(row.min_level or 1),
            "kind": "required" if row.required else "optional",
        }
        for row in data.competences
    ]
    language_rows = [
        {"language": row.language, "level": row.level, "safety": "on" if row.for_safety else ""}
        for row in data.languages
    ]
    return PositionForm(
        values={
            "title": data.title,
            "field": data.field or "",
            "tasks": data.tasks,
            "municipality": data.municipality,
            "region": data.region,
            "start_date": data.start_date.isoformat() if data.start_date else "",
            "end_date": data.end_date.isoformat() if data.end_date else "",
            "hours_per_week": _format_hours(data.hours_per_week),
            "places": str(data.places or 1),
            "tutor": str(data.tutor_id) if data.tutor_id else "",
        },
        competence_rows=competence_rows,
        language_rows=language_rows,
    )


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
    pad_rows(
        form.language_rows, BLANK_LANGUAGE, "language", minimum=MIN_LANGUAGE_ROWS, maximum=MAX_ROWS
    )
    frameworks = await services.list_qualifications(db_session)
    tutors = await services.list_tutors(db_session, organisation_id=organisation_id)
    languages = language_options(LANGUAGES, form.language_rows)
    locale = current_locale.get()
    return Template(
        template_name="placements/form.html",
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
            "language_options": languages,
            "cefr_options": [(level, level) for level in CEFR_LEVELS],
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
    assert form.data is not None
    key = submitted_key(submitted) if position is None else None
    # Shown again (more rows, or errors), a new position's form keeps its key.
    shown_key = (key or new_submission_key()) if position is None else ""
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
            submission_key=shown_key,
        )
    try:
        if form.errors:
            await services.check_position(
                db_session, organisation_id=organisation_id, data=form.data
            )
        elif position is None:
            earlier = await claim_submission(
                db_session, key=key, user_id=request.user.id, fallback="/positions"
            )
            if earlier is not None:
                return redirect_with(request, earlier, _already_sent(), "info")
            position = await services.create_position(
                db_session, organisation_id=organisation_id, data=form.data
            )
            await complete_submission(
                db_session, key=key, user_id=request.user.id, target=f"/positions/{position.id}"
            )
        else:
            position = await services.update_position(db_session, position=position, data=form.data)
    except PositionInvalid as invalid:
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
            submission_key=shown_key,
        )
    return redirect_with(
        request, f"/positions/{position.id}", gettext("The position was saved."), "success"
    )


def _already_sent() -> str:
    return gettext("This form had already been sent: nothing more was saved. Here is the result.")


# --- Pages ---------------------------------------------------------------------------


def _optional_int(raw: str) -> int | None:
    """A filter's number (a readiness level, an organisation's id), or None: ASCII digits
    within an id's range, so that the query can always bind it."""
    number = parse_integer(raw)
    return number if number is not None and 0 <= number <= MAX_ID else None


class PositionPages(Controller):
    path = "/positions"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        field: FromQuery[str] = "",
        region: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        readiness: FromQuery[str] = "",
        organisation: FromQuery[str] = "",
    ) -> Template:
        """Staff: every organisation's open positions, filtered. Others: their own."""
        viewer = _viewer(request)
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
        rows = await services.list_positions(db_session, viewer=viewer, filters=filters)
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
            frameworks = await services.list_qualifications(db_session)
            context.update(
                field_options=[(f.code, label_in(f.labels, locale)) for f in frameworks],
                region_options=[(r, r) for r in await services.list_regions(db_session)],
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
        return Template(template_name="placements/index.html", context=context)

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
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
    ) -> Template:
        viewer = _viewer(request)
        position = await services.get_position(db_session, position_id=position_id, viewer=viewer)
        if position is None:
            raise NotFoundException()
        return await _detail_page(db_session, viewer=viewer, position=position)

    @get("/{position_id:int}/edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
    ) -> Template:
        position = await _own_position(db_session, request, position_id)
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
        position_id: FromPath[int],
    ) -> Response[Any]:
        position = await _own_position(db_session, request, position_id)
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
        position_id: FromPath[int],
    ) -> Response[Any]:
        position = await _own_position(db_session, request, position_id)
        wanted = FormReader(await request.form()).raw("status")
        try:
            await services.change_position_status(db_session, position=position, status=wanted)
        except StatusChangeNotAllowed as refused:
            # Not a partner: the request is fine, the organisation's state refuses it.
            return await _detail_page(
                db_session,
                viewer=_viewer(request),
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
        position_id: FromPath[int],
    ) -> Response[Any]:
        position = await _own_position(db_session, request, position_id)
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
    context = await services.get_position_context(db_session, position=position)
    language_names = {code: gettext(name) for code, name in LANGUAGES}
    return Template(
        template_name="placements/detail.html",
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


# --- API -----------------------------------------------------------------------------


def _position_out(
    position: Position, organisation_name: str, organisation_status: str
) -> PositionOut:
    locale = current_locale.get()
    return PositionOut(
        id=position.id,
        organisation_id=position.organisation_id,
        organisation=organisation_name,
        organisation_status=organisation_status,
        title=position.title,
        field=position.framework.code if position.framework else None,
        status=position.status,
        tasks=position.tasks,
        municipality=position.municipality,
        region=position.region,
        start_date=position.start_date,
        end_date=position.end_date,
        hours_per_week=position.hours_per_week,
        places=position.places,
        tutor_id=position.tutor_id,
        competences=[
            CompetenceRequirementOut(
                competence_id=row.competence_id,
                code=row.competence.code,
                label=label_in(row.competence.labels, locale),
                min_level=row.min_level,
                required=row.required,
            )
            for row in position.competences
        ],
        languages=[
            LanguageRequirementOut(
                language=row.language, level=row.level, for_safety=row.for_safety
            )
            for row in position.languages
        ],
        created_at=position.created_at,
        updated_at=position.updated_at,
    )


def _competences_in(items: list[CompetenceRequirementIn]) -> list[CompetenceRequirementInput]:
    return [
        CompetenceRequirementInput(
            competence=item.competence, min_level=item.min_level, required=item.required
        )
        for item in items
    ]


def _languages_in(items: list[LanguageRequirementIn]) -> list[LanguageRequirementInput]:
    return [
        LanguageRequirementInput(
            language=item.language.strip().lower(),
            level=item.level.strip().upper(),
            for_safety=item.for_safety,
        )
        for item in items
    ]


def _invalid(invalid: PositionInvalid) -> ValidationException:
    first_key, first_message = next(iter(invalid.errors.items()))
    return ValidationException(detail=f"{first_key}: {first_message}", extra=invalid.errors)


async def _position_answer(
    db_session: AsyncSession, request: Request[Any, Any, Any], position_id: int
) -> PositionOut:
    """The position as the API answers it; another organisation's answers 404."""
    viewer = _viewer(request)
    position = await services.get_position(
        db_session, position_id=position_id, viewer=viewer, reload=True
    )
    if position is None:
        raise NotFoundException(detail=f"No position with the id {position_id}.")
    context = await services.get_position_context(db_session, position=position)
    return _position_out(position, context.organisation.name, context.organisation.status)


class PositionApi(Controller):
    path = "/api/positions"
    tags = ["positions"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_positions(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        status: FromQuery[str | None] = None,
        field: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        readiness: FromQuery[int | None] = None,
    ) -> list[PositionOut]:
        """Positions: staff see every organisation's, an employer its own organisation's.

        Filters: ``status``, ``field`` (framework code), ``region``, ``kind`` (organisation
        kind) and ``readiness`` (the organisation's minimum readiness level, 0-3).
        """
        if status is not None and status not in {s.value for s in PositionStatus}:
            raise ValidationException(detail=f"Unknown status {status!r}.")
        if kind is not None and kind not in {k.value for k in OrganisationKind}:
            raise ValidationException(detail=f"Unknown organisation kind {kind!r}.")
        if readiness is not None and not 0 <= readiness <= 3:
            raise ValidationException(detail="readiness must be from 0 to 3.")
        rows = await services.list_positions(
            db_session,
            viewer=_viewer(request),
            filters=PositionFilters(
                status=status, field=field, region=region, kind=kind, readiness=readiness
            ),
            with_requirements=True,
        )
        return [
            _position_out(row.position, row.organisation_name, row.organisation_status)
            for row in rows
        ]

    @get("/{position_id:int}")
    async def get_position(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
    ) -> PositionOut:
        """One position; another organisation's answers 404."""
        return await _position_answer(db_session, request, position_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_position(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        data: JSONBody[PositionIn],
    ) -> PositionOut:
        """A new draft position of the employer's organisation."""
        viewer = _viewer(request)
        assert viewer.organisation_id is not None  # the policy lets only employers here
        try:
            created = await services.create_position(
                db_session,
                organisation_id=viewer.organisation_id,
                data=PositionInput(
                    title=data.title,
                    field=data.field,
                    tasks=data.tasks,
                    municipality=data.municipality,
                    region=data.region,
                    start_date=data.start_date,
                    end_date=data.end_date,
                    hours_per_week=data.hours_per_week,
                    places=data.places,
                    tutor_id=data.tutor_id,
                    competences=_competences_in(data.competences),
                    languages=_languages_in(data.languages),
                ),
            )
        except PositionInvalid as invalid:
            raise _invalid(invalid) from None
        return await _position_answer(db_session, request, created.id)

    @patch("/{position_id:int}")
    async def update_position(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
        data: JSONBody[PositionPatch],
    ) -> PositionOut:
        """Change the given fields; ``status`` opens or closes (409 if not possible now)."""
        position = await _own_position(db_session, request, position_id)
        if data.status is not UNSET and data.status not in {s.value for s in PositionStatus}:
            raise ValidationException(detail=f"Unknown status {data.status!r}.")
        changes = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if name != "status" and getattr(data, name) is not UNSET
        }
        if changes:
            current = services.input_from(position)
            if "competences" in changes:
                changes["competences"] = _competences_in(changes["competences"])
            if "languages" in changes:
                changes["languages"] = _languages_in(changes["languages"])
            try:
                await services.update_position(
                    db_session, position=position, data=dataclasses.replace(current, **changes)
                )
            except PositionInvalid as invalid:
                raise _invalid(invalid) from None
        if isinstance(data.status, str) and data.status != position.status:
            try:
                await services.change_position_status(
                    db_session, position=position, status=data.status
                )
            except StatusChangeNotAllowed as refused:
                raise ClientException(detail=str(refused), status_code=HTTP_409_CONFLICT) from None
        return await _position_answer(db_session, request, position_id)
