"""Outcomes: counsellors and the coordinator record what followed for a candidate; the
candidate's page shows them; the counsellor's home page reminds of follow-ups.

Runs on PostgreSQL as well as SQLite (tests/conftest.py, ``BOTH_DATABASES_MODULES``): the
JSON list of units, dates, the row taken by a change or removal at the same moment, and the
reminders' query (a grouped subquery, a date compared across time zones) could differ.
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.services import create_user
from candidates.models import Candidate, CandidateAccess
from competences.models import Unit
from employers.models import Organisation, PartnershipStatus
from kit import clock
from kit.audit import AuditEvent
from kit.i18n import format_date
from kit.idempotency import FIELD
from kit.roles import Role
from kit.settings import Settings
from placements.models import Placement
from reporting.follow_ups import add_months, due_follow_up
from reporting.models import Outcome, OutcomeKind
from tests.assessments.conftest import statements_read
from tests.candidates.conftest import Database
from tests.conftest import DEMO_USERS, csrf_token, sign_in

# A demo candidate of counsellor@demo.test at the assessment stage, never placed: the demo
# records no outcome for them (it does for 49, certified after placement 3).
CANDIDATE = 16
INTERVIEWED = 1  # a demo candidate of counsellor@demo.test interviewed by teacher@demo.test
SECOND = "second.counsellor@demo.test"
KEY = re.compile(r'name="submission_key" value="([A-Za-z0-9_-]+)"')
HUGE = "99999999999999999999"


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.engine.dispose()


def outcome_form(**values: Any) -> dict[str, Any]:
    """A valid long-term employment; ``values`` replace fields (None leaves one out)."""
    form: dict[str, Any] = {
        "kind": OutcomeKind.EMPLOYMENT_LONG.value,
        "starts_on": "2026-10-01",
        "ends_on": "",
        "employer_name": "Kuopion Logistiikka Oy",
        "organisation": "",
        "source": "candidate",
        "source_note": "Phone call with the candidate",
        "note": "Permanent contract, full time.",
    }
    form.update(values)
    return {name: value for name, value in form.items() if value is not None}


async def send(client: AsyncTestClient, path: str, form: dict[str, Any] | None = None) -> Any:
    data = {**(form or {}), "_csrf_token": await csrf_token(client)}
    return await client.post(path, data=data, follow_redirects=False)


async def outcomes_of(db: Database, candidate_id: int) -> list[Outcome]:
    async with db.session() as session:
        found = await session.scalars(
            select(Outcome).where(Outcome.candidate_id == candidate_id).order_by(Outcome.id)
        )
        return list(found.all())


async def audit_of(db: Database, outcome_id: int) -> list[tuple[str, int | None]]:
    async with db.session() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.entity == "reporting_outcome")
            .where(AuditEvent.entity_id == str(outcome_id))
            .order_by(AuditEvent.id)
        )
        return [(str(action), actor) for action, actor in rows.tuples().all()]


async def unit_ids(db: Database, *codes: str) -> list[int]:
    async with db.session() as session:
        found = await session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes)))
        by_code = dict(found.tuples().all())
        return [int(by_code[code]) for code in codes]


async def record(db: Database, client: AsyncTestClient, candidate_id: int, **values: Any) -> int:
    """Record an outcome through the form, signed in as ``client`` is; its id."""
    before = {outcome.id for outcome in await outcomes_of(db, candidate_id)}
    response = await send(client, f"/candidates/{candidate_id}/outcomes", outcome_form(**values))
    assert response.status_code == 303, response.text
    (created,) = {outcome.id for outcome in await outcomes_of(db, candidate_id)} - before
    return created


async def second_counsellor(db: Database) -> int:
    async with db.session() as session, session.begin():
        user = await create_user(
            session, email=SECOND, name="Toinen Ohjaaja", role=Role.COUNSELLOR, password="x" * 12
        )
        return int(user.id)


# --- Recording, changing, removing ---------------------------------------------------------


async def test_a_counsellor_records_an_employment_and_the_candidate_page_shows_it(
    client: AsyncTestClient, db: Database
) -> None:
    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{CANDIDATE}")
    assert 'id="outcomes-heading"' in page.text
    assert "No outcome recorded yet." in page.text
    assert f'href="/candidates/{CANDIDATE}/outcomes/new"' in page.text
    form = await client.get(f"/candidates/{CANDIDATE}/outcomes/new")
    assert form.status_code == 200
    assert KEY.search(form.text)

    response = await send(
        client,
        f"/candidates/{CANDIDATE}/outcomes",
        outcome_form(ends_on="2027-09-30", kind=OutcomeKind.EMPLOYMENT_SHORT.value),
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/candidates/{CANDIDATE}#outcomes"
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert outcome.kind == "employment_short"
    assert outcome.employer_name == "Kuopion Logistiikka Oy"
    assert (outcome.starts_on, outcome.ends_on) == (
        datetime.date(2026, 10, 1),
        datetime.date(2027, 9, 30),
    )
    assert (outcome.source, outcome.recorded_by_id) == ("candidate", counsellor)
    assert outcome.units_recognised == []
    assert await audit_of(db, outcome.id) == [("create", counsellor)]
    page = await client.get(f"/candidates/{CANDIDATE}")
    assert "The outcome was recorded." in page.text
    assert "Short-term employment</strong>: Kuopion Logistiikka Oy" in page.text
    assert "1 Oct 2026 – 30 Sept 2027" in page.text
    assert "Source: The candidate (Phone call with the candidate)" in page.text
    assert "by Mikko Ohjaaja" in page.text
    assert f'href="/candidates/{CANDIDATE}/outcomes/{outcome.id}/edit"' in page.text


async def test_shortened_studies_name_the_units_recognised(
    client: AsyncTestClient, db: Database
) -> None:
    units = await unit_ids(db, "LOG-U1", "LOG-U2")
    await sign_in(client, DEMO_USERS["coordinator"])
    form = await client.get(f"/candidates/{CANDIDATE}/outcomes/new")
    for unit in units:
        assert f'name="units" type="checkbox" value="{unit}"' in form.text

    outcome_id = await record(
        db,
        client,
        CANDIDATE,
        kind=OutcomeKind.STUDIES_SHORTENED.value,
        employer_name="",
        units=[str(unit) for unit in reversed(units)] + [str(units[0])],
        source="register",
        source_note="",
    )

    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert outcome.id == outcome_id
    assert outcome.units_recognised == sorted(units)  # each once, in order
    page = (await client.get(f"/candidates/{CANDIDATE}")).text
    assert "<strong>Studies shortened</strong>" in page
    assert "<code>LOG-U1</code>" in page
    assert "<code>LOG-U2</code>" in page
    assert "from 1 Oct 2026" in page


async def test_a_partner_chosen_names_the_employer(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    async with db.session() as session:
        partner = (
            await session.execute(
                select(Organisation)
                .where(Organisation.status == PartnershipStatus.PARTNER.value)
                .order_by(Organisation.id)
                .limit(1)
            )
        ).scalar_one()
    await record(db, client, CANDIDATE, employer_name="", organisation=str(partner.id))
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert (outcome.organisation_id, outcome.employer_name) == (partner.id, partner.name)


async def test_an_outcome_is_changed_and_removed_with_an_audit_trail(
    client: AsyncTestClient, db: Database
) -> None:
    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    edit = await client.get(f"/candidates/{CANDIDATE}/outcomes/{outcome_id}/edit")
    assert edit.status_code == 200
    assert 'value="Kuopion Logistiikka Oy"' in edit.text
    assert f'action="/candidates/{CANDIDATE}/outcomes/{outcome_id}/remove"' in edit.text

    changed = await send(
        client,
        f"/candidates/{CANDIDATE}/outcomes/{outcome_id}/edit",
        outcome_form(kind=OutcomeKind.EDUCATION.value, employer_name="", note="Started VET."),
    )
    assert changed.status_code == 303
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert (outcome.kind, outcome.employer_name, outcome.note) == ("education", "", "Started VET.")

    removed = await send(client, f"/candidates/{CANDIDATE}/outcomes/{outcome_id}/remove")
    assert removed.status_code == 303
    assert await outcomes_of(db, CANDIDATE) == []
    assert await audit_of(db, outcome_id) == [
        ("create", counsellor),
        ("update", counsellor),
        ("delete", counsellor),
    ]
    # Sent again (a double click), the removal says so instead of showing an error page.
    again = await send(client, f"/candidates/{CANDIDATE}/outcomes/{outcome_id}/remove")
    assert again.status_code == 303
    page = await client.get(again.headers["location"])
    assert "That outcome is not recorded (any more)." in page.text
    assert (
        await client.get(f"/candidates/{CANDIDATE}/outcomes/{outcome_id}/edit")
    ).status_code == 404


async def test_none_yet_needs_no_dates(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    await record(
        db,
        client,
        CANDIDATE,
        kind=OutcomeKind.NONE_YET.value,
        starts_on="",
        employer_name="",
        source="counsellor",
    )
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert (outcome.kind, outcome.starts_on, outcome.ends_on) == ("none_yet", None, None)
    assert "<strong>No outcome yet</strong>" in (await client.get(f"/candidates/{CANDIDATE}")).text


# --- Bad input -----------------------------------------------------------------------------

BAD_INPUT = [
    ({"kind": ""}, "kind", "Choose what followed."),
    ({"kind": "lottery_win"}, "kind", "Choose what followed."),
    ({"source": "rumour"}, "source", "Choose where the information came from."),
    ({"starts_on": ""}, "starts_on", "Enter the date the outcome began."),
    ({"starts_on": "9999-12-31"}, "starts_on", "Enter a date from 1900-01-01 to"),
    ({"starts_on": "1899-12-31"}, "starts_on", "Enter a date from 1900-01-01 to"),
    ({"ends_on": "9999-01-01"}, "ends_on", "Enter a date from 1900-01-01 to 2100-12-31."),
    ({"starts_on": "２０２６-10-01"}, "starts_on", "Enter a date as YYYY-MM-DD"),
    ({"starts_on": "2026-02-30"}, "starts_on", "Enter a date as YYYY-MM-DD"),
    (
        {"starts_on": "2026-10-01", "ends_on": "2026-09-30"},
        "ends_on",
        "The end date cannot be before the start date.",
    ),
    ({"employer_name": ""}, "employer_name", "Name the employer, or choose a partner"),
    ({"employer_name": "Nul\x00 Oy"}, "employer_name", "Remove the control character (NUL)"),
    ({"note": "a\x00b"}, "note", "Remove the control character (NUL)"),
    ({"source_note": "x" * 501}, "source_note", "Use at most 500 characters."),
    ({"note": "x" * 2001}, "note", "Use at most 2000 characters."),
    ({"organisation": HUGE}, "organisation", "Choose one of the options."),
    ({"organisation": "٣"}, "organisation", "Choose one of the options."),
    (
        {"organisation": "2147483647"},
        "organisation",
        "Choose a partner organisation from the list.",
    ),
    (
        {"kind": "studies_shortened", "employer_name": "", "units": [HUGE]},
        "units",
        "Choose units from the list.",
    ),
    (
        {"kind": "studies_shortened", "employer_name": "", "units": ["١٢"]},
        "units",
        "Choose units from the list.",
    ),
    (
        {"kind": "studies_shortened", "employer_name": "", "units": ["2147483647"]},
        "units",
        "A unit chosen is not in the competence frameworks.",
    ),
    (
        {"kind": "studies_shortened", "employer_name": ""},
        "units",
        "Choose the units that were recognised.",
    ),
    (
        {"kind": "studies_shortened", "employer_name": "", "units": [str(n) for n in range(101)]},
        "units",
        "Choose at most 100 options.",
    ),
    ({"kind": "education"}, "employer_name", "An employer is named only for employment"),
    (
        {"kind": "none_yet", "employer_name": ""},
        "starts_on",
        "Leave the dates empty when nothing has followed yet.",
    ),
]


@pytest.mark.parametrize(("values", "field", "message"), BAD_INPUT, ids=lambda v: repr(v)[:40])
async def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
    client: AsyncTestClient, db: Database, values: dict[str, Any], field: str, message: str
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    form = outcome_form(**{"note": "Kept as typed", **values})

    response = await send(client, f"/candidates/{CANDIDATE}/outcomes", form)

    assert response.status_code == 400
    page = response.text
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found is not None, f"no message beside {field}"
    assert message in found[1].replace("&#34;", '"')
    assert f'<a href="#{field}">' in page  # the error summary links to the field
    assert await outcomes_of(db, CANDIDATE) == []
    if "note" not in values:
        assert ">Kept as typed</textarea>" in page  # nothing typed is lost
    assert KEY.search(page)  # the form keeps its key


async def test_units_ticked_stay_ticked_when_the_form_comes_back(
    client: AsyncTestClient, db: Database
) -> None:
    (unit,) = await unit_ids(db, "CLE-U1")
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await send(
        client,
        f"/candidates/{CANDIDATE}/outcomes",
        outcome_form(kind="studies_shortened", units=[str(unit)], source=""),
    )
    assert response.status_code == 400
    assert f'value="{unit}" checked' in response.text
    assert "An employer is named only for employment" in response.text
    assert "Choose where the information came from." in response.text


async def test_a_change_with_bad_input_keeps_the_outcome_as_it_was(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    response = await send(
        client,
        f"/candidates/{CANDIDATE}/outcomes/{outcome_id}/edit",
        outcome_form(starts_on="2026-10-01", ends_on="2026-01-01", employer_name="Changed Oy"),
    )
    assert response.status_code == 400
    assert 'value="Changed Oy"' in response.text
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert (outcome.employer_name, outcome.ends_on) == ("Kuopion Logistiikka Oy", None)


# --- Who may ---------------------------------------------------------------------------------


async def test_another_counsellors_candidate_answers_404_until_the_record_is_opened(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    other = await second_counsellor(db)
    await sign_in(client, SECOND)
    base = f"/candidates/{CANDIDATE}/outcomes"
    assert (await client.get(f"{base}/new")).status_code == 404
    assert (await client.get(f"{base}/{outcome_id}/edit")).status_code == 404
    assert (await send(client, base, outcome_form())).status_code == 404
    assert (await send(client, f"{base}/{outcome_id}/edit", outcome_form())).status_code == 404
    assert (await send(client, f"{base}/{outcome_id}/remove")).status_code == 404
    assert len(await outcomes_of(db, CANDIDATE)) == 1

    async with db.session() as session, session.begin():
        session.add(CandidateAccess(candidate_id=CANDIDATE, user_id=other))
    assert (await client.get(f"{base}/new")).status_code == 200
    await record(db, client, CANDIDATE, employer_name="Opened Oy")
    assert len(await outcomes_of(db, CANDIDATE)) == 2


async def test_an_outcome_of_another_candidate_is_not_found(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    path = f"/candidates/{INTERVIEWED}/outcomes/{outcome_id}"
    assert (await client.get(f"{path}/edit")).status_code == 404
    assert (await send(client, f"{path}/edit", outcome_form(note="moved"))).status_code == 404
    assert (await send(client, f"{path}/remove")).status_code == 303  # "not recorded"
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert outcome.note == "Permanent contract, full time."


async def test_a_teacher_reads_the_outcomes_of_a_candidate_they_see_and_changes_nothing(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, INTERVIEWED, employer_name="Read Only Oy")
    await sign_in(client, DEMO_USERS["teacher"])
    page = (await client.get(f"/candidates/{INTERVIEWED}")).text
    assert "Read Only Oy" in page
    assert "/outcomes/new" not in page
    assert f"/outcomes/{outcome_id}/edit" not in page
    base = f"/candidates/{INTERVIEWED}/outcomes"
    assert (await client.get(f"{base}/new")).status_code == 403
    assert (await send(client, base, outcome_form())).status_code == 403
    assert (await send(client, f"{base}/{outcome_id}/remove")).status_code == 403
    assert len(await outcomes_of(db, INTERVIEWED)) == 1


async def test_a_teacher_without_outcomes_to_read_sees_no_section(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    page = (await client.get(f"/candidates/{INTERVIEWED}")).text
    assert "outcomes-heading" not in page


@pytest.mark.parametrize("role", ["employer", "tutor", "steering"])
async def test_organisations_and_the_steering_committee_are_refused(
    client: AsyncTestClient, db: Database, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    base = f"/candidates/{CANDIDATE}/outcomes"
    assert (await client.get(f"{base}/new")).status_code == 403
    assert (await send(client, base, outcome_form())).status_code == 403
    assert (await client.get(f"{base}/1/edit")).status_code == 403
    assert (await send(client, f"{base}/1/remove")).status_code == 403
    assert await outcomes_of(db, CANDIDATE) == []


async def test_a_forged_form_without_the_csrf_token_is_refused(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    base = f"/candidates/{CANDIDATE}/outcomes"
    for path, form in (
        (base, outcome_form()),
        (f"{base}/{outcome_id}/edit", outcome_form(note="forged")),
        (f"{base}/{outcome_id}/remove", {}),
    ):
        response = await client.post(path, data=form, follow_redirects=False)
        assert response.status_code == 403
        forged = {**form, "_csrf_token": "forged-token"}
        response = await client.post(path, data=forged, follow_redirects=False)
        assert response.status_code == 403
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert outcome.note == "Permanent contract, full time."


@pytest.mark.parametrize(
    "path",
    [
        f"/candidates/{HUGE}/outcomes/new",
        f"/candidates/{2**31}/outcomes/new",
        "/candidates/٤٩/outcomes/new",
        "/candidates/０４９/outcomes/new",
        f"/candidates/{CANDIDATE}/outcomes/{HUGE}/edit",
        f"/candidates/{CANDIDATE}/outcomes/١/edit",
    ],
)
async def test_ids_that_cannot_be_ids_answer_404(client: AsyncTestClient, path: str) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    assert (await client.get(path)).status_code == 404
    response = await send(client, path.removesuffix("/new"), outcome_form())
    assert response.status_code == 404


async def test_posting_past_the_integer_range_answers_404_not_500(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    for path in (
        f"/candidates/{HUGE}/outcomes",
        f"/candidates/{CANDIDATE}/outcomes/{HUGE}/edit",
        f"/candidates/{CANDIDATE}/outcomes/{HUGE}/remove",
    ):
        assert (await send(client, path, outcome_form())).status_code == 404


# --- The same form sent four times at once ---------------------------------------------------


async def test_four_simultaneous_new_outcome_forms_record_one_outcome(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{CANDIDATE}/outcomes/new")
    key = KEY.search(page.text)
    assert key is not None
    form = outcome_form(**{FIELD: key[1]})

    responses = await asyncio.gather(
        *(send(client, f"/candidates/{CANDIDATE}/outcomes", form) for _ in range(4))
    )

    assert {(r.status_code, r.headers.get("location")) for r in responses} == {
        (303, f"/candidates/{CANDIDATE}#outcomes")
    }, [(r.status_code, r.text[:300]) for r in responses]
    assert len(await outcomes_of(db, CANDIDATE)) == 1
    # Sent again later (a reload), it says so and records nothing more.
    again = await send(client, f"/candidates/{CANDIDATE}/outcomes", form)
    assert again.status_code == 303
    assert "already been sent" in (await client.get(again.headers["location"])).text
    assert len(await outcomes_of(db, CANDIDATE)) == 1


async def test_four_simultaneous_changes_and_removals_answer_without_a_server_error(
    client: AsyncTestClient, db: Database
) -> None:
    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    path = f"/candidates/{CANDIDATE}/outcomes/{outcome_id}"

    changes = await asyncio.gather(
        *(send(client, f"{path}/edit", outcome_form(note="Same change")) for _ in range(4))
    )
    assert [r.status_code for r in changes] == [303] * 4
    (outcome,) = await outcomes_of(db, CANDIDATE)
    assert outcome.note == "Same change"

    removals = await asyncio.gather(*(send(client, f"{path}/remove") for _ in range(4)))
    assert [r.status_code for r in removals] == [303] * 4
    assert await outcomes_of(db, CANDIDATE) == []
    trail = await audit_of(db, outcome_id)
    assert trail.count(("delete", counsellor)) == 1  # removed once, recorded once
    assert trail.count(("update", counsellor)) == 1  # the same values, changed once


async def test_a_change_and_a_removal_at_once_answer_without_a_server_error(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    outcome_id = await record(db, client, CANDIDATE)
    path = f"/candidates/{CANDIDATE}/outcomes/{outcome_id}"
    responses = await asyncio.gather(
        send(client, f"{path}/edit", outcome_form(note="Late change")),
        send(client, f"{path}/remove"),
        send(client, f"{path}/edit", outcome_form(note="Late change")),
    )
    assert all(r.status_code in (303, 404) for r in responses), [
        (r.status_code, r.text[:300]) for r in responses
    ]
    assert responses[1].status_code == 303
    assert await outcomes_of(db, CANDIDATE) == []


# --- Reads stay bounded ------------------------------------------------------------------------


async def test_the_candidate_page_reads_the_same_statements_however_many_outcomes(
    client: AsyncTestClient, db: Database
) -> None:
    units = await unit_ids(db, "LOG-U1", "CAT-U1")
    await sign_in(client, DEMO_USERS["counsellor"])
    chosen = [str(unit) for unit in units]
    await record(db, client, CANDIDATE, kind="studies_shortened", employer_name="", units=chosen)
    one = await statements_read(client, f"/candidates/{CANDIDATE}")
    for number in range(3):
        await record(db, client, CANDIDATE, employer_name=f"Employer {number}")
    await record(db, client, CANDIDATE, kind="studies_shortened", employer_name="", units=chosen)
    assert await statements_read(client, f"/candidates/{CANDIDATE}") == one


# --- Follow-up reminders on the counsellor's home page ---------------------------------------


def test_months_are_added_by_the_calendar() -> None:
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2028, 11, 30), 3) == datetime.date(2029, 2, 28)
    assert add_months(datetime.date(2027, 8, 31), 6) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2027, 1, 15), -3) == datetime.date(2026, 10, 15)
    assert add_months(datetime.date(2027, 12, 1), 1) == datetime.date(2028, 1, 1)


def test_the_follow_up_rule() -> None:
    ended = datetime.date(2026, 1, 31)
    at = datetime.datetime(2026, 5, 1, 12, tzinfo=datetime.UTC)

    def due(today: str, recorded: datetime.datetime | None = None) -> Any:
        return due_follow_up(ended, recorded, today=datetime.date.fromisoformat(today))

    assert due("2026-04-29") is None  # not 3 months yet
    assert due("2026-04-30") == (3, datetime.date(2026, 4, 30))  # 31 January + 3 = 30 April
    assert due("2026-05-02", at) is None  # recorded after the 3-month date
    assert due("2026-05-02", at.replace(month=4, day=29)) == (3, datetime.date(2026, 4, 30))
    assert due("2026-07-31", at) == (6, datetime.date(2026, 7, 31))  # the 6-month one replaces it
    assert due("2027-01-31") == (6, datetime.date(2026, 7, 31))  # still due a year after
    assert due("2027-02-01") is None  # lapsed
    # Recorded late in the evening in Helsinki is that day in programme time, not UTC's.
    evening = datetime.datetime(2026, 4, 29, 22, 30, tzinfo=datetime.UTC)  # 30 April 01:30
    assert due("2026-05-02", evening) is None


async def _ended_placement(
    db: Database, candidate_id: int, ended_on: datetime.date, *, status: str = "completed"
) -> None:
    """A placement of ``candidate_id`` like the demo's completed one, ended on ``ended_on``."""
    async with db.session() as session, session.begin():
        template = await session.get_one(Placement, 3)
        number = int(await session.scalar(select(func.count(Placement.id))) or 0)
        session.add(
            Placement(
                candidate_id=candidate_id,
                position_id=template.position_id,
                organisation_id=template.organisation_id,
                place_number=500 + number,
                counsellor_id=template.counsellor_id,
                start_date=ended_on - datetime.timedelta(weeks=8),
                end_date=ended_on,
                status=status,
            )
        )


def _follow_ups(page: str) -> list[tuple[str, str]]:
    found = re.search(r'<section aria-labelledby="follow-ups-heading">(.*?)</section>', page, re.S)
    if found is None:
        return []
    return re.findall(
        r'<a href="/candidates/(\d+)/outcomes/new">[^<]*</a>: (\d)-month follow-up', found[1]
    )


async def _unplaced_candidates(db: Database, count: int) -> list[int]:
    """Demo candidates of counsellor@demo.test who were never placed."""
    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    async with db.session() as session:
        placed = select(Placement.candidate_id)
        found = await session.scalars(
            select(Candidate.id)
            .where(Candidate.counsellor_id == counsellor, Candidate.id.not_in(placed))
            .order_by(Candidate.id)
            .limit(count)
        )
        return list(found.all())


async def test_a_placement_ended_3_months_ago_is_followed_up_until_an_outcome_is_recorded(
    client: AsyncTestClient, db: Database
) -> None:
    today = clock.today()
    three, six, lapsed, interrupted, live, others = await _unplaced_candidates(db, 6)
    await _ended_placement(db, three, add_months(today, -3))
    await _ended_placement(db, six, add_months(today, -7))
    await _ended_placement(db, lapsed, add_months(today, -13))
    await _ended_placement(db, interrupted, add_months(today, -4), status="interrupted")
    await _ended_placement(db, live, add_months(today, -5))
    await _ended_placement(db, live, today + datetime.timedelta(days=30), status="active")
    await _ended_placement(db, others, add_months(today, -4))
    second = await second_counsellor(db)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Candidate).where(Candidate.id == others).values(counsellor_id=second)
        )

    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get("/home")).text
    # The demo's own follow-ups due (demo/reporting.py) stay as they are throughout.
    mine = {str(candidate_id) for candidate_id in (three, six, lapsed, interrupted, live, others)}
    demo = [due for due in _follow_ups(page) if due[0] not in mine]
    assert demo

    def ours(page: str) -> list[tuple[str, str]]:
        found = _follow_ups(page)
        assert [due for due in found if due[0] not in mine] == demo
        return [due for due in found if due[0] in mine]

    assert ours(page) == [(str(six), "6"), (str(three), "3")]  # longest ended first
    assert f"due since {format_date(add_months(add_months(today, -7), 6))}" in page

    # An outcome recorded before the date does not count; one changed on or after it does.
    none_yet = {"kind": "none_yet", "starts_on": "", "employer_name": ""}
    outcome_id = await record(db, client, three, **none_yet)
    soon_after_the_end = datetime.datetime.combine(
        add_months(today, -3) + datetime.timedelta(days=1), datetime.time(12), datetime.UTC
    )
    async with db.session() as session, session.begin():
        await session.execute(
            update(Outcome)
            .where(Outcome.candidate_id == three)
            .values(created_at=soon_after_the_end, updated_at=soon_after_the_end)
        )
    assert ours((await client.get("/home")).text) == [(str(six), "6"), (str(three), "3")]
    confirmed = outcome_form(**none_yet, source_note="Confirmed by phone")
    changed = await send(client, f"/candidates/{three}/outcomes/{outcome_id}/edit", confirmed)
    assert changed.status_code == 303
    assert ours((await client.get("/home")).text) == [(str(six), "6")]
    # So does one recorded today.
    await record(db, client, six)
    assert ours((await client.get("/home")).text) == []

    # The other counsellor sees their own client only; the coordinator's home has none.
    await sign_in(client, SECOND)
    assert _follow_ups((await client.get("/home")).text) == [(str(others), "3")]
    await sign_in(client, DEMO_USERS["coordinator"])
    assert "follow-ups-heading" not in (await client.get("/home")).text


async def test_the_home_page_reads_one_statement_for_the_reminders_however_many(
    client: AsyncTestClient, db: Database
) -> None:
    today = clock.today()
    candidates = await _unplaced_candidates(db, 4)
    await sign_in(client, DEMO_USERS["counsellor"])
    demo = len(_follow_ups((await client.get("/home")).text))  # the demo's own
    await _ended_placement(db, candidates[0], add_months(today, -3))
    one = await statements_read(client, "/home")
    for candidate_id in candidates[1:]:
        await _ended_placement(db, candidate_id, add_months(today, -4))
    assert await statements_read(client, "/home") == one
    assert len(_follow_ups((await client.get("/home")).text)) == demo + 4


async def test_a_reminder_links_to_the_outcome_form(client: AsyncTestClient, db: Database) -> None:
    (candidate_id,) = await _unplaced_candidates(db, 1)
    await _ended_placement(db, candidate_id, add_months(clock.today(), -3))
    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get("/home")).text
    assert f'<a href="/candidates/{candidate_id}/outcomes/new">' in page
    form = await client.get(f"/candidates/{candidate_id}/outcomes/new")
    assert form.status_code == 200
    assert "<h1>Record an outcome" in form.text
