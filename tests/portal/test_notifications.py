"""Each person's notifications (accounts/notices.py, accounts/notice_pages.py): the list shows
one's own only, newest first and in the page's language; the header counts the unread ones;
opening one goes only to a page of this site; nobody opens another's; the e-mail choices stop
only the optional kinds; odd input and forms sent at once never give a 500."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import re
from collections.abc import Awaitable

import pytest
from httpx import Response
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import MailChoice, Notification, User
from accounts.notices import KINDS, PAGE_SIZE, kinds_for, notify
from kit.notices import Notice
from kit.outbox import OutboxMessage
from kit.settings import Settings
from portal.app import create_app
from tests.conftest import DEMO_USERS, csrf_token, sign_in

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]

EMPLOYER = DEMO_USERS["employer"]
OTHER_EMPLOYER = "employer2@demo.test"
# The header's link: the count (hidden from screen readers) and the words they read instead.
HEADER_COUNT = re.compile(
    r'class="notifications-link">[^<]*<span class="count" aria-hidden="true">(\d+)</span>'
    r'<span class="visually-hidden">, (\d+) unread</span>'
)
# Ids no notification can have, and ids Python's int() reads but no page of ours writes.
IMPOSSIBLE_IDS = [
    "0",
    "-1",
    "2147483648",
    str(2**63),
    str(2**64),
    "9" * 40,
    "٣",
    "１２",
    "²",
    "1_0",
    " 1",
    "1.0",
    "abc",
]


def subject(text: str, **values: str | int | datetime.date) -> Notice:
    return Notice("proposal_waiting", text, values=values, link="/proposals")


async def user(session: AsyncSession, email: str) -> User:
    found = await session.scalar(select(User).where(User.email == email))
    assert found is not None, email
    return found


async def tell(sessions: Sessions, email: str, *notices: Notice) -> list[int]:
    """Notify ``email`` of each notice, one transaction each; the new notifications' ids."""
    ids = []
    for notice in notices:
        async with sessions() as session, session.begin():
            assert await notify(session, await user(session, email), notice)
            ids.append(int(await session.scalar(select(func.max(Notification.id))) or 0))
    return ids


async def unread_of(sessions: Sessions, email: str) -> set[int]:
    async with sessions() as session:
        found = await session.scalars(
            select(Notification.id)
            .join(User, User.id == Notification.user_id)
            .where(User.email == email, Notification.read_at.is_(None))
        )
        return set(found)


async def mails_to(sessions: Sessions, email: str) -> list[str]:
    """The kinds of the e-mails written to ``email``, oldest first."""
    async with sessions() as session:
        kinds = await session.scalars(
            select(OutboxMessage.kind)
            .where(OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id)
        )
        return list(kinds)


async def choices_of(sessions: Sessions, email: str) -> list[str]:
    """The kinds ``email`` chose not to get by e-mail."""
    async with sessions() as session:
        kinds = await session.scalars(
            select(MailChoice.kind)
            .join(User, User.id == MailChoice.user_id)
            .where(User.email == email)
            .order_by(MailChoice.kind)
        )
        return list(kinds)


def header_count(page: str) -> int:
    """The unread count in the header (0 when none is shown); the shown number and the
    words read out must agree."""
    found = HEADER_COUNT.search(page)
    if found is None:
        assert 'class="notifications-link"' in page
        assert 'class="count"' not in page
        return 0
    assert found.group(1) == found.group(2), found.group(0)
    return int(found.group(1))


def subjects_on(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", re.sub(r'<span class="badge">[^<]*</span>', "", heading)).strip()
        for heading in re.findall(r'<h2 class="notification-subject">(.*?)</h2>', page)
    ]


async def post(client: AsyncTestClient, path: str, data: dict[str, object] | None = None) -> str:
    """POST a form with the CSRF token; the ``Location`` of the 303 that must answer it."""
    answer = await client.post(
        path,
        data={"_csrf_token": await csrf_token(client), **(data or {})},
        follow_redirects=False,
    )
    assert answer.status_code == 303, (path, answer.status_code, answer.text[:500])
    return str(answer.headers["location"])


# The list and the header.


async def test_the_list_shows_ones_own_newest_first_in_the_pages_language(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    day = datetime.date(2026, 11, 3)
    await tell(sessions, OTHER_EMPLOYER, subject("Not for the first employer"))
    await tell(
        sessions,
        EMPLOYER,
        subject("Older: placement starts %(day)s", day=day),
        subject("Newer: position %(position)s", position="<script>alert(1)</script>"),
    )
    await sign_in(client, EMPLOYER)
    page = (await client.get("/notifications")).text
    assert subjects_on(page) == [
        "Newer: position &lt;script&gt;alert(1)&lt;/script&gt;",
        "Older: placement starts 3 Nov 2026",
    ]
    assert "<script>alert(1)" not in page
    assert "Not for the first employer" not in page
    assert header_count(page) == 2

    async with sessions() as session, session.begin():
        (await user(session, EMPLOYER)).locale = "fi"
    page = (await client.get("/notifications")).text
    assert '<html lang="fi"' in page
    assert "Older: placement starts 3.11.2026" in subjects_on(page)


async def test_the_header_count_falls_after_opening_one(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, EMPLOYER)
    assert header_count((await client.get("/home")).text) == 0
    first, second = await tell(sessions, EMPLOYER, subject("One"), subject("Two"))
    assert header_count((await client.get("/home")).text) == 2
    assert await post(client, f"/notifications/{first}/open") == "/proposals"
    assert header_count((await client.get("/home")).text) == 1
    # Opening it again goes there again and counts nothing twice.
    assert await post(client, f"/notifications/{first}/open") == "/proposals"
    assert header_count((await client.get("/notifications")).text) == 1
    assert await unread_of(sessions, EMPLOYER) == {second}


async def test_nobody_opens_anothers_notification_or_one_with_an_impossible_id(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    (theirs,) = await tell(sessions, OTHER_EMPLOYER, subject("Theirs"))
    own = await tell(sessions, EMPLOYER, *(subject(f"Own {n}") for n in range(3)))
    await sign_in(client, EMPLOYER)
    assert await post(client, f"/notifications/{theirs}/open") == "/notifications"
    page = await client.get("/notifications")
    assert "That notification is not there." in page.text
    assert "Theirs" not in page.text
    token = await csrf_token(client)
    # The own ids written in other digits are not the own ids either.
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for text in [*IMPOSSIBLE_IDS, *(str(n).translate(arabic) for n in own)]:
        answer = await client.post(
            f"/notifications/{text}/open", data={"_csrf_token": token}, follow_redirects=False
        )
        assert answer.status_code in {303, 400, 404}, (text, answer.status_code)
        if answer.status_code == 303:
            assert answer.headers["location"] == "/notifications", text
    assert await unread_of(sessions, OTHER_EMPLOYER) == {theirs}
    assert await unread_of(sessions, EMPLOYER) == set(own)
    page = await client.get("/notifications")
    assert page.status_code == 200
    assert header_count(page.text) == 3


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "javascript:alert(1)",
        "evil.example",
        # Too long for the column: dropped, never cut to lead to another page.
        pytest.param("/proposals/" + "x" * 600, id="too-long"),
    ],
)
async def test_a_link_off_this_site_is_never_followed(
    client: AsyncTestClient, sessions: Sessions, link: str
) -> None:
    (notification,) = await tell(sessions, EMPLOYER, Notice("account", "Off site", link=link))
    await sign_in(client, EMPLOYER)
    page = (await client.get("/notifications")).text
    assert "evil.example" not in page
    assert "Mark as read" in page
    assert await post(client, f"/notifications/{notification}/open") == "/notifications"
    assert await unread_of(sessions, EMPLOYER) == set()
    page = (await client.get("/notifications")).text
    assert "Off site" in page
    assert "/open" not in page  # read, and leading nowhere: nothing to press


async def test_mark_all_read_reads_ones_own_only(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    (theirs,) = await tell(sessions, OTHER_EMPLOYER, subject("Theirs"))
    await tell(sessions, EMPLOYER, *(subject(f"Own {n}") for n in range(3)))
    await sign_in(client, EMPLOYER)
    assert "Mark all as read" in (await client.get("/notifications")).text
    assert await post(client, "/notifications/read") == "/notifications"
    page = (await client.get("/notifications")).text
    assert "All notifications are marked read." in page
    assert "Mark all as read" not in page
    assert header_count(page) == 0
    assert await unread_of(sessions, EMPLOYER) == set()
    assert await unread_of(sessions, OTHER_EMPLOYER) == {theirs}
    # Again, with nothing unread: still fine.
    assert await post(client, "/notifications/read") == "/notifications"


async def test_odd_page_numbers_give_a_page_that_exists(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    async with sessions() as session, session.begin():
        employer = await user(session, EMPLOYER)
        for n in range(PAGE_SIZE + 3):
            await notify(session, employer, subject(f"Number {n:03d}"))
    await sign_in(client, EMPLOYER)
    first = await client.get("/notifications")
    assert subjects_on(first.text)[0] == f"Number {PAGE_SIZE + 2:03d}"
    assert len(subjects_on(first.text)) == PAGE_SIZE
    assert "Page 1 of 2" in first.text
    last = await client.get("/notifications", params={"page": "2"})
    assert subjects_on(last.text) == ["Number 002", "Number 001", "Number 000"]
    for text in ["0", "-1", str(10**30), "٢", "２", "", "x", "1e3", "\x00", "99"]:
        answer = await client.get("/notifications", params={"page": text})
        assert answer.status_code == 200, text
        assert re.search(r"Page [12] of 2", answer.text), text
    twice = await client.get("/notifications?page=1&page=2")
    assert twice.status_code < 500
    # The header counts every unread notification, not only this page's.
    assert header_count(last.text) == PAGE_SIZE + 3
    # With this page's read and the first page's not, all can still be marked read here.
    async with sessions() as session, session.begin():
        oldest = sorted(await unread_of(sessions, EMPLOYER))[:3]
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(oldest))
            .values(read_at=datetime.datetime.now(datetime.UTC))
        )
    last = await client.get("/notifications", params={"page": "2"})
    assert 'class="notification unread"' not in last.text
    assert "Mark all as read" in last.text
    assert header_count(last.text) == PAGE_SIZE


# The choice of e-mails.


async def test_unticking_a_kind_stops_its_email_but_not_its_notification(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, EMPLOYER)
    form = (await client.get("/notifications/settings")).text
    assert 'name="mail" value="proposal_waiting" checked' in form
    assert 'name="mail" value="placement_soon" checked' in form
    assert (
        await post(client, "/notifications/settings", {"mail": ["placement_soon"]})
        == "/notifications/settings"
    )
    form = (await client.get("/notifications/settings")).text
    assert "Your choice of e-mails is saved." in form
    assert 'name="mail" value="proposal_waiting" aria' in form  # not ticked
    assert 'name="mail" value="placement_soon" checked' in form

    await tell(
        sessions,
        EMPLOYER,
        Notice("proposal_waiting", "A proposal waits"),
        Notice("placement_soon", "A placement starts"),
    )
    assert await mails_to(sessions, EMPLOYER) == ["placement_soon"]
    page = (await client.get("/notifications")).text
    assert subjects_on(page) == ["A placement starts", "A proposal waits"]

    # Ticked again: e-mailed again.
    await post(client, "/notifications/settings", {"mail": ["placement_soon", "proposal_waiting"]})
    await tell(sessions, EMPLOYER, Notice("proposal_waiting", "Another proposal waits"))
    assert await mails_to(sessions, EMPLOYER) == ["placement_soon", "proposal_waiting"]


@pytest.mark.parametrize(
    "mail",
    [
        [],
        ["account", "tutor_link"],
        ["account:off", "tutor_link=0"],
    ],
)
async def test_the_always_sent_kinds_cannot_be_turned_off(
    client: AsyncTestClient, sessions: Sessions, mail: list[str]
) -> None:
    await sign_in(client, EMPLOYER)
    await post(client, "/notifications/settings", {"mail": mail, "account": "", "off": "account"})
    assert await choices_of(sessions, EMPLOYER) == ["placement_soon", "proposal_waiting"]
    async with sessions() as session, session.begin():
        # Even a choice that got into the table some other way does not stop them.
        employer = await user(session, EMPLOYER)
        session.add(MailChoice(user_id=employer.id, kind="account"))
    await tell(
        sessions,
        EMPLOYER,
        Notice("account", "Your password was changed"),
        Notice("tutor_link", "The assessment link"),
        Notice("proposal_waiting", "A proposal waits"),
    )
    assert await mails_to(sessions, EMPLOYER) == ["account", "tutor_link"]
    form = (await client.get("/notifications/settings")).text
    assert re.search(r'id="mail-account" checked disabled', form)
    assert re.search(r'id="mail-tutor_link" checked disabled', form)


async def test_unknown_kinds_and_ten_thousand_values_are_harmless(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    await sign_in(client, EMPLOYER)
    hostile = ["nonsense", "x" * 5000, "a\x00b", "proposal_waiting\n", "PROPOSAL_WAITING", "", "٣"]
    answer = await client.post(
        "/notifications/settings",
        data={
            "_csrf_token": await csrf_token(client),
            "mail": [*hostile, *(["placement_soon"] * 10_000)],
        },
        follow_redirects=False,
    )
    assert answer.status_code in {303, 400, 413}, answer.status_code
    if answer.status_code == 303:
        assert await choices_of(sessions, EMPLOYER) == ["proposal_waiting"]
    else:
        assert await choices_of(sessions, EMPLOYER) == []
    assert (await client.get("/notifications/settings")).status_code == 200


async def test_the_same_choice_sent_four_times_at_once_is_saved_once(
    client: AsyncTestClient, sessions: Sessions, settings: Settings
) -> None:
    """On PostgreSQL too: the user's row is locked, so the deletes and inserts queue."""
    await sign_in(client, EMPLOYER)
    async with contextlib.AsyncExitStack() as stack:
        # Four browsers, three on apps of their own (as separate workers would be).
        browsers = [client]
        for _ in range(3):
            browser = await stack.enter_async_context(
                AsyncTestClient(app=create_app(settings), base_url="http://testserver.local")
            )
            await sign_in(browser, EMPLOYER)
            browsers.append(browser)
        tokens = [await csrf_token(browser) for browser in browsers]

        def send(browser: AsyncTestClient, token: str, kind: str) -> Awaitable[Response]:
            return browser.post(
                "/notifications/settings",
                data={"_csrf_token": token, "mail": [kind]},
                follow_redirects=False,
            )

        at_once = await asyncio.gather(
            *(send(b, t, "placement_soon") for b, t in zip(browsers, tokens, strict=True))
        )
        assert [answer.status_code for answer in at_once] == [303] * 4
        assert await choices_of(sessions, EMPLOYER) == ["proposal_waiting"]
        # And one browser sending it four times over.
        again = await asyncio.gather(*(send(client, tokens[0], "proposal_waiting") for _ in "1234"))
        assert [answer.status_code for answer in again] == [303] * 4
        assert await choices_of(sessions, EMPLOYER) == ["placement_soon"]


async def test_without_the_csrf_token_nothing_changes(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    (own,) = await tell(sessions, EMPLOYER, subject("Own"))
    await sign_in(client, EMPLOYER)
    await client.get("/notifications")
    for path, data in [
        (f"/notifications/{own}/open", {}),
        ("/notifications/read", {}),
        ("/notifications/settings", {"mail": []}),
    ]:
        for token in [None, "forged"]:
            form = data if token is None else {**data, "_csrf_token": token}
            answer = await client.post(path, data=form, follow_redirects=False)
            assert answer.status_code == 403, (path, token, answer.status_code)
    assert await unread_of(sessions, EMPLOYER) == {own}
    assert await choices_of(sessions, EMPLOYER) == []


async def test_without_signing_in_there_is_nothing(client: AsyncTestClient) -> None:
    for path in ["/notifications", "/notifications/settings"]:
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code in {302, 303, 401}, path
        assert 'class="notifications-link"' not in answer.text


@pytest.mark.parametrize("role", sorted(DEMO_USERS))
async def test_each_role_chooses_among_its_own_kinds_only(
    client: AsyncTestClient, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    form = (await client.get("/notifications/settings")).text
    shown = re.findall(r'id="mail-([a-z_]+)"', form)
    assert shown == [name for name, _kind in kinds_for(role)]
    optional = re.findall(r'name="mail" value="([a-z_]+)"', form)
    assert optional == [name for name, kind in kinds_for(role) if not kind.always]
    assert set(shown) <= set(KINDS)
    # Nothing to choose, nothing to save.
    assert ('type="submit" class="button">Save<' in form) == bool(optional)


async def test_an_inactive_account_is_not_told(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(User).where(User.email == OTHER_EMPLOYER).values(is_active=False)
        )
    async with sessions() as session, session.begin():
        assert not await notify(session, await user(session, OTHER_EMPLOYER), subject("Nobody"))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Notification)) == 0
    assert await mails_to(sessions, OTHER_EMPLOYER) == []


async def test_a_reminder_is_told_once(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        employer = await user(session, EMPLOYER)
        told = [
            await notify(session, employer, subject("Reminder"), dedupe_key="reminder:1")
            for _ in range(3)
        ]
    assert told == [True, False, False]
    assert await mails_to(sessions, EMPLOYER) == ["proposal_waiting"]
    assert len(await unread_of(sessions, EMPLOYER)) == 1
