"""The consensus decision page: staff read it, the placement's professional teacher signs.

The form lists each outcome of the plan with every submitted rating, a final grade, and a
rationale (required where the ratings diverge); who took part; and, before every assessor has
submitted, why the consensus cannot wait. Once signed, the decision is shown locked with a
form to correct it (a new version with a reason). The rules live in
:mod:`assessments.decisions`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from assessments import decisions
from assessments.access import seat_of, visible_placement
from assessments.decisions import DecisionConflict, DecisionInput, NotTheAssessor, Participant
from assessments.models import AssessorRole
from assessments.ratings import role_label
from kit import sections
from kit.flash import redirect_with
from kit.forms import FormReader
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.roles import Viewer
from placements.models import Placement

NOT_DEMONSTRATED = "nd"
GRADES = ("1", "2", "3", "4", "5")


def _grade_options() -> list[tuple[str, str]]:
    return [(grade, grade) for grade in GRADES] + [(NOT_DEMONSTRATED, gettext("not demonstrated"))]


async def _placement(db_session: AsyncSession, viewer: Viewer, placement_id: int) -> Placement:
    placement = await visible_placement(db_session, viewer, placement_id=placement_id)
    if placement is None or not viewer.is_staff:
        raise NotFoundException(detail=gettext("No such placement."))
    return placement


async def _page(
    db_session: AsyncSession,
    viewer: Viewer,
    placement: Placement,
    *,
    values: dict[str, str] | None = None,
    chosen: set[str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = HTTP_200_OK,
) -> Template:
    seat = seat_of(viewer, placement)
    basis = await decisions.basis(db_session, placement.id, seat=seat.role if seat else None)
    live = await decisions.live_decision(db_session, placement.id)
    names = await decisions.seat_names(db_session, placement)
    defaults: dict[str, str] = {"missing_reason": "", "correction_reason": ""}
    if live is not None:
        # The correction form starts from the decision in force.
        for outcome in live.outcomes:
            grade = NOT_DEMONSTRATED if outcome.not_demonstrated else str(outcome.grade or "")
            defaults[f"grade-{outcome.competence_id}"] = grade
            defaults[f"rationale-{outcome.competence_id}"] = outcome.rationale
    defaults.update(values or {})
    return Template(
        template_name="assessments/decision.html",
        status_code=status,
        context={
            "placement": placement,
            "basis": basis,
            "live": live,
            "history": await decisions.decision_history(db_session, placement.id),
            "names": names,
            "roles": list(AssessorRole),
            "role_label": role_label,
            "missing": decisions.missing_names(basis.missing),
            "signs": decisions.signs(viewer, placement) and basis.sees_others,
            "values": defaults,
            "chosen": chosen if chosen is not None else {role.value for role in AssessorRole},
            "errors": errors or {},
            "grade_options": _grade_options(),
            "sections": await sections.collect(
                "decision", db_session, viewer, placement_id=placement.id
            ),
        },
    )


def _read(
    reader: FormReader, plan: list[int], names: dict[AssessorRole, str]
) -> tuple[list[DecisionInput], list[Participant]]:
    given = []
    for competence_id in plan:
        raw = reader.raw(f"grade-{competence_id}")
        given.append(
            DecisionInput(
                competence_id=competence_id,
                grade=int(raw) if raw in GRADES else None,
                not_demonstrated=raw == NOT_DEMONSTRATED,
                rationale=reader.text(
                    f"rationale-{competence_id}", max_length=decisions.RATIONALE_MAX
                ),
            )
        )
        if raw not in (*GRADES, NOT_DEMONSTRATED, ""):
            reader.error(
                f"grade-{competence_id}",
                gettext("Give a final grade from 1 to 5, or “not demonstrated”."),
            )
    roles = set(reader.values("participant", max_items=len(AssessorRole)))
    participants = [
        Participant(role=role, name=names.get(role, "")) for role in AssessorRole if role in roles
    ]
    return given, participants


class DecisionPages(Controller):
    path = "/placements/{placement_id:int}/assessment/decision"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Template:
        """The decision in force (or the form to reach one), for staff."""
        placement = await _placement(db_session, viewer, placement_id)
        return await _page(db_session, viewer, placement)

    @post("/", status_code=HTTP_200_OK)
    async def sign(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        placement_id: FromPath[int],
    ) -> Response[Any]:
        """Sign the consensus (or a correction of it): the placement's teacher only."""
        placement = await _placement(db_session, viewer, placement_id)
        if not decisions.signs(viewer, placement):
            raise PermissionDeniedException(
                detail=gettext("Only the placement's professional teacher signs the consensus.")
            )
        reader = FormReader(await request.form())
        basis = await decisions.basis(db_session, placement.id, seat=AssessorRole.TEACHER)
        plan = [row.outcome.competence_id for row in basis.matrix.rows]
        names = await decisions.seat_names(db_session, placement)
        given, participants = _read(reader, plan, names)
        values = {
            name: reader.raw(name)
            for name in (
                "missing_reason",
                "correction_reason",
                *(f"grade-{c}" for c in plan),
                *(f"rationale-{c}" for c in plan),
            )
        }
        missing_reason = reader.text("missing_reason", max_length=decisions.REASON_MAX)
        correction_reason = reader.text("correction_reason", max_length=decisions.REASON_MAX)
        chosen = {p.role.value for p in participants}
        errors = dict(reader.errors)
        status = HTTP_400_BAD_REQUEST
        try:
            if not errors:
                await decisions.sign(
                    db_session,
                    viewer,
                    placement=placement,
                    outcomes=given,
                    participants=participants,
                    missing_reason=missing_reason,
                    correction_reason=correction_reason,
                )
        except Invalid as invalid:
            errors = {**invalid.errors, **errors}
        except NotTheAssessor as refused:
            raise PermissionDeniedException(detail=str(refused)) from None
        except DecisionConflict:
            status = HTTP_409_CONFLICT
            errors = {
                "form": gettext(
                    "Someone signed this decision at the same moment: read it below before "
                    "you correct it."
                )
            }
        if errors:
            return await _page(
                db_session,
                viewer,
                placement,
                values=values,
                chosen=chosen,
                errors=errors,
                status=status,
            )
        return redirect_with(
            request,
            f"/placements/{placement.id}/assessment/decision",
            gettext("The consensus decision was signed."),
        )
