"""Each role's home page reads only what it shows, in a fixed number of statements: more
placements owing a rating or waiting for a certificate add none."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from competences.models import Framework
from placements.models import Placement, PlacementStatus
from tests.assessments.conftest import copies_of, statements_read
from tests.conftest import DEMO_USERS, sign_in

Sessions = async_sessionmaker[AsyncSession]

# Beside the sign-in look-up: the ratings owed, the certificates to issue and the follow-ups
# due (counsellor);
# the certificates, the frameworks and the dashboard's five (coordinator: the counsellors and
# fields offered, the indicators, the funnel, the trends); the ratings owed (teacher); the
# dashboard's four (the steering committee: no counsellors offered).
STATEMENTS = {"counsellor": 4, "coordinator": 8, "teacher": 2, "steering": 5}


async def _more_placements(sessions: Sessions, count: int) -> None:
    """``count`` more active placements like the demo's first, each owing every rating."""
    async with sessions() as session, session.begin():
        template = await session.get_one(Placement, 1)
        session.add_all(copies_of(template, count, PlacementStatus.COMPLETED.value))


def _owed(page: str) -> list[str]:
    found = re.search(r'<section aria-labelledby="owed-heading">(.*?)</section>', page, re.S)
    if found is None:
        return []
    return re.findall(r'<a href="/placements/(\d+)/assessment#own-rating">', found[1])


@pytest.mark.parametrize("role", sorted(STATEMENTS))
async def test_the_home_page_reads_the_same_statements_however_much_it_lists(
    client: AsyncTestClient, sessions: Sessions, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    assert await statements_read(client, "/home") == STATEMENTS[role]
    before = _owed((await client.get("/home")).text)
    await _more_placements(sessions, 3)
    assert await statements_read(client, "/home") == STATEMENTS[role]
    after = _owed((await client.get("/home")).text)
    if role in ("coordinator", "steering"):
        assert before == after == []  # they hold no seat
    else:
        assert len(set(after) - set(before)) == 3
        assert after == sorted(after, key=int)  # oldest placement first


async def test_what_each_home_page_shows(client: AsyncTestClient, sessions: Sessions) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    page = (await client.get("/home")).text
    assert re.findall(r"<li><a href=\"/placements/1/assessment#own-rating\">(.*?)</li>", page) == [
        'Jawad Sultani</a>, Warehouse worker at Savon Varastopalvelut Oy <span class="muted">'
        "(draft saved)</span>"
    ]
    assert "Indicators against targets" not in page
    await sign_in(client, DEMO_USERS["teacher"])
    page = (await client.get("/home")).text
    assert "owed-heading" not in page  # the demo teacher has submitted on both placements
    assert "to-certify-heading" not in page
    await sign_in(client, DEMO_USERS["coordinator"])
    page = (await client.get("/home")).text
    async with sessions() as session:
        frameworks = len((await session.scalars(select(Framework.id))).all())
    assert f"({frameworks} frameworks in use)." in page
    # Partners since the programme began (the demo's were approved before it) and targets.
    assert re.findall(
        r'<th scope="row">Partners: (.*?)</th>\s*<td>\d+</td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>',
        page,
    ) == [("major companies", "5", "10"), ("other organisations", "7", "4")]
    assert "owed-heading" not in page
