"""JSON API of a placement's assessment: ``/api/placements/{id}/assessment`` (issue 12).

Staff and the placement's tutor read it, each seeing only the ratings the independence rule
lets them see (as the pages do); anyone else gets 404, so ids cannot be probed. The
placement's counsellor and teacher (and the coordinator) issue and revoke the tutor's link.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from assessments import links, notices
from assessments.access import seat_of, visible_placement
from assessments.decisions import live_decision
from assessments.models import AssessmentDecision, AssessorRole
from assessments.overview import matrix
from assessments.plan import ensure_plan, plan_outcomes
from assessments.ratings import SheetView, sheets_for
from assessments.schemas import (
    AssessmentOut,
    DecisionOut,
    DecisionOutcomeOut,
    OutcomeOut,
    RatingOut,
    SheetOut,
    TutorLinkOut,
)
from competences.models import label_in
from kit.i18n import current_locale
from kit.roles import Viewer
from placements.models import Placement


def _sheet(view: SheetView) -> SheetOut:
    return SheetOut(
        role=view.role.value,
        version=view.version,
        assessor_name=view.assessor_name,
        submitted_at=view.submitted_at,
        reference=view.reference,
        correction_reason=view.correction_reason,
        ratings=[
            RatingOut(
                competence_id=rating.competence_id,
                grade=rating.grade,
                not_demonstrated=rating.not_demonstrated,
                note=rating.note,
                work_tasks=rating.work_tasks,
            )
            for rating in view.ratings.values()
        ],
    )


def _decision(decision: AssessmentDecision | None) -> DecisionOut | None:
    if decision is None:
        return None
    return DecisionOut(
        id=decision.id,
        version=decision.version,
        signed_by=decision.signed_by_name,
        signed_at=decision.signed_at,
        outcomes=[
            DecisionOutcomeOut(
                competence_id=outcome.competence_id,
                grade=outcome.grade,
                not_demonstrated=outcome.not_demonstrated,
                rationale=outcome.rationale,
            )
            for outcome in decision.outcomes
        ],
    )


async def _placement(db_session: AsyncSession, viewer: Viewer, placement_id: int) -> Placement:
    placement = await visible_placement(db_session, viewer, placement_id=placement_id)
    if placement is None:
        raise NotFoundException(detail=f"No placement with the id {placement_id}.")
    return placement


class AssessmentApi(Controller):
    path = "/api/placements/{placement_id:int}/assessment"
    tags = ["assessments"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def get_assessment(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> AssessmentOut:
        """The plan, the ratings the caller may see, divergence, who has submitted and the
        decision. Until an assessor has submitted, they see only their own ratings."""
        placement = await _placement(db_session, viewer, placement_id)
        seat = seat_of(viewer, placement)
        await ensure_plan(db_session, placement=placement)
        outcomes = await plan_outcomes(db_session, placement_id=placement.id)
        sheets = await sheets_for(
            db_session, placement_id=placement.id, seat=seat.role if seat else None
        )
        rows = {row.outcome.competence_id: row for row in matrix(outcomes, sheets).rows}
        locale = current_locale.get()
        return AssessmentOut(
            placement_id=placement.id,
            seat=seat.role.value if seat else None,
            plan=[
                OutcomeOut(
                    competence_id=outcome.competence_id,
                    code=outcome.code,
                    label=label_in(outcome.labels, locale),
                    unit=outcome.unit_code,
                    unit_label=label_in(outcome.unit_labels, locale),
                    divergent=rows[outcome.competence_id].divergent,
                )
                for outcome in outcomes
            ],
            ratings=[_sheet(view) for view in sheets.submitted.values()],
            own_draft=_sheet(sheets.own_draft) if sheets.own_draft else None,
            submitted_roles=[role.value for role in AssessorRole if role in sheets.submitted_roles],
            decision=_decision(await live_decision(db_session, placement.id)),
        )

    @post("/tutor-links", status_code=HTTP_201_CREATED)
    async def issue_tutor_link(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> TutorLinkOut:
        """A new link to the tutor's rating form (the previous one stops working). The
        ``url`` is given this once: only its hash is kept. It is e-mailed to the placement's
        tutor when the placement names one with an address (``emailed_to_tutor``). The
        placement's counsellor or teacher, or the coordinator; 403 for other staff."""
        placement = await _placement(db_session, viewer, placement_id)
        settings = request.app.state.settings
        try:
            link, token = await links.issue(
                db_session,
                viewer,
                placement=placement,
                days=settings.assessments.tutor_link_days,
            )
        except links.NotAllowed:
            raise PermissionDeniedException(
                detail="Only the placement's counsellor or teacher can issue its tutor's link."
            ) from None
        except links.LinkRaceLost:
            raise ClientException(
                detail="Someone else is issuing this link right now; try again.",
                status_code=HTTP_409_CONFLICT,
            ) from None
        url = links.link_url(settings.public_url, token)
        tutor = await notices.tutor_link_issued(db_session, placement=placement, link=link, url=url)
        return TutorLinkOut(
            id=link.id,
            url=url,
            expires_at=link.expires_at,
            emailed_to_tutor=tutor is not None,
        )

    @delete("/tutor-links/{link_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def revoke_tutor_link(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
        link_id: FromPath[int],
    ) -> None:
        """Revoke the tutor's link: it stops working at once (revoking twice is no error)."""
        placement = await _placement(db_session, viewer, placement_id)
        try:
            await links.revoke(db_session, viewer, placement=placement, link_id=link_id)
        except links.LinkNotFound:
            raise NotFoundException(
                detail=f"No tutor link with the id {link_id} on this placement."
            ) from None
        except links.NotAllowed:
            raise PermissionDeniedException(
                detail="Only the placement's counsellor or teacher can revoke its tutor's link."
            ) from None
