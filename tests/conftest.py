"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, the real app.

Every test that asks for ``database_url`` runs twice, once per backend. Each backend gets
two template databases once per session (migrated; migrated and demo-seeded), and each test
gets its own copy, so tests never see each other's writes.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from portal.app import create_app
from portal.settings import DatabaseSettings, SecuritySettings, Settings, UploadSettings

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REQUIRE_ALL = os.environ.get("ISOK_REQUIRE_ALL") == "1"
TEST_SECRET = "test-secret-key-" * 4
DEMO_PASSWORD = "isok-demo"


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason, or fail when CI demands every test (ISOK_REQUIRE_ALL=1)."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (ISOK_REQUIRE_ALL=1 forbids skipping)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresCluster:
    port: int
    directory: Path

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        import asyncpg

        async def run() -> None:
            connection = await asyncpg.connect(
                host="127.0.0.1", port=self.port, user="postgres", database="postgres"
            )
            try:
                await connection.execute(sql)
            finally:
                await connection.close()

        asyncio.run(run())


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL 15 cluster on a free port, removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        skip_or_fail(f"PostgreSQL server binaries not found in {PG_BIN}")
    directory = Path(tempfile.mkdtemp(prefix="isok-pg-"))
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres")
    port = free_port()
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(directory / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield PostgresCluster(port=port, directory=directory)
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


def make_settings(url: str, uploads: Path | None = None) -> Settings:
    return Settings(
        env="development",
        database=DatabaseSettings(url=url),
        security=SecuritySettings(secret_key=TEST_SECRET),
        uploads=UploadSettings(directory=uploads or Path(tempfile.mkdtemp(prefix="isok-up-"))),
    )


def _prepare(url: str, *, seed: bool) -> None:
    from portal import demo
    from portal.database import create_engine, create_session_factory
    from portal.migrate import upgrade

    upgrade(url)
    if not seed:
        return

    async def run() -> None:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with create_session_factory(engine)() as session, session.begin():
                await demo.seed(session)
        finally:
            await engine.dispose()

    asyncio.run(run())


@dataclass
class Backend:
    """One database backend with its template databases."""

    name: str
    templates: dict[str, str]  # kind → sqlite file path or PostgreSQL database name
    cluster: PostgresCluster | None
    counter: itertools.count[int]

    def fresh_url(self, kind: str, tmp_path: Path) -> tuple[str, str | None]:
        """A new database copied from the ``kind`` template; returns (url, database to drop)."""
        if self.cluster is None:
            target = tmp_path / f"{kind}.sqlite3"
            shutil.copyfile(self.templates[kind], target)
            return f"sqlite+aiosqlite:///{target}", None
        name = f"isok_test_{next(self.counter)}"
        self.cluster.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates[kind]}"')
        return self.cluster.url(name), name


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    if request.param == "sqlite":
        directory = tmp_path_factory.mktemp("sqlite-templates")
        templates = {}
        for kind in ("empty", "demo"):
            path = directory / f"{kind}.sqlite3"
            _prepare(f"sqlite+aiosqlite:///{path}", seed=kind == "demo")
            templates[kind] = str(path)
        return Backend("sqlite", templates, None, itertools.count())
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    templates = {}
    for kind in ("empty", "demo"):
        name = f"isok_template_{kind}"
        cluster.execute(f'CREATE DATABASE "{name}"')
        _prepare(cluster.url(name), seed=kind == "demo")
        templates[kind] = name
    return Backend("postgresql", templates, cluster, itertools.count())


def _database(backend: Backend, kind: str, tmp_path: Path) -> Iterator[str]:
    url, to_drop = backend.fresh_url(kind, tmp_path)
    yield url
    if to_drop is not None and backend.cluster is not None:
        backend.cluster.execute(f'DROP DATABASE "{to_drop}" WITH (FORCE)')


@pytest.fixture
def database_url(backend: Backend, tmp_path: Path) -> Iterator[str]:
    """A migrated database with the demo data, for this test alone."""
    yield from _database(backend, "demo", tmp_path)


@pytest.fixture
def empty_database_url(backend: Backend, tmp_path: Path) -> Iterator[str]:
    """A migrated database with no rows, for this test alone."""
    yield from _database(backend, "empty", tmp_path)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, uploads=tmp_path / "uploads")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """An HTTP client on the real app (real database, real middleware)."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


async def csrf_token(client: AsyncTestClient) -> str:
    """The CSRF token of the client's cookie jar (fetched from the login page if absent)."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return str(client.cookies["csrftoken"])


async def sign_in(client: AsyncTestClient, email: str, password: str = DEMO_PASSWORD) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": token, "next": "/home"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/home"


DEMO_USERS = {
    "coordinator": "coordinator@demo.test",
    "counsellor": "counsellor@demo.test",
    "teacher": "teacher@demo.test",
    "employer": "employer@demo.test",
    "tutor": "tutor@demo.test",
}
