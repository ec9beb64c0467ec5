"""The candidate's page lists their placements (read from the placements tables)."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from placements.models import Placement
from tests.candidates.conftest import Database
from tests.conftest import DEMO_USERS, sign_in


async def test_the_candidates_page_lists_their_placements(
    client: AsyncTestClient, db: Database
) -> None:
    placement = await db.scalar(select(Placement).where(Placement.id == 1))
    assert placement is not None
    await sign_in(client, DEMO_USERS["counsellor"])

    page = (await client.get(f"/candidates/{placement.candidate_id}")).text
    section = page.split('id="placements-heading"')[1].split("</section>")[0]
    assert 'href="/placements/1"' in section
    assert "Warehouse worker" in section
    assert "Active" in section

    # A status change shows at once; a candidate with no placement has no such section.
    async with db.session() as session, session.begin():
        await session.execute(update(Placement).where(Placement.id == 1).values(status="completed"))
    page = (await client.get(f"/candidates/{placement.candidate_id}")).text
    assert "Completed" in page.split('id="placements-heading"')[1].split("</section>")[0]

    unplaced = await db.scalar(select(Placement.candidate_id).where(Placement.candidate_id == 2))
    assert unplaced is None
    page = (await client.get("/candidates/2")).text
    assert (await client.get("/candidates/2")).status_code == 200
    assert 'id="placements-heading"' not in page
