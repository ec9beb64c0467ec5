"""The record of processing and the privacy notice come from the data inventory."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from portal.inventory import all_entries
from portal.processing import ACTIVITIES, activity_of, record_of_processing
from tests.conftest import DEMO_USERS, sign_in


def test_every_personal_column_belongs_to_one_described_activity() -> None:
    undescribed = sorted(
        {
            entry.purpose
            for entry in all_entries()
            if entry.personal and not activity_of(entry.purpose)
        }
    )
    assert undescribed == [], "purposes no processing activity covers (portal/processing.py)"


def test_the_record_lists_every_table_that_holds_personal_data() -> None:
    listed = {table for record in record_of_processing() for table, _ in record.data}
    personal = {entry.table for entry in all_entries() if entry.personal}
    assert listed == personal
    keys = [activity.key for activity in ACTIVITIES]
    assert len(keys) == len(set(keys))


def test_the_longest_purpose_decides_the_activity() -> None:
    # The funder's results are written as the public task's purpose with a detail.
    results = next(e for e in all_entries() if e.table == "reporting_outcome" and e.personal)
    found = activity_of(results.purpose)
    assert found is not None
    assert found.key == "reporting"
    assert activity_of("something nobody described") is None


@pytest.mark.both_databases
async def test_the_coordinator_reads_the_record_in_both_languages(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get("/processing")
    assert page.status_code == 200
    assert "Record of processing activities" in page.text
    for table in ("candidate", "guidance_note", "reporting_participant", "login_attempt"):
        assert f"<code>{table}</code>" in page.text
    assert "for 5 years" in page.text
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get("/processing")).status_code == 403


async def test_the_privacy_notice_is_public_and_linked_from_every_page(
    client: AsyncTestClient,
) -> None:
    page = await client.get("/privacy")
    assert page.status_code == 200
    assert "Data Protection Ombudsman" in page.text
    for activity in ACTIVITIES:
        assert f'id="activity-{activity.key}"' in page.text
    assert 'href="/privacy"' in (await client.get("/login")).text
    finnish = await client.get("/privacy", headers={"Accept-Language": "fi"})
    assert "Tietosuojaseloste" in finnish.text
