"""The assessment API: independence both ways, who reads, who issues and revokes links."""

from __future__ import annotations

import asyncio
import datetime

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from assessments import plan, ratings
from assessments.models import AssessorRole, TutorLink
from assessments.ratings import RatingInput
from kit.settings import Settings
from placements.models import Placement
from tests.assessments.conftest import PLACEMENT_ID, SEATS, placement
from tests.conftest import DEMO_USERS, csrf_token, sign_in

Sessions = async_sessionmaker[AsyncSession]
ASSESSMENT = f"/api/placements/{PLACEMENT_ID}/assessment"
LINKS = f"{ASSESSMENT}/tutor-links"


async def rate(sessions: Sessions, role: AssessorRole, grade: int, *, submit: bool) -> None:
    async with sessions() as session, session.begin():
        found = await placement(session)
        await plan.ensure_plan(session, placement=found)
        ids = await plan.plan_competence_ids(session, placement_id=PLACEMENT_ID)
        await ratings.save_draft(
            session,
            placement=found,
            assessor=SEATS[role],
            ratings=[RatingInput(competence_id=c, grade=grade) for c in ids],
        )
        if submit:
            await ratings.submit(session, placement=found, assessor=SEATS[role])


async def read(client: AsyncTestClient, path: str = ASSESSMENT) -> dict[str, object]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def roles_of(body: dict[str, object]) -> set[str]:
    return {sheet["role"] for sheet in body["ratings"]}  # type: ignore[attr-defined,index]


async def test_the_tutor_sees_the_teachers_grades_only_after_submitting(
    client: AsyncTestClient, sessions: Sessions, fresh: int
) -> None:
    await rate(sessions, AssessorRole.TEACHER, 2, submit=True)
    await sign_in(client, DEMO_USERS["tutor"])
    before = await read(client)
    assert before["seat"] == "tutor"
    assert roles_of(before) == set()
    assert before["submitted_roles"] == ["teacher"]  # who, not what
    assert not any(outcome["divergent"] for outcome in before["plan"])  # type: ignore[attr-defined]
    assert before["decision"] is None
    plan_ = before["plan"]
    assert plan_
    assert {"competence_id", "code", "label", "unit"} <= set(plan_[0])  # type: ignore[index]

    await rate(sessions, AssessorRole.TUTOR, 5, submit=False)
    drafted = await read(client)
    assert roles_of(drafted) == set()
    assert drafted["own_draft"]["role"] == "tutor"  # type: ignore[index]

    await rate(sessions, AssessorRole.TUTOR, 5, submit=True)
    after = await read(client)
    assert roles_of(after) == {"tutor", "teacher"}
    teacher = next(s for s in after["ratings"] if s["role"] == "teacher")  # type: ignore[attr-defined]
    assert {r["grade"] for r in teacher["ratings"]} == {2}
    # 2 beside 5: every outcome diverges, now that the tutor may see both.
    assert all(outcome["divergent"] for outcome in after["plan"])  # type: ignore[attr-defined]


async def test_the_teacher_does_not_see_the_tutors_grades_before_submitting(
    client: AsyncTestClient, sessions: Sessions, fresh: int
) -> None:
    await rate(sessions, AssessorRole.TUTOR, 4, submit=True)
    await sign_in(client, DEMO_USERS["teacher"])
    body = await read(client)
    assert body["seat"] == "teacher"
    assert roles_of(body) == set()
    assert body["submitted_roles"] == ["tutor"]
    await rate(sessions, AssessorRole.TEACHER, 4, submit=True)
    assert roles_of(await read(client)) == {"tutor", "teacher"}
    # The coordinator holds no seat: every submitted rating, no draft.
    await rate(sessions, AssessorRole.COUNSELLOR, 3, submit=False)
    await sign_in(client, DEMO_USERS["coordinator"])
    coordinator = await read(client)
    assert coordinator["seat"] is None
    assert roles_of(coordinator) == {"tutor", "teacher"}
    assert coordinator["own_draft"] is None


async def test_employers_and_other_tutors_get_404(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    async with sessions() as session:
        other = await session.scalar(
            select(func.min(Placement.id)).where(
                (Placement.tutor_id.is_(None))
                | (Placement.tutor_id != SEATS[AssessorRole.TUTOR].user_id)
            )
        )
    assert other is not None
    await sign_in(client, DEMO_USERS["tutor"])
    assert (await client.get(f"/api/placements/{other}/assessment")).status_code == 404
    assert (await client.get("/api/placements/99999/assessment")).status_code == 404
    await sign_in(client, DEMO_USERS["employer"])
    response = await client.get(ASSESSMENT)
    assert response.status_code == 404
    assert "detail" in response.json()


async def issue_by_api(client: AsyncTestClient, path: str = LINKS) -> tuple[int, dict[str, object]]:
    token = await csrf_token(client)
    response = await client.post(path, headers={"x-csrftoken": token})
    return response.status_code, response.json() if response.content else {}


async def test_counsellor_and_teacher_issue_and_revoke_links(
    client: AsyncTestClient, settings: Settings, fresh: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    status, first = await issue_by_api(client)
    assert status == 201
    assert set(first) == {"id", "url", "expires_at", "emailed_to_tutor"}
    assert first["emailed_to_tutor"] is True  # the demo placement names its tutor
    url = str(first["url"])
    assert url.startswith(f"{settings.public_url}/assess/")
    expires = datetime.datetime.fromisoformat(str(first["expires_at"]))
    days = (expires - datetime.datetime.now(datetime.UTC)).total_seconds() / 86400
    assert 20.9 < days <= 21

    async with AsyncTestClient(app=client.app, base_url="http://testserver.local") as tutor:
        path = url.removeprefix(settings.public_url)
        assert (await tutor.get(path)).status_code == 200

        await sign_in(client, DEMO_USERS["teacher"])
        status, second = await issue_by_api(client)
        assert status == 201
        assert (await tutor.get(path)).status_code == 410  # superseded

        token = await csrf_token(client)
        revoked = await client.delete(f"{LINKS}/{second['id']}", headers={"x-csrftoken": token})
        assert revoked.status_code == 204
        second_path = str(second["url"]).removeprefix(settings.public_url)
        assert (await tutor.get(second_path)).status_code == 410
        again = await client.delete(f"{LINKS}/{second['id']}", headers={"x-csrftoken": token})
        assert again.status_code == 204
        missing = await client.delete(f"{LINKS}/99999", headers={"x-csrftoken": token})
        assert missing.status_code == 404


async def test_others_may_not_issue_or_revoke(
    client: AsyncTestClient, settings: Settings, sessions: Sessions, fresh: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    status, issued = await issue_by_api(client)
    assert status == 201
    link = f"{LINKS}/{issued['id']}"
    for role in ("employer", "tutor"):
        await sign_in(client, DEMO_USERS[role])
        token = await csrf_token(client)
        assert (await client.post(LINKS, headers={"x-csrftoken": token})).status_code == 403
        assert (await client.delete(link, headers={"x-csrftoken": token})).status_code == 403
    # A link id of this placement through another placement's path: 404.
    async with sessions() as session:
        other = await session.scalar(
            select(func.min(Placement.id)).where(Placement.id != PLACEMENT_ID)
        )
    await sign_in(client, DEMO_USERS["coordinator"])
    token = await csrf_token(client)
    elsewhere = await client.delete(
        f"/api/placements/{other}/assessment/tutor-links/{issued['id']}",
        headers={"x-csrftoken": token},
    )
    assert elsewhere.status_code == 404
    # A counsellor who is not this placement's may read it but not issue its link.
    async with sessions() as session, session.begin():
        await session.execute(
            update(Placement).where(Placement.id == PLACEMENT_ID).values(counsellor_id=None)
        )
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get(ASSESSMENT)).status_code == 200
    token = await csrf_token(client)
    assert (await client.post(LINKS, headers={"x-csrftoken": token})).status_code == 403
    assert (await client.delete(link, headers={"x-csrftoken": token})).status_code == 403
    async with sessions() as session:
        live = await session.scalar(
            select(TutorLink.revoked_at).where(TutorLink.id == issued["id"])
        )
    assert live is None


@pytest.mark.both_databases
async def test_four_simultaneous_issues_leave_one_live_link(
    client: AsyncTestClient, sessions: Sessions, fresh: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    responses = await asyncio.gather(
        *(client.post(LINKS, headers={"x-csrftoken": token}) for _ in range(4))
    )
    assert sorted(response.status_code for response in responses) == [201] * 4
    async with sessions() as session:
        live = (
            await session.execute(
                select(TutorLink.id).where(
                    TutorLink.placement_id == PLACEMENT_ID, TutorLink.revoked_at.is_(None)
                )
            )
        ).scalars()
        live_ids = list(live)
    assert len(live_ids) == 1
    assert live_ids[0] in {response.json()["id"] for response in responses}
