"""Erasure (GDPR art. 17) and the retention period: nothing left that tells who it was, while
every count already reported stays the same (docs/privacy.md)."""

from __future__ import annotations

import asyncio
import datetime
import io
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import String, Text, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from candidates import consent
from candidates.models import Candidate, GuidanceNote
from kit.settings import Settings, get_settings
from portal.cli import main
from portal.database import create_engine, create_session_factory
from portal.erasure import ERASED, untouched_records
from portal.models import metadata
from tests.conftest import DEMO_USERS, csrf_token, sign_in

pytestmark = pytest.mark.both_databases

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]

# Texts only this test writes, so that finding one anywhere means erasure missed it.
NOTE = "Erasure probe: the client told about Qwzx village and their brother Ylvo."
CLAIM = "Erasure probe: repaired Zqvy tractors in Mosul"
EVIDENCE = "Erasure probe: reference letter from Xorvath farm"
REMOVED = "Erasure probe: Wqxj milking, claimed and removed again"


def stored_files(settings: Settings) -> list[Path]:
    return [path for path in Path(settings.uploads.directory).rglob("*") if path.is_file()]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def demo_candidate(sessions: async_sessionmaker[AsyncSession]) -> Candidate:
    async with sessions() as session:
        return (
            await session.execute(select(Candidate).where(Candidate.user_id.is_not(None)))
        ).scalar_one()


async def account_email(sessions: async_sessionmaker[AsyncSession], user_id: int) -> str:
    async with sessions() as session:
        found = await session.execute(
            text("SELECT email FROM user_account WHERE id = :id"), {"id": user_id}
        )
        return str(found.scalar_one())


async def give_the_record_words(client: AsyncTestClient, candidate_id: int) -> None:
    """The counsellor notes, the candidate claims and uploads: words and a file to erase."""
    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    answer = await client.post(
        f"/candidates/{candidate_id}/notes",
        data={"noted_on": "2026-11-02", "text": NOTE, "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    # A claim made and removed again: only the audit trail remembers its words.
    answer = await client.post(
        f"/candidates/{candidate_id}/claims",
        data={
            "competence": REMOVED,
            "self_level": "2",
            "acquired_how": "work_history",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    claim_id = answer.headers["location"].rsplit("#claim-", 1)[1]
    answer = await client.post(
        f"/candidates/{candidate_id}/claims/{claim_id}/delete",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    await sign_in(client, DEMO_USERS["candidate"])
    token = await csrf_token(client)
    answer = await client.post(
        "/my/claims",
        data={
            "competence": CLAIM,
            "self_level": "4",
            "acquired_how": "work_history",
            "acquired_where": "Zqvy farm, Mosul",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    answer = await client.post(
        "/my/evidence",
        data={"title": EVIDENCE, "description": EVIDENCE, "_csrf_token": token},
        files={"file": ("letter-xorvath.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def text_columns() -> list[tuple[str, str]]:
    """Every column of every table that can hold words (strings, texts and JSON)."""
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text) or column.type.__class__.__name__ in (
                "JSON",
                "JsonB",
                "JSONB",
            ):
                found.append((table.name, column.name))
    return found


async def where_found(
    sessions: async_sessionmaker[AsyncSession], needles: list[str]
) -> list[tuple[str, str, str]]:
    """(table, column, needle) for each needle found in any text column of any table."""
    hits = []
    async with sessions() as session:
        for table, column in text_columns():
            for needle in needles:
                statement = text(
                    f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE :needle'  # noqa: S608
                )
                count = (await session.execute(statement, {"needle": f"%{needle}%"})).scalar_one()
                if count:
                    hits.append((table, column, needle))
    return hits


async def figures(client: AsyncTestClient) -> tuple[Any, Any]:
    """The indicators of the whole programme so far, and every frozen report's figures."""
    await sign_in(client, DEMO_USERS["coordinator"])
    indicators = await client.get("/api/indicators?from=2026-01-01&to=2026-12-31")
    assert indicators.status_code == 200, indicators.text
    listed = await client.get("/api/reports")
    assert listed.status_code == 200
    reports = [
        (await client.get(f"/api/reports/{report['id']}")).json() for report in listed.json()
    ]
    return indicators.json(), reports


async def erase(client: AsyncTestClient, candidate_id: int, **form: str) -> Any:
    await sign_in(client, DEMO_USERS["coordinator"])
    token = await csrf_token(client)
    return await client.post(
        f"/candidates/{candidate_id}/erase",
        data={**form, "_csrf_token": token},
        follow_redirects=False,
    )


async def test_after_erasure_no_table_holds_the_persons_words_and_the_counts_stay(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    candidate = await demo_candidate(sessions)
    assert candidate.user_id is not None
    await give_the_record_words(client, candidate.id)
    needles = [
        candidate.name,
        candidate.email,
        candidate.phone,
        await account_email(sessions, candidate.user_id),
        NOTE,
        "Zqvy",
        "Xorvath",
        "Wqxj",
    ]
    assert await where_found(sessions, needles), "the probe texts were not written"
    uploaded = stored_files(settings)
    assert uploaded, "the evidence file was not stored"
    before = await figures(client)
    assert candidate.id in await _sharing(sessions)

    answer = await erase(client, candidate.id, confirm="yes")
    assert answer.status_code == 303

    assert await where_found(sessions, needles) == []
    assert not any(path.exists() for path in uploaded)
    assert await figures(client) == before
    assert candidate.id not in await _sharing(sessions)
    async with sessions() as session:
        erased = await session.get(Candidate, candidate.id)
        assert erased is not None
        assert erased.erased_at is not None
        assert erased.name == ERASED
        assert erased.user_id is None
        # What the indicators count is still there: the stage and the path's rows.
        assert erased.stage == candidate.stage


async def _sharing(sessions: async_sessionmaker[AsyncSession]) -> set[int]:
    async with sessions() as session:
        return await consent.candidates_sharing_with_employers(session)


async def test_an_erased_persons_certificate_stays_valid_without_their_name(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    candidate = await demo_candidate(sessions)
    async with sessions() as session:
        code = (
            await session.execute(
                text("SELECT code FROM certificate WHERE candidate_id = :id"), {"id": candidate.id}
            )
        ).scalar_one()
    page = await client.get(f"/verify/{code}")
    assert candidate.name in page.text
    assert "verdict-valid" in page.text

    assert (await erase(client, candidate.id, confirm="yes")).status_code == 303

    client.cookies.clear()
    page = await client.get(f"/verify/{code}")
    assert page.status_code == 200
    assert candidate.name not in page.text
    assert "verdict-valid" in page.text


async def test_the_erased_candidate_can_no_longer_sign_in(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    candidate = await demo_candidate(sessions)
    await sign_in(client, DEMO_USERS["candidate"])
    assert (await client.get("/home")).status_code == 200
    assert (await erase(client, candidate.id, confirm="yes")).status_code == 303
    client.cookies.clear()
    token = await csrf_token(client)
    answer = await client.post(
        "/login",
        data={"email": DEMO_USERS["candidate"], "password": "isok-demo", "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code != 303 or answer.headers.get("location") != "/home"


async def test_erasure_needs_the_coordinator_and_a_ticked_box_and_happens_once(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    candidate = await demo_candidate(sessions)
    for role in ("counsellor", "teacher", "candidate"):
        await sign_in(client, DEMO_USERS[role])
        token = await csrf_token(client)
        answer = await client.post(
            f"/candidates/{candidate.id}/erase",
            data={"confirm": "yes", "_csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 403, role
    answer = await erase(client, candidate.id)
    assert answer.status_code == 303
    async with sessions() as session:
        unchanged = await session.get(Candidate, candidate.id)
        assert unchanged is not None
        assert unchanged.erased_at is None
        assert unchanged.name == candidate.name
    assert (await erase(client, 2**31 + 5, confirm="yes")).status_code in (400, 404)
    assert (await erase(client, 999_999, confirm="yes")).status_code == 404

    assert (await erase(client, candidate.id, confirm="yes")).status_code == 303
    again = await erase(client, candidate.id, confirm="yes")
    assert again.status_code == 303
    page = await client.get(f"/candidates/{candidate.id}")
    assert "erased" in page.text
    # An erased record takes no new words.
    token = await csrf_token(client)
    answer = await client.post(
        f"/candidates/{candidate.id}/notes",
        data={"noted_on": "2026-11-02", "text": "new words", "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 409
    async with sessions() as session:
        notes = await session.execute(
            select(GuidanceNote.id).where(
                GuidanceNote.candidate_id == candidate.id, GuidanceNote.text == "new words"
            )
        )
        assert notes.first() is None


async def test_retention_lists_only_records_untouched_for_the_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    async with sessions() as session:
        assert await untouched_records(session, years=5, now=now) == []
        everyone = await untouched_records(session, years=1, now=now.replace(year=now.year + 3))
        candidates = (await session.execute(select(Candidate.id))).scalars().all()
        assert {row.candidate_id for row in everyone} == set(candidates)

    old = await _age_one_record(sessions, years=6)
    async with sessions() as session:
        due = await untouched_records(session, years=5, now=now)
    assert [row.candidate_id for row in due] == [old]


async def _age_one_record(sessions: async_sessionmaker[AsyncSession], *, years: int) -> int:
    """Make every row of one record (one with notes, claims and consents) look ``years`` old."""
    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=366 * years)
    async with sessions() as session, session.begin():
        candidate_id = (
            await session.execute(
                select(Candidate.id)
                .where(Candidate.user_id.is_(None))
                .order_by(Candidate.id.desc())
                .limit(1)
            )
        ).scalar_one()
        for table in metadata.sorted_tables:
            if "updated_at" not in table.c:
                continue
            if table.name == "candidate":
                condition = table.c.id == candidate_id
            elif "candidate_id" in table.c:
                condition = table.c.candidate_id == candidate_id
            else:
                continue
            await session.execute(
                update(table).where(condition).values(updated_at=long_ago, created_at=long_ago)
            )
    # Rows further away (an interview's results) must not be newer than the record either.
    async with sessions() as session, session.begin():
        interviews = metadata.tables["interview"]
        results = metadata.tables["verified_competence"]
        ids = select(interviews.c.id).where(interviews.c.candidate_id == candidate_id)
        await session.execute(
            update(results).where(results.c.interview_id.in_(ids)).values(updated_at=long_ago)
        )
    return int(candidate_id)


@pytest.fixture
def isok(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[CliRunner]:
    monkeypatch.setenv("ISOK_DATABASE_URL", settings.database.url)
    monkeypatch.setenv("ISOK_SECRET_KEY", "erasure-test-secret-" * 3)
    monkeypatch.setenv("ISOK_UPLOAD_DIR", str(settings.uploads.directory))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def in_own_loop(settings: Settings, job: Callable[[Sessions], Awaitable[T]]) -> T:
    """Run ``job`` from a synchronous test, with an engine of its own event loop (a
    PostgreSQL connection belongs to the loop that opened it)."""

    async def run() -> T:
        engine = create_engine(settings.database)
        try:
            return await job(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_retention_dry_run_lists_and_the_real_run_erases(
    isok: CliRunner, settings: Settings
) -> None:
    old = in_own_loop(settings, lambda sessions: _age_one_record(sessions, years=6))
    dry = isok.invoke(main, ["privacy", "retention", "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert f"candidate {old}\t" in dry.output
    assert "1 records untouched for 5 years would be erased" in dry.output
    assert in_own_loop(settings, lambda sessions: _erased_at(sessions, old)) is None

    real = isok.invoke(main, ["privacy", "retention"], catch_exceptions=False)
    assert real.exit_code == 0, real.output
    assert "1 records untouched for 5 years erased." in real.output
    assert in_own_loop(settings, lambda sessions: _erased_at(sessions, old)) is not None
    again = isok.invoke(main, ["privacy", "retention", "--dry-run"], catch_exceptions=False)
    assert "0 records untouched" in again.output

    unknown = isok.invoke(main, ["privacy", "erase", "999999"])
    assert unknown.exit_code == 1
    assert "no candidate with the id 999999" in unknown.output
    twice = isok.invoke(main, ["privacy", "erase", str(old)])
    assert twice.exit_code == 1
    assert "was erased before" in twice.output
    bad = isok.invoke(main, ["privacy", "retention", "--years", "0"])
    assert bad.exit_code == 2


async def _erased_at(
    sessions: async_sessionmaker[AsyncSession], candidate_id: int
) -> datetime.datetime | None:
    async with sessions() as session:
        found = await session.get(Candidate, candidate_id)
        assert found is not None
        return found.erased_at


def test_every_table_is_searched() -> None:
    """The search above covers the tables that hold words (a guard against an empty list)."""
    tables = {table for table, _ in text_columns()}
    assert {"candidate", "guidance_note", "audit_event", "certificate", "user_account"} <= tables
