"""Monitoring visits: a counsellor records a visit to a placement (a date, and notes)."""

from __future__ import annotations

import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kit.clock import today
from kit.i18n import gettext
from kit.invalid import Invalid
from placements.models import MonitoringVisit, Placement

VISIT_NOTES_MAX = 5000


async def record_visit(
    session: AsyncSession,
    *,
    placement: Placement,
    visitor_id: int,
    visited_on: datetime.date | None,
    notes: str,
) -> MonitoringVisit:
    """A counsellor's monitoring visit: a date not in the future, and notes.

    Raises :class:`Invalid` (keys ``visited_on``, ``notes``).
    """
    notes = notes.strip()
    errors: dict[str, str] = {}
    if visited_on is None:
        errors["visited_on"] = gettext("Enter the date of the visit.")
    elif visited_on > today():
        errors["visited_on"] = gettext("The visit date cannot be in the future.")
    if not notes:
        errors["notes"] = gettext("Write what you saw and agreed on the visit.")
    elif len(notes) > VISIT_NOTES_MAX:
        errors["notes"] = gettext("Use at most %(max)d characters.") % {"max": VISIT_NOTES_MAX}
    if errors or visited_on is None:
        raise Invalid(errors)
    visit = MonitoringVisit(
        placement_id=placement.id, visited_on=visited_on, visitor_id=visitor_id, notes=notes
    )
    session.add(visit)
    await session.flush()
    return visit
