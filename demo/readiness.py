"""Readiness answers of the demo partners (levels 1, 2 and 3, and some without a profile)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from employers.business_id import with_check_digit
from employers.models import Organisation, ReadinessProfile
from employers.readiness_answers import save_answers


def _business_id(digits: str) -> str:
    business_id = with_check_digit(digits)
    if business_id is None:
        raise ValueError(f"demo business ID digits {digits} have no check digit")
    return business_id


def _demo(
    *,
    working: list[str],
    level: str,
    for_safety: bool,
    experience: str,
    tutor_training: str,
    plain_instructions: str,
    induction_languages: str,
    language_support: list[str],
    flexibility: list[str],
    problem_contact: str,
) -> dict[str, Any]:
    return {
        "languages": {
            "working": working,
            "language": "fi",
            "level": level,
            "for_safety": for_safety,
        },
        "experience": experience,
        "tutor_training": tutor_training,
        "plain_instructions": plain_instructions,
        "induction_languages": induction_languages,
        "language_support": language_support,
        "flexibility": flexibility,
        "problem_contact": problem_contact,
    }


# Readiness answers of the demo partners, by business ID: levels 1, 2 and 3, and some
# organisations without a profile (Lounaskeittiö Aamu, and Rakennuspalvelu Nieminen, which
# has only applied).
DEMO_ANSWERS: dict[str, dict[str, Any]] = {
    # Savon Varastopalvelut Oy (the demo employer's): ready
    _business_id("2734511"): _demo(
        working=["fi", "en"],
        level="B1",
        for_safety=True,
        experience="some",
        tutor_training="planned",
        plain_instructions="yes",
        induction_languages="no",
        language_support=["buddy", "glossary"],
        flexibility=["schedule", "diet"],
        problem_contact="Jari Työnantaja, logistics manager, 040 111 2233",
    ),
    # Karjalan Kiinteistöhuolto Oy (the second demo employer's): getting started
    _business_id("2846120"): _demo(
        working=["fi"],
        level="B2",
        for_safety=False,
        experience="none",
        tutor_training="no",
        plain_instructions="no",
        induction_languages="no",
        language_support=[],
        flexibility=["schedule"],
        problem_contact="Sari Esimies, service manager, 040 222 3344",
    ),
    # Itä-Suomen Kauppakeskus Oyj: experienced
    _business_id("1927365"): _demo(
        working=["fi", "en", "ru"],
        level="A2",
        for_safety=False,
        experience="regular",
        tutor_training="all",
        plain_instructions="yes",
        induction_languages="yes",
        language_support=["buddy", "course", "glossary"],
        flexibility=["prayer", "diet", "schedule"],
        problem_contact="Henna Laaksonen, HR partner, 044 310 2020",
    ),
    # Järvi-Suomen Teollisuuspalvelut Oy: ready
    _business_id("2011458"): _demo(
        working=["fi", "en"],
        level="B1",
        for_safety=True,
        experience="some",
        tutor_training="some",
        plain_instructions="yes",
        induction_languages="no",
        language_support=["interpreter"],
        flexibility=["schedule"],
        problem_contact="Timo Rantanen, production supervisor, 050 401 7788",
    ),
    # Puhtaus Oy Pohjois-Karjala: experienced
    _business_id("2559031"): _demo(
        working=["fi", "en", "ar", "so"],
        level="A2",
        for_safety=False,
        experience="regular",
        tutor_training="some",
        plain_instructions="yes",
        induction_languages="yes",
        language_support=["buddy", "glossary"],
        flexibility=["prayer", "holidays", "schedule"],
        problem_contact="Maria Kettunen, area supervisor, 040 550 6611",
    ),
    # Ravintolaryhmä Saimaa Oy: ready
    _business_id("2473306"): _demo(
        working=["fi", "en"],
        level="A2",
        for_safety=False,
        experience="some",
        tutor_training="planned",
        plain_instructions="no",
        induction_languages="no",
        language_support=["buddy"],
        flexibility=["diet", "schedule"],
        problem_contact="Ville Hämäläinen, restaurant manager, 045 120 3300",
    ),
    # Kuljetus Kallavesi Oy: getting started
    _business_id("3012874"): _demo(
        working=["fi"],
        level="B1",
        for_safety=True,
        experience="none",
        tutor_training="no",
        plain_instructions="yes",
        induction_languages="no",
        language_support=[],
        flexibility=[],
        problem_contact="Kari Kallio, managing director, 040 700 1122",
    ),
    # Kuopion kaupunki, ruokapalvelut: experienced
    _business_id("0171613"): _demo(
        working=["fi", "sv", "en"],
        level="A2",
        for_safety=False,
        experience="regular",
        tutor_training="all",
        plain_instructions="yes",
        induction_languages="yes",
        language_support=["course", "glossary", "buddy"],
        flexibility=["diet", "holidays", "schedule"],
        problem_contact="Riitta Savolainen, catering service manager, 044 718 4000",
    ),
    # Pohjois-Savon hyvinvointialue, laitoshuolto: ready
    _business_id("3221325"): _demo(
        working=["fi", "en"],
        level="B1",
        for_safety=True,
        experience="regular",
        tutor_training="some",
        plain_instructions="yes",
        induction_languages="no",
        language_support=["course"],
        flexibility=["diet"],
        problem_contact="Satu Heikkinen, cleaning services supervisor, 044 717 9000",
    ),
    # Monikulttuuriyhdistys Silta ry: experienced
    _business_id("2288674"): _demo(
        working=["fi", "en", "ar", "fa", "so", "ru"],
        level="A1",
        for_safety=False,
        experience="regular",
        tutor_training="all",
        plain_instructions="yes",
        induction_languages="yes",
        language_support=["buddy", "glossary", "course", "interpreter"],
        flexibility=["prayer", "diet", "schedule", "holidays"],
        problem_contact="Amina Yusuf, executive director, 050 333 4455",
    ),
    # Savon ammattiopisto: ready
    _business_id("0245872"): _demo(
        working=["fi", "en"],
        level="B1",
        for_safety=False,
        experience="some",
        tutor_training="some",
        plain_instructions="yes",
        induction_languages="no",
        language_support=["course", "glossary"],
        flexibility=["schedule"],
        problem_contact="Outi Nissinen, head of work-based learning, 044 785 5000",
    ),
}


async def seed_demo_readiness(session: AsyncSession) -> int:
    """Store the demo readiness profiles of organisations that have none; returns how many.

    Idempotent: organisations that already have a profile (or do not exist) are left alone.
    """
    rows = (
        await session.execute(
            select(Organisation.business_id, Organisation.id, ReadinessProfile.id)
            .outerjoin(ReadinessProfile, ReadinessProfile.organisation_id == Organisation.id)
            .where(Organisation.business_id.in_(list(DEMO_ANSWERS)))
        )
    ).all()
    created = 0
    for business_id, organisation_id, profile_id in rows:
        if profile_id is not None or business_id is None:
            continue
        await save_answers(
            session, organisation_id=organisation_id, answers=DEMO_ANSWERS[business_id]
        )
        created += 1
    return created
