"""Engine and session configuration shared by the web app, the CLI and the tests."""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from advanced_alchemy.base import orm_registry
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import MetaData, event, make_url
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from kit.settings import DatabaseSettings
from portal.migrate import MIGRATIONS_DIR

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


def _run_statement(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[Any, list[Any], int, int | None]:
    """In aiosqlite's thread: what SQLAlchemy's cursor does in four trips, done in one."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, with one trip to the database thread per statement.

    The stock cursor awaits aiosqlite four times per statement (open a cursor, execute,
    fetch, close), and each trip hands the work to aiosqlite's thread and waits for the event
    loop to be woken: about 50-80 microseconds each, most of the cost of a small query
    (docs/performance.md, "Under load"). The same sqlite3 calls, in the same order and the
    same thread, run here as one function; errors reach SQLAlchemy as before.
    """

    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection: Any = self._connection
        try:
            description, rows, rowcount, lastrowid = self.await_(
                connection._execute(_run_statement, connection._conn, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description = description
        self._rows = deque(rows)
        self.rowcount = rowcount
        self.lastrowid = lastrowid


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Statements in one trip each; no trip at all to commit or roll back nothing.

    Python's sqlite3 opens a transaction only before a write (INSERT, UPDATE, DELETE or an
    explicit BEGIN), and its ``commit()`` and ``rollback()`` do nothing when none is open. A
    page that only read still commits at the end of its request (Advanced Alchemy's
    autocommit), which used to cost a trip to the database thread for nothing.
    """

    __slots__ = ()

    def _nothing_open(self) -> bool:
        try:
            return not self._connection.in_transaction
        except Exception:  # closed: the stock path below raises its usual error
            return False

    def commit(self) -> None:
        if not self._nothing_open():
            super().commit()

    def rollback(self) -> None:
        if not self._nothing_open():
            super().rollback()

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if server_side:
            return super().cursor(server_side=True)
        return _OneTripCursor(self)


class _OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite module, handing out connections with :class:`_OneTripCursor`."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        connection = super().connect(*arg, **kw)
        if type(connection) is AsyncAdapt_aiosqlite_connection:
            connection.__class__ = _OneTripConnection
        return connection


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """An async engine for ``settings.url`` with SQLite made safe for concurrent use."""
    if settings.is_sqlite:
        options: dict[str, Any] = {}
        if make_url(settings.url).get_driver_name() == "aiosqlite" and hasattr(
            aiosqlite.Connection, "_execute"
        ):
            options["module"] = _OneTripDBAPI(aiosqlite, sqlite3)
        engine = create_async_engine(settings.url, echo=settings.echo, **options)
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
        alembic_config=AlembicAsyncConfig(
            script_location=str(MIGRATIONS_DIR), version_table_name="alembic_version"
        ),
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions outside a request (CLI, middleware, tests)."""
    return async_sessionmaker(engine, expire_on_commit=False)
