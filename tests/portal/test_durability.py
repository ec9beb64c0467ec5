"""Nothing acknowledged is lost: the server killed (SIGKILL) in the middle of a burst of writes
(issue 10, item 9).

The real server (`isok serve`, one worker) runs on this test's copy of the demo database. Each
round sends three streams of writes at once: a counsellor's decisions on a suggested candidate,
an employer's new draft positions and a counsellor's consent records. The server is killed
with SIGKILL while they are in flight, started again, and the database is read directly:

- every write answered 303 is there, as sent;
- nothing is half-written: every position has all its competences and its language, every
  decision and consent record has its audit event, the decisions on the pair are numbered
  1, 2, 3, ... without a gap, and no more was stored than was sent;
- the restarted server shows the acknowledged positions and keeps the sign-ins (sessions live
  in the database).

Only our server is killed, never the database: on SQLite a crash of the process that wrote the
file, on PostgreSQL a crash of a client. The test cluster of tests/conftest.py runs with
``fsync=off``, which only matters if PostgreSQL itself or the machine dies, so it does not
weaken this test; the SQLite settings for a power loss are explained in docs/decisions.md.
Every request goes to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import String, cast, func, select

from candidates.models import ConsentRecord
from kit.audit import AuditEvent
from kit.flash import FLASH_COOKIE
from kit.settings import DatabaseSettings
from placements.models import Position, PositionCompetence, PositionLanguage, SuggestionDecision
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, TEST_SECRET, free_port

ISOK = str(Path(sys.executable).parent / "isok")
ROUNDS = 20
POSITION = 1  # the first partner's open position in the demo data
TITLE = "Durability trainee"
START_TIMEOUT = 60  # seconds
WRITES_PER_STREAM = 40  # at most, per round; the kill comes long before
ACKNOWLEDGED = {303}


# --- The server --------------------------------------------------------------------------


@dataclass
class Server:
    """`isok serve` with one worker on a free local port."""

    database_url: str
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "ISOK_DATABASE_URL": self.database_url, "ISOK_SECRET_KEY": TEST_SECRET}
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [ISOK, "serve", "--port", str(self.port), "--workers", "1"],
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("server did not start: " + self.log.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no rollback of anything in flight."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sign_in(base: str, email: str) -> httpx.Cookies:
    """The cookies of a signed-in user; the session lives in the database, so they stay good
    across restarts of the server."""
    with httpx.Client(base_url=base, timeout=20) as client:
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": email,
                "password": DEMO_PASSWORD,
                "_csrf_token": client.cookies["csrftoken"],
            },
        )
        assert response.status_code == 303, response.text
        return client.cookies


def client_for(base: str, cookies: httpx.Cookies) -> httpx.Client:
    """A client of its own per stream and round: no connection outlives a killed server."""
    return httpx.Client(base_url=base, cookies=cookies, timeout=20)


def post(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    return client.post(path, data={**data, "_csrf_token": client.cookies["csrftoken"]})


# --- What was sent and what was answered ----------------------------------------------------


@dataclass
class Outcome:
    """One write: what identifies it, and whether the server acknowledged it."""

    what: Any
    acknowledged: bool


@dataclass
class Round:
    decisions: list[Outcome] = field(default_factory=list)  # what: (sequence, kind)
    positions: list[Outcome] = field(default_factory=list)  # what: (title, position id or None)
    consents: list[Outcome] = field(default_factory=list)  # what: given

    def acknowledged(self) -> int:
        return sum(o.acknowledged for o in (*self.decisions, *self.positions, *self.consents))


def stream(
    outcomes: list[Outcome],
    stop: threading.Event,
    write: Callable[[int], tuple[Any, httpx.Response]],
) -> None:
    """Send writes one after another until the server dies (or ``stop``, or the bound)."""
    for index in range(WRITES_PER_STREAM):
        if stop.is_set():
            return
        try:
            what, response = write(index)
        except httpx.TransportError:
            return  # killed while in flight: not acknowledged, maybe written
        assert response.status_code in ACKNOWLEDGED, (response.status_code, response.text)
        refused = [message for message, category in flashes(response) if category == "error"]
        assert not refused, refused  # a refusal also redirects: the test's writes are valid
        outcomes.append(Outcome(what, acknowledged=True))


def flashes(response: httpx.Response) -> list[tuple[str, str]]:
    """The messages a redirect carries to the next page (kit/flash.py)."""
    raw = response.cookies.get(FLASH_COOKIE, "").strip('"')
    if not raw:
        return []
    encoded = raw.partition(".")[0]
    return [(m, c) for m, c in json.loads(base64.urlsafe_b64decode(encoded.encode()))]


# --- Reading the database directly ---------------------------------------------------------


@dataclass
class Stored:
    decisions: list[tuple[int, str, int]]  # (sequence, kind, audit events)
    positions: dict[int, tuple[str, int, int, int]]  # id → (title, competences, languages, audit)
    consents: list[tuple[bool, int]]  # (given, audit events), oldest first


def read_database(url: str, *, candidate: int, consent_candidate: int) -> Stored:
    async def read() -> Stored:
        engine = create_engine(DatabaseSettings(url=url))
        try:
            async with create_session_factory(engine)() as session:

                def audited(entity: str, column: Any) -> Any:
                    return (
                        select(func.count())
                        .where(
                            AuditEvent.entity == entity,
                            AuditEvent.action == "create",
                            AuditEvent.entity_id == cast(column, String),
                        )
                        .scalar_subquery()
                    )

                decisions = (
                    await session.execute(
                        select(
                            SuggestionDecision.sequence,
                            SuggestionDecision.kind,
                            audited("suggestion_decision", SuggestionDecision.id),
                        )
                        .where(
                            SuggestionDecision.position_id == POSITION,
                            SuggestionDecision.candidate_id == candidate,
                        )
                        .order_by(SuggestionDecision.sequence)
                    )
                ).all()
                competences = (
                    select(func.count())
                    .where(PositionCompetence.position_id == Position.id)
                    .scalar_subquery()
                )
                languages = (
                    select(func.count())
                    .where(PositionLanguage.position_id == Position.id)
                    .scalar_subquery()
                )
                positions = (
                    await session.execute(
                        select(
                            Position.id,
                            Position.title,
                            competences,
                            languages,
                            audited("position", Position.id),
                        ).where(Position.title.startswith(TITLE))
                    )
                ).all()
                consents = (
                    await session.execute(
                        select(ConsentRecord.given, audited("consent_record", ConsentRecord.id))
                        .where(
                            ConsentRecord.candidate_id == consent_candidate,
                            ConsentRecord.purpose == "validation",
                        )
                        .order_by(ConsentRecord.id)
                    )
                ).all()
        finally:
            await engine.dispose()
        return Stored(
            decisions=[(s, k, int(a)) for s, k, a in decisions],
            positions={i: (t, int(c), int(lang), int(a)) for i, t, c, lang, a in positions},
            consents=[(bool(g), int(a)) for g, a in consents],
        )

    return asyncio.run(read())


# --- The test ------------------------------------------------------------------------------


def undecided_candidates(counsellor: httpx.Client) -> list[int]:
    """Candidates of the position's suggestions page the counsellor may decide on and nobody
    has decided on yet."""
    page = counsellor.get(f"/positions/{POSITION}/suggestions?top=50")
    assert page.status_code == 200
    rows = page.text.split('<tr id="candidate-')[1:]
    return [int(row.split('"', 1)[0]) for row in rows if 'name="after" value="0"' in row]


def position_form(title: str) -> dict[str, str]:
    return {
        "submission_key": secrets.token_urlsafe(24),  # a new form each time
        "title": title,
        "field": "LOG",
        "tasks": "Receiving goods.",
        "municipality": "Kuopio",
        "region": "North Savo",
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "hours_per_week": "30",
        "places": "1",
        "tutor": "",
        "competence_rows": "2",
        "competence-0": "LOG-U1-01",
        "level-0": "3",
        "requirement-0": "required",
        "competence-1": "forklift driving",
        "level-1": "2",
        "requirement-1": "optional",
        "language_rows": "1",
        "language-0": "fi",
        "language_level-0": "A2",
        "action": "save",
    }


@dataclass
class Writes:
    """One round's three streams of writes, each on a client of its own (no connection
    outlives a killed server), continuing from what the database holds."""

    base: str
    counsellor: httpx.Cookies
    employer: httpx.Cookies
    candidate: int
    consent_candidate: int
    number: int
    stored: Stored
    clients: list[httpx.Client] = field(init=False)

    def __post_init__(self) -> None:
        self.clients = [
            client_for(self.base, cookies)
            for cookies in (self.counsellor, self.employer, self.counsellor)
        ]

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def decide(self, index: int) -> tuple[Any, httpx.Response]:
        # Shortlisted and rejected alternate: a step never repeats itself.
        sequence = len(self.stored.decisions) + index
        last = self.stored.decisions[-1][1] if self.stored.decisions else "rejected"
        kind = "rejected" if (last == "shortlisted") == (index % 2 == 0) else "shortlisted"
        form = {"kind": kind, "after": str(sequence), "top": "20"}
        if kind == "rejected":
            form["reason"] = "location"
        path = f"/positions/{POSITION}/suggestions/{self.candidate}/decisions"
        return (sequence + 1, kind), post(self.clients[0], path, form)

    def create(self, index: int) -> tuple[Any, httpx.Response]:
        title = f"{TITLE} {self.number}-{index}"
        response = post(self.clients[1], "/positions", position_form(title))
        found = re.fullmatch(r"/positions/(\d+)", response.headers.get("location", ""))
        return (title, int(found[1]) if found else None), response

    def consent(self, index: int) -> tuple[Any, httpx.Response]:
        # Given and withdrawn alternate, starting from the opposite of the newest record.
        first = not self.stored.consents[-1][0] if self.stored.consents else True
        given = first if index % 2 == 0 else not first
        form = {"purpose": "validation", "decision": "given" if given else "withdrawn"}
        return given, post(self.clients[2], f"/candidates/{self.consent_candidate}/consent", form)


def burst(server: Server, rng: random.Random, writes: Writes) -> Round:
    """Three streams of writes at once; the server is killed once they are under way."""
    sent = Round()
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [
            pool.submit(stream, sent.decisions, stop, writes.decide),
            pool.submit(stream, sent.positions, stop, writes.create),
            pool.submit(stream, sent.consents, stop, writes.consent),
        ]
        # Kill at a moment that differs round by round, with writes of each kind in flight.
        deadline = time.monotonic() + 30
        while sent.acknowledged() < 3 and time.monotonic() < deadline:
            if any(future.done() for future in futures):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.4))
        server.kill()
        stop.set()
        for future in futures:
            future.result(timeout=60)  # re-raises a write that was refused
    return sent


def test_every_acknowledged_write_survives_a_kill(database_url: str, tmp_path: Path) -> None:
    server = Server(database_url=database_url, log=tmp_path / "serve.log")
    rng = random.Random(9)  # fixed: the same kill moments on every run
    with running(server):
        counsellor = sign_in(server.base, DEMO_USERS["counsellor"])
        employer = sign_in(server.base, DEMO_USERS["employer"])
        # One pair takes the decisions; another candidate takes the consent records (its
        # consent to validation, so the decisions' candidate stays suggestable).
        with client_for(server.base, counsellor) as client:
            candidate, consent_candidate = undecided_candidates(client)[:2]
        stored = read_database(
            database_url, candidate=candidate, consent_candidate=consent_candidate
        )
        acknowledged = 0
        for number in range(ROUNDS):
            writes = Writes(
                server.base, counsellor, employer, candidate, consent_candidate, number, stored
            )
            try:
                sent = burst(server, rng, writes)
            finally:
                writes.close()
            assert sent.acknowledged() >= 3, f"round {number}: the burst never got going"
            acknowledged += sent.acknowledged()

            server.start()
            before = stored
            stored = read_database(
                database_url, candidate=candidate, consent_candidate=consent_candidate
            )
            check_round(number, sent, before, stored)
            with client_for(server.base, employer) as client:  # the restarted server has them
                for outcome in sent.positions:
                    _title, position_id = outcome.what
                    assert client.get(f"/positions/{position_id}").status_code == 200
    assert acknowledged >= 3 * ROUNDS


def check_round(number: int, sent: Round, before: Stored, after: Stored) -> None:
    where = f"round {number}"
    # Decisions: numbered without a gap, each with its audit event; every acknowledged one
    # is there as sent; at most what was sent was added.
    assert [s for s, _k, _a in after.decisions] == list(range(1, len(after.decisions) + 1)), where
    assert all(a == 1 for _s, _k, a in after.decisions), (where, after.decisions)
    assert after.decisions[: len(before.decisions)] == before.decisions, where
    by_sequence = {s: k for s, k, _a in after.decisions}
    for outcome in sent.decisions:
        sequence, kind = outcome.what
        assert by_sequence.get(sequence) == kind, (where, outcome, after.decisions)
    added = len(after.decisions) - len(before.decisions)
    assert len(sent.decisions) <= added <= len(sent.decisions) + 1, where

    # Positions: every acknowledged one is there; none lacks a competence, its language or
    # its audit event, whether acknowledged or not.
    for position_id, (title, competences, languages, audit) in after.positions.items():
        assert (competences, languages, audit) == (2, 1, 1), (where, position_id, title)
    for outcome in sent.positions:
        title, position_id = outcome.what
        assert position_id is not None, (where, outcome)
        assert after.positions.get(position_id, ("",))[0] == title, (where, outcome)
    added = len(after.positions) - len(before.positions)
    assert len(sent.positions) <= added <= len(sent.positions) + 1, where

    # Consent records: the acknowledged ones follow those before, in order, each audited.
    assert after.consents[: len(before.consents)] == before.consents, where
    assert all(a == 1 for _g, a in after.consents), (where, after.consents)
    new = [given for given, _a in after.consents[len(before.consents) :]]
    assert new[: len(sent.consents)] == [o.what for o in sent.consents], where
    assert len(sent.consents) <= len(new) <= len(sent.consents) + 1, where


def test_sqlite_syncs_every_commit_to_disk(tmp_path: Path) -> None:
    # WAL with synchronous=FULL: a commit survives a power loss, not only a crash of the
    # process (with NORMAL the newest commits may be rolled back on power loss).
    async def pragmas() -> tuple[str, int]:
        engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"))
        try:
            async with engine.connect() as connection:
                journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
                synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar()
        finally:
            await engine.dispose()
        return str(journal), int(synchronous)

    assert asyncio.run(pragmas()) == ("wal", 2)  # 2 = FULL


def test_a_rolled_back_request_keeps_nothing_of_its_savepoints(empty_database_url: str) -> None:
    """A savepoint opened first in a transaction is nested in it on both databases.

    On SQLite, Python's driver opens no transaction before a SAVEPOINT, so without the
    engine's hook the savepoint would be the transaction and its release a commit.
    """

    async def rows_after_rollback(first: str | None) -> int:
        engine = create_engine(DatabaseSettings(url=empty_database_url))
        try:
            async with engine.begin() as connection:
                await connection.exec_driver_sql("CREATE TABLE sample (x INTEGER)")
            async with engine.connect() as connection:
                if first is not None:
                    await connection.exec_driver_sql(first)
                async with connection.begin_nested():
                    await connection.exec_driver_sql("INSERT INTO sample VALUES (1)")
                await connection.rollback()
            async with engine.connect() as connection:
                count = (await connection.exec_driver_sql("SELECT count(*) FROM sample")).scalar()
                await connection.exec_driver_sql("DROP TABLE sample")
                await connection.commit()
        finally:
            await engine.dispose()
        return int(count or 0)

    assert asyncio.run(rows_after_rollback(None)) == 0
    assert asyncio.run(rows_after_rollback("SELECT 1")) == 0
