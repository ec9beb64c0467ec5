"""The candidate, placement and positions pages read what they show in a fixed number of
statements (more rows add none), and their plain-row reads give what the record reads give."""

from __future__ import annotations

import dataclasses
import datetime
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates import consent, services
from candidates.interviews import list_interviews
from candidates.models import CandidateAccess, ConsentRecord, GuidanceNote, Interview
from candidates.services import LanguageInput
from placements.lifecycle import placements as lifecycle
from placements.models import Placement, Position
from placements.positions import queries
from placements.positions.queries import PositionFilters
from tests.assessments.conftest import statements_read
from tests.candidates.conftest import Database, MakeCandidate
from tests.candidates.test_access import SECOND, second_counsellor
from tests.conftest import DEMO_USERS, sign_in


async def _grow(db: Database, candidate_id: int, rounds: int) -> None:
    """More of everything the candidate page lists: notes, consent records, and access for
    a second counsellor."""
    coordinator = await db.user_id(DEMO_USERS["coordinator"])
    other = await second_counsellor(db)
    async with db.session() as session, session.begin():
        for number in range(rounds):
            session.add(
                GuidanceNote(
                    candidate_id=candidate_id,
                    author_id=coordinator,
                    noted_on=datetime.date(2026, 2, 1 + number),
                    text=f"Note {number}",
                )
            )
            for purpose in ("validation", "share_with_employers"):
                await consent.record_consent(
                    session,
                    candidate_id=candidate_id,
                    purpose=purpose,
                    given=number % 2 == 0,
                    recorded_by_id=coordinator,
                )
        session.add(CandidateAccess(candidate_id=candidate_id, user_id=other))


async def test_the_candidate_page_reads_the_same_statements_however_much_it_lists(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate_id = await make_candidate(
        languages=[
            LanguageInput(language="sv", level="B1", assessment="self"),
            LanguageInput(language="fi", level="A2", assessment="tested"),
        ]
    )
    await sign_in(client, DEMO_USERS["coordinator"])
    few = await statements_read(client, f"/candidates/{candidate_id}")
    await _grow(db, candidate_id, rounds=3)
    assert await statements_read(client, f"/candidates/{candidate_id}") == few
    page = (await client.get(f"/candidates/{candidate_id}")).text
    # Languages by code, notes newest first, the consent in force and every record.
    languages = re.search(r"<h3>Languages</h3>\s*<ul>(.*?)</ul>", page, re.S)
    assert languages is not None
    assert [" ".join(item.split()) for item in re.findall(r"<li>(.*?)</li>", languages[1])] == [
        'Finnish: A2 <span class="muted">(tested)</span>',
        'Swedish: B1 <span class="muted">(self-assessed)</span>',
    ]
    assert re.findall(r'<p class="note-text">(.*?)</p>', page) == ["Note 2", "Note 1", "Note 0"]
    assert "Mikko Ohjaaja" in page  # the counsellor's name, read in the record's query
    assert "All consent records (6)" in page
    current = re.search(r'<ul class="consent-state">(.*?)</ul>', page, re.S)
    assert current is not None
    assert current[1].count('<span class="badge ok">given</span>') == 2


async def test_the_candidate_page_answers_404_outside_the_viewers_reach(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate_id = await make_candidate()  # counsellor@demo.test's caseload
    await second_counsellor(db)
    await sign_in(client, SECOND)
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 404
    async with db.session() as session, session.begin():
        session.add(CandidateAccess(candidate_id=candidate_id, user_id=await db.user_id(SECOND)))
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 200
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["teacher"])  # no interview with this candidate
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 404


@pytest.mark.both_databases
async def test_the_candidate_record_and_consent_read_as_the_entities_do(
    db: Database, make_candidate: MakeCandidate
) -> None:
    candidate_id = await make_candidate(
        languages=[
            LanguageInput(language="sv", level="B1", assessment="self"),
            LanguageInput(language="fi", level="A2", assessment="tested"),
        ]
    )
    await _grow(db, candidate_id, rounds=3)
    coordinator = await db.viewer(DEMO_USERS["coordinator"])
    async with db.session() as session:
        entity = await services.get_candidate(
            session, candidate_id=candidate_id, viewer=coordinator
        )
        record = await services.candidate_record(
            session, candidate_id=candidate_id, viewer=coordinator
        )
        assert entity is not None
        assert record is not None
        for field in dataclasses.fields(record):
            if field.name not in ("languages", "counsellor_name"):
                assert getattr(record, field.name) == getattr(entity, field.name), field.name
        assert [(r.language, r.level, r.assessment) for r in record.languages] == [
            (r.language, r.level, r.assessment) for r in entity.languages
        ]
        names = await services.user_names(session, user_ids={entity.counsellor_id or 0})
        assert record.counsellor_name == names[entity.counsellor_id or 0]
        # A candidate the viewer may not see is not read; one opened to them is.
        opened = await db.viewer(SECOND)
        assert (
            await services.candidate_record(session, candidate_id=candidate_id, viewer=opened)
            == record
        )
        other = await db.viewer(DEMO_USERS["teacher"])
        assert (
            await services.candidate_record(session, candidate_id=candidate_id, viewer=other)
        ) is None
        both = await consent.consent_records(session, candidate_id=candidate_id)
        assert both.current == await consent.current_consents(session, candidate_id=candidate_id)
        assert both.history == await consent.consent_history(session, candidate_id=candidate_id)
        assert len(both.history) == 6
        assert len(both.current) == 2
        newest = (
            await session.execute(
                select(ConsentRecord.id)
                .where(ConsentRecord.candidate_id == candidate_id)
                .order_by(ConsentRecord.id.desc())
                .limit(2)
            )
        ).scalars()
        assert {state.record_id for state in both.current} == set(newest)


async def test_the_interviews_of_a_candidate_count_their_results(db: Database) -> None:
    # Demo candidates have completed interviews with results; each summary counts its own.
    async with db.session() as session:
        candidate_ids = (await session.execute(select(Interview.candidate_id).distinct())).scalars()
        for candidate_id in candidate_ids:
            for summary in await list_interviews(session, candidate_id=candidate_id):
                interview = await session.get(Interview, summary.id)
                assert interview is not None
                await session.refresh(interview, attribute_names=["results"])
                assert summary.result_count == len(interview.results)
                assert summary.candidate_id == candidate_id


async def test_the_positions_page_reads_the_same_statements_however_many_it_lists(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    few = await statements_read(client, "/positions")
    rows_before = (await client.get("/positions")).text.count('<th scope="row">')
    async with db.session() as session, session.begin():
        template = (
            await session.execute(select(Position).where(Position.status == "open").limit(1))
        ).scalar_one()
        for number in range(3):
            session.add(
                Position(
                    organisation_id=template.organisation_id,
                    title=f"Extra position {number}",
                    framework_id=template.framework_id,
                    region=template.region,
                    status="open",
                )
            )
    assert await statements_read(client, "/positions") == few
    page = (await client.get("/positions")).text
    assert page.count('<th scope="row">') == rows_before + 3
    assert "Extra position 2" in page


@pytest.mark.both_databases
async def test_the_position_lines_are_the_positions_list(db: Database) -> None:
    viewers = [
        await db.viewer(email)
        for email in (DEMO_USERS["coordinator"], "counsellor@demo.test", "employer@demo.test")
    ]
    filters = [
        PositionFilters(),
        PositionFilters(status="open"),
        PositionFilters(status="open", readiness=1),
        PositionFilters(status="open", kind="sme"),
    ]
    async with db.session() as session:
        for viewer in viewers:
            for chosen in filters:
                rows = await queries.list_positions(session, viewer=viewer, filters=chosen)
                lines = await queries.position_lines(session, viewer=viewer, filters=chosen)
                assert [
                    (
                        line.id,
                        line.title,
                        line.status,
                        line.places,
                        line.organisation_name,
                        line.organisation_status,
                        line.readiness_level,
                        line.field_labels,
                    )
                    for line in lines
                ] == [
                    (
                        row.position.id,
                        row.position.title,
                        row.position.status,
                        row.position.places,
                        row.organisation_name,
                        row.organisation_status,
                        row.readiness_level,
                        row.field_labels,
                    )
                    for row in rows
                ]
        choices = await queries.qualification_choices(session)
        assert [(c.code, c.labels) for c in choices] == [
            (f.code, f.labels) for f in await queries.list_qualifications(session)
        ]


async def test_the_placement_form_offers_the_same_tutors_and_teachers(db: Database) -> None:
    async with db.session() as session:
        organisation_ids = (
            await session.execute(select(Placement.organisation_id).distinct())
        ).scalars()
        for organisation_id in organisation_ids:
            assert await lifecycle.tutor_and_teacher_choices(session, organisation_id) == (
                await lifecycle.tutor_choices(session, organisation_id),
                await lifecycle.teacher_choices(session),
            )
