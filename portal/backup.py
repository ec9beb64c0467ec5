"""Backups that restore: the database, every stored file, the signing keys and the secret.

``isok backup create DIR`` (portal/backup_commands.py) writes into a new, empty folder:

- ``database.sqlite3`` (SQLite's online backup API, so the portal may keep running) or
  ``database.pgdump`` (``pg_dump --format=custom``);
- ``files/<key>``: every file in the portal's storage (:mod:`kit.storage`: the upload folder
  or the S3 bucket), under the same key;
- ``keys/signing-key`` and ``keys/retired.json``: the credential-signing key and the retired
  public keys beside it (certificates/keys.py), so credentials issued before still verify;
- ``secret_key``: the development secret file, when the secret comes from one;
- ``manifest.json``, written last: the portal version, the database kind, the migration
  revision, the times, and each file's size and SHA-256. A folder without it is no backup.

``isok backup restore DIR`` checks every file against the manifest before it changes
anything, refuses a backup from newer code (a migration revision this code does not know) or
of the other database kind, and refuses to overwrite a database that holds rows unless told
to (``force``). Then it puts back the database (``sqlite3.Connection.backup`` into the
configured file; ``pg_restore --clean --if-exists --single-transaction``), the files (through
the storage, so a backup of local files can be restored into S3 and back), the keys and the
secret file.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from certificates.keys import retired_path
from kit.i18n import gettext
from kit.settings import Settings
from kit.storage import InvalidKey, check_key, storage_for, write_whole

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
SIGNING_KEY = "keys/signing-key"
RETIRED_KEYS = "keys/retired.json"
SECRET_KEY = "secret_key"  # noqa: S105 - a file name in the backup
FILES = "files/"
CHUNK = 1024 * 1024

#: ``progress(stage, done, total)``: how far a stage has come (for a terminal line).
Progress = Callable[[str, int, int], None]


class BackupProblem(Exception):
    """The backup cannot be made or restored; the message is one line saying why."""


@dataclass(frozen=True)
class Sources:
    """What a backup holds and where a restore puts it back: the portal's settings, and the
    development secret file (None when the secret comes from ``ISOK_SECRET_KEY``)."""

    settings: Settings
    secret_file: Path | None = None
    pg_bin: Path | None = None


@dataclass
class Entry:
    """One file of the backup: its path in the folder, what it is, its size and checksum."""

    path: str
    role: str  # database, file, signing_key, retired_keys, secret_key
    size: int
    sha256: str
    key: str | None = None  # for a stored file: its key in the storage

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "path": self.path,
            "role": self.role,
            "size": self.size,
            "sha256": self.sha256,
        }
        if self.key is not None:
            found["key"] = self.key
        return found


@dataclass
class Manifest:
    """``manifest.json``: what the backup holds and what made it."""

    portal_version: str
    database: str  # sqlite or postgresql
    revision: str | None
    started_at: str
    finished_at: str = ""
    storage: str = "local"
    entries: list[Entry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "portal_version": self.portal_version,
            "database": self.database,
            "revision": self.revision,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "storage": self.storage,
            "entries": [entry.as_json() for entry in self.entries],
        }

    def of_role(self, role: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.role == role]


def portal_version() -> str:
    try:
        return package_metadata.version("isok-portal")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def _digest(path: Path) -> tuple[int, str]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return size, hasher.hexdigest()


def _new_folder(target: Path) -> None:
    """Make ``target`` for a backup; refuse a file or a folder that holds anything."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupProblem(
            gettext("%(path)s is not an empty folder: give a new folder for the backup.")
            % {"path": target}
        )
    target.mkdir(mode=0o700, parents=True, exist_ok=True)


def write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """A file of the backup (or a restored key): written whole, in private folders."""
    write_whole(path, data, mode=mode, folder_mode=0o700)


def database_kind(settings: Settings) -> str:
    return "sqlite" if settings.database.is_sqlite else "postgresql"


def sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.database.url).database
    if not database or database == ":memory:":
        raise BackupProblem(gettext("The SQLite database must be a file to be backed up."))
    return Path(database)


# --- The database -------------------------------------------------------------------------


async def _revision_and_rows(settings: Settings) -> tuple[str | None, bool]:
    """The database's migration revision (None: never migrated) and whether any table other
    than ``alembic_version`` holds a row."""
    from portal.database import create_engine

    engine = create_engine(settings.database)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            revision = None
            if "alembic_version" in tables:
                found = await connection.execute(text("SELECT version_num FROM alembic_version"))
                revision = ",".join(sorted(str(row[0]) for row in found.all())) or None
            for table in tables:
                if table == "alembic_version":
                    continue
                quoted = connection.dialect.identifier_preparer.quote(table)
                found = await connection.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1"))  # noqa: S608
                if found.first() is not None:
                    return revision, True
            return revision, False
    finally:
        await engine.dispose()


def _sqlite_revision(path: Path) -> str | None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:
            return None
    return ",".join(sorted(str(row[0]) for row in rows)) or None


def _sqlite_backup(source: Path, target: Path, progress: Progress) -> None:
    if not source.is_file():
        raise BackupProblem(
            gettext("The SQLite database %(path)s does not exist.") % {"path": source}
        )
    original = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:

        def step(_status: int, remaining: int, total: int) -> None:
            progress(gettext("database pages"), total - remaining, total)

        original.backup(copy, pages=1024, progress=step)
        # One self-contained file: no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        original.close()
    target.chmod(0o600)


def _sqlite_restore(copy: Path, target: Path, progress: Progress) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    live = sqlite3.connect(target)
    try:

        def step(_status: int, remaining: int, total: int) -> None:
            progress(gettext("database pages"), total - remaining, total)

        source.backup(live, pages=1024, progress=step)
    finally:
        live.close()
        source.close()


def _pg_program(name: str, folder: Path | None) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: in ISOK_PG_BIN when set, else on PATH."""
    if folder is not None:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise BackupProblem(
            gettext("%(name)s was not found in ISOK_PG_BIN (%(folder)s).")
            % {"name": name, "folder": folder}
        )
    found = shutil.which(name)
    if found is None:
        raise BackupProblem(
            gettext(
                "%(name)s was not found on PATH: install the PostgreSQL client programs of the"
                " server's version, or set ISOK_PG_BIN to the folder that holds them."
            )
            % {"name": name}
        )
    return found


def _pg_environment(url: str) -> dict[str, str]:
    """libpq's variables for the database at ``url``: the password never goes on a command
    line, where other users of the machine could read it."""
    parsed = make_url(url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    values = {
        "PGHOST": parsed.host or str(parsed.query.get("host", "") or ""),
        "PGPORT": str(parsed.port or ""),
        "PGUSER": parsed.username or "",
        "PGPASSWORD": parsed.password or "",
        "PGDATABASE": parsed.database or "",
    }
    ssl = parsed.query.get("ssl") or parsed.query.get("sslmode")
    if isinstance(ssl, str) and ssl:
        values["PGSSLMODE"] = {"true": "require"}.get(ssl.lower(), ssl)
    env.update({key: value for key, value in values.items() if value})
    return env


def _run_pg(program: str, arguments: list[str], settings: Settings) -> None:
    done = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [program, *arguments],
        env=_pg_environment(settings.database.url),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["?"]
        raise BackupProblem(f"{Path(program).name}: {lines[-1][:300]}")


# --- Creating ------------------------------------------------------------------------------


async def create_backup(target: Path, sources: Sources, *, progress: Progress = _quiet) -> Manifest:
    """Write a backup of everything the portal keeps into ``target`` (new or empty)."""
    settings = sources.settings
    _new_folder(target)
    manifest = Manifest(
        portal_version=portal_version(),
        database=database_kind(settings),
        revision=None,
        started_at=_now(),
        storage=settings.storage.kind,
    )

    def add(path: str, role: str, key: str | None = None) -> None:
        size, sha256 = _digest(target / path)
        manifest.entries.append(Entry(path=path, role=role, size=size, sha256=sha256, key=key))

    # The database.
    if settings.database.is_sqlite:
        await asyncio.to_thread(
            _sqlite_backup, sqlite_path(settings), target / SQLITE_FILE, progress
        )
        manifest.revision = _sqlite_revision(target / SQLITE_FILE)
        add(SQLITE_FILE, "database")
    else:
        manifest.revision, _rows = await _revision_and_rows(settings)
        program = _pg_program("pg_dump", sources.pg_bin)
        progress(gettext("database"), 0, 1)
        await asyncio.to_thread(
            _run_pg,
            program,
            ["--format=custom", "--no-owner", "--no-privileges", f"--file={target / PG_FILE}"],
            settings,
        )
        (target / PG_FILE).chmod(0o600)
        progress(gettext("database"), 1, 1)
        add(PG_FILE, "database")

    # The stored files.
    storage = storage_for(settings)
    keys = await storage.keys()
    for done, key in enumerate(keys, start=1):
        try:
            content = await storage.get(key)
        except FileNotFoundError:
            continue  # removed since the listing (an erasure, the sweep)
        write_private(target / FILES / key, content)
        add(FILES + key, "file", key)
        progress(gettext("files"), done, len(keys))
    progress(gettext("files"), len(keys), len(keys))

    # The keys and the secret.
    signing_key = settings.certificates.signing_key
    if signing_key.is_file():
        write_private(target / SIGNING_KEY, signing_key.read_bytes())
        add(SIGNING_KEY, "signing_key")
    if retired_path(signing_key).is_file():
        write_private(target / RETIRED_KEYS, retired_path(signing_key).read_bytes())
        add(RETIRED_KEYS, "retired_keys")
    if sources.secret_file is not None and sources.secret_file.is_file():
        write_private(target / SECRET_KEY, sources.secret_file.read_bytes())
        add(SECRET_KEY, "secret_key")

    manifest.finished_at = _now()
    write_private(target / MANIFEST, (json.dumps(manifest.as_json(), indent=2) + "\n").encode())
    return manifest


# --- Restoring -----------------------------------------------------------------------------


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the backup in ``folder``, its entries' names checked."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupProblem(
            gettext("%(path)s holds no manifest.json: it is no finished backup.") % {"path": folder}
        ) from None
    except (OSError, ValueError) as error:
        raise BackupProblem(
            gettext("The manifest of the backup cannot be read: %(error)s") % {"error": error}
        ) from None
    try:
        if raw["format"] != FORMAT:
            raise BackupProblem(
                gettext("This backup has format %(format)s; this portal reads format 1.")
                % {"format": raw["format"]}
            )
        manifest = Manifest(
            portal_version=str(raw["portal_version"]),
            database=str(raw["database"]),
            revision=raw["revision"],
            started_at=str(raw["started_at"]),
            finished_at=str(raw["finished_at"]),
            storage=str(raw.get("storage", "local")),
            entries=[
                Entry(
                    path=str(item["path"]),
                    role=str(item["role"]),
                    size=int(item["size"]),
                    sha256=str(item["sha256"]),
                    key=item.get("key"),
                )
                for item in raw["entries"]
            ],
        )
    except (KeyError, TypeError, ValueError):
        raise BackupProblem(gettext("The manifest of the backup is not complete.")) from None
    fixed = {
        "database": {SQLITE_FILE, PG_FILE},
        "signing_key": {SIGNING_KEY},
        "retired_keys": {RETIRED_KEYS},
        "secret_key": {SECRET_KEY},
    }
    for entry in manifest.entries:
        if entry.role == "file":
            try:
                good = entry.key is not None and entry.path == FILES + check_key(entry.key)
            except InvalidKey:
                good = False
        else:
            good = entry.path in fixed.get(entry.role, set())
        if not good:
            raise BackupProblem(
                gettext("The manifest names a file it may not: %(path)r") % {"path": entry.path}
            )
    if len(manifest.of_role("database")) != 1:
        raise BackupProblem(gettext("The manifest names no database."))
    return manifest


def verify_backup(folder: Path, manifest: Manifest, *, progress: Progress = _quiet) -> None:
    """Every file the manifest names is there with its size and SHA-256; else one line."""
    total = len(manifest.entries)
    for done, entry in enumerate(manifest.entries, start=1):
        path = folder / entry.path
        try:
            size, sha256 = _digest(path)
        except (FileNotFoundError, IsADirectoryError):
            raise BackupProblem(
                gettext("%(path)s is missing from the backup.") % {"path": entry.path}
            ) from None
        if (size, sha256) != (entry.size, entry.sha256):
            raise BackupProblem(
                gettext(
                    "%(path)s does not match its checksum in the manifest: the backup was"
                    " changed or damaged. Nothing was restored."
                )
                % {"path": entry.path}
            )
        progress(gettext("checked"), done, total)


async def restore_backup(
    folder: Path, sources: Sources, *, force: bool = False, progress: Progress = _quiet
) -> Manifest:
    """Put the backup in ``folder`` back (see the module). Nothing changes unless every
    check passes first."""
    from portal.migrate import code_revisions, migration_state

    settings = sources.settings
    manifest = read_manifest(folder)
    kind = database_kind(settings)
    if manifest.database != kind:
        raise BackupProblem(
            gettext(
                "This is a backup of a %(backup)s database; the portal is set to use"
                " %(target)s. Restore it into the same kind of database."
            )
            % {"backup": manifest.database, "target": kind}
        )
    if migration_state(manifest.revision, code_revisions()) == "ahead":
        raise BackupProblem(
            gettext(
                "This backup comes from a newer version of the portal (migration %(revision)s,"
                " version %(version)s): install that version first, then restore."
            )
            % {"revision": manifest.revision, "version": manifest.portal_version}
        )
    await asyncio.to_thread(verify_backup, folder, manifest, progress=progress)
    pg_restore = None if settings.database.is_sqlite else _pg_program("pg_restore", sources.pg_bin)
    if not settings.database.is_sqlite or sqlite_path(settings).exists():
        _revision, has_rows = await _revision_and_rows(settings)
        if has_rows and not force:
            raise BackupProblem(
                gettext(
                    "The database already holds data. Restore into an empty database, or give"
                    " --force to replace what it holds."
                )
            )

    # Every check passed: now the changes.
    [database] = manifest.of_role("database")
    if pg_restore is None:
        await asyncio.to_thread(
            _sqlite_restore, folder / database.path, sqlite_path(settings), progress
        )
    else:
        progress(gettext("database"), 0, 1)
        await asyncio.to_thread(
            _run_pg,
            pg_restore,
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={make_url(settings.database.url).database}",
                str(folder / database.path),
            ],
            settings,
        )
        progress(gettext("database"), 1, 1)

    storage = storage_for(settings)
    files = manifest.of_role("file")
    for done, entry in enumerate(files, start=1):
        await storage.put(str(entry.key), (folder / entry.path).read_bytes())
        progress(gettext("files"), done, len(files))

    signing_key = settings.certificates.signing_key
    for entry in manifest.of_role("signing_key"):
        write_private(signing_key, (folder / entry.path).read_bytes(), 0o600)
    for entry in manifest.of_role("retired_keys"):
        write_private(retired_path(signing_key), (folder / entry.path).read_bytes(), 0o644)
    if sources.secret_file is not None:
        for entry in manifest.of_role("secret_key"):
            write_private(sources.secret_file, (folder / entry.path).read_bytes(), 0o600)
    return manifest
