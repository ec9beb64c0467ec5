"""Shared fixtures: a fresh database per test on SQLite (and PostgreSQL), the real app.

Every test that asks for ``database_url`` runs on SQLite, and on PostgreSQL too where SQL
semantics could differ (see ``BOTH_DATABASES_MODULES``). Each backend gets two template
databases once per session (migrated; migrated and demo-seeded), and each test gets its own
copy, so tests never see each other's writes. The app is built once per backend and pointed
at each test's copy; under pytest-xdist all of this is per worker. docs/performance.md, "Test
suite", says why.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
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
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts import services as accounts
from kit.settings import (
    CertificateSettings,
    DatabaseSettings,
    SecuritySettings,
    Settings,
    UploadSettings,
)
from portal.app import create_app, use_database
from portal.database import create_engine, create_session_factory
from tests.mailbox import smtp  # noqa: F401  (the fixture, for every test)

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
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        check=True,
        capture_output=True,
    )
    # Under pytest-xdist each worker starts its own cluster: should another process take
    # the free port first, start again on another.
    for attempt in range(3):
        port = free_port()
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        started = subprocess.run(
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
            check=attempt == 2,
            capture_output=True,
        )
        if started.returncode == 0:
            break
    try:
        yield PostgresCluster(port=port, directory=directory)
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(directory, ignore_errors=True)


@functools.cache
def signing_key_for_tests() -> Path:
    """One credential-signing key per test process, made once, so every app built can sign."""
    from certificates import keys

    path = Path(tempfile.mkdtemp(prefix="isok-keys-")) / "signing-key"
    keys.generate(path, Settings().public_url)
    return path


def make_settings(url: str, uploads: Path | None = None) -> Settings:
    return Settings(
        env="development",
        database=DatabaseSettings(url=url),
        security=SecuritySettings(secret_key=TEST_SECRET),
        uploads=UploadSettings(directory=uploads or Path(tempfile.mkdtemp(prefix="isok-up-"))),
        certificates=CertificateSettings(signing_key=signing_key_for_tests()),
    )


def _prepare(url: str, *, seed: bool) -> None:
    import demo
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


#: Test modules that run on PostgreSQL as well as SQLite, whole. Elsewhere a test runs on
#: both when it is marked ``both_databases``, asks for ``backend`` itself, or says
#: "postgres" in its name or docstring; every other database test runs on SQLite only.
BOTH_DATABASES_MODULES = frozenset(
    {
        "tests/candidates/test_access.py",
        "tests/candidates/test_candidate_placements.py",
        "tests/candidates/test_consent.py",
        "tests/candidates/test_demo.py",
        "tests/candidates/test_interviews.py",
        "tests/candidates/test_matching_input.py",
        "tests/competences/test_frameworks.py",
        "tests/competences/test_suggest.py",
        "tests/employers/test_readiness.py",
        "tests/employers/test_registration.py",
        "tests/placements/test_assignments.py",
        "tests/placements/test_candidate_suggestions.py",
        "tests/placements/test_decision_race.py",
        "tests/placements/test_decisions.py",
        "tests/placements/test_demo_match_review.py",
        "tests/placements/test_idempotent_forms.py",
        "tests/placements/test_live_index.py",
        "tests/placements/test_oversight.py",
        "tests/placements/test_partners_only.py",
        "tests/placements/test_placements_api.py",
        "tests/placements/test_proposals.py",
        "tests/placements/test_suggestions.py",
        "tests/placements/test_suggestions_api.py",
        "tests/portal/test_accounts_invitations.py",
        "tests/portal/test_accounts_passwords.py",
        "tests/portal/test_accounts_users.py",
        "tests/portal/test_audit.py",
        "tests/portal/test_bad_input.py",
        "tests/portal/test_cli.py",
        "tests/portal/test_durability.py",
        "tests/portal/test_migrations.py",
        "tests/portal/test_partners.py",
        "tests/portal/test_people.py",
        "tests/portal/test_schemathesis.py",
        "tests/portal/test_serve.py",
        "tests/reporting/test_activities.py",
        "tests/reporting/test_indicators.py",
        "tests/reporting/test_models.py",
        "tests/reporting/test_outcomes.py",
        "tests/reporting/test_participants.py",
        "tests/reporting/test_reports.py",
    }
)


def _runs_on_both(metafunc: pytest.Metafunc) -> bool:
    """Where SQL semantics could differ (constraints, races, ordering, JSON, dates, text
    matching, migrations), a test runs on both databases; a plain page test on SQLite."""
    module = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    words = f"{metafunc.function.__name__} {metafunc.function.__doc__ or ''}".lower()
    return (
        module in BOTH_DATABASES_MODULES
        or metafunc.definition.get_closest_marker("both_databases") is not None
        or "backend" in inspect.signature(metafunc.function).parameters
        or "postgres" in words
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        names = ["sqlite", "postgresql"] if _runs_on_both(metafunc) else ["sqlite"]
        metafunc.parametrize("backend", names, indirect=True, scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist the end-to-end tests share one worker: one server, one Chromium."""
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.xdist_group("e2e"))


@pytest.fixture(scope="session")
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
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test's own database, outside any request (for arranging and checking)."""
    engine = create_engine(settings.database)
    yield create_session_factory(engine)
    await engine.dispose()


def _settings_for_shared_app(backend: str) -> Settings:
    """What the shared app of ``backend`` is built with; tests swap database and uploads."""
    placeholder = (
        "sqlite+aiosqlite:///:memory:" if backend == "sqlite" else "postgresql+asyncpg://-/-"
    )
    return make_settings(placeholder, uploads=Path(tempfile.gettempdir()) / "isok-unused-uploads")


@pytest.fixture(scope="session")
def shared_apps() -> dict[str, Litestar]:
    """One app per backend for the whole session, built on first use (see ``client``)."""
    return {}


@pytest.fixture
async def client(
    settings: Settings, backend: Backend, shared_apps: dict[str, Litestar]
) -> AsyncIterator[AsyncTestClient]:
    """An HTTP client on the real app (real database, real middleware), fresh for each test.

    Building the app costs most of a second, so the app is built once per backend and pointed
    at this test's own database and uploads directory (:func:`portal.app.use_database`); the
    client, and so its cookies (session, CSRF, flash), is new for every test. Settings that
    differ in anything else get an app of their own.
    """
    app = shared_apps.get(backend.name)
    if app is None:
        app = shared_apps[backend.name] = create_app(_settings_for_shared_app(backend.name))
    try:
        use_database(app, settings)
    except ValueError:
        app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


async def csrf_token(client: AsyncTestClient) -> str:
    """The CSRF token of the client's cookie jar (fetched from the login page if absent)."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    return str(client.cookies["csrftoken"])


class SignInPath:
    """Whether :func:`sign_in` goes through the login form (set per test, see below)."""

    through_form = False


@pytest.fixture(autouse=True)
def _sign_in_path(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked ``real_sign_in`` sign in through the form and the password hasher."""
    SignInPath.through_form = request.node.get_closest_marker("real_sign_in") is not None
    yield
    SignInPath.through_form = False


async def sign_in(client: AsyncTestClient, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign ``client`` in as ``email``.

    With the demo password (and unless the test is marked ``real_sign_in``) the login session
    is started directly through the accounts service the login form uses, and its cookie set:
    checking a password through argon2 costs about 0.4 s, and only the sign-in tests need it.
    Any other password goes through the login form, so it proves that password works.
    """
    if password == DEMO_PASSWORD and not SignInPath.through_form:
        await start_login_session(client, email)
        return
    await sign_in_through_form(client, email, password)


async def start_login_session(client: AsyncTestClient, email: str) -> None:
    """What a successful sign-in does, without the password check: a session and its cookie."""
    settings: Settings = client.app.state.settings
    security = settings.security
    presented = [c.value for c in client.cookies.jar if c.name == security.session_cookie]
    # An engine of its own: the app's pool serves the app's event loop, not the test's.
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            user = await accounts.get_by_email(session, email=email)
            assert user is not None, f"no user {email}"
            assert user.is_active, f"{email} is deactivated"
            token = await accounts.start_session(
                session, user=user, old_tokens=[v for v in presented if v], settings=security
            )
    finally:
        await engine.dispose()
    client.cookies.set(security.session_cookie, token, domain=client.base_url.host, path="/")


async def sign_in_through_form(
    client: AsyncTestClient, email: str, password: str = DEMO_PASSWORD
) -> None:
    """Sign in as a browser does: the login page's CSRF token, then the form."""
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
    "steering": "steering@demo.test",
    "candidate": "candidate@demo.test",
}
