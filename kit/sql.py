"""SQL that differs between the two databases, written once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_or_ignore(session: AsyncSession, model: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for ``model`` on the session's database.

    Call ``.values(...)``, then ``.on_conflict_do_nothing()`` on the result. A row written this
    way bypasses the ORM, so the audit listener does not see it.
    """
    builder = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    return builder(model)
