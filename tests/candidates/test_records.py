"""Client records: create and edit, caseload, candidate page, guidance notes, stage, access."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates.models import (
    Candidate,
    CandidateLanguage,
    ConsentRecord,
    GuidanceNote,
    Interview,
)
from kit.audit import AuditEvent
from tests.candidates.conftest import Database, MakeCandidate
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_accessibility import PageStructure


def record_form(**changes: Any) -> dict[str, Any]:
    """A valid record form; ``changes`` replace fields (None leaves a field out)."""
    form: dict[str, Any] = {
        "name": "Hamid Example",
        "email": "hamid@example.fi",
        "phone": "+358 44 765 4321",
        "municipality": "Joensuu",
        "regions": ["North Karelia", "North Savo"],
        "language_rows": "3",
        "language-0": "fi",
        "language_level-0": "B1",
        "language_assessment-0": "tested",
        "language-1": "ar",
        "language_level-1": "C2",
        "language_assessment-1": "self",
        "client_type": "short_term",
        "client_since": "2026-02-01",
        "available_from": "2026-04-01",
        "availability_note": "Mornings only",
        "stage": "portfolio",
        "action": "save",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def post_form(client: AsyncTestClient, path: str, form: dict[str, Any]) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


async def load(db: Database, candidate_id: int) -> Candidate:
    async with db.session() as session:
        return (
            await session.execute(select(Candidate).where(Candidate.id == candidate_id))
        ).scalar_one()


@pytest.mark.both_databases
async def test_a_counsellor_creates_a_candidate_in_their_own_caseload(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get("/candidates/new")
    assert page.status_code == 200
    structure = PageStructure()
    structure.feed(page.text)
    assert structure.h1 == 1
    assert not [f for f in structure.fields if f is None or f not in structure.labels]
    assert 'name="counsellor"' not in page.text  # only the coordinator assigns

    response = await post_form(client, "/candidates", record_form())

    assert response.status_code == 303, response.text
    candidate_id = int(response.headers["location"].rsplit("/", 1)[1])
    candidate = await load(db, candidate_id)
    assert candidate.counsellor_id == await db.user_id(DEMO_USERS["counsellor"])
    assert candidate.regions == ["North Savo", "North Karelia"]  # in the list's order
    assert (candidate.client_type, candidate.stage) == ("short_term", "portfolio")
    assert candidate.client_since == datetime.date(2026, 2, 1)
    async with db.session() as session:
        languages = (
            await session.execute(
                select(CandidateLanguage)
                .where(CandidateLanguage.candidate_id == candidate_id)
                .order_by(CandidateLanguage.language)
            )
        ).scalars()
        assert [(r.language, r.level, r.assessment) for r in languages] == [
            ("ar", "C2", "self"),
            ("fi", "B1", "tested"),
        ]
        audit = (
            await session.execute(
                select(AuditEvent).where(
                    AuditEvent.entity == "candidate", AuditEvent.entity_id == str(candidate_id)
                )
            )
        ).scalar_one()
        assert audit.action == "create"
        assert audit.actor_id == candidate.counsellor_id

    detail = await client.get(f"/candidates/{candidate_id}")
    assert detail.status_code == 200
    assert "The record was saved." in detail.text
    assert re.search(r'<li class="current" aria-current="step">Portfolio', detail.text)
    assert '<li class="done">Guidance' in detail.text
    assert "hamid@example.fi" in detail.text
    assert "Finnish: B1" in detail.text
    structure = PageStructure()
    structure.feed(detail.text)
    assert structure.h1 == 1


BAD_INPUT = [
    ("cefr", {"language_level-0": "D1"}, "language_level-0"),
    ("name", {"name": ""}, "name"),
    ("date", {"client_since": "2026-02-30"}, "client_since"),
    ("available", {"available_from": "next week"}, "available_from"),
    ("region", {"regions": ["North Savo", "Atlantis"]}, "regions"),
    ("stage", {"stage": "nowhere"}, "stage"),
    ("client_type", {"client_type": "forever"}, "client_type"),
    ("language", {"language-0": "finnish"}, "language-0"),
    ("assessment", {"language_assessment-1": "guessed"}, "language_assessment-1"),
    ("email", {"email": "not-an-address"}, "email"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [b[1:] for b in BAD_INPUT], ids=[b[0] for b in BAD_INPUT]
)
async def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    client: AsyncTestClient,
    db: Database,
    make_candidate: MakeCandidate,
    changes: dict[str, Any],
    field: str,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    before = await db.count(Candidate)
    languages_before = await db.count(CandidateLanguage)
    response = await post_form(client, "/candidates", record_form(**changes))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert 'value="+358 44 765 4321"' in response.text  # the input is kept
    assert await db.count(Candidate) == before
    assert await db.count(CandidateLanguage) == languages_before

    # The same input on an existing record changes nothing either.
    candidate_id = await make_candidate()
    languages_before = await db.count(CandidateLanguage)
    response = await post_form(client, f"/candidates/{candidate_id}/edit", record_form(**changes))
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    candidate = await load(db, candidate_id)
    assert (candidate.name, candidate.stage) == ("Amina Test", "guidance")
    assert await db.count(CandidateLanguage, CandidateLanguage.candidate_id == candidate_id) == 1
    assert await db.count(CandidateLanguage) == languages_before


@pytest.mark.both_databases
async def test_a_counsellor_edits_a_record_and_the_audit_trail_has_the_change(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{candidate_id}/edit")
    assert page.status_code == 200
    assert 'value="Amina Test"' in page.text

    response = await post_form(
        client,
        f"/candidates/{candidate_id}/edit",
        record_form(name="Amina Renamed", **{"language-0": "fi", "language_level-0": "B2"}),
    )

    assert response.status_code == 303, response.text
    candidate = await load(db, candidate_id)
    assert candidate.name == "Amina Renamed"
    async with db.session() as session:
        levels = (
            await session.execute(
                select(CandidateLanguage.language, CandidateLanguage.level).where(
                    CandidateLanguage.candidate_id == candidate_id
                )
            )
        ).all()
        assert sorted(tuple(row) for row in levels) == [("ar", "C2"), ("fi", "B2")]
        changes = (
            await session.execute(
                select(AuditEvent.changes).where(
                    AuditEvent.entity == "candidate",
                    AuditEvent.entity_id == str(candidate_id),
                    AuditEvent.action == "update",
                )
            )
        ).scalar_one()
        assert changes["name"] == ["Amina Test", "Amina Renamed"]


async def test_a_counsellor_cannot_assign_another_counsellor_but_the_coordinator_can(
    client: AsyncTestClient, db: Database
) -> None:
    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    coordinator = await db.user_id(DEMO_USERS["coordinator"])
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post_form(client, "/candidates", record_form(counsellor=str(coordinator)))
    assert response.status_code == 400
    assert "Only the coordinator" in response.text

    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get("/candidates/new")
    assert 'name="counsellor"' in page.text
    response = await post_form(client, "/candidates", record_form(counsellor=str(coordinator)))
    assert response.status_code == 400  # not a counsellor
    response = await post_form(client, "/candidates", record_form(counsellor=str(counsellor)))
    assert response.status_code == 303
    candidate = await load(db, int(response.headers["location"].rsplit("/", 1)[1]))
    assert candidate.counsellor_id == counsellor


def stage_counts(html: str) -> dict[str, int]:
    """The caseload page's count per stage, by the stage's label."""
    return {
        label: int(count) for label, count in re.findall(r">([^<>]+): <strong>(\d+)</strong>", html)
    }


@pytest.mark.both_databases
async def test_the_caseload_searches_filters_and_counts_per_stage(
    client: AsyncTestClient, make_candidate: MakeCandidate
) -> None:
    # The demo caseload has candidates of its own (a Leila and an Omar among them): the counts
    # are compared before and after, and a surname no demo candidate has picks out the test's.
    await sign_in(client, DEMO_USERS["counsellor"])
    before = await client.get("/candidates")
    assert "Zzcaseload" not in before.text
    counts_before = stage_counts(before.text)
    assert {"Guidance", "Portfolio"} <= set(counts_before)
    mine = await make_candidate(name="Leila Zzcaseload", stage="portfolio")
    other = await make_candidate(name="Omar Zzcaseload", client_type="short_term")
    unassigned = await make_candidate(by=DEMO_USERS["coordinator"], name="Nobody Zzcaseload")

    page = await client.get("/candidates")
    assert page.status_code == 200
    counts = stage_counts(page.text)
    assert {label: counts[label] - counts_before[label] for label in counts} == {
        label: int(label in ("Guidance", "Portfolio")) for label in counts
    }
    # The caseload is paged (50 a page): the test's candidates are found by their surname.
    ours = await client.get("/candidates", params={"q": "zzcaseload"})
    assert f'href="/candidates/{mine}"' in ours.text
    assert f'href="/candidates/{other}"' in ours.text
    assert f'href="/candidates/{unassigned}"' not in ours.text
    assert {label: n for label, n in stage_counts(ours.text).items() if n} == {
        "Guidance": 1,
        "Portfolio": 1,
    }

    found = await client.get("/candidates", params={"q": "leila"})
    assert f'href="/candidates/{mine}"' in found.text
    assert f'href="/candidates/{other}"' not in found.text
    staged = await client.get("/candidates", params={"stage": "guidance", "q": "zzcaseload"})
    assert f'href="/candidates/{other}"' in staged.text
    assert f'href="/candidates/{mine}"' not in staged.text
    typed = await client.get("/candidates", params={"client_type": "short_term", "q": "zzcaseload"})
    assert f'href="/candidates/{other}"' in typed.text
    assert f'href="/candidates/{mine}"' not in typed.text

    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    everything = await client.get("/candidates", params={"q": "zzcaseload"})
    assert {f'href="/candidates/{i}"' in everything.text for i in (mine, other, unassigned)} == {
        True
    }


@pytest.mark.both_databases
async def test_guidance_notes_are_dated_newest_first_and_bad_notes_are_refused(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    notes_before = await db.count(GuidanceNote)
    await sign_in(client, DEMO_USERS["counsellor"])
    for date, text in (("2026-02-01", "First meeting"), ("2026-03-01", "Portfolio started")):
        response = await post_form(
            client, f"/candidates/{candidate_id}/notes", {"noted_on": date, "text": text}
        )
        assert response.status_code == 303
    page = await client.get(f"/candidates/{candidate_id}")
    assert page.text.index("Portfolio started") < page.text.index("First meeting")

    response = await post_form(
        client, f"/candidates/{candidate_id}/notes", {"noted_on": "yesterday", "text": "Kept"}
    )
    assert response.status_code == 400
    assert 'id="noted_on-error"' in response.text
    assert "Kept</textarea>" in response.text
    response = await post_form(
        client, f"/candidates/{candidate_id}/notes", {"noted_on": "2026-03-02", "text": " "}
    )
    assert response.status_code == 400
    assert 'id="text-error"' in response.text
    assert await db.count(GuidanceNote, GuidanceNote.candidate_id == candidate_id) == 2
    assert await db.count(GuidanceNote) == notes_before + 2


async def test_the_stage_moves_and_an_unknown_stage_is_refused(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post_form(client, f"/candidates/{candidate_id}/stage", {"stage": "interview"})
    assert response.status_code == 303
    assert (await load(db, candidate_id)).stage == "interview"
    response = await post_form(client, f"/candidates/{candidate_id}/stage", {"stage": "famous"})
    assert response.status_code == 400
    assert 'id="stage-error"' in response.text
    assert (await load(db, candidate_id)).stage == "interview"


async def test_a_candidate_outside_the_caseload_answers_404_to_the_counsellor(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    outside = await make_candidate(by=DEMO_USERS["coordinator"], name="Outside Caseload")
    notes_before = await db.count(GuidanceNote)
    consents_before = await db.count(ConsentRecord)
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get(f"/candidates/{outside}")).status_code == 404
    assert (await client.get(f"/candidates/{outside}/edit")).status_code == 404
    for path, form in (
        ("edit", record_form()),
        ("notes", {"noted_on": "2026-03-01", "text": "Sneaky"}),
        ("stage", {"stage": "certified"}),
        ("consent", {"purpose": "validation", "decision": "given"}),
    ):
        response = await post_form(client, f"/candidates/{outside}/{path}", form)
        assert response.status_code == 404, path
    candidate = await load(db, outside)
    assert (candidate.name, candidate.stage) == ("Outside Caseload", "guidance")
    assert await db.count(GuidanceNote, GuidanceNote.candidate_id == outside) == 0
    assert await db.count(ConsentRecord, ConsentRecord.candidate_id == outside) == 0
    assert await db.count(GuidanceNote) == notes_before
    assert await db.count(ConsentRecord) == consents_before


async def test_a_teacher_sees_only_the_candidates_they_interview_read_only(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    interviewed = await make_candidate(name="Interviewed Person")
    not_interviewed = await make_candidate(name="Someone Else")
    teacher = await db.user_id(DEMO_USERS["teacher"])
    async with db.session() as session, session.begin():
        session.add(
            Interview(
                candidate_id=interviewed,
                teacher_id=teacher,
                scheduled_at=datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC),
            )
        )
    await sign_in(client, DEMO_USERS["teacher"])
    assert (await client.get(f"/candidates/{not_interviewed}")).status_code == 404
    page = await client.get(f"/candidates/{interviewed}")
    assert page.status_code == 200
    assert "Interviewed Person" in page.text
    assert f"/candidates/{interviewed}/edit" not in page.text
    assert f'action="/candidates/{interviewed}/' not in page.text  # no forms to change it
    listing = await client.get("/candidates", params={"q": "person"})
    assert f'href="/candidates/{interviewed}"' in listing.text
    assert f'href="/candidates/{not_interviewed}"' not in listing.text
    everyone = await client.get("/candidates", params={"q": "someone else"})
    assert f'href="/candidates/{not_interviewed}"' not in everyone.text
    assert (await client.get(f"/candidates/{interviewed}/edit")).status_code == 403


@pytest.mark.parametrize("role", ["employer", "tutor"])
async def test_employers_and_tutors_are_denied_by_policy(
    client: AsyncTestClient, candidate_id: int, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    for path in ("/candidates", f"/candidates/{candidate_id}", "/candidates/new"):
        assert (await client.get(path)).status_code == 403, path
    response = await post_form(client, "/candidates", record_form())
    assert response.status_code == 403


async def test_a_forged_form_without_the_csrf_token_changes_nothing(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    before = await db.count(Candidate)
    response = await client.post("/candidates", data=record_form(), follow_redirects=False)
    assert response.status_code == 403
    response = await client.post(
        f"/candidates/{candidate_id}/stage", data={"stage": "certified"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert await db.count(Candidate) == before
    assert (await load(db, candidate_id)).stage == "guidance"


@pytest.mark.both_databases
async def test_the_caseload_is_paged_fifty_at_a_time_keeping_the_filters(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    first = await client.get("/candidates")
    total = sum(stage_counts(first.text).values())
    assert total > 100  # the demo caseload spans several pages
    pages = -(-total // 50)
    assert f"{total} candidates; page 1 of {pages}" in first.text
    ids = [
        re.findall(r'<th scope="row"><a href="/candidates/(\d+)">', page.text)
        for page in [
            first,
            await client.get("/candidates", params={"page": "2"}),
            await client.get("/candidates", params={"page": str(pages)}),
        ]
    ]
    assert len(ids[0]) == len(ids[1]) == 50
    assert 1 <= len(ids[2]) <= 50
    assert not set(ids[0]) & set(ids[1])  # pages do not overlap
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    # Past the end shows the last page; garbage shows the first.
    beyond = await client.get("/candidates", params={"page": "999"})
    assert re.findall(r'<th scope="row"><a href="/candidates/(\d+)">', beyond.text) == ids[2]
    garbage = await client.get("/candidates", params={"page": "-3"})
    assert f"page 1 of {pages}" in garbage.text
    # The page links keep the filters.
    typed = await client.get("/candidates", params={"client_type": "short_term"})
    assert "page 1 of" in typed.text  # most of the demo caseload is short-term
    assert "client_type=short_term&amp;page=2" in typed.text


async def test_the_caseload_page_reads_the_same_statements_however_many_rows_it_shows(
    client: AsyncTestClient, make_candidate: MakeCandidate
) -> None:
    # The page reads its rows as plain columns in one query (labels are looked up, not
    # loaded per row): more rows on the page, or a counsellor column, add no statement.
    from tests.assessments.conftest import statements_read

    await sign_in(client, DEMO_USERS["coordinator"])
    few = await statements_read(client, "/candidates?q=zzbounded")
    for number in range(3):
        await make_candidate(name=f"Zzbounded {number}", stage="portfolio")
    assert await statements_read(client, "/candidates?q=zzbounded") == few
    assert await statements_read(client, "/candidates") == few
    page = await client.get("/candidates", params={"q": "zzbounded"})
    cells = re.search(r'<a href="/candidates/\d+">Zzbounded 0</a></th>(.*?)</tr>', page.text, re.S)
    assert cells is not None
    shown = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells.group(1).split("</td>")
    ]
    # Stage and client type by their labels, the date as people write it, the counsellor's name.
    assert shown[:5] == ["Portfolio", "Long-term client", "15 Jan 2026", "Kuopio", "Mikko Ohjaaja"]
    client.cookies.clear()
