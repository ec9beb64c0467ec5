"""Time the programme's dashboard at 10,000 candidates (default) beside ``/healthz``.

    .venv/bin/python bench/dashboard.py                       # SQLite in a temp folder
    .venv/bin/python bench/dashboard.py --candidates 2000 --rounds 10
    .venv/bin/python bench/dashboard.py --database-url postgresql+asyncpg://u@host/emptydb

Builds a fresh database (migrations and the demo data) and grows it to ``--candidates``
candidates as ``bench/suggestions.py`` does (portfolios copied from the demo's, consent in
force). Then it gives the new candidates a pathway with a seeded RNG, so that every
indicator, the funnel and the trends have rows to count: 60 % a completed interview, 25 % a
placement (most completed, some active or interrupted), a signed decision for 70 % of the
completed placements and a certificate for 80 % of those (5 % of them revoked), and an
outcome for 15 % of the candidates. The rows go in with bulk inserts.

It then starts ``isok serve`` (one worker) and times, signed in as the coordinator and as the
steering committee, the dashboard (the current reporting period; then since 2024 with the
region and field filters), the coordinator's home page (which carries the dashboard) and
``GET /api/indicators``, beside ``/healthz`` measured in the same run. It prints the median
and 95th percentile per page and each median's ratio to the floor.
"""

from __future__ import annotations

import asyncio
import datetime
import random
import shutil
import tempfile
import time
from pathlib import Path

from serving import (
    baseline,
    demo_server,
    environment,
    print_header,
    print_row,
    scale_arguments,
    signed_in,
    timings,
)
from sqlalchemy import func, insert, select, text
from suggestions import grow

COORDINATOR = "coordinator@demo.test"
STEERING = "steering@demo.test"
TEACHER = "teacher@demo.test"
SEED = 15
OUTCOME_KINDS = ("employment_short", "employment_long", "education", "studies_shortened")


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


async def give_pathways(url: str, first_new: int) -> dict[str, int]:
    """Interviews, placements, decisions, certificates and outcomes for the candidates from
    id ``first_new`` on; returns how many of each were added."""
    from accounts.models import User
    from assessments.models import AssessmentDecision
    from candidates.models import Candidate, Interview
    from certificates.models import Certificate
    from kit.settings import DatabaseSettings
    from placements.models import Placement, Position
    from portal.database import create_engine, create_session_factory
    from reporting.models import Outcome

    rng = random.Random(SEED)
    today = datetime.date.today()
    engine = create_engine(DatabaseSettings(url=url))
    added: dict[str, int] = {}
    try:
        async with create_session_factory(engine)() as session, session.begin():
            teacher = (
                await session.execute(select(User.id).where(User.email == TEACHER))
            ).scalar_one()
            positions = [
                (int(pid), int(oid))
                for pid, oid in await session.execute(
                    select(Position.id, Position.organisation_id).order_by(Position.id)
                )
            ]
            candidates = [
                (int(cid), since, counsellor)
                for cid, since, counsellor in await session.execute(
                    select(Candidate.id, Candidate.client_since, Candidate.counsellor_id)
                    .where(Candidate.id >= first_new)
                    .order_by(Candidate.id)
                )
            ]
            interviews, placements, outcomes = [], [], []
            next_place = dict.fromkeys((pid for pid, _ in positions), 1000)

            def later(since: datetime.date, at_most: int) -> datetime.date:
                room = max((today - since).days, 1)
                return since + datetime.timedelta(days=rng.randint(1, min(room, at_most)))

            for cid, since, counsellor in candidates:
                if rng.random() < 0.6:
                    when = _moment(later(since, 60))
                    interviews.append(
                        {
                            "candidate_id": cid,
                            "teacher_id": teacher,
                            "scheduled_at": when,
                            "status": "completed",
                            "completed_at": when,
                        }
                    )
                if rng.random() < 0.25:
                    pid, oid = rng.choice(positions)
                    next_place[pid] += 1
                    placements.append(
                        {
                            "candidate_id": cid,
                            "position_id": pid,
                            "organisation_id": oid,
                            "place_number": next_place[pid],
                            "counsellor_id": counsellor,
                            "teacher_id": teacher,
                            "start_date": later(since, 120),
                            "status": rng.choices(
                                ("completed", "active", "interrupted"), (0.7, 0.2, 0.1)
                            )[0],
                        }
                    )
                if rng.random() < 0.15:
                    outcomes.append(
                        {
                            "candidate_id": cid,
                            "kind": rng.choice(OUTCOME_KINDS),
                            "starts_on": later(since, 300),
                            "source": "counsellor",
                        }
                    )
            if interviews:
                await session.execute(insert(Interview), interviews)
            placed = []
            if placements:
                ids = (
                    await session.execute(
                        insert(Placement).returning(Placement.id, sort_by_parameter_order=True),
                        placements,
                    )
                ).scalars()
                placed = list(zip(ids, placements, strict=True))
            decisions = [
                (pid, row)
                for pid, row in placed
                if row["status"] == "completed" and rng.random() < 0.7
            ]
            decision_rows = [
                {
                    "placement_id": pid,
                    "version": 1,
                    "signed_by_id": teacher,
                    "signed_by_name": "Bench Teacher",
                    "signed_at": _moment(min(row["start_date"] + datetime.timedelta(56), today)),
                }
                for pid, row in decisions
            ]
            certificates = []
            if decision_rows:
                decision_ids = (
                    await session.execute(
                        insert(AssessmentDecision).returning(
                            AssessmentDecision.id, sort_by_parameter_order=True
                        ),
                        decision_rows,
                    )
                ).scalars()
                for number, (decision_id, (pid, row), signed) in enumerate(
                    zip(decision_ids, decisions, decision_rows, strict=True)
                ):
                    if rng.random() >= 0.8:
                        continue
                    issued = signed["signed_at"] + datetime.timedelta(days=3)
                    revoked = rng.random() < 0.05
                    certificates.append(
                        {
                            "code": f"BENCH-{number:08d}",
                            "decision_id": decision_id,
                            "placement_id": pid,
                            "candidate_id": row["candidate_id"],
                            "language": "en",
                            "content": {},
                            "issued_at": issued,
                            "issued_by_name": "Bench Coordinator",
                            "revoked_at": issued + datetime.timedelta(days=10) if revoked else None,
                            "revocation_reason": "issued_in_error" if revoked else "",
                        }
                    )
            if certificates:
                await session.execute(insert(Certificate), certificates)
            if outcomes:
                await session.execute(insert(Outcome), outcomes)
            added = {
                "interviews": len(interviews),
                "placements": len(placements),
                "decisions": len(decision_rows),
                "certificates": len(certificates),
                "outcomes": len(outcomes),
            }
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
                await connection.commit()
        return added
    finally:
        await engine.dispose()


async def newest_candidate(url: str) -> int:
    from candidates.models import Candidate
    from kit.settings import DatabaseSettings
    from portal.database import create_engine, create_session_factory

    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with create_session_factory(engine)() as session:
            return int((await session.execute(select(func.max(Candidate.id)))).scalar_one())
    finally:
        await engine.dispose()


def main() -> None:
    args = scale_arguments(__doc__)
    folder = Path(tempfile.mkdtemp(prefix="isok-bench-"))
    env = environment(folder, args.database_url)
    url = env["ISOK_DATABASE_URL"]

    def prepare() -> None:
        start = time.perf_counter()
        demo_newest = asyncio.run(newest_candidate(url))
        candidates, claims, _position, _newest = asyncio.run(grow(url, args.candidates))
        added = asyncio.run(give_pathways(url, demo_newest + 1))
        built = time.perf_counter() - start
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        counts = ", ".join(f"{number:,} {name}" for name, number in added.items())
        print(
            f"{backend}: {candidates:,} candidates, {claims:,} claims; added {counts} "
            f"(built in {built:.1f} s)"
        )

    try:
        with demo_server(env, prepare) as base:
            filtered = "/dashboard?from=2024-01-01&region=North+Savo&field=LOG"
            pages = [
                (COORDINATOR, "/dashboard"),
                (COORDINATOR, filtered),
                (COORDINATOR, "/home"),
                (COORDINATOR, "/api/indicators"),
                (STEERING, "/dashboard"),
            ]
            floor = baseline(base, args.rounds)
            width = max(len(f"{path} ({who.split('@')[0]})") for who, path in pages) + 2
            print_header(floor, width)
            for who in (COORDINATOR, STEERING):
                with signed_in(base, who) as client:
                    for person, path in pages:
                        if person == who:
                            label = f"{path} ({who.split('@')[0]})"
                            print_row(label, timings(client, path, args.rounds), floor, width)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
