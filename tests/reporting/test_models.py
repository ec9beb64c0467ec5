"""The reporting tables on both databases: rows as written, the constraints, the frozen report.

Runs on PostgreSQL as well as SQLite (tests/conftest.py, ``BOTH_DATABASES_MODULES``): CHECK
constraints, JSON, NULL and the frozen report's trigger are where the two could differ.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from candidates.models import Candidate
from competences.models import Unit
from kit.audit import AuditEvent
from reporting.models import (
    PARTICIPANT_INDICATORS,
    DisseminationEvent,
    EventKind,
    Outcome,
    OutcomeKind,
    OutcomeSource,
    ParticipantData,
    Report,
    ReportStatus,
    Training,
)

Sessions = async_sessionmaker[AsyncSession]
DAY = datetime.date(2026, 3, 2)
# The reports here are of periods years away, beside the demo's frozen report.
OURS = "SELECT count(*) FROM reporting_report WHERE period_starts_on >= '2036-01-01'"
FIRST_CANDIDATE = 1  # a demo candidate, with no outcome or participant data in the demo
FIRST_ORGANISATION = 1
LEGAL_BASIS = "Legal obligation: ESF+ Regulation (EU) 2021/1057, Annex I"


async def _add(sessions: Sessions, *rows: Any) -> list[int]:
    async with sessions() as session, session.begin():
        session.add_all(rows)
        await session.flush()
        return [row.id for row in rows]


async def _coordinator_id(sessions: Sessions) -> int:
    async with sessions() as session:
        found = await session.execute(select(User.id).where(User.email == "coordinator@demo.test"))
        return int(found.scalar_one())


async def _scalar(sessions: Sessions, sql: str, **values: object) -> Any:
    async with sessions() as session:
        return (await session.execute(text(sql), values)).scalar_one()


def _outcome(**values: Any) -> Outcome:
    fields: dict[str, Any] = {
        "candidate_id": FIRST_CANDIDATE,
        "kind": OutcomeKind.EMPLOYMENT_LONG.value,
        "starts_on": DAY,
        "source": OutcomeSource.EMPLOYER.value,
    }
    return Outcome(**(fields | values))


def _training(**values: Any) -> Training:
    fields: dict[str, Any] = {
        "title": "Guiding immigrants at work",
        "organisation_name": "Savonia",
        "starts_on": DAY,
        "ends_on": DAY + datetime.timedelta(days=2),
        "counsellors": 8,
        "teachers": 6,
        "others": 3,
    }
    return Training(**(fields | values))


def _event(**values: Any) -> DisseminationEvent:
    fields: dict[str, Any] = {
        "held_on": DAY,
        "title": "Validation in practice",
        "kind": EventKind.SEMINAR.value,
        "audience": "Employers of North Savo",
        "attendees": 45,
    }
    return DisseminationEvent(**(fields | values))


def _participant(**values: Any) -> ParticipantData:
    fields: dict[str, Any] = {
        "candidate_id": FIRST_CANDIDATE,
        "legal_basis": LEGAL_BASIS,
        "recorded_on": DAY,
    }
    return ParticipantData(**(fields | values))


def _report(**values: Any) -> Report:
    fields: dict[str, Any] = {
        "period_starts_on": datetime.date(2036, 1, 1),
        "period_ends_on": datetime.date(2036, 6, 30),
    }
    return Report(**(fields | values))


async def test_each_row_is_stored_as_written(sessions: Sessions) -> None:
    async with sessions() as session:
        units = list((await session.execute(select(Unit.id).order_by(Unit.id).limit(2))).scalars())
    assert len(units) == 2
    coordinator = await _coordinator_id(sessions)
    outcome_id, studies_id, none_id, training_id, event_id, participant_id, report_id = await _add(
        sessions,
        _outcome(
            employer_name="Savon Varastopalvelut Oy",
            organisation_id=FIRST_ORGANISATION,
            ends_on=DAY + datetime.timedelta(days=400),
            source_note="Phone call with the employer",
            recorded_by_id=coordinator,
        ),
        _outcome(kind=OutcomeKind.STUDIES_SHORTENED.value, units_recognised=units),
        _outcome(kind=OutcomeKind.NONE_YET.value, starts_on=None, source="counsellor"),
        _training(organisation_id=FIRST_ORGANISATION),
        _event(),
        _participant(
            labour_market_status="long_term_unemployed",
            age_band="30_54",
            isced_level="isced_3_4",
            third_country_national=True,
            disability=False,
            recorded_by_id=coordinator,
        ),
        _report(achievements="Forty candidates started."),
    )
    async with sessions() as session:
        outcome = await session.get(Outcome, outcome_id)
        studies = await session.get(Outcome, studies_id)
        none_yet = await session.get(Outcome, none_id)
        training = await session.get(Training, training_id)
        event = await session.get(DisseminationEvent, event_id)
        participant = await session.get(ParticipantData, participant_id)
        report = await session.get(Report, report_id)
    assert outcome is not None
    assert studies is not None
    assert none_yet is not None
    assert (outcome.kind, outcome.organisation_id, outcome.recorded_by_id) == (
        "employment_long",
        FIRST_ORGANISATION,
        coordinator,
    )
    assert (outcome.starts_on, outcome.ends_on) == (DAY, DAY + datetime.timedelta(days=400))
    assert outcome.units_recognised == []
    assert studies.units_recognised == units
    assert (none_yet.starts_on, none_yet.employer_name, none_yet.note) == (None, "", "")
    assert training is not None
    assert training.participants == 17
    assert event is not None
    assert (event.kind, event.attendees) == ("seminar", 45)
    assert participant is not None
    assert participant.labour_market_status == "long_term_unemployed"
    assert (participant.third_country_national, participant.disability) == (True, False)
    # Not disclosed: NULL, not False.
    assert (participant.gender, participant.minority, participant.homeless) == (None, None, None)
    assert report is not None
    assert (report.status, report.figures, report.frozen_at) == ("draft", None, None)
    assert not report.is_frozen


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(lambda: _training(counsellors=-1), id="training counsellors"),
        pytest.param(lambda: _training(teachers=-1), id="training teachers"),
        pytest.param(lambda: _training(others=-1), id="training others"),
        pytest.param(lambda: _event(attendees=-1), id="event attendees"),
    ],
)
async def test_counts_are_never_negative(sessions: Sessions, row: Any) -> None:
    with pytest.raises(IntegrityError, match="not_negative"):
        await _add(sessions, row())


async def test_zero_counts_are_allowed(sessions: Sessions) -> None:
    await _add(sessions, _training(counsellors=0, teachers=0, others=0), _event(attendees=0))


@pytest.mark.parametrize(
    ("row", "constraint"),
    [
        pytest.param(lambda: _outcome(kind="promotion"), "kind_known", id="outcome kind"),
        pytest.param(lambda: _outcome(source="rumour"), "source_known", id="outcome source"),
        pytest.param(lambda: _outcome(starts_on=None), "starts_on_given", id="outcome start"),
        pytest.param(
            lambda: _outcome(ends_on=DAY - datetime.timedelta(days=1)),
            "dates_ordered",
            id="outcome ends before it starts",
        ),
        pytest.param(
            lambda: _training(ends_on=DAY - datetime.timedelta(days=1)),
            "dates_ordered",
            id="training ends before it starts",
        ),
        pytest.param(lambda: _event(kind="party"), "kind_known", id="event kind"),
        pytest.param(lambda: _participant(gender="other"), "gender_known", id="gender"),
        pytest.param(lambda: _participant(age_band="18-29"), "age_band_known", id="age band"),
        pytest.param(lambda: _participant(isced_level="isced_9"), "isced_known", id="isced"),
        pytest.param(
            lambda: _participant(labour_market_status="retired"),
            "labour_market_status_known",
            id="labour market status",
        ),
        pytest.param(lambda: _participant(legal_basis=""), "legal_basis_given", id="no basis"),
        pytest.param(lambda: _report(status="sent"), "status_known", id="report status"),
        pytest.param(
            lambda: _report(period_ends_on=datetime.date(2025, 12, 31)),
            "period_ordered",
            id="period ends before it starts",
        ),
        pytest.param(
            lambda: _report(status=ReportStatus.FROZEN.value),
            "frozen_with_figures",
            id="frozen without figures",
        ),
        pytest.param(
            lambda: _report(frozen_at=datetime.datetime.now(datetime.UTC), figures={"a": 1}),
            "frozen_with_figures",
            id="a draft with a freezing time",
        ),
    ],
)
async def test_values_outside_the_domain_are_refused(
    sessions: Sessions, row: Any, constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        await _add(sessions, row())


async def test_one_participant_row_per_candidate(sessions: Sessions) -> None:
    # The demo records participant data for its other candidates, not for the first.
    (other,) = await _add(sessions, Candidate(name="Another Client", client_since=DAY))
    before = await _scalar(sessions, "SELECT count(*) FROM reporting_participant")
    await _add(sessions, _participant(gender="woman"))
    with pytest.raises(IntegrityError):
        await _add(sessions, _participant(gender="man"))
    await _add(sessions, _participant(candidate_id=other))
    assert await _scalar(sessions, "SELECT count(*) FROM reporting_participant") == before + 2


async def test_one_report_per_period_start(sessions: Sessions) -> None:
    await _add(sessions, _report())
    with pytest.raises(IntegrityError):
        await _add(sessions, _report(period_ends_on=datetime.date(2036, 7, 31)))
    await _add(
        sessions,
        _report(
            period_starts_on=datetime.date(2036, 7, 1), period_ends_on=datetime.date(2036, 12, 31)
        ),
    )
    assert await _scalar(sessions, OURS) == 2


async def test_a_draft_report_keeps_no_figures_in_the_database(sessions: Sessions) -> None:
    """NULL in SQL (not a JSON null), so a query can tell drafts by ``figures IS NULL``."""
    (report_id,) = await _add(sessions, _report())
    found = "SELECT count(*) FROM reporting_report WHERE id = :id AND figures IS NULL"
    assert await _scalar(sessions, found, id=report_id) == 1


async def _freeze(sessions: Sessions, report_id: int) -> None:
    coordinator = await _coordinator_id(sessions)
    async with sessions() as session, session.begin():
        report = await session.get(Report, report_id)
        assert report is not None
        report.status = ReportStatus.FROZEN.value
        report.figures = {"candidates_started": {"value": 2, "ids": [1, 2]}}
        report.frozen_at = datetime.datetime.now(datetime.UTC)
        report.frozen_by_id = coordinator
        report.frozen_by_name = "Aino Koordinaattori <coordinator@demo.test>"


async def test_a_draft_changes_until_it_is_frozen_and_never_after(sessions: Sessions) -> None:
    (report_id,) = await _add(sessions, _report(achievements="First draft"))
    async with sessions() as session, session.begin():
        await session.execute(
            update(Report).where(Report.id == report_id).values(achievements="Second draft")
        )
    await _freeze(sessions, report_id)

    async with sessions() as session:
        frozen = await session.get(Report, report_id)
    assert frozen is not None
    assert frozen.is_frozen
    assert frozen.achievements == "Second draft"
    assert frozen.figures == {"candidates_started": {"value": 2, "ids": [1, 2]}}

    refused = [
        update(Report).where(Report.id == report_id).values(achievements="Rewritten"),
        update(Report).where(Report.id == report_id).values(status=ReportStatus.DRAFT.value),
        update(Report).where(Report.id == report_id).values(figures={"candidates_started": 3}),
        delete(Report).where(Report.id == report_id),
    ]
    for statement in refused:
        with pytest.raises(IntegrityError, match="a frozen report is never changed"):
            async with sessions() as session, session.begin():
                await session.execute(statement)
    with pytest.raises(IntegrityError, match="a frozen report is never changed"):
        async with sessions() as session, session.begin():
            await session.execute(text("UPDATE reporting_report SET problems = 'None at all'"))

    async with sessions() as session:
        kept = await session.get(Report, report_id)
    assert kept is not None
    assert (kept.status, kept.achievements, kept.problems) == ("frozen", "Second draft", "")
    assert kept.figures == {"candidates_started": {"value": 2, "ids": [1, 2]}}


async def test_another_period_stays_a_draft_beside_a_frozen_one(sessions: Sessions) -> None:
    frozen_id, draft_id = await _add(
        sessions,
        _report(),
        _report(
            period_starts_on=datetime.date(2036, 7, 1), period_ends_on=datetime.date(2036, 12, 31)
        ),
    )
    await _freeze(sessions, frozen_id)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Report).where(Report.id == draft_id).values(next_steps="More partners")
        )
        await session.execute(delete(Report).where(Report.id == draft_id))
    assert await _scalar(sessions, OURS) == 1


async def test_the_participant_data_stays_out_of_the_audit_trail(sessions: Sessions) -> None:
    (participant_id,) = await _add(
        sessions, _participant(gender="non_binary", disability=True, minority=True)
    )
    async with sessions() as session:
        events = list(
            (
                await session.execute(
                    select(AuditEvent).where(
                        AuditEvent.entity == "reporting_participant",
                        AuditEvent.entity_id == str(participant_id),
                    )
                )
            ).scalars()
        )
    assert [event.action for event in events] == ["create"]
    recorded = events[0].changes
    assert recorded["legal_basis"] == LEGAL_BASIS
    assert recorded["candidate_id"] == FIRST_CANDIDATE
    assert not set(recorded) & set(PARTICIPANT_INDICATORS)
    assert "non_binary" not in str(recorded)


async def test_a_candidates_outcomes_and_participant_data_go_with_the_candidate(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        candidate = Candidate(name="Leaving Client", client_since=DAY)
        session.add(candidate)
        await session.flush()
        candidate_id = candidate.id
    await _add(
        sessions,
        _outcome(candidate_id=candidate_id),
        _participant(candidate_id=candidate_id, gender="woman"),
        _outcome(),  # another candidate's
    )
    async with sessions() as session, session.begin():
        await session.execute(delete(Candidate).where(Candidate.id == candidate_id))
    left = "SELECT count(*) FROM {} WHERE candidate_id = :id"
    for table in ("reporting_outcome", "reporting_participant"):
        assert await _scalar(sessions, left.format(table), id=candidate_id) == 0
    assert await _scalar(sessions, left.format("reporting_outcome"), id=FIRST_CANDIDATE) == 1


async def test_the_database_knows_the_steering_committee_role(sessions: Sessions) -> None:
    """The demo's steering committee member exists; the role belongs to no organisation."""
    async with sessions() as session:
        steering = (
            await session.execute(select(User).where(User.email == "steering@demo.test"))
        ).scalar_one()
    assert (steering.role, steering.organisation_id) == ("steering", None)
    with pytest.raises(IntegrityError, match="organisation_matches_role"):
        async with sessions() as session, session.begin():
            await session.execute(
                update(User)
                .where(User.id == steering.id)
                .values(organisation_id=FIRST_ORGANISATION)
            )
    with pytest.raises(IntegrityError, match="role_known"):
        async with sessions() as session, session.begin():
            await session.execute(
                update(User).where(User.id == steering.id).values(role="observer")
            )
