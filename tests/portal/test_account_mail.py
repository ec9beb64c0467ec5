"""The account e-mails (a password link, invitations, a candidate's first password, the
registration's) reach a real SMTP server in the recipient's language, as plain text and
HTML, with a one-time link that works; no log line of the whole exchange holds its token.

The Finnish texts come with the catalogue; each test computes what the subject reads in the
message's language with the catalogue as it is, so it holds before and after translation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from candidates import services as candidate_services
from kit.i18n import LANGUAGE_COOKIE, gettext, in_language
from kit.roles import viewer_for
from kit.settings import MailSettings
from tests.candidates.conftest import candidate_input
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.employers.test_registration import FORM, register
from tests.mailbox import PUBLIC_URL, Inbox, deliver, html_of, text_of
from tests.portal.test_people import invite

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]

# A one-time link in a message, on the portal's public URL: its path and its token.
ONE_TIME_LINK = re.compile(
    r"http://127\.0\.0\.1:8000(/(?:password/reset|invitations)/([A-Za-z0-9_-]{20,}))"
)


def in_locale(locale: str, message_id: str) -> str:
    with in_language(locale):
        return gettext(message_id)


def assert_written_in(message: EmailMessage, locale: str, subject: str) -> None:
    """``message`` is in ``locale``: its header, its HTML and its subject (``subject`` is the
    message id, translated here as the recipient's catalogue has it)."""
    assert message["Content-Language"] == locale
    assert f'<html lang="{locale}"' in html_of(message)
    assert str(message["Subject"]) == in_locale(locale, subject)
    assert text_of(message).strip()  # a plain text part beside the HTML


def one_time_link(message: EmailMessage) -> tuple[str, str]:
    """The path and token of the message's one-time link, the same in both parts."""
    in_text = ONE_TIME_LINK.search(text_of(message))
    in_html = ONE_TIME_LINK.search(html_of(message))
    assert in_text is not None, text_of(message)
    assert in_html is not None, html_of(message)
    assert in_text.group(0) == in_html.group(0)
    assert f'href="{in_text.group(0)}"' in html_of(message)
    return in_text.group(1), in_text.group(2)


async def post(client: AsyncTestClient, path: str, **data: str) -> Any:
    return await client.post(
        path, data={**data, "_csrf_token": await csrf_token(client)}, follow_redirects=False
    )


async def choose_locale(sessions: Sessions, email: str, locale: str) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(User).where(func.lower(User.email) == email.lower()).values(locale=locale)
        )


async def test_a_password_link_arrives_in_the_accounts_language_and_works(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    counsellor = DEMO_USERS["counsellor"]
    await choose_locale(sessions, counsellor, "fi")
    # Asked for from an English page: the account's choice decides the e-mail's language.
    asked = await post(client, "/password/forgot", email=counsellor)
    assert asked.status_code == 200
    assert '<html lang="en"' in asked.text

    assert (await deliver(sessions, mail)).sent == 1
    (message,) = inbox.to(counsellor)
    assert_written_in(message, "fi", "Set a new password for the ISOK portal")
    path, _token = one_time_link(message)

    done = await post(
        client, path, password="counsellor-new-1", password_confirm="counsellor-new-1"
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/login"
    await sign_in(client, counsellor, "counsellor-new-1")


@pytest.mark.parametrize(
    ("chosen_by", "locale"), [("nobody", "en"), ("cookie", "fi"), ("inviter", "fi")]
)
async def test_an_invitation_arrives_in_the_language_of_the_inviters_page(
    client: AsyncTestClient,
    sessions: Sessions,
    smtp: tuple[Inbox, MailSettings],
    chosen_by: str,
    locale: str,
) -> None:
    inbox, mail = smtp
    if chosen_by == "inviter":
        await choose_locale(sessions, DEMO_USERS["employer"], "fi")
    await sign_in(client, DEMO_USERS["employer"])
    if chosen_by == "cookie":
        client.cookies.set(LANGUAGE_COOKIE, "fi", domain=client.base_url.host, path="/")
    address = "uusi.ohjaaja@example.fi"
    answer = await invite(client, email=address)
    assert answer.status_code == 201, answer.text
    assert f'<html lang="{locale}"' in answer.text

    assert (await deliver(sessions, mail)).sent == 1
    (message,) = inbox.to(address)
    assert_written_in(message, locale, "You are invited to the ISOK portal")
    path, _token = one_time_link(message)
    assert path.startswith("/invitations/")
    accepted = await post(
        client, path, password="tutor-password-1", password_confirm="tutor-password-1"
    )
    assert accepted.status_code == 303
    async with sessions() as session:
        made = await session.scalar(select(func.count(User.id)).where(User.email == address))
    assert made == 1


async def test_an_address_with_an_account_gets_the_note_in_its_own_language_without_a_link(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    await choose_locale(sessions, DEMO_USERS["tutor"], "fi")
    await sign_in(client, DEMO_USERS["employer"])
    assert (await invite(client, email=DEMO_USERS["tutor"])).status_code == 201
    assert (await deliver(sessions, mail)).sent == 1
    (note,) = inbox.to(DEMO_USERS["tutor"])
    assert_written_in(note, "fi", "Someone tried to invite you to the ISOK portal")
    assert ONE_TIME_LINK.search(text_of(note) + html_of(note)) is None


async def test_the_candidates_invitation_arrives_with_a_link_that_sets_the_password(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    address = "amina.oma@example.fi"
    async with sessions() as session, session.begin():
        counsellor = await session.scalar(
            select(User).where(User.email == DEMO_USERS["counsellor"])
        )
        candidate = await candidate_services.create_candidate(
            session,
            viewer=viewer_for(counsellor),
            data=candidate_input(name="Amina Oma", email=address),
        )
        candidate_id = candidate.id
    await sign_in(client, DEMO_USERS["counsellor"])
    client.cookies.set(LANGUAGE_COOKIE, "fi", domain=client.base_url.host, path="/")
    invited = await post(client, f"/candidates/{candidate_id}/account")
    assert invited.status_code == 201, invited.text

    assert (await deliver(sessions, mail)).sent == 1
    (message,) = inbox.to(address)
    assert_written_in(message, "fi", "Your own pages in the ISOK portal")
    path, _token = one_time_link(message)
    assert path.startswith("/password/reset/")
    done = await post(
        client, path, password="amina-own-pass-1", password_confirm="amina-own-pass-1"
    )
    assert done.status_code == 303
    await sign_in(client, address, "amina-own-pass-1")


async def test_the_registration_sends_the_contact_a_first_password_link(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    client.cookies.set(LANGUAGE_COOKIE, "fi", domain=client.base_url.host, path="/")
    assert (await register(client)).status_code == 200
    assert (await deliver(sessions, mail)).sent == 1
    (message,) = inbox.to(FORM["email"])
    assert_written_in(message, "fi", "Set your password for the ISOK portal")
    assert FORM["name"] in text_of(message)
    path, _token = one_time_link(message)
    assert (await client.get(path)).status_code == 200


async def test_an_application_with_a_taken_address_tells_its_owner_in_their_language(
    client: AsyncTestClient, sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    owner = DEMO_USERS["teacher"]
    await choose_locale(sessions, owner, "fi")
    assert (await register(client, email=owner)).status_code == 200  # from an English page
    assert (await deliver(sessions, mail)).sent == 1
    (note,) = inbox.to(owner)
    assert_written_in(note, "fi", "Someone applied to the ISOK portal with your address")
    assert ONE_TIME_LINK.search(text_of(note) + html_of(note)) is None
    # It leads to where anyone asks for a password link, on the sender's public URL.
    assert f'href="{PUBLIC_URL}/password/forgot"' in html_of(note)


@contextmanager
def every_logger_at_debug(handler: logging.Handler) -> Iterator[None]:
    """Every logger (those made meanwhile too) at DEBUG, and ``handler`` hearing each."""
    root = logging.getLogger()
    loggers = [root] + [
        logger for logger in root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    deaf = [logger for logger in loggers if not logger.propagate]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    for logger in deaf:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in deaf:
            logger.removeHandler(handler)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled


# Lines that are not the portal's: the test's own client (as a browser, it knows the address
# it opens) and the test's SMTP server (it receives the link, as it must).
NOT_THE_PORTAL = frozenset({"httpx", "mail.log"})
# The SQLite driver's DEBUG trace shows every statement's values, so also the outbox row that
# holds the link until it is sent; nothing else of the database's may.
DRIVER_TRACE = "aiosqlite"


async def test_no_log_record_holds_a_links_token(
    client: AsyncTestClient,
    sessions: Sessions,
    smtp: tuple[Inbox, MailSettings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, mail = smtp
    caplog.set_level(logging.DEBUG)
    with every_logger_at_debug(caplog.handler):
        await post(client, "/password/forgot", email=DEMO_USERS["teacher"])
        await register(client)
        await sign_in(client, DEMO_USERS["employer"])
        await invite(client, email="uusi.ohjaaja@example.fi")
        assert (await deliver(sessions, mail)).sent == 3
        links = [one_time_link(message) for message in inbox.received]
        for path, _token in links:
            assert (await client.get(path)).status_code == 200
        reset_path = next(path for path, _token in links if path.startswith("/password/"))
        used = await post(
            client, reset_path, password="teacher-new-1", password_confirm="teacher-new-1"
        )
        assert used.status_code == 303
    assert any(record.name.startswith("sqlalchemy") for record in caplog.records), (
        "the capture heard nothing at DEBUG"
    )
    tokens = [token for _path, token in links]
    for record in caplog.records:
        if record.name in NOT_THE_PORTAL:
            continue
        if record.name == DRIVER_TRACE and record.levelno == logging.DEBUG:
            continue
        line = f"{caplog.handler.format(record)} {record.args!r}"
        for token in tokens:
            assert token not in line, f"{record.name}: {line[:300]}"
