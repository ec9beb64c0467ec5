"""Portfolio pages: claims mapped to the framework (or kept and flagged), claimed vs verified.

Candidates, interviews and verified levels are created directly through the models, so these
tests depend only on the portfolio's own code.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select

from accounts.models import User
from accounts.passwords import hash_password
from candidates.models import (
    Candidate,
    Claim,
    EvidenceItem,
    Interview,
    VerifiedCompetence,
)
from candidates.portfolio import portfolio_overview
from competences.models import Competence
from kit.audit import AuditEvent
from portal.templating import create_environment
from tests.candidates.conftest import Database
from tests.conftest import DEMO_PASSWORD, DEMO_USERS, csrf_token, sign_in
from tests.portal.test_accessibility import PageStructure

COUNSELLOR2 = "counsellor2@portfolio.test"
TEACHER2 = "teacher2@portfolio.test"


@dataclass(frozen=True)
class World:
    candidate_id: int
    counsellor_id: int
    teacher_id: int
    competences: dict[str, int]  # code → id


async def make_candidate(db: Database, *, counsellor_id: int, name: str = "Amina Test") -> int:
    async with db.session() as session, session.begin():
        candidate = Candidate(
            name=name, client_since=datetime.date(2026, 1, 15), counsellor_id=counsellor_id
        )
        session.add(candidate)
        await session.flush()
        return int(candidate.id)


@pytest.fixture
async def world(db: Database) -> World:
    """A candidate of counsellor@demo.test with a scheduled interview with teacher@demo.test;
    a second counsellor and a second teacher who have nothing to do with it."""
    counsellor_id = await db.user_id(DEMO_USERS["counsellor"])
    teacher_id = await db.user_id(DEMO_USERS["teacher"])
    candidate_id = await make_candidate(db, counsellor_id=counsellor_id)
    async with db.session() as session, session.begin():
        password = hash_password(DEMO_PASSWORD)
        session.add_all(
            [
                User(
                    email=COUNSELLOR2,
                    name="Toinen Ohjaaja",
                    role="counsellor",
                    password_hash=password,
                ),
                User(
                    email=TEACHER2, name="Toinen Opettaja", role="teacher", password_hash=password
                ),
                Interview(
                    candidate_id=candidate_id,
                    teacher_id=teacher_id,
                    scheduled_at=datetime.datetime(2026, 5, 4, 9, tzinfo=datetime.UTC),
                ),
            ]
        )
        rows = (await session.execute(select(Competence.code, Competence.id))).all()
    return World(
        candidate_id=candidate_id,
        counsellor_id=counsellor_id,
        teacher_id=teacher_id,
        competences={code: competence_id for code, competence_id in rows},
    )


def claim_form(**changes: str | None) -> dict[str, str]:
    form: dict[str, str | None] = {
        "competence": "LOG-U2-01",
        "self_level": "4",
        "acquired_how": "work_history",
        "acquired_where": "A warehouse in Tallinn",
        "months": "36",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def post(client: AsyncTestClient, path: str, form: dict[str, str]) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


async def claims_of(db: Database, candidate_id: int) -> list[Claim]:
    async with db.session() as session:
        statement = select(Claim).where(Claim.candidate_id == candidate_id).order_by(Claim.id)
        return list((await session.scalars(statement)).all())


async def audit_actions(db: Database, claim_id: int) -> list[str]:
    async with db.session() as session:
        statement = (
            select(AuditEvent.action)
            .where(AuditEvent.entity == "claim", AuditEvent.entity_id == str(claim_id))
            .order_by(AuditEvent.id)
        )
        return list((await session.scalars(statement)).all())


# --- Claims ------------------------------------------------------------------------------


@pytest.mark.both_databases
async def test_counsellor_adds_a_claim_by_code_and_it_is_mapped_and_audited(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert page.status_code == 200
    assert 'hx-get="/competences/suggest"' in page.text
    structure = PageStructure()
    structure.feed(page.text)
    assert structure.h1 == 1
    assert all(field in structure.labels for field in structure.fields), structure.fields

    response = await post(client, f"/candidates/{world.candidate_id}/claims", claim_form())

    assert response.status_code == 303, response.text
    [claim] = await claims_of(db, world.candidate_id)
    assert claim.competence_id == world.competences["LOG-U2-01"]
    assert claim.free_text == ""  # the bare code is not kept as "own words"
    assert (claim.self_level, claim.acquired_how, claim.months) == (4, "work_history", 36)
    assert claim.acquired_where == "A warehouse in Tallinn"
    assert await audit_actions(db, claim.id) == ["create"]
    actor = await db.scalar(
        select(AuditEvent.actor_id).where(
            AuditEvent.entity == "claim", AuditEvent.entity_id == str(claim.id)
        )
    )
    assert actor == world.counsellor_id

    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert "LOG-U2-01" in page.text
    assert "operate a counterbalance forklift safely" in page.text
    assert "A warehouse in Tallinn" in page.text


@pytest.mark.both_databases
async def test_an_exact_alternative_label_maps_and_keeps_the_candidates_words(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post(
        client,
        f"/candidates/{world.candidate_id}/claims",
        claim_form(competence="  Forklift   DRIVING "),
    )
    assert response.status_code == 303, response.text
    [claim] = await claims_of(db, world.candidate_id)
    assert claim.competence_id == world.competences["LOG-U2-01"]
    assert claim.free_text == "Forklift DRIVING"


@pytest.mark.both_databases
async def test_free_text_that_does_not_map_is_kept_flagged_with_suggestions(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post(
        client, f"/candidates/{world.candidate_id}/claims", claim_form(competence="forklift drivng")
    )
    assert response.status_code == 303, response.text
    [claim] = await claims_of(db, world.candidate_id)
    # Never silently mapped to the best fuzzy guess.
    assert claim.competence_id is None
    assert claim.free_text == "forklift drivng"

    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert "not mapped to the framework yet" in page.text
    assert "Did you mean" in page.text
    assert "LOG-U2-01" in page.text
    assert "Map to LOG-U2-01" in page.text
    # The button sends the code and the candidate's words, which the mapping keeps.
    assert '<input type="hidden" name="words" value="forklift drivng">' in page.text

    # Confirming the suggestion maps the claim.
    confirmed = await post(
        client,
        f"/candidates/{world.candidate_id}/claims/{claim.id}",
        claim_form(competence="LOG-U2-01", acquired_where="", months="", words="forklift drivng"),
    )
    assert confirmed.status_code == 303, confirmed.text
    [claim] = await claims_of(db, world.candidate_id)
    assert claim.competence_id == world.competences["LOG-U2-01"]
    assert claim.free_text == "forklift drivng"
    assert await audit_actions(db, claim.id) == ["create", "update"]

    # Typing the bare code in the edit form (no words sent) keeps no text beside it.
    retyped = await post(
        client,
        f"/candidates/{world.candidate_id}/claims/{claim.id}",
        claim_form(competence="LOG-U2-01", acquired_where="", months=""),
    )
    assert retyped.status_code == 303, retyped.text
    [claim] = await claims_of(db, world.candidate_id)
    assert claim.free_text == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"self_level": "6"}, "self_level"),
        ({"self_level": "0"}, "self_level"),
        ({"self_level": "many"}, "self_level"),
        ({"self_level": None}, "self_level"),
        ({"acquired_how": "by magic"}, "acquired_how"),
        ({"months": "-1"}, "months"),
        ({"competence": ""}, "competence"),
    ],
)
async def test_bad_claim_input_is_refused_beside_the_field_and_nothing_is_saved(
    client: AsyncTestClient,
    db: Database,
    world: World,
    changes: dict[str, str | None],
    field: str,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    before = await db.count(AuditEvent)
    response = await post(client, f"/candidates/{world.candidate_id}/claims", claim_form(**changes))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert "A warehouse in Tallinn" in response.text  # the input is kept
    assert await claims_of(db, world.candidate_id) == []
    assert await db.count(AuditEvent) == before


@pytest.mark.both_databases
async def test_claim_is_edited_and_deleted_with_audit_and_evidence_stays(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    await post(client, f"/candidates/{world.candidate_id}/claims", claim_form())
    [claim] = await claims_of(db, world.candidate_id)
    async with db.session() as session, session.begin():
        session.add(
            EvidenceItem(
                candidate_id=world.candidate_id, claim_id=claim.id, title="Reference letter"
            )
        )

    form = await client.get(f"/candidates/{world.candidate_id}/claims/{claim.id}")
    assert form.status_code == 200
    assert 'value="LOG-U2-01"' in form.text
    bad = await post(
        client, f"/candidates/{world.candidate_id}/claims/{claim.id}", claim_form(self_level="9")
    )
    assert bad.status_code == 400
    assert 'id="self_level-error"' in bad.text
    assert (await claims_of(db, world.candidate_id))[0].self_level == 4

    edited = await post(
        client,
        f"/candidates/{world.candidate_id}/claims/{claim.id}",
        claim_form(self_level="2", acquired_how="informal"),
    )
    assert edited.status_code == 303, edited.text
    [claim] = await claims_of(db, world.candidate_id)
    assert (claim.self_level, claim.acquired_how) == (2, "informal")

    deleted = await post(client, f"/candidates/{world.candidate_id}/claims/{claim.id}/delete", {})
    assert deleted.status_code == 303, deleted.text
    assert await claims_of(db, world.candidate_id) == []
    assert await audit_actions(db, claim.id) == ["create", "update", "delete"]
    evidence = await db.scalar(select(EvidenceItem).where(EvidenceItem.title == "Reference letter"))
    assert evidence is not None
    assert evidence.claim_id is None


@pytest.mark.both_databases
async def test_the_same_competence_cannot_be_claimed_twice(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    await post(client, f"/candidates/{world.candidate_id}/claims", claim_form())
    again = await post(
        client,
        f"/candidates/{world.candidate_id}/claims",
        claim_form(competence="forklift driving"),
    )
    assert again.status_code == 400
    assert 'id="competence-error"' in again.text
    assert len(await claims_of(db, world.candidate_id)) == 1


# --- Who may do what --------------------------------------------------------------------


async def test_teacher_of_the_candidate_reads_but_does_not_change(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    async with db.session() as session, session.begin():
        session.add(Claim(candidate_id=world.candidate_id, free_text="welding", self_level=3))
    [claim] = await claims_of(db, world.candidate_id)
    await sign_in(client, DEMO_USERS["teacher"])
    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert page.status_code == 200
    assert "welding" in page.text
    assert f'action="/candidates/{world.candidate_id}/claims"' not in page.text
    assert "Map to" not in page.text
    denied = await post(client, f"/candidates/{world.candidate_id}/claims", claim_form())
    assert denied.status_code == 403
    denied = await post(client, f"/candidates/{world.candidate_id}/claims/{claim.id}/delete", {})
    assert denied.status_code == 403
    assert len(await claims_of(db, world.candidate_id)) == 1


@pytest.mark.parametrize("email", [COUNSELLOR2, TEACHER2])
async def test_staff_without_the_candidate_get_404(
    client: AsyncTestClient, db: Database, world: World, email: str
) -> None:
    async with db.session() as session, session.begin():
        session.add(Claim(candidate_id=world.candidate_id, free_text="welding", self_level=3))
    [claim] = await claims_of(db, world.candidate_id)
    await sign_in(client, email)
    assert (await client.get(f"/candidates/{world.candidate_id}/portfolio")).status_code == 404
    if email == COUNSELLOR2:
        for path in (
            f"/candidates/{world.candidate_id}/claims",
            f"/candidates/{world.candidate_id}/claims/{claim.id}",
            f"/candidates/{world.candidate_id}/claims/{claim.id}/delete",
        ):
            assert (await post(client, path, claim_form())).status_code == 404, path
    assert len(await claims_of(db, world.candidate_id)) == 1


async def test_a_claim_of_another_candidate_answers_404(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    other = await make_candidate(db, counsellor_id=world.counsellor_id, name="Other")
    async with db.session() as session, session.begin():
        session.add(Claim(candidate_id=other, free_text="welding", self_level=3))
    [claim] = await claims_of(db, other)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post(
        client, f"/candidates/{world.candidate_id}/claims/{claim.id}", claim_form()
    )
    assert response.status_code == 404
    assert (await claims_of(db, other))[0].competence_id is None


# --- Claimed vs verified ----------------------------------------------------------------


async def add_completed_interview(
    db: Database, world: World, results: list[tuple[str, int | None]], *, day: int
) -> None:
    async with db.session() as session, session.begin():
        interview = Interview(
            candidate_id=world.candidate_id,
            teacher_id=world.teacher_id,
            scheduled_at=datetime.datetime(2026, 6, day, 9, tzinfo=datetime.UTC),
            status="completed",
            completed_at=datetime.datetime(2026, 6, day, 11, tzinfo=datetime.UTC),
        )
        session.add(interview)
        await session.flush()
        for code, level in results:
            session.add(
                VerifiedCompetence(
                    interview_id=interview.id,
                    competence_id=world.competences[code],
                    verified_level=level,
                    not_demonstrated=level is None,
                )
            )


@pytest.mark.both_databases
async def test_claimed_vs_verified_shows_the_newest_completed_result(
    client: AsyncTestClient, db: Database, world: World
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    await post(client, f"/candidates/{world.candidate_id}/claims", claim_form())
    await post(
        client,
        f"/candidates/{world.candidate_id}/claims",
        claim_form(competence="LOG-U1-01", self_level="3"),
    )
    await post(
        client, f"/candidates/{world.candidate_id}/claims", claim_form(competence="forklift drivng")
    )
    await add_completed_interview(db, world, [("LOG-U2-01", 2), ("LOG-U1-01", 4)], day=1)
    await add_completed_interview(db, world, [("LOG-U2-01", 3), ("LOG-U1-01", None)], day=8)
    async with db.session() as session, session.begin():
        # A scheduled interview's results do not count.
        scheduled = (
            await session.scalars(
                select(Interview).where(
                    Interview.candidate_id == world.candidate_id, Interview.status == "scheduled"
                )
            )
        ).one()
        session.add(
            VerifiedCompetence(
                interview_id=scheduled.id,
                competence_id=world.competences["LOG-U2-01"],
                verified_level=5,
            )
        )

    async with db.session() as session:
        overview = await portfolio_overview(session, candidate_id=world.candidate_id)
    by_code = {row.code: row for row in overview.rows}
    assert (by_code["LOG-U2-01"].self_level, by_code["LOG-U2-01"].verified_level) == (4, 3)
    assert by_code["LOG-U1-01"].not_demonstrated
    assert by_code["LOG-U1-01"].verified_level is None
    unmapped = by_code[None]
    assert (unmapped.free_text, unmapped.mapped, unmapped.verified) == (
        "forklift drivng",
        False,
        False,
    )
    assert overview.unmapped_count == 1

    html = (
        create_environment()
        .get_template("candidates/_portfolio_summary.html")
        .render(portfolio=overview, candidate={"id": world.candidate_id})
    )
    assert "Claimed vs verified" in html
    assert "not demonstrated" in html
    assert "not mapped to the framework yet" in html
    assert "3 (good)" in html

    page = await client.get(f"/candidates/{world.candidate_id}/portfolio")
    assert "not demonstrated" in page.text
    assert "3 (good)" in page.text
    candidate_page = await client.get(f"/candidates/{world.candidate_id}")
    assert candidate_page.status_code == 200
    assert "Claimed vs verified" in candidate_page.text
    assert "not demonstrated" in candidate_page.text


@pytest.mark.both_databases
async def test_overview_takes_a_constant_number_of_queries(db: Database, world: World) -> None:
    async def queries_for_overview() -> int:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(str(args[2]))

        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            async with db.session() as session:
                await portfolio_overview(session, candidate_id=world.candidate_id)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        return len(statements)

    codes = list(world.competences)[:2]
    async with db.session() as session, session.begin():
        for code in codes:
            session.add(
                Claim(
                    candidate_id=world.candidate_id,
                    competence_id=world.competences[code],
                    self_level=3,
                )
            )
    few = await queries_for_overview()
    async with db.session() as session, session.begin():
        for code in list(world.competences)[2:12]:
            session.add(
                Claim(
                    candidate_id=world.candidate_id,
                    competence_id=world.competences[code],
                    self_level=2,
                )
            )
            session.add(EvidenceItem(candidate_id=world.candidate_id, title=f"About {code}"))
    await add_completed_interview(db, world, [(code, 3) for code in codes], day=2)
    many = await queries_for_overview()
    assert few == many <= 4
