"""Evidence uploads: checked by content, cleaned, stored under random names outside the web root.

What comes in is judged by its bytes, never by its name or the browser's content type:

- **PDF**: starts with ``%PDF-`` and has ``%%EOF`` near the end, and is then *rebuilt*, not
  filtered: qpdf parses it, everything active (scripts, actions other than going to a page,
  XFA forms, embedded files, rich media) is removed, and a new file is written from what is
  left (:func:`disarm_pdf`, :mod:`candidates.pdf_disarm`). Only the rebuilt file is stored;
  the upload itself is kept nowhere. A PDF that cannot be parsed, has a password, or is too
  big once unpacked is refused.
- **JPEG and PNG**: the magic bytes say which, and Pillow must open and verify the image. The
  image is then re-encoded from its pixels alone, so EXIF (GPS position, camera serial
  numbers), XMP, comments and text chunks are gone. The orientation the camera recorded in
  EXIF is applied to the pixels first (:func:`PIL.ImageOps.exif_transpose`) so that a photo
  does not turn on its side when its metadata is dropped. An image of more than
  :data:`MAX_PIXELS` pixels is refused before its pixels are decoded (a small PNG can claim
  to be gigapixels of one colour).

Everything else (SVG with or without script, HTML, executables, archives, empty files) is
refused with a message for the person, and nothing is written.

Storage and the transaction (:class:`EvidenceStore`). Files go through the portal's storage
(:mod:`kit.storage`: the upload folder, or an S3-compatible bucket shared by several
machines). A file and its database row must live and die together, but the request's session
commits only after the handler returns. So:

1. the cleaned bytes are stored whole under a new random name (on local disk: written to a
   temporary ``.<random>.part`` file and renamed; on S3: one PUT);
2. the :class:`~candidates.models.EvidenceItem` row is added and flushed; if the flush fails,
   the file is removed and the error goes on;
3. the name is remembered in ``session.info`` as written in this transaction;
4. when the transaction commits, the file is kept; when it ends in any other way (rollback,
   an error status at the edge, a session closed without commit), a session event removes
   the file again.

Deleting works the other way round: the row is deleted and the file is removed only after the
commit, so a failed commit leaves both. The one gap is a process dying between step 1 and the
commit: that leaves a file no row names. It is never served (files are served only through
their row) and is swept by ``isok uploads sweep`` (:func:`sweep_orphans`), which compares the
stored names with ``evidence_item.stored_name`` and removes what no row names once it is old
enough that no upload can still be on its way to a commit.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import io
import logging
import re
import secrets
import subprocess
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

from candidates.models import EvidenceItem
from kit.i18n import gettext
from kit.storage import Storage

if TYPE_CHECKING:
    from candidates.pdf_disarm import Budget

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")
TEMPORARY_NAME = re.compile(r"^\.[0-9a-f]{32}\.part$")

# Bigger images than this are refused before decoding: a small PNG can decode to gigabytes.
# 40 million pixels hold any phone or camera photo (RGBA: 160 MB decoded, at most twice that
# while an upright copy is made).
MAX_PIXELS = 40_000_000
# How far from the end ``%%EOF`` may be (the specification allows trailing bytes).
PDF_EOF_WINDOW = 1024
# The PDF is rebuilt by this script, in a child process with limited memory and CPU time.
PDF_DISARM_SCRIPT = Path(__file__).resolve().with_name("pdf_disarm.py")
# Wall-clock time the child may take (its CPU time is limited separately, to less).
PDF_DISARM_TIMEOUT = 60.0
# Rebuilds at once in one worker process, each child allowed up to a gigabyte of memory; a
# further PDF waits this long for its turn.
PDF_DISARM_SLOTS = threading.BoundedSemaphore(2)
PDF_DISARM_WAIT = 30.0

logger = logging.getLogger("isok.uploads")

_WRITTEN = "isok_evidence_written"  # session.info: files to remove unless the commit happens
_TO_DELETE = "isok_evidence_deleted"  # session.info: files to remove once the commit happened


class UploadRejected(Exception):
    """The upload is not acceptable; ``message`` says why, in the person's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks: the bytes to store (cleaned) and what they are."""

    content: bytes
    content_type: str
    original_name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


# --- Reading and checking --------------------------------------------------------------


async def read_limited(upload: Any, *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes + 1`` bytes of an uploaded file; refuse it if it is bigger.

    ``upload`` is a Litestar ``UploadFile``. Reading one byte more than allowed tells an
    oversized file apart without reading the rest of it.
    """
    content: bytes = await upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise UploadRejected(
            gettext("The file is too big. The largest file you can upload is %(size)s.")
            % {"size": megabytes(max_bytes)}
        )
    return content


def megabytes(size: int) -> str:
    """A size for people: ``10 MB``."""
    return f"{size / (1024 * 1024):g} MB"


def check_upload(content: bytes, *, original_name: str) -> CheckedUpload:
    """Decide what ``content`` is by its bytes, and clean it for storage.

    Raises :class:`UploadRejected` for anything but a sound PDF, JPEG or PNG.
    """
    name = _clean_name(original_name)
    if not content:
        raise UploadRejected(gettext("The file is empty."))
    if content.startswith(b"%PDF-"):
        return CheckedUpload(content=disarm_pdf(content), content_type=PDF, original_name=name)
    if content.startswith(b"\xff\xd8\xff"):
        return CheckedUpload(
            content=clean_image(content, expected="JPEG"), content_type=JPEG, original_name=name
        )
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return CheckedUpload(
            content=clean_image(content, expected="PNG"), content_type=PNG, original_name=name
        )
    raise UploadRejected(
        gettext(
            "This file is not a PDF, JPEG or PNG file. Only those can be uploaded; the "
            "content of the file was checked, not its name."
        )
    )


def _clean_name(name: str) -> str:
    """The original file name for display only: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:255]


def disarm_pdf(content: bytes, *, budget: Budget | None = None) -> bytes:
    """A new PDF made from ``content`` without its active content; refuse what cannot be.

    Evidence files are documents to read: a certificate, a reference letter, a photo of a
    work sample. Scripts, actions that start programs, open web addresses or send form data,
    XFA forms and embedded files do not belong in a portfolio, and a counsellor or teacher
    opening the file should not be put at risk. Looking for them in the bytes can always be
    outwitted, so the file is parsed by qpdf and written anew from the harmless part
    (:mod:`candidates.pdf_disarm` says what stays and what goes), in a child process with
    limited memory and CPU time: a decompression bomb ends that process and the file is
    refused. ``budget`` bounds pages, objects and decoded bytes (defaults: see
    :class:`~candidates.pdf_disarm.Budget`).

    The bytes reach the child through a pipe and the rebuilt file comes back the same way:
    the upload is never written anywhere.
    """
    from candidates import pdf_disarm  # pikepdf: loaded when the first PDF arrives

    if not content.startswith(b"%PDF-"):
        raise UploadRejected(gettext("This PDF file is damaged: it does not start as a PDF."))
    if b"%%EOF" not in content[-PDF_EOF_WINDOW:]:
        raise UploadRejected(
            gettext("This PDF file is damaged or incomplete: it does not end as a PDF.")
        )
    budget = budget or pdf_disarm.Budget()
    if not PDF_DISARM_SLOTS.acquire(timeout=PDF_DISARM_WAIT):
        raise UploadRejected(
            gettext("Many files are being checked just now. Try again in a minute.")
        )
    try:
        # Isolated (-I) from our environment variables and working folder: the child needs
        # no secret and no file, and if a hostile PDF ever took qpdf over it would find none.
        done = subprocess.run(  # noqa: S603 - our own script, run by our own interpreter
            [sys.executable, "-I", "-B", str(PDF_DISARM_SCRIPT), *budget.as_arguments()],
            input=content,
            capture_output=True,
            timeout=PDF_DISARM_TIMEOUT,
            check=False,
            env={},
            cwd="/",
        )
    except subprocess.TimeoutExpired:
        status, output, problem = None, b"", b"timed out"
    else:
        status, output, problem = done.returncode, done.stdout, done.stderr
    finally:
        PDF_DISARM_SLOTS.release()
    if status == pdf_disarm.DISARMED and output.startswith(b"%PDF-"):
        return output
    if status == pdf_disarm.ENCRYPTED:
        raise UploadRejected(
            gettext(
                "This PDF is protected with a password, so it cannot be checked. Save or "
                "print it again without a password and upload that."
            )
        )
    if status == pdf_disarm.DAMAGED:
        raise UploadRejected(
            gettext(
                "This PDF file is damaged and cannot be read. Save or print it again as a "
                "PDF and upload that."
            )
        )
    if status != pdf_disarm.OVER_BUDGET:  # killed at a limit, or something unforeseen
        logger.warning(
            "PDF disarming ended with status %s: %s",
            status,
            problem.decode(errors="replace")[-500:],
        )
    raise UploadRejected(
        gettext(
            "This PDF is too big or too complex to check: at most %(pages)d pages, and not "
            "too much content once unpacked. Split it, or save or print it again as a smaller "
            "PDF, and upload that."
        )
        % {"pages": budget.pages}
    )


def clean_image(content: bytes, *, expected: str) -> bytes:
    """Verify an image with Pillow and re-encode its pixels without any metadata.

    ``expected`` is the format the magic bytes announced ("JPEG" or "PNG"); Pillow must agree.
    """
    not_an_image = UploadRejected(
        gettext("This image file is damaged or is not really a JPEG or PNG image.")
    )
    too_large = UploadRejected(
        gettext(
            "The image is too large (over %(pixels)d million pixels). Make it smaller and "
            "upload it again."
        )
        % {"pixels": MAX_PIXELS // 1_000_000}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                if probe.format != expected:
                    raise not_an_image
                width, height = probe.size  # from the header: nothing is decoded yet
                if width * height > MAX_PIXELS:
                    raise too_large
                probe.verify()
            # verify() leaves the image unusable: open it again to decode the pixels.
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                ImageOps.exif_transpose(image, in_place=True)  # no second full copy
                return _encode(image, expected)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_large from error  # Pillow's own limit, met before ours could look
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise not_an_image from error


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Only the pixels (and PNG transparency) go out: EXIF, XMP, ICC, comments stay behind."""
    transparency = image.info.get("transparency") if image_format == "PNG" else None
    clean = image  # ours alone: emptying its info in place saves a copy of the pixels
    clean.info = {}
    out = io.BytesIO()
    if image_format == "JPEG":
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(out, format="JPEG", quality=90)
    else:
        options: dict[str, Any] = {}
        if transparency is not None:
            options["transparency"] = transparency
        clean.save(out, format="PNG", **options)
    return out.getvalue()


# --- Storing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingFile:
    """Cleaned bytes stored under their new random name, waiting for their database row."""

    stored_name: str


class EvidenceStore:
    """Evidence files in the portal's storage (:mod:`kit.storage`): random names, private,
    kept or removed with the transaction that names them."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @staticmethod
    def is_ours(stored_name: str | None) -> bool:
        """Whether ``stored_name`` is a name this store makes (no folders, no dots)."""
        return bool(stored_name and STORED_NAME.match(stored_name))

    def new_name(self, upload: CheckedUpload) -> str:
        """A random name that says nothing of the file but its kind."""
        return f"{secrets.token_hex(16)}{upload.extension}"

    async def read(self, stored_name: str | None) -> bytes | None:
        """The stored file's bytes, or None when the name is not ours or the file is gone."""
        if stored_name is None or not self.is_ours(stored_name):
            return None
        try:
            return await self.storage.get(stored_name)
        except FileNotFoundError:
            return None

    async def write(self, upload: CheckedUpload) -> PendingFile:
        """Store the bytes whole under a new name (step 1 of the module docstring)."""
        name = self.new_name(upload)
        await self.storage.put(name, upload.content)
        return PendingFile(stored_name=name)

    async def discard(self, pending: PendingFile) -> None:
        await self.storage.delete(pending.stored_name)

    def keep_if_committed(self, session: Session, pending: PendingFile) -> None:
        """Keep the file if ``session`` commits; remove it again otherwise."""
        session.info.setdefault(_WRITTEN, []).append((self.storage, pending.stored_name))

    def delete_after_commit(self, session: Session, stored_name: str | None) -> None:
        """Remove the stored file once the deletion of its row has been committed."""
        if self.is_ours(stored_name):
            session.info.setdefault(_TO_DELETE, []).append((self.storage, stored_name))


@dataclass(frozen=True)
class SweepReport:
    """What a sweep found: files no row names (removed unless a dry run) and files kept."""

    orphans: tuple[str, ...]
    kept: int
    too_new: int


async def sweep_orphans(
    session: AsyncSession,
    store: EvidenceStore,
    *,
    min_age: datetime.timedelta = datetime.timedelta(hours=1),
    dry_run: bool = False,
    now: datetime.datetime | None = None,
) -> SweepReport:
    """Remove stored files (and leftover ``.part`` files) that no evidence row names.

    Only files last written more than ``min_age`` ago are touched: a younger one may belong
    to an upload whose transaction has not committed yet. Anything else in the storage (not
    a name this store makes) is left alone.
    """
    entries = await store.storage.entries()
    known = set(
        (
            await session.scalars(
                select(EvidenceItem.stored_name).where(EvidenceItem.stored_name.is_not(None))
            )
        ).all()
    )
    moment = now or datetime.datetime.now(datetime.UTC)
    orphans: list[str] = []
    kept = too_new = 0
    for entry in entries:
        if not (STORED_NAME.match(entry.key) or TEMPORARY_NAME.match(entry.key)):
            continue
        if entry.key in known:
            kept += 1
        elif moment - entry.modified < min_age:
            too_new += 1
        else:
            orphans.append(entry.key)
    if not dry_run:
        for key in orphans:
            await store.storage.delete(key)
    return SweepReport(orphans=tuple(orphans), kept=kept, too_new=too_new)


# Files to remove, each with the storage that holds it.
_Files = list[tuple[Storage, str]]
# Removals started from a session event outside SQLAlchemy's greenlet (kept till done).
_BACKGROUND: set[asyncio.Task[None]] = set()


async def _remove(files: _Files) -> None:
    for storage, key in files:
        try:
            await storage.delete(key)
        except Exception:  # a file left behind is never served, and the sweep removes it
            logger.warning("Could not remove the stored file %s; the sweep will", key)


def _remove_now(files: _Files) -> None:
    """Remove ``files`` from a (synchronous) session event.

    The events of an ``AsyncSession`` run inside SQLAlchemy's greenlet, where an awaitable
    can be awaited in place (as its database drivers do). A plain ``Session`` used in a
    running event loop leaves the work to a task; without any loop it runs here.
    """
    if not files:
        return
    if in_greenlet():
        await_only(_remove(files))
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_remove(files))
        return
    task = loop.create_task(_remove(files))
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    _remove_now(session.info.pop(_TO_DELETE, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a nested transaction or savepoint: the outer one decides
    session.info.pop(_TO_DELETE, None)
    _remove_now(session.info.pop(_WRITTEN, []))
