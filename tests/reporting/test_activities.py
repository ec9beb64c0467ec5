"""Programme activities: pilot trainings and dissemination events, their totals, the page.

Runs on PostgreSQL as well as SQLite (tests/conftest.py, ``BOTH_DATABASES_MODULES``): date
ranges, NUL bytes, numbers beyond a column and four forms at once are where the two differ.
The totals are checked against counts worked out by hand below.
"""

from __future__ import annotations

import asyncio
import datetime
import html
import re
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from employers.models import Organisation
from kit import clock
from kit.audit import AuditEvent
from kit.idempotency import FIELD
from kit.settings import DatabaseSettings
from portal.database import create_engine, create_session_factory
from reporting import activities
from reporting.activities import EventInput, TrainingInput
from reporting.models import DisseminationEvent, Training
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_accessibility import PageStructure

Sessions = async_sessionmaker[AsyncSession]
KEY = re.compile(r'name="submission_key" value="([A-Za-z0-9_-]+)"')
DAY = datetime.date


def training_form(**values: str) -> dict[str, str]:
    form = {
        "title": "Guiding immigrants at the workplace",
        "organisation_name": "Savonia AMK",
        "organisation_id": "",
        "starts_on": "2026-02-02",
        "ends_on": "2026-02-04",
        "counsellors": "8",
        "teachers": "6",
        "others": "3",
        "note": "Pilot 1",
    }
    return form | values


def event_form(**values: str) -> dict[str, str]:
    form = {
        "held_on": "2026-03-10",
        "title": "Validation seminar in Kuopio",
        "kind": "seminar",
        "audience": "Employers and guidance staff",
        "attendees": "120",
        "note": "",
    }
    return form | values


async def send(client: AsyncTestClient, path: str, form: dict[str, str]) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


def text_of(response: Any) -> str:
    return html.unescape(response.text)


def assert_accessible(page_html: str) -> None:
    """The structure tests/portal/test_accessibility.py checks: one h1, a label per field."""
    page = PageStructure()
    page.feed(page_html)
    assert page.h1 == 1
    assert all(field is not None and field in page.labels for field in page.fields)


async def clear(sessions: Sessions) -> None:
    """No trainings or events, whatever the demo data holds: the test's own counts."""
    async with sessions() as session, session.begin():
        await session.execute(delete(Training))
        await session.execute(delete(DisseminationEvent))


async def add(sessions: Sessions, *rows: Any) -> list[int]:
    async with sessions() as session, session.begin():
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def trainings_titled(sessions: Sessions, title: str) -> list[Training]:
    async with sessions() as session:
        found = await session.execute(select(Training).where(Training.title == title))
        return list(found.scalars())


async def events_titled(sessions: Sessions, title: str) -> list[DisseminationEvent]:
    async with sessions() as session:
        found = await session.execute(
            select(DisseminationEvent).where(DisseminationEvent.title == title)
        )
        return list(found.scalars())


async def count(sessions: Sessions, model: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def audit_of(sessions: Sessions, entity: str, entity_id: int) -> list[AuditEvent]:
    async with sessions() as session:
        found = await session.execute(
            select(AuditEvent)
            .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.id)
        )
        return list(found.scalars())


async def user_id(sessions: Sessions, email: str) -> int:
    async with sessions() as session:
        found = await session.execute(select(User.id).where(User.email == email))
        return int(found.scalar_one())


def training(title: str, organisation: str, first: DAY, last: DAY, *people: int) -> Training:
    counsellors, teachers, others = people
    return Training(
        title=title,
        organisation_name=organisation,
        starts_on=first,
        ends_on=last,
        counsellors=counsellors,
        teachers=teachers,
        others=others,
    )


def event(title: str, held_on: DAY, attendees: int) -> DisseminationEvent:
    return DisseminationEvent(title=title, held_on=held_on, kind="seminar", attendees=attendees)


# --- Totals, worked out by hand -----------------------------------------------------------


@pytest.fixture
async def empty_sessions(empty_database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on a migrated database without any rows."""
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def programme(empty_sessions: Sessions) -> Sessions:
    """Five trainings and four events in 2026 (the counts below are worked from these):

    ===  ======================  =====================  ==========  ==========  ==
    T1   "Savonia AMK"           2026-02-09..02-10      8 + 6 + 3                 17
    T2   "  savonia   AMK "      2026-04-20 (one day)   5 + 4 + 0                  9
    T3   "Riveria"               2026-06-29..06-30      10 + 2 + 1                13
    T4   "Keuda"                 2026-06-25..07-03      4 + 4 + 4                 12
    T5   "Sataedu"               2026-09-01..09-02      7 + 5 + 7                 19
    ===  ======================  =====================  ==========  ==========  ==

    Events: E1 2026-01-15 120, E2 2026-06-30 300, E3 2026-07-01 200, E4 2026-12-01 50.
    """
    await add(
        empty_sessions,
        training("T1", "Savonia AMK", DAY(2026, 2, 9), DAY(2026, 2, 10), 8, 6, 3),
        training("T2", "  savonia   AMK ", DAY(2026, 4, 20), DAY(2026, 4, 20), 5, 4, 0),
        training("T3", "Riveria", DAY(2026, 6, 29), DAY(2026, 6, 30), 10, 2, 1),
        training("T4", "Keuda", DAY(2026, 6, 25), DAY(2026, 7, 3), 4, 4, 4),
        training("T5", "Sataedu", DAY(2026, 9, 1), DAY(2026, 9, 2), 7, 5, 7),
        event("E1", DAY(2026, 1, 15), 120),
        event("E2", DAY(2026, 6, 30), 300),
        event("E3", DAY(2026, 7, 1), 200),
        event("E4", DAY(2026, 12, 1), 50),
    )
    return empty_sessions


async def titles(sessions: Sessions, totals: activities.ActivityTotals) -> list[str]:
    async with sessions() as session:
        trained = await session.execute(
            select(Training.title).where(Training.id.in_(totals.training_ids))
        )
        held = await session.execute(
            select(DisseminationEvent.title).where(DisseminationEvent.id.in_(totals.event_ids))
        )
        return sorted([*trained.scalars(), *held.scalars()])


async def test_totals_to_a_day_count_ended_trainings_and_held_events(programme: Sessions) -> None:
    async with programme() as session:
        totals = await activities.totals(session, to_day=DAY(2026, 8, 1))
    # T1..T4 have ended; T5 is planned. E1..E3 were held; E4 is to come.
    assert totals.people_trained == 17 + 9 + 13 + 12 == 51
    assert (totals.counsellors_trained, totals.teachers_trained, totals.others_trained) == (
        8 + 5 + 10 + 4,
        6 + 4 + 2 + 4,
        3 + 0 + 1 + 4,
    )
    # "Savonia AMK" and "  savonia   AMK " are one organisation: Savonia, Riveria, Keuda.
    assert totals.organisations_trained == 3
    assert totals.attendees == 120 + 300 + 200 == 620
    assert (totals.trainings, totals.events) == (4, 3)
    assert await titles(programme, totals) == ["E1", "E2", "E3", "T1", "T2", "T3", "T4"]


async def test_totals_of_each_half_year_count_a_training_in_the_period_of_its_last_day(
    programme: Sessions,
) -> None:
    async with programme() as session:
        first = await activities.totals(session, from_day=DAY(2026, 1, 1), to_day=DAY(2026, 6, 30))
        second = await activities.totals(
            session, from_day=DAY(2026, 7, 1), to_day=DAY(2026, 12, 31)
        )
        everything = await activities.totals(session)
    # T4 runs from June into July: it counts once, in the second half.
    assert (first.people_trained, first.organisations_trained, first.attendees) == (
        17 + 9 + 13,
        2,
        120 + 300,
    )
    assert (second.people_trained, second.organisations_trained, second.attendees) == (
        12 + 19,
        2,
        200 + 50,
    )
    assert (everything.people_trained, everything.organisations_trained) == (
        17 + 9 + 13 + 12 + 19,
        4,
    )
    assert everything.people_trained == 70
    assert everything.attendees == 670
    assert first.people_trained + second.people_trained == everything.people_trained
    assert set(first.training_ids).isdisjoint(second.training_ids)


async def test_totals_of_no_activities_are_zero(empty_sessions: Sessions) -> None:
    async with empty_sessions() as session:
        totals = await activities.totals(session)
    assert totals == activities.ActivityTotals(0, 0, 0, 0, 0, 0, (), ())


def test_organisation_names_are_compared_without_case_spaces_or_composed_letters() -> None:
    composed = unicodedata.normalize("NFC", "Järvenpään  Ammattiopisto")
    decomposed = unicodedata.normalize("NFD", " JÄRVENPÄÄN ammattiopisto\t")
    assert activities.organisation_key(composed) == activities.organisation_key(decomposed)
    assert activities.organisation_key("Savonia AMK") != activities.organisation_key("Savonia")


# --- The rules, without the web -----------------------------------------------------------


async def test_the_service_refuses_with_a_message_per_field(empty_sessions: Sessions) -> None:
    from kit.invalid import Invalid

    async with empty_sessions() as session:
        with pytest.raises(Invalid) as refused:
            await activities.create_training(
                session,
                data=TrainingInput(
                    title=" ",
                    organisation_name="",
                    starts_on=DAY(2026, 5, 2),
                    ends_on=DAY(2026, 5, 1),
                    counsellors=-1,
                    teachers=None,
                    others=activities.MAX_PARTICIPANTS + 1,
                    note="a\x00b",
                ),
            )
        assert set(refused.value.errors) == {
            "title",
            "organisation_name",
            "ends_on",
            "counsellors",
            "teachers",
            "others",
            "note",
        }
        with pytest.raises(Invalid) as refused:
            await activities.create_event(
                session,
                data=EventInput(title="x" * 201, held_on=DAY(1999, 12, 31), kind="party"),
            )
        assert set(refused.value.errors) == {"title", "held_on", "kind"}
    assert await count(empty_sessions, Training) == 0
    assert await count(empty_sessions, DisseminationEvent) == 0


# --- The page ------------------------------------------------------------------------------


async def test_the_coordinator_sees_both_lists_newest_first_with_totals_against_targets(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await clear(sessions)
    soon = clock.today() + datetime.timedelta(days=30)
    await add(
        sessions,
        training("Older pilot", "Savonia", DAY(2025, 3, 1), DAY(2025, 3, 2), 20, 10, 5),
        training("Newer pilot", "SAVONIA", DAY(2025, 9, 1), DAY(2025, 9, 3), 10, 5, 2),
        training("Planned pilot", "Riveria", soon, soon, 9, 9, 9),
        event("Spring seminar", DAY(2025, 4, 1), 250),
        event("Autumn fair", DAY(2025, 10, 1), 150),
    )
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get("/activities")
    assert page.status_code == 200
    text = text_of(page)
    assert '<a href="/activities" aria-current="page">Activities</a>' in page.text
    assert text.index("Planned pilot") < text.index("Newer pilot") < text.index("Older pilot")
    assert text.index("Autumn fair") < text.index("Spring seminar")
    # People trained: 35 + 17 (the planned pilot is not counted yet); target 70, 18 to go.
    totals = re.sub(r"\s+", " ", text[text.index("Totals against") : text.index("by role")])
    assert "People trained</th><td>52</td><td>70</td>" in totals
    assert "18 to go" in totals
    assert "Dissemination attendees</th><td>400</td><td>620</td>" in totals
    assert "220 to go" in totals
    assert "Organisations whose people were trained</th><td>1</td>" in re.sub(r"\s+", " ", text)
    assert "planned" in text
    assert 'href="/activities/trainings/new"' in page.text
    assert 'href="/activities/events/new"' in page.text


async def test_the_steering_committee_reads_the_page_without_any_form(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await clear(sessions)
    [training_id] = await add(
        sessions, training("Steered pilot", "Keuda", DAY(2025, 5, 5), DAY(2025, 5, 6), 3, 3, 3)
    )
    await sign_in(client, DEMO_USERS["steering"])
    home = await client.get("/home")
    assert 'href="/activities"' in home.text
    page = await client.get("/activities")
    assert page.status_code == 200
    assert "Steered pilot" in page.text
    assert "/activities/trainings/new" not in page.text
    assert f"/activities/trainings/{training_id}/edit" not in page.text
    assert "<form" not in page.text.split("<main", 1)[1]  # the sign-out form is above
    for path in ("/activities/trainings/new", f"/activities/trainings/{training_id}/edit"):
        assert (await client.get(path)).status_code == 403


@pytest.mark.parametrize("role", ["counsellor", "teacher", "employer", "tutor"])
async def test_the_pathway_roles_do_not_see_the_page(client: AsyncTestClient, role: str) -> None:
    await sign_in(client, DEMO_USERS[role])
    assert (await client.get("/activities")).status_code == 403
    assert 'href="/activities"' not in (await client.get("/home")).text


async def test_anyone_signed_out_is_sent_to_sign_in(client: AsyncTestClient) -> None:
    response = await client.get("/activities", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


# --- Adding, changing, removing, with the audit trail --------------------------------------


async def test_the_coordinator_adds_changes_and_removes_a_training_and_each_is_audited(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    coordinator = await user_id(sessions, DEMO_USERS["coordinator"])
    new = await client.get("/activities/trainings/new")
    assert new.status_code == 200
    key = KEY.search(new.text)
    assert key is not None

    added = await send(client, "/activities/trainings", training_form(**{FIELD: key.group(1)}))
    assert added.status_code == 303, added.text
    [row] = await trainings_titled(sessions, "Guiding immigrants at the workplace")
    assert added.headers["location"] == f"/activities#training-{row.id}"
    assert (row.organisation_name, row.starts_on, row.ends_on) == (
        "Savonia AMK",
        DAY(2026, 2, 2),
        DAY(2026, 2, 4),
    )
    assert (row.counsellors, row.teachers, row.others, row.note) == (8, 6, 3, "Pilot 1")
    listed = await client.get("/activities")
    assert "was saved" in text_of(listed)
    assert f'id="training-{row.id}"' in listed.text

    edit = await client.get(f"/activities/trainings/{row.id}/edit")
    assert edit.status_code == 200
    assert_accessible(edit.text)
    assert 'value="Savonia AMK"' in edit.text
    assert "submission_key" not in edit.text  # an edit creates nothing
    changed = await send(
        client, f"/activities/trainings/{row.id}/edit", training_form(teachers="7", note="")
    )
    assert changed.status_code == 303
    [row] = await trainings_titled(sessions, "Guiding immigrants at the workplace")
    assert (row.teachers, row.note) == (7, "")

    removed = await send(client, f"/activities/trainings/{row.id}/remove", {})
    assert removed.status_code == 303
    assert removed.headers["location"] == "/activities#trainings"
    assert await trainings_titled(sessions, "Guiding immigrants at the workplace") == []
    again = await send(client, f"/activities/trainings/{row.id}/remove", {})
    assert again.status_code == 404

    trail = await audit_of(sessions, "reporting_training", row.id)
    assert [event.action for event in trail] == ["create", "update", "delete"]
    assert {event.actor_id for event in trail} == {coordinator}
    assert trail[0].changes["counsellors"] == 8
    assert trail[1].changes == {"teachers": [6, 7], "note": ["Pilot 1", ""]}
    assert trail[2].changes["title"] == "Guiding immigrants at the workplace"


async def test_the_coordinator_adds_changes_and_removes_an_event_and_each_is_audited(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    new = await client.get("/activities/events/new")
    assert new.status_code == 200
    assert 'name="submission_key"' in new.text

    added = await send(client, "/activities/events", event_form())
    assert added.status_code == 303, added.text
    [row] = await events_titled(sessions, "Validation seminar in Kuopio")
    assert added.headers["location"] == f"/activities#event-{row.id}"
    assert (row.held_on, row.kind, row.audience, row.attendees) == (
        DAY(2026, 3, 10),
        "seminar",
        "Employers and guidance staff",
        120,
    )
    listed = text_of(await client.get("/activities"))
    assert "Validation seminar in Kuopio" in listed
    assert_accessible((await client.get(f"/activities/events/{row.id}/edit")).text)
    assert "Seminar" in listed

    changed = await send(
        client, f"/activities/events/{row.id}/edit", event_form(kind="webinar", attendees="")
    )
    assert changed.status_code == 303
    [row] = await events_titled(sessions, "Validation seminar in Kuopio")
    assert (row.kind, row.attendees) == ("webinar", 0)  # an empty count is none

    removed = await send(client, f"/activities/events/{row.id}/remove", {})
    assert removed.status_code == 303
    assert await events_titled(sessions, "Validation seminar in Kuopio") == []
    trail = await audit_of(sessions, "reporting_event", row.id)
    assert [event.action for event in trail] == ["create", "update", "delete"]
    assert trail[1].changes == {"kind": ["seminar", "webinar"], "attendees": [120, 0]}


async def test_a_training_linked_to_an_organisation_takes_its_name_and_a_one_day_end(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    async with sessions() as session:
        organisation = await session.get(Organisation, 1)
        assert organisation is not None
        name = organisation.name
    await sign_in(client, DEMO_USERS["coordinator"])
    form = await client.get("/activities/trainings/new")
    assert f'<option value="1">{html.escape(name, quote=False)}</option>' in form.text
    added = await send(
        client,
        "/activities/trainings",
        training_form(title="Linked pilot", organisation_name="", organisation_id="1", ends_on=""),
    )
    assert added.status_code == 303, text_of(added)
    [row] = await trainings_titled(sessions, "Linked pilot")
    assert (row.organisation_id, row.organisation_name) == (1, name)
    assert row.ends_on == row.starts_on
    page = await client.get("/activities")
    assert '<a href="/organisations/1">' in page.text


# --- Who may write --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["counsellor", "teacher", "employer", "tutor", "steering"])
async def test_no_one_but_the_coordinator_writes(
    client: AsyncTestClient, sessions: Sessions, role: str
) -> None:
    [training_id, event_id] = await add(
        sessions,
        training("Kept pilot", "Keuda", DAY(2025, 5, 5), DAY(2025, 5, 6), 3, 3, 3),
        event("Kept seminar", DAY(2025, 6, 1), 40),
    )
    await sign_in(client, DEMO_USERS[role])
    attempts = [
        ("/activities/trainings", training_form(title="Sneaked pilot")),
        (f"/activities/trainings/{training_id}/edit", training_form(title="Sneaked pilot")),
        (f"/activities/trainings/{training_id}/remove", {}),
        ("/activities/events", event_form(title="Sneaked seminar")),
        (f"/activities/events/{event_id}/edit", event_form(title="Sneaked seminar")),
        (f"/activities/events/{event_id}/remove", {}),
    ]
    for path, form in attempts:
        response = await send(client, path, form)
        assert response.status_code == 403, path
    assert await trainings_titled(sessions, "Sneaked pilot") == []
    assert await events_titled(sessions, "Sneaked seminar") == []
    assert len(await trainings_titled(sessions, "Kept pilot")) == 1
    assert len(await events_titled(sessions, "Kept seminar")) == 1


async def test_a_forged_form_without_the_csrf_token_changes_nothing(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    [training_id] = await add(
        sessions, training("Guarded pilot", "Keuda", DAY(2025, 5, 5), DAY(2025, 5, 6), 3, 3, 3)
    )
    await sign_in(client, DEMO_USERS["coordinator"])
    for path, form in [
        ("/activities/trainings", training_form(title="Forged pilot")),
        ("/activities/events", event_form(title="Forged seminar")),
        (f"/activities/trainings/{training_id}/remove", {}),
    ]:
        response = await client.post(path, data=form, follow_redirects=False)
        assert response.status_code == 403, path
    assert await trainings_titled(sessions, "Forged pilot") == []
    assert await events_titled(sessions, "Forged seminar") == []
    assert len(await trainings_titled(sessions, "Guarded pilot")) == 1


async def test_ids_that_name_nothing_answer_404(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    for path in (
        "/activities/trainings/999999/edit",
        f"/activities/trainings/{2**63}/edit",
        "/activities/trainings/١٢/edit",
        "/activities/events/999999/edit",
        f"/activities/events/{2**31}/edit",
    ):
        assert (await client.get(path)).status_code == 404, path
    assert (await send(client, f"/activities/events/{2**63}/remove", {})).status_code == 404


# --- Bad input: a message beside the field, nothing lost, nothing saved ----------------------

TRAINING_REFUSALS = [
    ("title", "", "Give the training a title."),
    ("title", "x" * 10_000, "Use at most 200 characters."),
    ("title", "Pilot\x00", "Remove the control character (NUL) from this text."),
    ("organisation_name", "", "Name the organisation whose people were trained, or choose it."),
    ("organisation_name", "x" * 10_000, "Use at most 200 characters."),
    ("organisation_id", "999999", "Choose one of the organisations in the list."),
    ("organisation_id", str(2**63), "Choose one of the options."),
    ("starts_on", "", "Enter the training's first day."),
    ("starts_on", "9999-12-31", "Enter a date from 2000-01-01 to 2100-12-31."),
    ("starts_on", "0000-01-01", "Enter a date as YYYY-MM-DD, for example 2027-03-01."),
    ("ends_on", "2026-02-01", "The last day cannot be before the first day."),
    ("ends_on", "١٢", "Enter a date as YYYY-MM-DD, for example 2027-03-01."),
    ("counsellors", "-1", "Enter a number from 0 to 10000."),
    ("counsellors", str(2**63), "Enter a number from 0 to 10000."),
    ("teachers", "١٢", "Enter a whole number."),
    ("others", "3.5", "Enter a whole number."),
    ("others", "10001", "Enter a number from 0 to 10000."),
    ("note", "x" * 10_000, "Use at most 4000 characters."),
    ("note", "a\x00b", "Remove the control character (NUL) from this text."),
]


@pytest.mark.parametrize(("field", "value", "message"), TRAINING_REFUSALS)
async def test_a_refused_training_form_says_why_and_keeps_the_input(
    client: AsyncTestClient, sessions: Sessions, field: str, value: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    before = await count(sessions, Training)
    key = "k" * 30
    form = training_form(title="Refused pilot", note="Keep this note", **{FIELD: key})
    response = await send(client, "/activities/trainings", form | {field: value})
    assert response.status_code == 400
    text = text_of(response)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in text
    assert f'href="#{field}"' in response.text  # the summary links to the field
    for name, kept in (
        ("title", "Refused pilot"),
        ("note", "Keep this note"),
        ("organisation_name", "Savonia AMK"),
    ):
        if name != field:
            assert kept in text, f"{name} was lost"
    assert f'value="{key}"' in response.text  # the same form, still sent once
    assert await count(sessions, Training) == before


EVENT_REFUSALS = [
    ("held_on", "", "Enter the event's date."),
    ("held_on", "9999-01-01", "Enter a date from 2000-01-01 to 2100-12-31."),
    ("held_on", "0000-12-31", "Enter a date as YYYY-MM-DD, for example 2027-03-01."),
    ("title", "", "Give the event a title."),
    ("title", "Seminar\x00", "Remove the control character (NUL) from this text."),
    ("kind", "", "Choose what kind of event it was."),
    ("kind", "party", "Choose one of the options."),
    ("audience", "x" * 10_000, "Use at most 1000 characters."),
    ("audience", "\x00", "Remove the control character (NUL) from this text."),
    ("attendees", "-5", "Enter a number from 0 to 1000000."),
    ("attendees", str(2**63), "Enter a number from 0 to 1000000."),
    ("attendees", "١٢", "Enter a whole number."),
    ("note", "x" * 10_000, "Use at most 4000 characters."),
]


@pytest.mark.parametrize(("field", "value", "message"), EVENT_REFUSALS)
async def test_a_refused_event_form_says_why_and_keeps_the_input(
    client: AsyncTestClient, sessions: Sessions, field: str, value: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    before = await count(sessions, DisseminationEvent)
    form = event_form(title="Refused seminar", audience="Employers") | {field: value}
    response = await send(client, "/activities/events", form)
    assert response.status_code == 400
    text = text_of(response)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in text
    if field != "title":
        assert 'value="Refused seminar"' in text
    if field != "audience":
        assert 'value="Employers"' in text
    assert await count(sessions, DisseminationEvent) == before


async def test_a_refused_edit_changes_nothing(client: AsyncTestClient, sessions: Sessions) -> None:
    [training_id, event_id] = await add(
        sessions,
        training("Edited pilot", "Keuda", DAY(2025, 5, 5), DAY(2025, 5, 6), 3, 3, 3),
        event("Edited seminar", DAY(2025, 6, 1), 40),
    )
    await sign_in(client, DEMO_USERS["coordinator"])
    refused = await send(
        client,
        f"/activities/trainings/{training_id}/edit",
        training_form(title="Edited pilot", counsellors=str(2**63), teachers="1"),
    )
    assert refused.status_code == 400
    assert "submission_key" not in refused.text
    refused = await send(
        client, f"/activities/events/{event_id}/edit", event_form(attendees="-1", title="New")
    )
    assert refused.status_code == 400
    [kept] = await trainings_titled(sessions, "Edited pilot")
    assert (kept.counsellors, kept.teachers) == (3, 3)
    assert len(await events_titled(sessions, "Edited seminar")) == 1


# --- The same form sent four times at once ---------------------------------------------------


@pytest.mark.parametrize(
    ("page", "path", "form", "model"),
    [
        ("/activities/trainings/new", "/activities/trainings", training_form(), Training),
        ("/activities/events/new", "/activities/events", event_form(), DisseminationEvent),
    ],
)
async def test_the_same_form_sent_four_times_at_once_saves_one_row(
    client: AsyncTestClient,
    sessions: Sessions,
    page: str,
    path: str,
    form: dict[str, str],
    model: Any,
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    before = await count(sessions, model)
    key = KEY.search((await client.get(page)).text)
    assert key is not None
    keyed = form | {FIELD: key.group(1)}

    together = await asyncio.gather(*(send(client, path, keyed) for _ in range(4)))
    later = await send(client, path, keyed)

    answers = {(r.status_code, r.headers.get("location", "")) for r in [*together, later]}
    assert len(answers) == 1, [(r.status_code, r.text[:300]) for r in together]
    status, location = answers.pop()
    assert status == 303
    assert re.fullmatch(r"/activities#(training|event)-\d+", location)
    assert await count(sessions, model) == before + 1
    assert "already been sent" in text_of(await client.get("/activities"))
