"""The assessment of a placement for signed-in people: the HTML pages (issue 12).

Staff and the placement's tutor read the plan and the matrix; whoever holds a seat of the
triad on the placement rates there; the counsellor and teacher of the placement (and the
coordinator) change the plan. A placement the viewer may not see answers 404. What a page shows
of the others' grades is exactly what :func:`assessments.ratings.sheets_for` returns for the
viewer's seat (independence); the rules live in :mod:`assessments.plan` and
:mod:`assessments.ratings`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST
from sqlalchemy.ext.asyncio import AsyncSession

from assessments import links, ratings
from assessments import plan as plans_service
from assessments.access import Assessor, plans, seat_of, visible_placement
from assessments.models import AssessorRole
from assessments.overview import matrix
from assessments.plan_choices import addable_outcomes
from assessments.rating_form import (
    NOT_DEMONSTRATED,
    RatingForm,
    form_errors,
    read_ratings,
    sheet_values,
)
from assessments.standing import decision_signed
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from placements.lifecycle.placements import placement_status_label, placement_view
from placements.models import Placement

GRADES = ("1", "2", "3", "4", "5")


async def _assessment_page(
    db_session: AsyncSession,
    viewer: Viewer,
    placement: Placement,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    view = await placement_view(db_session, viewer, placement_id=placement.id)
    if view is None:
        raise NotFoundException(detail=gettext("No such placement."))
    seat = seat_of(viewer, placement)
    sheets = await ratings.sheets_for(
        db_session, placement_id=placement.id, seat=seat.role if seat else None
    )
    outcomes = await plans_service.plan_outcomes(db_session, placement_id=placement.id)
    own_submitted = sheets.submitted.get(seat.role) if seat else None
    # A correction starts from what was submitted; otherwise the form shows the draft.
    defaults = sheet_values(sheets.own_draft or own_submitted)
    defaults["correction_reason"] = ""
    defaults.update(values or {})
    may_plan = plans(viewer, placement)
    return Template(
        template_name="assessments/assessment.html",
        status_code=status,
        context={
            "view": view,
            "placement": placement,
            "status_label": placement_status_label,
            "seat": seat,
            "sheets": sheets,
            "outcomes": outcomes,
            "grid": matrix(outcomes, sheets),
            "roles": list(AssessorRole),
            "assessor_label": ratings.role_label,
            "own_submitted": own_submitted,
            "decision": await decision_signed(db_session, placement_id=placement.id),
            "values": defaults,
            "errors": errors or {},
            "plan_errors": any(key.startswith(("add-", "remove-")) for key in errors or {}),
            "grades": GRADES,
            "not_demonstrated": NOT_DEMONSTRATED,
            "may_plan": may_plan,
            "live_link": (
                await links.live_link(db_session, placement_id=placement.id) if may_plan else None
            ),
            "reads_decision": viewer.is_staff,
            "plan_started": bool(sheets.submitted_roles),
            "addable": (
                await addable_outcomes(db_session, placement=placement) if may_plan else []
            ),
        },
    )


async def _placement(db_session: AsyncSession, viewer: Viewer, placement_id: int) -> Placement:
    placement = await visible_placement(db_session, viewer, placement_id=placement_id)
    if placement is None:
        raise NotFoundException(detail=gettext("No such placement."))
    return placement


def _page(placement_id: int) -> str:
    return f"/placements/{placement_id}/assessment"


class AssessmentPages(Controller):
    path = "/placements"
    include_in_schema = False

    @get("/{placement_id:int}/assessment")
    async def assessment(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Template:
        """The plan, the matrix and, for an assessor of the placement, their rating form."""
        placement = await _placement(db_session, viewer, placement_id)
        # Opening the assessment writes the default plan down (once, whoever comes first).
        await plans_service.ensure_plan(db_session, placement=placement)
        return await _assessment_page(db_session, viewer, placement)

    @post("/{placement_id:int}/assessment/ratings", status_code=HTTP_200_OK)
    async def rate(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        """Save the viewer's ratings as a draft, and submit them if asked."""
        placement = await _placement(db_session, viewer, placement_id)
        seat = seat_of(viewer, placement)
        if seat is None:
            raise PermissionDeniedException(gettext("Only the placement's assessors rate it."))
        data = await request.form()
        reader = FormReader(data)
        action = reader.raw("action")
        reason = reader.text("correction_reason", max_length=ratings.REASON_MAX)
        form = read_ratings(data)
        form.values["correction_reason"] = reason
        form.errors.update(reader.errors)
        if action not in ("save", "submit"):
            form.errors.setdefault("sheet", gettext("Choose “Save draft” or “Submit”."))
        if form.errors:
            return await _assessment_page(
                db_session,
                viewer,
                placement,
                values=form.values,
                errors=form.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        try:
            sheet = await ratings.save_draft(
                db_session,
                placement=placement,
                assessor=seat,
                ratings=form.given,
                correction_reason=reason,
            )
        except Invalid as invalid:
            return await _assessment_page(
                db_session,
                viewer,
                placement,
                values=form.values,
                errors=form_errors(invalid, form.given),
                status=HTTP_400_BAD_REQUEST,
            )
        if action == "save":
            return redirect_with(
                request,
                _page(placement_id),
                gettext("Your ratings were saved as a draft. Nobody else sees them."),
            )
        return await _submit(request, db_session, viewer, placement, seat, sheet.id, form)

    @post("/{placement_id:int}/assessment/plan", status_code=HTTP_200_OK)
    async def change_plan(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        """Add an outcome to the plan or take one out (with a reason once ratings are in)."""
        placement = await _placement(db_session, viewer, placement_id)
        if not plans(viewer, placement):
            raise PermissionDeniedException(
                gettext("Only the placement's counsellor and teacher change the plan.")
            )
        reader = FormReader(await request.form())
        action = reader.raw("action")
        competence_id = reader.id("competence", required=True)
        reason = reader.text("reason", max_length=plans_service.REASON_MAX)
        if action not in ("add", "remove"):
            return redirect_with(
                request,
                _page(placement_id),
                gettext("The change was not understood. Please choose the outcome again."),
                "error",
            )
        errors = dict(reader.errors)
        if not errors and competence_id is not None:
            change = plans_service.add_outcome if action == "add" else plans_service.remove_outcome
            try:
                await change(
                    db_session,
                    viewer,
                    placement=placement,
                    competence_id=competence_id,
                    reason=reason,
                )
            except Invalid as invalid:
                errors = invalid.errors
        if errors:
            # The add and the remove forms share field names; the page tells them apart.
            return await _assessment_page(
                db_session,
                viewer,
                placement,
                values={
                    f"{action}-reason": reason,
                    f"{action}-competence": reader.raw("competence"),
                },
                errors={f"{action}-{key}": message for key, message in errors.items()},
                status=HTTP_400_BAD_REQUEST,
            )
        message = (
            gettext("The outcome was added to the plan.")
            if action == "add"
            else gettext("The outcome was taken out of the plan.")
        )
        return redirect_with(request, _page(placement_id), message)


async def _submit(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    viewer: Viewer,
    placement: Placement,
    seat: Assessor,
    sheet_id: int,
    form: RatingForm,
) -> Response[Any]:
    """Submit the draft just saved; if the submission is refused, the draft is still kept."""
    try:
        receipt = await ratings.submit(db_session, placement=placement, assessor=seat)
    except Invalid as refused:
        errors = form_errors(refused, form.given)
        still_draft = await ratings.sheets_for(
            db_session, placement_id=placement.id, seat=seat.role
        )
        if still_draft.own_draft is not None and still_draft.own_draft.id == sheet_id:
            # Keep what was typed as the draft, although the answer is an error: the refusal
            # is about submitting only (a sheet submitted meanwhile is never written to).
            await db_session.commit()
            errors["sheet"] = gettext(
                "Your ratings were saved as a draft, but not submitted: %(reason)s"
            ) % {"reason": errors.get("sheet", "")}
        return await _assessment_page(
            db_session,
            viewer,
            placement,
            values=form.values,
            errors=errors,
            status=HTTP_400_BAD_REQUEST,
        )
    return redirect_with(
        request,
        _page(placement.id),
        gettext(
            "Your rating was submitted. Your receipt's reference is %(reference)s; you now see"
            " the other assessors' submitted ratings."
        )
        % {"reference": receipt.reference},
    )
