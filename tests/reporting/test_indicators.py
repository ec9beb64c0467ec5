"""Every indicator on a small data set built by hand, with the right counts worked out here.

The period is March 2026; the programme began on 2026-01-01. Moments are written in the
programme's time (Helsinki, UTC+2 until 29 March, UTC+3 after): a record at 23:30 on 31 March
is in March although it is 31 March in UTC too, and one at 00:10 on 1 April is not, although
it is still 31 March in UTC. Runs on PostgreSQL as well as SQLite (tests/conftest.py,
``BOTH_DATABASES_MODULES``): JSON regions, time zones and dates are where they could differ.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from assessments.models import AssessmentDecision
from candidates.models import Candidate, Claim, Interview
from certificates.models import Certificate
from competences.models import Competence, Framework, Unit
from employers.models import Organisation
from kit.clock import PROGRAMME_TIMEZONE
from kit.settings import DatabaseSettings, ProgrammeSettings
from placements.models import Placement, Position
from portal.database import create_engine, create_session_factory
from reporting import indicators
from reporting.indicators import (
    BY_KEY,
    INDICATORS,
    Filters,
    Period,
    Scope,
    add_months,
    funnel,
    measure,
    monthly,
    months_ending,
    reporting_period,
)
from reporting.models import DisseminationEvent, Outcome, Training

Sessions = async_sessionmaker[AsyncSession]
DAY = datetime.date
START = DAY(2026, 1, 1)
MARCH = Period(DAY(2026, 3, 1), DAY(2026, 3, 31))
PROGRAMME = ProgrammeSettings(reporting_start=START, target_placements=4)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    """A moment in Helsinki."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PROGRAMME_TIMEZONE)


@dataclass
class World:
    """The ids of what :func:`world` made, by the names the docstring uses."""

    sessions: Sessions
    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def of(self, *names: str) -> tuple[int, ...]:
        return tuple(sorted(self.ids[name] for name in names))


@pytest.fixture
async def empty_sessions(empty_database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def world(empty_sessions: Sessions) -> World:
    """The data set (M: March 2026, the period; "cum.": from 2026-01-01 to 31 March).

    People: counsellors Anna and Ben, teacher Tina. Qualifications LOG (learning outcome c1)
    and CLE (c2).

    Organisations (partners unless said; approved at):
      O1 major 2025-06-01 (before the programme: cum. only, a partner is a partner);
      O2 major 1 March 00:30 (M); O3 SME 31 March 23:30 (M); O4 SME 1 April 00:10 (out);
      O5 public sector, applied; O6 third sector, inactive (approved in March: not counted);
      O7 education, no decision recorded, created 15 March (M).
    Positions: P1 (O1, LOG), P2 (O2, CLE).

    Candidates (client since, type, counsellor, regions):
      K1 1 March long Anna [North Savo]; K2 31 March short Anna [Uusimaa, North Savo];
      K3 1 April short Ben [North Savo]; K4 28 Feb long Ben [Kainuu];
      K5 31 Dec 2025 long Anna [Åland] (before the programme).
    Claims: K1 c1 1 March 00:30; K3 c1 1 April 00:10; K4 c2 10 Feb; K5 c2 20 Dec 2025.
    Interviews: K1 completed 10 March; K2 completed 31 March 23:30; K4 scheduled 5 March and
      one cancelled; K5 completed 15 March (but K5 began with a claim in 2025).
    Placements: PL1 K1 P1 from 1 March, completed; PL2 K1 P2 from 31 March, active (K1
      placed twice); PL3 K4 P1 from 15 Feb, interrupted; PL4 K2 P2 from 20 March, still
      agreed; PL5 K5 P1 from 1 April, active.
    Decisions: D1 PL1 v1 signed 2 March; D1b PL1 v2 (a correction) 15 March; D3 PL3 v1
      signed 28 Feb 23:30 (February in Helsinki).
    Certificates: C1 from D1 issued 5 March, superseded by C2 from D1b issued 16 March;
      C3 from D3 issued 25 Feb, revoked 10 March.
    Outcomes: OU1 K1 long-term employment from 31 March, recorded 10 May; OU2 K1 education
      from 1 March; OU3 K2 none yet; OU4 K4 short-term employment from 1 April; OU5 K4
      studies shortened from 1 Feb.
    Trainings (ending): T1 31 March 3+2+1; T2 2 April 4+0+0; T3 15 Jan 5+4+1.
    Events: E1 1 March 100; E2 31 March 50; E3 1 April 70; E4 1 Nov 2025 30.
    """
    made = World(empty_sessions)
    async with empty_sessions() as session, session.begin():

        async def add(name: str, row: Any) -> Any:
            session.add(row)
            await session.flush()
            made.ids[name] = row.id
            return row

        def user(name: str, role: str) -> User:
            return User(email=f"{name.lower()}@test", name=name, role=role, password_hash="-")

        anna = await add("anna", user("Anna", "counsellor"))
        ben = await add("ben", user("Ben", "counsellor"))
        tina = await add("tina", user("Tina", "teacher"))
        for code, competence in (("LOG", "c1"), ("CLE", "c2")):
            framework = await add(code, Framework(code=code, labels={"en": code}))
            unit = await add(
                f"{code}-U1",
                Unit(framework_id=framework.id, code=f"{code}-U1", labels={"en": "unit"}),
            )
            await add(
                competence, Competence(unit_id=unit.id, code=competence, labels={"en": competence})
            )

        def organisation(kind: str, status: str, **values: Any) -> Organisation:
            return Organisation(name=f"{kind} {status}", kind=kind, status=status, **values)

        o1 = await add("O1", organisation("major_company", "partner", decided_at=at(2025, 6, 1)))
        o2 = await add(
            "O2", organisation("major_company", "partner", decided_at=at(2026, 3, 1, 0, 30))
        )
        await add("O3", organisation("sme", "partner", decided_at=at(2026, 3, 31, 23, 30)))
        await add("O4", organisation("sme", "partner", decided_at=at(2026, 4, 1, 0, 10)))
        await add("O5", organisation("public_sector", "applied"))
        await add("O6", organisation("third_sector", "inactive", decided_at=at(2026, 3, 10)))
        await add("O7", organisation("education", "partner", created_at=at(2026, 3, 15)))
        p1 = await add(
            "P1",
            Position(
                organisation_id=o1.id,
                title="Warehouse",
                framework_id=made["LOG"],
                status="open",
                places=5,
            ),
        )
        p2 = await add(
            "P2",
            Position(
                organisation_id=o2.id,
                title="Cleaner",
                framework_id=made["CLE"],
                status="open",
                places=5,
            ),
        )

        async def candidate(
            name: str, since: datetime.date, kind: str, counsellor: User, regions: list[str]
        ) -> Candidate:
            return await add(
                name,
                Candidate(
                    name=name,
                    client_since=since,
                    client_type=kind,
                    counsellor_id=counsellor.id,
                    regions=regions,
                ),
            )

        k1 = await candidate("K1", DAY(2026, 3, 1), "long_term", anna, ["North Savo"])
        k2 = await candidate("K2", DAY(2026, 3, 31), "short_term", anna, ["Uusimaa", "North Savo"])
        k3 = await candidate("K3", DAY(2026, 4, 1), "short_term", ben, ["North Savo"])
        k4 = await candidate("K4", DAY(2026, 2, 28), "long_term", ben, ["Kainuu"])
        k5 = await candidate("K5", DAY(2025, 12, 31), "long_term", anna, ["Åland"])

        for name, who, competence, when in (
            ("claim-K1", k1, "c1", at(2026, 3, 1, 0, 30)),
            ("claim-K3", k3, "c1", at(2026, 4, 1, 0, 10)),
            ("claim-K4", k4, "c2", at(2026, 2, 10)),
            ("claim-K5", k5, "c2", at(2025, 12, 20)),
        ):
            await add(
                name,
                Claim(
                    candidate_id=who.id,
                    competence_id=made[competence],
                    self_level=3,
                    created_at=when,
                    updated_at=when,
                ),
            )
        for name, who, status, when in (
            ("iv-K1", k1, "completed", at(2026, 3, 10)),
            ("iv-K2", k2, "completed", at(2026, 3, 31, 23, 30)),
            ("iv-K4", k4, "scheduled", at(2026, 3, 5)),
            ("iv-K4-cancelled", k4, "cancelled", at(2026, 3, 6)),
            ("iv-K5", k5, "completed", at(2026, 3, 15)),
        ):
            await add(
                name,
                Interview(
                    candidate_id=who.id,
                    teacher_id=tina.id,
                    scheduled_at=when,
                    status=status,
                    completed_at=when if status == "completed" else None,
                ),
            )

        async def placement(
            name: str,
            who: Candidate,
            position: Position,
            number: int,
            start: datetime.date,
            status: str,
        ) -> Placement:
            return await add(
                name,
                Placement(
                    candidate_id=who.id,
                    position_id=position.id,
                    organisation_id=position.organisation_id,
                    place_number=number,
                    start_date=start,
                    status=status,
                    counsellor_id=who.counsellor_id,
                ),
            )

        pl1 = await placement("PL1", k1, p1, 1, DAY(2026, 3, 1), "completed")
        await placement("PL2", k1, p2, 1, DAY(2026, 3, 31), "active")
        pl3 = await placement("PL3", k4, p1, 2, DAY(2026, 2, 15), "interrupted")
        await placement("PL4", k2, p2, 2, DAY(2026, 3, 20), "agreed")
        await placement("PL5", k5, p1, 3, DAY(2026, 4, 1), "active")

        d1 = await add(
            "D1",
            AssessmentDecision(
                placement_id=pl1.id,
                version=1,
                signed_by_name="Tina",
                signed_at=at(2026, 3, 2),
                superseded_at=at(2026, 3, 15),
            ),
        )
        d1b = await add(
            "D1b",
            AssessmentDecision(
                placement_id=pl1.id,
                version=2,
                signed_by_name="Tina",
                signed_at=at(2026, 3, 15),
                correction_reason="A grade was mistyped.",
            ),
        )
        d3 = await add(
            "D3",
            AssessmentDecision(
                placement_id=pl3.id,
                version=1,
                signed_by_name="Tina",
                signed_at=at(2026, 2, 28, 23, 30),
            ),
        )

        def certificate(
            code: str,
            decision: AssessmentDecision,
            placed: Placement,
            issued: datetime.datetime,
            **values: Any,
        ) -> Certificate:
            return Certificate(
                code=code,
                decision_id=decision.id,
                placement_id=placed.id,
                candidate_id=placed.candidate_id,
                language="en",
                content={},
                issued_at=issued,
                issued_by_name="Coordinator",
                **values,
            )

        c2 = await add("C2", certificate("C2", d1b, pl1, at(2026, 3, 16)))
        await add(
            "C1",
            certificate(
                "C1", d1, pl1, at(2026, 3, 5), superseded_at=at(2026, 3, 16), superseded_by_id=c2.id
            ),
        )
        await add(
            "C3",
            certificate(
                "C3",
                d3,
                pl3,
                at(2026, 2, 25),
                revoked_at=at(2026, 3, 10),
                revocation_reason="issued_in_error",
            ),
        )

        def outcome(
            who: Candidate, kind: str, starts: datetime.date | None, **values: Any
        ) -> Outcome:
            return Outcome(
                candidate_id=who.id, kind=kind, starts_on=starts, source="counsellor", **values
            )

        await add(
            "OU1",
            outcome(
                k1,
                "employment_long",
                DAY(2026, 3, 31),
                created_at=at(2026, 5, 10),
                updated_at=at(2026, 5, 10),
            ),
        )
        await add("OU2", outcome(k1, "education", DAY(2026, 3, 1)))
        await add("OU3", outcome(k2, "none_yet", None))
        await add("OU4", outcome(k4, "employment_short", DAY(2026, 4, 1)))
        await add("OU5", outcome(k4, "studies_shortened", DAY(2026, 2, 1)))

        for name, first, last, people in (
            ("T1", DAY(2026, 3, 29), DAY(2026, 3, 31), (3, 2, 1)),
            ("T2", DAY(2026, 3, 25), DAY(2026, 4, 2), (4, 0, 0)),
            ("T3", DAY(2026, 1, 14), DAY(2026, 1, 15), (5, 4, 1)),
        ):
            counsellors, teachers, others = people
            await add(
                name,
                Training(
                    title=name,
                    organisation_name="Savonia",
                    starts_on=first,
                    ends_on=last,
                    counsellors=counsellors,
                    teachers=teachers,
                    others=others,
                ),
            )
        for name, held, attendees in (
            ("E1", DAY(2026, 3, 1), 100),
            ("E2", DAY(2026, 3, 31), 50),
            ("E3", DAY(2026, 4, 1), 70),
            ("E4", DAY(2025, 11, 1), 30),
        ):
            await add(
                name,
                DisseminationEvent(title=name, held_on=held, kind="seminar", attendees=attendees),
            )
    return made


def expected_in_march(w: World) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """The records each indicator counts in March and from the programme's start, by hand."""
    return {
        # K1 (claim 1 March 00:30), K2 (interview 31 March 23:30); K3's claim is on 1 April
        # in Helsinki; K4 began in February (cum.); K5 in 2025 (neither).
        "candidates_started": (w.of("K1", "K2"), w.of("K1", "K2", "K4")),
        "long_term_clients": (w.of("K1"), w.of("K1", "K4")),
        "short_term_clients": (w.of("K2"), w.of("K2")),
        # O1 was approved before the programme: a partner all the same (cum.).
        "partners_major_companies": (w.of("O2"), w.of("O1", "O2")),
        "partners_other_organisations": (w.of("O3", "O7"), w.of("O3", "O7")),
        # K1 placed twice in March: two placements, one candidate; PL4 is only agreed.
        "placements_started": (w.of("PL1", "PL2"), w.of("PL1", "PL2", "PL3")),
        "candidates_placed": (w.of("K1"), w.of("K1", "K4")),
        # D1b corrects D1: the same assessment. D3 was signed in February in Helsinki.
        "assessments_completed": (w.of("D1"), w.of("D1", "D3")),
        # C2 replaced C1: one certificate. C3 was issued in February and revoked in March:
        # it stays issued in February and counts as revoked in March.
        "certificates_issued": (w.of("C1"), w.of("C1", "C3")),
        "certificates_revoked": (w.of("C3"), w.of("C3")),
        # OU1 was recorded in May: it counts in March, when it began. "None yet" never.
        "outcomes": (w.of("OU1", "OU2"), w.of("OU1", "OU2", "OU5")),
        "outcomes_employment_short": ((), ()),
        "outcomes_employment_long": (w.of("OU1"), w.of("OU1")),
        "outcomes_education": (w.of("OU2"), w.of("OU2")),
        "outcomes_studies_shortened": ((), w.of("OU5")),
        "trainers_trained": (w.of("T1"), w.of("T1", "T3")),
        "dissemination_attendees": (w.of("E1", "E2"), w.of("E1", "E2")),
    }


# People, not records, for the trainings and events.
PEOPLE_IN_MARCH = {"trainers_trained": (6, 16), "dissemination_attendees": (150, 150)}


async def measured(
    sessions: Sessions,
    period: Period = MARCH,
    filters: Filters = indicators.NO_FILTERS,
    *,
    with_ids: bool = False,
) -> dict[str, indicators.Measurement]:
    async with sessions() as session:
        found = await measure(
            session,
            scope=Scope(period=period, programme_start=START, filters=filters),
            programme=PROGRAMME,
            with_ids=with_ids,
        )
    return {m.indicator.key: m for m in found}


async def test_every_indicator_counts_what_it_says_in_the_period_and_since_the_start(
    world: World,
) -> None:
    expected = expected_in_march(world)
    assert set(expected) == set(BY_KEY), "every indicator is worked out by hand here"
    with_ids = await measured(world.sessions, with_ids=True)
    values = await measured(world.sessions)
    for key, (in_period, cumulative) in expected.items():
        people = PEOPLE_IN_MARCH.get(key, (len(in_period), len(cumulative)))
        found = with_ids[key]
        assert (found.period.ids, found.cumulative.ids) == (in_period, cumulative), key
        assert (found.period.value, found.cumulative.value) == people, key
        # The one-statement count says the same as the records.
        assert (values[key].period.value, values[key].cumulative.value) == people, key
        assert values[key].period.ids == values[key].cumulative.ids == ()


async def test_targets_come_from_the_settings(world: World) -> None:
    found = await measured(world.sessions)
    assert found["candidates_started"].target == 300
    assert found["candidates_started"].percent == 1  # 3 of 300
    assert found["partners_major_companies"].target == 10
    assert found["partners_major_companies"].percent == 20
    assert found["partners_other_organisations"].percent == 50  # 2 of 4
    assert found["placements_started"].target == 4
    assert found["placements_started"].percent == 75  # 3 of 4
    assert found["trainers_trained"].percent == 23  # 16 of 70
    assert found["long_term_clients"].target == 0
    assert found["long_term_clients"].percent is None  # no target set
    assert BY_KEY["long_term_clients"].target_variable == "ISOK_TARGET_LONG_TERM_CLIENTS"
    assert BY_KEY["candidates_placed"].target_variable is None


async def test_a_period_before_the_programme_began_and_one_across_its_start(world: World) -> None:
    before = await measured(world.sessions, Period(DAY(2025, 1, 1), DAY(2025, 12, 31)))
    # K5 became a client and began validation in 2025; the cumulative figures start on
    # 2026-01-01, so they are empty then, except the partners (O1 was a partner by then).
    assert before["long_term_clients"].period.value == 1
    assert before["candidates_started"].period.value == 1
    assert before["long_term_clients"].cumulative.value == 0
    assert before["partners_major_companies"].period.value == 1
    assert before["partners_major_companies"].cumulative.value == 1
    assert before["dissemination_attendees"].period.value == 30
    assert before["dissemination_attendees"].cumulative.value == 0
    across = await measured(world.sessions, Period(DAY(2025, 12, 1), DAY(2026, 4, 30)))
    assert across["long_term_clients"].period.value == 3  # K1, K4, K5
    assert across["long_term_clients"].cumulative.value == 2  # K1, K4
    assert across["placements_started"].period.value == 4  # and PL5 on 1 April
    assert across["candidates_placed"].period.value == 3  # K1, K4, K5
    assert across["candidates_started"].period.value == 5  # everyone, K3 on 1 April
    assert across["partners_other_organisations"].period.value == 3  # O3, O4, O7


async def test_a_one_day_period_on_each_boundary(world: World) -> None:
    first = await measured(world.sessions, Period(DAY(2026, 3, 1), DAY(2026, 3, 1)))
    assert first["candidates_started"].period.value == 1  # K1's claim at 00:30
    assert first["partners_major_companies"].period.value == 1  # O2 at 00:30
    assert first["placements_started"].period.value == 1  # PL1
    assert first["dissemination_attendees"].period.value == 100  # E1
    last = await measured(world.sessions, Period(DAY(2026, 3, 31), DAY(2026, 3, 31)))
    assert last["candidates_started"].period.value == 1  # K2's interview at 23:30
    assert last["partners_other_organisations"].period.value == 1  # O3 at 23:30
    assert last["placements_started"].period.value == 1  # PL2
    assert last["outcomes_employment_long"].period.value == 1  # OU1
    assert last["trainers_trained"].period.value == 6  # T1 ended that day
    april = await measured(world.sessions, Period(DAY(2026, 4, 1), DAY(2026, 4, 1)))
    assert april["candidates_started"].period.value == 1  # K3 at 00:10
    assert april["partners_other_organisations"].period.value == 1  # O4 at 00:10
    assert april["certificates_issued"].period.value == 0


@pytest.mark.parametrize(
    ("filters", "counts"),
    [
        # Anna's candidates: K1, K2, K5.
        (
            Filters(counsellor_id=-1),
            {
                "candidates_started": (2, 2),
                "long_term_clients": (1, 1),
                "short_term_clients": (1, 1),
                "placements_started": (2, 2),
                "candidates_placed": (1, 1),
                "assessments_completed": (1, 1),
                "certificates_issued": (1, 1),
                "certificates_revoked": (0, 0),
                "outcomes": (2, 2),
            },
        ),
        # North Savo: K1, K2, K3.
        (
            Filters(region="North Savo"),
            {"candidates_started": (2, 2), "long_term_clients": (1, 1), "outcomes": (2, 2)},
        ),
        # The field of LOG: placed in P1 (K1, K4, K5) or claiming c1 (K1, K3). Filters
        # choose candidates: K1's placement in CLE counts too.
        (
            Filters(field="LOG"),
            {
                "candidates_started": (1, 2),
                "placements_started": (2, 3),
                "certificates_issued": (1, 2),
                "certificates_revoked": (1, 1),
                "outcomes": (2, 3),
            },
        ),
        # CLE: placed in P2 (K1, K2 agreed) or claiming c2 (K4, K5).
        (Filters(field="CLE"), {"candidates_started": (2, 3), "short_term_clients": (1, 1)}),
        # Ben's candidates in North Savo: K3 alone, who began in April.
        (
            Filters(counsellor_id=-2, region="North Savo"),
            {"candidates_started": (0, 0), "short_term_clients": (0, 0)},
        ),
        (Filters(region="Lapland"), {"candidates_started": (0, 0), "outcomes": (0, 0)}),
    ],
)
async def test_the_filters_choose_candidates_and_leave_the_rest(
    world: World, filters: Filters, counts: dict[str, tuple[int, int]]
) -> None:
    counsellors = {-1: world["anna"], -2: world["ben"]}
    if filters.counsellor_id is not None:
        filters = Filters(counsellors[filters.counsellor_id], filters.region, filters.field)
    found = await measured(world.sessions, filters=filters, with_ids=True)
    for key, values in counts.items():
        assert (found[key].period.value, found[key].cumulative.value) == values, key
        assert found[key].filtered
    counted = await measured(world.sessions, filters=filters)
    assert {key: (m.period.value, m.cumulative.value) for key, m in counted.items()} == {
        key: (m.period.value, m.cumulative.value) for key, m in found.items()
    }
    # Partners, trainings and events are not the candidates': the filters leave them.
    assert (
        found["partners_major_companies"].period.value,
        found["trainers_trained"].period.value,
        found["dissemination_attendees"].period.value,
    ) == (1, 6, 150)
    assert not found["trainers_trained"].filtered


async def test_a_region_with_a_letter_beyond_ascii(world: World) -> None:
    """K5 can work in Åland alone (the JSON list is compared as text on both databases)."""
    found = await measured(
        world.sessions,
        Period(DAY(2025, 1, 1), DAY(2026, 12, 31)),
        Filters(region="Åland"),
        with_ids=True,
    )
    assert found["long_term_clients"].period.ids == world.of("K5")
    assert found["placements_started"].period.ids == world.of("PL5")


async def test_the_funnel_follows_the_clients_of_the_period(world: World) -> None:
    steps = [
        ("portfolio", indicators.CLAIMS),
        ("interview", indicators.COMPLETED_INTERVIEWS),
        ("placement", indicators.PLACEMENTS_STARTED),
        ("assessment", indicators.ASSESSMENTS_COMPLETED),
        ("certificate", indicators.CERTIFICATES_ISSUED),
        ("outcome", indicators.OUTCOMES),
    ]
    async with world.sessions() as session:
        march = await funnel(session, period=MARCH, steps=steps)
        # K1 and K2 became clients in March: K1 went the whole way; K2 was interviewed (at
        # 23:30 on the last day), has no claim, and its placement is only agreed.
        assert march == {
            "clients": 2,
            "portfolio": 1,
            "interview": 2,
            "placement": 1,
            "assessment": 1,
            "certificate": 1,
            "outcome": 1,
        }
        # K4 (a client since February) was placed in February and certified then too.
        spring = await funnel(
            session, period=Period(DAY(2026, 2, 1), DAY(2026, 3, 31)), steps=steps
        )
        assert spring == {
            "clients": 3,
            "portfolio": 2,
            "interview": 2,
            "placement": 2,
            "assessment": 2,
            "certificate": 2,
            "outcome": 2,
        }
        # By the end of February K4 had all of that but an outcome (OU5 began 1 Feb).
        february = await funnel(
            session, period=Period(DAY(2026, 2, 1), DAY(2026, 2, 28)), steps=steps
        )
        assert february == {
            "clients": 1,
            "portfolio": 1,
            "interview": 0,
            "placement": 1,
            "assessment": 1,
            "certificate": 1,
            "outcome": 1,
        }
        bens = await funnel(
            session, period=MARCH, steps=steps, filters=Filters(counsellor_id=world["ben"])
        )
        assert set(bens.values()) == {0}


async def test_monthly_counts(world: World) -> None:
    months = months_ending(DAY(2026, 3, 31), 3)
    assert months == [DAY(2026, 1, 1), DAY(2026, 2, 1), DAY(2026, 3, 1)]
    async with world.sessions() as session:
        series = await monthly(
            session,
            sources=[
                ("clients", indicators.CLIENTS),
                ("placements", indicators.PLACEMENTS_STARTED),
                ("certificates", indicators.CERTIFICATES_ISSUED),
                ("outcomes", indicators.OUTCOMES),
                ("started", indicators.CANDIDATES_STARTED),
            ],
            months=months,
        )
        assert {line.key: line.values for line in series} == {
            "clients": (0, 1, 2),  # K4 on 28 Feb; K1, K2
            "placements": (0, 1, 2),  # PL3; PL1, PL2
            "certificates": (0, 1, 1),  # C3; C1
            "outcomes": (0, 1, 2),  # OU5; OU1, OU2
            "started": (0, 1, 2),  # K4; K1, K2
        }
        annas = await monthly(
            session,
            sources=[("clients", indicators.CLIENTS)],
            months=months_ending(DAY(2026, 4, 30), 5),
            filters=Filters(counsellor_id=world["anna"]),
        )
        assert annas[0].values == (1, 0, 0, 2, 0)  # K5 in December; K1, K2 in March


def test_reporting_periods_follow_on_from_the_start() -> None:
    start = DAY(2026, 1, 1)
    assert reporting_period(DAY(2026, 1, 1), start) == Period(DAY(2026, 1, 1), DAY(2026, 6, 30))
    assert reporting_period(DAY(2026, 6, 30), start) == Period(DAY(2026, 1, 1), DAY(2026, 6, 30))
    assert reporting_period(DAY(2026, 11, 30), start) == Period(DAY(2026, 7, 1), DAY(2026, 12, 31))
    assert reporting_period(DAY(2025, 12, 31), start) == Period(DAY(2025, 7, 1), DAY(2025, 12, 31))
    assert reporting_period(DAY(2031, 2, 3), start) == Period(DAY(2031, 1, 1), DAY(2031, 6, 30))
    late = DAY(2025, 8, 31)  # a start on the 31st: the periods end the day before the next
    assert reporting_period(DAY(2026, 3, 1), late) == Period(DAY(2026, 2, 28), DAY(2026, 8, 30))
    assert add_months(DAY(2026, 1, 31), 1) == DAY(2026, 2, 28)
    assert add_months(DAY(2026, 1, 15), -13) == DAY(2024, 12, 15)


def test_a_period_must_be_in_order_and_in_range() -> None:
    with pytest.raises(ValueError, match="not a period"):
        Period(DAY(2026, 3, 2), DAY(2026, 3, 1))
    with pytest.raises(ValueError, match="not a period"):
        Period(DAY(2026, 3, 1), DAY(9999, 12, 31))


def test_each_indicator_is_defined_in_words() -> None:
    keys = [indicator.key for indicator in INDICATORS]
    assert len(keys) == len(set(keys))
    for indicator in INDICATORS:
        assert all((indicator.name, indicator.definition, indicator.counts, indicator.dated_by))
        if indicator.target_setting is not None:
            assert hasattr(ProgrammeSettings(), indicator.target_setting)
