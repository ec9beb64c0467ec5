"""Position pages: employers create, edit, open, close and copy; staff browse with filters."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select

from accounts.models import User
from competences.models import Framework
from employers.models import Organisation, ReadinessProfile
from kit.audit import AuditEvent
from placements.models import Position, PositionCompetence, PositionLanguage
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database
from tests.portal.test_accessibility import PageStructure

EMPLOYER2 = "employer2@demo.test"


def position_form(**changes: str | None) -> dict[str, str]:
    """A valid position form; ``changes`` replace fields (None leaves a field out)."""
    form: dict[str, str | None] = {
        "title": "Warehouse trainee",
        "field": "LOG",
        "tasks": "Receiving goods and putting them away.",
        "municipality": "Kuopio",
        "region": "North Savo",
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "hours_per_week": "37.5",
        "places": "2",
        "tutor": "",
        "competence_rows": "5",
        "competence-0": "LOG-U1-01",
        "level-0": "3",
        "requirement-0": "required",
        "competence-1": "forklift driving",
        "level-1": "2",
        "requirement-1": "optional",
        "language_rows": "3",
        "language-0": "fi",
        "language_level-0": "A2",
        "language_safety-0": "on",
        "action": "save",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


async def post_form(client: AsyncTestClient, path: str, form: dict[str, str]) -> object:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


def listed_ids(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'href="/positions/(\d+)"', html)}


async def tutor_id(db: Database) -> int:
    return int(await db.scalar(select(User.id).where(User.email == "tutor@demo.test")))


@pytest.mark.both_databases
async def test_employer_creates_a_position_with_competences_by_code_and_alt_label(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    page = await client.get("/positions/new")
    assert page.status_code == 200
    assert 'hx-get="/competences/suggest"' in page.text
    before = await db.count(Position)
    tutor = await tutor_id(db)

    response = await post_form(client, "/positions", position_form(tutor=str(tutor)))

    assert response.status_code == 303, response.text
    position_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert await db.count(Position) == before + 1
    async with db.session() as session:
        position = (
            await session.execute(select(Position).where(Position.id == position_id))
        ).scalar_one()
        assert position.organisation_id == 1
        assert position.status == "draft"
        assert position.tutor_id == tutor
        assert position.hours_per_week == 37.5
        rows = (
            await session.execute(
                select(PositionCompetence).where(PositionCompetence.position_id == position_id)
            )
        ).scalars()
        by_level = {(row.min_level, row.required) for row in rows}
        assert by_level == {(3, True), (2, False)}
        languages = (
            await session.execute(
                select(PositionLanguage).where(PositionLanguage.position_id == position_id)
            )
        ).scalars()
        assert [(lang.language, lang.level, lang.for_safety) for lang in languages] == [
            ("fi", "A2", True)
        ]
    detail = await client.get(f"/positions/{position_id}")
    assert detail.status_code == 200
    assert "The position was saved." in detail.text
    assert "LOG-U2-01" in detail.text  # "forklift driving" is an alternative label of it
    assert "Pekka Työpaikkaohjaaja" in detail.text


async def test_the_new_position_form_is_labelled_and_has_one_heading(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    response = await client.get("/positions/new")
    page = PageStructure()
    page.feed(response.text)
    assert page.h1 == 1
    unlabelled = [field for field in page.fields if field is None or field not in page.labels]
    assert not unlabelled


@pytest.mark.both_databases
async def test_a_typo_gets_a_suggestion_beside_the_field_and_nothing_is_saved(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    before = await db.count(Position)
    response = await post_form(
        client, "/positions", position_form(**{"competence-1": "forklift drivng"})
    )
    assert response.status_code == 400
    error = re.search(r'id="competence-1-error">([^<]*)<', response.text)
    assert error is not None
    assert "Did you mean LOG-U2-01" in error.group(1)
    assert 'value="forklift drivng"' in response.text  # the input is kept
    assert await db.count(Position) == before


BAD_INPUT = [
    ("level", {"level-0": "7"}, "level-0"),
    ("end before start", {"start_date": "2027-05-01", "end_date": "2027-04-01"}, "end_date"),
    ("unknown competence", {"competence-0": "quantum basket weaving"}, "competence-0"),
    (
        "no required competence",
        {"requirement-0": "optional", "requirement-1": "optional"},
        "competences",
    ),
    ("no competence at all", {"competence-0": "", "competence-1": ""}, "competences"),
    ("places", {"places": "0"}, "places"),
    ("hours", {"hours_per_week": "61"}, "hours_per_week"),
    ("cefr level", {"language_level-0": "D1"}, "language_level-0"),
    ("missing title", {"title": ""}, "title"),
    ("unknown field", {"field": "NOPE"}, "field"),
    ("bad date", {"start_date": "1.3.2027"}, "start_date"),
]


@pytest.mark.parametrize(("case", "changes", "field"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
async def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(
    client: AsyncTestClient, db: Database, case: str, changes: dict[str, str], field: str
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    counts = (
        await db.count(Position),
        await db.count(PositionCompetence),
        await db.count(PositionLanguage),
    )
    response = await post_form(client, "/positions", position_form(**changes))
    assert response.status_code == 400, case
    assert f'id="{field}-error"' in response.text, case
    assert 'class="error-summary"' in response.text
    assert counts == (
        await db.count(Position),
        await db.count(PositionCompetence),
        await db.count(PositionLanguage),
    )


async def test_a_tutor_of_another_organisation_is_refused(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, EMPLOYER2)
    before = await db.count(Position)
    response = await post_form(client, "/positions", position_form(tutor=str(await tutor_id(db))))
    assert response.status_code == 400
    assert 'id="tutor-error"' in response.text
    assert await db.count(Position) == before


async def test_add_another_competence_shows_one_more_row_and_saves_nothing(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    before = await db.count(Position)
    response = await post_form(client, "/positions", position_form(action="add-competence"))
    assert response.status_code == 200
    assert 'id="competence-5"' in response.text
    assert 'value="forklift driving"' in response.text
    assert await db.count(Position) == before


async def test_employer_edits_a_position(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    form_page = await client.get("/positions/1/edit")
    assert form_page.status_code == 200
    assert 'value="Warehouse worker"' in form_page.text
    response = await post_form(
        client,
        "/positions/1/edit",
        position_form(
            title="Warehouse worker, evening shift",
            **{"competence-0": "LOG-U1-01", "level-0": "4", "competence-1": "LOG-U1-03"},
        ),
    )
    assert response.status_code == 303, response.text
    async with db.session() as session:
        position = (await session.execute(select(Position).where(Position.id == 1))).scalar_one()
        assert position.title == "Warehouse worker, evening shift"
        assert position.status == "open"  # editing does not change the status
        levels = (
            await session.execute(
                select(PositionCompetence.min_level).where(PositionCompetence.position_id == 1)
            )
        ).scalars()
        assert sorted(levels) == [2, 4]


async def test_open_close_reopen_are_audited(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    created = await post_form(client, "/positions", position_form())
    position_id = int(created.headers["location"].rsplit("/", 1)[1])

    # A draft cannot be closed before it was ever open.
    refused = await post_form(client, f"/positions/{position_id}/status", {"status": "closed"})
    assert refused.status_code == 400
    assert "cannot go from" in refused.text

    for status in ("open", "closed", "open"):
        response = await post_form(client, f"/positions/{position_id}/status", {"status": status})
        assert response.status_code == 303
        assert await db.scalar(select(Position.status).where(Position.id == position_id)) == status

    employer_id = await db.scalar(select(User.id).where(User.email == DEMO_USERS["employer"]))
    async with db.session() as session:
        events = (
            (
                await session.execute(
                    select(AuditEvent)
                    .where(
                        AuditEvent.entity == "position",
                        AuditEvent.entity_id == str(position_id),
                        AuditEvent.action == "update",
                    )
                    .order_by(AuditEvent.id)
                )
            )
            .scalars()
            .all()
        )
    changes = [event.changes["status"] for event in events if "status" in event.changes]
    assert changes == [["draft", "open"], ["open", "closed"], ["closed", "open"]]
    assert {event.actor_id for event in events} == {employer_id}


@pytest.mark.both_databases
async def test_employer_copies_a_position_as_a_draft(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    before = await db.count(Position)
    response = await post_form(client, "/positions/1/copy", {})
    assert response.status_code == 303
    copy_id = int(response.headers["location"].split("/")[2])
    assert response.headers["location"] == f"/positions/{copy_id}/edit"
    assert await db.count(Position) == before + 1
    async with db.session() as session:
        copy = (await session.execute(select(Position).where(Position.id == copy_id))).scalar_one()
        assert copy.title == "Copy of Warehouse worker"
        assert copy.status == "draft"
        assert copy.organisation_id == 1

        competences = select(
            PositionCompetence.position_id,
            PositionCompetence.competence_id,
            PositionCompetence.min_level,
            PositionCompetence.required,
        ).where(PositionCompetence.position_id.in_([1, copy_id]))
        languages = select(
            PositionLanguage.position_id, PositionLanguage.language, PositionLanguage.level
        ).where(PositionLanguage.position_id.in_([1, copy_id]))
        for statement in (competences, languages):
            rows = (await session.execute(statement)).all()
            original = {tuple(row[1:]) for row in rows if row[0] == 1}
            copied = {tuple(row[1:]) for row in rows if row[0] == copy_id}
            assert original
            assert copied == original


async def test_another_organisation_cannot_see_or_change_a_position(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, EMPLOYER2)
    count = await db.count(Position)
    own = await client.get("/positions")
    assert own.status_code == 200
    assert 1 not in listed_ids(own.text)

    assert (await client.get("/positions/1")).status_code == 404
    assert (await client.get("/positions/1/edit")).status_code == 404
    for path, form in (
        ("/positions/1/edit", position_form(title="Taken over")),
        ("/positions/1/status", {"status": "closed"}),
        ("/positions/1/copy", {}),
    ):
        response = await post_form(client, path, form)
        assert response.status_code == 404, path
    async with db.session() as session:
        position = (await session.execute(select(Position).where(Position.id == 1))).scalar_one()
        assert (position.title, position.status) == ("Warehouse worker", "open")
    assert await db.count(Position) == count


async def test_a_forged_form_without_the_csrf_token_changes_nothing(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    count = await db.count(Position)
    response = await client.post(
        "/positions/1/status", data={"status": "closed"}, follow_redirects=False
    )
    assert response.status_code == 403
    response = await client.post("/positions", data=position_form(), follow_redirects=False)
    assert response.status_code == 403
    assert await db.scalar(select(Position.status).where(Position.id == 1)) == "open"
    assert await db.count(Position) == count


@pytest.mark.both_databases
async def test_employer_sees_all_own_positions_tutor_own_and_staff_only_open(
    client: AsyncTestClient, db: Database
) -> None:
    async with db.session() as session:
        statement = select(Position.id, Position.organisation_id, Position.status)
        rows = (await session.execute(statement)).all()
    own = {row.id for row in rows if row.organisation_id == 1}
    open_ids = {row.id for row in rows if row.status == "open"}
    assert any(row.status == "draft" for row in rows if row.organisation_id == 1)

    await sign_in(client, DEMO_USERS["employer"])
    assert listed_ids((await client.get("/positions")).text) == own
    await sign_in(client, DEMO_USERS["tutor"])
    assert listed_ids((await client.get("/positions")).text) == own
    assert (await client.get("/positions/1")).status_code == 200
    await sign_in(client, DEMO_USERS["counsellor"])
    assert listed_ids((await client.get("/positions")).text) == open_ids
    draft = next(row.id for row in rows if row.status == "draft")
    assert (await client.get(f"/positions/{draft}")).status_code == 200  # staff see any


@pytest.mark.both_databases
async def test_staff_filters_by_field_region_kind_and_readiness(
    client: AsyncTestClient, db: Database
) -> None:
    async with db.session() as session, session.begin():
        # Known readiness levels: organisation 2 at level 3, organisation 6 at level 1,
        # everybody else without a profile (level 0).
        await session.execute(delete(ReadinessProfile))
        session.add(ReadinessProfile(organisation_id=2, questionnaire_version=1, level=3))
        session.add(ReadinessProfile(organisation_id=6, questionnaire_version=1, level=1))
    async with db.session() as session:
        rows = (
            await session.execute(
                select(
                    Position.id, Position.region, Framework.code, Organisation.kind, Organisation.id
                )
                .join(Organisation, Organisation.id == Position.organisation_id)
                .join(Framework, Framework.id == Position.framework_id)
                .where(Position.status == "open")
            )
        ).all()
    level = {2: 3, 6: 1}

    def expected(predicate: object) -> set[int]:
        return {row[0] for row in rows if predicate(row)}  # type: ignore[operator]

    await sign_in(client, DEMO_USERS["teacher"])
    cases = [
        ("field=CAT", expected(lambda r: r[2] == "CAT")),
        ("region=North+Karelia", expected(lambda r: r[1] == "North Karelia")),
        ("kind=public_sector", expected(lambda r: r[3] == "public_sector")),
        ("readiness=1", expected(lambda r: level.get(r[4], 0) >= 1)),
        ("readiness=3", expected(lambda r: level.get(r[4], 0) >= 3)),
        (
            "field=CLE&region=North+Karelia&kind=sme",
            expected(lambda r: r[2] == "CLE" and r[1] == "North Karelia" and r[3] == "sme"),
        ),
    ]
    for query, ids in cases:
        assert ids, f"the demo data has no open position for {query}"
        response = await client.get(f"/positions?{query}")
        assert response.status_code == 200
        assert listed_ids(response.text) == ids, query
