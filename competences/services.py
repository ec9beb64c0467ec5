"""Framework rules: importing (all or nothing), browsing and searching."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from competences.importers import CompetenceData, FrameworkData, FrameworkFileError
from competences.models import AssessmentCriterion, Competence, Framework, Unit

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    framework_code: str
    created: bool
    units: int
    competences: int
    removed: int


def search_text_for(code: str, labels: dict[str, str], alt_labels: dict[str, list[str]]) -> str:
    parts = [code, *labels.values()]
    for texts in alt_labels.values():
        parts.extend(texts)
    return " | ".join(part.lower() for part in parts)


def _apply_competence(competence: Competence, data: CompetenceData, position: int) -> None:
    competence.labels = data.labels
    competence.alt_labels = data.alt_labels
    competence.description = data.description
    competence.position = position
    competence.search_text = search_text_for(data.code, data.labels, data.alt_labels)
    existing = {criterion.grade: criterion for criterion in competence.criteria}
    for grade, labels in data.criteria.items():
        if grade in existing:
            existing[grade].labels = labels
        else:
            competence.criteria.append(AssessmentCriterion(grade=grade, labels=labels))
    competence.criteria[:] = [c for c in competence.criteria if c.grade in data.criteria]


async def import_framework(
    session: AsyncSession, data: FrameworkData, *, progress: Progress | None = None
) -> ImportResult:
    """Create or replace the framework ``data.code`` in the session's transaction.

    Items keep their identity by code, so references to them stay valid. A competence code
    that already belongs to another framework is an error, and nothing is written.
    """
    codes = [c.code for unit in data.units for c in unit.competences]
    unit_codes = [unit.code for unit in data.units]
    framework = (
        await session.execute(
            select(Framework)
            .where(Framework.code == data.code)
            .options(
                selectinload(Framework.units)
                .selectinload(Unit.competences)
                .selectinload(Competence.criteria)
            )
        )
    ).scalar_one_or_none()
    own_ids = {unit.id for unit in framework.units} if framework is not None else set[int]()
    clash = await _first_foreign_code(
        session, Competence.code, Competence.unit_id, codes, own_ids
    ) or await _first_foreign_code(
        session, Unit.code, Unit.framework_id, unit_codes, {framework.id} if framework else set()
    )
    if clash is not None:
        raise FrameworkFileError(f"code {clash!r} already belongs to another framework")

    created = framework is None
    if framework is None:
        framework = Framework(code=data.code, labels=data.labels, units=[])
        session.add(framework)
    framework.kind = data.kind
    framework.labels = data.labels
    framework.field_labels = data.field_labels
    framework.source = data.source
    framework.attribution = data.attribution

    old_units = {unit.code: unit for unit in framework.units}
    old_competences = {c.code: c for unit in framework.units for c in unit.competences}
    kept_codes = set(codes)
    removed = len([code for code in old_competences if code not in kept_codes])
    total = len(codes)
    done = 0
    new_units: list[Unit] = []
    for u_position, unit_data in enumerate(data.units):
        unit = old_units.get(unit_data.code) or Unit(code=unit_data.code, labels={}, competences=[])
        unit.labels = unit_data.labels
        unit.position = u_position
        competences: list[Competence] = []
        for c_position, competence_data in enumerate(unit_data.competences):
            competence = old_competences.get(competence_data.code) or Competence(
                code=competence_data.code, labels={}, criteria=[]
            )
            _apply_competence(competence, competence_data, c_position)
            competences.append(competence)
            done += 1
            if progress is not None and (done % 500 == 0 or done == total):
                progress(done, total)
        unit.competences[:] = competences
        new_units.append(unit)
    framework.units[:] = new_units
    await session.flush()
    return ImportResult(
        framework_code=data.code,
        created=created,
        units=len(data.units),
        competences=total,
        removed=removed,
    )


async def _first_foreign_code(
    session: AsyncSession,
    code_column: InstrumentedAttribute[str],
    parent_column: InstrumentedAttribute[int],
    codes: Sequence[str],
    own_parent_ids: set[int],
) -> str | None:
    """The first of ``codes`` that exists under a parent other than ``own_parent_ids``."""
    chunk = 500  # stay under the bound-parameter limits of SQLite and PostgreSQL
    for start in range(0, len(codes), chunk):
        query = select(code_column, parent_column).where(
            code_column.in_(codes[start : start + chunk])
        )
        for code, parent_id in (await session.execute(query)).all():
            if parent_id not in own_parent_ids:
                return str(code)
    return None


@dataclass(frozen=True)
class FrameworkSummary:
    framework: Framework
    units: int
    competences: int


async def list_frameworks(session: AsyncSession) -> list[FrameworkSummary]:
    """All frameworks with their unit and competence counts, in one query."""
    query = (
        select(
            Framework,
            func.count(func.distinct(Unit.id)),
            func.count(Competence.id),
        )
        .outerjoin(Unit, Unit.framework_id == Framework.id)
        .outerjoin(Competence, Competence.unit_id == Unit.id)
        .group_by(Framework.id)
        .order_by(Framework.code)
    )
    return [
        FrameworkSummary(framework=row[0], units=row[1], competences=row[2])
        for row in (await session.execute(query)).all()
    ]


async def get_framework(session: AsyncSession, *, code: str) -> Framework | None:
    """One framework with its units, competences and criteria loaded (no lazy loads later)."""
    query = (
        select(Framework)
        .where(Framework.code == code)
        .options(
            selectinload(Framework.units)
            .selectinload(Unit.competences)
            .selectinload(Competence.criteria)
        )
    )
    return (await session.execute(query)).scalar_one_or_none()


async def search_competences(
    session: AsyncSession, *, query: str, framework_code: str | None = None, limit: int = 50
) -> list[Competence]:
    """Competences whose code or any label contains every word of ``query``."""
    words = [word.lower() for word in query.split() if word][:8]
    if not words:
        return []
    statement = (
        select(Competence)
        .join(Unit, Competence.unit_id == Unit.id)
        .join(Framework, Unit.framework_id == Framework.id)
        .options(selectinload(Competence.unit).selectinload(Unit.framework))
        .order_by(Framework.code, Unit.position, Competence.position)
        .limit(limit)
    )
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Competence.search_text.like(f"%{escaped}%", escape="\\"))
    if framework_code:
        statement = statement.where(Framework.code == framework_code)
    return list((await session.execute(statement)).scalars().all())
