"""The demo candidates: a programme's worth at every stage, and the fixed first candidate.

Seeded on a fresh, migrated, empty database (SQLite and PostgreSQL): the demo users,
organisations and frameworks first (``demo.seed``), then the candidates explicitly, so
that the test holds whether or not ``demo.seed`` already calls the candidate seeder.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import demo
from accounts.models import User
from candidates.models import (
    Candidate,
    CandidateLanguage,
    Claim,
    ConsentRecord,
    EvidenceItem,
    GuidanceNote,
    Interview,
    Stage,
    VerifiedCompetence,
)
from certificates.models import Certificate
from competences.models import Competence
from demo.candidates import STAGE_COUNTS, seed_demo_candidates
from kit.languages import CEFR_LEVELS
from kit.settings import DatabaseSettings
from portal.database import create_engine, create_session_factory

TOTAL = sum(long_term + short_term for _, long_term, short_term in STAGE_COUNTS)
LATER_STAGES = (Stage.INTERVIEW, Stage.PLACEMENT, Stage.ASSESSMENT, Stage.CERTIFIED)


@dataclass
class Seeded:
    session: AsyncSession
    created: int  # by the explicit call (0 when demo.seed already seeded candidates)
    before: int  # candidates that existed before the explicit call


@pytest.fixture
async def seeded(empty_database_url: str) -> AsyncIterator[Seeded]:
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    try:
        async with create_session_factory(engine)() as session:
            async with session.begin():
                await demo.seed(session)
                before = await count(session, Candidate)
                created = await seed_demo_candidates(session)
            yield Seeded(session, created, before)
    finally:
        await engine.dispose()


async def count(session: AsyncSession, model: type[object]) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def user_id(session: AsyncSession, email: str) -> int:
    return int((await session.execute(select(User.id).where(User.email == email))).scalar_one())


async def test_a_programme_of_candidates_at_every_stage(seeded: Seeded) -> None:
    session = seeded.session
    candidates = list((await session.execute(select(Candidate))).scalars())
    assert len(candidates) == TOTAL
    assert 280 <= TOTAL <= 340

    stages = Counter(candidate.stage for candidate in candidates)
    assert set(stages) == {stage.value for stage in Stage}
    expected = {stage.value: lt + st for stage, lt, st in STAGE_COUNTS}
    # "Certified" follows certificates: the demo certificate moves its candidate there from
    # "assessment" (demo/certificates.py).
    certified = await count(session, Certificate)
    assert certified == 1
    expected[Stage.ASSESSMENT.value] -= certified
    expected[Stage.CERTIFIED.value] += certified
    assert stages == expected
    client_types = Counter(candidate.client_type for candidate in candidates)
    assert client_types == {"long_term": 127, "short_term": 194}

    counsellor = await user_id(session, "counsellor@demo.test")
    assigned = [candidate for candidate in candidates if candidate.counsellor_id == counsellor]
    assert len(assigned) >= 0.95 * TOTAL
    assert all(
        candidate.stage == Stage.GUIDANCE.value
        for candidate in candidates
        if candidate.counsellor_id is None
    )
    home_regions = Counter(candidate.regions[0] for candidate in candidates)
    eastern = sum(home_regions[r] for r in ("North Savo", "North Karelia", "South Savo"))
    assert eastern >= 0.9 * TOTAL
    assert all(candidate.municipality and candidate.phone for candidate in candidates)
    assert all(
        candidate.email == "" or candidate.email.endswith("example.test")
        for candidate in candidates
    )
    assert len({candidate.name for candidate in candidates}) == TOTAL

    languages = list((await session.execute(select(CandidateLanguage))).scalars())
    assert {language.level for language in languages} <= set(CEFR_LEVELS)
    assert {language.assessment for language in languages} == {"self", "tested"}
    finnish = Counter(language.level for language in languages if language.language == "fi")
    assert finnish["A1"] + finnish["A2"] + finnish["B1"] >= 0.8 * sum(finnish.values())
    spoken = {language.language for language in languages}
    assert {"fi", "en", "ar", "ru", "so", "prs", "uk", "ti", "fa", "ku"} <= spoken

    # Portfolios from the portfolio stage on: 2-6 mapped claims of one framework each.
    claims = (await session.execute(select(Claim, Competence.code).outerjoin(Competence))).all()
    mapped: dict[int, list[str]] = {}
    for claim, code in claims:
        if code is not None:
            mapped.setdefault(claim.candidate_id, []).append(code)
    for candidate in candidates:
        codes = mapped.get(candidate.id, [])
        if candidate.stage == Stage.GUIDANCE.value:
            assert not codes
        else:
            assert 2 <= len(codes) <= 6, candidate.id
            assert len({code.split("-")[0] for code in codes}) == 1
    assert any(code is None and claim.free_text for claim, code in claims)
    files = await session.execute(select(func.count()).where(EvidenceItem.stored_name.is_not(None)))
    assert files.scalar_one() == 0
    assert await count(session, EvidenceItem) >= TOTAL - stages[Stage.GUIDANCE.value]

    # A completed interview by the demo teacher from the interview stage on.
    teacher = await user_id(session, "teacher@demo.test")
    interviews = list((await session.execute(select(Interview))).scalars())
    assert {interview.teacher_id for interview in interviews} == {teacher}
    completed = {i.candidate_id for i in interviews if i.status == "completed"}
    for candidate in candidates:
        assert (candidate.id in completed) == (candidate.stage in LATER_STAGES)
    scheduled = [i for i in interviews if i.status == "scheduled"]
    assert scheduled
    now = datetime.datetime.now(datetime.UTC)
    assert all(i.completed_at is None and i.scheduled_at > now for i in scheduled)
    assert any(i.interpreter_used and i.interpreter_language for i in interviews)
    results = list((await session.execute(select(VerifiedCompetence))).scalars())
    assert any(result.not_demonstrated for result in results)
    assert any(result.verified_level is not None for result in results)

    assert await count(session, GuidanceNote) >= TOTAL


async def test_the_first_candidate_is_the_documented_example(seeded: Seeded) -> None:
    session = seeded.session
    counsellor = await user_id(session, "counsellor@demo.test")
    teacher = await user_id(session, "teacher@demo.test")
    first = (await session.execute(select(Candidate).where(Candidate.id == 1))).scalar_one()
    assert first.counsellor_id == counsellor
    assert list(Stage).index(Stage(first.stage)) >= list(Stage).index(Stage.INTERVIEW)

    claims = (
        await session.execute(
            select(Claim, Competence.code)
            .outerjoin(Competence)
            .where(Claim.candidate_id == 1)
            .order_by(Claim.id)
        )
    ).all()
    assert claims[0][0].id == 1
    codes = [code for _, code in claims if code is not None]
    assert len(codes) >= 2
    assert all(code.startswith("LOG-") for code in codes)
    assert any(code is None and claim.free_text for claim, code in claims)

    evidence = (
        await session.execute(select(EvidenceItem).where(EvidenceItem.id == 1))
    ).scalar_one()
    assert evidence.candidate_id == 1
    assert evidence.stored_name is None
    assert evidence.description

    interview = (await session.execute(select(Interview).where(Interview.id == 1))).scalar_one()
    assert interview.candidate_id == 1
    assert interview.teacher_id == teacher
    assert interview.status == "completed"
    assert interview.completed_at is not None
    results = list(
        (
            await session.execute(
                select(VerifiedCompetence, Competence.code)
                .join(Competence)
                .where(VerifiedCompetence.interview_id == 1)
            )
        ).all()
    )
    assert sorted(code for _, code in results) == sorted(codes)
    mapped_claim_ids = {claim.id for claim, code in claims if code is not None}
    assert {result.claim_id for result, _ in results} == mapped_claim_ids
    assert sum(result.not_demonstrated for result, _ in results) == 1

    consents = list(
        (
            await session.execute(
                select(ConsentRecord)
                .where(ConsentRecord.candidate_id == 1)
                .order_by(ConsentRecord.id)
            )
        ).scalars()
    )
    current = {record.purpose: record.given for record in consents}
    assert current == {"validation": True, "share_with_employers": True}
    assert all(record.text_shown and record.recorded_by_id == counsellor for record in consents)
    notes = await session.execute(
        select(func.count()).select_from(GuidanceNote).where(GuidanceNote.candidate_id == 1)
    )
    assert notes.scalar_one() >= 1


async def test_one_current_consent_per_purpose(seeded: Seeded) -> None:
    session = seeded.session
    records = list(
        (await session.execute(select(ConsentRecord).order_by(ConsentRecord.id))).scalars()
    )
    groups: dict[tuple[int, str, int | None], list[ConsentRecord]] = {}
    for record in records:
        groups.setdefault((record.candidate_id, record.purpose, record.organisation_id), []).append(
            record
        )
    for key, group in groups.items():
        newest = group[-1]  # the one in force: the highest id
        # ... is also the latest in time, and no other record ties with it.
        assert all(record.created_at < newest.created_at for record in group[:-1]), key
        assert [record.given for record in group[:-1]] == [True] * (len(group) - 1), key
    current = {key: group[-1].given for key, group in groups.items()}
    candidates = await count(session, Candidate)
    validation = [given for (_, purpose, _), given in current.items() if purpose == "validation"]
    assert validation == [True] * candidates
    sharing = Counter(
        given for (_, purpose, _), given in current.items() if purpose == "share_with_employers"
    )
    assert sharing[True] >= 0.7 * candidates
    assert 1 <= sharing[False] <= 0.1 * candidates  # withdrawn by a few
    named = [key for key in current if key[1] == "share_with_organisation"]
    assert all(organisation is not None for *_, organisation in named)


async def test_seeding_twice_adds_nothing(seeded: Seeded) -> None:
    session = seeded.session
    # The explicit call created them all, unless demo.seed had already done it.
    assert (seeded.before, seeded.created) in ((0, TOTAL), (TOTAL, 0))
    counts = {model: await count(session, model) for model in (Candidate, Claim, Interview)}
    assert await seed_demo_candidates(session) == 0
    await demo.seed(session)
    await session.commit()
    assert {model: await count(session, model) for model in counts} == counts
