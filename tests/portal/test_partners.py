"""The coordinator's partner view counts each partner's positions from the database."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from kit.settings import Settings
from placements.models import Position
from portal.database import create_engine, create_session_factory
from tests.conftest import DEMO_USERS, sign_in


async def position_counts(settings: Settings, organisation_id: int) -> tuple[int, int]:
    engine = create_engine(settings.database)
    try:
        async with create_session_factory(engine)() as session:
            base = (
                select(func.count())
                .select_from(Position)
                .where(Position.organisation_id == organisation_id)
            )
            total = (await session.execute(base)).scalar_one()
            opened = (await session.execute(base.where(Position.status == "open"))).scalar_one()
    finally:
        await engine.dispose()
    return opened, total


async def test_partners_page_shows_open_and_total_positions(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    opened, total = await position_counts(settings, 1)
    assert total > opened > 0
    text = (await client.get("/partners")).text
    assert f'<a href="/positions?organisation=1">{opened} of {total}</a>' in text


async def test_staff_can_list_one_organisations_open_positions(
    client: AsyncTestClient, settings: Settings
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    opened, _total = await position_counts(settings, 2)
    text = (await client.get("/positions", params={"organisation": "2"})).text
    links = set(re.findall(r'href="/positions/(\d+)"', text))
    assert len(links) == opened
    everything = set(re.findall(r'href="/positions/(\d+)"', (await client.get("/positions")).text))
    assert links < everything


async def test_employer_cannot_widen_the_list_to_another_organisation(
    client: AsyncTestClient,
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    own = (await client.get("/positions")).text
    asked = (await client.get("/positions", params={"organisation": "2"})).text
    assert set(re.findall(r'href="/positions/(\d+)"', asked)) == set(
        re.findall(r'href="/positions/(\d+)"', own)
    )
