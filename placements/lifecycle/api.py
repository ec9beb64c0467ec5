"""JSON API of placements: ``/api/placements`` (issue 6).

The same rules as the pages (:mod:`placements.lifecycle.pages`): staff read every placement,
the employer its organisation's, the tutor those they tutor; the employer accepts a proposal
by creating the placement; counsellors and the coordinator change it. Objects a viewer may
not see answer 404. Errors are ``{"detail": ...}``.
"""

from __future__ import annotations

import datetime

import msgspec
from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import (
    ClientException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT
from msgspec import UNSET, UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from kit.forms import Id, Integer, check_dates
from kit.invalid import Invalid
from kit.roles import Viewer
from placements.lifecycle import placements as lifecycle
from placements.lifecycle import proposals
from placements.lifecycle.placements import PlacementDetailsInput
from placements.lifecycle.proposals import ProposalNotFound, WorkflowRefused
from placements.models import Placement
from placements.review.decisions import DecisionConflict


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
    contact: lifecycle.CandidateContact | None = None,
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
    view = await lifecycle.placement_view(db_session, viewer, placement_id=placement_id)
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
                id=item.id,
                visited_on=item.visited_on,
                visitor_id=item.visitor_id,
                notes=item.notes,
            )
            for item in view.visits
        ],
    )


class PlacementApi(Controller):
    path = "/api/placements"
    tags = ["placements"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/")
    async def list_placements(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        status: FromQuery[str | None] = None,
    ) -> list[PlacementOut]:
        """Placements: staff see all, an employer its organisation's, a tutor those they
        tutor. Filter: ``status`` (agreed, active, completed, interrupted)."""
        if status is not None and status not in lifecycle.PLACEMENT_STATUS:
            raise ValidationException(detail=f"Unknown status {status!r}.")
        rows = await lifecycle.list_placements(db_session, viewer, status=status)
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
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> PlacementOut:
        """One placement with its visits; one the viewer may not see answers 404."""
        return await _one(db_session, viewer, placement_id)

    @post("/", status_code=HTTP_201_CREATED)
    async def accept_proposal(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        data: JSONBody[PlacementIn],
    ) -> PlacementOut:
        """The employer accepts a proposal for its own position; the placement is created.

        404: no such proposal for the employer (or consent withdrawn); 409: the proposal
        moved on since ``after``, the position is closed or full, the candidate was placed
        meanwhile.
        """
        try:
            placement = await proposals.accept(
                db_session,
                viewer,
                position_id=data.position,
                candidate_id=data.candidate,
                after=data.after,
            )
        except ProposalNotFound:
            raise NotFoundException(
                detail=f"No open proposal of candidate {data.candidate}"
                f" for position {data.position}."
            ) from None
        except (DecisionConflict, WorkflowRefused) as refused:
            raise ClientException(detail=refused.message, status_code=HTTP_409_CONFLICT) from None
        return await _one(db_session, viewer, placement.id)

    @patch("/{placement_id:int}")
    async def update_placement(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
        data: JSONBody[PlacementPatch],
    ) -> PlacementOut:
        """Counsellor or coordinator: change the status (``note`` required to interrupt) and/or
        the dates, tutor and teacher. 400 for a change that is not possible."""
        placement = await lifecycle.get_placement(db_session, viewer, placement_id=placement_id)
        if placement is None:
            raise NotFoundException(detail=f"No placement with the id {placement_id}.")
        if isinstance(data.status, str) and data.status not in lifecycle.PLACEMENT_STATUS:
            raise ValidationException(detail=f"Unknown status {data.status!r}.")
        if not await lifecycle.may_manage(db_session, viewer, placement=placement):
            raise PermissionDeniedException(
                detail="Only the coordinator or a counsellor of this candidate can change it."
            )
        try:
            changes = (data.start_date, data.end_date, data.tutor_id, data.teacher_id)
            if any(value is not UNSET for value in changes):
                await lifecycle.update_details(
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
                await lifecycle.change_status(
                    db_session, placement=placement, status=data.status, note=data.note
                )
        except Invalid as invalid:
            if "status" in invalid.errors:  # a known status, but not from this one
                raise ClientException(
                    detail=invalid.errors["status"], status_code=HTTP_409_CONFLICT
                ) from None
            raise
        return await _one(db_session, viewer, placement_id)
