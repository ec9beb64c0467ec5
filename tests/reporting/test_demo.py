"""The demo's results (``demo.reporting``): outcomes for the candidates who finished, two pilot
trainings, dissemination events, participant data, portfolios dated over the months before,
and what the counsellor's and the coordinator's home pages make of them.

The database checks run on PostgreSQL as well as SQLite (JSON units, dates, the seed's
queries); the pages on SQLite.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import demo
from accounts.models import User
from candidates.models import Candidate, Claim
from certificates.models import Certificate
from competences.models import Framework, Unit
from kit import clock
from kit.roles import viewer_for
from kit.settings import ProgrammeSettings
from placements.models import Placement, PlacementStatus, Position
from reporting import participants, reports
from reporting.follow_ups import follow_ups_due
from reporting.models import (
    PARTICIPANT_INDICATORS,
    DisseminationEvent,
    Outcome,
    OutcomeKind,
    ParticipantData,
    Report,
    Training,
)
from tests.conftest import DEMO_USERS, sign_in

Sessions = async_sessionmaker[AsyncSession]
FIRST_CANDIDATE = 1


def _local_day(moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(clock.PROGRAMME_TIMEZONE).date()


@pytest.mark.both_databases
async def test_every_candidate_who_finished_has_an_outcome_of_each_kind(sessions: Sessions) -> None:
    today = clock.today()
    async with sessions() as session:
        finished = (
            await session.scalars(
                select(Placement)
                .where(Placement.status == PlacementStatus.COMPLETED.value)
                .order_by(Placement.id)
            )
        ).all()
        outcomes = (await session.scalars(select(Outcome).order_by(Outcome.id))).all()
        certificate = (await session.scalars(select(Certificate))).one()
        units = dict((await session.execute(select(Unit.id, Framework.code).join(Framework))).all())
        fields = dict(
            (
                await session.execute(
                    select(Placement.id, Framework.code)
                    .join(Position, Position.id == Placement.position_id)
                    .join(Framework, Framework.id == Position.framework_id)
                )
            ).all()
        )
    assert len(finished) >= 5
    by_candidate = {outcome.candidate_id: outcome for outcome in outcomes}
    assert len(by_candidate) == len(outcomes)  # one each
    assert {placement.candidate_id for placement in finished} == set(by_candidate)
    assert {outcome.kind for outcome in outcomes} == {kind.value for kind in OutcomeKind}

    for placement in finished:
        outcome = by_candidate[placement.candidate_id]
        assert placement.end_date is not None
        recorded = _local_day(outcome.created_at)
        assert placement.end_date < recorded <= today
        assert outcome.source
        assert outcome.recorded_by_id is not None
        if outcome.kind == OutcomeKind.NONE_YET.value:
            assert outcome.starts_on is None
            continue
        assert outcome.starts_on is not None
        assert placement.end_date < outcome.starts_on <= today
        if outcome.kind.startswith("employment"):
            assert outcome.employer_name
        if outcome.kind == OutcomeKind.STUDIES_SHORTENED.value:
            assert outcome.units_recognised
            assert {units[unit] for unit in outcome.units_recognised} == {fields[placement.id]}
    # The certified candidate was hired by the placement's employer.
    hired = by_candidate[certificate.candidate_id]
    (certified,) = [p for p in finished if p.candidate_id == certificate.candidate_id]
    assert hired.kind == OutcomeKind.EMPLOYMENT_LONG.value
    assert hired.organisation_id == certified.organisation_id
    assert certified.id == 3


@pytest.mark.both_databases
async def test_two_pilot_trainings_and_events_below_the_target(sessions: Sessions) -> None:
    today = clock.today()
    async with sessions() as session:
        trainings = (await session.scalars(select(Training).order_by(Training.starts_on))).all()
        events = (await session.scalars(select(DisseminationEvent))).all()
    assert [training.participants for training in trainings] == [18, 21]
    assert all(t.organisation_name and t.ends_on < today for t in trainings)
    assert len({t.organisation_name for t in trainings}) == 2
    assert all(t.counsellors and t.teachers and t.others for t in trainings)
    held = [event for event in events if event.held_on <= today]
    assert 5 <= len(held) <= 6
    assert len({event.kind for event in held}) >= 4
    assert 0 < sum(event.attendees for event in held) < 620
    assert all(event.title and event.audience for event in events)


@pytest.mark.both_databases
async def test_most_candidates_have_participant_data_and_a_few_disclosed_nothing(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        rows = (await session.scalars(select(ParticipantData))).all()
        candidates = await session.scalar(select(func.count(Candidate.id)))
        totals = await participants.aggregates(session)
    assert candidates
    assert len(rows) >= 0.9 * candidates
    assert FIRST_CANDIDATE not in {row.candidate_id for row in rows}  # left for the tour
    assert all(row.legal_basis and row.recorded_by_id for row in rows)
    silent = [row for row in rows if all(getattr(row, n) is None for n in PARTICIPANT_INDICATORS)]
    assert 1 <= len(silent) <= 0.1 * len(rows)
    assert Counter(row.gender for row in rows).keys() >= {"woman", "man"}
    # Enough people for totals: no indicator is withheld.
    figures = totals.as_figures()["indicators"]
    assert all(table is not None for table in figures.values())


@pytest.mark.both_databases
async def test_portfolios_were_begun_over_the_months_before(sessions: Sessions) -> None:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Candidate.client_since, func.min(Claim.created_at))
                .join(Claim, Claim.candidate_id == Candidate.id)
                .group_by(Candidate.id, Candidate.client_since)
            )
        ).all()
    assert len(rows) > 200
    begun = [(since, _local_day(first)) for since, first in rows]
    assert all(since <= day <= clock.today() for since, day in begun)
    months = Counter(day.replace(day=1) for _since, day in begun)
    assert len(months) >= 12
    assert max(months.values()) < 0.2 * len(begun)


@pytest.mark.both_databases
async def test_the_demo_counsellor_has_a_3_and_a_6_month_follow_up_due(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        counsellor = (
            await session.scalars(select(User).where(User.email == DEMO_USERS["counsellor"]))
        ).one()
        due = await follow_ups_due(session, viewer_for(counsellor), today=clock.today())
    assert sorted(item.months for item in due) == [3, 6]


@pytest.mark.both_databases
async def test_seeding_again_adds_no_results(sessions: Sessions) -> None:
    models = (Placement, Outcome, Training, DisseminationEvent, ParticipantData)

    async def counts() -> list[int]:
        async with sessions() as session:
            return [int(await session.scalar(select(func.count(m.id))) or 0) for m in models]

    before = await counts()
    async with sessions() as session, session.begin():
        report = await demo.seed(session)
    assert (report.outcomes, report.trainings, report.events, report.participants) == (0,) * 4
    assert report.reports == 0
    assert report.placements == report.assessments == 0
    assert await counts() == before


@pytest.mark.both_databases
async def test_the_last_ended_period_is_frozen_with_what_it_counted(sessions: Sessions) -> None:
    programme = ProgrammeSettings()
    today = clock.today()
    ended = [
        period
        for period in reports.periods(programme.reporting_start, today)
        if reports.has_ended(period, today)
    ]
    async with sessions() as session:
        frozen = (await session.scalars(select(Report).where(Report.status == "frozen"))).all()
        if not ended:  # before the first period's end there is nothing to freeze
            assert frozen == []
            return
        assert [report.period_starts_on for report in frozen] == [ended[-1].starts_on]
        report = frozen[0]
        assert report.frozen_by_name.startswith("Aino Koordinaattori")
        assert all(getattr(report, name) for name in demo.reporting.FROZEN_REPORT_TEXT)
        # Nothing changed since the seed froze it: counted now, the figures are the same.
        kept = reports.Figures.from_json(report.figures or {})
        now = await reports.compute(session, period=ended[-1], programme=programme, with_ids=True)
    assert [(row.key, row.period, row.cumulative) for row in kept.rows] == [
        (row.key, row.period, row.cumulative) for row in now.rows
    ]
    assert {row.key: row.period_ids for row in kept.rows} == {
        row.key: row.period_ids for row in now.rows
    }
    assert sum(row.period for row in kept.rows if row.key == "trainers_trained") > 0


# --- The pages ---------------------------------------------------------------------------


async def test_the_counsellors_home_shows_the_follow_ups_due(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get("/home")).text
    assert "Follow-ups due" in page
    found = re.findall(
        r'<a href="/candidates/\d+/outcomes/new">[^<]+</a>: (\d)-month follow-up', page
    )
    assert sorted(found) == ["3", "6"]


def _indicators(page: str) -> dict[str, tuple[int, int]]:
    """The indicators table: name → (in the period, since the programme began)."""
    found = re.findall(
        r'<th scope="row">([^<]+)(?:<span[^>]*>[^<]*</span>)?\s*</th>\s*<td>(\d+)</td>\s*'
        r"<td>(\d+)</td>",
        page,
    )
    return {name.strip(): (int(period), int(total)) for name, period, total in found}


async def test_the_coordinators_dashboard_counts_outcomes_and_trainers(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    home = _indicators((await client.get("/home")).text)
    for name in ("Outcomes", "Trainers trained", "Dissemination attendees"):
        assert home[name][1] > 0, name
    today = clock.today()
    year = f"from={(today - datetime.timedelta(days=365)).isoformat()}&to={today.isoformat()}"
    rows = _indicators((await client.get(f"/dashboard?{year}")).text)
    assert rows["Trainers trained"][0] == 39
    assert rows["Dissemination attendees"][0] == 356
    assert rows["Outcomes"][0] == 5  # "none yet" is not counted
    for name in (
        "Outcomes: short-term employment",
        "Outcomes: long-term employment",
        "Outcomes: education or training started",
        "Outcomes: studies shortened",
        "Certificates issued",
        "Placements started",
    ):
        assert rows[name][0] > 0, name
