"""The oversight record: every decision on a suggestion, and how it relates to the ranking.

The record is about how counsellors use the matching engine, not about the candidates, so it
names candidates by number only. Each row keeps what the engine showed when the decision was
taken (rank, score, eligibility), which is what makes "followed" and "overrode" exact:

- a shortlist or a proposal **follows** the ranking when the candidate was eligible and ranked
  within the top :data:`TOP_RANKS` at that moment; otherwise it **overrides** it;
- a rejection **overrides** the ranking when the candidate was eligible and in the top
  :data:`TOP_RANKS`; otherwise it follows it;
- withdrawals and the employer's answers are not counted either way.

Labels of kinds and reasons come from :mod:`placements.review.decisions` (rejection reasons) and
:mod:`placements.lifecycle.proposals` (the employer's decline reasons), through
:func:`placements.review.decisions.reason_label`.

The figures and the rows use the same filters (kind, who decided, a date range). A page costs
three queries whatever the number of decisions: the summary (grouped in the database), one
page of rows, and the people who decided (for the filter).
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from employers.models import Organisation
from kit import spreadsheets
from kit.forms import EARLIEST_DATE, LATEST_DATE, parse_date, parse_id
from kit.i18n import gettext
from kit.invalid import Invalid
from kit.spreadsheets import decimal, spreadsheet_safe
from placements.models import DecisionKind, Position, SuggestionDecision
from placements.review.decisions import decision_label, reason_label

TOP_RANKS = 10
PAGE_SIZE = 50
KINDS: tuple[str, ...] = tuple(kind.value for kind in DecisionKind)
# Decisions that take up a candidate the ranking offered, and the one that turns one down.
TAKING_UP = frozenset({DecisionKind.SHORTLISTED.value, DecisionKind.PROPOSED.value})
TURNING_DOWN = DecisionKind.REJECTED.value
# Cells a spreadsheet would read as a formula (OWASP "CSV injection").


# --- The definition ------------------------------------------------------------------


def in_top(*, rank: int | None, eligible: bool | None) -> bool:
    """Whether the candidate was eligible and within the top :data:`TOP_RANKS` when decided."""
    return bool(eligible) and rank is not None and rank <= TOP_RANKS


def follows_ranking(kind: str, *, rank: int | None, eligible: bool | None) -> bool | None:
    """True when the decision follows the ranking, False when it overrides it, None when the
    kind is not counted (withdrawals and employers' answers)."""
    if kind in TAKING_UP:
        return in_top(rank=rank, eligible=eligible)
    if kind == TURNING_DOWN:
        return not in_top(rank=rank, eligible=eligible)
    return None


# --- Filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class OversightFilters:
    """Which decisions to show. Dates are whole days (UTC), both ends included."""

    kind: str | None = None
    decided_by_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.kind is not None:
            conditions.append(SuggestionDecision.kind == self.kind)
        if self.decided_by_id is not None:
            conditions.append(SuggestionDecision.decided_by_id == self.decided_by_id)
        if self.date_from is not None:
            conditions.append(SuggestionDecision.created_at >= _day_start(self.date_from))
        if self.date_to is not None:
            next_day = self.date_to + datetime.timedelta(days=1)
            conditions.append(SuggestionDecision.created_at < _day_start(next_day))
        return conditions

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for links to other pages and to the export)."""
        values = {
            "kind": self.kind or "",
            "decided_by": str(self.decided_by_id or ""),
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def parse_filters(*, kind: str, decided_by: str, date_from: str, date_to: str) -> OversightFilters:
    """The filters from the page's query string; raises :class:`Invalid`."""
    errors: dict[str, str] = {}
    kind = kind.strip()
    if kind and kind not in KINDS:
        errors["kind"] = gettext("Choose a kind of decision from the list.")
    decided_by = decided_by.strip()
    decided_by_id = parse_id(decided_by)
    if decided_by and decided_by_id is None:
        errors["decided_by"] = gettext("Choose a person from the list.")
    days: dict[str, datetime.date | None] = {}
    for name, text in (("date_from", date_from), ("date_to", date_to)):
        text = text.strip()
        days[name] = parse_date(text) if text else None
        if text and days[name] is None:
            errors[name] = gettext(
                "Write the date as YYYY-MM-DD from %(min)s to %(max)s, for example 2026-03-31."
            ) % {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
    start, end = days["date_from"], days["date_to"]
    if start is not None and end is not None and end < start:
        errors["date_to"] = gettext("The end date is before the start date.")
    if errors:
        raise Invalid(errors)
    return OversightFilters(
        kind=kind or None,
        decided_by_id=decided_by_id,
        date_from=start,
        date_to=end,
    )


# --- Results -------------------------------------------------------------------------


class _Labelled:
    """A decision's kind and reason, also in words."""

    kind: str
    reason: str

    @property
    def kind_label(self) -> str:
        return decision_label(self.kind)

    @property
    def reason_label(self) -> str:
        return reason_label(self.kind, self.reason)


@dataclass(frozen=True)
class DecisionRow(_Labelled):
    """One decision as the record shows it: never the candidate's name."""

    id: int
    created_at: datetime.datetime
    decided_by: str | None
    position_id: int
    position_title: str
    organisation: str
    candidate_id: int
    kind: str
    rank: int | None
    score: float | None
    eligible: bool | None
    reason: str
    note: str

    @property
    def follows(self) -> bool | None:
        return follows_ranking(self.kind, rank=self.rank, eligible=self.eligible)


@dataclass(frozen=True)
class ReasonCount(_Labelled):
    kind: str
    reason: str
    count: int


@dataclass(frozen=True)
class OversightSummary:
    """The figures over every decision the filters keep."""

    total: int
    by_kind: tuple[tuple[str, int], ...]  # every kind, in the workflow's order
    followed: int
    overrode: int
    overrides: tuple[ReasonCount, ...]  # most frequent first
    accepted: int
    declined: int
    declines: tuple[ReasonCount, ...]

    @property
    def counted(self) -> int:
        return self.followed + self.overrode

    @property
    def followed_percent(self) -> float | None:
        return 100 * self.followed / self.counted if self.counted else None

    @property
    def overrode_percent(self) -> float | None:
        return 100 * self.overrode / self.counted if self.counted else None


@dataclass(frozen=True)
class Decider:
    id: int
    name: str


@dataclass(frozen=True)
class OversightRecord:
    filters: OversightFilters
    summary: OversightSummary
    rows: tuple[DecisionRow, ...]  # newest first
    page: int
    pages: int
    deciders: tuple[Decider, ...]


# --- Queries -------------------------------------------------------------------------


async def oversight_summary(
    session: AsyncSession, filters: OversightFilters = OversightFilters()
) -> OversightSummary:
    """Counts per kind, followed vs overrode, overrides and declines by reason (one query)."""
    top = case(
        (
            and_(
                SuggestionDecision.eligible.is_(True),
                SuggestionDecision.rank.is_not(None),
                SuggestionDecision.rank <= TOP_RANKS,
            ),
            1,
        ),
        else_=0,
    ).label("in_top")
    rows = await session.execute(
        select(SuggestionDecision.kind, SuggestionDecision.reason, top, func.count())
        .where(*filters.where())
        .group_by(SuggestionDecision.kind, SuggestionDecision.reason, top)
    )
    by_kind: Counter[str] = Counter()
    overrides: Counter[tuple[str, str]] = Counter()
    declines: Counter[tuple[str, str]] = Counter()
    followed = overrode = 0
    for kind, reason, in_top_ten, count in rows.all():
        by_kind[kind] += count
        verdict = follows_ranking(kind, rank=1 if in_top_ten else None, eligible=bool(in_top_ten))
        if verdict is True:
            followed += count
        elif verdict is False:
            overrode += count
            overrides[(kind, reason or "")] += count
        if kind == DecisionKind.DECLINED.value:
            declines[(kind, reason or "")] += count
    return OversightSummary(
        total=sum(by_kind.values()),
        by_kind=tuple((kind, by_kind[kind]) for kind in KINDS),
        followed=followed,
        overrode=overrode,
        overrides=_reason_counts(overrides),
        accepted=by_kind[DecisionKind.ACCEPTED.value],
        declined=by_kind[DecisionKind.DECLINED.value],
        declines=_reason_counts(declines),
    )


def _reason_counts(counts: Counter[tuple[str, str]]) -> tuple[ReasonCount, ...]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], KINDS.index(item[0][0]), item[0]))
    return tuple(ReasonCount(kind, reason, count) for (kind, reason), count in ordered)


def _rows_query(filters: OversightFilters) -> Select[tuple[object, ...]]:
    return (
        select(
            SuggestionDecision.id,
            SuggestionDecision.created_at,
            User.name,
            SuggestionDecision.position_id,
            Position.title,
            Organisation.name,
            SuggestionDecision.candidate_id,
            SuggestionDecision.kind,
            SuggestionDecision.rank,
            SuggestionDecision.score,
            SuggestionDecision.eligible,
            SuggestionDecision.reason,
            SuggestionDecision.note,
        )
        .join(Position, Position.id == SuggestionDecision.position_id)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .outerjoin(User, User.id == SuggestionDecision.decided_by_id)
        .where(*filters.where())
        .order_by(SuggestionDecision.created_at.desc(), SuggestionDecision.id.desc())
    )


def _row(values: tuple[object, ...]) -> DecisionRow:
    return DecisionRow(*values)  # type: ignore[arg-type]


async def decision_rows(
    session: AsyncSession,
    filters: OversightFilters = OversightFilters(),
    *,
    offset: int = 0,
    limit: int | None = None,
) -> list[DecisionRow]:
    """Decisions the filters keep, newest first (one query)."""
    query = _rows_query(filters).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_row(tuple(values)) for values in (await session.execute(query)).all()]


async def deciders(session: AsyncSession) -> tuple[Decider, ...]:
    """Everyone who has decided on a suggestion, by name (for the filter; one query)."""
    rows = await session.execute(
        select(User.id, User.name)
        .where(
            User.id.in_(
                select(SuggestionDecision.decided_by_id)
                .where(SuggestionDecision.decided_by_id.is_not(None))
                .distinct()
            )
        )
        .order_by(User.name, User.id)
    )
    return tuple(Decider(int(user_id), str(name)) for user_id, name in rows.all())


async def oversight_record(
    session: AsyncSession,
    filters: OversightFilters = OversightFilters(),
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> OversightRecord:
    """One page of the record with its summary. A page past the end shows the last one."""
    summary = await oversight_summary(session, filters)
    pages = max(1, math.ceil(summary.total / page_size))
    page = min(max(page, 1), pages)
    rows = await decision_rows(session, filters, offset=(page - 1) * page_size, limit=page_size)
    return OversightRecord(
        filters=filters,
        summary=summary,
        rows=tuple(rows),
        page=page,
        pages=pages,
        deciders=await deciders(session),
    )


# --- CSV -----------------------------------------------------------------------------


def csv_header() -> list[str]:
    return [
        gettext("Decision number"),
        gettext("When (UTC)"),
        gettext("Decided by"),
        gettext("Position number"),
        gettext("Position"),
        gettext("Organisation"),
        gettext("Candidate number"),
        gettext("Decision"),
        gettext("Rank shown"),
        gettext("Score shown"),
        gettext("Eligible"),
        gettext("Ranking followed"),
        gettext("Reason code"),
        gettext("Reason"),
        gettext("Note"),
    ]


def _yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return gettext("yes") if value else gettext("no")


def csv_cells(row: DecisionRow) -> list[str]:
    """One row of the export; every free-text cell is made spreadsheet-safe."""
    return [
        str(row.id),
        row.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        spreadsheet_safe(row.decided_by or ""),
        str(row.position_id),
        spreadsheet_safe(row.position_title),
        spreadsheet_safe(row.organisation),
        str(row.candidate_id),
        spreadsheet_safe(row.kind_label),
        "" if row.rank is None else str(row.rank),
        "" if row.score is None else decimal(row.score, 6),
        _yes_no(row.eligible),
        _yes_no(row.follows),
        spreadsheet_safe(row.reason),
        spreadsheet_safe(row.reason_label),
        spreadsheet_safe(row.note),
    ]


def csv_lines(rows: Iterable[DecisionRow]) -> Iterator[str]:
    """The export as CSV text (kit.spreadsheets), the header first, one line per decision."""
    return spreadsheets.csv_lines(chain([csv_header()], map(csv_cells, rows)))
