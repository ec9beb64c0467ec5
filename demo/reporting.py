"""Demo results (``isok demo seed``): what followed for the candidates who finished, the
trainer trainings, the dissemination events and the ESF+ participant data.

- **Earlier rounds.** Besides the demo's completed placement 3 (its candidate is the certified
  one), five clients of the demo counsellor at the assessment stage finished an eight-week
  placement 4 to 7 months ago at other partners (:data:`EARLIER_ROUNDS`), with the demo
  counsellor and teacher, who both submitted their ratings in the placement's last week
  (through the assessment services, then dated then). Those positions name no workplace tutor,
  so the consensus waits for the tutor's rating, and nothing is owed on the staff's home
  pages. The placements come from no decision on a suggestion (arranged by phone before the
  match review was used): the match review's story stays as :mod:`demo.placements` tells it.
- **Outcomes**, one for each of these six candidates (:data:`EARLIER_ROUNDS`,
  :data:`CERTIFIED_FOLLOWED`), checked by :func:`reporting.outcomes.check_outcome` and dated
  when the counsellor recorded them: the certified candidate was hired by the placement's
  employer; the others found short-term work, started vocational education, had their studies
  shortened by two recognised units, found a permanent job with another partner, or have
  "none yet". Two follow-ups are due, so the demo counsellor's home page shows them: a
  3-month one (a "none yet" recorded before the 3 months were up) and a 6-month one (a summer
  job recorded at the 3-month follow-up).
- **Two pilot trainings** (18 and 21 people) and **six dissemination events**, five held
  (356 attendees of the target of 620) and one still to come (not counted yet).
- **Participant data** for every candidate with a counsellor but the fixed first one (kept
  unrecorded: the coordinator's tour records it, README), drawn from ``random.Random(2028)``
  and checked by :func:`reporting.participants.validate`; about one in twenty-five disclosed
  nothing. The invented people's gender agrees with their invented given names
  (:data:`demo.candidates.BACKGROUNDS`).
- **One frozen report**: the last six-month period that has ended (from
  ``ISOK_REPORTING_START``), drafted with its qualitative part (:data:`FROZEN_REPORT_TEXT`) and
  frozen by the coordinator through :func:`reporting.reports.freeze`, as on the page; the
  current period is left for the coordinator's tour to draft. None while no period has ended.

Dates are relative to today in programme time (:func:`kit.clock.today`). Idempotent: each part
is added only while the database has none of it (earlier rounds: a completed placement that
came from no decision).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from sqlalchemy import exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from assessments import plan, ratings
from assessments.access import Assessor
from assessments.models import AssessorRole, RatingSheet
from assessments.ratings import RatingInput
from candidates.consent import shares_with_employers
from candidates.models import Candidate, Claim, Interview, InterviewStatus, Stage
from competences.models import Competence, Framework, Unit
from demo.candidates import BACKGROUNDS
from employers.models import Organisation
from kit import clock
from kit.roles import viewer_for
from kit.settings import ProgrammeSettings
from placements.models import MonitoringVisit, Placement, PlacementStatus, Position, PositionStatus
from reporting import participants, reports
from reporting.activities import EventInput, TrainingInput, check_event, check_training
from reporting.follow_ups import add_months
from reporting.models import (
    AgeBand,
    DisseminationEvent,
    EventKind,
    Gender,
    IscedLevel,
    LabourMarketStatus,
    Outcome,
    OutcomeKind,
    OutcomeSource,
    ParticipantData,
    Report,
    Training,
)
from reporting.outcomes import OutcomeInput, check_outcome

SEED = 2028
COUNSELLOR_EMAIL = "counsellor@demo.test"
TEACHER_EMAIL = "teacher@demo.test"
COORDINATOR_EMAIL = "coordinator@demo.test"
TUTOR_EMAIL = "tutor@demo.test"
FIRST_CANDIDATE = 1  # the fixed example (demo/candidates.py): its participant data is not recorded
PLACEMENT_WEEKS = 8


# --- Earlier rounds and what followed ---------------------------------------------------------


@dataclass(frozen=True)
class Followed:
    """An outcome, dated from the end of the placement.

    ``employer``: ``"placement"`` for the placement's employer, else a partner's name (linked)
    or, when no partner has it, a name as text. ``recorded``: (months, days) after the end.
    """

    kind: OutcomeKind
    source: OutcomeSource
    recorded: tuple[int, int]
    starts_after_days: int = 0
    lasts_months: int | None = None  # None: until further notice
    employer: str = ""
    units: tuple[str, ...] = ()
    source_note: str = ""
    note: str = ""


@dataclass(frozen=True)
class EarlierRound:
    """A placement that ended ``ended_months_ago`` months ago, and what followed it."""

    field: str  # the framework code; the candidate claims its outcomes
    organisation: str
    position: str  # the title of one of the organisation's positions
    ended_months_ago: int
    followed: Followed


EARLIER_ROUNDS: tuple[EarlierRound, ...] = (
    EarlierRound(
        "LOG",
        "Itä-Suomen Kauppakeskus Oyj",
        "Warehouse worker",
        4,
        # Recorded before the 3 months were up: the 3-month follow-up is due.
        Followed(
            OutcomeKind.NONE_YET,
            OutcomeSource.COUNSELLOR,
            (0, 12),
            source_note="Final meeting after the on-the-job training",
            note="Applying for warehouse jobs; a forklift course starts in the autumn.",
        ),
    ),
    EarlierRound(
        "CLE",
        "Puhtaus Oy Pohjois-Karjala",
        "Cleaner",
        7,
        # Recorded at the 3-month follow-up: the 6-month one is due.
        Followed(
            OutcomeKind.EMPLOYMENT_SHORT,
            OutcomeSource.CANDIDATE,
            (3, 3),
            starts_after_days=14,
            lasts_months=3,
            employer="placement",
            source_note="Phone call at the 3-month follow-up",
            note="Summer substitute on the evening cleaning route.",
        ),
    ),
    EarlierRound(
        "LOG",
        "Itä-Suomen Kauppakeskus Oyj",
        "Order picker",
        5,
        Followed(
            OutcomeKind.EDUCATION,
            OutcomeSource.CANDIDATE,
            (3, 6),
            starts_after_days=40,
            source_note="Meeting at the 3-month follow-up",
            note="Started the vocational qualification in logistics at Savon ammattiopisto, "
            "in adult education.",
        ),
    ),
    EarlierRound(
        "CLE",
        "Pohjois-Savon hyvinvointialue, laitoshuolto",
        "Cleaner",
        5,
        Followed(
            OutcomeKind.STUDIES_SHORTENED,
            OutcomeSource.REGISTER,
            (3, 5),
            starts_after_days=60,
            units=("CLE-U1", "CLE-U2"),
            source_note="The college's decision on recognising prior learning",
            note="Qualification in cleaning and property services: two units recognised from "
            "the on-the-job training, the studies about five months shorter.",
        ),
    ),
    EarlierRound(
        "CAT",
        "Kuopion kaupunki, ruokapalvelut",
        "Kitchen assistant",
        4,
        Followed(
            OutcomeKind.EMPLOYMENT_LONG,
            OutcomeSource.EMPLOYER,
            (3, 2),
            starts_after_days=30,
            employer="Lounaskeittiö Aamu Oy",
            source_note="E-mail from the employer",
            note="Cook's assistant, permanent part-time contract (30 hours a week).",
        ),
    ),
)
# The certified candidate (placement 3, completed four weeks ago): hired by the placement's
# employer two weeks after the placement ended.
CERTIFIED_FOLLOWED = Followed(
    OutcomeKind.EMPLOYMENT_LONG,
    OutcomeSource.EMPLOYER,
    (0, 16),
    starts_after_days=14,
    employer="placement",
    source_note="The workplace tutor, at the final assessment meeting",
    note="Permanent full-time contract in two shifts: hired after the on-the-job training.",
)
TEACHER_GRADES = (3, 4, 3, 3, 4)
COUNSELLOR_GRADES = (3, 4, 4, 3, 4)
VISIT_NOTE = (
    "Visited the workplace with the candidate's supervisor: settled in well, works "
    "independently in the routine tasks; Finnish work vocabulary growing."
)


def _friday_on_or_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=(day.weekday() - 4) % 7)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=datetime.UTC)


@dataclass
class DemoResults:
    """What :func:`seed_demo_results` added."""

    placements: int = 0
    assessments: int = 0  # placements whose ratings were added
    outcomes: int = 0
    trainings: int = 0
    events: int = 0
    participants: int = 0
    reports: int = 0  # frozen


@dataclass
class _People:
    counsellor: User
    teacher: User
    coordinator: User


async def _people(session: AsyncSession) -> _People | None:
    emails = (COUNSELLOR_EMAIL, TEACHER_EMAIL, COORDINATOR_EMAIL)
    found = {
        user.email: user
        for user in (await session.scalars(select(User).where(User.email.in_(emails)))).all()
    }
    if set(found) != set(emails):
        return None
    return _People(found[COUNSELLOR_EMAIL], found[TEACHER_EMAIL], found[COORDINATOR_EMAIL])


async def _eligible(
    session: AsyncSession, counsellor_id: int
) -> list[tuple[int, str, datetime.date]]:
    """(candidate id, field, day of the first completed interview) of the demo counsellor's
    clients at the assessment stage who were never placed and share their profile with
    employers, by id."""
    interviewed = (
        select(Interview.candidate_id, func.min(Interview.completed_at).label("at"))
        .where(
            Interview.status == InterviewStatus.COMPLETED.value,
            Interview.completed_at.is_not(None),
        )
        .group_by(Interview.candidate_id)
        .subquery()
    )
    fields = (
        select(Claim.candidate_id, func.min(Framework.code).label("code"))
        .join(Competence, Competence.id == Claim.competence_id)
        .join(Unit, Unit.id == Competence.unit_id)
        .join(Framework, Framework.id == Unit.framework_id)
        .group_by(Claim.candidate_id)
        .subquery()
    )
    rows = await session.execute(
        select(Candidate.id, fields.c.code, interviewed.c.at)
        .join(fields, fields.c.candidate_id == Candidate.id)
        .join(interviewed, interviewed.c.candidate_id == Candidate.id)
        .where(
            Candidate.counsellor_id == counsellor_id,
            Candidate.stage == Stage.ASSESSMENT.value,
            ~exists().where(Placement.candidate_id == Candidate.id),
            shares_with_employers(),
        )
        .order_by(Candidate.id)
    )
    eligible = []
    for candidate_id, code, at in rows.tuples().all():
        if at.tzinfo is None:
            at = at.replace(tzinfo=datetime.UTC)
        eligible.append(
            (int(candidate_id), str(code), at.astimezone(clock.PROGRAMME_TIMEZONE).date())
        )
    return eligible


async def _positions(session: AsyncSession) -> dict[tuple[str, str], Position]:
    rows = await session.execute(
        select(Organisation.name, Position)
        .join(Position, Position.organisation_id == Organisation.id)
        .order_by(Position.id)
    )
    found: dict[tuple[str, str], Position] = {}
    for name, position in rows.tuples().all():
        found.setdefault((str(name), position.title), position)
    return found


async def _rate(
    session: AsyncSession, placement: Placement, people: _People, ended: datetime.date
) -> None:
    """The teacher's and the counsellor's ratings, submitted in the placement's last week."""
    await plan.ensure_plan(session, placement=placement)
    ids = await plan.plan_competence_ids(session, placement_id=placement.id)
    if not ids:
        return
    for user, role, grades in (
        (people.teacher, AssessorRole.TEACHER, TEACHER_GRADES),
        (people.counsellor, AssessorRole.COUNSELLOR, COUNSELLOR_GRADES),
    ):
        assessor = Assessor(role=role, user_id=user.id, name=user.name)
        given = [
            RatingInput(competence_id=competence_id, grade=grades[index % len(grades)])
            for index, competence_id in enumerate(ids)
        ]
        await ratings.save_draft(session, placement=placement, assessor=assessor, ratings=given)
        await ratings.submit(session, placement=placement, assessor=assessor, tell=False)
    submitted = _at(ended - datetime.timedelta(days=2), 11)
    await session.execute(
        update(RatingSheet)
        .where(RatingSheet.placement_id == placement.id)
        .values(created_at=submitted, updated_at=submitted, submitted_at=submitted)
        .execution_options(synchronize_session=False)
    )


async def _earlier_rounds(
    session: AsyncSession, people: _People, today: datetime.date, report: DemoResults
) -> list[tuple[Placement, Followed]]:
    """Add the earlier rounds' placements (with their ratings) unless they exist."""
    made_by_hand = exists().where(
        Placement.status == PlacementStatus.COMPLETED.value, Placement.decision_id.is_(None)
    )
    if await session.scalar(select(made_by_hand)):
        return []
    eligible = await _eligible(session, people.counsellor.id)
    positions = await _positions(session)
    added: list[tuple[Placement, Followed]] = []
    used: set[int] = set()
    for story in EARLIER_ROUNDS:
        position = positions.get((story.organisation, story.position))
        ended = _friday_on_or_before(add_months(today, -story.ended_months_ago))
        started = ended - datetime.timedelta(weeks=PLACEMENT_WEEKS) + datetime.timedelta(days=3)
        # Interviewed at least a week before the placement began.
        candidate_id = next(
            (
                cid
                for cid, code, interviewed in eligible
                if code == story.field
                and cid not in used
                and interviewed <= started - datetime.timedelta(days=7)
            ),
            None,
        )
        if position is None or candidate_id is None:
            continue
        used.add(candidate_id)
        taken = int(
            await session.scalar(
                select(func.count(Placement.id)).where(
                    Placement.position_id == position.id,
                    Placement.status != PlacementStatus.INTERRUPTED.value,
                )
            )
            or 0
        )
        agreed = _at(started - datetime.timedelta(days=14), 9)
        placement = Placement(
            candidate_id=candidate_id,
            position_id=position.id,
            organisation_id=position.organisation_id,
            place_number=taken + 1,
            counsellor_id=people.counsellor.id,
            teacher_id=people.teacher.id,
            start_date=started,
            end_date=ended,
            status=PlacementStatus.COMPLETED.value,
            created_at=agreed,
            updated_at=_at(ended, 15),
        )
        session.add(placement)
        await session.flush()
        session.add(
            MonitoringVisit(
                placement_id=placement.id,
                visited_on=started + datetime.timedelta(weeks=3),
                visitor_id=people.counsellor.id,
                notes=VISIT_NOTE,
            )
        )
        if taken + 1 >= position.places:
            position.status = PositionStatus.FILLED.value
        await _rate(session, placement, people, ended)
        report.placements += 1
        report.assessments += 1
        added.append((placement, story.followed))
    await session.flush()
    return added


async def _certified_round(session: AsyncSession) -> Placement | None:
    """Placement 3: the first completed placement tutored by the demo tutor."""
    found: Placement | None = await session.scalar(
        select(Placement)
        .join(User, User.id == Placement.tutor_id)
        .where(User.email == TUTOR_EMAIL, Placement.status == PlacementStatus.COMPLETED.value)
        .order_by(Placement.id)
    )
    return found


async def _outcomes(
    session: AsyncSession,
    rounds: list[tuple[Placement, Followed]],
    people: _People,
    today: datetime.date,
) -> int:
    """Record what followed each round, unless any outcome is recorded."""
    if await session.scalar(select(exists().where(Outcome.id.is_not(None)))):
        return 0
    units = dict((await session.execute(select(Unit.code, Unit.id))).tuples().all())
    organisations = dict(
        (await session.execute(select(Organisation.name, Organisation.id))).tuples().all()
    )
    added = 0
    for placement, followed in rounds:
        assert placement.end_date is not None
        ended = placement.end_date
        recorded = add_months(ended, followed.recorded[0]) + datetime.timedelta(
            days=followed.recorded[1]
        )
        organisation_id: int | None = None
        employer_name = ""
        if followed.employer == "placement":
            organisation_id = placement.organisation_id
        elif followed.employer in organisations:
            organisation_id = int(organisations[followed.employer])
        else:
            employer_name = followed.employer
        starts_on = ended + datetime.timedelta(days=followed.starts_after_days)
        none_yet = followed.kind == OutcomeKind.NONE_YET
        data = await check_outcome(
            session,
            OutcomeInput(
                kind=followed.kind.value,
                source=followed.source.value,
                starts_on=None if none_yet else starts_on,
                ends_on=(
                    add_months(starts_on, followed.lasts_months) - datetime.timedelta(days=1)
                    if followed.lasts_months
                    else None
                ),
                employer_name=employer_name,
                organisation_id=organisation_id,
                unit_ids=tuple(int(units[code]) for code in followed.units if code in units),
                source_note=followed.source_note,
                note=followed.note,
            ),
            today=today,
        )
        at = min(_at(recorded, 12), clock.now())
        session.add(
            Outcome(
                candidate_id=placement.candidate_id,
                kind=data.kind,
                source=data.source,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                employer_name=data.employer_name,
                organisation_id=data.organisation_id,
                units_recognised=list(data.unit_ids),
                source_note=data.source_note,
                note=data.note,
                recorded_by_id=people.counsellor.id,
                created_at=at,
                updated_at=at,
            )
        )
        added += 1
    await session.flush()
    return added


# --- Trainings and events ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTraining:
    title: str
    organisation: str  # linked when an organisation of that name is in the portal
    months_ago: int
    days: int
    counsellors: int
    teachers: int
    others: int
    note: str


TRAININGS = (
    DemoTraining(
        "Maahanmuuttajien osaamisen tunnistaminen: ISOK-malli",
        "Savon ammattiopisto",
        8,
        3,
        counsellors=5,
        teachers=10,
        others=3,
        note="Polku ohjauksesta todistukseen, opettajan haastattelu ja arviointi "
        "ammattitaitovaatimuksia vasten kolmikantaisesti. Muut: opinto-ohjaajat.",
    ),
    DemoTraining(
        "Ohjaus ja arviointi monikulttuurisessa työpaikassa",
        "Joensuun seudun työllisyyspalvelut",
        4,
        2,
        counsellors=12,
        teachers=3,
        others=6,
        note="Työllisyyspalvelujen uraohjaajille ja kumppaniyritysten työpaikkaohjaajille "
        "(muut): selkokieliset ohjeet ja työpaikkaohjaajan arviointi.",
    ),
)


@dataclass(frozen=True)
class DemoEvent:
    title: str
    kind: EventKind
    days_ago: int  # negative: still to come
    audience: str
    attendees: int
    note: str = ""


EVENTS = (
    DemoEvent(
        "ISOK-malli: maahanmuuttajien osaamisen tunnistaminen",
        EventKind.SEMINAR,
        300,
        "Pohjois-Savon työnantajat, ammattiopistot ja työllisyyspalvelut",
        85,
        "Hankkeen avausseminaari Kuopiossa.",
    ),
    DemoEvent(
        "Suomea vasta opettelevan harjoittelijan ohjaaminen",
        EventKind.WORKSHOP,
        215,
        "Kumppaniyritysten työpaikkaohjaajat",
        24,
    ),
    DemoEvent(
        "Hankkeen osasto Joensuun rekrytointimessuilla",
        EventKind.FAIR,
        180,
        "Työnhakijat ja työnantajat",
        140,
        "Keskustelut osastolla, henkilökunnan laskemina.",
    ),
    DemoEvent(
        "Aiemmin hankitun osaamisen tunnistaminen: webinaari ammattiopettajille",
        EventKind.WEBINAR,
        95,
        "Itä-Suomen ammattiopettajat",
        62,
    ),
    DemoEvent(
        "Maahanmuuttajien osaamisen tunnistaminen käytännössä",
        EventKind.CONFERENCE,
        60,
        "Valtakunnallinen tunnistamisen verkosto",
        45,
        "ISOK-mallin ja sen ensimmäisten tulosten esittely.",
    ),
    DemoEvent(
        "Ensimmäisen vuoden tulokset",
        EventKind.SEMINAR,
        -21,
        "Ohjausryhmä, kumppaniorganisaatiot ja rahoittaja",
        0,
        "Suunnitteilla; ilmoittautuminen auki.",
    ),
)


async def _trainings(session: AsyncSession, today: datetime.date) -> int:
    if await session.scalar(select(exists().where(Training.id.is_not(None)))):
        return 0
    organisations = dict(
        (await session.execute(select(Organisation.name, Organisation.id))).tuples().all()
    )
    for demo in TRAININGS:
        starts_on = add_months(today, -demo.months_ago)
        starts_on -= datetime.timedelta(days=starts_on.weekday())  # a Monday
        data = await check_training(
            session,
            data=TrainingInput(
                title=demo.title,
                organisation_name=demo.organisation,
                organisation_id=organisations.get(demo.organisation),
                starts_on=starts_on,
                ends_on=starts_on + datetime.timedelta(days=demo.days - 1),
                counsellors=demo.counsellors,
                teachers=demo.teachers,
                others=demo.others,
                note=demo.note,
            ),
        )
        assert data.starts_on is not None  # checked
        assert data.ends_on is not None
        at = _at(data.ends_on, 14)
        session.add(
            Training(
                title=data.title,
                organisation_name=data.organisation_name,
                organisation_id=data.organisation_id,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
                counsellors=data.counsellors or 0,
                teachers=data.teachers or 0,
                others=data.others or 0,
                note=data.note,
                created_at=at,
                updated_at=at,
            )
        )
    await session.flush()
    return len(TRAININGS)


async def _events(session: AsyncSession, today: datetime.date) -> int:
    if await session.scalar(select(exists().where(DisseminationEvent.id.is_not(None)))):
        return 0
    for demo in EVENTS:
        held_on = today - datetime.timedelta(days=demo.days_ago)
        data = check_event(
            EventInput(
                title=demo.title,
                held_on=held_on,
                kind=demo.kind.value,
                audience=demo.audience,
                attendees=demo.attendees,
                note=demo.note,
            )
        )
        assert data.held_on is not None  # checked
        assert data.kind is not None
        # Recorded the day after; an event still to come, a month ago when it was planned.
        recorded_on = held_on + datetime.timedelta(days=1)
        if held_on >= today:
            recorded_on = today - datetime.timedelta(days=30)
        at = _at(recorded_on)
        session.add(
            DisseminationEvent(
                held_on=data.held_on,
                title=data.title,
                kind=data.kind,
                audience=data.audience,
                attendees=data.attendees or 0,
                note=data.note,
                created_at=at,
                updated_at=at,
            )
        )
    await session.flush()
    return len(EVENTS)


# --- Participant data ---------------------------------------------------------------------------

_WOMEN = {name for background in BACKGROUNDS for name in background.women}
_EU_CITIZENS = {name for b in BACKGROUNDS if b.home == "et" for name in (*b.women, *b.men)}


def _choice(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in weighted], weights=[w for _, w in weighted])[0]


def _yes_no(rng: random.Random, yes: int, no: int, undisclosed: int) -> str:
    return _choice(
        rng,
        (
            (participants.YES, yes),
            (participants.NO, no),
            (participants.NOT_DISCLOSED, undisclosed),
        ),
    )


LABOUR_MARKET = (
    (LabourMarketStatus.UNEMPLOYED.value, 48),
    (LabourMarketStatus.LONG_TERM_UNEMPLOYED.value, 30),
    (LabourMarketStatus.INACTIVE.value, 15),
    (LabourMarketStatus.EMPLOYED.value, 5),
    (participants.NOT_DISCLOSED, 2),
)
AGE_BANDS = (
    (AgeBand.FROM_18_TO_29.value, 26),
    (AgeBand.FROM_30_TO_54.value, 66),
    (AgeBand.FROM_55.value, 7),
    (participants.NOT_DISCLOSED, 1),
)
ISCED = (
    (IscedLevel.ISCED_0_2.value, 34),
    (IscedLevel.ISCED_3_4.value, 38),
    (IscedLevel.ISCED_5_8.value, 22),
    (participants.NOT_DISCLOSED, 6),
)


def participant_values(rng: random.Random, name: str) -> dict[str, str]:
    """One invented participant's answers, as the form sends them ({} : nothing disclosed)."""
    if rng.random() < 0.04:
        return {}
    given = name.split(" ")[0]
    gender = Gender.WOMAN.value if given in _WOMEN else Gender.MAN.value
    if rng.random() < 0.03:
        gender = participants.NOT_DISCLOSED
    return {
        "labour_market_status": _choice(rng, LABOUR_MARKET),
        "age_band": _choice(rng, AGE_BANDS),
        "isced_level": _choice(rng, ISCED),
        "gender": gender,
        "disability": _yes_no(rng, 4, 85, 11),
        "third_country_national": participants.NO if given in _EU_CITIZENS else participants.YES,
        "foreign_background": participants.YES,
        "minority": _yes_no(rng, 5, 35, 60),
        "homeless": _yes_no(rng, 3, 90, 7),
    }


async def _participant_data(session: AsyncSession, people: _People, today: datetime.date) -> int:
    if await session.scalar(select(exists().where(ParticipantData.id.is_not(None)))):
        return 0
    rows = await session.execute(
        select(Candidate.id, Candidate.name, Candidate.client_since)
        .where(Candidate.counsellor_id.is_not(None), Candidate.id != FIRST_CANDIDATE)
        .order_by(Candidate.id)
    )
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    added = []
    for candidate_id, name, client_since in rows.tuples().all():
        values = participant_values(rng, str(name))
        # Given at entry: the first meeting or within two weeks of it.
        recorded_on = min(client_since + datetime.timedelta(days=rng.randint(0, 14)), today)
        columns = participants.validate(
            participants.ParticipantInput(
                values=values,
                legal_basis=participants.DEFAULT_LEGAL_BASIS,
                recorded_on=recorded_on,
            )
        )
        at = _at(recorded_on, 11)
        added.append(
            ParticipantData(
                candidate_id=candidate_id,
                recorded_by_id=people.coordinator.id,
                created_at=at,
                updated_at=at,
                **columns,
            )
        )
    session.add_all(added)
    await session.flush()
    return len(added)


# --- All of it ------------------------------------------------------------------------------


FROZEN_REPORT_TEXT = {
    "achievements": (
        "Viisi asiakasta suoritti työssäoppimisjakson kumppanityönantajalla, ja heidän "
        "opettajansa ja uraohjaajansa arvioivat heidät; ensimmäinen uraohjaajien ja opettajien "
        "pilottikoulutus pidettiin Savon ammattiopistossa."
    ),
    "empowerment": (
        "Asiakkaat kokosivat portfolionsa uraohjaajiensa kanssa ja kuvasivat osaamisensa omin "
        "sanoin ennen opettajien haastatteluja."
    ),
    "problems": (
        "Työpaikkaohjaajilla oli vähän aikaa arviointiin jakson viimeisellä viikolla; kahden "
        "kumppanin paikoille ei ollut nimetty työpaikkaohjaajaa."
    ),
    "next_steps": (
        "Nimetään työpaikkaohjaaja jokaiselle paikalle ennen jakson alkua ja pidetään toinen "
        "pilottikoulutus Pohjois-Karjalassa."
    ),
}


async def _frozen_report(
    session: AsyncSession, people: _People, programme: ProgrammeSettings, today: datetime.date
) -> int:
    """Draft and freeze the last period that has ended, unless any report exists."""
    if await session.scalar(select(exists().where(Report.id.is_not(None)))):
        return 0
    ended = [
        period
        for period in reports.periods(programme.reporting_start, today)
        if reports.has_ended(period, today)
    ]
    if not ended:
        return 0
    coordinator = viewer_for(people.coordinator)
    await reports.save_draft(
        session, viewer=coordinator, period=ended[-1], values=FROZEN_REPORT_TEXT
    )
    await reports.freeze(
        session, viewer=coordinator, period=ended[-1], programme=programme, today=today
    )
    return 1


async def seed_demo_results(
    session: AsyncSession, programme: ProgrammeSettings | None = None
) -> DemoResults:
    """Add whatever part of the demo results is missing (see the module's docstring).

    Needs the demo users and candidates; without them it adds nothing.
    """
    report = DemoResults()
    people = await _people(session)
    if people is None or not await session.scalar(
        select(exists().where(Candidate.id == FIRST_CANDIDATE))
    ):
        return report
    today = clock.today()
    rounds = await _earlier_rounds(session, people, today, report)
    certified = await _certified_round(session)
    if certified is not None and certified.end_date is not None:
        rounds.insert(0, (certified, CERTIFIED_FOLLOWED))
    report.outcomes = await _outcomes(session, rounds, people, today)
    report.trainings = await _trainings(session, today)
    report.events = await _events(session, today)
    report.participants = await _participant_data(session, people, today)
    await session.flush()
    report.reports = await _frozen_report(session, people, programme or ProgrammeSettings(), today)
    return report


__all__ = [
    "CERTIFIED_FOLLOWED",
    "EARLIER_ROUNDS",
    "EVENTS",
    "FROZEN_REPORT_TEXT",
    "TRAININGS",
    "DemoResults",
    "seed_demo_results",
]
