"""Evidence uploads: checked by content, cleaned, stored privately, served to few.

The first part needs no database (the checks on bytes); the second goes through the pages.
PDFs are rebuilt without their active content, images re-encoded without metadata; the
hostile files of :mod:`tests.candidates.hostile_files` are each refused or stored harmless.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import stat
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select

from accounts.models import User
from accounts.passwords import hash_password
from candidates import uploads
from candidates.models import Candidate, Claim, EvidenceItem, Interview
from candidates.pdf_disarm import Budget
from candidates.portfolio import EvidenceInput, add_evidence
from candidates.uploads import (
    JPEG,
    PDF,
    PNG,
    EvidenceStore,
    UploadRejected,
    check_upload,
    disarm_pdf,
    read_limited,
    sweep_orphans,
)
from kit.settings import Settings
from kit.storage import LocalStorage
from tests.candidates import hostile_files
from tests.candidates.conftest import Database
from tests.candidates.hostile_files import (
    CORPUS,
    IMAGE_PAYLOADS,
    IMAGES_WITH_PAYLOADS,
    PDF_WITH_ACTIVE_CONTENT,
    REFUSED_FILES,
    TOO_COMPLEX,
    UNDER_FILTER_CHAINS,
    Hostile,
    active_content,
)
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, csrf_token, sign_in

COUNSELLOR2 = "counsellor2@uploads.test"


# --- Files to upload ---------------------------------------------------------------------


def minimal_pdf(extra: bytes = b"") -> bytes:
    """A small valid PDF with one empty page (``extra`` goes into the catalogue)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def jpeg_with_gps() -> bytes:
    """A 40×20 JPEG whose EXIF holds a GPS position and "rotate 90°" (orientation 6)."""
    image = Image.new("RGB", (40, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (62.0, 53.0, 0.0), 3: "E", 4: (27.0, 41.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 128, 0, 128)).save(out, format="PNG")
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


# --- Checks on bytes (no database) --------------------------------------------------------


def pages_of(content: bytes) -> int:
    with pikepdf.open(io.BytesIO(content)) as pdf:
        return len(pdf.pages)


def test_a_pdf_is_rebuilt_as_a_new_file_and_keeps_pages_text_outline_and_tags() -> None:
    content = hostile_files.plain()
    checked = check_upload(content, original_name="C:\\Users\\me\\todistus.pdf")
    assert checked.content_type == PDF
    assert checked.original_name == "todistus.pdf"
    assert checked.content != content  # what is stored is the rebuilt file, not the upload
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    assert active_content(checked.content) == []
    with pikepdf.open(io.BytesIO(checked.content)) as pdf:
        assert len(pdf.pages) == 2
        assert b"(Work certificate, page 2)" in pdf.pages[1].Contents.read_bytes()
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            targets = [item.destination[0].objgen for item in outline.root]
        assert titles == ["Page 1", "Page 2"]
        assert targets == [page.obj.objgen for page in pdf.pages]
        tags = pdf.Root.StructTreeRoot.K
        assert [tag.A.Placement for tag in tags] == [pikepdf.Name.Block] * 2


def test_a_hand_written_minimal_pdf_is_accepted() -> None:
    checked = check_upload(minimal_pdf(), original_name="cv.pdf")
    assert checked.content_type == PDF
    assert pages_of(checked.content) == 1


@pytest.mark.parametrize(
    "hostile", PDF_WITH_ACTIVE_CONTENT + UNDER_FILTER_CHAINS, ids=lambda hostile: hostile.name
)
def test_active_content_is_removed_from_pdfs_and_their_pages_kept(hostile: Hostile) -> None:
    content = hostile.build()
    assert active_content(content), "the corpus file should carry active content"
    checked = check_upload(content, original_name=hostile.filename)
    assert checked.content_type == PDF
    assert active_content(checked.content) == []
    assert pages_of(checked.content) == pages_of(content)


def test_page_navigation_stays_and_other_actions_go() -> None:
    checked = check_upload(hostile_files.other_actions(), original_name="cv.pdf")
    with pikepdf.open(io.BytesIO(checked.content)) as pdf:
        actions = [annotation.get("/A") for annotation in pdf.pages[0].Annots]
        kept = [repr(action) for action in actions if action is not None]
    assert kept == [repr(pikepdf.Dictionary(S=pikepdf.Name.Named, N=pikepdf.Name.NextPage))]
    assert len(actions) == 8  # the links stay, without what they would have run


@pytest.mark.parametrize("hostile", REFUSED_FILES, ids=lambda hostile: hostile.name)
def test_files_that_cannot_be_disarmed_are_refused_with_a_reason(hostile: Hostile) -> None:
    with pytest.raises(UploadRejected) as refused:
        check_upload(hostile.build(), original_name=hostile.filename)
    assert hostile.refusal in refused.value.message


@pytest.mark.parametrize("hostile", IMAGES_WITH_PAYLOADS, ids=lambda hostile: hostile.name)
def test_images_are_re_encoded_without_what_was_hidden_in_or_after_them(
    hostile: Hostile,
) -> None:
    content = hostile.build()
    checked = check_upload(content, original_name=hostile.filename)
    assert_image_is_clean(checked.content, checked.content_type, content)


def assert_image_is_clean(stored: bytes, content_type: str, uploaded: bytes) -> None:
    assert stored != uploaded
    for payload in IMAGE_PAYLOADS:
        assert payload not in stored
    assert not zipfile.is_zipfile(io.BytesIO(stored))
    # Nothing after the end of the image.
    assert stored.endswith(b"IEND\xaeB`\x82" if content_type == PNG else b"\xff\xd9")
    with Image.open(io.BytesIO(stored)) as image:
        image.verify()


THREE_PAGES = hostile_files.saved(hostile_files.harmless_pdf(pages=3))
SIX_OBJECTS = hostile_files.handmade_pdf(in_stream=())  # its xref stream counts
EIGHT_MEGABYTES = hostile_files.handmade_pdf(padding=8 << 20)


@pytest.mark.parametrize(
    ("content", "budget", "within"),
    [
        pytest.param(THREE_PAGES, Budget(pages=3), True, id="3-pages-of-3"),
        pytest.param(THREE_PAGES, Budget(pages=2), False, id="3-pages-of-2"),
        pytest.param(SIX_OBJECTS, Budget(objects=6), True, id="6-objects-of-6"),
        pytest.param(SIX_OBJECTS, Budget(objects=5), False, id="6-objects-of-5"),
        pytest.param(EIGHT_MEGABYTES, Budget(decoded_bytes=9 << 20), True, id="8-MB-of-9"),
        pytest.param(EIGHT_MEGABYTES, Budget(decoded_bytes=7 << 20), False, id="8-MB-of-7"),
    ],
)
def test_a_pdf_beyond_the_budget_is_refused(content: bytes, budget: Budget, within: bool) -> None:
    if within:
        assert active_content(disarm_pdf(content, budget=budget)) == []
        return
    with pytest.raises(UploadRejected) as refused:
        disarm_pdf(content, budget=budget)
    assert TOO_COMPLEX in refused.value.message
    assert f"at most {budget.pages} pages" in refused.value.message


def test_a_pdf_whose_check_does_not_finish_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never accepted because time ran out: the check is ended and the file refused."""
    monkeypatch.setattr(uploads, "PDF_DISARM_TIMEOUT", 0.001)
    with pytest.raises(UploadRejected) as refused:
        check_upload(hostile_files.plain(), original_name="cv.pdf")
    assert TOO_COMPLEX in refused.value.message


def test_rebuilds_at_once_are_bounded_and_a_pdf_that_waits_too_long_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(uploads, "PDF_DISARM_SLOTS", slots)
    monkeypatch.setattr(uploads, "PDF_DISARM_WAIT", 0.05)
    with slots:  # another upload is being rebuilt
        with pytest.raises(UploadRejected) as refused:
            check_upload(hostile_files.plain(), original_name="cv.pdf")
        assert "Try again in a minute" in refused.value.message
    assert check_upload(hostile_files.plain(), original_name="cv.pdf").content_type == PDF
    assert slots.acquire(blocking=False)  # the slot was given back


def test_the_uploaded_pdf_is_written_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload reaches the rebuilding process through a pipe: no temporary file."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.chdir(tmp_path)
    check_upload(hostile_files.embedded_file(), original_name="cv.pdf")
    assert list(tmp_path.rglob("*")) == [spool]


@pytest.mark.parametrize("size", [(100_000, 100_000), (8_000, 5_001), (40_000_001, 1)])
def test_an_image_of_too_many_pixels_is_refused_before_decoding(size: tuple[int, int]) -> None:
    """Only the header is read (its IDAT holds far too little data to decode)."""
    with pytest.raises(UploadRejected) as refused:
        check_upload(hostile_files.png_claiming(*size), original_name="a.png")
    assert refused.value.message.startswith(hostile_files.TOO_MANY_PIXELS)


def test_jpeg_metadata_is_stripped_and_orientation_kept() -> None:
    checked = check_upload(jpeg_with_gps(), original_name="photo.png")  # the name does not count
    assert checked.content_type == JPEG
    assert checked.extension == ".jpg"
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.size == (20, 40)  # turned upright before EXIF was dropped
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Exif" not in checked.content


def test_png_is_accepted_and_re_encoded() -> None:
    checked = check_upload(png(), original_name="work.pdf")
    assert checked.content_type == PNG
    with Image.open(io.BytesIO(checked.content)) as image:
        assert image.format == "PNG"
        assert image.size == (8, 8)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (ELF, "cv.pdf"),
        (MZ, "cv.pdf"),
        (SVG, "drawing.svg"),
        (SVG, "drawing.png"),
        (HTML, "page.png"),
        (b"just some text", "notes.png"),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "photo.jpg"),
        (b"\x89PNG\r\n\x1a\n broken", "photo.png"),
        (b"", "empty.pdf"),
        (minimal_pdf()[:-20], "truncated.pdf"),
    ],
)
def test_disguised_files_are_refused(content: bytes, name: str) -> None:
    with pytest.raises(UploadRejected) as refused:
        check_upload(content, original_name=name)
    assert refused.value.message


@pytest.mark.parametrize(
    "extra",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ",
        b"/OpenAction << /S /Launch /F (calc.exe) >> ",
        b"/OpenAction << /S /J#61vaScript /J#53 (x) >> ",
    ],
)
def test_active_pdfs_once_refused_are_now_stored_disarmed(extra: bytes) -> None:
    checked = check_upload(minimal_pdf(extra), original_name="form.pdf")
    assert active_content(checked.content) == []
    with pikepdf.open(io.BytesIO(checked.content)) as pdf:
        assert "/OpenAction" not in pdf.Root


def test_a_script_in_a_stray_compressed_stream_is_not_carried_over() -> None:
    hidden = zlib.compress(b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>")
    content = minimal_pdf().replace(
        b"xref\n",
        b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(hidden)
        + hidden
        + b"\nendstream\nendobj\nxref\n",
        1,
    )
    checked = check_upload(content, original_name="innocent.pdf")
    assert hidden not in checked.content  # nothing refers to it, so nothing of it is written
    with pikepdf.open(io.BytesIO(checked.content)) as pdf:
        streams = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
        assert all(b"app.alert" not in stream.read_bytes() for stream in streams)


class FakeUpload:
    """Counts how much of the file was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.asked = 0

    async def read(self, size: int = -1) -> bytes:
        self.asked = size
        return b"%" * min(size, self.size)


async def test_an_oversized_file_is_refused_after_reading_one_byte_too_many() -> None:
    upload = FakeUpload(size=100 * 1024 * 1024)
    with pytest.raises(UploadRejected) as refused:
        await read_limited(upload, max_bytes=1000)
    assert upload.asked == 1001
    assert "too big" in refused.value.message
    assert await read_limited(FakeUpload(size=1000), max_bytes=1000) == b"%" * 1000


# --- Through the pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    candidate_id: int
    claim_id: int
    uploads: Path


@pytest.fixture
async def world(db: Database, settings: Settings) -> World:
    """A candidate of counsellor@demo.test with one claim and an interview with
    teacher@demo.test; a second counsellor who has nothing to do with it."""
    counsellor_id = await db.user_id(DEMO_USERS["counsellor"])
    teacher_id = await db.user_id(DEMO_USERS["teacher"])
    async with db.session() as session, session.begin():
        candidate = Candidate(
            name="Amina Test", client_since=datetime.date(2026, 1, 15), counsellor_id=counsellor_id
        )
        session.add(candidate)
        await session.flush()
        claim = Claim(candidate_id=candidate.id, free_text="welding", self_level=3)
        session.add_all(
            [
                claim,
                Interview(
                    candidate_id=candidate.id,
                    teacher_id=teacher_id,
                    scheduled_at=datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC),
                ),
                User(
                    email=COUNSELLOR2,
                    name="Toinen Ohjaaja",
                    role="counsellor",
                    password_hash=hash_password(DEMO_PASSWORD),
                ),
            ]
        )
        await session.flush()
        return World(
            candidate_id=candidate.id, claim_id=claim.id, uploads=settings.uploads.directory
        )


async def upload(
    client: AsyncTestClient,
    world: World,
    content: bytes,
    name: str,
    browser_type: str = "application/pdf",
    **fields: str,
) -> Any:
    token = await csrf_token(client)
    return await client.post(
        f"/candidates/{world.candidate_id}/evidence",
        data={"_csrf_token": token, "title": "", "description": "", "claim": "", **fields},
        files={"file": (name, content, browser_type)},
        follow_redirects=False,
    )


def stored_files(world: World) -> list[Path]:
    return sorted(world.uploads.iterdir()) if world.uploads.exists() else []


async def evidence_rows(db: Database, world: World) -> list[EvidenceItem]:
    async with db.session() as session:
        statement = select(EvidenceItem).where(EvidenceItem.candidate_id == world.candidate_id)
        return list((await session.scalars(statement.order_by(EvidenceItem.id))).all())


async def test_pdf_upload_is_stored_privately_and_downloaded_by_those_who_see_the_candidate(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert 'enctype="multipart/form-data"' in page.text

    response = await upload(
        client, world, minimal_pdf(), "../../Todistus työ.pdf", claim=str(world.claim_id)
    )

    assert response.status_code == 303, response.text
    [item] = await evidence_rows(db, world)
    [path] = stored_files(world)
    content = path.read_bytes()  # the rebuilt file (the upload itself is kept nowhere)
    assert pages_of(content) == 1
    assert (item.content_type, item.size_bytes, item.claim_id) == (
        PDF,
        len(content),
        world.claim_id,
    )
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.original_name == "Todistus työ.pdf"
    assert item.title == "Todistus työ.pdf"
    assert item.stored_name is not None
    assert "Todistus" not in item.stored_name
    assert path.name == item.stored_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(world.uploads.stat().st_mode) == 0o700

    file_url = f"/candidates/{world.candidate_id}/evidence/{item.id}/file"
    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert file_url in page.text
    download = await client.get(file_url)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"

    await client.post("/logout", data={"_csrf_token": await csrf_token(client)})
    await sign_in(client, DEMO_USERS["teacher"])  # interviews the candidate: may read
    assert (await client.get(file_url)).status_code == 200
    for email, status in ((COUNSELLOR2, 404), (DEMO_USERS["employer"], 403)):
        await client.post("/logout", data={"_csrf_token": await csrf_token(client)})
        await sign_in(client, email)
        assert (await client.get(file_url)).status_code == status, email


async def test_jpeg_is_stored_without_gps_and_png_is_accepted(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    first = await upload(client, world, jpeg_with_gps(), "holiday.jpg", "image/jpeg")
    second = await upload(client, world, png(), "diagram.png", "image/png", title="Diagram")
    assert first.status_code == 303, first.text
    assert second.status_code == 303, second.text
    jpeg_row, png_row = await evidence_rows(db, world)
    assert (jpeg_row.content_type, png_row.content_type) == (JPEG, PNG)
    assert png_row.title == "Diagram"
    stored = world.uploads / str(jpeg_row.stored_name)
    assert str(jpeg_row.stored_name).endswith(".jpg")
    with Image.open(stored) as image:
        assert not image.getexif()
        assert image.size == (20, 40)
    assert jpeg_row.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert jpeg_row.size_bytes == stored.stat().st_size


@pytest.mark.parametrize(
    ("content", "name", "browser_type"),
    [
        (ELF, "cv.pdf", "application/pdf"),
        (MZ, "cv.pdf", "application/pdf"),
        (SVG, "drawing.svg", "image/svg+xml"),
        (HTML, "photo.png", "image/png"),
        (hostile_files.encrypted_with_password(), "a.pdf", PDF),
        (hostile_files.garbage(), "a.pdf", PDF),
        (b"", "empty.pdf", "application/pdf"),
    ],
    # Named ids: generated files differ at each collection, and xdist's workers must agree.
    ids=["elf", "mz", "svg", "html-as-png", "encrypted-pdf", "garbage-pdf", "empty"],
)
async def test_disguised_files_are_refused_beside_the_field_and_nothing_is_saved(
    client: AsyncTestClient,
    db: Database,
    world: World,
    content: bytes,
    name: str,
    browser_type: str,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await upload(
        client, world, content, name, browser_type, description="My certificate"
    )
    assert response.status_code == 400
    assert 'id="file-error"' in response.text
    assert "My certificate" in response.text  # the input is kept
    assert await evidence_rows(db, world) == []
    assert stored_files(world) == []


async def test_every_hostile_file_is_refused_or_stored_without_its_active_content(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    """The corpus through the real form: what is on disk afterwards is what counts."""
    await sign_in(client, DEMO_USERS["counsellor"])
    stored = 0
    for hostile in CORPUS:
        content = hostile.build()
        before = set(stored_files(world))
        response = await upload(
            client, world, content, hostile.filename, hostile.browser_type, title=hostile.name
        )
        written = sorted(set(stored_files(world)) - before)
        if hostile.refusal:
            assert response.status_code == 400, hostile.name
            assert 'id="file-error"' in response.text, hostile.name
            assert hostile.refusal in response.text, hostile.name
            assert written == [], hostile.name
            continue
        assert response.status_code == 303, (hostile.name, response.text)
        stored += 1
        [path] = written
        on_disk = path.read_bytes()
        if path.suffix == ".pdf":
            assert active_content(on_disk) == [], hostile.name
            assert pages_of(on_disk) == pages_of(content), hostile.name
        else:
            assert_image_is_clean(on_disk, PNG if path.suffix == ".png" else JPEG, content)
    rows = await evidence_rows(db, world)
    assert len(rows) == stored == len(CORPUS) - sum(1 for hostile in CORPUS if hostile.refusal)
    assert sorted(str(row.stored_name) for row in rows) == [
        path.name for path in stored_files(world)
    ]


async def test_an_oversized_upload_is_refused_and_nothing_is_saved(
    client: AsyncTestClient, db: Database, world: World, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    content = minimal_pdf() + b"%" * settings.uploads.max_bytes
    response = await upload(client, world, content, "big.pdf")
    assert response.status_code == 400
    assert 'id="file-error"' in response.text
    assert "too big" in response.text
    assert await evidence_rows(db, world) == []
    assert stored_files(world) == []


async def test_a_description_alone_is_evidence_and_nothing_at_all_is_refused(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    path = f"/candidates/{world.candidate_id}/evidence"
    empty = await client.post(
        path, data={"_csrf_token": token, "title": "", "description": ""}, follow_redirects=False
    )
    assert empty.status_code == 400
    assert 'id="description-error"' in empty.text
    described = await client.post(
        path,
        data={"_csrf_token": token, "description": "Five years of MIG welding in Kharkiv."},
        follow_redirects=False,
    )
    assert described.status_code == 303, described.text
    [item] = await evidence_rows(db, world)
    assert item.stored_name is None
    assert item.title == "Five years of MIG welding in Kharkiv."


@pytest.mark.both_databases
async def test_deleting_evidence_removes_its_file(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    await upload(client, world, minimal_pdf(), "cv.pdf")
    [item] = await evidence_rows(db, world)
    assert len(stored_files(world)) == 1

    await client.post("/logout", data={"_csrf_token": await csrf_token(client)})
    await sign_in(client, DEMO_USERS["teacher"])
    token = await csrf_token(client)
    path = f"/candidates/{world.candidate_id}/evidence/{item.id}/delete"
    denied = await client.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert denied.status_code == 403
    assert len(stored_files(world)) == 1

    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    response = await client.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert await evidence_rows(db, world) == []
    assert stored_files(world) == []
    download = await client.get(f"/candidates/{world.candidate_id}/evidence/{item.id}/file")
    assert download.status_code == 404


@pytest.mark.both_databases
async def test_a_rolled_back_transaction_leaves_no_file(db: Database, world: World) -> None:
    store = EvidenceStore(LocalStorage(world.uploads))
    checked = check_upload(minimal_pdf(), original_name="cv.pdf")
    async with db.session() as session:
        await session.begin()
        item = await add_evidence(
            session,
            candidate_id=world.candidate_id,
            data=EvidenceInput(title="CV"),
            upload=checked,
            store=store,
        )
        assert (world.uploads / str(item.stored_name)).exists()
        await session.rollback()
    assert stored_files(world) == []
    assert await evidence_rows(db, world) == []

    async with db.session() as session, session.begin():
        item = await add_evidence(
            session,
            candidate_id=world.candidate_id,
            data=EvidenceInput(title="CV"),
            upload=checked,
            store=store,
        )
    assert [path.name for path in stored_files(world)] == [item.stored_name]


@pytest.mark.both_databases
async def test_a_failed_flush_leaves_no_file(db: Database, world: World) -> None:
    store = EvidenceStore(LocalStorage(world.uploads))
    checked = check_upload(minimal_pdf(), original_name="cv.pdf")
    async with db.session() as session, session.begin():
        session.add(EvidenceItem(candidate_id=world.candidate_id, title="x", stored_name="taken"))
    async with db.session() as session:
        await session.begin()
        # The file is stored under a name a row holds already: the flush fails.
        store.new_name = lambda upload: "taken"  # type: ignore[method-assign]
        with pytest.raises(Exception):  # noqa: B017, PT011 - the unique constraint, any driver
            await add_evidence(
                session,
                candidate_id=world.candidate_id,
                data=EvidenceInput(title="CV"),
                upload=checked,
                store=store,
            )
        await session.rollback()
    assert stored_files(world) == []


@pytest.mark.both_databases
async def test_the_sweep_removes_only_old_files_no_record_names(db: Database, world: World) -> None:
    store = EvidenceStore(LocalStorage(world.uploads))
    checked = check_upload(minimal_pdf(), original_name="cv.pdf")
    async with db.session() as session, session.begin():
        item = await add_evidence(
            session,
            candidate_id=world.candidate_id,
            data=EvidenceInput(title="CV"),
            upload=checked,
            store=store,
        )
    in_use = world.uploads / str(item.stored_name)
    old_orphan = world.uploads / f"{'a' * 32}.pdf"
    new_orphan = world.uploads / f"{'b' * 32}.png"
    old_part = world.uploads / f".{'c' * 32}.part"
    stranger = world.uploads / "README.txt"
    for path in (old_orphan, new_orphan, old_part, stranger):
        path.write_bytes(b"x")
    two_hours_ago = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)).timestamp()
    for path in (in_use, old_orphan, old_part, stranger):
        os.utime(path, (two_hours_ago, two_hours_ago))

    async with db.session() as session:
        dry = await sweep_orphans(session, store, dry_run=True)
    assert sorted(dry.orphans) == sorted([old_orphan.name, old_part.name])
    assert (dry.kept, dry.too_new) == (1, 1)
    assert old_orphan.exists()
    assert old_part.exists()  # a dry run removes nothing

    async with db.session() as session:
        done = await sweep_orphans(session, store)
    assert sorted(done.orphans) == sorted([old_orphan.name, old_part.name])
    assert not old_orphan.exists()
    assert not old_part.exists()
    for path in (in_use, new_orphan, stranger):
        assert path.exists()
