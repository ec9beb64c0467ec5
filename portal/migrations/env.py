"""Alembic environment: runs migrations over the async engine of the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from kit.settings import DatabaseSettings, get_settings
from portal.database import create_engine
from portal.models import metadata

config = context.config
# `isok db upgrade` names the database; Litestar's `litestar database ...` commands (Advanced
# Alchemy's) do not: then it is the configured one.
# The advisory lock key migrations hold on PostgreSQL (any constant the portal uses once).
MIGRATION_LOCK = 7_305_001
URL = config.get_main_option("sqlalchemy.url") or get_settings().database.url


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it; with foreign keys on, dropping the old copy
        # fails while other tables refer to it. The pragma only works outside a transaction,
        # so it comes first; the check below still refuses a migration that breaks a reference.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()  # end SQLAlchemy's implicit transaction so Alembic owns its own
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several machines may start `isok db upgrade` at once (a unit's ExecStartPre):
            # one migrates, the others wait here and then find the database at the head.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")


async def _run_online() -> None:
    engine = create_engine(DatabaseSettings(url=URL))
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=URL, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
