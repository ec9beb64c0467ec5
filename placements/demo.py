"""Demo positions for the partner organisations (``isok demo seed``).

Idempotent: an organisation that already has positions gets none. The first position (id 1
in a fresh demo database) is the first partner's open warehouse position, tutored by the
demo tutor, so tests and the route-policy matrix can rely on it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from competences.models import Competence, Framework
from employers.models import Organisation, PartnershipStatus
from placements.models import Position, PositionCompetence, PositionLanguage, PositionStatus
from placements.services import TUTOR_ROLE, user_account

DEMO_TUTOR_EMAIL = "tutor@demo.test"


@dataclass(frozen=True)
class DemoPosition:
    title: str
    field: str  # framework code
    tasks: str
    required: tuple[tuple[str, int], ...]  # (competence code, minimum level)
    optional: tuple[str, ...] = ()
    finnish: str = "A2"
    finnish_for_safety: bool = False
    english: str | None = None
    hours: float = 37.5
    places: int = 1


WAREHOUSE_WORKER = DemoPosition(
    "Warehouse worker",
    "LOG",
    "Receiving deliveries, putting goods away and picking customer orders in a "
    "distribution centre. Work in two shifts.",
    (("LOG-U1-01", 2), ("LOG-U1-03", 2), ("LOG-U4-01", 2)),
    ("LOG-U2-01", "LOG-U3-04"),
    finnish="A2",
    finnish_for_safety=True,
    places=2,
)
FORKLIFT_DRIVER = DemoPosition(
    "Forklift driver",
    "LOG",
    "Moving pallets with a counterbalance forklift and a reach truck, loading lorries and "
    "daily checks of the trucks.",
    (("LOG-U2-01", 3), ("LOG-U2-04", 2), ("LOG-U4-02", 2)),
    ("LOG-U2-02", "LOG-U3-01"),
    finnish="B1",
    finnish_for_safety=True,
)
ORDER_PICKER = DemoPosition(
    "Order picker",
    "LOG",
    "Picking and packing web-shop orders with a handheld terminal.",
    (("LOG-U1-03", 2), ("LOG-U3-03", 1)),
    ("LOG-U2-03",),
    finnish="A2",
    english="A2",
    hours=30.0,
    places=3,
)
CLEANER = DemoPosition(
    "Cleaner",
    "CLE",
    "Daily cleaning of offices and staircases on an evening route; sorting waste.",
    (("CLE-U1-01", 2), ("CLE-U1-03", 2), ("CLE-U4-04", 2)),
    ("CLE-U3-01", "CLE-U2-01"),
    finnish="A2",
    finnish_for_safety=True,
    hours=30.0,
    places=2,
)
PROPERTY_MAINTENANCE = DemoPosition(
    "Property maintenance assistant",
    "CLE",
    "Yard work, snow clearing and small maintenance jobs in apartment buildings.",
    (("CLE-U3-02", 2), ("CLE-U3-03", 2)),
    ("CLE-U3-04",),
    finnish="B1",
)
HOSPITAL_CLEANER = DemoPosition(
    "Hospital cleaner",
    "CLE",
    "Cleaning wards and patient rooms following infection-control instructions.",
    (("CLE-U2-03", 3), ("CLE-U1-02", 2), ("CLE-U4-04", 2)),
    ("CLE-U4-03",),
    finnish="B1",
    finnish_for_safety=True,
)
KITCHEN_ASSISTANT = DemoPosition(
    "Kitchen assistant",
    "CAT",
    "Preparing salads and hot dishes from recipes, filling the lunch line and keeping "
    "the kitchen clean.",
    (("CAT-U1-01", 2), ("CAT-U2-01", 2), ("CAT-U2-04", 2)),
    ("CAT-U2-03", "CAT-U4-01"),
    finnish="A2",
    places=2,
)
DISHWASHER = DemoPosition(
    "Dishwasher",
    "CAT",
    "Washing dishes with a tunnel dishwasher and cleaning the kitchen after service.",
    (("CAT-U3-01", 1), ("CAT-U3-02", 2)),
    ("CAT-U1-01",),
    finnish="A2",
    english="A2",
    hours=25.0,
)

BY_SECTOR = (
    (("logistic", "transport", "industrial"), (WAREHOUSE_WORKER, FORKLIFT_DRIVER, ORDER_PICKER)),
    (("clean", "property"), (CLEANER, PROPERTY_MAINTENANCE, HOSPITAL_CLEANER)),
    (("restaurant", "catering"), (KITCHEN_ASSISTANT, DISHWASHER)),
)
OTHER = (KITCHEN_ASSISTANT, CLEANER)


def _templates_for(organisation: Organisation) -> tuple[DemoPosition, ...]:
    sector = organisation.sector.lower()
    if "hospital" in sector:
        return (HOSPITAL_CLEANER, CLEANER)
    for words, templates in BY_SECTOR:
        if any(word in sector for word in words):
            return templates
    return OTHER


def _statuses(organisation_index: int, count: int) -> list[str]:
    """Mostly open; the first organisation has a draft, the second a closed position."""
    statuses = [PositionStatus.OPEN.value] * count
    if organisation_index == 0 and count > 2:
        statuses[2] = PositionStatus.DRAFT.value
    if organisation_index == 1 and count > 1:
        statuses[1] = PositionStatus.CLOSED.value
    return statuses


async def seed_demo_positions(session: AsyncSession) -> int:
    """Create 2-3 positions for each partner organisation that has none; return how many."""
    organisations = list(
        (
            await session.execute(
                select(Organisation)
                .where(Organisation.status == PartnershipStatus.PARTNER.value)
                .order_by(Organisation.id)
            )
        ).scalars()
    )
    having = set(
        (await session.execute(select(Position.organisation_id).distinct())).scalars().all()
    )
    frameworks = dict((await session.execute(select(Framework.code, Framework.id))).tuples().all())
    competences = dict(
        (await session.execute(select(Competence.code, Competence.id))).tuples().all()
    )
    tutor_id = (
        await session.execute(
            select(user_account.c.id).where(
                user_account.c.email == DEMO_TUTOR_EMAIL, user_account.c.role == TUTOR_ROLE
            )
        )
    ).scalar_one_or_none()
    today = datetime.date.today()
    created = 0
    for index, organisation in enumerate(organisations):
        if organisation.id in having:
            continue
        templates = _templates_for(organisation)
        for number, (template, status) in enumerate(
            zip(templates, _statuses(index, len(templates)), strict=True)
        ):
            if template.field not in frameworks:
                continue  # the sample frameworks are not loaded
            start = today + datetime.timedelta(days=21 + 14 * number + 7 * (index % 3))
            position = Position(
                organisation_id=organisation.id,
                title=template.title,
                framework_id=frameworks[template.field],
                tasks=template.tasks,
                municipality=organisation.municipality,
                region=organisation.region,
                start_date=start,
                end_date=start + datetime.timedelta(weeks=8),
                hours_per_week=template.hours,
                places=template.places,
                tutor_id=tutor_id if index == 0 and number == 0 else None,
                status=status,
                competences=[
                    PositionCompetence(
                        competence_id=competences[code], required=True, min_level=level
                    )
                    for code, level in template.required
                    if code in competences
                ]
                + [
                    PositionCompetence(competence_id=competences[code], required=False, min_level=1)
                    for code in template.optional
                    if code in competences
                ],
                languages=[
                    PositionLanguage(
                        language="fi",
                        level=template.finnish,
                        for_safety=template.finnish_for_safety,
                    ),
                    *(
                        [PositionLanguage(language="en", level=template.english)]
                        if template.english
                        else []
                    ),
                ],
            )
            session.add(position)
            # One at a time, so that ids follow this order (the first is id 1).
            await session.flush()
            created += 1
    return created
