"""The language switch: the browser's language is the first guess; a choice is kept in a
cookie and, for a signed-in person, on their account; every page says which language it is in."""

from __future__ import annotations

import datetime
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from kit.i18n import (
    LANGUAGE_COOKIE,
    current_locale,
    direction,
    format_date,
    format_datetime,
    format_list,
    format_number,
)
from tests.conftest import csrf_token, sign_in

HTML_LANG = re.compile(r'<html lang="([a-z]+)" dir="(ltr|rtl)">')


def page_language(html: str) -> str:
    found = HTML_LANG.search(html)
    assert found is not None, html[:200]
    return found.group(1)


async def choose(client: AsyncTestClient, language: str, next_path: str = "/login") -> object:
    return await client.post(
        "/language",
        data={"language": language, "next": next_path, "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )


@pytest.mark.parametrize(
    ("header", "expected", "words"),
    [
        (None, "en", "Sign in"),
        ("fi-FI,fi;q=0.9,en;q=0.5", "fi", "Kirjaudu sisään"),
        ("sv-FI,sv;q=0.9", "en", "Sign in"),
    ],
)
async def test_the_browsers_language_is_the_first_guess(
    client: AsyncTestClient, header: str | None, expected: str, words: str
) -> None:
    headers = {"Accept-Language": header} if header else {}
    response = await client.get("/login", headers=headers)
    assert response.status_code == 200
    assert page_language(response.text) == expected
    assert words in response.text


async def test_a_choice_is_kept_in_a_cookie_over_the_browsers_language(
    client: AsyncTestClient,
) -> None:
    response = await choose(client, "fi", "/login?next=/home")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/home"
    cookie = response.headers["set-cookie"]
    assert f"{LANGUAGE_COOKIE}=fi" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    page = await client.get("/login", headers={"Accept-Language": "en"})
    assert page_language(page.text) == "fi"
    assert "Kirjaudu sisään" in page.text
    # The switch names each language in its own language and offers the other one.
    assert '<button type="submit" name="language" value="en" lang="en"' in page.text

    await choose(client, "en")
    page = await client.get("/login", headers={"Accept-Language": "fi"})
    assert page_language(page.text) == "en"


async def test_a_signed_in_persons_choice_follows_them_to_another_browser(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, "employer@demo.test")
    await choose(client, "fi", "/home")
    async with sessions() as session:
        chosen = await session.scalar(select(User.locale).where(User.email == "employer@demo.test"))
    assert chosen == "fi"
    # Another browser: no language cookie, an English browser; the account's choice wins.
    client.cookies.delete(LANGUAGE_COOKIE)
    home = await client.get("/home", headers={"Accept-Language": "en"})
    assert home.status_code == 200
    assert page_language(home.text) == "fi"
    assert "Kirjaudu ulos" in home.text


@pytest.mark.parametrize("language", ["", "de", "FI", "fi\x00", "ar", "fi-FI", "x" * 5000])
async def test_a_language_not_offered_is_refused_and_nothing_is_kept(
    client: AsyncTestClient, language: str
) -> None:
    response = await choose(client, language)
    assert response.status_code == 400
    assert LANGUAGE_COOKIE not in response.headers.get("set-cookie", "")
    assert page_language((await client.get("/login")).text) == "en"


@pytest.mark.parametrize(
    "next_path",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/login\x00x",
        "/a\r\nX: y",
        "",
    ],
)
async def test_the_switch_only_returns_to_a_page_of_this_site(
    client: AsyncTestClient, next_path: str
) -> None:
    response = await choose(client, "fi", next_path)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_the_switch_needs_the_forms_token(client: AsyncTestClient) -> None:
    await client.get("/login")
    response = await client.post(
        "/language", data={"language": "fi", "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert LANGUAGE_COOKIE not in response.headers.get("set-cookie", "")


def test_dates_numbers_and_lists_follow_the_language() -> None:
    day = datetime.date(2026, 11, 3)
    moment = datetime.datetime(2026, 11, 3, 14, 5, 59, tzinfo=datetime.UTC)  # 16:05 in Finland
    token = current_locale.set("fi")
    try:
        assert format_date(day) == "3.11.2026"
        assert format_datetime(moment) == "3.11.2026 16.05"
        assert format_number(12345.5) == "12\xa0345,5"
        assert format_list(["a", "b", "c"]) == "a, b ja c"
    finally:
        current_locale.reset(token)
    assert format_date(day) == "3 Nov 2026"
    assert format_datetime(moment) == "3 Nov 2026, 16:05"
    assert format_number(12345.5) == "12,345.5"
    assert format_list(["a", "b", "c"]) == "a, b and c"
    # A moment late in the evening in UTC is already the next day in Finland.
    assert format_date(datetime.datetime(2026, 11, 3, 23, 30, tzinfo=datetime.UTC)) == "4 Nov 2026"
    assert format_date(None) == format_datetime(None) == ""


def test_right_to_left_languages_are_marked() -> None:
    assert direction("ar") == direction("fa") == "rtl"
    assert direction("fi") == direction("en") == "ltr"


async def test_the_switch_returns_to_the_page_as_the_browser_wrote_it(
    client: AsyncTestClient,
) -> None:
    page = await client.get("/login?next=/home%00%22%3E%3Cb%3E&x=%C3%A4")
    found = re.search(r'name="next" value="([^"]*)"', page.text)
    assert found is not None
    assert found.group(1) == "/login?next=/home%00%22%3E%3Cb%3E&amp;x=%C3%A4"
    response = await choose(client, "fi", "/login?next=/home%00%22%3E%3Cb%3E&x=%C3%A4")
    assert response.headers["location"] == "/login?next=/home%00%22%3E%3Cb%3E&x=%C3%A4"


@pytest.mark.parametrize(
    "header",
    [
        "fi;q=nan,en;q=inf",
        "," * 20_000,
        ";q=1," * 5_000 + "fi",
        "fi-" + "x" * 8_000,
        "\u00e4\u00f6;q=0.5",
    ],
)
async def test_a_strange_accept_language_still_gets_a_page(
    client: AsyncTestClient, header: str
) -> None:
    response = await client.get("/login", headers={"Accept-Language": header.encode("latin-1")})
    assert response.status_code == 200
    assert page_language(response.text) in {"en", "fi"}


@pytest.mark.parametrize("cookie", ["de", "fi\\x00", "", "%66%69", "suomi"])
async def test_a_language_cookie_not_offered_is_ignored(
    client: AsyncTestClient, cookie: str
) -> None:
    client.cookies.set(LANGUAGE_COOKIE, cookie)
    response = await client.get("/login", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert page_language(response.text) == "en"
