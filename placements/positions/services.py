"""Position rules: who sees which positions, what a valid position is, and every write.

The reads (lists, one position, the form's choices) are in :mod:`placements.positions.queries`.

Pages and the JSON API both go through these functions, so a rule (a level from 1 to 5, a
tutor of the same organisation, at least one required competence) holds for both. Invalid
input raises :class:`Invalid` with a message per field; nothing is written then.

Error keys name the input's parts: ``title``, ``field``, ``start_date``, ``end_date``,
``hours_per_week``, ``places``, ``tutor``, ``competences`` (the list as a whole),
``competences.<i>.competence``, ``competences.<i>.min_level``, ``languages.<i>.language``,
``languages.<i>.level`` (``<i>`` counts from 0 in the input's order).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from accounts.models import User
from competences.models import Framework, FrameworkKind, label_in
from competences.services import load_vocabulary, resolve_all
from employers.models import Organisation, PartnershipStatus
from employers.services import STATUS_LABELS as PARTNERSHIP_LABELS
from kit.i18n import current_locale, gettext
from kit.invalid import Invalid
from kit.languages import CEFR_LEVELS, LANGUAGE_CODE
from kit.roles import Role, Viewer
from placements.models import Position, PositionCompetence, PositionLanguage, PositionStatus

MIN_LEVEL, MAX_LEVEL = 1, 5
MIN_HOURS, MAX_HOURS = 1.0, 60.0
MAX_PLACES = 100

# The details a position, its input, its copy and the API's answer name alike.
DETAILS = (
    "tasks",
    "municipality",
    "region",
    "start_date",
    "end_date",
    "hours_per_week",
    "places",
    "tutor_id",
)
LANGUAGE_DETAILS = ("language", "level", "for_safety")

# Status changes a person may make; "filled" is set by placements (a later issue).
TRANSITIONS: dict[str, frozenset[str]] = {
    PositionStatus.DRAFT.value: frozenset({PositionStatus.OPEN.value}),
    PositionStatus.OPEN.value: frozenset({PositionStatus.CLOSED.value}),
    PositionStatus.CLOSED.value: frozenset({PositionStatus.OPEN.value}),
    PositionStatus.FILLED.value: frozenset(),
}


def may_see(viewer: Viewer, position: Position) -> bool:
    """Staff see every position; an organisation's people see their organisation's."""
    return viewer.is_staff or (
        viewer.organisation_id is not None and position.organisation_id == viewer.organisation_id
    )


def may_edit(viewer: Viewer, position: Position) -> bool:
    """Only the organisation's employer contacts change its positions."""
    return viewer.role == Role.EMPLOYER and position.organisation_id == viewer.organisation_id


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
    """Apply every rule to ``data``; raise :class:`Invalid` with all the messages."""
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
        raise Invalid(errors)
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
        select(User.id).where(
            User.id == user_id,
            User.role == Role.TUTOR,
            User.organisation_id == organisation_id,
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
    """A new draft position of ``organisation_id``; raises :class:`Invalid`."""
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
        status=PositionStatus.DRAFT.value,
        **details_of(position),
        competences=[
            PositionCompetence(
                competence_id=row.competence_id, required=row.required, min_level=row.min_level
            )
            for row in position.competences
        ],
        languages=[
            PositionLanguage(**details_of(row, LANGUAGE_DETAILS)) for row in position.languages
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
        **details_of(position),
        competences=[
            CompetenceRequirementInput(
                competence=row.competence.code, min_level=row.min_level, required=row.required
            )
            for row in position.competences
        ],
        languages=[
            LanguageRequirementInput(**details_of(row, LANGUAGE_DETAILS))
            for row in position.languages
        ],
    )


def details_of(row: Any, names: Sequence[str] = DETAILS) -> dict[str, Any]:
    """The values of ``names`` on ``row`` (a position's :data:`DETAILS` by default), to pass
    on to another shape that names them alike."""
    return {name: getattr(row, name) for name in names}
