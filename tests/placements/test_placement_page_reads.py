"""The candidate page's assessment section and the placement page read in a fixed number of
statements: more placements, visits and decisions add none, and the pages show the same."""

from __future__ import annotations

import datetime
import re

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kit import clock
from kit.i18n import format_date
from placements.models import MonitoringVisit, Placement, PlacementStatus
from tests.assessments.conftest import copies_of, statements_read
from tests.conftest import DEMO_USERS, sign_in

Sessions = async_sessionmaker[AsyncSession]


def _section(page: str, heading: str) -> str:
    found = re.search(rf'<section aria-labelledby="{heading}"[^>]*>(.*?)</section>', page, re.S)
    assert found is not None, heading
    return " ".join(found[1].split())


async def test_the_candidate_page_reads_every_placements_standing_at_once(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    few = await statements_read(client, "/candidates/49")
    async with sessions() as session, session.begin():
        template = await session.get_one(Placement, 3)
        copies = copies_of(template, 3, PlacementStatus.INTERRUPTED.value, staffed=False)
        session.add_all(copies)
        await session.flush()
        added = sorted((copy.id for copy in copies), reverse=True)
    assert await statements_read(client, "/candidates/49") == few
    shown = _section((await client.get("/candidates/49")).text, "assessments-heading")
    lines = re.findall(r'<li><a href="/placements/(\d+)/assessment">(.*?)</a>: (.*?)</li>', shown)
    assert [int(number) for number, _, _ in lines] == [*added, 3]  # newest first
    assert [text for _, _, text in lines[:3]] == [
        "0 of 3 ratings submitted; 0 outcomes diverge; consensus not signed yet."
    ] * 3
    signed = format_date(clock.today())  # signed when the demo was loaded, as the page writes it
    assert lines[3][1:] == (
        "Warehouse worker",
        f"3 of 3 ratings submitted; 1 outcome diverges; consensus signed on {signed}.",
    )


async def test_the_placement_page_reads_the_same_statements_with_more_visits(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    few = await statements_read(client, "/placements/1")
    async with sessions() as session, session.begin():
        for day in (1, 3, 2):
            session.add(
                MonitoringVisit(
                    placement_id=1,
                    visited_on=datetime.date(2026, 1, day),
                    visitor_id=None if day == 2 else 2,
                    notes=f"Visit {day}",
                )
            )
    assert await statements_read(client, "/placements/1") == few
    page = (await client.get("/placements/1")).text
    visits = re.search(r'<ul class="visits">(.*?)</ul>', page, re.S)
    assert visits is not None
    items = [" ".join(item.split()) for item in re.findall(r"<li>(.*?)</li>", visits[1], re.S)]
    # Newest first, the visitor's name where there is one.
    assert items[-3:] == [
        '<strong><time datetime="2026-01-03">3 Jan 2026</time></strong>, Mikko Ohjaaja<br>Visit 3',
        '<strong><time datetime="2026-01-02">2 Jan 2026</time></strong><br>Visit 2',
        '<strong><time datetime="2026-01-01">1 Jan 2026</time></strong>, Mikko Ohjaaja<br>Visit 1',
    ]
    # The tutor, teacher and counsellor with their addresses, read with the placement.
    for name, email in (
        ("Pekka Työpaikkaohjaaja", "tutor@demo.test"),
        ("Leena Opettaja", "teacher@demo.test"),
        ("Mikko Ohjaaja", "counsellor@demo.test"),
    ):
        assert f'{name} <span class="muted">(<a href="mailto:{email}">{email}</a>)</span>' in page
    # The timeline: who proposed and who accepted, read with the decisions.
    assert "<strong>Proposed to the employer</strong> by Mikko Ohjaaja, " in page
    assert "<strong>Accepted by the employer</strong> by Jari Työnantaja, " in page
    assert "1 of 3 ratings submitted; consensus not signed yet." in " ".join(
        _section(page, "assessment-heading").split()
    )
