"""The record's access log: every opening of a candidate's record by someone allowed to open
it, and only the coordinator reads it."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from candidates.access_log import SHOWN
from candidates.models import RecordOpening
from tests.candidates.conftest import Database, MakeCandidate
from tests.conftest import DEMO_USERS, sign_in

pytestmark = pytest.mark.both_databases


async def openings_of(db: Database, candidate_id: int) -> list[tuple[int | None, str, str]]:
    async with db.session() as session:
        rows = await session.execute(
            RecordOpening.__table__.select()
            .where(RecordOpening.candidate_id == candidate_id)
            .order_by(RecordOpening.id)
        )
        return [(row.user_id, row.role, row.via) for row in rows]


async def test_each_opening_of_the_record_is_logged_with_who_and_how(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(by=DEMO_USERS["counsellor"], name="Logged Opening")
    counsellor = await db.user_id(DEMO_USERS["counsellor"])
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get(f"/candidates/{candidate}")).status_code == 200
    assert (await client.get(f"/candidates/{candidate}")).status_code == 200
    assert (await client.get(f"/api/candidates/{candidate}")).status_code == 200
    assert await openings_of(db, candidate) == [
        (counsellor, "counsellor", "page"),
        (counsellor, "counsellor", "page"),
        (counsellor, "counsellor", "api"),
    ]
    # The counsellor does not read the log.
    page = await client.get(f"/candidates/{candidate}")
    assert "Who opened this record" not in page.text


async def test_a_refused_opening_leaves_no_line(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    outside = await make_candidate(by=DEMO_USERS["coordinator"], name="Outside Caseload")
    await sign_in(client, DEMO_USERS["counsellor"])
    for path in (f"/candidates/{outside}", f"/api/candidates/{outside}"):
        assert (await client.get(path)).status_code == 404
    await sign_in(client, DEMO_USERS["employer"])
    assert (await client.get(f"/candidates/{outside}")).status_code in (403, 404)
    assert await openings_of(db, outside) == []


async def test_the_coordinator_reads_who_opened_the_record(
    client: AsyncTestClient, db: Database, make_candidate: MakeCandidate
) -> None:
    candidate = await make_candidate(by=DEMO_USERS["counsellor"], name="Read Log")
    await sign_in(client, DEMO_USERS["counsellor"])
    for _ in range(SHOWN + 1):
        await client.get(f"/api/candidates/{candidate}")
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get(f"/candidates/{candidate}")
    assert page.status_code == 200
    section = page.text.split('id="openings-heading"')[1].split("</section>")[0]
    # The coordinator's own opening is the newest line; the list stops at SHOWN.
    assert f"The latest of {SHOWN + 2} openings" in section
    rows = re.findall(r"<tr>\s*<td><time", section)
    assert len(rows) == SHOWN
    assert "Mikko Ohjaaja" in section
    assert "Counsellor" in section
    assert "Coordinator" in section.split("</tr>")[1]  # the first row after the header
