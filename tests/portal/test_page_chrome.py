"""The page frame: "Error:" in the title of a failed form, one current menu item."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import DEMO_USERS, csrf_token, sign_in

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">')


async def test_a_failed_form_puts_error_first_in_the_title(client: AsyncTestClient) -> None:
    page = await client.get("/login")
    title = TITLE.search(page.text)
    assert title is not None
    assert not title.group(1).startswith("Error:")
    failed = await client.post(
        "/login", data={"email": "", "password": "", "_csrf_token": await csrf_token(client)}
    )
    assert failed.status_code == 400
    title = TITLE.search(failed.text)
    assert title is not None
    assert title.group(1).startswith("Error: Sign in")


@pytest.mark.parametrize(
    ("role", "path", "current"),
    [
        ("employer", "/organisation/people", "/organisation/people"),
        ("employer", "/organisation", "/organisation"),
        ("tutor", "/organisation", "/organisation"),
        ("coordinator", "/organisations/1", "/partners"),
        ("counsellor", "/candidates", "/candidates"),
        ("coordinator", "/positions/1", "/positions"),
        ("coordinator", "/home", "/home"),
    ],
)
async def test_one_menu_item_is_marked_current(
    client: AsyncTestClient, role: str, path: str, current: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    page = await client.get(path)
    assert page.status_code == 200
    assert CURRENT.findall(page.text) == [current]


async def test_a_proposal_belongs_to_the_proposals(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    listing = await client.get("/proposals")
    found = re.search(r'href="(/positions/\d+/proposals/\d+)"', listing.text)
    assert found is not None
    page = await client.get(found.group(1))
    assert page.status_code == 200
    assert CURRENT.findall(page.text) == ["/proposals"]


@pytest.mark.parametrize("language", ["en", "fi"])
async def test_every_page_links_the_accessibility_statement(
    client: AsyncTestClient, language: str
) -> None:
    headers = {"Accept-Language": language}
    landing = await client.get("/", headers=headers)
    assert 'href="/accessibility"' in landing.text
    statement = await client.get("/accessibility", headers=headers)
    assert statement.status_code == 200
    settings = client.app.state.settings.certificates
    # Who to write to, and where to turn after that.
    assert settings.issuer_name in statement.text
    assert "saavutettavuusvaatimukset.fi" in statement.text
    assert "WCAG" in statement.text
