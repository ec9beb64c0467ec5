"""Time the match-review pages at programme scale and beyond: 10,000 candidates by default.

    .venv/bin/python bench/suggestions.py                    # SQLite in a temp folder
    .venv/bin/python bench/suggestions.py --candidates 2000 --rounds 10
    .venv/bin/python bench/suggestions.py --database-url postgresql+asyncpg://u@host/emptydb

Builds a fresh database (migrations and the demo data), then grows it to ``--candidates``
candidates with a seeded RNG: each new candidate copies a demo candidate's portfolio (its
mapped competences, each kept with probability 0.8 and its level moved by -1/0/+1, plus
sometimes one competence of the vocabulary at random), languages and regions, and has both
consents in force (validation and sharing with employers), so every one of them is ranked.
The rows go in with bulk inserts, no per-row round trips. Then it starts ``isok serve`` (one
worker) and times, signed in as the coordinator, the suggestions page of an open position
(the default top 20, the widest view and a search), the coordinator's assignment proposal
over every open position and the oversight record, beside ``/healthz`` (routing,
middleware, one database round trip) as the floor measured in the same run. It prints the
median and 95th percentile per page and each median's ratio to the floor.

A PostgreSQL URL must name an empty database the user may create tables in. The temp folder
(with the SQLite file) is removed at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import asyncio
import datetime
import random
import shutil
import tempfile
import time
from collections import defaultdict
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

COORDINATOR = "coordinator@demo.test"
COUNSELLOR = "counsellor@demo.test"
SEED = 6


async def grow(url: str, target: int) -> tuple[int, int, int, int]:
    """Add candidates until there are ``target``.

    Returns the number of candidates and of claims, an open position and the newest candidate.
    """
    from accounts.models import User
    from candidates.models import Candidate, CandidateLanguage, Claim, ConsentRecord
    from competences.models import Competence
    from kit.settings import DatabaseSettings
    from placements.models import Position
    from portal.database import create_engine, create_session_factory

    rng = random.Random(SEED)
    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with create_session_factory(engine)() as session, session.begin():
            counsellor = (
                await session.execute(select(User.id).where(User.email == COUNSELLOR))
            ).scalar_one()
            existing = int((await session.execute(select(func.count(Candidate.id)))).scalar_one())
            vocabulary = list((await session.execute(select(Competence.id))).scalars())
            portfolios: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for cid, competence_id, level in await session.execute(
                select(Claim.candidate_id, Claim.competence_id, Claim.self_level).where(
                    Claim.competence_id.is_not(None)
                )
            ):
                portfolios[cid].append((competence_id, level))
            spoken: dict[int, list[tuple[str, str]]] = defaultdict(list)
            for cid, language, level in await session.execute(
                select(
                    CandidateLanguage.candidate_id,
                    CandidateLanguage.language,
                    CandidateLanguage.level,
                )
            ):
                spoken[cid].append((language, level))
            regions = dict(
                (await session.execute(select(Candidate.id, Candidate.regions))).tuples().all()
            )
            templates = sorted(portfolios)
            position = (
                (
                    await session.execute(
                        select(Position.id).where(Position.status == "open").order_by(Position.id)
                    )
                )
                .scalars()
                .first()
            )
            if position is None:
                raise SystemExit("the demo data has no open position")

            new = max(target - existing, 0)
            since = datetime.date(2026, 1, 1)
            candidate_rows = []
            picked = []
            for number in range(new):
                template = rng.choice(templates)
                picked.append(template)
                candidate_rows.append(
                    {
                        "name": f"Bench Candidate {existing + number + 1}",
                        "regions": list(regions.get(template) or []),
                        "client_type": rng.choice(("long_term", "short_term")),
                        "client_since": since + datetime.timedelta(days=rng.randrange(300)),
                        "counsellor_id": counsellor,
                        "stage": rng.choice(("portfolio", "interview")),
                    }
                )
            ids: list[int] = []
            if candidate_rows:
                ids = list(
                    (
                        await session.execute(
                            insert(Candidate).returning(Candidate.id, sort_by_parameter_order=True),
                            candidate_rows,
                        )
                    ).scalars()
                )
            claims, languages, consents = [], [], []
            for cid, template in zip(ids, picked, strict=True):
                held: dict[int, int] = {}
                for competence_id, level in portfolios[template]:
                    if rng.random() < 0.8:
                        held[competence_id] = min(5, max(1, level + rng.choice((-1, 0, 1))))
                if vocabulary and rng.random() < 0.3:
                    held.setdefault(rng.choice(vocabulary), rng.randint(1, 4))
                claims += [
                    {"candidate_id": cid, "competence_id": comp, "self_level": level}
                    for comp, level in held.items()
                ]
                languages += [
                    {"candidate_id": cid, "language": language, "level": level}
                    for language, level in spoken.get(template, ())
                ]
                consents += [
                    {
                        "candidate_id": cid,
                        "purpose": purpose,
                        "given": True,
                        "text_shown": "Benchmark consent.",
                        "recorded_by_id": counsellor,
                    }
                    for purpose in ("validation", "share_with_employers")
                ]
            for model, rows in ((Claim, claims), (CandidateLanguage, languages)):
                if rows:
                    await session.execute(insert(model), rows)
            if consents:
                await session.execute(insert(ConsentRecord), consents)
            total_claims = int((await session.execute(select(func.count(Claim.id)))).scalar_one())
            newest = int((await session.execute(select(func.max(Candidate.id)))).scalar_one())
        if engine.dialect.name == "postgresql":
            # Fresh planner statistics, as autovacuum would gather them a little later: a
            # bulk load leaves the planner thinking the tables are nearly empty.
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
                await connection.commit()
        return existing + new, total_claims, int(position), newest
    finally:
        await engine.dispose()


async def touch(url: str, candidate_id: int) -> None:
    """Raise one claim of the candidate by a level (or lower it from 5), as an edit would."""
    from sqlalchemy import case, update

    from candidates.models import Claim
    from kit.settings import DatabaseSettings
    from portal.database import create_engine, create_session_factory

    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with create_session_factory(engine)() as session, session.begin():
            claim = (
                await session.execute(
                    select(Claim.id).where(Claim.candidate_id == candidate_id).limit(1)
                )
            ).scalar()
            if claim is not None:
                level = case((Claim.self_level == 5, 4), else_=Claim.self_level + 1)
                await session.execute(
                    update(Claim).where(Claim.id == claim).values(self_level=level)
                )
    finally:
        await engine.dispose()


def main() -> None:
    args = scale_arguments(__doc__)
    folder = Path(tempfile.mkdtemp(prefix="isok-bench-"))
    env = environment(folder, args.database_url)
    url = env["ISOK_DATABASE_URL"]
    grown: list[tuple[int, int, int, int]] = []

    def prepare() -> None:
        start = time.perf_counter()
        grown.append(asyncio.run(grow(url, args.candidates)))
        candidates, claims, _position, _newest = grown[0]
        built = time.perf_counter() - start
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{backend}: {candidates:,} candidates, {claims:,} claims (grown in {built:.1f} s)")

    try:
        with demo_server(env, prepare) as base:
            _candidates, _claims, position, newest = grown[0]
            pages = [
                f"/positions/{position}/suggestions",
                f"/positions/{position}/suggestions?top=50&ineligible=1",
                f"/positions/{position}/suggestions?q={newest}",
                "/assignments",
                "/oversight",
            ]
            floor = baseline(base, args.rounds)
            width = max(len(path) for path in pages) + 2
            print_header(floor, width)
            with signed_in(base, COORDINATOR) as client:
                start = time.perf_counter()
                client.get(pages[0]).raise_for_status()
                print_row(
                    "first request (reads everyone)", [time.perf_counter() - start], floor, width
                )
                for path in pages:
                    print_row(path, timings(client, path, args.rounds), floor, width)
                changed = []
                for round_ in range(args.rounds):
                    asyncio.run(touch(url, newest - round_))
                    start = time.perf_counter()
                    client.get(pages[0]).raise_for_status()
                    changed.append(time.perf_counter() - start)
                print_row("after one portfolio changed", sorted(changed), floor, width)
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
