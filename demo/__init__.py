"""Demo data: the seven demo logins of CONTRACTS.md, a programme's worth of partners and
candidates at every stage, and the programme's results (``demo.reporting``).

Idempotent: running it again adds only what is missing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.models import User
from accounts.services import create_user
from competences.importers import read_json_framework
from competences.models import Framework
from competences.services import import_framework
from demo.assessments import seed_demo_assessments
from demo.candidates import seed_demo_candidates
from demo.certificates import (
    CANDIDATE_EMAIL as CANDIDATE_EMAIL,
)
from demo.certificates import (
    seed_demo_candidate_account,
    seed_demo_certificates,
)
from demo.placements import seed_demo_match_review, seed_demo_positions
from demo.readiness import seed_demo_readiness
from demo.reporting import seed_demo_results
from employers.business_id import with_check_digit
from employers.models import (
    Organisation,
    OrganisationKind,
    OrganisationSize,
    PartnershipStatus,
)
from kit.roles import Role
from kit.settings import Settings

DEMO_PASSWORD = "isok-demo"  # noqa: S105 - published demo password, see CONTRACTS.md
FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "competences" / "data"


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    digits: str  # seven digits; the check digit is computed
    kind: OrganisationKind
    sector: str
    municipality: str
    region: str
    status: PartnershipStatus = PartnershipStatus.PARTNER
    size: OrganisationSize = OrganisationSize.SMALL
    # Partners (and former partners): the agreement's start and end (None: until further
    # notice). The coordinator's decision is recorded as taken on the start date.
    agreement: tuple[datetime.date, datetime.date | None] | None = None
    reason: str = ""


DEMO_DECIDER = "Aino Koordinaattori <coordinator@demo.test>"


ORGANISATIONS = (
    # The first two have the demo employer logins.
    DemoOrganisation(
        "Savon Varastopalvelut Oy",
        "2734511",
        OrganisationKind.MAJOR_COMPANY,
        "Logistics",
        "Kuopio",
        "North Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)),
    ),
    DemoOrganisation(
        "Karjalan Kiinteistöhuolto Oy",
        "2846120",
        OrganisationKind.SME,
        "Property services",
        "Joensuu",
        "North Karelia",
        size=OrganisationSize.SMALL,
        agreement=(datetime.date(2025, 2, 1), None),
    ),
    DemoOrganisation(
        "Itä-Suomen Kauppakeskus Oyj",
        "1927365",
        OrganisationKind.MAJOR_COMPANY,
        "Retail logistics",
        "Kuopio",
        "North Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 3, 1), datetime.date(2027, 12, 31)),
    ),
    DemoOrganisation(
        "Järvi-Suomen Teollisuuspalvelut Oy",
        "2011458",
        OrganisationKind.MAJOR_COMPANY,
        "Industrial services",
        "Varkaus",
        "North Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 4, 15), datetime.date(2027, 6, 30)),
    ),
    DemoOrganisation(
        "Puhtaus Oy Pohjois-Karjala",
        "2559031",
        OrganisationKind.MAJOR_COMPANY,
        "Cleaning",
        "Joensuu",
        "North Karelia",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 5, 1), None),
    ),
    DemoOrganisation(
        "Ravintolaryhmä Saimaa Oy",
        "2473306",
        OrganisationKind.MAJOR_COMPANY,
        "Restaurants",
        "Mikkeli",
        "South Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 8, 1), datetime.date(2027, 12, 31)),
    ),
    DemoOrganisation(
        "Kuljetus Kallavesi Oy",
        "3012874",
        OrganisationKind.SME,
        "Transport",
        "Siilinjärvi",
        "North Savo",
        size=OrganisationSize.SMALL,
        agreement=(datetime.date(2025, 9, 1), None),
    ),
    DemoOrganisation(
        "Lounaskeittiö Aamu Oy",
        "3120559",
        OrganisationKind.SME,
        "Catering",
        "Iisalmi",
        "North Savo",
        size=OrganisationSize.MICRO,
        agreement=(datetime.date(2025, 10, 1), datetime.date(2026, 12, 31)),
    ),
    DemoOrganisation(
        "Kuopion kaupunki, ruokapalvelut",
        "0171613",
        OrganisationKind.PUBLIC_SECTOR,
        "Public catering",
        "Kuopio",
        "North Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 1, 15), None),
    ),
    DemoOrganisation(
        "Pohjois-Savon hyvinvointialue, laitoshuolto",
        "3221325",
        OrganisationKind.PUBLIC_SECTOR,
        "Hospital cleaning",
        "Kuopio",
        "North Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 6, 1), None),
    ),
    DemoOrganisation(
        "Monikulttuuriyhdistys Silta ry",
        "2288674",
        OrganisationKind.THIRD_SECTOR,
        "Association",
        "Joensuu",
        "North Karelia",
        size=OrganisationSize.MICRO,
        agreement=(datetime.date(2025, 3, 15), datetime.date(2027, 3, 14)),
    ),
    DemoOrganisation(
        "Savon ammattiopisto",
        "0245872",
        OrganisationKind.EDUCATION,
        "Vocational education",
        "Kuopio",
        "North Savo",
        size=OrganisationSize.LARGE,
        agreement=(datetime.date(2025, 1, 1), None),
    ),
    DemoOrganisation(
        "Rakennuspalvelu Nieminen Oy",
        "3300126",
        OrganisationKind.SME,
        "Construction services",
        "Mikkeli",
        "South Savo",
        PartnershipStatus.APPLIED,
        size=OrganisationSize.SMALL,
    ),
    # Applied with a name very like a partner's: the coordinator sees a possible duplicate.
    DemoOrganisation(
        "Kuljetus Kallavesi Ky",
        "3345127",
        OrganisationKind.SME,
        "Transport",
        "Kuopio",
        "North Savo",
        PartnershipStatus.APPLIED,
        size=OrganisationSize.MICRO,
    ),
    DemoOrganisation(
        "Pikasiivous Virtanen Tmi",
        "3190442",
        OrganisationKind.SME,
        "Cleaning",
        "Varkaus",
        "North Savo",
        PartnershipStatus.REJECTED,
        size=OrganisationSize.MICRO,
        reason="A sole trader without staff cannot name a workplace tutor for the training.",
    ),
    DemoOrganisation(
        "Kahvila Kuppi Oy",
        "2987613",
        OrganisationKind.SME,
        "Café",
        "Joensuu",
        "North Karelia",
        PartnershipStatus.INACTIVE,
        size=OrganisationSize.MICRO,
        agreement=(datetime.date(2025, 2, 1), datetime.date(2026, 6, 30)),
        reason="The café closed in June 2026.",
    ),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    organisation_index: int | None = None


USERS = (
    DemoUser("coordinator@demo.test", "Aino Koordinaattori", Role.COORDINATOR),
    DemoUser("counsellor@demo.test", "Mikko Ohjaaja", Role.COUNSELLOR),
    DemoUser("teacher@demo.test", "Leena Opettaja", Role.TEACHER),
    DemoUser("employer@demo.test", "Jari Työnantaja", Role.EMPLOYER, 0),
    DemoUser("employer2@demo.test", "Sari Esimies", Role.EMPLOYER, 1),
    DemoUser("tutor@demo.test", "Pekka Työpaikkaohjaaja", Role.TUTOR, 0),
    # Last, so that the other demo users keep their ids (tests name tutor@demo.test as 6).
    DemoUser("steering@demo.test", "Ritva Ohjausryhmä", Role.STEERING),
)


@dataclass
class SeedReport:
    organisations: int = 0
    users: int = 0
    frameworks: int = 0
    readiness_profiles: int = 0
    positions: int = 0
    candidates: int = 0
    decisions: int = 0  # on match suggestions
    placements: int = 0
    assessments: int = 0  # placements whose demo assessment was added
    certificates: int = 0
    outcomes: int = 0
    trainings: int = 0
    events: int = 0  # dissemination events
    participants: int = 0  # candidates whose ESF+ participant data was added
    reports: int = 0  # six-monthly reports frozen


async def database_is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count(User.id)))).scalar_one() == 0


SEED_STEPS = 10


async def seed(
    session: AsyncSession,
    settings: Settings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Add whatever part of the demo data is missing, in the session's transaction.

    ``settings`` name the certificates' issuer (the defaults when not given); ``progress`` is
    told ``(steps done, SEED_STEPS)`` after each of the steps (``isok demo seed`` shows it).
    """
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, SEED_STEPS)

    report = SeedReport()
    organisations: list[Organisation] = []
    for demo in ORGANISATIONS:
        business_id = with_check_digit(demo.digits)
        if business_id is None:
            raise ValueError(f"demo business ID digits {demo.digits} have no check digit")
        existing = (
            await session.execute(
                select(Organisation).where(Organisation.business_id == business_id)
            )
        ).scalar_one_or_none()
        if existing is None:
            existing = Organisation(
                name=demo.name,
                business_id=business_id,
                kind=demo.kind.value,
                sector=demo.sector,
                municipality=demo.municipality,
                region=demo.region,
                size=demo.size.value,
                status=demo.status.value,
                decision_reason=demo.reason,
            )
            if demo.status != PartnershipStatus.APPLIED:
                decided_on = demo.agreement[0] if demo.agreement else datetime.date(2025, 9, 15)
                existing.decided_at = datetime.datetime.combine(
                    decided_on, datetime.time(9, 0), tzinfo=datetime.UTC
                )
                existing.decided_by = DEMO_DECIDER
            if demo.agreement is not None:
                existing.agreement_start, existing.agreement_end = demo.agreement
            session.add(existing)
            report.organisations += 1
        organisations.append(existing)
    await session.flush()
    step()

    for demo_user in USERS:
        if (await session.execute(select(User.id).where(User.email == demo_user.email))).first():
            continue
        organisation = (
            organisations[demo_user.organisation_index]
            if demo_user.organisation_index is not None
            else None
        )
        await create_user(
            session,
            email=demo_user.email,
            name=demo_user.name,
            role=demo_user.role,
            password=DEMO_PASSWORD,
            organisation=organisation,
        )
        report.users += 1
    step()

    existing_codes = set((await session.execute(select(Framework.code))).scalars())
    for path in sorted(FRAMEWORK_DIR.glob("*.json")):
        data = read_json_framework(path)
        if data.code not in existing_codes:
            await import_framework(session, data)
            report.frameworks += 1
    await session.flush()
    step()
    report.readiness_profiles = await seed_demo_readiness(session)
    step()
    report.positions = await seed_demo_positions(session)
    step()
    report.candidates = await seed_demo_candidates(session)
    await session.flush()
    step()
    match_review = await seed_demo_match_review(session)
    report.decisions, report.placements = match_review.decisions, match_review.placements
    step()
    report.assessments = await seed_demo_assessments(session)
    step()
    report.certificates = await seed_demo_certificates(session, settings or Settings())
    report.users += await seed_demo_candidate_account(session, DEMO_PASSWORD)
    step()
    results = await seed_demo_results(session, (settings or Settings()).programme)
    step()
    report.placements += results.placements
    report.assessments += results.assessments
    report.outcomes = results.outcomes
    report.trainings = results.trainings
    report.events = results.events
    report.participants = results.participants
    report.reports = results.reports
    return report
