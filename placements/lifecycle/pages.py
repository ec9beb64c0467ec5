"""Proposals to employers, placements and monitoring visits: the HTML pages (issue 6).

Employers answer proposals for their own positions; placements are read by staff (all), the
employer (its organisation's) and the tutor (those they tutor); counsellors and the
coordinator run them. Objects a viewer may not see answer 404. The rules live in
:mod:`placements.lifecycle.proposals`, :mod:`placements.lifecycle.placements` and
:mod:`placements.lifecycle.visits`; the JSON API in :mod:`placements.lifecycle.api`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from candidates.services import stage_label
from kit import sections
from kit.clock import today
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.languages import language_name
from kit.roles import Viewer
from placements.lifecycle import placements as lifecycle
from placements.lifecycle import proposals, visits
from placements.lifecycle.placements import PlacementDetailsInput
from placements.lifecycle.proposals import ProposalNotFound, WorkflowRefused
from placements.models import Placement
from placements.positions.services import status_label
from placements.review.decisions import DECLINE_REASONS, DecisionConflict


def _reason_options() -> list[tuple[str, str]]:
    return [(code, gettext(label)) for code, label in DECLINE_REASONS.items()]


def _status_options() -> list[tuple[str, str]]:
    return [(code, gettext(label)) for code, label in lifecycle.PLACEMENT_STATUS.items()]


# --- Proposals (employer) ------------------------------------------------------------


def _proposal_page(
    proposal: proposals.ProposalView,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    return Template(
        template_name="placements/lifecycle/proposal.html",
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
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
    ) -> Template:
        """The employer's pending proposals, for its own organisation's positions."""
        rows = await proposals.proposals_for(db_session, viewer)
        return Template(
            template_name="placements/lifecycle/proposals.html",
            context={"rows": rows, "status_label": status_label},
        )

    @get("/positions/{position_id:int}/proposals/{candidate_id:int}")
    async def proposal(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Template:
        """The consented profile of a proposed candidate, and the answer form."""
        proposal = await proposals.proposal_detail(
            db_session, viewer, position_id=position_id, candidate_id=candidate_id
        )
        if proposal is None:
            raise NotFoundException(detail=gettext("No such proposal."))
        return _proposal_page(proposal)

    @post("/positions/{position_id:int}/proposals/{candidate_id:int}", status_code=HTTP_200_OK)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        position_id: FromPath[int],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """Accept (→ the new placement) or decline (→ the proposals) with a reason."""
        proposal = await proposals.proposal_detail(
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
                placement = await proposals.accept(
                    db_session,
                    viewer,
                    position_id=position_id,
                    candidate_id=candidate_id,
                    after=after,
                )
            else:
                await proposals.decline(
                    db_session,
                    viewer,
                    position_id=position_id,
                    candidate_id=candidate_id,
                    after=after,
                    reason=reason,
                    note=note,
                )
        except Invalid as invalid:
            return _proposal_page(
                proposal,
                values={"reason": reason, "note": note},
                errors=invalid.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        except (DecisionConflict, WorkflowRefused, ProposalNotFound) as refused:
            message = (
                gettext("This proposal is no longer open. Nothing was saved.")
                if isinstance(refused, ProposalNotFound)
                else refused.message
            )
            still = await proposals.proposal_detail(
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
    view = await lifecycle.placement_view(db_session, viewer, placement_id=placement_id)
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
        "visited_on": today().isoformat(),
        "notes": "",
    }
    defaults.update(values or {})
    context: dict[str, Any] = {
        "view": view,
        "placement": placement,
        "values": defaults,
        "errors": errors or {},
        "status_label": lifecycle.placement_status_label,
        "stage_label": stage_label,
        "next_status_options": [
            (code, lifecycle.placement_status_label(code)) for code in view.next_statuses
        ],
        "tutor_options": [],
        "teacher_options": [],
        "today": today().isoformat(),
        "sections": await sections.collect(
            "placement", db_session, viewer, placement_id=placement.id
        ),
    }
    if view.manages:
        tutors, teachers = await lifecycle.tutor_and_teacher_choices(
            db_session, placement.organisation_id
        )
        context["tutor_options"] = [(str(t.id), f"{t.name} ({t.email})") for t in tutors]
        context["teacher_options"] = [(str(t.id), f"{t.name} ({t.email})") for t in teachers]
    return Template(
        template_name="placements/lifecycle/placement.html", status_code=status, context=context
    )


async def _managed_placement(
    db_session: AsyncSession, viewer: Viewer, placement_id: int
) -> tuple[Placement, bool]:
    """The placement (404 if not visible) and whether the viewer may run it."""
    placement = await lifecycle.get_placement(db_session, viewer, placement_id=placement_id)
    if placement is None:
        raise NotFoundException(detail=gettext("No such placement."))
    return placement, await lifecycle.may_manage(db_session, viewer, placement=placement)


def _not_yours(request: Request[Any, Any, Any], placement_id: int) -> Response[Any]:
    return redirect_with(
        request,
        f"/placements/{placement_id}",
        gettext(
            "Only the coordinator or a counsellor of this candidate can change this placement."
        ),
        "error",
    )


async def _answer(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    viewer: Viewer,
    placement_id: int,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    saved: str,
) -> Response[Any]:
    """After a change: the page again with the messages beside the fields (400), or back to
    the page with ``saved`` when there are none."""
    if errors:
        return await _placement_page(
            db_session,
            viewer,
            placement_id,
            values=values,
            errors=errors,
            status=HTTP_400_BAD_REQUEST,
        )
    return redirect_with(request, f"/placements/{placement_id}", saved, "success")


class PlacementPages(Controller):
    path = "/placements"
    include_in_schema = False

    @get("/")
    async def index(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        status: FromQuery[str] = "",
    ) -> Template:
        """The placements the viewer may see, optionally of one status."""
        chosen = status.strip() if status.strip() in lifecycle.PLACEMENT_STATUS else ""
        rows = await lifecycle.list_placements(db_session, viewer, status=chosen or None)
        return Template(
            template_name="placements/lifecycle/placements.html",
            context={
                "rows": rows,
                "status": chosen,
                "status_options": _status_options(),
                "status_label": lifecycle.placement_status_label,
                "unknown_status": bool(status.strip()) and not chosen,
            },
        )

    @get("/{placement_id:int}")
    async def detail(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Template:
        return await _placement_page(db_session, viewer, placement_id)

    @post("/{placement_id:int}/status", status_code=HTTP_200_OK)
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        placement, manages = await _managed_placement(db_session, viewer, placement_id)
        if not manages:
            return _not_yours(request, placement_id)
        reader = FormReader(await request.form())
        wanted = reader.raw("status")
        note = reader.raw("note")
        errors: dict[str, str] = {}
        try:
            await lifecycle.change_status(db_session, placement=placement, status=wanted, note=note)
        except Invalid as invalid:
            errors = invalid.errors
        saved = gettext("The placement is now “%(status)s”.") % {
            "status": lifecycle.placement_status_label(wanted)
        }
        return await _answer(
            request,
            db_session,
            viewer,
            placement_id,
            values={"status": wanted, "note": note},
            errors=errors,
            saved=saved,
        )

    @post("/{placement_id:int}/details", status_code=HTTP_200_OK)
    async def change_details(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
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
                await lifecycle.update_details(
                    db_session,
                    placement=placement,
                    data=PlacementDetailsInput(
                        start_date=start, end_date=end, tutor_id=tutor, teacher_id=teacher
                    ),
                )
            except Invalid as invalid:
                errors = invalid.errors
        return await _answer(
            request,
            db_session,
            viewer,
            placement_id,
            values=values,
            errors=errors,
            saved=gettext("The placement's details were saved."),
        )

    @post("/{placement_id:int}/visits", status_code=HTTP_200_OK)
    async def record_visit(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        placement, manages = await _managed_placement(db_session, viewer, placement_id)
        if not manages:
            return _not_yours(request, placement_id)
        reader = FormReader(await request.form())
        values = {"visited_on": reader.raw("visited_on"), "notes": reader.raw("notes")}
        visited_on = reader.date("visited_on", required=True)
        errors = dict(reader.errors)
        try:
            await visits.record_visit(
                db_session,
                placement=placement,
                visitor_id=viewer.user_id,
                visited_on=visited_on,
                notes=values["notes"],
            )
        except Invalid as invalid:
            errors = {**invalid.errors, **errors}
        return await _answer(
            request,
            db_session,
            viewer,
            placement_id,
            values=values,
            errors=errors,
            saved=gettext("The visit was recorded."),
        )
