"""The ESF+ participant data: the coordinator's alone, shown only as suppressed totals.

Suppression is checked on hand-built counts (and exhaustively against a reader who knows
the rule); the pages as every role; the values nowhere else (the candidate page of other
staff, the match pages and their API, the candidate API, the oversight export, the audit
trail); bad input and four simultaneous saves. Runs on PostgreSQL as well as SQLite
(tests/conftest.py, ``BOTH_DATABASES_MODULES``).
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from candidates.models import Candidate
from kit import clock
from kit.audit import AuditEvent
from kit.invalid import Invalid
from kit.roles import Role, Viewer, viewer_for
from reporting import participants
from reporting.models import (
    PARTICIPANT_INDICATORS,
    AgeBand,
    Gender,
    IscedLevel,
    LabourMarketStatus,
    ParticipantData,
)
from reporting.participants import (
    FEWER,
    HIDDEN,
    NOT_DISCLOSED,
    SUPPRESS_BELOW,
    NotCoordinator,
    ParticipantInput,
    suppress,
)
from tests.conftest import DEMO_USERS, csrf_token, sign_in

Sessions = async_sessionmaker[AsyncSession]
CANDIDATE = 1  # the first demo candidate, in counsellor@demo.test's caseload
FORM = f"/candidates/{CANDIDATE}/participant-data"
OTHER_ROLES = ["counsellor", "teacher", "employer", "tutor", "steering"]
LEGAL_BASIS = "Legal obligation, ESF+ Annex I (marker QX7)"


# --- Suppression on hand-built counts ----------------------------------------------------


def test_counts_below_five_are_shown_as_fewer_than_five() -> None:
    assert SUPPRESS_BELOW == 5
    # Two small cells: together they hold 5, and each could be 1, 2, 3 or 4.
    assert suppress([0, 1, 4, 5, 6]) == ["0", FEWER, FEWER, "5", "6"]
    assert suppress([0, 0, 0]) == ["0", "0", "0"]
    assert suppress([5, 6, 0]) == ["5", "6", "0"]


def test_a_single_small_count_cannot_be_worked_out_from_the_total() -> None:
    # 173 participants: without more, woman = 173 - 150 - 0 - 20 = 3. The next smallest
    # cell (20) is hidden too; the zero stays 0.
    assert suppress([3, 150, 0, 20]) == [FEWER, "150", "0", HIDDEN]
    # 12 participants: hiding the 5 is not enough (a "hidden" cell is at least 5, so 1 + 5
    # would be the only way to make 6); the 6 goes too.
    assert suppress([1, 5, 6]) == [FEWER, HIDDEN, HIDDEN]


def test_small_counts_that_add_up_to_a_giveaway_get_secondary_suppression() -> None:
    # Two "<5" cells holding 2 between them are both 1.
    assert suppress([1, 1, 103]) == [FEWER, FEWER, HIDDEN]
    # Two "<5" cells holding 5 between them: 1+4, 2+3, 3+2, 4+1; nothing more is hidden.
    assert suppress([1, 4, 0, 100]) == [FEWER, FEWER, "0", "100"]


def test_an_indicator_that_cannot_be_protected_is_withheld() -> None:
    # Eight participants in two "<5" cells: four each.
    assert suppress([4, 4]) is None
    # Four participants (the total shows "<5") in four "<5" cells: one each.
    assert suppress([1, 1, 1, 1, 0]) is None
    # Two participants in one cell: the total shows "<5", so the cell is 1 to 4 still.
    assert suppress([2, 0, 0, 0]) == [FEWER, "0", "0", "0"]


def _possible(shown: list[str], participants: str) -> list[set[int]]:
    """Every value each cell could hold, for a reader who knows the rule and the total."""
    if participants == FEWER:
        totals = range(1, SUPPRESS_BELOW)
    else:
        totals = range(int(participants), int(participants) + 1)
    most = max(totals)
    ranges = [
        range(1, SUPPRESS_BELOW)
        if text == FEWER
        else range(SUPPRESS_BELOW, most + 1)
        if text == HIDDEN
        else range(int(text), int(text) + 1)
        for text in shown
    ]
    possible: list[set[int]] = [set() for _ in shown]
    for values in itertools.product(*ranges):
        if sum(values) in totals:
            for cell, value in enumerate(values):
                possible[cell].add(value)
    return possible


@pytest.mark.parametrize(("cells", "largest"), [(2, 14), (3, 12), (4, 9)])
def test_no_hidden_count_can_be_worked_out_exactly(cells: int, largest: int) -> None:
    """Every table of ``cells`` cells with counts up to ``largest``: each hidden cell could
    hold at least two values, whatever a reader works out from what is shown."""
    for counts in itertools.product(range(largest + 1), repeat=cells):
        shown = suppress(list(counts))
        total = sum(counts)
        if shown is None:
            continue
        assert all(
            text == str(count) or text in (FEWER, HIDDEN)
            for text, count in zip(shown, counts, strict=True)
        )
        assert all(
            (text == FEWER) == (0 < count < SUPPRESS_BELOW)
            for text, count in zip(shown, counts, strict=True)
        ), counts
        participants = FEWER if 0 < total < SUPPRESS_BELOW else str(total)
        for text, values in zip(shown, _possible(shown, participants), strict=True):
            if text in (FEWER, HIDDEN):
                assert len(values) >= 2, (counts, shown)


def test_suppression_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress([3, -1])


# --- Aggregates of hand-built data on both databases -------------------------------------


async def _viewer(sessions: Sessions, email: str) -> Viewer:
    async with sessions() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        return viewer_for(user)


async def _new_candidates(sessions: Sessions, count: int, client_since: datetime.date) -> list[int]:
    async with sessions() as session, session.begin():
        rows = [Candidate(name=f"Participant {n}", client_since=client_since) for n in range(count)]
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def _participants(sessions: Sessions, ids: list[int], **values: Any) -> None:
    async with sessions() as session, session.begin():
        session.add_all(
            ParticipantData(
                candidate_id=candidate_id,
                legal_basis=LEGAL_BASIS,
                recorded_on=datetime.date(2026, 1, 2),
                **values,
            )
            for candidate_id in ids
        )


def _table(totals: participants.Aggregates, name: str) -> dict[str, str] | None:
    return totals.as_figures()["indicators"][name]  # type: ignore[no-any-return]


async def test_aggregates_count_each_value_and_suppress_small_counts(sessions: Sessions) -> None:
    """Gender of 16 participants: 0 women, 1 man, 4 non-binary, 5 not disclosed... and 6
    more women in another period, counted only when the period includes them."""
    early = datetime.date(2001, 2, 1)
    late = datetime.date(2001, 9, 1)
    men = await _new_candidates(sessions, 1, early)
    non_binary = await _new_candidates(sessions, 4, early)
    undisclosed = await _new_candidates(sessions, 5, early)
    women = await _new_candidates(sessions, 6, late)
    await _participants(sessions, men, gender=Gender.MAN.value, disability=True)
    await _participants(sessions, non_binary, gender=Gender.NON_BINARY.value, disability=False)
    await _participants(sessions, undisclosed)
    await _participants(sessions, women, gender=Gender.WOMAN.value, disability=False)
    everyone = men + non_binary + undisclosed + women

    async with sessions() as session:
        totals = await participants.aggregates(session, candidate_ids=everyone)
        first_half = await participants.aggregates(
            session, entered_from=datetime.date(2001, 1, 1), entered_to=datetime.date(2001, 6, 30)
        )
        second_half = await participants.aggregates(
            session,
            candidate_ids=everyone,
            entered_from=datetime.date(2001, 7, 1),
            entered_to=datetime.date(2001, 12, 31),
        )
        nobody = await participants.aggregates(session, candidate_ids=[])

    assert totals.participants == "16"
    assert _table(totals, "gender") == {
        "woman": "6",
        "man": FEWER,
        "non_binary": FEWER,
        "not_disclosed": "5",
    }
    # Disability: 1 yes, 10 no, 5 not disclosed. The single "<5" would be 16 - 10 - 5 = 1;
    # hiding the 5 as well would leave 1 + 5 = 6 as the only way to fill 6 with "<5" plus a
    # hidden cell of at least 5; so the 10 is hidden too.
    assert _table(totals, "disability") == {"yes": FEWER, "no": HIDDEN, "not_disclosed": HIDDEN}
    # Nothing recorded: every cell "not disclosed".
    assert _table(totals, "age_band") == {
        **{band.value: "0" for band in AgeBand},
        "not_disclosed": "16",
    }

    # The first half of 2001: 1 man, 4 non-binary, 5 undisclosed (the women came later).
    assert first_half.participants == "10"
    assert _table(first_half, "gender") == {
        "woman": "0",
        "man": FEWER,
        "non_binary": FEWER,
        "not_disclosed": "5",
    }
    assert second_half.participants == "6"
    assert _table(second_half, "gender") == {
        "woman": "6",
        "man": "0",
        "non_binary": "0",
        "not_disclosed": "0",
    }
    assert nobody.participants == "0"
    assert _table(nobody, "gender") == {
        value: "0" for value in ("woman", "man", "non_binary", "not_disclosed")
    }


async def test_aggregates_of_few_participants_hide_the_total(sessions: Sessions) -> None:
    ids = await _new_candidates(sessions, 3, datetime.date(2001, 3, 1))
    await _participants(sessions, ids, age_band=AgeBand.FROM_55.value)
    async with sessions() as session:
        totals = await participants.aggregates(session, candidate_ids=ids)
    assert totals.participants == FEWER
    assert _table(totals, "age_band") == {
        "under_18": "0",
        "18_29": "0",
        "30_54": "0",
        "55_over": FEWER,
        "not_disclosed": "0",
    }
    # The true count (3) appears nowhere.
    figures = totals.as_figures()["indicators"]
    assert "3" not in {text for table in figures.values() for text in table.values()}


async def test_aggregates_of_many_ids_add_up_chunk_by_chunk(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await _new_candidates(sessions, 7, datetime.date(2001, 4, 1))
    await _participants(sessions, ids, isced_level=IscedLevel.ISCED_3_4.value)
    async with sessions() as session:
        whole = await participants.aggregates(session, candidate_ids=ids)
        monkeypatch.setattr(participants, "_CHUNK", 2)
        # Ids that name nobody (or someone without data) count for nothing.
        chunked = await participants.aggregates(session, candidate_ids=[*ids, 2_000_000_000])
    assert whole == chunked
    assert _table(chunked, "isced_level") == {
        "isced_0_2": "0",
        "isced_3_4": "7",
        "isced_5_8": "0",
        "not_disclosed": "0",
    }


# --- The service: the coordinator only, one row per candidate ---------------------------


def _input(**values: str) -> ParticipantInput:
    return ParticipantInput(
        values=values, legal_basis=LEGAL_BASIS, recorded_on=datetime.date(2026, 1, 2)
    )


async def test_only_the_coordinator_records_or_reads(sessions: Sessions) -> None:
    coordinator = await _viewer(sessions, DEMO_USERS["coordinator"])
    async with sessions() as session, session.begin():
        candidate = await session.get(Candidate, CANDIDATE)
        assert candidate is not None
        for role in OTHER_ROLES:
            viewer = await _viewer(sessions, DEMO_USERS[role])
            assert viewer.role == Role(role)
            with pytest.raises(NotCoordinator):
                await participants.record(
                    session, viewer=viewer, candidate=candidate, data=_input(gender="man")
                )
            with pytest.raises(NotCoordinator):
                await participants.get(session, viewer=viewer, candidate_id=CANDIDATE)
            assert (
                await participants.candidate_section(session, viewer, candidate_id=CANDIDATE)
                is None
            )
        await participants.record(
            session, viewer=coordinator, candidate=candidate, data=_input(gender="man")
        )
        changed = await participants.record(
            session,
            viewer=coordinator,
            candidate=candidate,
            data=_input(gender="woman", age_band="30_54"),
        )
    assert changed.values["gender"] == "woman"
    assert changed.values["age_band"] == "30_54"
    assert changed.values["disability"] == NOT_DISCLOSED
    async with sessions() as session:
        rows = await session.execute(
            select(ParticipantData).where(ParticipantData.candidate_id == CANDIDATE)
        )
        (row,) = rows.scalars()
        assert row.gender == "woman"
        assert row.disability is None


async def test_the_service_refuses_what_is_not_an_indicator_value(sessions: Sessions) -> None:
    coordinator = await _viewer(sessions, DEMO_USERS["coordinator"])
    async with sessions() as session:
        candidate = await session.get(Candidate, CANDIDATE)
        assert candidate is not None
        cases = [
            (_input(gender="robot"), "gender"),
            (_input(disability="maybe"), "disability"),
            (_input(religion="any"), "religion"),
            (
                ParticipantInput(values={}, legal_basis=" ", recorded_on=datetime.date(2026, 1, 2)),
                "legal_basis",
            ),
            (
                ParticipantInput(
                    values={}, legal_basis="a\x00b", recorded_on=datetime.date(2026, 1, 2)
                ),
                "legal_basis",
            ),
            (
                ParticipantInput(
                    values={}, legal_basis="x" * 1001, recorded_on=datetime.date(2026, 1, 2)
                ),
                "legal_basis",
            ),
            (ParticipantInput(values={}, legal_basis=LEGAL_BASIS, recorded_on=None), "recorded_on"),
            (
                ParticipantInput(
                    values={},
                    legal_basis=LEGAL_BASIS,
                    recorded_on=clock.today() + datetime.timedelta(days=1),
                ),
                "recorded_on",
            ),
        ]
        for data, field in cases:
            with pytest.raises(Invalid) as refused:
                await participants.record(
                    session, viewer=coordinator, candidate=candidate, data=data
                )
            assert field in refused.value.errors, (data, refused.value.errors)
        assert await participants.get(session, viewer=coordinator, candidate_id=CANDIDATE) is None


# --- The pages ---------------------------------------------------------------------------


def _form(**values: str) -> dict[str, str]:
    fields = {name: NOT_DISCLOSED for name in PARTICIPANT_INDICATORS}
    fields.update(legal_basis=LEGAL_BASIS, recorded_on="2026-01-02")
    fields.update(values)
    return fields


async def _post(client: AsyncTestClient, path: str, form: dict[str, str]) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


async def _rows(sessions: Sessions, candidate_id: int = CANDIDATE) -> list[ParticipantData]:
    async with sessions() as session:
        found = await session.execute(
            select(ParticipantData).where(ParticipantData.candidate_id == candidate_id)
        )
        return list(found.scalars())


async def test_the_coordinator_records_and_changes_a_candidates_data(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    candidate_page = await client.get(f"/candidates/{CANDIDATE}")
    assert FORM in candidate_page.text
    assert "Not recorded yet" in candidate_page.text

    blank = await client.get(FORM)
    assert blank.status_code == 200
    assert "Regulation (EU) 2021/1057" in blank.text  # the default legal basis
    assert blank.text.count(f'value="{NOT_DISCLOSED}" selected') == len(PARTICIPANT_INDICATORS)

    saved = await _post(
        client,
        FORM,
        _form(
            labour_market_status=LabourMarketStatus.LONG_TERM_UNEMPLOYED.value,
            gender=Gender.WOMAN.value,
            third_country_national="yes",
            homeless="no",
        ),
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/candidates/{CANDIDATE}"
    (row,) = await _rows(sessions)
    assert row.labour_market_status == "long_term_unemployed"
    assert row.gender == "woman"
    assert row.third_country_national is True
    assert row.homeless is False
    assert row.disability is None
    assert row.legal_basis == LEGAL_BASIS
    assert row.recorded_on == datetime.date(2026, 1, 2)
    assert row.recorded_by_id is not None

    shown = await client.get(FORM)
    assert 'value="long_term_unemployed" selected' in shown.text
    assert "marker QX7" in shown.text
    assert "Recorded (given on 2 Jan 2026)" in (await client.get(f"/candidates/{CANDIDATE}")).text

    again = await _post(client, FORM, _form(gender=NOT_DISCLOSED, age_band="18_29"))
    assert again.status_code == 303
    (row,) = await _rows(sessions)
    assert row.gender is None
    assert row.age_band == "18_29"
    assert row.labour_market_status is None

    totals = await client.get("/participant-data")
    assert totals.status_code == 200
    assert "<caption" in totals.text
    # The demo's other candidates are counted too: the page shows what the aggregates say.
    async with sessions() as session:
        shown = _table(await participants.aggregates(session), "age_band")
    assert shown is not None
    cell = "hidden" if shown["18_29"] == HIDDEN else shown["18_29"].replace("<", "&lt;")
    assert f'<th scope="row">18 to 29</th><td>{cell}</td>' in totals.text


async def test_the_audit_trail_keeps_who_and_when_but_not_the_values(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    await _post(client, FORM, _form(gender=Gender.NON_BINARY.value, minority="yes"))
    await _post(client, FORM, _form(gender=Gender.MAN.value, minority="no"))
    (row,) = await _rows(sessions)
    async with sessions() as session:
        events = list(
            (
                await session.execute(
                    select(AuditEvent).where(
                        AuditEvent.entity == "reporting_participant",
                        AuditEvent.entity_id == str(row.id),
                    )
                )
            ).scalars()
        )
    assert [event.action for event in events] == ["create", "update"]
    for event in events:
        assert event.actor_id is not None
        assert not set(event.changes) & set(PARTICIPANT_INDICATORS)
        assert "non_binary" not in str(event.changes)


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_every_other_role_is_refused_the_pages(
    client: AsyncTestClient, sessions: Sessions, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    for path in (FORM, "/participant-data", "/participant-data?entered_from=2026-01-01"):
        assert (await client.get(path, follow_redirects=False)).status_code in (403, 404), path
    refused = await _post(client, FORM, _form(gender="woman"))
    assert refused.status_code in (403, 404)
    assert await _rows(sessions) == []
    if role in ("counsellor", "teacher"):
        page = await client.get(f"/candidates/{CANDIDATE}")
        assert page.status_code == 200
        assert "participant-data" not in page.text
        assert "Participant data" not in page.text


async def test_anonymous_visitors_are_sent_to_sign_in(client: AsyncTestClient) -> None:
    for path in (FORM, "/participant-data"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (303, 401)


# What a distinctive row would show, on a page or in JSON: its labels and its stored values.
MARKERS = (
    "Long-term unemployed",
    "long_term_unemployed",
    "55 and over",
    "55_over",
    "Tertiary (ISCED 5-8)",
    "isced_5_8",
    "ISCED",
    "Non-binary",
    "non_binary",
    "Third-country national",
    "third_country_national",
    "housing exclusion",
    "marker QX7",
)
# What tells that the data exists (the candidate page's section, the menu): the coordinator's.
LINKS = ("Participant data", "participant-data")


async def _every_candidate_has_a_distinctive_row(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(ParticipantData))
        ids = list((await session.execute(select(Candidate.id))).scalars())
        session.add_all(
            ParticipantData(
                candidate_id=candidate_id,
                labour_market_status=LabourMarketStatus.LONG_TERM_UNEMPLOYED.value,
                age_band=AgeBand.FROM_55.value,
                isced_level=IscedLevel.ISCED_5_8.value,
                gender=Gender.NON_BINARY.value,
                disability=True,
                third_country_national=True,
                foreign_background=True,
                minority=True,
                homeless=True,
                legal_basis=LEGAL_BASIS,
                recorded_on=datetime.date(2026, 1, 2),
            )
            for candidate_id in ids
        )


async def test_the_values_reach_no_match_page_api_or_export(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    """Every demo candidate has participant data; none of it shows anywhere but the
    coordinator's own pages, not even to the coordinator on the match pages."""
    await _every_candidate_has_a_distinctive_row(sessions)
    async with sessions() as session:
        rows = await session.scalar(select(func.count(ParticipantData.id)))
    assert (rows or 0) > 1
    views = {
        "counsellor": [
            f"/candidates/{CANDIDATE}",
            "/candidates",
            f"/candidates/{CANDIDATE}/suggestions",
            "/positions/1/suggestions",
            "/api/positions/1/suggestions",
            f"/api/candidates/{CANDIDATE}",
            "/api/candidates",
            "/oversight",
            "/oversight/export",
        ],
        "teacher": [f"/candidates/{CANDIDATE}", f"/api/candidates/{CANDIDATE}"],
        "coordinator": [
            f"/candidates/{CANDIDATE}/suggestions",
            "/positions/1/suggestions",
            "/api/positions/1/suggestions",
            f"/api/candidates/{CANDIDATE}",
            "/api/candidates",
            "/oversight/export",
            "/assignments",
        ],
    }
    wrong = []
    for role, paths in views.items():
        await sign_in(client, DEMO_USERS[role])
        for path in paths:
            response = await client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            markers = MARKERS if role == "coordinator" else MARKERS + LINKS
            wrong += [f"{role} {path}: {marker}" for marker in markers if marker in response.text]
    assert not wrong, "\n".join(wrong)
    # The coordinator's own pages do show them (the markers are the right ones to look for).
    page = await client.get(FORM)
    assert all(marker in page.text for marker in ("long_term_unemployed", "marker QX7"))


# --- Bad input ---------------------------------------------------------------------------


async def test_bad_input_gets_a_message_beside_the_field_and_saves_nothing(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    cases = {
        "gender": "robot",
        "disability": "maybe",
        "age_band": "55_over\x00",
        "isced_level": "x" * 5000,
        "legal_basis": "basis\x00",
        "recorded_on": "2026-02-30",
    }
    for field, value in cases.items():
        response = await _post(client, FORM, _form(**{field: value}))
        assert response.status_code == 400, (field, response.status_code)
        assert f'id="{field}-error"' in response.text, field
    for form in (
        _form(legal_basis="   "),
        _form(recorded_on=(clock.today() + datetime.timedelta(days=1)).isoformat()),
        _form(recorded_on=""),
    ):
        assert (await _post(client, FORM, form)).status_code == 400
    assert await _rows(sessions) == []


async def test_a_form_without_the_csrf_token_changes_nothing(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    forged = await client.post(FORM, data=_form(gender="woman"), follow_redirects=False)
    assert forged.status_code == 403
    wrong_token = await client.post(
        FORM, data={**_form(gender="woman"), "_csrf_token": "forged"}, follow_redirects=False
    )
    assert wrong_token.status_code == 403
    assert await _rows(sessions) == []


@pytest.mark.parametrize("candidate_id", ["2147483648", "99999999999999999999", "999999", "0"])
async def test_ids_that_name_no_candidate_answer_404(
    client: AsyncTestClient, candidate_id: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    path = f"/candidates/{candidate_id}/participant-data"
    assert (await client.get(path)).status_code == 404
    assert (await _post(client, path, _form())).status_code == 404


async def test_bad_dates_on_the_totals_page_are_explained_not_a_server_error(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    for query in (
        "entered_from=yesterday",
        "entered_from=0001-01-01",
        "entered_from=2026-05-01&entered_to=2026-01-01",
        "entered_to=2026-01-01%00",
    ):
        response = await client.get(f"/participant-data?{query}")
        assert response.status_code == 200, query
        assert "could not be used" in response.text


async def test_four_simultaneous_saves_leave_one_row(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    token = await csrf_token(client)
    forms = [_form(gender=gender.value) for gender in (*Gender, Gender.WOMAN)]
    responses = await asyncio.gather(
        *(
            client.post(FORM, data={**form, "_csrf_token": token}, follow_redirects=False)
            for form in forms
        )
    )
    assert [r.status_code for r in responses] == [303] * 4, [r.text[:200] for r in responses]
    rows = await _rows(sessions)
    assert len(rows) == 1
    assert rows[0].gender in {gender.value for gender in Gender}


async def test_four_simultaneous_records_in_separate_transactions_leave_one_row(
    sessions: Sessions,
) -> None:
    """Four transactions that all find no row: one inserts, the others change its row."""
    coordinator = await _viewer(sessions, DEMO_USERS["coordinator"])

    async def save(gender: Gender) -> participants.ParticipantRecord:
        async with sessions() as session, session.begin():
            candidate = await session.get(Candidate, CANDIDATE)
            assert candidate is not None
            return await participants.record(
                session, viewer=coordinator, candidate=candidate, data=_input(gender=gender.value)
            )

    saved = await asyncio.gather(*(save(gender) for gender in (*Gender, Gender.WOMAN)))
    assert {record.candidate_id for record in saved} == {CANDIDATE}
    rows = await _rows(sessions)
    assert len(rows) == 1
    assert rows[0].gender in {gender.value for gender in Gender}
