"""Fixtures for position tests: the demo positions, and a way to look into the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.placements import seed_demo_positions
from kit.settings import Settings
from placements.models import Position
from portal.database import create_engine, create_session_factory


class Database:
    """Direct access to the test's database, for setting up and for checking what was saved."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings.database)
        self.sessions = create_session_factory(self.engine)

    def session(self) -> AsyncSession:
        session: AsyncSession = self.sessions()
        return session

    async def scalar(self, statement: Any) -> Any:
        async with self.sessions() as session:
            return (await session.execute(statement)).scalar()

    async def count(self, model: Any) -> int:
        return int(await self.scalar(select(func.count()).select_from(model)))


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.engine.dispose()


@pytest.fixture(autouse=True)
async def demo_positions(db: Database) -> None:
    """The demo positions (idempotent: a no-op once ``isok demo seed`` creates them)."""
    async with db.session() as session, session.begin():
        await seed_demo_positions(session)
    first = await db.scalar(select(Position).where(Position.id == 1))
    assert first is not None
    assert (first.organisation_id, first.status) == (1, "open")
