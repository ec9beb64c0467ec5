"""Fixtures for candidate tests: a database handle and candidates created through the service.

Reuse from other candidate tests: ``db`` (look into the test's database), ``make_candidate``
(create a candidate in a counsellor's caseload through :func:`candidates.services.
create_candidate`), and ``candidate_id`` (one candidate in counsellor@demo.test's caseload).
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from candidates import services
from candidates.services import CandidateInput, LanguageInput
from kit.roles import Viewer, viewer_for
from kit.settings import Settings
from portal.database import create_engine, create_session_factory

COUNSELLOR = "counsellor@demo.test"


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

    async def count(self, model: Any, *where: Any) -> int:
        """Rows of ``model`` (those matching ``where``, when given).

        The demo database holds demo candidates with their languages, notes, consent and
        interviews, so tests count their own rows (``where``) or compare before and after.
        """
        return int(await self.scalar(select(func.count()).select_from(model).where(*where)))

    async def user_id(self, email: str) -> int:
        return int(await self.scalar(select(User.id).where(User.email == email)))

    async def viewer(self, email: str) -> Viewer:
        async with self.sessions() as session:
            user = (await session.execute(select(User).where(User.email == email))).scalar_one()
            return viewer_for(user)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.engine.dispose()


def candidate_input(**changes: Any) -> CandidateInput:
    """A valid candidate record; ``changes`` replace fields."""
    values: dict[str, Any] = {
        "name": "Amina Test",
        "client_since": datetime.date(2026, 1, 15),
        "email": "amina@example.fi",
        "phone": "+358 40 123 4567",
        "municipality": "Kuopio",
        "regions": ["North Savo"],
        "available_from": datetime.date(2026, 3, 1),
        "client_type": "long_term",
        "stage": "guidance",
        "languages": [LanguageInput(language="fi", level="A2", assessment="tested")],
    }
    values.update(changes)
    return CandidateInput(**values)


MakeCandidate = Callable[..., Awaitable[int]]


@pytest.fixture
def make_candidate(db: Database) -> MakeCandidate:
    """``await make_candidate(by="counsellor@demo.test", **changes)`` → the new candidate's id.

    The candidate is created through the service by ``by`` (a counsellor's own caseload; the
    coordinator may pass ``counsellor_id``).
    """

    async def make(by: str = COUNSELLOR, **changes: Any) -> int:
        viewer = await db.viewer(by)
        async with db.session() as session, session.begin():
            candidate = await services.create_candidate(
                session, viewer=viewer, data=candidate_input(**changes)
            )
            return candidate.id

    return make


@pytest.fixture
async def candidate_id(make_candidate: MakeCandidate) -> int:
    """One candidate in counsellor@demo.test's caseload."""
    return await make_candidate()
