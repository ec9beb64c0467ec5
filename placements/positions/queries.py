"""Reading positions: the lists, one position with what its page shows, and the choices of
the position form (qualifications, tutors, regions).

A viewer's reads apply :func:`placements.positions.services.may_see`: staff see every
organisation's positions, employers and tutors their own organisation's. The rules and the
writes are in :mod:`placements.positions.services`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from accounts.models import User
from competences.models import Competence, Framework, FrameworkKind, label_in
from employers.models import Organisation, ReadinessProfile
from kit.i18n import current_locale
from kit.roles import Role, Viewer
from placements.models import Position, PositionCompetence, PositionStatus
from placements.positions.services import may_see, open_for_candidates


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


def _filtered(statement: Select[Any], viewer: Viewer, filters: PositionFilters) -> Select[Any]:
    """``statement`` (positions joined to their organisation, its readiness profile and the
    field) kept to what ``viewer`` may see and ``filters`` ask for."""
    if not viewer.is_staff:
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
        statement = statement.where(_readiness_level >= filters.readiness)
    if filters.organisation is not None:
        statement = statement.where(Position.organisation_id == filters.organisation)
    return statement


# Organisations without a readiness profile count as level 0.
_readiness_level = func.coalesce(ReadinessProfile.level, 0)


def _joined(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .outerjoin(ReadinessProfile, ReadinessProfile.organisation_id == Organisation.id)
        .outerjoin(Framework, Framework.id == Position.framework_id)
        .order_by(Position.id.desc())
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
    if not viewer.is_staff and viewer.organisation_id is None:
        return []
    statement = _filtered(
        _joined(
            Position,
            Organisation.name,
            Organisation.kind,
            Organisation.status,
            _readiness_level,
            Framework.code,
        ),
        viewer,
        filters or PositionFilters(),
    ).options(*(_requirements() if with_requirements else (selectinload(Position.framework),)))
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


@dataclass(frozen=True)
class PositionLine:
    """A position as the positions page lists it: a few columns, not the whole record."""

    id: int
    title: str
    status: str
    municipality: str
    region: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    places: int
    organisation_name: str
    organisation_kind: str
    organisation_status: str
    readiness_level: int
    field_labels: dict[str, str] | None


_LINE_COLUMNS = (
    Position.id,
    Position.title,
    Position.status,
    Position.municipality,
    Position.region,
    Position.start_date,
    Position.end_date,
    Position.places,
    Organisation.name,
    Organisation.kind,
    Organisation.status,
    _readiness_level,
    Framework.labels,
)


async def position_lines(
    session: AsyncSession, *, viewer: Viewer, filters: PositionFilters | None = None
) -> list[PositionLine]:
    """:func:`list_positions` as the positions page shows it: the same positions in the same
    order, the columns it lists read as plain rows (one query)."""
    if not viewer.is_staff and viewer.organisation_id is None:
        return []
    statement = _filtered(_joined(*_LINE_COLUMNS), viewer, filters or PositionFilters())
    return [
        PositionLine(
            id=row[0],
            title=row[1],
            status=row[2],
            municipality=row[3],
            region=row[4],
            start_date=row[5],
            end_date=row[6],
            places=row[7],
            organisation_name=row[8],
            organisation_kind=row[9],
            organisation_status=row[10],
            readiness_level=int(row[11]),
            field_labels=row[12],
        )
        for row in (await session.execute(statement)).all()
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
            await session.execute(select(User.name).where(User.id == position.tutor_id))
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
        select(User.id, User.name, User.email)
        .where(
            User.organisation_id == organisation_id,
            User.role == Role.TUTOR,
        )
        .order_by(User.name, User.id)
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


@dataclass(frozen=True)
class QualificationChoice:
    code: str
    labels: dict[str, str]


_QUALIFICATION_CHOICES = (
    select(Framework.code, Framework.labels)
    .where(Framework.kind == FrameworkKind.QUALIFICATION.value)
    .order_by(Framework.code)
)


async def qualification_choices(session: AsyncSession) -> list[QualificationChoice]:
    """:func:`list_qualifications`' codes and labels, as plain rows, for the field filter."""
    rows = await session.execute(_QUALIFICATION_CHOICES)
    return [QualificationChoice(*row) for row in rows.all()]


_REGIONS = select(Position.region).where(Position.region != "").distinct().order_by(Position.region)


async def list_regions(session: AsyncSession) -> list[str]:
    """Regions where some position is, for the staff filter."""
    rows = await session.execute(_REGIONS)
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
