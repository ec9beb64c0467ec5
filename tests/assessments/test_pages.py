"""The assessment pages for signed-in people: rating, independence, bad input, sections.

Each test starts from the demo's active placement with its plan and no ratings (the demo may
hold some; they are cleared), so that what a page shows depends on the test alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from assessments.models import AssessmentDecision, PlanOutcome, RatingSheet
from assessments.plan import ensure_plan, plan_competence_ids
from competences.models import Competence
from employers.models import Organisation
from tests.assessments.conftest import PLACEMENT_ID, placement, statements_read
from tests.conftest import DEMO_USERS, csrf_token, sign_in

PAGE = f"/placements/{PLACEMENT_ID}/assessment"
RATINGS = f"{PAGE}/ratings"
PLAN = f"{PAGE}/plan"


@pytest.fixture
async def plan(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    """The demo placement's plan, with no rating sheet and no decision yet."""
    async with sessions() as session, session.begin():
        await session.execute(
            delete(AssessmentDecision).where(AssessmentDecision.placement_id == PLACEMENT_ID)
        )
        await session.execute(delete(RatingSheet).where(RatingSheet.placement_id == PLACEMENT_ID))
        await ensure_plan(session, placement=await placement(session))
    async with sessions() as session:
        outcomes = await plan_competence_ids(session, placement_id=PLACEMENT_ID)
    assert len(outcomes) >= 2
    return outcomes


async def post(client: AsyncTestClient, path: str, fields: dict[str, Any]) -> Any:
    data = {"_csrf_token": await csrf_token(client), **{k: str(v) for k, v in fields.items()}}
    return await client.post(path, data=data, follow_redirects=False)


def grades(outcomes: Iterable[int], grade: int | str, note: str = "") -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for competence_id in outcomes:
        fields[f"grade-{competence_id}"] = grade
        fields[f"note-{competence_id}"] = note
        fields[f"tasks-{competence_id}"] = ""
    return fields


async def sheets(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int, bool]]:
    """(seat, version, submitted) of every rating sheet of the placement."""
    async with sessions() as session:
        rows = await session.execute(
            select(RatingSheet.assessor_role, RatingSheet.version, RatingSheet.submitted_at)
            .where(RatingSheet.placement_id == PLACEMENT_ID)
            .order_by(RatingSheet.id)
        )
        return [(role, version, at is not None) for role, version, at in rows.all()]


async def submit_all(client: AsyncTestClient, outcomes: list[int], grade: int, note: str) -> None:
    response = await post(client, RATINGS, {"action": "submit", **grades(outcomes, grade, note)})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == PAGE


# --- Rating -------------------------------------------------------------------------------


async def test_the_teacher_saves_a_draft_and_finds_it_again(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert f'name="grade-{plan[0]}"' in page.text
    assert "<legend>" in page.text
    assert "Save draft" in page.text

    first = plan[0]
    response = await post(
        client,
        RATINGS,
        {"action": "save", f"grade-{first}": "4", f"note-{first}": "Careful with the pallets"},
    )
    assert response.status_code == 303
    assert await sheets(sessions) == [("teacher", 1, False)]

    again = await client.get(PAGE)
    assert "saved as a draft" in again.text  # the flash
    assert f'id="grade-{first}-4" name="grade-{first}" value="4" checked' in again.text
    assert "Careful with the pallets" in again.text
    assert 'value="4" checked' not in again.text.split(f'name="grade-{plan[1]}"', 1)[1][:200]


async def test_independence_through_the_pages_both_ways(
    client: AsyncTestClient, plan: list[int]
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    await submit_all(client, plan, 2, "teacher-note-7f3")
    receipt = await client.get(PAGE)
    assert "Receipt" in receipt.text
    assert "Reference" in receipt.text
    assert "print this page" in receipt.text
    assert "Correct my rating" in receipt.text

    # The tutor has not submitted: who has, yes; what they gave, no.
    await sign_in(client, DEMO_USERS["tutor"])
    before = await client.get(PAGE)
    assert before.status_code == 200
    assert "teacher-note-7f3" not in before.text
    assert "hidden until you submit" in before.text
    assert "Diverges" not in before.text
    response = await post(client, RATINGS, {"action": "save", **grades(plan, 4, "tutor-draft-2c9")})
    assert response.status_code == 303

    # The teacher has submitted, yet never sees the tutor's draft.
    await sign_in(client, DEMO_USERS["teacher"])
    assert "tutor-draft-2c9" not in (await client.get(PAGE)).text

    await sign_in(client, DEMO_USERS["tutor"])
    await submit_all(client, plan, 4, "tutor-final-5d1")
    after = await client.get(PAGE)
    assert "teacher-note-7f3" in after.text
    assert "tutor-final-5d1" in after.text
    # Grades 2 and 4 spread by two: the flag is there in words, not only in colour.
    assert after.text.count("Diverges") == len(plan)
    assert "The grades are far apart" in after.text

    await sign_in(client, DEMO_USERS["teacher"])
    assert "tutor-final-5d1" in (await client.get(PAGE)).text


async def test_a_refused_submission_keeps_the_draft(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    first = plan[0]
    response = await post(client, RATINGS, {"action": "submit", f"grade-{first}": "3"})
    assert response.status_code == 400
    assert "saved as a draft, but not submitted" in response.text
    assert await sheets(sessions) == [("counsellor", 1, False)]


async def test_a_correction_needs_a_reason_and_keeps_the_history(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    await submit_all(client, plan, 3, "")
    response = await post(
        client,
        RATINGS,
        {"action": "submit", "correction_reason": "Misread the criteria", **grades(plan, 4)},
    )
    assert response.status_code == 303
    assert await sheets(sessions) == [("teacher", 1, True), ("teacher", 2, True)]
    page = await client.get(PAGE)
    assert "Misread the criteria" in page.text


# --- Bad input writes nothing -------------------------------------------------------------


@pytest.mark.both_databases
async def test_bad_input_answers_400_with_a_message_and_writes_nothing(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    first = plan[0]

    seven = await post(client, RATINGS, {"action": "save", **grades(plan, 3), f"grade-{first}": 7})
    assert seven.status_code == 400
    assert "Give a grade from 1 to 5" in seven.text
    assert f'id="grade-{first}-error"' in seven.text  # beside the field
    assert await sheets(sessions) == []

    async with sessions() as session:
        outside = await session.scalar(
            select(Competence.id).where(Competence.id.not_in(plan)).order_by(Competence.id)
        )
    foreign = await post(client, RATINGS, {"action": "submit", **grades([*plan, outside], 3)})
    assert foreign.status_code == 400
    assert "not in the assessment plan" in foreign.text
    assert await sheets(sessions) == []

    await submit_all(client, plan, 3, "")
    again = await post(client, RATINGS, {"action": "submit", **grades(plan, 5)})
    assert again.status_code == 400
    assert "You submitted this rating already" in again.text
    assert await sheets(sessions) == [("teacher", 1, True)]


async def test_only_a_seat_holder_rates(client: AsyncTestClient, plan: list[int]) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert 'action="/placements/1/assessment/ratings"' not in page.text
    assert (await post(client, RATINGS, {"action": "save"})).status_code == 403


async def test_an_employer_and_another_organisations_tutor_get_404(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        other = await session.scalar(
            select(Organisation.id).where(Organisation.id != 1).order_by(Organisation.id)
        )
        session.add(
            User(
                email="other.tutor@demo.test",
                name="Other Tutor",
                role="tutor",
                password_hash="-",
                organisation_id=other,
            )
        )
    await sign_in(client, "other.tutor@demo.test")
    assert (await client.get(PAGE)).status_code == 404
    assert (await post(client, RATINGS, {"action": "save", **grades(plan, 3)})).status_code == 404

    await sign_in(client, DEMO_USERS["employer"])
    assert (await client.get(PAGE)).status_code == 404
    placement_page = await client.get(f"/placements/{PLACEMENT_ID}")
    assert placement_page.status_code == 200
    assert "Open the assessment" not in placement_page.text


# --- The plan -------------------------------------------------------------------------------


async def test_the_plan_changes_freely_until_a_rating_is_submitted(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    removed = await post(client, PLAN, {"action": "remove", "competence": plan[-1], "reason": ""})
    assert removed.status_code == 303
    kept = plan[:-1]
    await submit_all(client, kept, 3, "")

    refused = await post(client, PLAN, {"action": "add", "competence": plan[-1], "reason": ""})
    assert refused.status_code == 400
    assert "say why the plan changes" in refused.text
    assert 'id="add-reason-error"' in refused.text
    added = await post(
        client, PLAN, {"action": "add", "competence": plan[-1], "reason": "Shown after all"}
    )
    assert added.status_code == 303
    async with sessions() as session:
        assert await plan_competence_ids(session, placement_id=PLACEMENT_ID) == [*kept, plan[-1]]
        reasons = await session.scalar(
            select(func.count()).where(
                PlanOutcome.placement_id == PLACEMENT_ID, PlanOutcome.added_reason != ""
            )
        )
    assert reasons == 1
    assert "Shown after all" in (await client.get(PAGE)).text

    await sign_in(client, DEMO_USERS["tutor"])
    assert (
        await post(client, PLAN, {"action": "remove", "competence": plan[0]})
    ).status_code == 403


# --- Where it stands: the placement page, the candidate's page, the home pages --------------


async def test_the_placement_and_home_pages_show_where_the_assessment_stands(
    client: AsyncTestClient, plan: list[int]
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    home = await client.get("/home")
    assert "Ratings you still owe" in home.text
    assert f'href="{PAGE}#own-rating"' in home.text

    await submit_all(client, plan, 3, "")
    assert f'href="{PAGE}#own-rating"' not in (await client.get("/home")).text
    placement_page = await client.get(f"/placements/{PLACEMENT_ID}")
    assert "1 of 3 ratings submitted" in placement_page.text
    assert "0 outcomes diverge" in placement_page.text
    assert "consensus not signed yet" in placement_page.text
    assert f'href="{PAGE}"' in placement_page.text

    # The tutor has not submitted: the count, but not whether grades diverge.
    await sign_in(client, DEMO_USERS["tutor"])
    tutor_page = await client.get(f"/placements/{PLACEMENT_ID}")
    assert "1 of 3 ratings submitted" in tutor_page.text
    assert "diverge" not in tutor_page.text
    assert f'href="{PAGE}#own-rating"' in (await client.get("/home")).text


async def test_the_candidates_page_shows_where_the_assessment_stands(
    client: AsyncTestClient, plan: list[int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        candidate_id = (await placement(session)).candidate_id
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{candidate_id}")
    assert page.status_code == 200
    assert 'id="assessments-heading"' in page.text
    assert "0 of 3 ratings submitted" in page.text
    assert f'href="{PAGE}"' in page.text


async def test_the_assessment_page_reads_as_many_queries_whatever_the_plan(
    client: AsyncTestClient, plan: list[int]
) -> None:
    await sign_in(client, DEMO_USERS["teacher"])
    await submit_all(client, plan, 3, "")
    many = await statements_read(client, PAGE)
    for competence_id in plan[1:]:
        response = await post(
            client, PLAN, {"action": "remove", "competence": competence_id, "reason": "Fewer"}
        )
        assert response.status_code == 303
    assert await statements_read(client, PAGE) == many
