"""Where the portal keeps its files: one interface over local disk or an S3-compatible store.

Evidence files (:mod:`candidates.uploads`) and anything else the portal stores go through a
:class:`Storage`, chosen by ``ISOK_STORAGE`` (:class:`kit.settings.StorageSettings`):

- ``local`` (the default): files in ``ISOK_UPLOAD_DIR`` on this machine's disk, a private
  folder (0700) of private files (0600), each written whole under a temporary name and then
  renamed, so a reader never sees half a file. Enough for one machine.
- ``s3``: objects in a bucket of any S3-compatible store (AWS S3, MinIO, Ceph, Garage,
  Hetzner, UpCloud, ...), through obstore, so several machines share the same files.

A *key* is a file's name relative to the store, such as ``3f2a...9c.pdf``: never an absolute
path, never ``..``, never a NUL (:func:`check_key`). The same keys work in both stores, which
is what lets ``isok backup`` copy files from one kind to the other.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kit.settings import Settings, StorageSettings

MAX_KEY_LENGTH = 1024


class InvalidKey(ValueError):
    """A key that could reach outside the store (absolute, ``..``, NUL) or is malformed."""


def check_key(key: str) -> str:
    """``key`` if it is a safe relative name: segments joined by ``/``, none empty, ``.`` or
    ``..``; no backslash, no NUL, no leading ``/``. Raises :class:`InvalidKey` otherwise."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey("a storage key must be a non-empty name")
    if "\x00" in key or "\\" in key or key.startswith("/"):
        raise InvalidKey("a storage key must be a relative name without NUL or backslash")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidKey("a storage key must not hold empty, '.' or '..' parts")
    if any(not ch.isprintable() for ch in key):
        raise InvalidKey("a storage key must hold printable characters only")
    return key


@dataclass(frozen=True)
class StoredObject:
    """One stored file: its key, size in bytes and when it was last written (UTC)."""

    key: str
    size: int
    modified: datetime.datetime


class Storage(abc.ABC):
    """The files of the portal, by key. Every method is safe to call from any worker."""

    #: Where the files are, for messages (a folder, or ``s3://bucket/prefix``).
    location: str

    @abc.abstractmethod
    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` whole (replacing what was there)."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; :class:`FileNotFoundError` when there are none."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key``; a key that is not there is no error."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether something is stored under ``key``."""

    @abc.abstractmethod
    async def entries(self, prefix: str = "") -> list[StoredObject]:
        """Every stored object whose key starts with ``prefix``, sorted by key."""

    async def keys(self, prefix: str = "") -> list[str]:
        """Every key that starts with ``prefix``, sorted."""
        return [entry.key for entry in await self.entries(prefix)]


class LocalStorage(Storage):
    """Files in a folder on this machine (``ISOK_UPLOAD_DIR``)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.location = str(self.directory)

    def path_of(self, key: str) -> Path:
        """The file that holds ``key`` (which is checked first)."""
        return self.directory.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self.path_of(key), data)

    def _put(self, path: Path, data: bytes) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A crash leaves at most a hidden temporary file: ``isok uploads sweep`` removes it.
        write_whole(path, data, folder_mode=0o700)

    async def get(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (IsADirectoryError, NotADirectoryError):
            raise FileNotFoundError(key) from None

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await asyncio.to_thread(_unlink, path)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def entries(self, prefix: str = "") -> list[StoredObject]:
        return await asyncio.to_thread(self._entries, prefix)

    def _entries(self, prefix: str) -> list[StoredObject]:
        found: list[StoredObject] = []
        for folder, _folders, names in os.walk(self.directory):
            base = Path(folder).relative_to(self.directory)
            for name in names:
                key = (base / name).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    status = os.stat(Path(folder) / name)
                except FileNotFoundError:
                    continue  # removed while we looked
                found.append(
                    StoredObject(
                        key=key,
                        size=status.st_size,
                        modified=datetime.datetime.fromtimestamp(status.st_mtime, datetime.UTC),
                    )
                )
        return sorted(found, key=lambda entry: entry.key)


def write_whole(path: Path, data: bytes, *, mode: int = 0o600, folder_mode: int = 0o777) -> None:
    """Write ``data`` to ``path`` all at once: under a temporary name, then renamed in one
    step, so a reader (or a crash) meets the old file or the new one, never half of one. The
    temporary file has ``mode`` from the start, so a private file is never readable by
    others, not even for a moment; missing folders are made with ``folder_mode``."""
    path.parent.mkdir(mode=folder_mode, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _unlink(path: Path) -> None:
    with contextlib.suppress(IsADirectoryError):  # a folder is not a stored file
        path.unlink(missing_ok=True)


class S3Storage(Storage):
    """Objects in a bucket of an S3-compatible store, through obstore."""

    def __init__(self, settings: StorageSettings) -> None:
        from obstore.store import S3Store  # loaded only when S3 is chosen

        options: dict[str, Any] = {}
        if settings.endpoint_url:
            options["endpoint"] = settings.endpoint_url
        if settings.region:
            options["region"] = settings.region
        if settings.access_key_id:
            options["access_key_id"] = settings.access_key_id
            options["secret_access_key"] = settings.secret_access_key
        self.store = S3Store(
            settings.bucket,
            prefix=settings.prefix or None,
            client_options={
                "allow_http": settings.endpoint_url.startswith("http://"),
                "connect_timeout": "10s",
                "timeout": "120s",
            },
            **options,
        )
        self.location = f"s3://{settings.bucket}/{settings.prefix}"

    async def put(self, key: str, data: bytes) -> None:
        import obstore

        await obstore.put_async(self.store, check_key(key), data)

    async def get(self, key: str) -> bytes:
        import obstore

        # obstore raises its NotFoundError, a FileNotFoundError, for a missing object.
        result = await obstore.get_async(self.store, check_key(key))
        return bytes(await result.bytes_async())

    async def delete(self, key: str) -> None:
        import obstore

        # S3 says nothing of a missing key; some compatible stores answer 404.
        with contextlib.suppress(FileNotFoundError):
            await obstore.delete_async(self.store, check_key(key))

    async def exists(self, key: str) -> bool:
        import obstore

        try:
            await obstore.head_async(self.store, check_key(key))
        except FileNotFoundError:
            return False
        return True

    async def entries(self, prefix: str = "") -> list[StoredObject]:
        import obstore

        # obstore lists by whole path segments: list the folder part, filter the rest here.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        found: list[StoredObject] = []
        async for chunk in obstore.list(self.store, prefix=folder or None):
            for meta in chunk:
                key = str(meta["path"])
                if key.startswith(prefix):
                    found.append(
                        StoredObject(
                            key=key, size=int(meta["size"]), modified=meta["last_modified"]
                        )
                    )
        return sorted(found, key=lambda entry: entry.key)


def storage_for(settings: Settings) -> Storage:
    """The storage ``settings`` choose (one object per configuration, shared)."""
    return _storage(settings.storage, settings.uploads.directory)


@lru_cache(maxsize=16)
def _storage(choice: StorageSettings, directory: Path) -> Storage:
    if choice.kind == "s3":
        return S3Storage(choice)
    return LocalStorage(directory)
