"""Teacher interviews: scheduling, the interview guide, verified levels.

Who may do what (object-level rules; the route-policy table lets the roles through):

- An interview is seen by its teacher, by the coordinator and by counsellors who see its
  candidate (:func:`candidates.access.visible_to`). Anyone else gets None (404).
- Counsellors and the coordinator book interviews for candidates they see.
- The teacher, the counsellor and the coordinator may reschedule or cancel a scheduled one.
- Only the interview's teacher and the coordinator record results.

Times are entered and shown in the programme's time zone (Eastern Finland) and stored in UTC.
Invalid input raises :class:`~kit.invalid.Invalid` with a message per field; nothing is
written. Its keys: ``teacher``, ``date``, ``time``, ``place``, ``status``,
``interpreter_language``, ``notes``, ``results.<i>.competence``, ``results.<i>.level``,
``results.<i>.note``.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.models import User
from candidates.access import visible_to
from candidates.models import (
    Candidate,
    Claim,
    Interview,
    InterviewStatus,
    VerifiedCompetence,
)
from competences.models import GRADES_WITH_CRITERIA, Competence, label_in
from competences.services import load_vocabulary, resolve_all
from kit.clock import PROGRAMME_TIMEZONE
from kit.i18n import N_, current_locale, gettext
from kit.invalid import Invalid
from kit.languages import LANGUAGE_CODE
from kit.roles import Role, Viewer

MIN_LEVEL, MAX_LEVEL = 1, 5
MAX_PLACE = 200
MAX_NOTE = 5000

STATUS_LABELS = {
    InterviewStatus.SCHEDULED.value: N_("scheduled"),
    InterviewStatus.COMPLETED.value: N_("completed"),
    InterviewStatus.CANCELLED.value: N_("cancelled"),
}

# Suggested questions for a claim mapped to a learning outcome ("the candidate is able to …");
# %(outcome)s is the outcome's label in the request's language.
MAPPED_QUESTIONS = (
    N_("Tell me about a time you had to %(outcome)s."),
    N_("Show or explain step by step how you would %(outcome)s on your own."),
    N_("What can go wrong when you %(outcome)s, and what would you do then?"),
)
# For a claim kept as free text; %(text)s is the candidate's own words.
FREE_TEXT_QUESTIONS = (
    N_("Tell me about your experience: “%(text)s”. Where and for how long did you do this?"),
    N_("What did you do yourself, and which tools or equipment did you use?"),
)
CLOSING_QUESTION = N_("Where and for how long did you do this, and who did you work with?")


def status_label(status: str) -> str:
    return gettext(STATUS_LABELS.get(status, status))


# --- Reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherOption:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class InterviewSummary:
    """One interview as lists show it."""

    id: int
    candidate_id: int
    candidate_name: str
    teacher_id: int
    teacher_name: str
    status: str
    scheduled_at: datetime.datetime
    place: str
    interpreter_used: bool
    interpreter_language: str
    completed_at: datetime.datetime | None
    result_count: int

    @property
    def local_time(self) -> datetime.datetime:
        return self.scheduled_at.astimezone(PROGRAMME_TIMEZONE)

    @property
    def status_label(self) -> str:
        return status_label(self.status)


async def list_teachers(session: AsyncSession) -> list[TeacherOption]:
    """Active professional teachers, by name."""
    rows = await session.execute(
        select(User.id, User.name, User.email)
        .where(User.role == Role.TEACHER, User.is_active.is_(True))
        .order_by(User.name, User.id)
    )
    return [TeacherOption(id=row[0], name=row[1], email=row[2]) for row in rows]


async def _is_teacher(session: AsyncSession, user_id: int) -> bool:
    found = await session.execute(
        select(User.id).where(
            User.id == user_id,
            User.role == Role.TEACHER,
            User.is_active.is_(True),
        )
    )
    return found.first() is not None


def _summaries_statement() -> Select[tuple[Interview, str, str, int]]:
    counts = (
        select(VerifiedCompetence.interview_id, func.count().label("results"))
        .group_by(VerifiedCompetence.interview_id)
        .subquery()
    )
    return (
        select(
            Interview,
            Candidate.name,
            User.name,
            func.coalesce(counts.c.results, 0),
        )
        .join(Candidate, Candidate.id == Interview.candidate_id)
        .join(User, User.id == Interview.teacher_id)
        .outerjoin(counts, counts.c.interview_id == Interview.id)
    )


def _summary(
    interview: Interview, candidate_name: str, teacher_name: str, count: int
) -> InterviewSummary:
    return InterviewSummary(
        id=interview.id,
        candidate_id=interview.candidate_id,
        candidate_name=candidate_name,
        teacher_id=interview.teacher_id,
        teacher_name=teacher_name,
        status=interview.status,
        scheduled_at=interview.scheduled_at,
        place=interview.place,
        interpreter_used=interview.interpreter_used,
        interpreter_language=interview.interpreter_language,
        completed_at=interview.completed_at,
        result_count=int(count),
    )


# One candidate's interviews in the order of :class:`InterviewSummary`'s fields, as plain
# rows; the results are counted for these interviews alone. Built once.
_CANDIDATE_INTERVIEWS = (
    select(
        Interview.id,
        Interview.candidate_id,
        Candidate.name,
        Interview.teacher_id,
        User.name,
        Interview.status,
        Interview.scheduled_at,
        Interview.place,
        Interview.interpreter_used,
        Interview.interpreter_language,
        Interview.completed_at,
        select(func.count())
        .where(VerifiedCompetence.interview_id == Interview.id)
        .correlate(Interview)
        .scalar_subquery(),
    )
    .join(Candidate, Candidate.id == Interview.candidate_id)
    .join(User, User.id == Interview.teacher_id)
    .where(Interview.candidate_id == bindparam("candidate_id"))
    .order_by(Interview.scheduled_at.desc(), Interview.id.desc())
)


async def list_interviews(session: AsyncSession, *, candidate_id: int) -> list[InterviewSummary]:
    """The candidate's interviews, newest first, with teacher's name and result count.

    One query. The caller has already checked that the viewer sees the candidate.
    """
    rows = await session.execute(_CANDIDATE_INTERVIEWS, {"candidate_id": candidate_id})
    return [InterviewSummary(*row) for row in rows.all()]


def _visible_interviews(viewer: Viewer) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Interview` (joined to its candidate) for ``viewer``."""
    if viewer.role == Role.TEACHER:
        return Interview.teacher_id == viewer.user_id
    return visible_to(viewer)


async def list_interviews_for(session: AsyncSession, *, viewer: Viewer) -> list[InterviewSummary]:
    """The interviews ``viewer`` sees: scheduled (soonest first), completed, cancelled.

    A teacher sees their own; the coordinator all; a counsellor those of the candidates they
    see.
    """
    statement = _summaries_statement().where(_visible_interviews(viewer))
    rows = (await session.execute(statement)).all()
    summaries = [_summary(*row) for row in rows]
    order = {
        InterviewStatus.SCHEDULED.value: 0,
        InterviewStatus.COMPLETED.value: 1,
        InterviewStatus.CANCELLED.value: 2,
    }

    def key(summary: InterviewSummary) -> tuple[int, float, int]:
        # Upcoming: soonest first; completed and cancelled: most recent first.
        sign = 1 if summary.status == InterviewStatus.SCHEDULED.value else -1
        return (
            order.get(summary.status, 3),
            sign * summary.scheduled_at.timestamp(),
            sign * summary.id,
        )

    return sorted(summaries, key=key)


@dataclass(frozen=True)
class InterviewView:
    """An interview found for a viewer, with the names its page needs."""

    interview: Interview
    candidate: Candidate
    teacher_name: str


async def get_visible_interview(
    session: AsyncSession, *, interview_id: int, viewer: Viewer
) -> InterviewView | None:
    """The interview if ``viewer`` may see it (with its results), else None (404)."""
    statement = (
        select(Interview, Candidate, User.name)
        .join(Candidate, Candidate.id == Interview.candidate_id)
        .join(User, User.id == Interview.teacher_id)
        .where(Interview.id == interview_id, _visible_interviews(viewer))
        .options(selectinload(Interview.results).selectinload(VerifiedCompetence.competence))
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    return InterviewView(interview=row[0], candidate=row[1], teacher_name=row[2])


def may_record(viewer: Viewer, interview: Interview) -> bool:
    """Only the interview's teacher and the coordinator record results."""
    return viewer.role == Role.COORDINATOR or (
        viewer.role == Role.TEACHER and interview.teacher_id == viewer.user_id
    )


def may_reschedule(viewer: Viewer, interview: Interview) -> bool:
    """The teacher, the coordinator and a counsellor who sees it; only while scheduled.

    Call it only for an interview found with :func:`get_visible_interview`.
    """
    return interview.status == InterviewStatus.SCHEDULED.value and (
        viewer.role in (Role.COORDINATOR, Role.COUNSELLOR) or interview.teacher_id == viewer.user_id
    )


# --- The interview guide -------------------------------------------------------------


@dataclass(frozen=True)
class GuideCriterion:
    grade: int
    text: str


@dataclass(frozen=True)
class GuideItem:
    """One claim with what the framework says about it and questions to ask."""

    claim_id: int
    competence_id: int | None
    code: str | None
    label: str
    free_text: str
    self_level: int
    acquired_how: str
    acquired_where: str
    months: int | None
    criteria: list[GuideCriterion]
    questions: list[str]

    @property
    def mapped(self) -> bool:
        return self.competence_id is not None


def _questions(label: str | None, free_text: str) -> list[str]:
    if label:
        outcome = label.rstrip(". ")
        questions = [gettext(q) % {"outcome": outcome} for q in MAPPED_QUESTIONS]
        questions.append(gettext(CLOSING_QUESTION))
        return questions
    return [gettext(q) % {"text": free_text} for q in FREE_TEXT_QUESTIONS]


async def interview_guide(
    session: AsyncSession, *, candidate_id: int, locale: str
) -> list[GuideItem]:
    """The candidate's claims with criteria texts (grades 1, 3, 5) and suggested questions.

    Texts are in ``locale`` with English as the fallback; claims not mapped to the framework
    are listed with their own words and flagged.
    """
    claims = (
        (
            await session.execute(
                select(Claim)
                .where(Claim.candidate_id == candidate_id, Claim.draft.is_(False))
                .options(selectinload(Claim.competence).selectinload(Competence.criteria))
                .order_by(Claim.id)
            )
        )
        .scalars()
        .all()
    )
    items = []
    for claim in claims:
        competence = claim.competence
        label = label_in(competence.labels, locale) if competence else ""
        criteria = (
            [
                GuideCriterion(grade=c.grade, text=label_in(c.labels, locale))
                for c in competence.criteria
                if c.grade in GRADES_WITH_CRITERIA
            ]
            if competence
            else []
        )
        items.append(
            GuideItem(
                claim_id=claim.id,
                competence_id=claim.competence_id,
                code=competence.code if competence else None,
                label=label,
                free_text=claim.free_text,
                self_level=claim.self_level,
                acquired_how=claim.acquired_how,
                acquired_where=claim.acquired_where,
                months=claim.months,
                criteria=criteria,
                questions=_questions(label or None, claim.free_text),
            )
        )
    return items


# --- Scheduling ----------------------------------------------------------------------


@dataclass
class ScheduleInput:
    """When and where (local time of the programme); ``teacher_id`` only when booking."""

    date: datetime.date | None
    time: datetime.time | None
    place: str = ""
    teacher_id: int | None = None


def _check_schedule(data: ScheduleInput, errors: dict[str, str]) -> datetime.datetime | None:
    if data.date is None:
        errors.setdefault("date", gettext("Enter the date of the interview."))
    if data.time is None:
        errors.setdefault("time", gettext("Enter the time of the interview."))
    if len(data.place) > MAX_PLACE:
        errors.setdefault("place", gettext("Use at most %(max)d characters.") % {"max": MAX_PLACE})
    if data.date is None or data.time is None:
        return None
    local = datetime.datetime.combine(data.date, data.time, tzinfo=PROGRAMME_TIMEZONE)
    return local.astimezone(datetime.UTC)


async def schedule_interview(
    session: AsyncSession, *, candidate: Candidate, data: ScheduleInput
) -> Interview:
    """Book an interview of ``candidate`` with a teacher (the caller checked the candidate)."""
    errors: dict[str, str] = {}
    if data.teacher_id is None:
        errors["teacher"] = gettext("Choose the teacher who interviews the candidate.")
    elif not await _is_teacher(session, data.teacher_id):
        errors["teacher"] = gettext("Choose one of the teachers in the list.")
    when = _check_schedule(data, errors)
    if errors or when is None or data.teacher_id is None:
        raise Invalid(errors)
    interview = Interview(
        candidate_id=candidate.id,
        teacher_id=data.teacher_id,
        scheduled_at=when,
        place=data.place.strip(),
        status=InterviewStatus.SCHEDULED.value,
    )
    session.add(interview)
    await session.flush()
    return interview


async def reschedule_interview(
    session: AsyncSession, *, interview: Interview, data: ScheduleInput
) -> Interview:
    """Move a scheduled interview to another time or place."""
    errors: dict[str, str] = {}
    if interview.status != InterviewStatus.SCHEDULED.value:
        errors["status"] = gettext("Only a scheduled interview can be rescheduled.")
    when = _check_schedule(data, errors)
    if errors or when is None:
        raise Invalid(errors)
    interview.scheduled_at = when
    interview.place = data.place.strip()
    await session.flush()
    return interview


async def cancel_interview(session: AsyncSession, *, interview: Interview) -> Interview:
    """Cancel a scheduled interview (a completed one keeps its results)."""
    if interview.status != InterviewStatus.SCHEDULED.value:
        raise Invalid({"status": gettext("Only a scheduled interview can be cancelled.")})
    interview.status = InterviewStatus.CANCELLED.value
    await session.flush()
    return interview


# --- Recording -----------------------------------------------------------------------


@dataclass
class ResultInput:
    """One competence's result: a code or label, a level 1-5 or "not demonstrated", a note.

    A row with neither a level nor "not demonstrated" is not assessed and leaves no result.
    """

    competence: str
    level: int | None = None
    not_demonstrated: bool = False
    note: str = ""


@dataclass
class RecordInput:
    results: list[ResultInput] = dataclasses.field(default_factory=list)
    interpreter_used: bool = False
    interpreter_language: str = ""
    notes: str = ""


async def record_interview(
    session: AsyncSession,
    *,
    interview: Interview,
    data: RecordInput,
    now: datetime.datetime | None = None,
) -> Interview:
    """Record (or re-record) the results and mark the interview completed.

    ``interview.results`` must be loaded. Results of competences no longer assessed are
    removed; the audit trail keeps every earlier value.
    """
    errors: dict[str, str] = {}
    if interview.status == InterviewStatus.CANCELLED.value:
        errors["status"] = gettext("A cancelled interview cannot be recorded.")
    language = data.interpreter_language.strip().lower()
    if data.interpreter_used and not language:
        errors["interpreter_language"] = gettext("Give the language the interpreter used.")
    elif language and not LANGUAGE_CODE.match(language):
        errors["interpreter_language"] = gettext(
            "Give the language as a two- or three-letter code, for example ar."
        )
    if len(data.notes) > MAX_NOTE:
        errors["notes"] = gettext("Use at most %(max)d characters.") % {"max": MAX_NOTE}
    assessed = await _check_results(session, data.results, errors)
    if errors:
        raise Invalid(errors)

    claims = (
        await session.execute(
            select(Claim.competence_id, func.min(Claim.id))
            .where(Claim.candidate_id == interview.candidate_id, Claim.competence_id.is_not(None))
            .group_by(Claim.competence_id)
        )
    ).all()
    claim_of = {row[0]: row[1] for row in claims}
    existing = {result.competence_id: result for result in interview.results}
    for competence_id, result in assessed.items():
        row = existing.pop(competence_id, None)
        if row is None:
            row = VerifiedCompetence(competence_id=competence_id)
            interview.results.append(row)
        row.claim_id = claim_of.get(competence_id)
        row.verified_level = None if result.not_demonstrated else result.level
        row.not_demonstrated = result.not_demonstrated
        row.note = result.note.strip()
    for row in existing.values():
        # An explicit delete (not only orphan removal) so that the audit trail records it.
        await session.delete(row)
        interview.results.remove(row)

    interview.interpreter_used = data.interpreter_used
    interview.interpreter_language = language if data.interpreter_used else ""
    interview.notes = data.notes.strip()
    interview.status = InterviewStatus.COMPLETED.value
    interview.completed_at = now or datetime.datetime.now(datetime.UTC)
    await session.flush()
    return interview


async def _check_results(
    session: AsyncSession, results: Sequence[ResultInput], errors: dict[str, str]
) -> dict[int, ResultInput]:
    """Resolve each row's competence and check its level; the assessed rows by competence id."""
    vocabulary = await load_vocabulary(session)
    # Fuzzy matching of every row, off the event loop (blank rows resolve to nothing).
    resolutions = await resolve_all(vocabulary, [r.competence.strip() for r in results])
    locale = current_locale.get()
    assessed: dict[int, ResultInput] = {}
    seen: set[int] = set()
    for index, result in enumerate(results):
        key = f"results.{index}"
        text = result.competence.strip()
        has_result = result.level is not None or result.not_demonstrated
        if result.level is not None and not MIN_LEVEL <= result.level <= MAX_LEVEL:
            errors[f"{key}.level"] = gettext("Choose a level from 1 to 5.")
        elif result.level is not None and result.not_demonstrated:
            errors[f"{key}.level"] = gettext("Choose a level or “not demonstrated”, not both.")
        if len(result.note) > MAX_NOTE:
            errors[f"{key}.note"] = gettext("Use at most %(max)d characters.") % {"max": MAX_NOTE}
        if not text:
            if has_result or result.note.strip():
                errors[f"{key}.competence"] = gettext("Enter a competence code or name.")
            continue
        resolution = resolutions[index]
        entry = resolution.competence
        if entry is None:
            suggestion = resolution.suggestion
            if suggestion is not None:
                errors[f"{key}.competence"] = gettext(
                    "No competence is called “%(text)s”. Did you mean %(code)s “%(label)s”?"
                ) % {
                    "text": text,
                    "code": suggestion.code,
                    "label": label_in(suggestion.labels, locale),
                }
            else:
                errors[f"{key}.competence"] = gettext(
                    "No competence in the frameworks matches “%(text)s”."
                ) % {"text": text}
            continue
        if entry.id in seen:
            errors[f"{key}.competence"] = gettext("This competence is already in the list.")
            continue
        seen.add(entry.id)
        if has_result:
            assessed[entry.id] = result
    return assessed
