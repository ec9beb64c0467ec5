"""The multicultural-readiness questionnaire, its scoring and the profile pages."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from demo import readiness as demo_readiness
from employers import readiness_answers, readiness_questionnaire
from employers.models import ReadinessProfile
from kit.invalid import Invalid
from kit.settings import DatabaseSettings
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.portal.test_accessibility import PageStructure

OWN = 1  # employer@demo.test's and tutor@demo.test's organisation
OTHER = 2  # employer2@demo.test's organisation

# Every question answered as well as it can be: score 100, level 3, no gaps.
BEST_FORM: dict[str, Any] = {
    "languages-working": ["fi", "en"],
    "languages-language": "fi",
    "languages-level": "A2",
    "experience": "regular",
    "tutor_training": "all",
    "plain_instructions": "yes",
    "induction_languages": "yes",
    "language_support": ["buddy", "glossary", "course", "interpreter"],
    "flexibility": ["prayer", "diet", "schedule", "holidays"],
    "problem_contact": "Anna Virtanen, shift supervisor, 040 123 4567",
}


def best_answers() -> dict[str, Any]:
    return readiness_answers.answers_from_form(
        readiness_questionnaire.get_questionnaire(), _multi(BEST_FORM)
    )


class _multi(dict[str, Any]):
    """A form mapping with ``getall``, as Litestar's form data has."""

    def getall(self, name: str, default: list[str]) -> list[str]:
        value = self.get(name, default)
        return value if isinstance(value, list) else [value]


# --- the questionnaire and its scoring (no database) ---------------------------------------


def test_the_questionnaire_loads_with_versions_levels_and_the_required_questions() -> None:
    questionnaire = readiness_questionnaire.load_questionnaire()
    assert questionnaire.version >= 1
    assert [level.level for level in questionnaire.levels] == [1, 2, 3]
    assert [level.min_score for level in questionnaire.levels] == [0, 40, 70]
    ids = {question.id for question in questionnaire.questions}
    assert {
        "languages",
        "experience",
        "tutor_training",
        "plain_instructions",
        "language_support",
        "flexibility",
        "problem_contact",
    } <= ids
    contact = questionnaire.question("problem_contact")
    assert contact is not None
    assert contact.kind == "text"
    assert contact.required
    for question in questionnaire.questions:
        assert question.text["en"]
        assert question.text["fi"]
    assert questionnaire.max_score == 100


def _write(tmp_path: Path, change: Any) -> Path:
    data = json.loads(readiness_questionnaire.QUESTIONNAIRE_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "readiness.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"][1].update(kind="slider"), "'experience': kind"),
        (lambda d: d["questions"][1]["options"][0].pop("label"), "'experience', option 'none'"),
        (lambda d: d["questions"][0]["level_points"].pop("C2"), "'languages': level_points"),
        (lambda d: d["questions"][3]["options"].pop(), "'plain_instructions'"),
        (lambda d: d["questions"][2].update(id="experience"), "'experience': the id appears"),
        (lambda d: d["questions"][7].update(group="nowhere"), "'problem_contact': unknown group"),
        (lambda d: d["levels"][2].update(min_score=10), "min_score"),
    ],
)
def test_a_broken_questionnaire_names_the_question(
    tmp_path: Path, change: Any, message: str
) -> None:
    with pytest.raises(readiness_questionnaire.QuestionnaireError, match=message):
        readiness_questionnaire.load_questionnaire(_write(tmp_path, change))


def test_a_questionnaire_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "readiness.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(readiness_questionnaire.QuestionnaireError, match="cannot read"):
        readiness_questionnaire.load_questionnaire(path)


def test_the_best_answers_reach_level_3_without_gaps() -> None:
    questionnaire = readiness_questionnaire.get_questionnaire()
    result = readiness_questionnaire.assess(
        questionnaire, readiness_answers.validate_answers(questionnaire, best_answers())
    )
    assert (result.score, result.max_score, result.level, result.gaps) == (100, 100, 3, ())


def test_weak_answers_give_level_1_and_a_gap_with_a_suggestion_for_each_weakness() -> None:
    questionnaire = readiness_questionnaire.get_questionnaire()
    answers = {
        "languages": {"working": ["fi"], "language": "fi", "level": "B2", "for_safety": False},
        "experience": "none",
        "tutor_training": "no",
        "plain_instructions": "no",
        "induction_languages": "no",
        "language_support": [],
        "flexibility": [],
        "problem_contact": "Kari Kallio",
    }
    result = readiness_questionnaire.assess(
        questionnaire, readiness_answers.validate_answers(questionnaire, answers)
    )
    # B2 gives 5 points, the contact 5; nothing else scores.
    assert (result.score, result.level) == (10, 1)
    gap_questions = [gap.question_id for gap in result.gaps]
    assert gap_questions == [
        "languages",  # only Finnish at work
        "languages",  # B2 needed, not for safety
        "experience",
        "tutor_training",
        "plain_instructions",
        "induction_languages",
        "language_support",
        "flexibility",
    ]
    for gap in result.gaps:
        assert gap.gap["en"]
        assert gap.gap["fi"]
        assert gap.suggestion["en"]
        assert gap.suggestion["fi"]


def test_a_level_needed_for_safety_gives_a_safety_gap_not_a_level_gap() -> None:
    questionnaire = readiness_questionnaire.get_questionnaire()
    answers = best_answers() | {
        "languages": {"working": ["fi", "en"], "language": "fi", "level": "B1", "for_safety": True}
    }
    result = readiness_questionnaire.assess(
        questionnaire, readiness_answers.validate_answers(questionnaire, answers)
    )
    assert result.score == 95
    assert [gap.gap["en"] for gap in result.gaps] == [
        "Safety depends on understanding Finnish or Swedish at B1 or above."
    ]


def test_levels_follow_the_thresholds() -> None:
    questionnaire = readiness_questionnaire.get_questionnaire()
    assert [questionnaire.level_for(score).level for score in (0, 39, 40, 69, 70, 100)] == [
        1,
        1,
        2,
        2,
        3,
        3,
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"no_such_question": "yes"}, "no_such_question"),
        ({"experience": "sometimes"}, "experience"),
        ({"experience": ""}, "experience"),
        ({"plain_instructions": "maybe"}, "plain_instructions"),
        ({"flexibility": ["prayer", "siesta"]}, "flexibility"),
        ({"problem_contact": ""}, "problem_contact"),
        ({"problem_contact": "x" * 301}, "problem_contact"),
        (
            {"languages": {"working": ["fi"], "language": "fi", "level": "D1"}},
            "languages-level",
        ),
        (
            {"languages": {"working": ["fi"], "language": "de", "level": "A2"}},
            "languages-language",
        ),
        (
            {"languages": {"working": [], "language": "fi", "level": "A2"}},
            "languages-working",
        ),
        (
            {"languages": {"working": ["klingon"], "language": "fi", "level": "A2"}},
            "languages-working",
        ),
    ],
)
def test_bad_answers_are_rejected_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        readiness_answers.validate_answers(
            readiness_questionnaire.get_questionnaire(), best_answers() | change
        )
    assert list(caught.value.errors) == [field]


def test_the_demo_answers_are_valid_and_cover_every_level() -> None:
    questionnaire = readiness_questionnaire.get_questionnaire()
    levels = {
        readiness_questionnaire.assess(
            questionnaire, readiness_answers.validate_answers(questionnaire, answers)
        ).level
        for answers in demo_readiness.DEMO_ANSWERS.values()
    }
    assert levels == {1, 2, 3}


# --- the service and the pages (database) ----------------------------------------------------


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with create_session_factory(engine)() as db_session:
            yield db_session
    finally:
        await engine.dispose()


async def _profile(database_url: str, organisation_id: int) -> tuple[Any, ...] | None:
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        async with create_session_factory(engine)() as db_session:
            profile = (
                await db_session.execute(
                    select(ReadinessProfile).where(
                        ReadinessProfile.organisation_id == organisation_id
                    )
                )
            ).scalar_one_or_none()
            if profile is None:
                return None
            return (profile.answers, profile.score, profile.level, profile.updated_at)
    finally:
        await engine.dispose()


async def test_seeding_the_demo_profiles_is_idempotent(session: AsyncSession) -> None:
    await demo_readiness.seed_demo_readiness(session)
    assert await demo_readiness.seed_demo_readiness(session) == 0
    levels = set((await session.execute(select(ReadinessProfile.level))).scalars())
    assert levels == {1, 2, 3}
    await session.rollback()


async def test_the_employer_fills_in_its_own_profile_and_sees_its_level(
    client: AsyncTestClient, database_url: str
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    form = await client.get(f"/organisations/{OWN}/readiness/edit")
    assert form.status_code == 200
    assert "<fieldset" in form.text
    assert "<legend>" in form.text
    assert 'for="problem_contact"' in form.text
    response = await client.post(
        f"/organisations/{OWN}/readiness/edit",
        data={**BEST_FORM, "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/organisations/{OWN}/readiness"
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "The readiness profile is saved." in page.text
    assert "Level 3 of 3" in page.text
    assert "Experienced" in page.text
    assert "Anna Virtanen" in page.text
    stored = await _profile(database_url, OWN)
    assert stored is not None
    assert stored[1:3] == (100, 3)

    # Update with weaker answers: the level drops and the checklist shows the gaps.
    weaker = BEST_FORM | {"experience": "none", "language_support": [], "flexibility": []}
    response = await client.post(
        f"/organisations/{OWN}/readiness/edit",
        data={**weaker, "_csrf_token": await csrf_token(client)},
    )
    assert response.status_code == 200
    assert "Level 2 of 3" in response.text
    assert "No experience yet of employing people with an immigrant background." in response.text
    assert "There is no language support at work." in response.text


async def test_bad_answers_show_the_form_again_with_the_reason_and_save_nothing(
    client: AsyncTestClient, database_url: str
) -> None:
    before = await _profile(database_url, OWN)
    await sign_in(client, DEMO_USERS["employer"])
    bad = BEST_FORM | {"languages-level": "D1", "experience": "sometimes", "problem_contact": ""}
    response = await client.post(
        f"/organisations/{OWN}/readiness/edit",
        data={**bad, "_csrf_token": await csrf_token(client)},
    )
    assert response.status_code == 400
    assert 'id="languages-level-error"' in response.text
    assert 'id="experience-error"' in response.text
    assert 'id="problem_contact-error"' in response.text
    assert "Choose a CEFR level from A1 to C2." in response.text
    # What was typed is kept.
    assert 'type="radio" value="all" checked' in response.text
    assert 'id="flexibility-prayer" name="flexibility" type="checkbox" value="prayer" checked' in (
        response.text
    )
    assert await _profile(database_url, OWN) == before


async def test_another_employer_gets_404_and_cannot_change_the_profile(
    client: AsyncTestClient, database_url: str
) -> None:
    before = await _profile(database_url, OWN)
    await sign_in(client, "employer2@demo.test")
    assert (await client.get(f"/organisations/{OWN}/readiness")).status_code == 404
    assert (await client.get(f"/organisations/{OWN}/readiness/edit")).status_code == 404
    forged = await client.post(
        f"/organisations/{OWN}/readiness/edit",
        data={**BEST_FORM, "_csrf_token": await csrf_token(client)},
    )
    assert forged.status_code == 404
    assert await _profile(database_url, OWN) == before
    # Its own organisation works, and unknown organisations answer 404 too.
    assert (await client.get(f"/organisations/{OTHER}/readiness")).status_code == 200
    assert (await client.get("/organisations/999999/readiness")).status_code == 404


async def test_counsellors_read_any_profile_but_cannot_edit(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    for organisation_id in (OWN, OTHER):
        page = await client.get(f"/organisations/{organisation_id}/readiness")
        assert page.status_code == 200
        assert f"/organisations/{organisation_id}/readiness/edit" not in page.text
    assert (await client.get(f"/organisations/{OWN}/readiness/edit")).status_code == 403
    response = await client.post(
        f"/organisations/{OWN}/readiness/edit",
        data={**BEST_FORM, "_csrf_token": await csrf_token(client)},
    )
    assert response.status_code == 403


async def test_the_tutor_reads_its_own_organisation_only(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await client.get(f"/organisations/{OWN}/readiness")).status_code == 200
    assert (await client.get(f"/organisations/{OTHER}/readiness")).status_code == 404
    assert (await client.get(f"/organisations/{OWN}/readiness/edit")).status_code == 403


async def test_the_coordinator_may_fill_in_a_profile(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.post(
        f"/organisations/{OTHER}/readiness/edit",
        data={**BEST_FORM, "_csrf_token": await csrf_token(client)},
    )
    assert response.status_code == 200
    assert "Level 3 of 3" in response.text


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("employer", f"/organisations/{OWN}/readiness/edit"),
        ("employer", f"/organisations/{OWN}/readiness"),
        ("counsellor", f"/organisations/{OTHER}/readiness"),
    ],
)
async def test_readiness_pages_are_labelled_and_structured(
    client: AsyncTestClient, role: str, path: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    response = await client.get(path)
    assert response.status_code == 200
    page = PageStructure()
    page.feed(response.text)
    assert page.h1 == 1
    unlabelled = [field for field in page.fields if field is None or field not in page.labels]
    assert not unlabelled
    ids = re.findall(r' id="([^"]+)"', response.text)
    assert len(ids) == len(set(ids)), "duplicate ids"
