"""The schema comes from migrations, and migrations agree with the models."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from kit.settings import DatabaseSettings
from portal.database import create_engine
from portal.migrate import alembic_config
from portal.models import metadata

ROOT = Path(__file__).resolve().parents[2]


async def test_models_and_migrations_agree(empty_database_url: str) -> None:
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()
    assert differences == [], f"models differ from migrations: {differences}"


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: object) -> None:
    engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/pragma.sqlite3"))
    try:
        async with engine.connect() as connection:
            journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
            foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one()
    finally:
        await engine.dispose()
    assert journal == "wal"
    assert foreign_keys == 1


def test_upgrade_keeps_existing_rows(backend: object, tmp_path: object) -> None:
    """Each revision applies over a database that already has data (both backends)."""
    import asyncio

    from portal.migrate import upgrade
    from tests.conftest import Backend

    assert isinstance(backend, Backend)
    if backend.cluster is None:
        url = f"sqlite+aiosqlite:///{tmp_path}/old.sqlite3"
    else:
        backend.cluster.execute('CREATE DATABASE "isok_upgrade"')
        url = backend.cluster.url("isok_upgrade")
    upgrade(url, "0001")

    async def rows(sql: str) -> list[tuple[object, ...]]:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with engine.begin() as connection:
                return list((await connection.execute(text(sql))).all())
        finally:
            await engine.dispose()

    asyncio.run(
        rows(
            "INSERT INTO organisation (name, business_id, kind, sector, municipality, region,"
            " status, created_at, updated_at) VALUES ('Old Oy', '0112038-9', 'sme', '', '', '',"
            " 'partner', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
        )
    )
    asyncio.run(
        rows(
            "INSERT INTO user_account (email, name, role, password_hash, is_active,"
            " organisation_id, created_at, updated_at) SELECT 'old@example.fi', 'Old', 'employer',"
            " 'x', true, id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM organisation RETURNING id"
        )
    )
    try:
        upgrade(url, "head")
        kept = asyncio.run(
            rows(
                "SELECT o.name, o.size, u.email FROM organisation o"
                " JOIN user_account u ON u.organisation_id = o.id"
            )
        )
        assert kept == [("Old Oy", "", "old@example.fi")]
    finally:
        if backend.cluster is not None:
            backend.cluster.execute('DROP DATABASE "isok_upgrade" WITH (FORCE)')


def test_litestars_database_commands_run_our_migrations(tmp_path: Path) -> None:
    """`litestar database ...` (Advanced Alchemy's commands, registered with the plugin) uses
    the same migrations, version table and configured database as `isok db upgrade`."""
    database = tmp_path / "litestar.sqlite3"
    env = {
        **os.environ,
        "ISOK_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "LITESTAR_APP": "portal.app:create_app",
    }
    env.pop("ISOK_ENV", None)

    def litestar(*arguments: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "litestar", "--app-dir", str(ROOT), "database", *arguments],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    litestar("upgrade", "--no-prompt")
    head = ScriptDirectory.from_config(alembic_config(f"sqlite+aiosqlite:///{database}"))
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert version == head.get_current_head()
    assert {"candidate", "reporting_report", "matching_counter"} <= tables
    assert f"{version} (head)" in litestar("show-current-revision")


def test_no_revision_loses_the_triggers_of_the_ones_before(tmp_path: Path) -> None:
    """On SQLite, altering a table in batch mode rebuilds it and drops its triggers (the
    matching change log's, the frozen reports'); each revision must put them back."""
    from portal.migrate import upgrade

    path = tmp_path / "triggers.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"

    def triggers() -> set[str]:
        with sqlite3.connect(path) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            return {str(row[0]) for row in rows}

    script = ScriptDirectory.from_config(alembic_config(url))
    before: set[str] = set()
    for revision in reversed(list(script.walk_revisions())):
        upgrade(url, revision.revision)
        now = triggers()
        assert before <= now, f"{revision.revision} dropped the triggers {sorted(before - now)}"
        before = now
    assert any(name.startswith("matching_change_claim") for name in before)


@pytest.mark.both_databases
def test_several_upgrades_at_once_migrate_once(backend: object, tmp_path: Path) -> None:
    """Machines starting together each run `isok db upgrade`: on PostgreSQL one migrates
    while the others wait for its lock, and all of them succeed."""
    from tests.conftest import Backend

    assert isinstance(backend, Backend)
    if backend.cluster is None:
        pytest.skip("one SQLite file belongs to one machine")
    name = f"isok_race_{uuid.uuid4().hex[:8]}"
    backend.cluster.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "ISOK_DATABASE_URL": backend.cluster.url(name)}
    isok = str(Path(sys.executable).parent / "isok")
    started = [
        subprocess.Popen(
            [isok, "db", "upgrade"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=300)[0].decode() for process in started]
    assert [process.returncode for process in started] == [0, 0, 0], outputs
    head = ScriptDirectory.from_config(alembic_config(env["ISOK_DATABASE_URL"])).get_current_head()

    async def versions() -> list[str]:
        engine = create_engine(DatabaseSettings(url=env["ISOK_DATABASE_URL"]))
        try:
            async with engine.connect() as connection:
                found = await connection.execute(text("SELECT version_num FROM alembic_version"))
                return [str(row[0]) for row in found]
        finally:
            await engine.dispose()

    assert asyncio.run(versions()) == [head]
    backend.cluster.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
