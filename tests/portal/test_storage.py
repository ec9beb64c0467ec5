"""The storage interface (kit/storage.py) on local disk and on a real S3-compatible server
(moto in server mode), and evidence files kept in S3 through the whole portal: uploaded
through the page, downloaded, erased with the candidate, swept when no record names them."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from candidates.models import Candidate, EvidenceItem
from candidates.uploads import EvidenceStore, sweep_orphans
from kit.settings import Settings, SettingsError, StorageSettings, get_settings, settings_from_env
from kit.storage import InvalidKey, LocalStorage, S3Storage, Storage, check_key, storage_for
from portal.cli import main
from tests.conftest import DEMO_USERS, TEST_SECRET, make_settings, sign_in
from tests.conftest import csrf_token as csrf
from tests.s3 import S3Server, objects, s3_server, s3_storage_settings  # noqa: F401

pytestmark = pytest.mark.both_databases


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- The interface, on both kinds of storage -------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    return S3Storage(request.getfixturevalue("s3_storage_settings"))


async def test_put_get_exists_keys_delete(storage: Storage) -> None:
    assert await storage.keys() == []
    await storage.put("a1.pdf", b"first")
    await storage.put("folder/b2.png", b"second")
    await storage.put("a1.pdf", b"replaced")

    assert await storage.get("a1.pdf") == b"replaced"
    assert await storage.get("folder/b2.png") == b"second"
    assert await storage.exists("a1.pdf")
    assert not await storage.exists("missing.pdf")
    assert await storage.keys() == ["a1.pdf", "folder/b2.png"]
    assert await storage.keys("fold") == ["folder/b2.png"]
    assert await storage.keys("folder/") == ["folder/b2.png"]
    [entry, _] = await storage.entries()
    assert entry.size == len(b"replaced")
    age = datetime.datetime.now(datetime.UTC) - entry.modified
    assert abs(age) < datetime.timedelta(minutes=5)

    with pytest.raises(FileNotFoundError):
        await storage.get("missing.pdf")
    await storage.delete("a1.pdf")
    await storage.delete("a1.pdf")  # missing is fine
    assert await storage.keys() == ["folder/b2.png"]


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\x00b", "a\\b", "a\nb"]
)
async def test_keys_that_could_leave_the_store_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)
    with pytest.raises(InvalidKey):
        await storage.put(key, b"x")
    with pytest.raises(InvalidKey):
        await storage.get(key)


async def test_local_files_are_private(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "files")
    await storage.put("x/y.pdf", b"z")
    assert (tmp_path / "files").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "files" / "x" / "y.pdf").stat().st_mode & 0o777 == 0o600
    assert [path.name for path in (tmp_path / "files" / "x").iterdir()] == ["y.pdf"]


# --- Settings --------------------------------------------------------------------------------

BASE = {"ISOK_SECRET_KEY": TEST_SECRET}
S3 = {
    **BASE,
    "ISOK_STORAGE": "s3",
    "ISOK_S3_BUCKET": "isok-files",
    "ISOK_S3_ENDPOINT_URL": "https://s3.example.fi/",
    "ISOK_S3_REGION": "eu-north-1",
    "ISOK_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "ISOK_S3_SECRET_ACCESS_KEY": "very-secret-value",
    "ISOK_S3_PREFIX": "/isok/production/",
}


def test_storage_settings_are_read_from_the_environment() -> None:
    assert settings_from_env(BASE).storage == StorageSettings()
    chosen = settings_from_env(S3).storage
    assert chosen == StorageSettings(
        kind="s3",
        endpoint_url="https://s3.example.fi",
        bucket="isok-files",
        region="eu-north-1",
        access_key_id="AKIAEXAMPLE",
        secret_access_key="very-secret-value",
        prefix="isok/production",
    )
    assert "very-secret-value" not in repr(settings_from_env(S3))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"ISOK_STORAGE": "ftp"}, "ISOK_STORAGE"),
        ({"ISOK_S3_BUCKET": ""}, "ISOK_S3_BUCKET"),
        ({"ISOK_S3_BUCKET": "Bad_Bucket"}, "ISOK_S3_BUCKET"),
        ({"ISOK_S3_ENDPOINT_URL": "s3.example.fi"}, "ISOK_S3_ENDPOINT_URL"),
        ({"ISOK_S3_ENDPOINT_URL": "https://s3.example.fi/path"}, "ISOK_S3_ENDPOINT_URL"),
        ({"ISOK_S3_REGION": "eu north"}, "ISOK_S3_REGION"),
        ({"ISOK_S3_SECRET_ACCESS_KEY": ""}, "ISOK_S3_SECRET_ACCESS_KEY"),
        ({"ISOK_S3_PREFIX": "a/../b"}, "ISOK_S3_PREFIX"),
    ],
)
def test_bad_storage_settings_give_one_line(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings_from_env({**S3, **change})
    assert named in str(error.value)
    assert "\n" not in str(error.value)
    assert "very-secret-value" not in str(error.value)


# --- Evidence in S3, through the portal ------------------------------------------------------


@pytest.fixture
def settings(
    database_url: str,
    tmp_path: Path,
    s3_storage_settings: StorageSettings,  # noqa: F811
) -> Settings:
    """The test's database, files in the test's own bucket (no upload folder is used)."""
    local = tmp_path / "uploads-unused"
    return dataclasses.replace(
        make_settings(database_url, uploads=local), storage=s3_storage_settings
    )


async def demo_candidate_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        found = await session.execute(select(Candidate.id).where(Candidate.user_id.is_not(None)))
        return int(found.scalar_one())


async def test_evidence_lives_in_s3_from_upload_to_erasure(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    s3_server: S3Server,  # noqa: F811
) -> None:
    candidate_id = await demo_candidate_id(sessions)
    await sign_in(client, DEMO_USERS["counsellor"])
    answer = await client.post(
        f"/candidates/{candidate_id}/evidence",
        data={"_csrf_token": await csrf(client), "title": "Work sample", "description": ""},
        files={"file": ("sample.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    async with sessions() as session:
        item = (
            await session.execute(
                select(EvidenceItem).where(
                    EvidenceItem.candidate_id == candidate_id, EvidenceItem.title == "Work sample"
                )
            )
        ).scalar_one()
    stored = objects(s3_server, settings.storage)
    assert list(stored) == [f"isok/test/{item.stored_name}"]
    assert not settings.uploads.directory.exists()  # nothing on this machine's disk

    download = await client.get(f"/candidates/{candidate_id}/evidence/{item.id}/file")
    assert download.status_code == 200
    assert download.content == stored[f"isok/test/{item.stored_name}"]
    assert download.headers["content-type"].startswith("image/png")
    assert download.headers["content-disposition"] == 'attachment; filename="sample.png"'

    await sign_in(client, DEMO_USERS["coordinator"])
    answer = await client.post(
        f"/candidates/{candidate_id}/erase",
        data={"confirm": "yes", "_csrf_token": await csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert objects(s3_server, settings.storage) == {}
    gone = await client.get(f"/candidates/{candidate_id}/evidence/{item.id}/file")
    assert gone.status_code == 404


async def test_a_rolled_back_upload_leaves_no_object(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    s3_server: S3Server,  # noqa: F811
) -> None:
    from candidates.portfolio import EvidenceInput, add_evidence
    from candidates.uploads import check_upload

    store = EvidenceStore(storage_for(settings))
    checked = check_upload(png(), original_name="x.png")
    candidate_id = await demo_candidate_id(sessions)
    async with sessions() as session:
        await session.begin()
        await add_evidence(
            session,
            candidate_id=candidate_id,
            data=EvidenceInput(title="x"),
            upload=checked,
            store=store,
        )
        assert len(objects(s3_server, settings.storage)) == 1
        await session.rollback()
    assert objects(s3_server, settings.storage) == {}


@pytest.fixture
def isok_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[CliRunner]:
    storage = settings.storage
    for name, value in {
        "ISOK_DATABASE_URL": settings.database.url,
        "ISOK_SECRET_KEY": TEST_SECRET,
        "ISOK_STORAGE": "s3",
        "ISOK_S3_ENDPOINT_URL": storage.endpoint_url,
        "ISOK_S3_BUCKET": storage.bucket,
        "ISOK_S3_REGION": storage.region,
        "ISOK_S3_ACCESS_KEY_ID": storage.access_key_id,
        "ISOK_S3_SECRET_ACCESS_KEY": storage.secret_access_key,
        "ISOK_S3_PREFIX": storage.prefix,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


async def test_the_sweep_removes_objects_no_record_names(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    s3_server: S3Server,  # noqa: F811
    isok_env: CliRunner,
) -> None:
    from candidates.portfolio import EvidenceInput, add_evidence
    from candidates.uploads import check_upload

    storage = storage_for(settings)
    store = EvidenceStore(storage)
    candidate_id = await demo_candidate_id(sessions)
    async with sessions() as session, session.begin():
        item = await add_evidence(
            session,
            candidate_id=candidate_id,
            data=EvidenceInput(title="kept"),
            upload=check_upload(png(), original_name="x.png"),
            store=store,
        )
    orphan = f"{'e' * 32}.png"
    await storage.put(orphan, b"left by a crash")
    await storage.put("README.txt", b"not ours")

    # Through the command: every object is younger than the minimum age, so none goes.
    listed = await asyncio.to_thread(isok_env.invoke, main, ["uploads", "sweep", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert "kept 1 in use and 1 younger than 60 minutes" in listed.output
    assert f"s3://{settings.storage.bucket}/isok/test" in listed.output

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    async with sessions() as session:
        report = await sweep_orphans(session, store, now=later)
    assert report.orphans == (orphan,)
    assert await storage.keys() == sorted(["README.txt", str(item.stored_name)])
