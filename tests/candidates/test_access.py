"""The coordinator opens a candidate's record to another counsellor, and closes it again."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from accounts.services import create_user
from candidates.models import CandidateAccess
from kit.roles import Role
from tests.candidates.conftest import Database
from tests.conftest import DEMO_USERS, csrf_token, sign_in

SECOND = "second.counsellor@demo.test"


async def second_counsellor(db: Database) -> int:
    async with db.session() as session, session.begin():
        user = await create_user(
            session, email=SECOND, name="Toinen Ohjaaja", role=Role.COUNSELLOR, password="isok-demo"
        )
        return int(user.id)


async def post_access(client: AsyncTestClient, candidate: int, **data: str):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/candidates/{candidate}/access",
        data={"_csrf_token": await csrf_token(client), **data},
        follow_redirects=False,
    )


async def test_opened_record_is_visible_until_closed(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    other = await second_counsellor(db)
    await sign_in(client, SECOND)
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 404
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})

    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_access(client, candidate_id, counsellor=str(other), action="open")
    assert response.status_code == 303
    page = (await client.get(f"/candidates/{candidate_id}")).text
    assert "Toinen Ohjaaja" in page
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})

    await sign_in(client, SECOND)
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 200
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})

    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_access(client, candidate_id, counsellor=str(other), action="close")
    assert response.status_code == 303
    assert await db.count(CandidateAccess, CandidateAccess.candidate_id == candidate_id) == 0
    await client.post("/logout", headers={"x-csrftoken": await csrf_token(client)})
    await sign_in(client, SECOND)
    assert (await client.get(f"/candidates/{candidate_id}")).status_code == 404


async def test_bad_choices_are_refused_and_nothing_is_saved(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    own = await db.user_id(DEMO_USERS["counsellor"])
    teacher = await db.user_id(DEMO_USERS["teacher"])
    await sign_in(client, DEMO_USERS["coordinator"])
    for value, message in (
        ("", "Choose a counsellor."),
        (str(teacher), "Choose a counsellor."),
        (str(own), "already has the candidate in their caseload"),
    ):
        response = await post_access(client, candidate_id, counsellor=value, action="open")
        assert response.status_code == 400
        assert message in response.text
    response = await post_access(client, candidate_id, counsellor=str(own), action="close")
    assert response.status_code == 400
    assert await db.count(CandidateAccess, CandidateAccess.candidate_id == candidate_id) == 0


async def test_only_the_coordinator_gives_access(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    other = await second_counsellor(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post_access(client, candidate_id, counsellor=str(other), action="open")
    assert response.status_code == 403
    assert await db.count(CandidateAccess, CandidateAccess.candidate_id == candidate_id) == 0
