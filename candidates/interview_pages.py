"""Pages for teacher interviews: booking, the interview list, the guide and the record form.

The rules live in :mod:`candidates.interviews`; an interview or candidate the viewer may not
see answers 404. A counsellor who sees an interview but is not its teacher is refused
recording by the route-policy table (403).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlalchemy.ext.asyncio import AsyncSession

from candidates import interviews as services
from candidates.access import get_visible_candidate
from candidates.interviews import (
    InterviewView,
    RecordInput,
    ResultInput,
    ScheduleInput,
)
from candidates.models import Candidate, InterviewStatus
from competences.models import label_in
from kit.clock import PROGRAMME_TIMEZONE
from kit.flash import redirect_with
from kit.forms import FormReader, parse_integer
from kit.i18n import N_, current_locale, gettext
from kit.invalid import Invalid
from kit.languages import LANGUAGES
from kit.roles import Viewer

BLANK_EXTRA_ROWS = 2
# Interviews held, per page of the list; the most recent cancelled ones shown.
HELD_PAGE_SIZE = 50
CANCELLED_SHOWN = 20
# The value of "not demonstrated" in the list of levels.
NOT_DEMONSTRATED = "not-demonstrated"
MAX_ROWS = 80
# Interviews are booked within two years either way of today.
INTERVIEW_WINDOW_DAYS = 2 * 366

# Interpreter languages offered in the form: every working language but Finnish.
INTERPRETER_LANGUAGES = tuple((code, name) for code, name in LANGUAGES if code != "fi")
ACQUIRED_LABELS = {
    "work_history": N_("work history"),
    "informal": N_("informal learning"),
    "education_abroad": N_("education abroad"),
    "other": N_("other"),
}


async def _interview(db_session: AsyncSession, viewer: Viewer, interview_id: int) -> InterviewView:
    found = await services.get_visible_interview(
        db_session, interview_id=interview_id, viewer=viewer
    )
    if found is None:
        raise NotFoundException(detail=gettext("No such interview."))
    return found


async def _candidate(db_session: AsyncSession, viewer: Viewer, candidate_id: int) -> Candidate:
    candidate = await get_visible_candidate(db_session, candidate_id=candidate_id, viewer=viewer)
    if candidate is None:
        raise NotFoundException(detail=gettext("No such candidate."))
    return candidate


def _local(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(PROGRAMME_TIMEZONE)


# --- Forms ---------------------------------------------------------------------------


def _read_time(reader: FormReader, name: str) -> datetime.time | None:
    value = reader.raw(name)
    if not value:
        reader.error(name, gettext("This field is required."))
        return None
    try:
        return datetime.time.fromisoformat(value).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        reader.error(name, gettext("Enter a time as HH:MM, for example 09:30."))
        return None


@dataclasses.dataclass
class ScheduleForm:
    values: dict[str, str]
    errors: dict[str, str]
    data: ScheduleInput


def read_schedule_form(form: Mapping[str, Any], *, with_teacher: bool) -> ScheduleForm:
    """The booking form (with a teacher) or the reschedule form (without)."""
    reader = FormReader(form)
    values = {name: reader.raw(name) for name in ("teacher", "date", "time", "place")}
    teacher = reader.id("teacher", required=True) if with_teacher else None
    # A sensible window: a typo such as 2207 gets a message beside the field.
    today, window = datetime.date.today(), datetime.timedelta(days=INTERVIEW_WINDOW_DAYS)
    date = reader.date("date", required=True, earliest=today - window, latest=today + window)
    time = _read_time(reader, "time")
    place = reader.text("place", max_length=services.MAX_PLACE)
    return ScheduleForm(
        values=values,
        errors=dict(reader.errors),
        data=ScheduleInput(date=date, time=time, place=place, teacher_id=teacher),
    )


def schedule_values(view: InterviewView) -> dict[str, str]:
    local = _local(view.interview.scheduled_at)
    return {
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "place": view.interview.place,
    }


@dataclasses.dataclass
class RecordForm:
    """The record form: one row per competence, then interpreter and notes."""

    rows: list[dict[str, str]]
    values: dict[str, str]
    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    action: str = "save"
    data: RecordInput | None = None

    def add_service_errors(self, errors: Mapping[str, str]) -> None:
        """``results.<i>.<part>`` becomes the field ``<part>-<i>`` (rows keep their index)."""
        for key, message in errors.items():
            parts = key.split(".")
            name = f"{parts[2]}-{parts[1]}" if len(parts) == 3 else key
            self.errors.setdefault(name, message)


def read_record_form(form: Mapping[str, Any]) -> RecordForm:
    """Read every row (blank rows too, so that row ``i`` is result ``i`` for the service)."""
    reader = FormReader(form)
    count = max(0, min(parse_integer(reader.raw("result_rows")) or 0, MAX_ROWS))
    rows: list[dict[str, str]] = []
    results: list[ResultInput] = []
    for row in range(count):
        competence = reader.text(f"competence-{row}", max_length=200)
        level_raw = reader.raw(f"level-{row}")
        # One choice per competence: a level or "not demonstrated" (the form's one list),
        # so the two cannot contradict each other; the older checkbox is still read.
        chose_not_demonstrated = level_raw == NOT_DEMONSTRATED
        level = (
            None if chose_not_demonstrated else reader.integer(f"level-{row}", minimum=1, maximum=5)
        )
        not_demonstrated = chose_not_demonstrated or reader.checkbox(f"not_demonstrated-{row}")
        note = reader.text(f"note-{row}", max_length=services.MAX_NOTE)
        if level is not None and not_demonstrated:
            reader.error(f"level-{row}", gettext("Choose a level or “not demonstrated”, not both."))
        rows.append(
            {
                "competence": competence,
                "fixed": "1" if reader.raw(f"fixed-{row}") else "",
                "level": level_raw,
                "not_demonstrated": "on" if not_demonstrated else "",
                "note": note,
            }
        )
        results.append(
            ResultInput(
                competence=competence,
                level=level if level_raw and not chose_not_demonstrated else None,
                not_demonstrated=not_demonstrated,
                note=note,
            )
        )
    interpreter_used = reader.checkbox("interpreter_used")
    language = reader.raw("interpreter_language").lower()
    notes = reader.text("notes", max_length=services.MAX_NOTE)
    return RecordForm(
        rows=rows,
        values={
            "interpreter_used": "on" if interpreter_used else "",
            "interpreter_language": language,
            "notes": notes,
        },
        errors=dict(reader.errors),
        action=reader.raw("action") or "save",
        data=RecordInput(
            results=results,
            interpreter_used=interpreter_used,
            interpreter_language=language,
            notes=notes,
        ),
    )


def _level_choice(result: Any) -> str:
    """The result as the form's list shows it: a level, "not demonstrated" or blank."""
    if result is None:
        return ""
    if result.not_demonstrated:
        return NOT_DEMONSTRATED
    return str(result.verified_level or "")


def _blank_row() -> dict[str, str]:
    return {"competence": "", "fixed": "", "level": "", "not_demonstrated": "", "note": ""}


def record_form_from(view: InterviewView, guide: list[services.GuideItem]) -> RecordForm:
    """The form prefilled: a row per claimed competence, then earlier extra results."""
    existing = {result.competence_id: result for result in view.interview.results}
    rows: list[dict[str, str]] = []
    seen: set[int] = set()

    def row_for(competence_id: int, code: str, *, fixed: bool) -> dict[str, str]:
        result = existing.get(competence_id)
        return {
            "competence": code,
            "fixed": "1" if fixed else "",
            "level": _level_choice(result),
            "not_demonstrated": "on" if result and result.not_demonstrated else "",
            "note": result.note if result else "",
        }

    for item in guide:
        if item.competence_id is None or item.code is None or item.competence_id in seen:
            continue
        seen.add(item.competence_id)
        rows.append(row_for(item.competence_id, item.code, fixed=True))
    for result in view.interview.results:
        if result.competence_id not in seen:
            seen.add(result.competence_id)
            rows.append(row_for(result.competence_id, result.competence.code, fixed=False))
    rows.extend(_blank_row() for _ in range(BLANK_EXTRA_ROWS))
    interview = view.interview
    return RecordForm(
        rows=rows,
        values={
            "interpreter_used": "on" if interview.interpreter_used else "",
            "interpreter_language": interview.interpreter_language,
            "notes": interview.notes,
        },
    )


# --- Page rendering ------------------------------------------------------------------


async def _interview_page(
    db_session: AsyncSession,
    viewer: Viewer,
    view: InterviewView,
    *,
    record_form: RecordForm | None = None,
    schedule_form: ScheduleForm | None = None,
    status_error: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    interview = view.interview
    locale = current_locale.get()
    guide = await services.interview_guide(
        db_session, candidate_id=view.candidate.id, locale=locale
    )
    form = record_form or record_form_from(view, guide)
    labels = {item.code: item.label for item in guide if item.code}
    labels.update(
        {r.competence.code: label_in(r.competence.labels, locale) for r in interview.results}
    )
    for row in form.rows:
        row["label"] = labels.get(row["competence"], row["competence"])
    languages = [(code, gettext(name)) for code, name in INTERPRETER_LANGUAGES]
    chosen = form.values.get("interpreter_language", "")
    if chosen and chosen not in {code for code, _name in languages}:
        languages.append((chosen, chosen))
    return Template(
        template_name="candidates/interview.html",
        status_code=status,
        context={
            "interview": interview,
            "candidate": view.candidate,
            "teacher_name": view.teacher_name,
            "local_time": _local(interview.scheduled_at),
            "completed_at": _local(interview.completed_at) if interview.completed_at else None,
            "status_label": services.status_label(interview.status),
            "guide": guide,
            "results": interview.results,
            "may_record": services.may_record(viewer, interview)
            and interview.status != InterviewStatus.CANCELLED.value,
            "may_reschedule": services.may_reschedule(viewer, interview),
            "form": form,
            "record_errors": form.errors,
            "schedule_values": schedule_form.values if schedule_form else schedule_values(view),
            "schedule_errors": schedule_form.errors if schedule_form else {},
            "status_error": status_error,
            "level_options": [
                *((str(level), str(level)) for level in range(1, 6)),
                (NOT_DEMONSTRATED, gettext("Not demonstrated")),
            ],
            "language_options": languages,
            "acquired_labels": {key: gettext(label) for key, label in ACQUIRED_LABELS.items()},
        },
    )


async def _booking_page(
    db_session: AsyncSession,
    candidate: Candidate,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = HTTP_200_OK,
) -> Template:
    teachers = await services.list_teachers(db_session)
    return Template(
        template_name="candidates/interview_new.html",
        status_code=status,
        context={
            "candidate": candidate,
            "values": values,
            "errors": errors,
            "teacher_options": [(str(t.id), f"{t.name} ({t.email})") for t in teachers],
        },
    )


async def _not_scheduled(
    db_session: AsyncSession, viewer: Viewer, view: InterviewView, message: str
) -> Template:
    """The interview page again, saying why it cannot be moved or cancelled now (409)."""
    return await _interview_page(
        db_session, viewer, view, status_error=message, status=HTTP_409_CONFLICT
    )


def _done(request: Request[Any, Any, Any], interview_id: int, message: str) -> Response[Any]:
    return redirect_with(request, f"/interviews/{interview_id}", message, "success")


class InterviewPages(Controller):
    include_in_schema = False

    @get("/interviews")
    async def index(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        page: FromQuery[str | None] = None,
    ) -> Template:
        """A teacher's own interviews; a counsellor's caseload's; the coordinator's all.
        Every upcoming one; those held a page at a time, latest first; the latest cancelled."""
        summaries = await services.list_interviews_for(db_session, viewer=viewer)
        completed = [s for s in summaries if s.status == InterviewStatus.COMPLETED]
        cancelled = [s for s in summaries if s.status == InterviewStatus.CANCELLED]
        pages = max(1, -(-len(completed) // HELD_PAGE_SIZE))
        # A page past the end shows the last; anything that is not a page number, the first.
        shown = min(max(parse_integer((page or "")[:12]) or 1, 1), pages)
        start = (shown - 1) * HELD_PAGE_SIZE
        return Template(
            template_name="candidates/interviews.html",
            context={
                "upcoming": [s for s in summaries if s.status == InterviewStatus.SCHEDULED],
                "completed": completed[start : start + HELD_PAGE_SIZE],
                "completed_total": len(completed),
                "page": shown,
                "pages": pages,
                "cancelled": cancelled[:CANCELLED_SHOWN],
                "cancelled_total": len(cancelled),
            },
        )

    @get("/interviews/{interview_id:int}")
    async def detail(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        interview_id: FromPath[int],
    ) -> Template:
        """The interview with its guide, and the record form for its teacher."""
        view = await _interview(db_session, viewer, interview_id)
        return await _interview_page(db_session, viewer, view)

    @post("/interviews/{interview_id:int}/record")
    async def record(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        interview_id: FromPath[int],
    ) -> Response[Any]:
        """Save verified levels and mark the interview completed (or show the messages)."""
        view = await _interview(db_session, viewer, interview_id)
        if not services.may_record(viewer, view.interview):
            # The policy lets only teachers and the coordinator here, and another teacher's
            # interview was not found above; kept so that the rule holds on its own.
            raise NotFoundException(detail=gettext("No such interview."))
        form = read_record_form(await request.form())
        assert form.data is not None
        if form.action == "add-row":
            if len(form.rows) < MAX_ROWS:
                form.rows.append(_blank_row())
            form.errors = {}
            return await _interview_page(db_session, viewer, view, record_form=form)
        if not form.errors:
            try:
                await services.record_interview(
                    db_session, interview=view.interview, data=form.data
                )
            except Invalid as invalid:
                form.add_service_errors(invalid.errors)
        if form.errors:
            return await _interview_page(
                db_session, viewer, view, record_form=form, status=HTTP_400_BAD_REQUEST
            )
        return _done(request, interview_id, gettext("The interview was recorded."))

    @post("/interviews/{interview_id:int}/schedule")
    async def reschedule(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        interview_id: FromPath[int],
    ) -> Response[Any]:
        """Move a scheduled interview to another time or place."""
        view = await _interview(db_session, viewer, interview_id)
        if not services.may_reschedule(viewer, view.interview):
            return await _not_scheduled(
                db_session, viewer, view, gettext("Only a scheduled interview can be rescheduled.")
            )
        form = read_schedule_form(await request.form(), with_teacher=False)
        if not form.errors:
            try:
                await services.reschedule_interview(
                    db_session, interview=view.interview, data=form.data
                )
            except Invalid as invalid:
                for key, message in invalid.errors.items():
                    form.errors.setdefault(key, message)
        if form.errors:
            return await _interview_page(
                db_session, viewer, view, schedule_form=form, status=HTTP_400_BAD_REQUEST
            )
        return _done(request, interview_id, gettext("The interview was rescheduled."))

    @post("/interviews/{interview_id:int}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        interview_id: FromPath[int],
    ) -> Response[Any]:
        """Cancel a scheduled interview."""
        view = await _interview(db_session, viewer, interview_id)
        if not services.may_reschedule(viewer, view.interview):
            return await _not_scheduled(
                db_session, viewer, view, gettext("Only a scheduled interview can be cancelled.")
            )
        await services.cancel_interview(db_session, interview=view.interview)
        return _done(request, interview_id, gettext("The interview was cancelled."))

    @get("/candidates/{candidate_id:int}/interviews/new")
    async def new(
        self,
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Template:
        """The booking form: a teacher, a date and time, a place."""
        candidate = await _candidate(db_session, viewer, candidate_id)
        blank = {"teacher": "", "date": "", "time": "", "place": ""}
        return await _booking_page(db_session, candidate, values=blank, errors={})

    @post("/candidates/{candidate_id:int}/interviews")
    async def book(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        viewer: NamedDependency[Viewer],
        candidate_id: FromPath[int],
    ) -> Response[Any]:
        """Book an interview for a candidate the counsellor (or coordinator) sees."""
        candidate = await _candidate(db_session, viewer, candidate_id)
        form = read_schedule_form(await request.form(), with_teacher=True)
        interview = None
        if not form.errors:
            try:
                interview = await services.schedule_interview(
                    db_session, candidate=candidate, data=form.data
                )
            except Invalid as invalid:
                for key, message in invalid.errors.items():
                    form.errors.setdefault(key, message)
        if form.errors or interview is None:
            return await _booking_page(
                db_session,
                candidate,
                values=form.values,
                errors=form.errors,
                status=HTTP_400_BAD_REQUEST,
            )
        return _done(request, interview.id, gettext("The interview was booked."))
