"""SQLite through aiosqlite: one trip to the database thread per statement, none for an
empty commit, and the same results and errors as SQLAlchemy's own cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from kit.settings import DatabaseSettings
from portal.database import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/trips.db"))
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions handed to aiosqlite's thread, in order."""
    handed: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return handed


async def test_a_statement_is_one_trip_and_an_empty_commit_none(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's connection is open now
        trips.clear()
        rows = (await connection.execute(text("SELECT name FROM item ORDER BY id"))).all()
        assert rows == []
        assert len(trips) == 1
        await connection.commit()  # nothing was written: sqlite3 has no transaction open
        assert len(trips) == 1


async def test_results_row_counts_and_ids_are_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(
            text("INSERT INTO item (name) VALUES (:name)"), {"name": "first"}
        )
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO item (name) VALUES (:name)"), [{"name": "second"}, {"name": "x"}]
        )
        updated = await connection.execute(
            text("UPDATE item SET name = name || '!' WHERE id > :id"), {"id": 1}
        )
        assert updated.rowcount == 2
        result = await connection.execute(text("SELECT id, name FROM item ORDER BY id"))
        assert list(result.keys()) == ["id", "name"]
        assert result.all() == [(1, "first"), (2, "second!"), (3, "x!")]


async def test_errors_and_rollbacks_are_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO item (name) VALUES ('kept')"))
        savepoint = await connection.begin_nested()
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO item (name) VALUES ('kept')"))
        await savepoint.rollback()
        await connection.execute(text("INSERT INTO item (name) VALUES ('also kept')"))
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO item (name) VALUES ('rolled back')"))
        await connection.rollback()
        names = (await connection.execute(text("SELECT name FROM item ORDER BY id"))).all()
    assert names == [("kept",), ("also kept",)]
