"""Requests to correct a record (GDPR art. 16): the candidate asks, the counsellor answers."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from candidates.models import Candidate, CorrectionRequest
from tests.conftest import DEMO_USERS, csrf_token, sign_in

pytestmark = pytest.mark.both_databases

WRONG = "My phone number is now 040 765 4321, not the old one."


async def post(client: AsyncTestClient, path: str, form: dict[str, str]) -> object:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


async def demo_candidate_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        found = await session.scalar(select(Candidate.id).where(Candidate.user_id.is_not(None)))
        assert found is not None
        return int(found)


async def requests(sessions: async_sessionmaker[AsyncSession]) -> list[CorrectionRequest]:
    async with sessions() as session:
        return list((await session.scalars(select(CorrectionRequest))).all())


async def ask(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["candidate"])
    answer = await post(client, "/my/corrections", {"text": WRONG})
    assert answer.status_code == 303  # type: ignore[attr-defined]


async def test_the_candidate_asks_and_reads_the_counsellors_answer(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    candidate_id = await demo_candidate_id(sessions)
    await ask(client)
    page = await client.get("/my/corrections")
    assert WRONG in page.text
    assert "waiting for an answer" in page.text

    await sign_in(client, DEMO_USERS["counsellor"])
    record = await client.get(f"/candidates/{candidate_id}")
    assert WRONG in record.text
    [request] = await requests(sessions)
    answer = await post(
        client,
        f"/candidates/{candidate_id}/corrections/{request.id}",
        {"status": "corrected", "answer": "Changed on your record."},
    )
    assert answer.status_code == 303  # type: ignore[attr-defined]
    [request] = await requests(sessions)
    assert request.status == "corrected"
    assert request.answered_at is not None

    await sign_in(client, DEMO_USERS["candidate"])
    page = await client.get("/my/corrections")
    assert "Changed on your record." in page.text
    assert "corrected" in page.text


async def test_a_refusal_needs_a_reason_and_a_request_is_answered_once(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    candidate_id = await demo_candidate_id(sessions)
    await ask(client)
    [request] = await requests(sessions)
    path = f"/candidates/{candidate_id}/corrections/{request.id}"
    await sign_in(client, DEMO_USERS["counsellor"])
    for form in (
        {"status": "declined", "answer": "  "},
        {"status": "open", "answer": "x"},
        {"status": "\x00", "answer": "x"},
        {"answer": "x"},
    ):
        answer = await post(client, path, form)
        assert answer.status_code == 303  # type: ignore[attr-defined]
        [unchanged] = await requests(sessions)
        assert unchanged.status == "open", form

    first = await post(client, path, {"status": "declined", "answer": "The number is right."})
    assert first.status_code == 303  # type: ignore[attr-defined]
    await post(client, path, {"status": "corrected", "answer": ""})
    [request] = await requests(sessions)
    assert request.status == "declined"
    assert request.answer == "The number is right."


async def test_four_answers_at_once_store_one(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    candidate_id = await demo_candidate_id(sessions)
    await ask(client)
    [request] = await requests(sessions)
    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    path = f"/candidates/{candidate_id}/corrections/{request.id}"
    answers = await asyncio.gather(
        *(
            client.post(
                path,
                data={"status": "declined", "answer": f"answer {n}", "_csrf_token": token},
                follow_redirects=False,
            )
            for n in range(4)
        )
    )
    assert all(answer.status_code == 303 for answer in answers)
    [request] = await requests(sessions)
    assert request.status == "declined"
    assert request.answer in {f"answer {n}" for n in range(4)}


async def test_only_the_candidates_own_staff_answer_and_bad_requests_save_nothing(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    candidate_id = await demo_candidate_id(sessions)
    await sign_in(client, DEMO_USERS["candidate"])
    for text in ("", "   ", "x" * 2001):
        answer = await post(client, "/my/corrections", {"text": text})
        assert answer.status_code == 400  # type: ignore[attr-defined]
    answer = await post(client, "/my/corrections", {"text": "ok\x00"})
    assert answer.status_code == 400  # type: ignore[attr-defined]
    async with sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(CorrectionRequest))
    assert stored == 0
    await ask(client)
    [request] = [r for r in await requests(sessions) if r.text == WRONG]
    path = f"/candidates/{candidate_id}/corrections/{request.id}"
    for role, expected in (("teacher", 403), ("employer", 403), ("candidate", 403)):
        await sign_in(client, DEMO_USERS[role])
        answer = await post(client, path, {"status": "corrected"})
        assert answer.status_code == expected, role  # type: ignore[attr-defined]
    await sign_in(client, DEMO_USERS["counsellor"])
    for wrong in (
        f"/candidates/{candidate_id}/corrections/{request.id + 1000}",
        f"/candidates/{candidate_id + 1}/corrections/{request.id}",
        f"/candidates/{candidate_id}/corrections/{2**31 + 1}",
    ):
        answer = await post(client, wrong, {"status": "corrected"})
        assert answer.status_code == 404, wrong  # type: ignore[attr-defined]
    [unchanged] = [r for r in await requests(sessions) if r.id == request.id]
    assert unchanged.status == "open"
