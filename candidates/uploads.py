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

Storage and the transaction (:class:`EvidenceStore`). A file and its database row must live
and die together, but the request's session commits only after the handler returns. So:

1. the cleaned bytes are written to a temporary name (``.<random>.part``) in the upload
   folder;
2. the :class:`~candidates.models.EvidenceItem` row is added and flushed; if the flush fails,
   the temporary file is removed and the error goes on;
3. the temporary file is renamed to its final random name (an atomic rename in one folder)
   and remembered in ``session.info`` as written in this transaction;
4. when the transaction commits, the file is kept; when it ends in any other way (rollback,
   an error status at the edge, a session closed without commit), a session event removes
   the file again.

Deleting works the other way round: the row is deleted and the file is removed only after the
commit, so a failed commit leaves both. The one gap is a process dying between step 3 and the
commit: that leaves a file no row names. It is never served (files are served only through
their row) and is swept by ``isok uploads sweep`` (:func:`sweep_orphans`), which compares the
folder with ``evidence_item.stored_name`` and removes what no row names once it is old enough
that no upload can still be on its way to a commit.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import logging
import os
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

from candidates.models import EvidenceItem
from kit.i18n import gettext

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
    """Cleaned bytes written under a temporary name, waiting for their database row."""

    temporary: Path
    final: Path

    @property
    def stored_name(self) -> str:
        return self.final.name


class EvidenceStore:
    """The upload folder: random names, private permissions, tied to the transaction."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_of(self, stored_name: str) -> Path | None:
        """The file's path, if ``stored_name`` is one of ours (no folders, no dots)."""
        if not STORED_NAME.match(stored_name):
            return None
        return self.directory / stored_name

    def write_temporary(self, upload: CheckedUpload) -> PendingFile:
        """Write the bytes under a temporary name (step 1 of the module docstring)."""
        self._ensure_directory()
        token = secrets.token_hex(16)
        final = self.directory / f"{token}{upload.extension}"
        temporary = self.directory / f".{token}.part"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(upload.content)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return PendingFile(temporary=temporary, final=final)

    def discard(self, pending: PendingFile) -> None:
        pending.temporary.unlink(missing_ok=True)
        pending.final.unlink(missing_ok=True)

    def keep_if_committed(self, session: Session, pending: PendingFile) -> None:
        """Give the file its final name; remove it again unless ``session`` commits."""
        os.replace(pending.temporary, pending.final)
        session.info.setdefault(_WRITTEN, []).append(pending.final)

    def delete_after_commit(self, session: Session, stored_name: str | None) -> None:
        """Remove the stored file once the deletion of its row has been committed."""
        path = self.path_of(stored_name) if stored_name else None
        if path is not None:
            session.info.setdefault(_TO_DELETE, []).append(path)


@dataclass(frozen=True)
class SweepReport:
    """What a sweep found: files no row names (removed unless a dry run) and files kept."""

    orphans: tuple[Path, ...]
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

    Only files last changed more than ``min_age`` ago are touched: a younger one may belong
    to an upload whose transaction has not committed yet. Anything else in the folder (not
    a name this store makes) is left alone.
    """
    if not store.directory.is_dir():
        return SweepReport(orphans=(), kept=0, too_new=0)
    known = set(
        (
            await session.scalars(
                select(EvidenceItem.stored_name).where(EvidenceItem.stored_name.is_not(None))
            )
        ).all()
    )
    moment = (now or datetime.datetime.now(datetime.UTC)).timestamp()
    orphans: list[Path] = []
    kept = too_new = 0
    for path in sorted(store.directory.iterdir()):
        ours = STORED_NAME.match(path.name) or TEMPORARY_NAME.match(path.name)
        if not ours or not path.is_file():
            continue
        if path.name in known:
            kept += 1
        elif moment - path.stat().st_mtime < min_age.total_seconds():
            too_new += 1
        else:
            orphans.append(path)
    if not dry_run:
        for path in orphans:
            path.unlink(missing_ok=True)
    return SweepReport(orphans=tuple(orphans), kept=kept, too_new=too_new)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_TO_DELETE, []):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a nested transaction or savepoint: the outer one decides
    session.info.pop(_TO_DELETE, None)
    for path in session.info.pop(_WRITTEN, []):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
