"""Pages for client records: caseload, candidate page, records, notes, stage, consent.

Counsellors keep their caseload, the coordinator every candidate, teachers read the candidates
they interview. A candidate outside the viewer's reach answers 404 so ids cannot be probed.
The rules live in :mod:`candidates.services`, :mod:`candidates.consent` and
:mod:`candidates.access`; the record form in :mod:`candidates.forms`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import access_log, consent, corrections, interviews, own, portfolio, services
from candidates.access import may_change_record
from candidates.forms import (
    BLANK_LANGUAGE,
    MAX_ROWS,
    MIN_LANGUAGE_ROWS,
    CandidateForm,
    form_from,
    read_candidate_form,
    record_consent_from,
)
from candidates.models import Candidate, Stage
from candidates.services import (
    CandidateInput,
    CaseloadFilters,
)
from kit import sections
from kit.flash import redirect_with
from kit.forms import FormReader, language_row_options, parse_integer
from kit.i18n import gettext
from kit.idempotency import Earlier, FormKeys, create_once, new_submission_key
from kit.invalid import Invalid
from kit.languages import language_name
from kit.regions import REGIONS
from kit.roles import Role, Viewer


async def _visible(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Candidate:
    candidate = await services.get_candidate(db_session, candidate_id=candidate_id, viewer=viewer)
    if candidate is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


async def _record(
    db_session: AsyncSession, viewer: Viewer, candidate_id: int
) -> services.CandidateRecord:
    """The candidate's record as its page shows it, if the viewer may see it; otherwise 404."""
    record = await services.candidate_record(db_session, candidate_id=candidate_id, viewer=viewer)
    if record is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    return record


async def _changeable(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Candidate:
    """The candidate if the viewer may see it and keeps records; otherwise 404."""
    candidate = await _visible(db_session, viewer, candidate_id)
    if not may_change_record(viewer):
        raise NotFoundException(detail=gettext("No such candidate."))
    if candidate.erased_at is not None:
        raise ClientException(
            detail=gettext("This record was erased and cannot be changed."),
            status_code=HTTP_409_CONFLICT,
        )
    return candidate


class Labels(dict[str, str]):
    """Each value's label, translated once for a page; a value without one shows as itself
    (as :func:`candidates.services.stage_label` does)."""

    def __init__(self, label: Callable[[str], str], values: Iterable[str]) -> None:
        super().__init__((value, label(value)) for value in values)

    def __missing__(self, value: str) -> str:
        return value


# --- The record form -----------------------------------------------------------------


def _stage_options(current: str | None) -> list[tuple[str, str]]:
    """The stages a person may choose: "certified" only where it already is (it follows the
    certificates)."""
    return [
        (stage, services.stage_label(stage))
        for stage in services.STAGES
        if stage in services.MANUAL_STAGES or stage == current
    ]


def _choices(current_stage: str | None = None) -> dict[str, Any]:
    """Options shared by the form and the caseload filters, in the request's language."""
    return {
        "stage_options": _stage_options(current_stage),
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
    language_choices = language_row_options(
        form.language_rows, BLANK_LANGUAGE, minimum=MIN_LANGUAGE_ROWS, maximum=MAX_ROWS
    )
    counsellors = (
        await services.list_counsellors(db_session) if viewer.role == Role.COORDINATOR else []
    )
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
            "assigns_counsellor": viewer.role == Role.COORDINATOR,
            "counsellor_options": [(str(c.id), f"{c.name} ({c.email})") for c in counsellors],
            "region_options": [(region, gettext(region)) for region in REGIONS],
            **language_choices,
            "assessment_options": [
                (value, gettext(label)) for value, label in services.ASSESSMENT_LABELS.items()
            ],
            **_choices(candidate.stage if candidate else None),
        },
    )


async def _submit(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    *,
    viewer: Viewer,
    action_url: str,
    heading: str,
    candidate: Candidate | None,
) -> Response[Any]:
    """Shared by create and edit: re-show, refuse with messages, or save and redirect.

    Creating is idempotent: the form's key (:mod:`kit.idempotency`) makes a second
    submission of the same form redirect to the record the first one created.
    """
    submitted = await request.form()
    form = read_candidate_form(submitted)
    data = form.data
    assert data is not None
    keys = FormKeys.of(submitted, creating=candidate is None)
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
            submission_key=keys.shown,
        )
    saved: Candidate | None = None
    try:
        if form.errors:
            # Collect the service's messages too, so every wrong field is marked at once.
            await services.check_candidate(
                db_session,
                viewer=viewer,
                data=data,
                current_counsellor_id=candidate.counsellor_id if candidate else None,
                current_stage=candidate.stage if candidate else None,
                is_new=candidate is None,
            )
        elif candidate is None:
            created = await create_once(
                db_session,
                key=keys.claimed,
                user_id=viewer.user_id,
                fallback="/candidates",
                create=lambda: services.create_candidate(db_session, viewer=viewer, data=data),
                page_of=lambda row: f"/candidates/{row.id}",
            )
            if isinstance(created, Earlier):
                return redirect_with(request, created.page, Earlier.message(), "info")
            saved = created
        else:
            saved = await services.update_candidate(
                db_session, viewer=viewer, candidate=candidate, data=data
            )
    except Invalid as invalid:
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
            submission_key=keys.shown,
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
    candidate: services.CandidateRecord,
    forms: DetailForms | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    forms = forms or DetailForms()
    may_change = may_change_record(viewer) and candidate.erased_at is None
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
    note_values = {"noted_on": datetime.date.today().isoformat(), "text": "", "shared": ""}
    note_values.update(forms.note_values)
    stage_index = (
        services.STAGES.index(candidate.stage) if candidate.stage in services.STAGES else 0
    )
    consents = await consent.consent_records(db_session, candidate_id=candidate.id)
    # Who opened the record: the coordinator's to read (docs/privacy.md).
    openings = (
        await access_log.openings(db_session, candidate_id=candidate.id)
        if viewer.is_coordinator
        else None
    )
    return Template(
        template_name="candidates/detail.html",
        status_code=status,
        context={
            "openings": openings,
            "candidate": candidate,
            "viewer": viewer,
            "may_change": may_change,
            "counsellor_name": candidate.counsellor_name,
            "stages": [(stage, services.stage_label(stage)) for stage in services.STAGES],
            "stage_options": _stage_options(candidate.stage),
            "current_stage_index": stage_index,
            "stage_label": services.stage_label,
            "client_type_label": services.client_type_label,
            "language_name": language_name,
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
            "consents": consents.current,
            "consent_history": consents.history,
            "consent_errors": forms.consent_errors,
            "consent_purpose": forms.consent_purpose,
            "purposes": purposes,
            "purpose_label": consent.purpose_label,
            "organisation_options": [(str(o.id), o.name) for o in organisations],
            "portfolio": await portfolio.portfolio_overview(db_session, candidate_id=candidate.id),
            "interviews": await interviews.list_interviews(db_session, candidate_id=candidate.id),
            "may_open": viewer.role == Role.COORDINATOR,
            "access": await services.list_access(db_session, candidate_id=candidate.id),
            "counsellor_options": (
                [
                    (str(c.id), c.name)
                    for c in await services.list_counsellors(db_session)
                    if c.id != candidate.counsellor_id
                ]
                if viewer.role == Role.COORDINATOR
                else []
            ),
            "access_error": forms.access_error,
            "corrections": await corrections.requests_of(db_session, candidate_id=candidate.id)
            if may_change_record(viewer)
            else [],
            "own_account": await own.account_for(db_session, candidate_id=candidate.id)
            if may_change
            else None,
        },
    )


# --- Pages ---------------------------------------------------------------------------


class CandidatePages(Controller):
    path = "/candidates"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        q: FromQuery[str] = "",
        stage: FromQuery[str] = "",
        client_type: FromQuery[str] = "",
        page: FromQuery[str] = "",
    ) -> Template:
        """A counsellor's caseload, the coordinator's every candidate, a teacher's interviewees;
        ``page`` pages through them, 50 at a time."""
        filters = CaseloadFilters(
            search=q[:200],
            stage=stage if stage in services.STAGES else None,
            client_type=client_type if client_type in services.CLIENT_TYPE_LABELS else None,
        )
        caseload = await services.caseload_page(
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
                # Looked up once per page, not called once per row while rendering.
                "stage_labels": Labels(services.stage_label, services.STAGES),
                "client_type_labels": Labels(
                    services.client_type_label, services.CLIENT_TYPE_LABELS
                ),
                **_choices(Stage.CERTIFIED.value),
            },
        )

    @get("/new")
    async def new(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        return await _form_page(
            db_session,
            viewer=viewer,
            form=form_from(CandidateInput(name="", client_since=datetime.date.today())),
            action_url="/candidates",
            heading=gettext("New candidate"),
            submission_key=new_submission_key(),
        )

    @post("/", status_code=HTTP_200_OK)
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Response[Any]:
        return await _submit(
            request,
            db_session,
            viewer=viewer,
            action_url="/candidates",
            heading=gettext("New candidate"),
            candidate=None,
        )

    @get("/{candidate_id:int}")
    async def detail(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        record = await _record(db_session, viewer, candidate_id)
        await access_log.record_opening(db_session, candidate_id=record.id, viewer=viewer)
        return await _detail_page(db_session, viewer=viewer, candidate=record)

    @get("/{candidate_id:int}/edit")
    async def edit(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        candidate = await _changeable(db_session, viewer, candidate_id)
        return await _form_page(
            db_session,
            viewer=viewer,
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
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, viewer, candidate_id)
        return await _submit(
            request,
            db_session,
            viewer=viewer,
            action_url=f"/candidates/{candidate.id}/edit",
            heading=gettext("Edit candidate"),
            candidate=candidate,
        )

    @post("/{candidate_id:int}/notes", status_code=HTTP_200_OK)
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, viewer, candidate_id)
        reader = FormReader(await request.form())
        noted_on = reader.date("noted_on", required=True)
        text = reader.text("text", required=True, max_length=services.NOTE_MAX)
        shared = reader.raw("shared") == "on"
        errors = dict(reader.errors)
        if not errors:
            try:
                await services.add_guidance_note(
                    db_session,
                    candidate=candidate,
                    author_id=viewer.user_id,
                    noted_on=noted_on,
                    text=text,
                    shared=shared,
                )
            except Invalid as invalid:
                errors = invalid.errors
        if errors:
            return await _detail_page(
                db_session,
                viewer=viewer,
                candidate=await _record(db_session, viewer, candidate.id),
                forms=DetailForms(
                    note_values={
                        "noted_on": reader.raw("noted_on"),
                        "text": text,
                        "shared": "on" if shared else "",
                    },
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
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, viewer, candidate_id)
        wanted = FormReader(await request.form()).raw("stage")
        try:
            await services.change_stage(db_session, candidate=candidate, stage=wanted)
        except Invalid as invalid:
            return await _detail_page(
                db_session,
                viewer=viewer,
                candidate=await _record(db_session, viewer, candidate.id),
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
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """The coordinator opens a record to another counsellor, or closes it again."""
        candidate = await _visible(db_session, viewer, candidate_id)
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
        except Invalid as invalid:
            return await _detail_page(
                db_session,
                viewer=viewer,
                candidate=await _record(db_session, viewer, candidate.id),
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
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        candidate = await _changeable(db_session, viewer, candidate_id)
        sent = await record_consent_from(
            db_session,
            await request.form(),
            candidate_id=candidate.id,
            recorded_by_id=viewer.user_id,
        )
        if sent.errors:
            return await _detail_page(
                db_session,
                viewer=viewer,
                candidate=await _record(db_session, viewer, candidate.id),
                forms=DetailForms(consent_errors=sent.errors, consent_purpose=sent.purpose),
                status=HTTP_400_BAD_REQUEST,
            )
        message = (
            gettext("Consent given was recorded.")
            if sent.given
            else gettext("The withdrawal of consent was recorded. It applies at once.")
        )
        return redirect_with(request, f"/candidates/{candidate.id}#consent", message)
