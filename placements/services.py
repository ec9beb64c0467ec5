"""Position rules: who sees which positions, what a valid position is, and every write.

Pages and the JSON API both go through these functions, so a rule (a level from 1 to 5, a
tutor of the same organisation, at least one required competence) holds for both. Invalid
input raises :class:`PositionInvalid` with a message per field; nothing is written then.

Error keys name the input's parts: ``title``, ``field``, ``start_date``, ``end_date``,
``hours_per_week``, ``places``, ``tutor``, ``competences`` (the list as a whole),
``competences.<i>.competence``, ``competences.<i>.min_level``, ``languages.<i>.language``,
``languages.<i>.level`` (``<i>`` counts from 0 in the input's order).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    case,
    column,
    exists,
    func,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from competences.models import Competence, Framework, FrameworkKind, label_in
from competences.services import load_vocabulary, resolve_all
from employers.models import Organisation, PartnershipStatus, ReadinessProfile
from employers.services import STATUS_LABELS as PARTNERSHIP_LABELS
from kit.i18n import current_locale, gettext
from kit.roles import Viewer
from placements.models import (
    CEFR_LEVELS,
    Position,
    PositionCompetence,
    PositionLanguage,
    PositionStatus,
)

# Roles by name: the role enum lives in portal, which a domain package does not import.
COORDINATOR_ROLE = "coordinator"
COUNSELLOR_ROLE = "counsellor"
TEACHER_ROLE = "teacher"
STAFF_ROLES = frozenset({COORDINATOR_ROLE, COUNSELLOR_ROLE, TEACHER_ROLE})
EMPLOYER_ROLE = "employer"
TUTOR_ROLE = "tutor"

MIN_LEVEL, MAX_LEVEL = 1, 5
MIN_HOURS, MAX_HOURS = 1.0, 60.0
MAX_PLACES = 100
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")

# Status changes a person may make; "filled" is set by placements (a later issue).
TRANSITIONS: dict[str, frozenset[str]] = {
    PositionStatus.DRAFT.value: frozenset({PositionStatus.OPEN.value}),
    PositionStatus.OPEN.value: frozenset({PositionStatus.CLOSED.value}),
    PositionStatus.CLOSED.value: frozenset({PositionStatus.OPEN.value}),
    PositionStatus.FILLED.value: frozenset(),
}

# The user table, read through a light table clause: users belong to portal (it creates
# them), and placements needs only the tutors' ids and names.
user_account = table(
    "user_account",
    column("id", Integer),
    column("email", String),
    column("name", String),
    column("role", String),
    column("organisation_id", Integer),
    column("is_active", Boolean),
)


def may_see(viewer: Viewer, position: Position) -> bool:
    """Staff see every position; an organisation's people see their organisation's."""
    return viewer.is_staff or (
        viewer.organisation_id is not None and position.organisation_id == viewer.organisation_id
    )


def may_edit(viewer: Viewer, position: Position) -> bool:
    """Only the organisation's employer contacts change its positions."""
    return viewer.role == EMPLOYER_ROLE and position.organisation_id == viewer.organisation_id


class PositionInvalid(Exception):
    """The input breaks a rule; ``errors`` maps each input part to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


class StatusChangeNotAllowed(Exception):
    def __init__(self, current: str, wanted: str, message: str | None = None) -> None:
        super().__init__(
            message
            or gettext("A position cannot go from “%(current)s” to “%(wanted)s”.")
            % {"current": status_label(current), "wanted": status_label(wanted)}
        )
        self.current = current
        self.wanted = wanted


class NotAPartner(StatusChangeNotAllowed):
    """Opening refused: the organisation is not (or no longer) an approved partner."""

    def __init__(self, current: str, organisation_status: str) -> None:
        super().__init__(current, PositionStatus.OPEN.value, not_a_partner_message())
        self.organisation_status = organisation_status


def not_a_partner_message() -> str:
    """Why a position cannot be opened (or take candidates) now, in plain words."""
    return gettext(
        "The programme coordinator must approve your organisation as a partner before its"
        " positions can be opened for candidates. You can prepare positions as drafts"
        " meanwhile."
    )


def partnership_label(status: str) -> str:
    """An organisation's partnership status in the current language."""
    return gettext(PARTNERSHIP_LABELS[status]) if status in PARTNERSHIP_LABELS else status


# --- Open for candidates ---------------------------------------------------------------


def is_partner(organisation: Any = Organisation) -> ColumnElement[bool]:
    """A WHERE clause on ``organisation`` (the model or an alias): an approved partner."""
    clause: ColumnElement[bool] = organisation.status == PartnershipStatus.PARTNER.value
    return clause


def open_for_candidates() -> ColumnElement[bool]:
    """A WHERE clause on :class:`Position`: open, and its organisation an approved partner.

    The one definition of "open" wherever candidates meet positions: the staff's list of open
    positions, the positions suggested for a candidate, the coordinator's assignment proposal
    and the open counts per organisation all use it, so an organisation that has only
    applied, was rejected or became inactive gets no candidates, at once (its positions keep
    their own status, so a reactivated partner finds them as it left them). The steps that
    write (opening, a counsellor's decision, an employer's answer) check the same on the row
    they act on, reading the status with :func:`partnership_status` under a lock.
    """
    partner = aliased(Organisation)
    return (Position.status == PositionStatus.OPEN.value) & exists().where(
        partner.id == Position.organisation_id, is_partner(partner)
    )


async def partnership_status(
    session: AsyncSession, organisation_id: int, *, lock: bool = False
) -> str:
    """The organisation's partnership status now.

    ``lock`` holds a shared lock on the organisation's row (PostgreSQL) until the
    transaction ends, so that a coordinator's decision on the partnership (which locks the
    row for update) waits for a step that checked the status, or the step waits for it and
    then reads the new status. SQLite runs one writer at a time anyway.
    """
    statement = select(Organisation.status).where(Organisation.id == organisation_id)
    if lock:
        statement = statement.with_for_update(read=True)
    return str((await session.execute(statement)).scalar_one())


def status_label(status: str) -> str:
    labels = {
        "draft": gettext("draft"),
        "open": gettext("open"),
        "filled": gettext("filled"),
        "closed": gettext("closed"),
    }
    return labels.get(status, status)


# --- Input ---------------------------------------------------------------------------


@dataclass
class CompetenceRequirementInput:
    """A competence by code or label (free text is resolved), its minimum level and kind."""

    competence: str
    min_level: int | None = 1
    required: bool = True


@dataclass
class LanguageRequirementInput:
    language: str
    level: str
    for_safety: bool = False


@dataclass
class PositionInput:
    """A position as submitted; ``field`` is the code of a qualification framework."""

    title: str
    field: str | None = None
    tasks: str = ""
    municipality: str = ""
    region: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    hours_per_week: float | None = None
    places: int | None = 1
    tutor_id: int | None = None
    competences: list[CompetenceRequirementInput] = dataclasses.field(default_factory=list)
    languages: list[LanguageRequirementInput] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class CheckedPosition:
    """Input that passed every rule, with codes and labels resolved to ids."""

    data: PositionInput
    framework_id: int
    competence_ids: list[int]


async def check_position(
    session: AsyncSession, *, organisation_id: int, data: PositionInput
) -> CheckedPosition:
    """Apply every rule to ``data``; raise :class:`PositionInvalid` with all the messages."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = gettext("Give the position a title.")
    elif len(data.title) > 200:
        errors["title"] = gettext("Use at most %(max)d characters.") % {"max": 200}
    if len(data.tasks) > 5000:
        errors["tasks"] = gettext("Use at most %(max)d characters.") % {"max": 5000}
    for name in ("municipality", "region"):
        if len(getattr(data, name)) > 100:
            errors[name] = gettext("Use at most %(max)d characters.") % {"max": 100}

    framework_id: int | None = None
    if not data.field:
        errors["field"] = gettext("Choose the field or qualification.")
    else:
        framework_id = (
            await session.execute(
                select(Framework.id).where(
                    Framework.code == data.field,
                    Framework.kind == FrameworkKind.QUALIFICATION.value,
                )
            )
        ).scalar_one_or_none()
        if framework_id is None:
            errors["field"] = gettext("Choose one of the qualifications in the list.")

    if data.start_date and data.end_date and data.end_date < data.start_date:
        errors["end_date"] = gettext("The end date cannot be before the start date.")
    if data.hours_per_week is not None and not MIN_HOURS <= data.hours_per_week <= MAX_HOURS:
        errors["hours_per_week"] = gettext("Enter a number from %(min)s to %(max)s.") % {
            "min": f"{MIN_HOURS:g}",
            "max": f"{MAX_HOURS:g}",
        }
    if data.places is None:
        errors["places"] = gettext("Enter the number of places.")
    elif not 1 <= data.places <= MAX_PLACES:
        errors["places"] = gettext("Enter a number from %(min)s to %(max)s.") % {
            "min": 1,
            "max": MAX_PLACES,
        }
    if data.tutor_id is not None and not await _is_tutor_of(
        session, user_id=data.tutor_id, organisation_id=organisation_id
    ):
        errors["tutor"] = gettext("Choose a workplace tutor of your own organisation.")

    competence_ids = await _check_competences(session, data.competences, errors)
    _check_languages(data.languages, errors)
    if errors or framework_id is None:
        raise PositionInvalid(errors)
    return CheckedPosition(data=data, framework_id=framework_id, competence_ids=competence_ids)


async def _check_competences(
    session: AsyncSession,
    requirements: Sequence[CompetenceRequirementInput],
    errors: dict[str, str],
) -> list[int]:
    vocabulary = await load_vocabulary(session)
    texts = [requirement.competence.strip() for requirement in requirements]
    resolutions = await resolve_all(vocabulary, texts)  # fuzzy matching, off the event loop
    locale = current_locale.get()
    ids: list[int] = []
    seen: set[int] = set()
    has_required = False
    for index, requirement in enumerate(requirements):
        key = f"competences.{index}"
        if requirement.min_level is None or not MIN_LEVEL <= requirement.min_level <= MAX_LEVEL:
            errors[f"{key}.min_level"] = gettext("Choose a level from 1 to 5.")
        text = texts[index]
        resolution = resolutions[index]
        entry = resolution.competence
        if not text:
            errors[f"{key}.competence"] = gettext("Enter a competence code or name.")
        elif entry is None and resolution.suggestion is not None:
            suggestion = resolution.suggestion
            errors[f"{key}.competence"] = gettext(
                "No competence is called “%(text)s”. Did you mean %(code)s “%(label)s”?"
            ) % {
                "text": text,
                "code": suggestion.code,
                "label": label_in(suggestion.labels, locale),
            }
        elif entry is None:
            errors[f"{key}.competence"] = gettext(
                "No competence matches “%(text)s”. Check the code or try another word."
            ) % {"text": text}
        elif entry.id in seen:
            errors[f"{key}.competence"] = gettext("This competence is already listed.")
        else:
            seen.add(entry.id)
            ids.append(entry.id)
            has_required = has_required or requirement.required
    if not has_required and not any(key.startswith("competences.") for key in errors):
        errors["competences"] = gettext("Add at least one required competence.")
    return ids


def _check_languages(
    requirements: Sequence[LanguageRequirementInput], errors: dict[str, str]
) -> None:
    seen: set[str] = set()
    for index, requirement in enumerate(requirements):
        key = f"languages.{index}"
        if not LANGUAGE_CODE.match(requirement.language):
            errors[f"{key}.language"] = gettext(
                "Enter a language code of two or three letters, such as fi, sv or en."
            )
        elif requirement.language in seen:
            errors[f"{key}.language"] = gettext("This language is already listed.")
        seen.add(requirement.language)
        if requirement.level not in CEFR_LEVELS:
            errors[f"{key}.level"] = gettext("Choose a CEFR level: A1, A2, B1, B2, C1 or C2.")


async def _is_tutor_of(session: AsyncSession, *, user_id: int, organisation_id: int) -> bool:
    found = await session.execute(
        select(user_account.c.id).where(
            user_account.c.id == user_id,
            user_account.c.role == TUTOR_ROLE,
            user_account.c.organisation_id == organisation_id,
        )
    )
    return found.first() is not None


# --- Writes --------------------------------------------------------------------------


def _apply(position: Position, checked: CheckedPosition) -> None:
    data = checked.data
    position.title = data.title.strip()
    position.framework_id = checked.framework_id
    position.tasks = data.tasks.strip()
    position.municipality = data.municipality.strip()
    position.region = data.region.strip()
    position.start_date = data.start_date
    position.end_date = data.end_date
    position.hours_per_week = data.hours_per_week
    position.places = data.places if data.places is not None else 1
    position.tutor_id = data.tutor_id

    # Update rows in place by competence and by language: deleting and re-adding the same
    # competence in one flush would break the unique constraint.
    existing = {row.competence_id: row for row in position.competences}
    rows: list[PositionCompetence] = []
    for competence_id, requirement in zip(checked.competence_ids, data.competences, strict=True):
        row = existing.get(competence_id) or PositionCompetence(competence_id=competence_id)
        row.min_level = requirement.min_level or MIN_LEVEL
        row.required = requirement.required
        rows.append(row)
    position.competences[:] = rows

    existing_languages = {row.language: row for row in position.languages}
    languages: list[PositionLanguage] = []
    for language in data.languages:
        language_row = existing_languages.get(language.language) or PositionLanguage(
            language=language.language
        )
        language_row.level = language.level
        language_row.for_safety = language.for_safety
        languages.append(language_row)
    position.languages[:] = languages


async def create_position(
    session: AsyncSession, *, organisation_id: int, data: PositionInput
) -> Position:
    """A new draft position of ``organisation_id``; raises :class:`PositionInvalid`."""
    checked = await check_position(session, organisation_id=organisation_id, data=data)
    position = Position(
        organisation_id=organisation_id,
        status=PositionStatus.DRAFT.value,
        competences=[],
        languages=[],
    )
    _apply(position, checked)
    session.add(position)
    await session.flush()
    return position


async def update_position(
    session: AsyncSession, *, position: Position, data: PositionInput
) -> Position:
    """Replace the position's details and requirements (loaded by :func:`get_position`)."""
    checked = await check_position(session, organisation_id=position.organisation_id, data=data)
    _apply(position, checked)
    await session.flush()
    return position


async def change_position_status(
    session: AsyncSession, *, position: Position, status: str
) -> Position:
    """Open, close or reopen; the audit trail records who and when.

    Only an approved partner's position opens (raises :class:`NotAPartner`); closing is
    always possible.
    """
    if status not in TRANSITIONS.get(position.status, frozenset()):
        raise StatusChangeNotAllowed(position.status, status)
    if status == PositionStatus.OPEN.value:
        organisation_status = await partnership_status(session, position.organisation_id, lock=True)
        if organisation_status != PartnershipStatus.PARTNER.value:
            raise NotAPartner(position.status, organisation_status)
    position.status = status
    await session.flush()
    return position


async def copy_position(session: AsyncSession, *, position: Position) -> Position:
    """A new draft "Copy of …" with the same details, competences and languages."""
    title = gettext("Copy of %(title)s") % {"title": position.title}
    copy = Position(
        organisation_id=position.organisation_id,
        title=title[:200],
        framework_id=position.framework_id,
        tasks=position.tasks,
        municipality=position.municipality,
        region=position.region,
        start_date=position.start_date,
        end_date=position.end_date,
        hours_per_week=position.hours_per_week,
        places=position.places,
        tutor_id=position.tutor_id,
        status=PositionStatus.DRAFT.value,
        competences=[
            PositionCompetence(
                competence_id=row.competence_id, required=row.required, min_level=row.min_level
            )
            for row in position.competences
        ],
        languages=[
            PositionLanguage(language=row.language, level=row.level, for_safety=row.for_safety)
            for row in position.languages
        ],
    )
    session.add(copy)
    await session.flush()
    return copy


def input_from(position: Position) -> PositionInput:
    """The input that would recreate ``position`` (loaded by :func:`get_position`)."""
    return PositionInput(
        title=position.title,
        field=position.framework.code if position.framework else None,
        tasks=position.tasks,
        municipality=position.municipality,
        region=position.region,
        start_date=position.start_date,
        end_date=position.end_date,
        hours_per_week=position.hours_per_week,
        places=position.places,
        tutor_id=position.tutor_id,
        competences=[
            CompetenceRequirementInput(
                competence=row.competence.code, min_level=row.min_level, required=row.required
            )
            for row in position.competences
        ],
        languages=[
            LanguageRequirementInput(
                language=row.language, level=row.level, for_safety=row.for_safety
            )
            for row in position.languages
        ],
    )


# --- Reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PositionFilters:
    """Staff filters; ``readiness`` is the organisation's minimum readiness level (0-3)."""

    status: str | None = None
    field: str | None = None
    region: str | None = None
    kind: str | None = None
    readiness: int | None = None
    organisation: int | None = None


@dataclass(frozen=True)
class PositionRow:
    """A position with what lists show about its organisation and field."""

    position: Position
    organisation_name: str
    organisation_kind: str
    organisation_status: str
    readiness_level: int
    field_code: str | None
    field_labels: dict[str, str] | None


def _requirements() -> tuple[Any, ...]:
    return (
        selectinload(Position.competences).selectinload(PositionCompetence.competence),
        selectinload(Position.languages),
        selectinload(Position.framework),
    )


async def list_positions(
    session: AsyncSession,
    *,
    viewer: Viewer,
    filters: PositionFilters | None = None,
    with_requirements: bool = False,
) -> list[PositionRow]:
    """Positions ``viewer`` may see, newest first, in one query (plus two for requirements).

    Staff see every organisation's; employers and tutors only their own organisation's.
    Organisations without a readiness profile count as level 0. The status filter "open"
    means :func:`open_for_candidates`: an organisation that is not an approved partner has
    no open position.
    """
    filters = filters or PositionFilters()
    level = func.coalesce(ReadinessProfile.level, 0)
    statement = (
        select(
            Position,
            Organisation.name,
            Organisation.kind,
            Organisation.status,
            level,
            Framework.code,
        )
        .join(Organisation, Organisation.id == Position.organisation_id)
        .outerjoin(ReadinessProfile, ReadinessProfile.organisation_id == Organisation.id)
        .outerjoin(Framework, Framework.id == Position.framework_id)
        .order_by(Position.id.desc())
    )
    if not viewer.is_staff:
        if viewer.organisation_id is None:
            return []
        statement = statement.where(Position.organisation_id == viewer.organisation_id)
    if filters.status == PositionStatus.OPEN.value:
        statement = statement.where(open_for_candidates())
    elif filters.status:
        statement = statement.where(Position.status == filters.status)
    if filters.field:
        statement = statement.where(Framework.code == filters.field)
    if filters.region:
        statement = statement.where(Position.region == filters.region)
    if filters.kind:
        statement = statement.where(Organisation.kind == filters.kind)
    if filters.readiness is not None:
        statement = statement.where(level >= filters.readiness)
    if filters.organisation is not None:
        statement = statement.where(Position.organisation_id == filters.organisation)
    statement = statement.options(
        *(_requirements() if with_requirements else (selectinload(Position.framework),))
    )
    rows = (await session.execute(statement)).all()
    return [
        PositionRow(
            position=row[0],
            organisation_name=row[1],
            organisation_kind=row[2],
            organisation_status=row[3],
            readiness_level=int(row[4]),
            field_code=row[5],
            field_labels=row[0].framework.labels if row[0].framework else None,
        )
        for row in rows
    ]


async def get_position(
    session: AsyncSession, *, position_id: int, viewer: Viewer, reload: bool = False
) -> Position | None:
    """The position with its requirements, or None when it does not exist for ``viewer``.

    ``reload`` reads it afresh after a write in the same session (new requirement rows do
    not have their competence loaded yet).
    """
    statement = select(Position).where(Position.id == position_id).options(*_requirements())
    if reload:
        statement = statement.execution_options(populate_existing=True)
    position = (await session.execute(statement)).scalar_one_or_none()
    if position is None or not may_see(viewer, position):
        return None
    return position


@dataclass(frozen=True)
class PositionContext:
    """What a position's page shows besides the position itself."""

    organisation: Organisation
    readiness_level: int
    tutor_name: str | None


async def get_position_context(session: AsyncSession, *, position: Position) -> PositionContext:
    organisation, level = (
        await session.execute(
            select(Organisation, func.coalesce(ReadinessProfile.level, 0))
            .outerjoin(ReadinessProfile, ReadinessProfile.organisation_id == Organisation.id)
            .where(Organisation.id == position.organisation_id)
        )
    ).one()
    tutor_name = None
    if position.tutor_id is not None:
        tutor_name = (
            await session.execute(
                select(user_account.c.name).where(user_account.c.id == position.tutor_id)
            )
        ).scalar_one_or_none()
    return PositionContext(
        organisation=organisation, readiness_level=int(level), tutor_name=tutor_name
    )


@dataclass(frozen=True)
class TutorChoice:
    id: int
    name: str
    email: str


async def list_tutors(session: AsyncSession, *, organisation_id: int) -> list[TutorChoice]:
    """The organisation's workplace tutors, for the tutor field."""
    rows = await session.execute(
        select(user_account.c.id, user_account.c.name, user_account.c.email)
        .where(
            user_account.c.organisation_id == organisation_id,
            user_account.c.role == TUTOR_ROLE,
        )
        .order_by(user_account.c.name, user_account.c.id)
    )
    return [TutorChoice(id=row[0], name=row[1], email=row[2]) for row in rows.all()]


async def list_qualifications(session: AsyncSession) -> list[Framework]:
    """Frameworks a position's field can be: qualifications, by code."""
    return list(
        (
            await session.execute(
                select(Framework)
                .where(Framework.kind == FrameworkKind.QUALIFICATION.value)
                .order_by(Framework.code)
            )
        )
        .scalars()
        .all()
    )


async def list_regions(session: AsyncSession) -> list[str]:
    """Regions where some position is, for the staff filter."""
    rows = await session.execute(
        select(Position.region).where(Position.region != "").distinct().order_by(Position.region)
    )
    return [str(region) for region in rows.scalars()]


def competence_label(competence: Competence) -> str:
    return label_in(competence.labels, current_locale.get())


@dataclass(frozen=True)
class PositionCounts:
    """How many positions an organisation has open for candidates, and in all."""

    open: int
    total: int


async def count_positions_by_organisation(session: AsyncSession) -> dict[int, PositionCounts]:
    """Open (for candidates) and total positions per organisation, in one grouped query."""
    is_open = case((open_for_candidates(), 1), else_=0)
    statement = select(
        Position.organisation_id, func.sum(is_open), func.count(Position.id)
    ).group_by(Position.organisation_id)
    return {
        organisation_id: PositionCounts(open=int(open_count or 0), total=int(total))
        for organisation_id, open_count, total in (await session.execute(statement)).all()
    }
