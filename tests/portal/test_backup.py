"""Backups that restore (portal/backup.py): the demo data with an uploaded file and issued
certificates is backed up, wiped (tables, files, keys, secret) and restored, and every row,
every file and every credential is as before; a changed backup restores nothing. On both
databases, with files on local disk and in S3 (moto)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import inspect, select, text

from candidates.models import Candidate
from certificates import credential, keys
from kit.settings import Settings, StorageSettings, get_settings
from kit.storage import storage_for
from portal.backup import BackupProblem, Sources, create_backup, read_manifest, restore_backup
from portal.cli import main
from portal.database import create_engine
from tests.conftest import (
    DEMO_USERS,
    PG_BIN,
    TEST_SECRET,
    csrf_token,
    make_settings,
    sign_in,
    signing_key_for_tests,
)
from tests.s3 import s3_server, s3_storage_settings  # noqa: F401

pytestmark = pytest.mark.both_databases


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(params=["local", "s3"])
def settings(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Settings:
    """The test's database, files on disk or in the test's bucket, a signing key of its own."""
    key = tmp_path / "keys" / "signing-key"
    key.parent.mkdir()
    shutil.copyfile(signing_key_for_tests(), key)
    key.chmod(0o600)
    base = make_settings(database_url, uploads=tmp_path / "uploads")
    storage = (
        request.getfixturevalue("s3_storage_settings")
        if request.param == "s3"
        else StorageSettings()
    )
    return dataclasses.replace(
        base,
        storage=storage,
        certificates=dataclasses.replace(base.certificates, signing_key=key),
    )


def sources(settings: Settings, tmp_path: Path) -> Sources:
    pg_bin = None if settings.database.is_sqlite else PG_BIN
    return Sources(settings=settings, secret_file=tmp_path / "secret_key", pg_bin=pg_bin)


async def every_row(settings: Settings) -> dict[str, list[str]]:
    """Every row of every table (``alembic_version`` included), as sorted text."""
    engine = create_engine(settings.database)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            found: dict[str, list[str]] = {}
            for table in sorted(tables):
                quoted = connection.dialect.identifier_preparer.quote(table)
                rows = await connection.execute(text(f"SELECT * FROM {quoted}"))  # noqa: S608
                found[table] = sorted(repr(tuple(row)) for row in rows.all())
            return found
    finally:
        await engine.dispose()


async def wipe(settings: Settings, sources: Sources) -> None:
    """Drop every table, delete every stored file, the keys and the secret."""
    if settings.database.is_sqlite:
        path = settings.database.url.split(":///", 1)[1]
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA foreign_keys=OFF")
            names = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            for (name,) in names.fetchall():
                connection.execute(f'DROP TABLE "{name}"')
    else:
        engine = create_engine(settings.database)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()
    storage = storage_for(settings)
    for key in await storage.keys():
        await storage.delete(key)
    key_file = settings.certificates.signing_key
    key_file.unlink()
    keys.retired_path(key_file).unlink()
    assert sources.secret_file is not None
    sources.secret_file.unlink()


async def credentials(client: AsyncTestClient) -> dict[str, str]:
    """The signed credential of every issued certificate, by its code."""
    await sign_in(client, DEMO_USERS["coordinator"])
    listed = await client.get("/api/certificates")
    assert listed.status_code == 200, listed.text
    tokens = {}
    for item in listed.json()["certificates"]:
        answer = await client.get(f"/api/certificates/{item['code']}/credential")
        if answer.status_code == 200:
            tokens[item["code"]] = answer.text
    assert tokens, "the demo data has an issued certificate"
    return tokens


async def test_a_backup_restores_every_row_file_key_and_credential(
    client: AsyncTestClient, settings: Settings, tmp_path: Path
) -> None:
    what = sources(settings, tmp_path)
    assert what.secret_file is not None
    what.secret_file.write_text("development-secret-" * 3)
    engine = create_engine(settings.database)
    async with engine.connect() as connection:
        candidate_id = (
            await connection.execute(select(Candidate.id).where(Candidate.user_id.is_not(None)))
        ).scalar_one()
    await engine.dispose()
    await sign_in(client, DEMO_USERS["counsellor"])
    answer = await client.post(
        f"/candidates/{candidate_id}/evidence",
        data={"_csrf_token": await csrf_token(client), "title": "Sample", "description": ""},
        files={"file": ("sample.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    signed_before_rotation = await credentials(client)
    keys.generate(settings.certificates.signing_key, settings.public_url, rotate=True)
    signed_after_rotation = await credentials(client)

    rows = await every_row(settings)
    storage = storage_for(settings)
    files = {key: await storage.get(key) for key in await storage.keys()}
    assert len(files) == 1
    key_bytes = settings.certificates.signing_key.read_bytes()
    retired_bytes = keys.retired_path(settings.certificates.signing_key).read_bytes()
    seen: list[tuple[str, int, int]] = []

    folder = tmp_path / "backup"
    manifest = await create_backup(
        folder, what, progress=lambda stage, done, total: seen.append((stage, done, total))
    )
    assert manifest.database == ("sqlite" if settings.database.is_sqlite else "postgresql")
    assert manifest.revision == rows["alembic_version"][0][2:-3]
    assert sorted(entry.role for entry in manifest.entries) == [
        "database",
        "file",
        "retired_keys",
        "secret_key",
        "signing_key",
    ]
    assert ("files", 1, 1) in seen
    assert read_manifest(folder).as_json() == manifest.as_json()

    await wipe(settings, what)
    assert await every_row(settings) == {}

    # A backup changed after it was made restores nothing.
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    [stored] = [entry for entry in manifest.entries if entry.role == "file"]
    (tampered / stored.path).write_bytes(b"not what was backed up")
    with pytest.raises(BackupProblem, match="checksum"):
        await restore_backup(tampered, what)
    assert await every_row(settings) == {}
    assert await storage.keys() == []
    assert not settings.certificates.signing_key.exists()
    assert not what.secret_file.exists()

    await restore_backup(folder, what)

    assert await every_row(settings) == rows
    assert {key: await storage.get(key) for key in await storage.keys()} == files
    assert settings.certificates.signing_key.read_bytes() == key_bytes
    assert settings.certificates.signing_key.stat().st_mode & 0o777 == 0o600
    assert keys.retired_path(settings.certificates.signing_key).read_bytes() == retired_bytes
    assert what.secret_file.read_text() == "development-secret-" * 3
    restored = keys.load(settings.certificates.signing_key, settings.public_url)
    for token in [*signed_before_rotation.values(), *signed_after_rotation.values()]:
        credential.verify(token, restored.public_jwks())

    # A database that holds data is replaced only when asked to.
    with pytest.raises(BackupProblem, match="already holds data"):
        await restore_backup(folder, what)
    await restore_backup(folder, what, force=True)
    assert await every_row(settings) == rows


async def test_a_backup_of_newer_code_or_another_database_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    what = sources(settings, tmp_path)
    folder = tmp_path / "backup"
    await create_backup(folder, what)
    manifest = (folder / "manifest.json").read_text()
    other = "postgresql" if settings.database.is_sqlite else "sqlite"
    kind = '"sqlite"' if settings.database.is_sqlite else '"postgresql"'
    (folder / "manifest.json").write_text(manifest.replace(kind, f'"{other}"', 1))
    with pytest.raises(BackupProblem, match="same kind of database"):
        await restore_backup(folder, what, force=True)
    revision = read_manifest(tmp_path / "backup").revision
    (folder / "manifest.json").write_text(manifest.replace(f'"{revision}"', '"9999_future"'))
    with pytest.raises(BackupProblem, match="newer version"):
        await restore_backup(folder, what, force=True)
    with pytest.raises(BackupProblem, match="not an empty folder"):
        await create_backup(folder, what)


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("settings", ["local"], indirect=True)  # S3: the same commands
async def test_the_commands_back_up_and_restore(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISOK_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("ISOK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("ISOK_UPLOAD_DIR", str(settings.uploads.directory))
    monkeypatch.setenv("ISOK_SIGNING_KEY", str(settings.certificates.signing_key))
    monkeypatch.setenv("ISOK_PG_BIN", str(tmp_path))  # no pg_dump there
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        folder = tmp_path / "backup"
        if not settings.database.is_sqlite:
            missing = await asyncio.to_thread(
                runner.invoke, main, ["backup", "create", str(folder)]
            )
            assert missing.exit_code == 1
            assert "pg_dump was not found in ISOK_PG_BIN" in missing.output
            monkeypatch.setenv("ISOK_PG_BIN", str(PG_BIN))
            get_settings.cache_clear()
        created = await asyncio.to_thread(run, runner, "backup", "create", str(folder))
        assert created.exit_code == 0, created.output
        assert "Backed up the" in created.output
        refused = await asyncio.to_thread(runner.invoke, main, ["backup", "restore", str(folder)])
        assert refused.exit_code == 1
        assert "already holds data" in refused.output
        assert len(refused.output.strip().splitlines()) == 1
        forced = await asyncio.to_thread(run, runner, "backup", "restore", "--force", str(folder))
        assert forced.exit_code == 0, forced.output
        assert "Restored the" in forced.output
    finally:
        get_settings.cache_clear()
