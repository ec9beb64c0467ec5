"""A person's copy of their data (GDPR articles 15 and 20), built from the data inventory.

The copy is not written table by table by hand: it follows the inventory
(:mod:`portal.inventory`), so a column added to the inventory is in the next copy without
anybody remembering to add it, and ``tests/portal/test_personal_data.py`` compares the two.

- **A candidate's record** (:func:`candidate_copy`): every row that leads to the candidate,
  with every column the inventory lists as personal data about a candidate. A row leads to
  the candidate through its foreign keys, found in the schema (``claim.candidate_id``;
  ``rating.sheet_id`` → ``rating_sheet.placement_id`` → ``placement.candidate_id``), preferring
  keys that cannot be empty. Three tables name the candidate without a foreign key: the
  matching change log (``candidate_id``), the forms' idempotency keys (the address of the
  candidate's page in ``target``) and the audit trail (the changes to every row in the copy,
  by table and id). The frozen six-monthly reports hold only totals over many people
  (:data:`AGGREGATES`): no one's row can be told apart in them, so they are not in a copy.
- **An account** (:func:`account_copy`): the account itself, its sign-ins, sessions and links,
  and every row that names the user (as author, assessor, visitor, actor in the audit trail…)
  with the columns personal about a user. The password's hash is listed but not shown.

The copy is plain JSON (dates and times as ISO 8601 strings), the same for ``GET
/api/me/export`` and the readable page built from it.
"""

from __future__ import annotations

import datetime
import decimal
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.inventory import CANDIDATE, USER
from portal.inventory import all_entries, personal_columns
from portal.models import metadata

FORMAT = "isok-personal-data/1"
#: Tables whose personal columns are totals over many people, never one person's row.
AGGREGATES: dict[str, str] = {
    "reporting_report": "a frozen report's figures are totals over all participants",
}
#: Tables a copy never passes through on its way to the candidate: they are not the
#: candidate's (another person, an organisation, the framework, an employer's position).
_NOT_THROUGH = frozenset({"user_account", "organisation", "competence", "position", "framework"})
#: Columns whose value is kept but never shown, even to its owner.
HIDDEN = {("user_account", "password_hash"): "a one-way hash of the password"}
# The tables that name the candidate without a foreign key.
_SPECIAL = frozenset({"audit_event", "form_submission", "matching_change"})


def _tables_of(subject: str) -> list[str]:
    """Tables with personal columns about ``subject``, in the inventory's order."""
    return list(
        dict.fromkeys(e.table for e in all_entries() if e.personal and e.subject == subject)
    )


def _path_to_candidate(table: str) -> list[tuple[str, str, str]] | None:
    """The joins from ``table`` to ``candidate``: (table, column, referenced table) per step.

    Breadth first, over keys that cannot be empty before those that can, so a result of an
    interview reaches the candidate through the interview, not its (optional) claim.
    """
    for allow_nullable in (False, True):
        queue: deque[tuple[str, list[tuple[str, str, str]]]] = deque([(table, [])])
        seen = {table}
        while queue:
            current, steps = queue.popleft()
            if current == "candidate":
                return steps
            for key in sorted(metadata.tables[current].foreign_keys, key=lambda k: k.parent.name):
                target = key.column.table.name
                if target in seen or (target in _NOT_THROUGH and target != "candidate"):
                    continue
                if key.parent.nullable and not allow_nullable:
                    continue
                seen.add(target)
                queue.append((target, [*steps, (current, key.parent.name, target)]))
    return None


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


@dataclass(frozen=True)
class _Rows:
    columns: list[str]
    rows: list[dict[str, Any]]


async def _read(
    session: AsyncSession, table: Table, columns: Sequence[str], statement: Select[Any]
) -> _Rows:
    result = await session.execute(statement.order_by(table.c.id))
    rows = []
    for row in result.all():
        values = dict(zip(["id", *columns], row, strict=True))
        for name in columns:
            if (table.name, name) in HIDDEN:
                values[name] = f"({HIDDEN[(table.name, name)]}: kept, not shown)"
        rows.append({name: _json(value) for name, value in values.items()})
    return _Rows(list(columns), rows)


def _columns(table: Table, names: Iterable[str]) -> list[Any]:
    return [table.c.id, *(table.c[name] for name in names)]


def _candidate_statement(table: Table, names: list[str], candidate_id: int) -> Select[Any]:
    if table.name == "candidate":
        return select(*_columns(table, names)).where(table.c.id == candidate_id)
    if table.name == "matching_change":
        return select(*_columns(table, names)).where(table.c.candidate_id == candidate_id)
    if table.name == "form_submission":
        page = f"/candidates/{candidate_id}"
        return select(*_columns(table, names)).where(
            or_(
                table.c.target == page,
                table.c.target.startswith(page + "/"),
                table.c.target.startswith(page + "#"),
            )
        )
    statement, candidate = _joined_to_candidate(table, _columns(table, names))
    return statement.where(candidate.c.id == candidate_id)


def _joined_to_candidate(table: Table, columns: Sequence[Any]) -> tuple[Select[Any], Table]:
    """``columns`` selected from ``table`` joined along its keys to ``candidate`` (returned)."""
    if table.name == "candidate":
        return select(*columns), table
    path = _path_to_candidate(table.name)
    if path is None:
        raise LookupError(f"no way from {table.name} to its candidate")
    statement = select(*columns).select_from(table)
    last = table
    for source, column, target in path:
        joined = metadata.tables[target]
        statement = statement.join(joined, metadata.tables[source].c[column] == joined.c.id)
        last = joined
    return statement, last


async def last_changes(session: AsyncSession) -> dict[int, datetime.datetime]:
    """Per candidate, when anything that leads to them last changed (one query per table)."""
    latest: dict[int, datetime.datetime] = {}
    for name in _tables_of(CANDIDATE):
        table = metadata.tables[name]
        if name in AGGREGATES or name in _SPECIAL or "updated_at" not in table.c:
            continue
        statement, candidate = _joined_to_candidate(
            table, [metadata.tables["candidate"].c.id, func.max(table.c.updated_at)]
        )
        statement = statement.group_by(candidate.c.id)
        for candidate_id, changed in (await session.execute(statement)).all():
            if changed is None:
                continue
            if changed.tzinfo is None:
                changed = changed.replace(tzinfo=datetime.UTC)
            if candidate_id not in latest or changed > latest[candidate_id]:
                latest[int(candidate_id)] = changed
    return latest


#: Columns about others that a candidate's copy still shows, because art. 15(1)(c) gives the
#: person the right to know who their data was shown to.
RECIPIENTS: dict[str, list[str]] = {"record_opening": ["user_name", "role"]}


async def candidate_copy(session: AsyncSession, *, candidate_id: int) -> dict[str, Any]:
    """Everything kept about the candidate ``candidate_id``, table by table."""
    tables: dict[str, Any] = {}
    found: dict[str, list[int]] = {}
    for name in _tables_of(CANDIDATE):
        if name in AGGREGATES or name == "audit_event":
            continue
        table = metadata.tables[name]
        columns = [*personal_columns(name, CANDIDATE), *RECIPIENTS.get(name, [])]
        read = await _read(
            session, table, columns, _candidate_statement(table, columns, candidate_id)
        )
        tables[name] = {"columns": read.columns, "rows": read.rows}
        if name not in _SPECIAL:
            found[name] = [int(row["id"]) for row in read.rows]
    tables["audit_event"] = await _audit_of(
        session, await audited_rows(session, candidate_id=candidate_id, found=found)
    )
    return {
        "format": FORMAT,
        "subject": CANDIDATE,
        "generated_at": _json(datetime.datetime.now(datetime.UTC)),
        "left_out": AGGREGATES,
        "tables": tables,
    }


async def audited_rows(
    session: AsyncSession, *, candidate_id: int, found: dict[str, list[int]]
) -> dict[str, set[str]]:
    """The rows whose history in the audit trail is the candidate's, per table: the rows of
    the copy (``found``), and rows since deleted that named the candidate (a deletion's event
    holds every value of the row, ``candidate_id`` among them; deletions are few, so they are
    read and matched here rather than by a JSON path each database spells its own way)."""
    events = metadata.tables["audit_event"]
    rows = {name: {str(row_id) for row_id in ids} for name, ids in found.items()}
    for name in found:
        if "candidate_id" not in metadata.tables[name].c:
            continue
        statement = select(events.c.entity_id, events.c.changes).where(
            events.c.entity == name, events.c.action == "delete"
        )
        for entity_id, changes in (await session.execute(statement)).all():
            if isinstance(changes, dict) and changes.get("candidate_id") == candidate_id:
                rows[name].add(str(entity_id))
    if found.get("candidate"):
        rows.setdefault("candidate", set()).add(str(candidate_id))
    return rows


async def _audit_of(session: AsyncSession, audited: dict[str, set[str]]) -> dict[str, Any]:
    """The audit trail's events about the rows of the copy (what changed, when, by whom)."""
    table = metadata.tables["audit_event"]
    columns = list(
        dict.fromkeys([*personal_columns("audit_event", CANDIDATE), "entity", "created_at"])
    )
    rows: list[dict[str, Any]] = []
    for name, ids in audited.items():
        ordered = sorted(ids)
        # In slices, so that no statement carries more parameters than a database takes.
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            condition: ColumnElement[bool] = and_(
                table.c.entity == name, table.c.entity_id.in_(chunk)
            )
            read = await _read(
                session, table, columns, select(*_columns(table, columns)).where(condition)
            )
            rows.extend(read.rows)
    rows.sort(key=lambda row: int(row["id"]))
    return {"columns": columns, "rows": rows}


# --- An account ------------------------------------------------------------------------


def _user_conditions(table: Table, user_id: int, email: str, names: list[str]) -> list[Any]:
    """How a row of ``table`` names the user: a key to the account, the actor, the address."""
    conditions: list[Any] = []
    for name in names:
        column = table.c[name]
        if any(key.column.table.name == "user_account" for key in column.foreign_keys):
            conditions.append(column == user_id)
    if table.name == "user_account":
        conditions.append(table.c.id == user_id)
    if table.name == "audit_event":
        conditions.append(table.c.actor_id == user_id)
    if table.name == "form_submission":
        conditions.append(table.c.user_id == user_id)
    if table.name == "record_opening":
        conditions.append(table.c.user_id == user_id)
    if table.name in ("login_attempt", "login_throttle"):
        conditions.append(table.c.email == email)
    if table.name == "outbox_message":
        conditions.append(table.c.recipient == email)
    if table.name == "organisation":
        # ``autoescape``: an address's ``_`` or ``%`` is itself, not a wildcard.
        conditions.append(table.c.decided_by.contains(f"<{email}>", autoescape=True))
    return conditions


async def account_copy(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    """Everything kept about the account ``user_id`` and every row that names its user."""
    accounts = metadata.tables["user_account"]
    email = (
        await session.execute(select(accounts.c.email).where(accounts.c.id == user_id))
    ).scalar_one()
    tables: dict[str, Any] = {}
    for name in _tables_of(USER):
        table = metadata.tables[name]
        columns = personal_columns(name, USER)
        conditions = _user_conditions(table, user_id, str(email), columns)
        if not conditions:
            raise LookupError(f"no way from {name} to its user")
        if name == "audit_event":
            tables[name] = await _account_events(session, user_id, columns, conditions)
            continue
        statement = select(*_columns(table, columns)).where(or_(*conditions))
        read = await _read(session, table, columns, statement)
        tables[name] = {"columns": read.columns, "rows": read.rows}
    return {
        "format": FORMAT,
        "subject": USER,
        "generated_at": _json(datetime.datetime.now(datetime.UTC)),
        "hidden": {f"{table}.{column}": why for (table, column), why in HIDDEN.items()},
        "tables": tables,
    }


async def _account_events(
    session: AsyncSession, user_id: int, columns: list[str], conditions: list[Any]
) -> dict[str, Any]:
    """The audit trail's events the user acted in, and those about the account itself. Only
    the latter show what changed: the former's values are about other people."""
    table = metadata.tables["audit_event"]
    about = and_(table.c.entity == "user_account", table.c.entity_id == str(user_id))
    shown = [*columns, "entity", "entity_id", "changes"]
    read = await _read(
        session, table, shown, select(*_columns(table, shown)).where(or_(about, *conditions))
    )
    for row in read.rows:
        if not (row["entity"] == "user_account" and row["entity_id"] == str(user_id)):
            row["changes"] = None
    return {"columns": read.columns, "rows": read.rows}
