"""Proposals to employers, placements and monitoring visits: pages and JSON API (issue 6).

Employers answer proposals for their own positions; placements are read by staff (all), the
employer (its organisation's) and the tutor (those they tutor); counsellors and the
coordinator run them. Objects a viewer may not see answer 404. The rules live in
:mod:`placements.workflow`.
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import (
    ClientException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_400_BAD_REQUEST,
    HTTP_409_CONFLICT,
)
from msgspec import UNSET, UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.services import language_name, stage_label
from kit.flash import redirect_with
from kit.forms import FormReader, Id, Integer, check_dates
from kit.i18n import gettext
from kit.roles import Viewer, viewer_for
from placements import workflow
from placements.decisions import DECLINE_REASONS, DecisionConflict
from placements.models import Placement
from placements.services import status_label
from placements.workflow import (
    PlacementDetailsInput,
    ProposalNotFound,
    WorkflowInvalid,
    WorkflowRefused,
)


def _viewer(request: Request[Any, Any, Any]) -> Viewer:
    return viewer_for(request.user)


def _reason_options() -> list[tuple[str, str]]:
    return [(code, gettext(label)) for code, label in DECLINE_REASONS.items()]


def _status_options() -> list[tuple[str, str]]:
    return [(code, gettext(label)) for code, label in workflow.PLACEMENT_STATUS.items()]


# --- Proposals (employer) ------------------------------------------------------------


def _proposal_page(
    proposal: workflow.ProposalView,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="placements/proposal.html",
        status_code=status,
        context={
            "proposal": proposal,
            "values": values or {"reason": "", "note": ""},
            "errors": errors or {},
            "reason_options": _reason_options(),
            "language_name": language_name,
            "status_label": status_label,
        },
    )


class ProposalPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/proposals")
    async def proposals(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Template:
        """The employer's pending proposals, for its own organisation's positions."""
        rows = await workflow.proposals_for(db_session, _viewer(request))
        return Template(
            template_name="placements/proposals.html",
            context={"rows": rows, "status_label": status_label},
        )

    @get("/positions/{position_id:int}/proposals/{candidate_id:int}")
    async def proposal(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Template:
        """The consented profile of a proposed candidate, and the answer form."""
        proposal = await workflow.proposal_detail(
            db_session, _viewer(request), position_id=position_id, candidate_id=candidate_id
        )
        if proposal is None:
            raise NotFoundException(detail=gettext("No such proposal."))
        return _proposal_page(proposal)

    @post("/positions/{position_id:int}/proposals/{candidate_id:int}", status_code=HTTP_200_OK)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        position_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """Accept (→ the new placement) or decline (→ the proposals) with a reason."""
        viewer = _viewer(request)
        proposal = await workflow.proposal_detail(
            db_session, viewer, position_id=position_id, candidate_id=candidate_id
        )
        if proposal is None:
            raise NotFoundException(detail=gettext("No such proposal."))
        reader = FormReader(await request.form())
        action = reader.raw("action")
        reason = reader.raw("reason")
        note = reader.raw("note")
        after = reader.integer("after", required=True, minimum=0)
        page = f"/positions/{position_id}/proposals/{candidate_id}"
        if action not in ("accept", "decline") or after is None:
            return redirect_with(
                request,
                page,
                gettext("The answer was not understood. Please choose accept or decline again."),
                "error",
            )
        try:
            if action == "accept":
                placement = await workflow.accept(
                    db_session,
                    viewer,
                    position_id=position_id,
                    candidate_id=candidate_id,
                    after=after,
                )
            else:
                await workflow.decline(
                    db_session,
                    viewer,
                    position_id=position_id,
                    candidate_id=candidate_id,
                    after=after,
                    reason=reason,
                    note=note,
                )
        except WorkflowInvalid as invalid:
            return _proposal_page(
                proposal,
                values={"reason": reason, "note": note},
                errors=invalid.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        except (DecisionConflict, WorkflowRefused, ProposalNotFound) as refused:
            await db_session.rollback()
            message = (
                gettext("This proposal is no longer open. Nothing was saved.")
                if isinstance(refused, ProposalNotFound)
                else refused.message
            )
            still = await workflow.proposal_detail(
                db_session, viewer, position_id=position_id, candidate_id=candidate_id
            )
            return redirect_with(request, page if still else "/proposals", message, "error")
        if action == "accept":
            return redirect_with(
                request,
                f"/placements/{placement.id}",
                gettext(
                    "You accepted the candidate. The placement is agreed; the candidate's name"
                    " and contact details are now shown below."
                ),
                "success",
            )
        return redirect_with(
            request,
            "/proposals",
            gettext("You declined the proposal. The counsellor can see your reason."),
            "success",
        )


# --- Placements (pages) ----------------------------------------------------------------


async def _placement_page(
    db_session: AsyncSession,
    viewer: Viewer,
    placement_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    view = await workflow.placement_view(db_session, viewer, placement_id=placement_id)
    if view is None:
        raise NotFoundException(detail=gettext("No such placement."))
    placement = view.placement
    defaults = {
        "status": "",
        "note": "",
        "start_date": placement.start_date.isoformat() if placement.start_date else "",
        "end_date": placement.end_date.isoformat() if placement.end_date else "",
        "tutor": str(placement.tutor_id or ""),
        "teacher": str(placement.teacher_id or ""),
        "visited_on": workflow.today().isoformat(),
        "notes": "",
    }
    defaults.update(values or {})
    context: dict[str, Any] = {
        "view": view,
        "placement": placement,
        "values": defaults,
        "errors": errors or {},
        "status_label": workflow.placement_status_label,
        "stage_label": stage_label,
        "next_status_options": [
            (code, workflow.placement_status_label(code)) for code in view.next_statuses
        ],
        "tutor_options": [],
        "teacher_options": [],
        "today": workflow.today().isoformat(),
    }
    if view.manages:
        tutors = await workflow.tutor_choices(db_session, placement.organisation_id)
        teachers = await workflow.teacher_choices(db_session)
        context["tutor_options"] = [(str(t.id), f"{t.name} ({t.email})") for t in tutors]
        context["teacher_options"] = [(str(t.id), f"{t.name} ({t.email})") for t in teachers]
    return Template(template_name="placements/placement.html", status_code=status, context=context)


async def _managed_placement(
    db_session: AsyncSession, viewer: Viewer, placement_id: int
) -> tuple[Placement, bool]:
    """The placement (404 if not visible) and whether the viewer may run it."""
    placement = await workflow.get_placement(db_session, viewer, placement_id=placement_id)
    if placement is None:
        raise NotFoundException(detail=gettext("No such placement."))
    return placement, await workflow.may_manage(db_session, viewer, placement=placement)


def _not_yours(request: Request[Any, Any, Any], placement_id: int) -> Response[Any]:
    return redirect_with(
        request,
        f"/placements/{placement_id}",
        gettext(
            "Only the coordinator or a counsellor of this candidate can change this placement."
        ),
        "error",
    )


class PlacementPages(Controller):
    path = "/placements"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        status: FromQuery[str] = "",
    ) -> Template:
        """The placements the viewer may see, optionally of one status."""
        chosen = status.strip() if status.strip() in workflow.PLACEMENT_STATUS else ""
        rows = await workflow.list_placements(db_session, _viewer(request), status=chosen or None)
        return Template(
            template_name="placements/placements.html",
            context={
                "rows": rows,
                "status": chosen,
                "status_options": _status_options(),
                "status_label": workflow.placement_status_label,
                "unknown_status": bool(status.strip()) and not chosen,
            },
        )

    @get("/{placement_id:int}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        placement_id: FromPath[int],
    ) -> Template:
        return await _placement_page(db_session, _viewer(request), placement_id)

    @post("/{placement_id:int}/status", status_code=HTTP_200_OK)
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        viewer = _viewer(request)
        placement, manages = await _managed_placement(db_session, viewer, placement_id)
        if not manages:
            return _not_yours(request, placement_id)
        reader = FormReader(await request.form())
        wanted = reader.raw("status")
        note = reader.raw("note")
        try:
            await workflow.change_status(db_session, placement=placement, status=wanted, note=note)
        except WorkflowInvalid as invalid:
            return await _placement_page(
                db_session,
                viewer,
                placement_id,
                values={"status": wanted, "note": note},
                errors=invalid.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request,
            f"/placements/{placement_id}",
            gettext("The placement is now “%(status)s”.")
            % {"status": workflow.placement_status_label(wanted)},
            "success",
        )

    @post("/{placement_id:int}/details", status_code=HTTP_200_OK)
    async def change_details(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        viewer = _viewer(request)
        placement, manages = await _managed_placement(db_session, viewer, placement_id)
        if not manages:
            return _not_yours(request, placement_id)
        reader = FormReader(await request.form())
        values = {name: reader.raw(name) for name in ("start_date", "end_date", "tutor", "teacher")}
        start = reader.date("start_date")
        end = reader.date("end_date")
        reader.date_order("start_date", "end_date")
        tutor = reader.integer("tutor")
        teacher = reader.integer("teacher")
        errors = dict(reader.errors)
        if not errors:
            try:
                await workflow.update_details(
                    db_session,
                    placement=placement,
                    data=PlacementDetailsInput(
                        start_date=start, end_date=end, tutor_id=tutor, teacher_id=teacher
                    ),
                )
            except WorkflowInvalid as invalid:
                errors = invalid.errors
        if errors:
            return await _placement_page(
                db_session,
                viewer,
                placement_id,
                values=values,
                errors=errors,
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request,
            f"/placements/{placement_id}",
            gettext("The placement's details were saved."),
            "success",
        )

    @post("/{placement_id:int}/visits", status_code=HTTP_200_OK)
    async def record_visit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        viewer = _viewer(request)
        placement, manages = await _managed_placement(db_session, viewer, placement_id)
        if not manages:
            return _not_yours(request, placement_id)
        reader = FormReader(await request.form())
        values = {"visited_on": reader.raw("visited_on"), "notes": reader.raw("notes")}
        visited_on = reader.date("visited_on", required=True)
        errors = dict(reader.errors)
        try:
            await workflow.record_visit(
                db_session,
                placement=placement,
                visitor_id=viewer.user_id,
                visited_on=visited_on,
                notes=values["notes"],
            )
        except WorkflowInvalid as invalid:
            errors = {**invalid.errors, **errors}
        if errors:
            return await _placement_page(
                db_session,
                viewer,
                placement_id,
                values=values,
                errors=errors,
                status=HTTP_400_BAD_REQUEST,
            )
        return redirect_with(
            request, f"/placements/{placement_id}", gettext("The visit was recorded."), "success"
        )


# --- API -------------------------------------------------------------------------------


class PlacementIn(msgspec.Struct, forbid_unknown_fields=True):
    """The employer accepts a proposal: ``after`` is the proposal's sequence number."""

    position: Id
    candidate: Id
    after: Integer


class PlacementPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A status change (agreed → active → completed; agreed or active → interrupted with a
    note), and/or the details: dates, tutor and teacher (only the fields given change)."""

    status: str | UnsetType = UNSET
    note: str = ""
    start_date: datetime.date | UnsetType | None = UNSET
    end_date: datetime.date | UnsetType | None = UNSET
    tutor_id: Id | UnsetType | None = UNSET
    teacher_id: Id | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        check_dates(start_date=self.start_date, end_date=self.end_date)


class VisitOut(msgspec.Struct):
    id: int
    visited_on: datetime.date
    visitor_id: int | None
    notes: str


class PlacementOut(msgspec.Struct):
    """A placement. ``candidate_name`` is null for a viewer who may not see the person; the
    contact details and ``visits`` are given for one placement, not in lists."""

    id: int
    status: str
    status_note: str
    candidate_id: int
    candidate_name: str | None
    candidate_email: str | None
    candidate_phone: str | None
    position_id: int
    position_title: str
    organisation_id: int
    organisation: str
    place_number: int
    decision_id: int | None
    tutor_id: int | None
    teacher_id: int | None
    counsellor_id: int | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    visits: list[VisitOut] | None = None


def _out(
    placement: Placement,
    *,
    position_title: str,
    organisation_name: str,
    name: str | None,
    contact: workflow.CandidateContact | None = None,
    visits: list[VisitOut] | None = None,
) -> PlacementOut:
    return PlacementOut(
        id=placement.id,
        status=placement.status,
        status_note=placement.status_note,
        candidate_id=placement.candidate_id,
        candidate_name=name,
        candidate_email=contact.email if contact else None,
        candidate_phone=contact.phone if contact else None,
        position_id=placement.position_id,
        position_title=position_title,
        organisation_id=placement.organisation_id,
        organisation=organisation_name,
        place_number=placement.place_number,
        decision_id=placement.decision_id,
        tutor_id=placement.tutor_id,
        teacher_id=placement.teacher_id,
        counsellor_id=placement.counsellor_id,
        start_date=placement.start_date,
        end_date=placement.end_date,
        created_at=placement.created_at,
        updated_at=placement.updated_at,
        visits=visits,
    )


async def _one(db_session: AsyncSession, viewer: Viewer, placement_id: int) -> PlacementOut:
    view = await workflow.placement_view(db_session, viewer, placement_id=placement_id)
    if view is None:
        raise NotFoundException(detail=f"No placement with the id {placement_id}.")
    return _out(
        view.placement,
        position_title=view.position_title,
        organisation_name=view.organisation_name,
        name=view.candidate.name if view.candidate else None,
        contact=view.candidate,
        visits=[
            VisitOut(
                id=item.visit.id,
                visited_on=item.visit.visited_on,
                visitor_id=item.visit.visitor_id,
                notes=item.visit.notes,
            )
            for item in view.visits
        ],
    )


def _invalid(invalid: WorkflowInvalid) -> ValidationException:
    first_key, first_message = next(iter(invalid.errors.items()))
    return ValidationException(detail=f"{first_key}: {first_message}", extra=invalid.errors)


class PlacementApi(Controller):
    path = "/api/placements"
    tags = ["placements"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_placements(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        status: FromQuery[str | None] = None,
    ) -> list[PlacementOut]:
        """Placements: staff see all, an employer its organisation's, a tutor those they
        tutor. Filter: ``status`` (agreed, active, completed, interrupted)."""
        if status is not None and status not in workflow.PLACEMENT_STATUS:
            raise ValidationException(detail=f"Unknown status {status!r}.")
        viewer = _viewer(request)
        rows = await workflow.list_placements(db_session, viewer, status=status)
        return [
            _out(
                row.placement,
                position_title=row.position_title,
                organisation_name=row.organisation_name,
                name=row.candidate_name,
            )
            for row in rows
        ]

    @get("/{placement_id:int}")
    async def get_placement(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        placement_id: FromPath[int],
    ) -> PlacementOut:
        """One placement with its visits; one the viewer may not see answers 404."""
        return await _one(db_session, _viewer(request), placement_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def accept_proposal(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        data: JSONBody[PlacementIn],
    ) -> PlacementOut:
        """The employer accepts a proposal for its own position; the placement is created.

        404: no such proposal for the employer (or consent withdrawn); 409: the proposal
        moved on since ``after``, the position is closed or full, the candidate was placed
        meanwhile.
        """
        viewer = _viewer(request)
        try:
            placement = await workflow.accept(
                db_session,
                viewer,
                position_id=data.position,
                candidate_id=data.candidate,
                after=data.after,
            )
        except WorkflowInvalid as invalid:
            raise _invalid(invalid) from None
        except ProposalNotFound:
            await db_session.rollback()
            raise NotFoundException(
                detail=f"No open proposal of candidate {data.candidate}"
                f" for position {data.position}."
            ) from None
        except (DecisionConflict, WorkflowRefused) as refused:
            await db_session.rollback()
            raise ClientException(detail=refused.message, status_code=HTTP_409_CONFLICT) from None
        return await _one(db_session, viewer, placement.id)

    @patch("/{placement_id:int}")
    async def update_placement(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        placement_id: FromPath[int],
        data: JSONBody[PlacementPatch],
    ) -> PlacementOut:
        """Counsellor or coordinator: change the status (``note`` required to interrupt) and/or
        the dates, tutor and teacher. 400 for a change that is not possible."""
        viewer = _viewer(request)
        placement = await workflow.get_placement(db_session, viewer, placement_id=placement_id)
        if placement is None:
            raise NotFoundException(detail=f"No placement with the id {placement_id}.")
        if isinstance(data.status, str) and data.status not in workflow.PLACEMENT_STATUS:
            raise ValidationException(detail=f"Unknown status {data.status!r}.")
        if not await workflow.may_manage(db_session, viewer, placement=placement):
            raise PermissionDeniedException(
                detail="Only the coordinator or a counsellor of this candidate can change it."
            )
        try:
            changes = (data.start_date, data.end_date, data.tutor_id, data.teacher_id)
            if any(value is not UNSET for value in changes):
                await workflow.update_details(
                    db_session,
                    placement=placement,
                    data=PlacementDetailsInput(
                        start_date=placement.start_date
                        if isinstance(data.start_date, UnsetType)
                        else data.start_date,
                        end_date=placement.end_date
                        if isinstance(data.end_date, UnsetType)
                        else data.end_date,
                        tutor_id=placement.tutor_id
                        if isinstance(data.tutor_id, UnsetType)
                        else data.tutor_id,
                        teacher_id=placement.teacher_id
                        if isinstance(data.teacher_id, UnsetType)
                        else data.teacher_id,
                    ),
                )
            if isinstance(data.status, str):
                await workflow.change_status(
                    db_session, placement=placement, status=data.status, note=data.note
                )
        except WorkflowInvalid as invalid:
            if "status" in invalid.errors:  # a known status, but not from this one
                raise ClientException(
                    detail=invalid.errors["status"], status_code=HTTP_409_CONFLICT
                ) from None
            raise _invalid(invalid) from None
        return await _one(db_session, viewer, placement_id)
