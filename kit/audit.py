"""The audit trail: who changed what and when.

Models that set ``__audited__ = True`` are recorded automatically on every flush (created,
updated with old and new values, deleted), whichever package they belong to, so a domain
cannot forget to audit a write. The actor comes from :data:`current_actor`, set by the login
middleware for a request and by the command line for its jobs. Named events that are not a
row change (a sign-in, an import) are written with :func:`record`.
"""

from __future__ import annotations

import datetime
import enum
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from advanced_alchemy.base import IdentityAuditBase
from advanced_alchemy.types import BigIntIdentity, JsonB
from sqlalchemy import Index, String, Table, event, insert, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or a named process such as ``cli``."""

    user_id: int | None
    label: str


SYSTEM = Actor(user_id=None, label="system")
current_actor: ContextVar[Actor] = ContextVar("current_actor", default=SYSTEM)


class AuditEvent(IdentityAuditBase):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    # The acting user's id, without a foreign key: the kit sits below accounts, and an audit
    # row must outlive anything it describes. ``actor_label`` names the actor on its own.
    actor_id: Mapped[int | None] = mapped_column(BigIntIdentity, default=None, index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)


_AUDIT_TABLE = cast(Table, AuditEvent.__table__)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool | type(None) | list | dict):
        return value
    return str(value)


def _row(action: str, entity: str, entity_id: Any, changes: dict[str, Any]) -> dict[str, Any]:
    actor = current_actor.get()
    now = datetime.datetime.now(datetime.UTC)
    return {
        "actor_id": actor.user_id,
        "actor_label": actor.label,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "changes": changes,
        "created_at": now,
        "updated_at": now,
    }


def _column_values(obj: Any, *, changed_only: bool) -> dict[str, Any]:
    state = inspect(obj)
    excluded = set(getattr(obj, "__audit_exclude__", ())) | {"created_at", "updated_at"}
    values: dict[str, Any] = {}
    for column_attr in state.mapper.column_attrs:
        key = column_attr.key
        if key in excluded:
            continue
        if changed_only:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                values[key] = [_plain(old), _plain(new)]
        else:
            values[key] = _plain(getattr(obj, key))
    return values


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _flush_context: Any) -> None:
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            values = _column_values(obj, changed_only=False)
            rows.append(_row("create", obj.__tablename__, obj.id, values))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            changes = _column_values(obj, changed_only=True)
            if changes:
                rows.append(_row("update", obj.__tablename__, obj.id, changes))
    if rows:
        session.connection().execute(insert(_AUDIT_TABLE), rows)


@event.listens_for(Mapper, "after_delete")
def _record_delete(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    # A mapper event, not the flush's list of deleted objects: rows removed from a
    # relationship (delete-orphan cascade) are only found during the flush.
    if getattr(target, "__audited__", False):
        values = _column_values(target, changed_only=False)
        connection.execute(
            insert(_AUDIT_TABLE), [_row("delete", target.__tablename__, target.id, values)]
        )


async def record(
    session: AsyncSession, *, action: str, entity: str, entity_id: Any, details: dict[str, Any]
) -> None:
    """Write a named event (not a row change) to the audit trail in ``session``'s transaction."""
    await session.execute(insert(_AUDIT_TABLE), [_row(action, entity, entity_id, details)])
