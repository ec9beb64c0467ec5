"""The schema comes from migrations, and migrations agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from kit.settings import DatabaseSettings
from portal.database import create_engine
from portal.models import metadata


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
