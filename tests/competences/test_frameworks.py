"""Staff browse and search frameworks in pages and the API."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import DEMO_USERS, sign_in


@pytest.fixture
async def staff(client: AsyncTestClient) -> AsyncTestClient:
    await sign_in(client, DEMO_USERS["counsellor"])
    return client


async def test_framework_list_shows_the_sample_frameworks(staff: AsyncTestClient) -> None:
    text = (await staff.get("/frameworks")).text
    for code in ("CAT", "CLE", "LOG"):
        assert f'href="/frameworks/{code}"' in text


async def test_framework_page_shows_units_outcomes_and_criteria(staff: AsyncTestClient) -> None:
    response = await staff.get("/frameworks/LOG")
    assert response.status_code == 200
    text = response.text
    assert "LOG-U1" in text
    assert "LOG-U1-01" in text
    assert "1 · satisfactory" in text
    assert "3 · good" in text
    assert "5 · excellent" in text


async def test_search_across_frameworks_finds_alternative_labels(staff: AsyncTestClient) -> None:
    text = (await staff.get("/frameworks", params={"q": "forklift"})).text
    assert "competence matches" in text or "competences match" in text
    assert "LOG-" in text
    nothing = (await staff.get("/frameworks", params={"q": "zzzqqq"})).text
    assert "0 competences match" in nothing
    assert "Nothing found" in nothing


async def test_search_treats_wildcards_as_text(staff: AsyncTestClient) -> None:
    text = (await staff.get("/frameworks", params={"q": "%"})).text
    assert "0 competences match" in text


async def test_search_within_one_framework(staff: AsyncTestClient) -> None:
    text = (await staff.get("/frameworks/CAT", params={"q": "allergen"})).text
    assert re.search(r"\d+ competences? match(es)?\.", text)
    assert "CAT-" in text
    assert "LOG-" not in text


async def test_unknown_framework_is_404(staff: AsyncTestClient) -> None:
    assert (await staff.get("/frameworks/NOPE")).status_code == 404


async def test_api_lists_and_returns_frameworks(staff: AsyncTestClient) -> None:
    listing = (await staff.get("/api/frameworks")).json()
    by_code = {item["code"]: item for item in listing}
    assert set(by_code) == {"CAT", "CLE", "LOG"}
    assert by_code["LOG"]["competences"] == 16
    framework = (await staff.get("/api/frameworks/LOG")).json()
    outcome = framework["units"][0]["competences"][0]
    assert [c["grade"] for c in outcome["criteria"]] == [1, 3, 5]
    assert outcome["labels"]["fi"]
    assert outcome["alt_labels"]["en"]


async def test_employer_cannot_browse_frameworks(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    assert (await client.get("/frameworks")).status_code == 403
    assert (await client.get("/api/frameworks")).status_code == 403
