"""The three assessors' ratings: drafts, one submission each, corrections as new versions.

**Independence.** Until an assessor has submitted, they see nobody else's grades; after
submitting they see every submitted rating. Nobody ever sees another assessor's draft.
Staff who hold no seat on the placement (the coordinator, another counsellor) see the
submitted ratings only.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from assessments import notices
from assessments.access import Assessor
from assessments.models import ASSESSOR_ROLES, AssessorRole, Rating, RatingSheet
from assessments.plan import ensure_plan, plan_competence_ids
from kit import audit
from kit.i18n import gettext, ngettext
from kit.invalid import Invalid
from kit.roles import Role
from placements.models import Placement, PlacementStatus

NOTE_MAX = 2000
TASKS_MAX = 2000
REASON_MAX = 2000


@dataclass(frozen=True)
class RatingInput:
    """One outcome's rating as an assessor gives it; ``grade`` None and not "not demonstrated"
    means not rated yet (allowed in a draft)."""

    competence_id: int
    grade: int | None = None
    not_demonstrated: bool = False
    note: str = ""
    work_tasks: str = ""


@dataclass(frozen=True)
class SheetView:
    """A sheet as a reader may see it."""

    id: int
    role: AssessorRole
    version: int
    assessor_name: str
    submitted_at: datetime.datetime | None
    reference: str | None
    correction_reason: str
    ratings: dict[int, Rating]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


def _view(sheet: RatingSheet) -> SheetView:
    return SheetView(
        id=sheet.id,
        role=AssessorRole(sheet.assessor_role),
        version=sheet.version,
        assessor_name=sheet.assessor_name,
        submitted_at=sheet.submitted_at,
        reference=sheet.reference,
        correction_reason=sheet.correction_reason,
        ratings={rating.competence_id: rating for rating in sheet.ratings},
    )


async def _sheets(session: AsyncSession, placement_id: int) -> list[RatingSheet]:
    return list(
        (
            await session.execute(
                select(RatingSheet)
                .where(RatingSheet.placement_id == placement_id)
                .options(selectinload(RatingSheet.ratings))
                .order_by(RatingSheet.assessor_role, RatingSheet.version)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )


@dataclass(frozen=True)
class Sheets:
    """What one reader sees of a placement's ratings.

    ``own_draft`` is the reader's unsubmitted sheet; ``submitted`` the newest submitted sheet of
    each assessor the reader may see; ``history`` every submitted version the reader may see.
    """

    own_draft: SheetView | None
    submitted: dict[AssessorRole, SheetView]
    history: list[SheetView]
    sees_others: bool
    # Who has submitted (not what): everyone may know it.
    submitted_roles: frozenset[AssessorRole] = frozenset()


async def sheets_for(
    session: AsyncSession, *, placement_id: int, seat: AssessorRole | None
) -> Sheets:
    """The ratings of a placement as the holder of ``seat`` (None: staff without a seat) sees
    them (two queries)."""
    sheets = await _sheets(session, placement_id)
    own_submitted = seat is not None and any(
        s.assessor_role == seat and s.submitted_at is not None for s in sheets
    )
    sees_others = seat is None or own_submitted
    visible = [
        _view(s)
        for s in sheets
        if s.submitted_at is not None and (sees_others or s.assessor_role == seat)
    ]
    newest: dict[AssessorRole, SheetView] = {}
    for view in visible:
        if view.role not in newest or view.version > newest[view.role].version:
            newest[view.role] = view
    draft = next(
        (_view(s) for s in sheets if s.assessor_role == seat and s.submitted_at is None), None
    )
    return Sheets(
        own_draft=draft,
        submitted={role: newest[role] for role in AssessorRole if role in newest},
        history=visible,
        sees_others=sees_others,
        submitted_roles=frozenset(
            AssessorRole(s.assessor_role) for s in sheets if s.submitted_at is not None
        ),
    )


def _checked(ratings: Sequence[RatingInput], plan: Sequence[int]) -> list[RatingInput]:
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, rating in enumerate(ratings):
        key = f"ratings.{index}"
        if rating.competence_id not in plan:
            errors[f"{key}.competence"] = gettext("This outcome is not in the assessment plan.")
        elif rating.competence_id in seen:
            errors[f"{key}.competence"] = gettext("This outcome is rated twice.")
        seen.add(rating.competence_id)
        if rating.grade is not None and not 1 <= rating.grade <= 5:
            errors[f"{key}.grade"] = gettext("Give a grade from 1 to 5, or “not demonstrated”.")
        if rating.grade is not None and rating.not_demonstrated:
            errors[f"{key}.grade"] = gettext("Give a grade or “not demonstrated”, not both.")
        if len(rating.note) > NOTE_MAX:
            errors[f"{key}.note"] = gettext("Use at most %(max)d characters.") % {"max": NOTE_MAX}
        if len(rating.work_tasks) > TASKS_MAX:
            errors[f"{key}.work_tasks"] = gettext("Use at most %(max)d characters.") % {
                "max": TASKS_MAX
            }
    if errors:
        raise Invalid(errors)
    return [
        RatingInput(
            competence_id=r.competence_id,
            grade=r.grade,
            not_demonstrated=r.not_demonstrated,
            note=r.note.strip(),
            work_tasks=r.work_tasks.strip(),
        )
        for r in ratings
    ]


async def _draft(
    session: AsyncSession, placement_id: int, role: AssessorRole
) -> RatingSheet | None:
    sheet: RatingSheet | None = await session.scalar(
        select(RatingSheet)
        .where(
            RatingSheet.placement_id == placement_id,
            RatingSheet.assessor_role == role.value,
            RatingSheet.submitted_at.is_(None),
        )
        .options(selectinload(RatingSheet.ratings))
        .execution_options(populate_existing=True)
    )
    return sheet


# Work is rated once it has begun: an agreed placement that has not started has nothing to show.
RATED_STATUSES = (
    PlacementStatus.ACTIVE.value,
    PlacementStatus.COMPLETED.value,
    PlacementStatus.INTERRUPTED.value,
)


def _check_rated(placement: Placement) -> None:
    if placement.status not in RATED_STATUSES:
        raise Invalid.of(
            "sheet",
            gettext("The placement has not started yet: ratings open when it is active."),
        )


async def save_draft(
    session: AsyncSession,
    *,
    placement: Placement,
    assessor: Assessor,
    ratings: Sequence[RatingInput],
    correction_reason: str = "",
) -> RatingSheet:
    """Keep the assessor's ratings as a draft (the first draft after a submission is a
    correction: it needs a reason). Outcomes not named keep what the draft had."""
    _check_rated(placement)
    await ensure_plan(session, placement=placement)
    checked = _checked(ratings, await plan_competence_ids(session, placement_id=placement.id))
    draft = await _draft(session, placement.id, assessor.role)
    if draft is None:
        draft = await _new_draft(
            session, placement=placement, assessor=assessor, reason=correction_reason
        )
    # Claim the draft before changing it: the update waits for, or loses to, a submission of
    # the same sheet at the same moment, so a submitted sheet's ratings are never changed.
    stamp = datetime.datetime.now(datetime.UTC)
    claimed = await session.execute(
        update(RatingSheet)
        .where(RatingSheet.id == draft.id, RatingSheet.submitted_at.is_(None))
        .values(updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise Invalid.of("sheet", gettext("This rating has already been submitted."))
    by_outcome = {rating.competence_id: rating for rating in draft.ratings}
    for given in checked:
        row = by_outcome.get(given.competence_id)
        if row is None:
            row = Rating(competence_id=given.competence_id)
            draft.ratings.append(row)
        row.grade = given.grade
        row.not_demonstrated = given.not_demonstrated
        row.note = given.note
        row.work_tasks = given.work_tasks
    draft.assessor_id = assessor.user_id
    draft.assessor_name = assessor.name
    await session.flush()
    return draft


async def _new_draft(
    session: AsyncSession, *, placement: Placement, assessor: Assessor, reason: str
) -> RatingSheet:
    submitted = await session.scalar(
        select(func.max(RatingSheet.version)).where(
            RatingSheet.placement_id == placement.id,
            RatingSheet.assessor_role == assessor.role.value,
            RatingSheet.submitted_at.is_not(None),
        )
    )
    reason = reason.strip()
    if submitted is not None and not reason:
        raise Invalid.of(
            "correction_reason",
            gettext("You submitted this rating already: say why you correct it."),
        )
    if len(reason) > REASON_MAX:
        raise Invalid.of(
            "correction_reason", gettext("Use at most %(max)d characters.") % {"max": REASON_MAX}
        )
    draft = RatingSheet(
        placement_id=placement.id,
        assessor_role=assessor.role.value,
        version=(submitted or 0) + 1,
        assessor_id=assessor.user_id,
        assessor_name=assessor.name,
        correction_reason=reason if submitted is not None else "",
        ratings=[],
    )
    try:
        async with session.begin_nested():
            session.add(draft)
            await session.flush()
    except IntegrityError:
        # The same assessor started a draft at the same moment (another tab, a double tap).
        existing = await _draft(session, placement.id, assessor.role)
        if existing is None:
            raise
        return existing
    return draft


def _reference(role: AssessorRole, version: int) -> str:
    return f"{role.value[0].upper()}{version}-{secrets.token_hex(4).upper()}"


async def submit(
    session: AsyncSession, *, placement: Placement, assessor: Assessor, tell: bool = True
) -> SheetView:
    """Submit the assessor's draft: every outcome of the plan rated, once.

    A second submission (or two at once) is refused: the update only applies to a sheet that
    is still a draft, and the count says whether it did.
    """
    _check_rated(placement)
    draft = await _draft(session, placement.id, assessor.role)
    if draft is None:
        raise Invalid.of("sheet", gettext("There is no draft to submit: rate the outcomes first."))
    plan = await plan_competence_ids(session, placement_id=placement.id)
    given = {rating.competence_id for rating in draft.ratings if rating.is_given}
    missing = [competence_id for competence_id in plan if competence_id not in given]
    if missing:
        raise Invalid.of(
            "sheet",
            ngettext(
                "Rate every outcome before submitting: %(count)d is not rated yet.",
                "Rate every outcome before submitting: %(count)d are not rated yet.",
                len(missing),
            )
            % {"count": len(missing)},
        )
    stamp = datetime.datetime.now(datetime.UTC)
    reference = _reference(assessor.role, draft.version)
    done = await session.execute(
        update(RatingSheet)
        .where(RatingSheet.id == draft.id, RatingSheet.submitted_at.is_(None))
        .values(submitted_at=stamp, reference=reference, updated_at=stamp)
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 0) != 1:
        raise Invalid.of("sheet", gettext("This rating has already been submitted."))
    await audit.record(
        session,
        action="submitted",
        entity="rating_sheet",
        entity_id=str(draft.id),
        details={
            "placement_id": placement.id,
            "assessor_role": assessor.role.value,
            "version": draft.version,
            "reference": reference,
        },
    )
    await session.refresh(draft)
    if tell:  # the teacher (assessments/notices.py); the demo data is written untold
        await notices.rating_submitted(
            session, placement=placement, role=assessor.role, version=draft.version
        )
    return _view(draft)


def role_label(role: AssessorRole | str) -> str:
    """The seat's name for people (the seats are named like the roles that hold them)."""
    return gettext(Role(str(role)).label)


__all__ = [
    "ASSESSOR_ROLES",
    "RatingInput",
    "SheetView",
    "Sheets",
    "role_label",
    "save_draft",
    "sheets_for",
    "submit",
]
