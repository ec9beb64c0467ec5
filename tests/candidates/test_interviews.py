"""Teacher interviews: booking, the guide, recording verified levels, and who may do what.

Claims are created directly through the models (the portfolio service is tested on its own).
Choice documented here: a counsellor who sees an interview but tries to record it gets 403
from the route-policy table (recording is for teachers and the coordinator); a teacher who is
not the interview's teacher gets 404, as for any object outside one's reach.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.passwords import hash_password
from candidates.interviews import list_interviews
from candidates.models import Candidate, Claim, Interview, VerifiedCompetence
from competences.models import AssessmentCriterion, Competence
from kit.audit import AuditEvent
from kit.settings import Settings
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, csrf_token, sign_in

TEACHER2 = "teacher2@interviews.test"
COUNSELLOR2 = "counsellor2@interviews.test"
UNMAPPED_TEXT = "driving a reach truck in a cold store"


class Database:
    """Direct access to the test's database, for setting up and for checking what was saved."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings.database)
        self.sessions = create_session_factory(self.engine)

    def session(self) -> AsyncSession:
        session: AsyncSession = self.sessions()
        return session

    async def scalar(self, statement: Any) -> Any:
        async with self.sessions() as session:
            return (await session.execute(statement)).scalar()

    async def count(self, model: Any, *where: Any) -> int:
        return int(await self.scalar(select(func.count()).select_from(model).where(*where)))


@dataclass(frozen=True)
class World:
    candidate_id: int
    teacher_id: int
    teacher2_id: int
    counsellor_id: int
    competences: dict[str, int]  # code → id


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.engine.dispose()


@pytest.fixture
async def world(db: Database) -> World:
    """A candidate of counsellor@demo.test with three claims; a second teacher and counsellor."""
    async with db.session() as session, session.begin():
        password = hash_password(DEMO_PASSWORD)
        session.add_all(
            [
                User(
                    email=TEACHER2, name="Toinen Opettaja", role="teacher", password_hash=password
                ),
                User(
                    email=COUNSELLOR2,
                    name="Toinen Ohjaaja",
                    role="counsellor",
                    password_hash=password,
                ),
            ]
        )
        await session.flush()
        users = dict((await session.execute(select(User.email, User.id))).tuples().all())
        codes = ("LOG-U1-01", "LOG-U1-02", "LOG-U2-01")
        competences = dict(
            (
                await session.execute(
                    select(Competence.code, Competence.id).where(Competence.code.in_(codes))
                )
            )
            .tuples()
            .all()
        )
        assert set(competences) == set(codes)
        candidate = Candidate(
            name="Amina Testinen",
            client_since=datetime.date(2026, 1, 5),
            counsellor_id=users[DEMO_USERS["counsellor"]],
            stage="portfolio",
        )
        session.add(candidate)
        await session.flush()
        session.add_all(
            [
                Claim(
                    candidate_id=candidate.id,
                    competence_id=competences["LOG-U1-01"],
                    self_level=3,
                    acquired_where="Warehouse in Basra",
                    months=24,
                ),
                Claim(
                    candidate_id=candidate.id,
                    competence_id=competences["LOG-U1-02"],
                    self_level=2,
                ),
                Claim(candidate_id=candidate.id, free_text=UNMAPPED_TEXT, self_level=4),
            ]
        )
        await session.flush()
        return World(
            candidate_id=candidate.id,
            teacher_id=users[DEMO_USERS["teacher"]],
            teacher2_id=users[TEACHER2],
            counsellor_id=users[DEMO_USERS["counsellor"]],
            competences=competences,
        )


async def post(client: AsyncTestClient, path: str, form: dict[str, str]) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


async def switch_user(client: AsyncTestClient, email: str) -> None:
    await post(client, "/logout", {})
    await sign_in(client, email)


async def book(client: AsyncTestClient, world: World, **changes: str) -> int:
    """Book an interview of the world's candidate with teacher@demo.test, as its counsellor."""
    await switch_user(client, DEMO_USERS["counsellor"])
    form = {
        "teacher": str(world.teacher_id),
        "date": "2027-02-15",
        "time": "09:30",
        "place": "Savonia, room 2.14",
        **changes,
    }
    response = await post(client, f"/candidates/{world.candidate_id}/interviews", form)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/interviews/(\d+)", response.headers["location"])
    assert found is not None
    return int(found.group(1))


def record_form(world: World, **changes: str | None) -> dict[str, str]:
    """A valid record form: the two claimed competences and one the teacher adds."""
    form: dict[str, str | None] = {
        "result_rows": "4",
        "competence-0": "LOG-U1-01",
        "fixed-0": "1",
        "level-0": "4",
        "note-0": "Showed the delivery-note check confidently.",
        "competence-1": "LOG-U1-02",
        "fixed-1": "1",
        "level-1": "not-demonstrated",
        "note-1": "No experience of storage locations.",
        "competence-2": "LOG-U2-01",
        "level-2": "2",
        "competence-3": "",
        "interpreter_used": "on",
        "interpreter_language": "ar",
        "notes": "Good interview.",
        "action": "save",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def test_counsellor_books_and_the_teacher_sees_it(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await switch_user(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{world.candidate_id}/interviews/new")
    assert page.status_code == 200
    assert "Leena Opettaja" in page.text
    assert "Toinen Opettaja" in page.text
    interview_id = await book(client, world)
    interview = await db.scalar(select(Interview).where(Interview.id == interview_id))
    assert interview.status == "scheduled"
    assert interview.teacher_id == world.teacher_id
    # 09:30 in Finland in February is 07:30 UTC.
    assert interview.scheduled_at == datetime.datetime(2027, 2, 15, 7, 30, tzinfo=datetime.UTC)

    await switch_user(client, DEMO_USERS["teacher"])
    listing = await client.get("/interviews")
    assert listing.status_code == 200
    assert f'href="/interviews/{interview_id}"' in listing.text
    assert "Amina Testinen" in listing.text
    assert "15 Feb 2027, 09:30" in listing.text
    candidate_page = await client.get(f"/candidates/{world.candidate_id}")
    assert candidate_page.status_code == 200
    assert "Amina Testinen" in candidate_page.text

    await switch_user(client, TEACHER2)
    listing = await client.get("/interviews")
    assert f'href="/interviews/{interview_id}"' not in listing.text

    await switch_user(client, DEMO_USERS["coordinator"])
    listing = await client.get("/interviews")
    assert f'href="/interviews/{interview_id}"' in listing.text


async def test_booking_refuses_bad_input_and_saves_nothing(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await switch_user(client, DEMO_USERS["counsellor"])
    good = {"teacher": str(world.teacher_id), "date": "2027-02-15", "time": "09:30"}
    cases = [
        ({"teacher": ""}, "teacher"),
        ({"teacher": str(world.counsellor_id)}, "teacher"),  # not a teacher
        ({"date": "15.2.2027"}, "date"),
        ({"time": "25:99"}, "time"),
        ({"place": "x" * 201}, "place"),
    ]
    for changes, field in cases:
        response = await post(
            client, f"/candidates/{world.candidate_id}/interviews", {**good, **changes}
        )
        assert response.status_code == 400, changes
        assert f'id="{field}-error"' in response.text, changes
    assert await db.count(Interview, Interview.candidate_id == world.candidate_id) == 0


async def test_the_guide_shows_claims_criteria_and_questions(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    interview_id = await book(client, world)
    await switch_user(client, DEMO_USERS["teacher"])
    page = await client.get(f"/interviews/{interview_id}")
    assert page.status_code == 200
    competence = await db.scalar(select(Competence).where(Competence.code == "LOG-U1-01"))
    assert competence.labels["en"] in page.text
    async with db.session() as session:
        criteria = (
            (
                await session.execute(
                    select(AssessmentCriterion).where(
                        AssessmentCriterion.competence_id == competence.id
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(c.grade for c in criteria) == [1, 3, 5]
    for criterion in criteria:
        assert criterion.labels["en"] in page.text
    assert f"Tell me about a time you had to {competence.labels['en']}" in page.text
    assert UNMAPPED_TEXT in page.text
    assert "not mapped to the framework" in page.text
    assert "Warehouse in Basra" in page.text
    # The record form is there for the teacher, with a row per claimed competence.
    assert f'action="/interviews/{interview_id}/record"' in page.text
    assert 'name="competence-0" value="LOG-U1-01"' in page.text


async def test_the_teacher_records_verified_levels(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    interview_id = await book(client, world)
    await switch_user(client, DEMO_USERS["teacher"])
    response = await post(client, f"/interviews/{interview_id}/record", record_form(world))
    assert response.status_code == 303, response.text

    interview = await db.scalar(select(Interview).where(Interview.id == interview_id))
    assert interview.status == "completed"
    assert interview.completed_at is not None
    assert (interview.interpreter_used, interview.interpreter_language) == (True, "ar")
    assert interview.notes == "Good interview."
    async with db.session() as session:
        results = {
            r.competence_id: r
            for r in (
                await session.execute(
                    select(VerifiedCompetence).where(
                        VerifiedCompetence.interview_id == interview_id
                    )
                )
            )
            .scalars()
            .all()
        }
    ids = world.competences
    assert set(results) == {ids["LOG-U1-01"], ids["LOG-U1-02"], ids["LOG-U2-01"]}
    assert results[ids["LOG-U1-01"]].verified_level == 4
    assert results[ids["LOG-U1-01"]].claim_id is not None
    assert results[ids["LOG-U1-02"]].not_demonstrated
    assert results[ids["LOG-U1-02"]].verified_level is None
    assert results[ids["LOG-U2-01"]].claim_id is None  # added by the teacher, not claimed
    audit = await db.count(
        AuditEvent,
        AuditEvent.entity == "verified_competence",
        AuditEvent.action == "create",
        AuditEvent.actor_id == world.teacher_id,
    )
    assert audit == 3

    page = await client.get(f"/interviews/{interview_id}")
    assert "not demonstrated" in page.text
    # The form offers one list per competence, the not-demonstrated result chosen in it,
    # and no checkbox that could say otherwise.
    assert 'name="not_demonstrated-' not in page.text
    level_1 = page.text.split('name="level-1"')[1].split("</select>")[0]
    assert '<option value="not-demonstrated" selected>' in level_1
    summary = await list_interviews_of(db, world)
    assert [(s.id, s.teacher_name, s.status, s.result_count) for s in summary] == [
        (interview_id, "Leena Opettaja", "completed", 3)
    ]
    assert (summary[0].interpreter_used, summary[0].interpreter_language) == (True, "ar")

    # Re-recording updates the results; the audit trail keeps the earlier level.
    response = await post(
        client,
        f"/interviews/{interview_id}/record",
        record_form(world, **{"level-0": "5", "level-1": "", "competence-2": "", "level-2": ""}),
    )
    assert response.status_code == 303, response.text
    assert await db.count(VerifiedCompetence, VerifiedCompetence.interview_id == interview_id) == 1
    level = await db.scalar(
        select(VerifiedCompetence.verified_level).where(
            VerifiedCompetence.interview_id == interview_id
        )
    )
    assert level == 5
    updates = await db.count(
        AuditEvent,
        AuditEvent.entity == "verified_competence",
        AuditEvent.action == "update",
        AuditEvent.actor_id == world.teacher_id,
    )
    deletes = await db.count(
        AuditEvent,
        AuditEvent.entity == "verified_competence",
        AuditEvent.action == "delete",
        AuditEvent.actor_id == world.teacher_id,
    )
    assert (updates, deletes) == (1, 2)


async def list_interviews_of(db: Database, world: World) -> list[Any]:
    async with db.session() as session:
        return await list_interviews(session, candidate_id=world.candidate_id)


BAD_RECORDS = [
    pytest.param({"level-0": "7"}, "level-0", id="level-out-of-range"),
    pytest.param({"level-0": "0"}, "level-0", id="level-zero"),
    pytest.param({"level-0": "3", "not_demonstrated-0": "on"}, "level-0", id="level-and-nd"),
    pytest.param({"interpreter_language": ""}, "interpreter_language", id="no-language"),
    pytest.param({"interpreter_language": "arabic!"}, "interpreter_language", id="bad-language"),
    pytest.param({"competence-2": "xyzzy frobnication"}, "competence-2", id="unknown"),
    pytest.param({"competence-2": "LOG-U1-01"}, "competence-2", id="listed-twice"),
]


@pytest.mark.parametrize(("changes", "field"), BAD_RECORDS)
async def test_bad_record_input_shows_messages_and_saves_nothing(
    client: AsyncTestClient, db: Database, world: World, changes: dict[str, str], field: str
) -> None:
    interview_id = await book(client, world)
    await switch_user(client, DEMO_USERS["teacher"])
    response = await post(
        client, f"/interviews/{interview_id}/record", record_form(world, **changes)
    )
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert 'value="Good interview."' in response.text or "Good interview." in response.text
    assert await db.count(VerifiedCompetence, VerifiedCompetence.interview_id == interview_id) == 0
    interview = await db.scalar(select(Interview).where(Interview.id == interview_id))
    assert (interview.status, interview.completed_at, interview.notes) == ("scheduled", None, "")


async def test_another_teacher_and_other_counsellors_get_404(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    interview_id = await book(client, world)
    for email in (TEACHER2, COUNSELLOR2):
        await switch_user(client, email)
        assert (await client.get(f"/interviews/{interview_id}")).status_code == 404
        assert (await client.get(f"/candidates/{world.candidate_id}")).status_code == 404
        for action in ("cancel", "schedule"):
            forged = await post(
                client,
                f"/interviews/{interview_id}/{action}",
                {"date": "2027-03-01", "time": "10:00"},
            )
            assert forged.status_code == 404
    await switch_user(client, TEACHER2)
    forged = await post(client, f"/interviews/{interview_id}/record", record_form(world))
    assert forged.status_code == 404
    await switch_user(client, COUNSELLOR2)
    response = await post(
        client,
        f"/candidates/{world.candidate_id}/interviews",
        {"teacher": str(world.teacher_id), "date": "2027-03-01", "time": "10:00"},
    )
    assert response.status_code == 404
    assert await db.count(VerifiedCompetence, VerifiedCompetence.interview_id == interview_id) == 0
    interview = await db.scalar(select(Interview).where(Interview.id == interview_id))
    assert interview.status == "scheduled"
    assert await db.count(Interview, Interview.candidate_id == world.candidate_id) == 1


async def test_counsellor_views_and_cancels_but_cannot_record(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    interview_id = await book(client, world)
    page = await client.get(f"/interviews/{interview_id}")
    assert page.status_code == 200
    assert "/record" not in page.text
    forged = await post(client, f"/interviews/{interview_id}/record", record_form(world))
    assert forged.status_code == 403
    assert await db.count(VerifiedCompetence, VerifiedCompetence.interview_id == interview_id) == 0

    response = await post(client, f"/interviews/{interview_id}/cancel", {})
    assert response.status_code == 303
    interview = await db.scalar(select(Interview).where(Interview.id == interview_id))
    assert interview.status == "cancelled"
    # A cancelled interview cannot be cancelled again or recorded.
    again = await post(client, f"/interviews/{interview_id}/cancel", {})
    assert again.status_code == 409
    await switch_user(client, DEMO_USERS["teacher"])
    refused = await post(client, f"/interviews/{interview_id}/record", record_form(world))
    assert refused.status_code == 400
    assert await db.count(VerifiedCompetence, VerifiedCompetence.interview_id == interview_id) == 0

    for role in ("employer", "tutor"):
        await switch_user(client, DEMO_USERS[role])
        assert (await client.get("/interviews")).status_code == 403
        assert (await client.get(f"/interviews/{interview_id}")).status_code == 403


async def test_the_teacher_reschedules(client: AsyncTestClient, db: Database, world: World) -> None:
    interview_id = await book(client, world)
    await switch_user(client, DEMO_USERS["teacher"])
    bad = await post(
        client, f"/interviews/{interview_id}/schedule", {"date": "2027-03-01", "time": "later"}
    )
    assert bad.status_code == 400
    assert 'id="time-error"' in bad.text
    response = await post(
        client,
        f"/interviews/{interview_id}/schedule",
        {"date": "2027-06-01", "time": "13:00", "place": "Video call"},
    )
    assert response.status_code == 303
    interview = await db.scalar(select(Interview).where(Interview.id == interview_id))
    # 13:00 in Finland in June (summer time) is 10:00 UTC.
    assert interview.scheduled_at == datetime.datetime(2027, 6, 1, 10, 0, tzinfo=datetime.UTC)
    assert interview.place == "Video call"


async def test_the_candidate_page_lists_interviews(client: AsyncTestClient, world: World) -> None:
    interview_id = await book(client, world)
    page = await client.get(f"/candidates/{world.candidate_id}")
    assert page.status_code == 200
    assert f'href="/interviews/{interview_id}"' in page.text
    assert "Leena Opettaja" in page.text
