"""Engine and session configuration shared by the web app, the CLI and the tests."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.base import orm_registry
from advanced_alchemy.extensions.litestar import AsyncSessionConfig, SQLAlchemyAsyncConfig
from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from kit.settings import DatabaseSettings

metadata: MetaData = orm_registry.metadata
"""All tables of all domain packages (they share Advanced Alchemy's registry)."""


class NulCharacterRefused(ValueError):
    """A value bound to a query holds the NUL character, which PostgreSQL cannot store.

    Forms refuse it beside the field (:meth:`kit.forms.FormReader.text`); this is the
    guarantee for every other way in (JSON bodies, query strings, anonymous forms), on both
    databases alike, so that SQLite does not store what PostgreSQL would refuse.
    """


def _holds_nul(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth < 8 and isinstance(value, dict):
        return any(_holds_nul(item, depth + 1) for item in (*value.keys(), *value.values()))
    if depth < 8 and isinstance(value, list | tuple):
        return any(_holds_nul(item, depth + 1) for item in value)
    return False


def _refuse_nul(
    _connection: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    if _holds_nul(parameters):
        raise NulCharacterRefused("a query parameter holds the NUL character")


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once (several workers on one file);
    # synchronous=FULL syncs the log at every commit, so a committed (acknowledged) write
    # survives a power loss, not only a crash of the process (docs/decisions.md);
    # foreign keys are off in SQLite unless asked for on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _begin_before_savepoint(connection: Any, _name: str) -> None:
    # Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE, so a SAVEPOINT
    # that comes first would open one of its own, and releasing it would commit: a later
    # rollback of the request would then keep the savepoint's writes. Begin the transaction
    # first, so a savepoint is always nested in the request's transaction, as on PostgreSQL.
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An async engine for ``settings.url`` with SQLite made safe for concurrent use."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.url, echo=settings.echo)
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
        event.listen(engine.sync_engine, "savepoint", _begin_before_savepoint)
    else:
        engine = create_async_engine(settings.url, echo=settings.echo, pool_pre_ping=True)
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_nul)
    return engine


class _OneConfigPerApp(SQLAlchemyAsyncConfig):
    """Advanced Alchemy's config, without its process-wide registry of state keys.

    The library gives each config new keys that no other config in the process has used
    (``_sqlalchemy_db_session_1``, ``_2``, …), by a recursive search that grows with every app
    built. The test suite builds many apps in one process and hit the recursion limit after
    about 940. Each of our apps has exactly one config and its own state and request scopes,
    so the plain keys are unique where it matters.
    """

    def _ensure_unique(
        self, registry_name: str, key: str, new_key: str | None = None, _iter: int = 0
    ) -> str:
        return key


def create_sqlalchemy_config(engine: AsyncEngine) -> SQLAlchemyAsyncConfig:
    """Advanced Alchemy's Litestar config: one session per request, committed at the edge."""
    return _OneConfigPerApp(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        before_send_handler="autocommit_include_redirects",
        session_dependency_key="db_session",
        create_all=False,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions outside a request (CLI, middleware, tests)."""
    return async_sessionmaker(engine, expire_on_commit=False)
