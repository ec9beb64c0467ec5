"""Who sees a placement's assessment, and in which seat of the triad someone rates.

The assessors are the people the placement names: its workplace tutor, its professional
teacher and its counsellor. Staff see the assessment of every placement (the coordinator
oversees; a teacher or counsellor who is not an assessor of it rates nothing there); a tutor
sees only the placements they tutor; employers see none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from assessments.models import AssessorRole
from kit.roles import Role, Viewer
from placements.models import Placement


@dataclass(frozen=True)
class Assessor:
    """Someone rating a placement: the seat, and who fills it (a user, or the tutor by link)."""

    role: AssessorRole
    user_id: int | None
    name: str


def may_see(viewer: Viewer, placement: Placement) -> bool:
    if viewer.is_staff:
        return True
    return viewer.role == Role.TUTOR and placement.tutor_id == viewer.user_id


def seat_of(viewer: Viewer, placement: Placement) -> Assessor | None:
    """The seat ``viewer`` holds on this placement's triad, if any."""
    seats = {
        Role.TUTOR: (AssessorRole.TUTOR, placement.tutor_id),
        Role.TEACHER: (AssessorRole.TEACHER, placement.teacher_id),
        Role.COUNSELLOR: (AssessorRole.COUNSELLOR, placement.counsellor_id),
    }
    if viewer.role not in seats:
        return None
    role, user_id = seats[viewer.role]
    if user_id is None or user_id != viewer.user_id:
        return None
    return Assessor(role=role, user_id=viewer.user_id, name=viewer.name)


def plans(viewer: Viewer, placement: Placement) -> bool:
    """The counsellor and the teacher of the placement shape its plan (and the coordinator)."""
    if viewer.is_coordinator:
        return True
    seat = seat_of(viewer, placement)
    return seat is not None and seat.role in (AssessorRole.TEACHER, AssessorRole.COUNSELLOR)


async def visible_placement(
    session: AsyncSession, viewer: Viewer, *, placement_id: int
) -> Placement | None:
    """The placement if ``viewer`` may see its assessment, else None (the caller answers 404)."""
    placement = await session.get(Placement, placement_id)
    if placement is None or not may_see(viewer, placement):
        return None
    return placement
