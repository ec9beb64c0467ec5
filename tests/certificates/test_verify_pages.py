"""Public verification by code: no login, the same answer for every unknown code, throttled."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from certificates import codes
from certificates.content import Content
from tests.certificates.conftest import CERTIFIED_PLACEMENT, certificates_of


async def demo_code(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
        return certificate.code


async def test_anyone_sees_a_valid_certificate_with_what_it_certifies(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
    content = Content.from_json(certificate.content)
    page = await client.get(f"/verify/{certificate.code}")
    assert page.status_code == 200
    assert "Valid" in page.text
    assert content.recipient.name in page.text
    assert content.issuer.name in page.text
    for outcome in content.outcomes:
        assert outcome.name in page.text
    assert page.headers["cache-control"] == "no-store"  # a revocation shows at once
    assert "noindex" in page.headers["x-robots-tag"]
    assert 'lang="fi"' in page.text  # the certificate's own language, marked for readers


async def test_the_form_takes_a_code_as_people_type_it(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    code = await demo_code(sessions)
    form = await client.get("/verify")
    assert form.status_code == 200
    assert '<label for="code">' in form.text
    loose = " " + code.replace("-", "").lower().replace("0", "o").replace("1", "l") + " "
    response = await client.get("/verify", params={"code": loose}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/verify/{code}"
    typed = await client.get(f"/verify/{code.lower()}", follow_redirects=False)
    assert typed.status_code == 301
    assert typed.headers["location"] == f"/verify/{code}"


def echo_removed(page: str) -> str:
    page = re.sub(r"No certificate has the code .*?\.</strong>", "", page, flags=re.S)
    page = re.sub(r'name="code" type="text" value="[^"]*"', "", page)
    # The language switch returns to the page it is on.
    return re.sub(r'name="next" value="[^"]*"', "", page)


def unknown_code() -> str:
    return codes.new_code()


@pytest.mark.parametrize(
    "code",
    [
        "never-issued",  # replaced by a fresh well-formed code in the test
        "0000-0000-0000-0000-0000",
        "not a code",
        "٣٣٣٣-٣٣٣٣-٣٣٣٣-٣٣٣٣-٣٣٣٣",
        "AAAA-AAAA-AAAA-AAAA-AAA%00",
        "x" * 5000,
    ],
)
async def test_every_unknown_code_gets_the_same_answer(client: AsyncTestClient, code: str) -> None:
    if code == "never-issued":
        code = unknown_code()
    response = await client.get(f"/verify/{code}")
    assert response.status_code == 404
    assert "No certificate found" in response.text
    assert "\x00" not in response.text
    reference = await client.get(f"/verify/{unknown_code()}")
    # The same page but for the code echoed back.
    assert echo_removed(response.text) == echo_removed(reference.text)


async def test_a_malformed_code_in_the_form_is_explained_beside_the_field(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/verify", params={"code": "12345"})
    assert response.status_code == 404
    assert 'id="code-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="12345"' in response.text


async def test_guessing_codes_is_throttled_and_a_found_one_gives_the_try_back(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    code = await demo_code(sessions)
    statuses = [(await client.get(f"/verify/{unknown_code()}")).status_code for _ in range(5)]
    assert statuses == [404] * 5
    blocked = await client.get(f"/verify/{unknown_code()}")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "Too many tries" in blocked.text
    # Even the right code waits while the delay is in force: nothing is looked up.
    assert (await client.get(f"/verify/{code}")).status_code == 429
