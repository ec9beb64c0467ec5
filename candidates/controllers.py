"""Pages and API for client records: caseload, candidate page, records, notes, stage, consent.

Counsellors keep their caseload, the coordinator every candidate, teachers read the candidates
they interview. A candidate outside the viewer's reach answers 404 (pages and API) so ids
cannot be probed. The rules live in :mod:`candidates.services`, :mod:`candidates.consent` and
:mod:`candidates.access`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_400_BAD_REQUEST
from msgspec import UNSET
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import consent, interviews, portfolio, services
from candidates.access import COORDINATOR, may_change_record
from candidates.models import CEFR_LEVELS, Candidate
from candidates.schemas import (
    CandidateIn,
    CandidateOut,
    CandidatePatch,
    ConsentOut,
    LanguageIn,
    LanguageOut,
)
from candidates.services import (
    CandidateInput,
    CandidateInvalid,
    CaseloadFilters,
    LanguageInput,
)
from kit import sections
from kit.flash import redirect_with
from kit.forms import FormReader, language_options, pad_rows, parse_integer, row_count
from kit.i18n import gettext
from kit.idempotency import (
    claim_submission,
    complete_submission,
    new_submission_key,
    submitted_key,
)
from kit.regions import REGIONS
from kit.roles import Viewer, viewer_for

MIN_LANGUAGE_ROWS = 3
MAX_ROWS = 20
BLANK_LANGUAGE = {"language": "", "level": "", "assessment": "self"}


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    return viewer_for(request.user)


async def _visible(
    db_session: AsyncSession, request: Request[Any, Any, Any], candidate_id: int
) -> Candidate:
    candidate = await services.get_candidate(
        db_session, candidate_id=candidate_id, viewer=_viewer(request)
    )
    if candidate is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


async def _changeable(
    db_session: AsyncSession, request: Request[Any, Any, Any], candidate_id: int
) -> Candidate:
    """The candidate if the viewer may see it and keeps records; otherwise 404."""
    candidate = await _visible(db_session, request, candidate_id)
    if not may_change_record(_viewer(request)):
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


# --- The record form -----------------------------------------------------------------


@dataclasses.dataclass
class CandidateForm:
    """The record form as submitted or prefilled: values by field name, rows, errors."""

    values: dict[str, str]
    regions: list[str]
    language_rows: list[dict[str, str]]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    action: str = "save"
    data: CandidateInput | None = None
    # Form row number of each language in ``data`` (blank rows are left out of ``data``).
    language_index: list[int] = dataclasses.field(default_factory=list)

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """Put the service's messages beside the fields they concern (first message wins)."""
        for key, message in errors.items():
            self.errors.setdefault(self._field_name(key), message)

    def _field_name(self, key: str) -> str:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "languages":
            row = self.language_index[int(parts[1])]
            names = {"language": "language", "level": "language_level"}
            return f"{names.get(parts[2], 'language_assessment')}-{row}"
        return key


TEXT_FIELDS = (
    "name",
    "email",
    "phone",
    "municipality",
    "available_from",
    "availability_note",
    "client_type",
    "client_since",
    "counsellor",
    "stage",
)


def read_candidate_form(form: Mapping[str, Any]) -> CandidateForm:
    """Read and check the submitted form field by field (the service checks the rest)."""
    reader = FormReader(form)
    values = {name: reader.raw(name) for name in TEXT_FIELDS}
    name = reader.text("name", required=True, max_length=services.NAME_MAX)
    email = reader.text("email", max_length=services.EMAIL_MAX)
    phone = reader.text("phone", max_length=services.PHONE_MAX)
    municipality = reader.text("municipality", max_length=services.MUNICIPALITY_MAX)
    available_from = reader.date("available_from")
    note = reader.text("availability_note", max_length=services.NOTE_MAX)
    client_since = reader.date("client_since", required=True)
    counsellor = reader.integer("counsellor")
    regions = reader.values("regions")

    language_rows: list[dict[str, str]] = []
    languages: list[LanguageInput] = []
    language_index: list[int] = []
    count = row_count(reader.raw("language_rows"), default=MIN_LANGUAGE_ROWS, maximum=MAX_ROWS)
    for row in range(count):
        language = reader.raw(f"language-{row}").lower()
        level = reader.raw(f"language_level-{row}").upper()
        assessment = reader.raw(f"language_assessment-{row}") or "self"
        language_rows.append({"language": language, "level": level, "assessment": assessment})
        if not language:
            continue
        languages.append(LanguageInput(language=language, level=level, assessment=assessment))
        language_index.append(row)

    data = CandidateInput(
        name=name,
        client_since=client_since,
        email=email,
        phone=phone,
        municipality=municipality,
        regions=regions,
        available_from=available_from,
        availability_note=note,
        client_type=values["client_type"],
        counsellor_id=counsellor,
        stage=values["stage"],
        languages=languages,
    )
    return CandidateForm(
        values=values,
        regions=regions,
        language_rows=language_rows,
        errors=dict(reader.errors),
        action=reader.raw("action") or "save",
        data=data,
        language_index=language_index,
    )


def form_from(data: CandidateInput) -> CandidateForm:
    """The form prefilled from a record (editing) or defaults (new)."""
    return CandidateForm(
        values={
            "name": data.name,
            "email": data.email,
            "phone": data.phone,
            "municipality": data.municipality,
            "available_from": data.available_from.isoformat() if data.available_from else "",
            "availability_note": data.availability_note,
            "client_type": data.client_type,
            "client_since": data.client_since.isoformat() if data.client_since else "",
            "counsellor": str(data.counsellor_id) if data.counsellor_id else "",
            "stage": data.stage,
        },
        regions=list(data.regions),
        language_rows=[
            {"language": row.language, "level": row.level, "assessment": row.assessment}
            for row in data.languages
        ],
    )


def _choices() -> dict[str, Any]:
    """Options shared by the form and the caseload filters, in the request's language."""
    return {
        "stage_options": [(stage, services.stage_label(stage)) for stage in services.STAGES],
        "client_type_options": [
            (value, gettext(label)) for value, label in services.CLIENT_TYPE_LABELS.items()
        ],
    }


async def _form_page(
    db_session: AsyncSession,
    *,
    viewer: Viewer,
    form: CandidateForm,
    action_url: str,
    heading: str,
    candidate: Candidate | None = None,
    status: int = HTTP_200_OK,
    submission_key: str = "",
) -> Template:
    pad_rows(
        form.language_rows,
        BLANK_LANGUAGE,
        "language",
        minimum=MIN_LANGUAGE_ROWS,
        maximum=MAX_ROWS,
    )
    languages = language_options(services.LANGUAGES, form.language_rows)
    counsellors = await services.list_counsellors(db_session) if viewer.role == COORDINATOR else []
    return Template(
        template_name="candidates/form.html",
        status_code=status,
        context={
            "heading": heading,
            "action_url": action_url,
            "candidate": candidate,
            "submission_key": submission_key,
            "form": form,
            "values": form.values,
            "errors": form.errors,
            "viewer": viewer,
            "assigns_counsellor": viewer.role == COORDINATOR,
            "counsellor_options": [(str(c.id), f"{c.name} ({c.email})") for c in counsellors],
            "region_options": [(region, gettext(region)) for region in REGIONS],
            "language_options": languages,
            "cefr_options": [(level, level) for level in CEFR_LEVELS],
            "assessment_options": [
                (value, gettext(label)) for value, label in services.ASSESSMENT_LABELS.items()
            ],
            **_choices(),
        },
    )


async def _submit(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    action_url: str,
    heading: str,
    candidate: Candidate | None,
) -> Response[Any]:
    """Shared by create and edit: re-show, refuse with messages, or save and redirect.

    Creating is idempotent: the form's key (:mod:`kit.idempotency`) makes a second
    submission of the same form redirect to the record the first one created.
    """
    viewer = _viewer(request)
    submitted = await request.form()
    form = read_candidate_form(submitted)
    assert form.data is not None
    key = submitted_key(submitted) if candidate is None else None
    # Shown again (more rows, or errors), a new record's form keeps its key.
    shown_key = (key or new_submission_key()) if candidate is None else ""
    if form.action == "add-language":
        if len(form.language_rows) < MAX_ROWS:
            form.language_rows.append(dict(BLANK_LANGUAGE))
        form.errors = {}
        return await _form_page(
            db_session,
            viewer=viewer,
            form=form,
            action_url=action_url,
            heading=heading,
            candidate=candidate,
            submission_key=shown_key,
        )
    saved: Candidate | None = None
    try:
        if form.errors:
            # Collect the service's messages too, so every wrong field is marked at once.
            await services.check_candidate(
                db_session,
                viewer=viewer,
                data=form.data,
                current_counsellor_id=candidate.counsellor_id if candidate else None,
                is_new=candidate is None,
            )
        elif candidate is None:
            earlier = await claim_submission(
                db_session, key=key, user_id=viewer.user_id, fallback="/candidates"
            )
            if earlier is not None:
                return redirect_with(
                    request,
                    earlier,
                    gettext(
                        "This form had already been sent: nothing more was saved. Here is the"
                        " result."
                    ),
                    "info",
                )
            saved = await services.create_candidate(db_session, viewer=viewer, data=form.data)
            await complete_submission(
                db_session, key=key, user_id=viewer.user_id, target=f"/candidates/{saved.id}"
            )
        else:
            saved = await services.update_candidate(
                db_session, viewer=viewer, candidate=candidate, data=form.data
            )
    except CandidateInvalid as invalid:
        form.add_service_errors(invalid.errors)
    if form.errors or saved is None:
        return await _form_page(
            db_session,
            viewer=viewer,
            form=form,
            action_url=action_url,
            heading=heading,
            candidate=candidate,
            status=HTTP_400_BAD_REQUEST,
            submission_key=shown_key,
        )
    return redirect_with(request, f"/candidates/{saved.id}", gettext("The record was saved."))


# --- The candidate page --------------------------------------------------------------


@dataclasses.dataclass
class DetailForms:
    """What the candidate page's small forms show again after bad input."""

    note_values: dict[str, str] = dataclasses.field(default_factory=dict)
    note_errors: dict[str, str] = dataclasses.field(default_factory=dict)
    stage_error: str = ""
    consent_errors: dict[str, str] = dataclasses.field(default_factory=dict)
    consent_purpose: str = ""
    access_error: str = ""


async def _detail_page(
    db_session: AsyncSession,
    *,
    viewer: Viewer,
    candidate: Candidate,
    forms: DetailForms | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    forms = forms or DetailForms()
    may_change = may_change_record(viewer)
    names = await services.user_names(
        db_session, user_ids={candidate.counsellor_id} if candidate.counsellor_id else set()
    )
    organisations = await consent.list_partner_organisations(db_session) if may_change else []
    chosen = gettext("the organisation chosen below")
    purposes = [
        {
            "value": purpose,
            "label": consent.purpose_label(purpose),
            "given_text": consent.consent_text(purpose, given=True, organisation_name=chosen),
            "withdrawn_text": consent.consent_text(purpose, given=False, organisation_name=chosen),
        }
        for purpose in consent.PURPOSES
    ]
    note_values = {"noted_on": datetime.date.today().isoformat(), "text": ""}
    note_values.update(forms.note_values)
    stage_index = (
        services.STAGES.index(candidate.stage) if candidate.stage in services.STAGES else 0
    )
    return Template(
        template_name="candidates/detail.html",
        status_code=status,
        context={
            "candidate": candidate,
            "viewer": viewer,
            "may_change": may_change,
            "counsellor_name": names.get(candidate.counsellor_id or 0),
            "stages": [(stage, services.stage_label(stage)) for stage in services.STAGES],
            "current_stage_index": stage_index,
            "stage_label": services.stage_label,
            "client_type_label": services.client_type_label,
            "language_name": services.language_name,
            "assessment_labels": {
                key: gettext(value) for key, value in services.ASSESSMENT_LABELS.items()
            },
            "region_label": gettext,
            "notes": await services.list_guidance_notes(db_session, candidate_id=candidate.id),
            "sections": await sections.collect(
                "candidate", db_session, viewer, candidate_id=candidate.id
            ),
            "note_values": note_values,
            "note_errors": forms.note_errors,
            "stage_error": forms.stage_error,
            "consents": await consent.current_consents(db_session, candidate_id=candidate.id),
            "consent_history": await consent.consent_history(db_session, candidate_id=candidate.id),
            "consent_errors": forms.consent_errors,
            "consent_purpose": forms.consent_purpose,
            "purposes": purposes,
            "purpose_label": consent.purpose_label,
            "organisation_options": [(str(o.id), o.name) for o in organisations],
            "portfolio": await portfolio.portfolio_overview(db_session, candidate_id=candidate.id),
            "interviews": await interviews.list_interviews(db_session, candidate_id=candidate.id),
            "may_open": viewer.role == COORDINATOR,
            "access": await services.list_access(db_session, candidate_id=candidate.id),
            "counsellor_options": (
                [
                    (str(c.id), c.name)
                    for c in await services.list_counsellors(db_session)
                    if c.id != candidate.counsellor_id
                ]
                if viewer.role == COORDINATOR
                else []
            ),
            "access_error": forms.access_error,
        },
    )


# --- Pages ---------------------------------------------------------------------------


class CandidatePages(Controller):
    path = "/candidates"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        client_type: FromQuery[str] = "",
        page: FromQuery[str] = "",
    ) -> Template:
        """A counsellor's caseload, the coordinator's every candidate, a teacher's interviewees;
        ``page`` pages through them, 50 at a time."""
        viewer = _viewer(request)
        filters = CaseloadFilters(
            search=q[:200],
            stage=stage if stage in services.STAGES else None,
            client_type=client_type if client_type in services.CLIENT_TYPE_LABELS else None,
        )
        caseload = await services.list_caseload(
            db_session, viewer=viewer, filters=filters, page=parse_integer(page) or 1
        )
        return Template(
            template_name="candidates/index.html",
            context={
                "viewer": viewer,
                "may_change": may_change_record(viewer),
                "caseload": caseload,
                "values": {
                    "q": q,
                    "stage": filters.stage or "",
                    "client_type": filters.client_type or "",
                },
                "stages": [(s, services.stage_label(s)) for s in services.STAGES],
                "stage_label": services.stage_label,
                "client_type_label": services.client_type_label,
                **_choices(),
            },
        )

    @get("/new")
    async def new(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        return await _form_page(
            db_session,
            viewer=_viewer(request),
            form=form_from(CandidateInput(name="", client_since=datetime.date.today())),
            action_url="/candidates",
            heading=gettext("New candidate"),
            submission_key=new_submission_key(),
        )

    @post("/", status_code=HTTP_200_OK)
    async def create(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        return await _submit(
            request,
            db_session,
            action_url="/candidates",
            heading=gettext("New candidate"),
            candidate=None,
        )

    @get("/{candidate_id:int}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Template:
        candidate = await _visible(db_session, request, candidate_id)
        return await _detail_page(db_session, viewer=_viewer(request), candidate=candidate)

    @get("/{candidate_id:int}/edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Template:
        candidate = await _changeable(db_session, request, candidate_id)
        return await _form_page(
            db_session,
            viewer=_viewer(request),
            form=form_from(services.input_from(candidate)),
            action_url=f"/candidates/{candidate.id}/edit",
            heading=gettext("Edit candidate"),
            candidate=candidate,
        )

    @post("/{candidate_id:int}/edit", status_code=HTTP_200_OK)
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, request, candidate_id)
        return await _submit(
            request,
            db_session,
            action_url=f"/candidates/{candidate.id}/edit",
            heading=gettext("Edit candidate"),
            candidate=candidate,
        )

    @post("/{candidate_id:int}/notes", status_code=HTTP_200_OK)
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, request, candidate_id)
        reader = FormReader(await request.form())
        noted_on = reader.date("noted_on", required=True)
        text = reader.text("text", required=True, max_length=services.NOTE_MAX)
        errors = dict(reader.errors)
        if not errors:
            try:
                await services.add_guidance_note(
                    db_session,
                    candidate=candidate,
                    author_id=_viewer(request).user_id,
                    noted_on=noted_on,
                    text=text,
                )
            except CandidateInvalid as invalid:
                errors = invalid.errors
        if errors:
            return await _detail_page(
                db_session,
                viewer=_viewer(request),
                candidate=candidate,
                forms=DetailForms(
                    note_values={"noted_on": reader.raw("noted_on"), "text": text},
                    note_errors=errors,
                ),
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request, f"/candidates/{candidate.id}#notes", gettext("The note was added.")
        )

    @post("/{candidate_id:int}/stage", status_code=HTTP_200_OK)
    async def change_stage(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, request, candidate_id)
        wanted = FormReader(await request.form()).raw("stage")
        try:
            await services.change_stage(db_session, candidate=candidate, stage=wanted)
        except CandidateInvalid as invalid:
            return await _detail_page(
                db_session,
                viewer=_viewer(request),
                candidate=candidate,
                forms=DetailForms(stage_error=invalid.errors["stage"]),
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request,
            f"/candidates/{candidate.id}",
            gettext("The candidate is now at the stage “%(stage)s”.")
            % {"stage": services.stage_label(wanted)},
        )

    @post("/{candidate_id:int}/access", status_code=HTTP_200_OK)
    async def change_access(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """The coordinator opens a record to another counsellor, or closes it again."""
        candidate = await _visible(db_session, request, candidate_id)
        form = FormReader(await request.form())
        counsellor_id = form.integer("counsellor", minimum=1)
        closing = form.raw("action") == "close"
        try:
            if closing:
                await services.close_to_counsellor(
                    db_session, candidate=candidate, counsellor_id=counsellor_id
                )
            else:
                await services.open_to_counsellor(
                    db_session, candidate=candidate, counsellor_id=counsellor_id
                )
        except CandidateInvalid as invalid:
            return await _detail_page(
                db_session,
                viewer=_viewer(request),
                candidate=candidate,
                forms=DetailForms(access_error=invalid.errors["access"]),
                status=HTTP_400_BAD_REQUEST,
            )
        message = (
            gettext("The counsellor no longer has access.")
            if closing
            else gettext("The counsellor can now see and keep this record.")
        )
        return redirect_with(request, f"/candidates/{candidate.id}#access", message)

    @post("/{candidate_id:int}/consent", status_code=HTTP_200_OK)
    async def record_consent(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, request, candidate_id)
        reader = FormReader(await request.form())
        purpose = reader.raw("purpose")
        decision = reader.choice("decision", ("given", "withdrawn"), required=True)
        organisation_id = reader.integer("organisation")
        errors = dict(reader.errors)
        if not errors:
            try:
                await consent.record_consent(
                    db_session,
                    candidate_id=candidate.id,
                    purpose=purpose,
                    given=decision == "given",
                    recorded_by_id=_viewer(request).user_id,
                    organisation_id=organisation_id,
                )
            except consent.ConsentInvalid as invalid:
                errors = invalid.errors
        if errors:
            return await _detail_page(
                db_session,
                viewer=_viewer(request),
                candidate=candidate,
                forms=DetailForms(consent_errors=errors, consent_purpose=purpose),
                status=HTTP_400_BAD_REQUEST,
            )
        message = (
            gettext("Consent given was recorded.")
            if decision == "given"
            else gettext("The withdrawal of consent was recorded. It applies at once.")
        )
        return redirect_with(request, f"/candidates/{candidate.id}#consent", message)


# --- API -----------------------------------------------------------------------------


def _candidate_out(
    candidate: Candidate, consents: list[consent.ConsentState] | None = None
) -> CandidateOut:
    return CandidateOut(
        id=candidate.id,
        name=candidate.name,
        email=candidate.email,
        phone=candidate.phone,
        municipality=candidate.municipality,
        regions=list(candidate.regions),
        available_from=candidate.available_from,
        availability_note=candidate.availability_note,
        client_type=candidate.client_type,
        client_since=candidate.client_since,
        counsellor_id=candidate.counsellor_id,
        stage=candidate.stage,
        languages=[
            LanguageOut(language=row.language, level=row.level, assessment=row.assessment)
            for row in candidate.languages
        ],
        created_at=candidate.created_at,
        updated_at=candidate.updated_at,
        consents=None
        if consents is None
        else [
            ConsentOut(
                purpose=state.purpose,
                organisation_id=state.organisation_id,
                given=state.given,
                recorded_at=state.recorded_at,
            )
            for state in consents
        ],
    )


def _languages_in(items: list[LanguageIn]) -> list[LanguageInput]:
    return [
        LanguageInput(
            language=item.language.strip().lower(),
            level=item.level.strip().upper(),
            assessment=item.assessment.strip(),
        )
        for item in items
    ]


def _invalid(invalid: CandidateInvalid) -> ValidationException:
    first_key, first_message = next(iter(invalid.errors.items()))
    return ValidationException(detail=f"{first_key}: {first_message}", extra=invalid.errors)


async def _api_candidate(
    db_session: AsyncSession, request: Request[Any, Any, Any], candidate_id: int
) -> CandidateOut:
    candidate = await services.get_candidate(
        db_session, candidate_id=candidate_id, viewer=_viewer(request), reload=True
    )
    if candidate is None:
        raise NotFoundException(detail=f"No candidate with the id {candidate_id}.")
    states = await consent.current_consents(db_session, candidate_id=candidate.id)
    return _candidate_out(candidate, states)


class CandidateApi(Controller):
    path = "/api/candidates"
    tags = ["candidates"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_candidates(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        q: FromQuery[str | None] = None,
        stage: FromQuery[str | None] = None,
        client_type: FromQuery[str | None] = None,
    ) -> list[CandidateOut]:
        """Candidates the caller may see: a counsellor's caseload, the coordinator's every
        candidate, a teacher's interviewees. Filters: ``q`` (part of the name), ``stage``,
        ``client_type``."""
        if stage is not None and stage not in services.STAGES:
            raise ValidationException(detail=f"Unknown stage {stage!r}.")
        if client_type is not None and client_type not in services.CLIENT_TYPE_LABELS:
            raise ValidationException(detail=f"Unknown client type {client_type!r}.")
        caseload = await services.list_caseload(
            db_session,
            viewer=_viewer(request),
            filters=CaseloadFilters(search=q or "", stage=stage, client_type=client_type),
            with_languages=True,
        )
        return [_candidate_out(row.candidate) for row in caseload.rows]

    @get("/{candidate_id:int}")
    async def get_candidate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
    ) -> CandidateOut:
        """One candidate with the consent in force; one out of reach answers 404."""
        return await _api_candidate(db_session, request, candidate_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_candidate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        data: JSONBody[CandidateIn],
    ) -> CandidateOut:
        """A new candidate: a counsellor's own, or the coordinator's chosen counsellor's."""
        try:
            created = await services.create_candidate(
                db_session,
                viewer=_viewer(request),
                data=CandidateInput(
                    name=data.name,
                    client_since=data.client_since,
                    email=data.email,
                    phone=data.phone,
                    municipality=data.municipality,
                    regions=list(data.regions),
                    available_from=data.available_from,
                    availability_note=data.availability_note,
                    client_type=data.client_type,
                    counsellor_id=data.counsellor_id,
                    stage=data.stage,
                    languages=_languages_in(data.languages),
                ),
            )
        except CandidateInvalid as invalid:
            raise _invalid(invalid) from None
        return await _api_candidate(db_session, request, created.id)

    @patch("/{candidate_id:int}")
    async def update_candidate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        candidate_id: FromPath[int],
        data: JSONBody[CandidatePatch],
    ) -> CandidateOut:
        """Change the given fields; ``languages`` replaces the list."""
        viewer = _viewer(request)
        candidate = await services.get_candidate(
            db_session, candidate_id=candidate_id, viewer=viewer
        )
        if candidate is None or not may_change_record(viewer):
            raise NotFoundException(detail=f"No candidate with the id {candidate_id}.")
        changes = {
            name: getattr(data, name)
            for name in data.__struct_fields__
            if getattr(data, name) is not UNSET
        }
        if changes:
            if "languages" in changes:
                changes["languages"] = _languages_in(changes["languages"])
            if "regions" in changes:
                changes["regions"] = list(changes["regions"])
            try:
                await services.update_candidate(
                    db_session,
                    viewer=viewer,
                    candidate=candidate,
                    data=dataclasses.replace(services.input_from(candidate), **changes),
                )
            except CandidateInvalid as invalid:
                raise _invalid(invalid) from None
        return await _api_candidate(db_session, request, candidate_id)
