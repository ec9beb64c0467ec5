"""Framework rules: importing (all or nothing), browsing and searching."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio.to_thread
from rapidfuzz import fuzz, process
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


# --- Type-ahead: suggestions that tolerate typos and alternative labels -----------------

# A fuzzy match must reach this rapidfuzz similarity (0-100; ``max(ratio, token_sort_ratio)``
# of the lower-cased texts). 70 lets one or two typos through in a two-word label
# ("forklift drivng" → "forklift driving" scores 97) and keeps unrelated words out.
FUZZY_CUTOFF = 70.0
# ``partial_ratio`` finds a query inside a longer label, typos included; it is noisy for short
# queries, so it is used only for queries of PARTIAL_MIN_LENGTH characters or more and only
# from this stricter cutoff.
PARTIAL_MIN_LENGTH = 4
PARTIAL_CUTOFF = 85.0
# Scores (0-100) order the suggestions: 100 exact code or label; 90-99 the query's words are
# contained (the more of the label they cover, the higher); below 90 fuzzy similarity.
EXACT_SCORE = 100.0
CONTAINS_SCORE = 90.0
FUZZY_CAP = 89.0


@dataclass(frozen=True)
class VocabularyEntry:
    """One competence as the type-ahead sees it."""

    id: int
    code: str
    labels: dict[str, str]
    alt_labels: dict[str, list[str]]
    framework_code: str
    search_text: str
    order: int

    @property
    def texts(self) -> list[str]:
        """Code, labels and alternative labels in every language (originals)."""
        texts = [self.code, *self.labels.values()]
        for alternatives in self.alt_labels.values():
            texts.extend(alternatives)
        return texts


@dataclass(frozen=True)
class CompetenceSuggestion:
    """A competence the query may mean.

    ``matched`` is the text that matched when it is not the code or a preferred label (an
    alternative label, for example), so the person sees why it was suggested.
    """

    id: int
    code: str
    labels: dict[str, str]
    framework_code: str
    matched: str | None
    score: float


@dataclass(frozen=True)
class CompetenceResolution:
    """What free text means: a competence for sure, a best guess, or nothing."""

    competence: VocabularyEntry | None
    suggestion: CompetenceSuggestion | None


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


class CompetenceVocabulary:
    """All competences' codes and labels in memory, to suggest and resolve free text.

    Built from one query per request; a few thousand competences (the sample frameworks have
    about fifty, a full ESCO import some thousands) make a few tens of thousands of short
    texts, which rapidfuzz scans in milliseconds.
    """

    def __init__(self, entries: Sequence[VocabularyEntry]) -> None:
        self.entries = list(entries)
        self._texts: list[str] = []  # lower-cased, whitespace collapsed
        self._originals: list[str] = []
        self._owners: list[int] = []
        self._exact: dict[str, int] = {}
        for index, entry in enumerate(self.entries):
            for text in entry.texts:
                lowered = _normalise(text)
                self._texts.append(lowered)
                self._originals.append(text)
                self._owners.append(index)
                self._exact.setdefault(lowered, index)
        self._by_code = {entry.code.lower(): entry for entry in self.entries}

    def by_code(self, code: str) -> VocabularyEntry | None:
        return self._by_code.get(code.strip().lower())

    def suggest(self, query: str, *, limit: int = 10) -> list[CompetenceSuggestion]:
        """The competences ``query`` most likely means, best first (see the score constants)."""
        wanted = _normalise(query)[:200]
        if not wanted or limit < 1:
            return []
        best: dict[int, tuple[float, str]] = {}

        def offer(index: int, score: float, text_index: int) -> None:
            if index not in best or score > best[index][0]:
                best[index] = (score, self._originals[text_index])

        # Exact, then contained: every word of the query in the competence's search text.
        words = wanted.split()
        for text_index, text in enumerate(self._texts):
            owner = self._owners[text_index]
            if text == wanted:
                offer(owner, EXACT_SCORE, text_index)
            elif all(word in text for word in words):
                coverage = len(wanted) / max(len(text), 1)
                offer(owner, CONTAINS_SCORE + 9.0 * min(coverage, 1.0), text_index)
        for index, entry in enumerate(self.entries):
            if index not in best and all(word in entry.search_text for word in words):
                best[index] = (CONTAINS_SCORE, "")

        # Then fuzzy: typos and other word orders.
        fuzzy: list[tuple[str, float, int]] = [
            *process.extract(
                wanted, self._texts, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=None
            ),
            *process.extract(
                wanted,
                self._texts,
                scorer=fuzz.token_sort_ratio,
                score_cutoff=FUZZY_CUTOFF,
                limit=None,
            ),
        ]
        if len(wanted) >= PARTIAL_MIN_LENGTH:
            fuzzy.extend(
                (text, score * 0.9, text_index)
                for text, score, text_index in process.extract(
                    wanted,
                    self._texts,
                    scorer=fuzz.partial_ratio,
                    score_cutoff=PARTIAL_CUTOFF,
                    limit=None,
                )
            )
        for _text, score, text_index in fuzzy:
            offer(self._owners[text_index], min(score, FUZZY_CAP), text_index)

        ranked = sorted(best.items(), key=lambda item: (-item[1][0], self.entries[item[0]].order))
        suggestions = []
        for index, (score, text) in ranked[:limit]:
            entry = self.entries[index]
            preferred = {entry.code.lower(), *(label.lower() for label in entry.labels.values())}
            matched = text if text and text.lower() not in preferred else None
            suggestions.append(
                CompetenceSuggestion(
                    id=entry.id,
                    code=entry.code,
                    labels=entry.labels,
                    framework_code=entry.framework_code,
                    matched=matched,
                    score=round(score, 1),
                )
            )
        return suggestions

    def resolve(self, text: str) -> CompetenceResolution:
        """Map free text to a competence: its code or an exact (alternative) label.

        Anything else is not taken on a guess: the best suggestion from FUZZY_CUTOFF up is
        returned so that the person can confirm it ("Did you mean …?").
        """
        wanted = _normalise(text)
        if not wanted:
            return CompetenceResolution(None, None)
        index = self._exact.get(wanted)
        if index is not None:
            return CompetenceResolution(self.entries[index], None)
        found = self.suggest(wanted, limit=1)
        suggestion = found[0] if found and found[0].score >= FUZZY_CUTOFF else None
        return CompetenceResolution(None, suggestion)


async def load_vocabulary(
    session: AsyncSession, *, framework_code: str | None = None
) -> CompetenceVocabulary:
    """Every competence's id, code and labels (of one framework, if given), in one query."""
    statement = (
        select(
            Competence.id,
            Competence.code,
            Competence.labels,
            Competence.alt_labels,
            Competence.search_text,
            Framework.code,
        )
        .join(Unit, Competence.unit_id == Unit.id)
        .join(Framework, Unit.framework_id == Framework.id)
        .order_by(Framework.code, Unit.position, Competence.position, Competence.id)
    )
    if framework_code:
        statement = statement.where(Framework.code == framework_code)
    rows = (await session.execute(statement)).all()
    entries = [
        VocabularyEntry(
            id=row[0],
            code=row[1],
            labels=dict(row[2] or {}),
            alt_labels={key: list(value) for key, value in (row[3] or {}).items()},
            search_text=row[4] or "",
            framework_code=row[5],
            order=order,
        )
        for order, row in enumerate(rows)
    ]
    # Indexing tens of thousands of labels (a full ESCO import) is CPU work: off the loop.
    return await anyio.to_thread.run_sync(CompetenceVocabulary, entries)


# --- Off the event loop ------------------------------------------------------------------
#
# Fuzzy matching takes about a millisecond per text against a large vocabulary: cheap once,
# but a list of texts would hold the event loop (and every other request of the worker) for
# as long. Callers with more than one text use these, which run in a worker thread.


async def resolve_all(
    vocabulary: CompetenceVocabulary, texts: Sequence[str]
) -> list[CompetenceResolution]:
    """:meth:`CompetenceVocabulary.resolve` for each of ``texts``, in a worker thread."""
    return await anyio.to_thread.run_sync(lambda: [vocabulary.resolve(text) for text in texts])


async def suggest_all(
    vocabulary: CompetenceVocabulary, texts: Sequence[str], *, limit: int = 10
) -> list[list[CompetenceSuggestion]]:
    """:meth:`CompetenceVocabulary.suggest` for each of ``texts``, in a worker thread."""
    return await anyio.to_thread.run_sync(
        lambda: [vocabulary.suggest(text, limit=limit) for text in texts]
    )


async def suggest_competences(
    session: AsyncSession, *, query: str, limit: int = 10, framework_code: str | None = None
) -> list[CompetenceSuggestion]:
    """Type-ahead: competences that ``query`` may mean, typos and alternative labels included.

    Exact code or label matches come first, then labels that contain the query's words (the
    search text of :func:`search_competences`), then fuzzy matches (see FUZZY_CUTOFF).
    Loads the vocabulary once per call: fine for a few thousand competences. The matching
    runs in a worker thread, so that a burst of type-ahead requests does not stall the loop.
    """
    vocabulary = await load_vocabulary(session, framework_code=framework_code)
    return (await suggest_all(vocabulary, [query], limit=limit))[0]
