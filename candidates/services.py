"""Client records: every rule and write for candidates, their languages and guidance notes.

Pages and the JSON API both go through these functions, so a rule (a CEFR level that exists,
a region from the list, a stage of the pathway) holds for both. Invalid input raises
:class:`Invalid` with a message per field; nothing is written then.

Who may see which candidate is decided in :mod:`candidates.access` alone; the functions here
take a :class:`~candidates.Viewer` and use its clause.

Error keys name the input's parts: ``name``, ``email``, ``phone``, ``municipality``,
``regions``, ``available_from``, ``availability_note``, ``client_type``, ``client_since``,
``counsellor``, ``stage``, ``languages.<i>.language``, ``languages.<i>.level``,
``languages.<i>.assessment`` (``<i>`` counts from 0 in the input's order).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.models import User
from candidates.access import get_visible_candidate, visible_to
from candidates.models import (
    Candidate,
    CandidateAccess,
    CandidateLanguage,
    ClientType,
    GuidanceNote,
    LanguageAssessment,
    Stage,
)
from kit.i18n import N_, gettext
from kit.invalid import Invalid
from kit.languages import CEFR_LEVELS, LANGUAGE_CODE
from kit.regions import REGIONS
from kit.roles import Role, Viewer

STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage)
# "Certified" follows the certificates (certificates/issuing.py): set when one is issued, left
# when the last live one is revoked; nobody moves a candidate into it or out of it by hand.
MANUAL_STAGES: tuple[str, ...] = tuple(stage for stage in STAGES if stage != Stage.CERTIFIED)
STAGE_LABELS: dict[str, str] = {
    Stage.GUIDANCE.value: N_("Guidance"),
    Stage.PORTFOLIO.value: N_("Portfolio"),
    Stage.INTERVIEW.value: N_("Interview"),
    Stage.PLACEMENT.value: N_("On-the-job training"),
    Stage.ASSESSMENT.value: N_("Assessment"),
    Stage.CERTIFIED.value: N_("Certified"),
}
CLIENT_TYPE_LABELS: dict[str, str] = {
    ClientType.LONG_TERM.value: N_("Long-term client"),
    ClientType.SHORT_TERM.value: N_("Short-term client"),
}
ASSESSMENT_LABELS: dict[str, str] = {
    LanguageAssessment.SELF.value: N_("self-assessed"),
    LanguageAssessment.TESTED.value: N_("tested"),
}

NAME_MAX = 200
EMAIL_MAX = 254
PHONE_MAX = 50
MUNICIPALITY_MAX = 100
NOTE_MAX = 5000
CASELOAD_PAGE_SIZE = 50
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,}$")


def stage_label(stage: str) -> str:
    return gettext(STAGE_LABELS.get(stage, stage))


def client_type_label(client_type: str) -> str:
    return gettext(CLIENT_TYPE_LABELS.get(client_type, client_type))


# --- Input ---------------------------------------------------------------------------


@dataclass
class LanguageInput:
    """A language (code such as fi), a CEFR level, and whether it was tested or self-assessed."""

    language: str
    level: str
    assessment: str = LanguageAssessment.SELF.value


@dataclass
class CandidateInput:
    """A candidate record as submitted.

    ``counsellor_id`` None means: for a counsellor, themselves (new) or unchanged (edit); for
    the coordinator, no counsellor yet.
    """

    name: str
    client_since: datetime.date | None
    email: str = ""
    phone: str = ""
    municipality: str = ""
    regions: list[str] = dataclasses.field(default_factory=list)
    available_from: datetime.date | None = None
    availability_note: str = ""
    client_type: str = ClientType.SHORT_TERM.value
    counsellor_id: int | None = None
    stage: str = Stage.GUIDANCE.value
    languages: list[LanguageInput] = dataclasses.field(default_factory=list)


def _length(errors: dict[str, str], key: str, value: str, maximum: int) -> None:
    if len(value) > maximum:
        errors[key] = gettext("Use at most %(max)d characters.") % {"max": maximum}


async def check_candidate(
    session: AsyncSession,
    *,
    viewer: Viewer,
    data: CandidateInput,
    current_counsellor_id: int | None = None,
    current_stage: str | None = None,
    is_new: bool = True,
) -> int | None:
    """Apply every rule to ``data``; return the counsellor id to store.

    Raises :class:`Invalid` with all the messages.
    """
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = gettext("Enter the person's name.")
    _length(errors, "name", data.name.strip(), NAME_MAX)
    email = data.email.strip()
    if email and not EMAIL.match(email):
        errors["email"] = gettext("Enter an e-mail address such as name@example.fi.")
    _length(errors, "email", email, EMAIL_MAX)
    phone = data.phone.strip()
    if phone and not PHONE.match(phone):
        errors["phone"] = gettext("Enter a phone number such as +358 40 123 4567.")
    _length(errors, "phone", phone, PHONE_MAX)
    _length(errors, "municipality", data.municipality.strip(), MUNICIPALITY_MAX)
    _length(errors, "availability_note", data.availability_note.strip(), NOTE_MAX)
    unknown = [region for region in data.regions if region not in REGIONS]
    if unknown:
        errors["regions"] = gettext("“%(region)s” is not a region of Finland in the list.") % {
            "region": unknown[0]
        }
    elif len(set(data.regions)) != len(data.regions):
        errors["regions"] = gettext("Each region can be chosen once.")
    if data.client_type not in CLIENT_TYPE_LABELS:
        errors["client_type"] = gettext("Choose long-term or short-term client.")
    if data.client_since is None:
        errors["client_since"] = gettext("Enter the date the person became a client.")
    if data.stage not in STAGES:
        errors["stage"] = gettext("Choose a stage of the pathway.")
    elif (data.stage == Stage.CERTIFIED) != (current_stage == Stage.CERTIFIED):
        errors["stage"] = _certified_by_hand(current_stage)
    _check_languages(data.languages, errors)
    counsellor_id = await _check_counsellor(
        session,
        viewer=viewer,
        wanted=data.counsellor_id,
        current=current_counsellor_id,
        is_new=is_new,
        errors=errors,
    )
    if errors:
        raise Invalid(errors)
    return counsellor_id


def _check_languages(languages: Sequence[LanguageInput], errors: dict[str, str]) -> None:
    seen: set[str] = set()
    for index, row in enumerate(languages):
        key = f"languages.{index}"
        if not LANGUAGE_CODE.match(row.language):
            errors[f"{key}.language"] = gettext(
                "Enter a language code of two or three letters, such as fi, sv or en."
            )
        elif row.language in seen:
            errors[f"{key}.language"] = gettext("This language is already listed.")
        seen.add(row.language)
        if row.level not in CEFR_LEVELS:
            errors[f"{key}.level"] = gettext("Choose a CEFR level: A1, A2, B1, B2, C1 or C2.")
        if row.assessment not in ASSESSMENT_LABELS:
            errors[f"{key}.assessment"] = gettext("Choose self-assessed or tested.")


async def _check_counsellor(
    session: AsyncSession,
    *,
    viewer: Viewer,
    wanted: int | None,
    current: int | None,
    is_new: bool,
    errors: dict[str, str],
) -> int | None:
    """The coordinator assigns any counsellor; a counsellor keeps (or takes) the candidate."""
    if viewer.role != Role.COORDINATOR:
        keep = viewer.user_id if is_new else current
        if wanted is not None and wanted != keep:
            errors["counsellor"] = gettext("Only the coordinator can assign another counsellor.")
        return keep
    if wanted is None:
        return None
    if wanted not in {choice.id for choice in await list_counsellors(session)}:
        errors["counsellor"] = gettext("Choose one of the counsellors in the list.")
    return wanted


# --- Writes --------------------------------------------------------------------------


def _apply(candidate: Candidate, data: CandidateInput, counsellor_id: int | None) -> None:
    candidate.name = data.name.strip()
    candidate.email = data.email.strip()
    candidate.phone = data.phone.strip()
    candidate.municipality = data.municipality.strip()
    # In the list's order, so that the record reads the same however it was entered.
    candidate.regions = [region for region in REGIONS if region in set(data.regions)]
    candidate.available_from = data.available_from
    candidate.availability_note = data.availability_note.strip()
    candidate.client_type = data.client_type
    assert data.client_since is not None  # checked
    candidate.client_since = data.client_since
    candidate.counsellor_id = counsellor_id
    candidate.stage = data.stage
    # Update rows in place by language: deleting and re-adding one language in one flush
    # would break the unique constraint.
    existing = {row.language: row for row in candidate.languages}
    rows: list[CandidateLanguage] = []
    for language in data.languages:
        row = existing.get(language.language) or CandidateLanguage(language=language.language)
        row.level = language.level
        row.assessment = language.assessment
        rows.append(row)
    candidate.languages[:] = rows


async def create_candidate(
    session: AsyncSession, *, viewer: Viewer, data: CandidateInput
) -> Candidate:
    """A new candidate in the viewer's caseload (or the coordinator's chosen counsellor's)."""
    counsellor_id = await check_candidate(session, viewer=viewer, data=data, is_new=True)
    candidate = Candidate(languages=[], claims=[])
    _apply(candidate, data, counsellor_id)
    session.add(candidate)
    await session.flush()
    return candidate


async def update_candidate(
    session: AsyncSession, *, viewer: Viewer, candidate: Candidate, data: CandidateInput
) -> Candidate:
    """Replace the record's details and languages (``candidate`` from :func:`get_candidate`)."""
    counsellor_id = await check_candidate(
        session,
        viewer=viewer,
        data=data,
        current_counsellor_id=candidate.counsellor_id,
        current_stage=candidate.stage,
        is_new=False,
    )
    _apply(candidate, data, counsellor_id)
    await session.flush()
    return candidate


def _certified_by_hand(current_stage: str | None) -> str:
    if current_stage == Stage.CERTIFIED:
        return gettext(
            "The candidate holds a certificate, so the stage stays “Certified” until the"
            " certificate is revoked."
        )
    return gettext("A candidate becomes “Certified” when a certificate is issued.")


async def change_stage(session: AsyncSession, *, candidate: Candidate, stage: str) -> Candidate:
    """Move the candidate to ``stage`` (forward or back: a counsellor corrects mistakes).

    Not into or out of "certified", which follows the certificates.
    """
    if stage not in STAGES:
        raise Invalid({"stage": gettext("Choose a stage of the pathway.")})
    if (stage == Stage.CERTIFIED) != (candidate.stage == Stage.CERTIFIED):
        raise Invalid({"stage": _certified_by_hand(candidate.stage)})
    candidate.stage = stage
    await session.flush()
    return candidate


async def add_guidance_note(
    session: AsyncSession,
    *,
    candidate: Candidate,
    author_id: int,
    noted_on: datetime.date | None,
    text: str,
    shared: bool = False,
) -> GuidanceNote:
    """A dated guidance note; raises :class:`Invalid` (keys ``noted_on``, ``text``)."""
    errors: dict[str, str] = {}
    if noted_on is None:
        errors["noted_on"] = gettext("Enter the date of the meeting or call.")
    if not text.strip():
        errors["text"] = gettext("Write the note.")
    _length(errors, "text", text.strip(), NOTE_MAX)
    if errors:
        raise Invalid(errors)
    assert noted_on is not None
    note = GuidanceNote(
        candidate_id=candidate.id,
        author_id=author_id,
        noted_on=noted_on,
        text=text.strip(),
        shared=shared,
    )
    session.add(note)
    await session.flush()
    return note


def input_from(candidate: Candidate) -> CandidateInput:
    """The input that would recreate ``candidate`` (loaded by :func:`get_candidate`)."""
    return msgspec.convert(candidate, CandidateInput, from_attributes=True)


# --- Reads ---------------------------------------------------------------------------


async def get_candidate(
    session: AsyncSession, *, candidate_id: int, viewer: Viewer, reload: bool = False
) -> Candidate | None:
    """The candidate with its languages, or None when it does not exist for ``viewer``."""
    candidate = await get_visible_candidate(
        session,
        candidate_id=candidate_id,
        viewer=viewer,
        options=(selectinload(Candidate.languages),),
    )
    if candidate is not None and reload:
        # After a write in the same session: server-set columns and new language rows.
        await session.refresh(candidate)
        await session.refresh(candidate, attribute_names=["languages"])
    return candidate


@dataclass(frozen=True)
class LanguageLine:
    """One of the candidate's languages as the candidate page shows it."""

    language: str
    level: str
    assessment: str


@dataclass(frozen=True)
class CandidateRecord:
    """The candidate's record as the candidate page shows it: its columns, its languages
    (by language code) and the counsellor's name, read as plain rows."""

    id: int
    name: str
    email: str
    phone: str
    municipality: str
    regions: list[str]
    available_from: datetime.date | None
    availability_note: str
    client_type: str
    client_since: datetime.date
    counsellor_id: int | None
    stage: str
    counsellor_name: str | None
    languages: list[LanguageLine]
    # When the record was erased at the person's request (docs/privacy.md), or None.
    erased_at: datetime.datetime | None = None


_RECORD_COLUMNS = (
    Candidate.id,
    Candidate.name,
    Candidate.email,
    Candidate.phone,
    Candidate.municipality,
    Candidate.regions,
    Candidate.available_from,
    Candidate.availability_note,
    Candidate.client_type,
    Candidate.client_since,
    Candidate.counsellor_id,
    Candidate.stage,
    Candidate.erased_at,
    User.name,
    CandidateLanguage.language,
    CandidateLanguage.level,
    CandidateLanguage.assessment,
)


async def candidate_record(
    session: AsyncSession, *, candidate_id: int, viewer: Viewer
) -> CandidateRecord | None:
    """What :func:`get_candidate` and the counsellor's name give the candidate page, in one
    query (a row per language), or None when the candidate does not exist for ``viewer``."""
    rows = (
        await session.execute(
            select(*_RECORD_COLUMNS)
            .outerjoin(User, User.id == Candidate.counsellor_id)
            .outerjoin(CandidateLanguage, CandidateLanguage.candidate_id == Candidate.id)
            .where(Candidate.id == candidate_id, visible_to(viewer))
            .order_by(CandidateLanguage.language)
        )
    ).all()
    if not rows:
        return None
    (
        id_,
        name,
        email,
        phone,
        municipality,
        regions,
        available_from,
        availability_note,
        client_type,
        client_since,
        counsellor_id,
        stage,
        erased_at,
        counsellor_name,
    ) = rows[0][:14]
    return CandidateRecord(
        id=id_,
        name=name,
        email=email,
        phone=phone,
        municipality=municipality,
        regions=regions,
        available_from=available_from,
        availability_note=availability_note,
        client_type=client_type,
        client_since=client_since,
        counsellor_id=counsellor_id,
        stage=stage,
        erased_at=erased_at,
        counsellor_name=counsellor_name,
        languages=[
            LanguageLine(language=row[14], level=row[15], assessment=row[16])
            for row in rows
            if row[14] is not None
        ],
    )


@dataclass(frozen=True)
class CaseloadFilters:
    search: str = ""
    stage: str | None = None
    client_type: str | None = None


@dataclass(frozen=True)
class CaseloadRow:
    candidate: Candidate
    counsellor_name: str | None


@dataclass(frozen=True)
class CaseloadLine:
    """A candidate as the caseload page lists it: a few columns, not the whole record."""

    id: int
    name: str
    stage: str
    client_type: str
    client_since: datetime.date
    municipality: str
    counsellor_name: str | None


RowT = TypeVar("RowT", CaseloadRow, CaseloadLine)


@dataclass(frozen=True)
class Caseload(Generic[RowT]):
    """The candidates a viewer may see, filtered, with counts per stage (search and client
    type applied, the stage filter not, so the counts show the whole pathway)."""

    rows: list[RowT]
    stage_counts: dict[str, int]
    matching: int = 0  # rows that match every filter, on all pages
    page: int = 1
    pages: int = 1

    @property
    def total(self) -> int:
        return sum(self.stage_counts.values())


# The caseload page's columns; the record's other columns (regions, notes) are not read.
_LINE_COLUMNS = (
    Candidate.id,
    Candidate.name,
    Candidate.stage,
    Candidate.client_type,
    Candidate.client_since,
    Candidate.municipality,
)


async def list_caseload(
    session: AsyncSession,
    *,
    viewer: Viewer,
    filters: CaseloadFilters | None = None,
    with_languages: bool = False,
    page: int | None = None,
    page_size: int = CASELOAD_PAGE_SIZE,
) -> Caseload[CaseloadRow]:
    """Candidates ``viewer`` may see, by name, in two queries (three with languages).

    With ``page`` (from 1), only that page of ``page_size`` rows; a page past the end gives
    the last page. Without it, every row (the API lists them all).
    """
    conditions, counts, matching = await _caseload_counts(session, viewer, filters)
    statement = (
        select(Candidate, User.name)
        .outerjoin(User, User.id == Candidate.counsellor_id)
        .where(*conditions)
        .order_by(Candidate.name, Candidate.id)
    )
    page, pages, statement = _page_of(statement, matching, page, page_size)
    if with_languages:
        statement = statement.options(selectinload(Candidate.languages))
    rows = (await session.execute(statement)).all()
    return Caseload(
        rows=[CaseloadRow(candidate=row[0], counsellor_name=row[1]) for row in rows],
        stage_counts=counts,
        matching=matching,
        page=page,
        pages=pages,
    )


async def caseload_page(
    session: AsyncSession,
    *,
    viewer: Viewer,
    filters: CaseloadFilters | None = None,
    page: int = 1,
    page_size: int = CASELOAD_PAGE_SIZE,
) -> Caseload[CaseloadLine]:
    """One page of :func:`list_caseload` as the caseload page shows it, in two queries: the
    columns it lists, read as plain rows rather than as whole records."""
    conditions, counts, matching = await _caseload_counts(session, viewer, filters)
    statement = (
        select(*_LINE_COLUMNS, User.name)
        .outerjoin(User, User.id == Candidate.counsellor_id)
        .where(*conditions)
        .order_by(Candidate.name, Candidate.id)
    )
    page, pages, statement = _page_of(statement, matching, page, page_size)
    rows = (await session.execute(statement)).all()
    return Caseload(
        rows=[CaseloadLine(*row) for row in rows],
        stage_counts=counts,
        matching=matching,
        page=page,
        pages=pages,
    )


async def _caseload_counts(
    session: AsyncSession, viewer: Viewer, filters: CaseloadFilters | None
) -> tuple[list[ColumnElement[bool]], dict[str, int], int]:
    """The caseload's conditions (every filter), its counts per stage, and how many rows
    match every filter."""
    filters = filters or CaseloadFilters()
    conditions = [visible_to(viewer)]
    search = filters.search.strip().lower()
    if search:
        conditions.append(func.lower(Candidate.name).contains(search, autoescape=True))
    if filters.client_type:
        conditions.append(Candidate.client_type == filters.client_type)
    counts_statement = (
        select(Candidate.stage, func.count(Candidate.id))
        .where(*conditions)
        .group_by(Candidate.stage)
    )
    counts = {stage: 0 for stage in STAGES}
    for stage, count in (await session.execute(counts_statement)).all():
        counts[str(stage)] = int(count)
    if filters.stage:
        conditions.append(Candidate.stage == filters.stage)
    # The counts already say how many rows match, so paging costs no extra query.
    matching = counts.get(filters.stage, 0) if filters.stage else sum(counts.values())
    return conditions, counts, matching


SelectT = TypeVar("SelectT", bound=Select[Any])


def _page_of(
    statement: SelectT, matching: int, page: int | None, page_size: int
) -> tuple[int, int, SelectT]:
    """The page shown (a page past the end gives the last), the number of pages, and the
    statement limited to that page; every row on one page when ``page`` is None."""
    if page is None:
        return 1, 1, statement
    pages = max(1, -(-matching // page_size))
    page = min(max(page, 1), pages)
    return page, pages, statement.offset((page - 1) * page_size).limit(page_size)


@dataclass(frozen=True)
class CounsellorChoice:
    id: int
    name: str
    email: str


# The candidate page's fixed statements, built once (their cache keys too), not per request.
_COUNSELLORS = (
    select(User.id, User.name, User.email)
    .where(User.role == Role.COUNSELLOR, User.is_active.is_(True))
    .order_by(User.name, User.id)
)


async def list_counsellors(session: AsyncSession) -> list[CounsellorChoice]:
    """Active counsellors, for the coordinator's counsellor field."""
    rows = await session.execute(_COUNSELLORS)
    return [CounsellorChoice(id=row[0], name=row[1], email=row[2]) for row in rows.all()]


async def user_names(session: AsyncSession, *, user_ids: set[int]) -> dict[int, str]:
    """Names of the given users (counsellors, note authors, who recorded consent)."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {int(row[0]): str(row[1]) for row in rows.all()}


@dataclass(frozen=True)
class NoteRow:
    """A guidance note as the candidate page shows it."""

    id: int
    noted_on: datetime.date
    text: str
    author_name: str | None
    shared: bool


_NOTES = (
    select(
        GuidanceNote.id, GuidanceNote.noted_on, GuidanceNote.text, User.name, GuidanceNote.shared
    )
    .outerjoin(User, User.id == GuidanceNote.author_id)
    .where(GuidanceNote.candidate_id == bindparam("candidate_id"))
    .order_by(GuidanceNote.noted_on.desc(), GuidanceNote.id.desc())
)


async def list_guidance_notes(session: AsyncSession, *, candidate_id: int) -> list[NoteRow]:
    """The candidate's guidance notes, newest first, with their authors' names."""
    rows = await session.execute(_NOTES, {"candidate_id": candidate_id})
    return [NoteRow(*row) for row in rows.all()]


_ACCESS = (
    select(User.id, User.name, User.email)
    .join(CandidateAccess, CandidateAccess.user_id == User.id)
    .where(CandidateAccess.candidate_id == bindparam("candidate_id"))
    .order_by(User.name, User.id)
)


async def list_access(session: AsyncSession, *, candidate_id: int) -> list[CounsellorChoice]:
    """Counsellors other than the candidate's own to whom the coordinator opened the record."""
    rows = await session.execute(_ACCESS, {"candidate_id": candidate_id})
    return [CounsellorChoice(id=row[0], name=row[1], email=row[2]) for row in rows.all()]


async def open_to_counsellor(
    session: AsyncSession, *, candidate: Candidate, counsellor_id: int | None
) -> None:
    """Let another counsellor see and keep this candidate's record (the coordinator's call)."""
    counsellors = {choice.id for choice in await list_counsellors(session)}
    if counsellor_id is None or counsellor_id not in counsellors:
        raise Invalid({"access": gettext("Choose a counsellor.")})
    if counsellor_id == candidate.counsellor_id:
        raise Invalid(
            {"access": gettext("This counsellor already has the candidate in their caseload.")}
        )
    already = await session.execute(
        select(CandidateAccess.id).where(
            CandidateAccess.candidate_id == candidate.id,
            CandidateAccess.user_id == counsellor_id,
        )
    )
    if already.first() is not None:
        raise Invalid({"access": gettext("This counsellor already has access.")})
    session.add(CandidateAccess(candidate_id=candidate.id, user_id=counsellor_id))
    await session.flush()


async def close_to_counsellor(
    session: AsyncSession, *, candidate: Candidate, counsellor_id: int | None
) -> None:
    """End the access :func:`open_to_counsellor` gave."""
    grant = (
        await session.execute(
            select(CandidateAccess).where(
                CandidateAccess.candidate_id == candidate.id,
                CandidateAccess.user_id == counsellor_id,
            )
        )
    ).scalar_one_or_none()
    if grant is None:
        raise Invalid({"access": gettext("This counsellor has no access to remove.")})
    await session.delete(grant)
    await session.flush()
