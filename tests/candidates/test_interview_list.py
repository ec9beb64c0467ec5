"""The interview list: every upcoming interview, those held a page at a time, latest first."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from candidates.interview_pages import HELD_PAGE_SIZE
from candidates.models import Interview
from tests.conftest import DEMO_USERS, sign_in

HELD_LINK = re.compile(r'<th scope="row"><a href="/interviews/(\d+)">')


def held_ids(html: str) -> list[int]:
    held = html.split('id="held"')[1].split("<h2")[0]
    return [int(found) for found in HELD_LINK.findall(held)]


async def test_interviews_held_come_a_page_at_a_time(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        completed = await session.scalar(
            select(func.count()).select_from(Interview).where(Interview.status == "completed")
        )
    assert completed > HELD_PAGE_SIZE, "the demo holds more than a page of interviews"
    await sign_in(client, DEMO_USERS["coordinator"])
    first = await client.get("/interviews")
    assert first.status_code == 200
    pages = -(-completed // HELD_PAGE_SIZE)
    assert f"Page 1 of {pages}" in first.text
    seen: list[int] = []
    for number in range(1, pages + 1):
        page = await client.get(f"/interviews?page={number}")
        ids = held_ids(page.text)
        assert 0 < len(ids) <= HELD_PAGE_SIZE
        seen += ids
    assert len(seen) == len(set(seen)) == completed
    assert held_ids(first.text) == seen[:HELD_PAGE_SIZE]


@pytest.mark.parametrize(
    ("page", "shown"),
    [("0", 1), ("-3", 1), ("٢", 1), ("2\x00", 1), ("x", 1), ("9" * 40, "last"), ("99999", "last")],
)
async def test_a_page_that_is_not_there_shows_the_nearest(
    client: AsyncTestClient, page: str, shown: int | str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await client.get("/interviews", params={"page": page})
    assert response.status_code == 200
    found = re.search(r"Page (\d+) of (\d+)", response.text)
    assert found is not None
    expected = found.group(2) if shown == "last" else str(shown)
    assert found.group(1) == expected
