"""What the assessment tells people, read from a real SMTP server: the tutor's link (in their
language, working, kept nowhere in the portal), its reminder three days before it stops working
(once), and the teacher's notices that ratings are in. No candidate's name in any of them."""

from __future__ import annotations

import asyncio
import datetime
import re
from email.message import EmailMessage
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import Notification, User
from accounts.tokens import as_utc
from assessments import links, notices, plan, ratings
from assessments.models import AssessorRole, TutorLink
from assessments.ratings import RatingInput
from candidates.models import Candidate
from kit.clock import PROGRAMME_TIMEZONE
from kit.i18n import format_date, in_language
from kit.outbox import OutboxMessage
from kit.settings import MailSettings
from placements.models import Placement
from tests.assessments.conftest import COUNSELLOR, PLACEMENT_ID, SEATS, placement
from tests.conftest import DEMO_USERS, Backend, csrf_token, sign_in
from tests.mailbox import PUBLIC_URL, Inbox, deliver, html_of, text_of

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]
Smtp = tuple[Inbox, MailSettings]

TUTOR = DEMO_USERS["tutor"]
TEACHER = DEMO_USERS["teacher"]
# The demo's agreed placement: its position names no workplace tutor.
NO_TUTOR_PLACEMENT = 2
ASSESSMENT = f"/placements/{PLACEMENT_ID}/assessment"


# --- Helpers ------------------------------------------------------------------------------


async def issue(sessions: Sessions, *, days: int = 21) -> tuple[TutorLink, str]:
    """A link issued through the service alone (no e-mail: the pages and the API send it)."""
    async with sessions() as session, session.begin():
        link, token = await links.issue(
            session, COUNSELLOR, placement=await placement(session), days=days
        )
    return link, token


async def remind(sessions: Sessions, now: datetime.datetime) -> int:
    async with sessions() as session, session.begin():
        return await notices.remind_expiring_links(session, now=now)


async def candidate_name(sessions: Sessions, placement_id: int = PLACEMENT_ID) -> str:
    async with sessions() as session:
        name = await session.scalar(
            select(Candidate.name)
            .join(Placement, Placement.candidate_id == Candidate.id)
            .where(Placement.id == placement_id)
        )
    assert name
    return str(name)


async def user_named(sessions: Sessions, email: str) -> User:
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


async def outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def notifications(sessions: Sessions) -> list[Notification]:
    async with sessions() as session:
        return list(await session.scalars(select(Notification).order_by(Notification.id)))


def whole(message: EmailMessage) -> str:
    """Everything a recipient reads: subject, plain text and HTML."""
    return "\n".join((str(message["Subject"]), text_of(message), html_of(message)))


def link_in(page: str) -> str:
    found = re.search(r'value="(http[^"]+/assess/[^"]+)"', page)
    assert found is not None, page
    return found.group(1)


async def post(client: AsyncTestClient, path: str, fields: dict[str, Any]) -> Any:
    data = {"_csrf_token": await csrf_token(client), **{k: str(v) for k, v in fields.items()}}
    return await client.post(path, data=data, follow_redirects=False)


async def plan_ids(sessions: Sessions) -> list[int]:
    async with sessions() as session, session.begin():
        await plan.ensure_plan(session, placement=await placement(session))
        return await plan.plan_competence_ids(session, placement_id=PLACEMENT_ID)


def grades(outcomes: list[int], grade: int) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for competence_id in outcomes:
        fields |= {f"grade-{competence_id}": grade, f"note-{competence_id}": ""}
        fields[f"tasks-{competence_id}"] = ""
    return fields


# --- The tutor's link ---------------------------------------------------------------------


async def test_the_tutor_gets_the_link_in_their_language_and_it_opens_the_form(
    client: AsyncTestClient, sessions: Sessions, smtp: Smtp, fresh: int
) -> None:
    inbox, mail = smtp
    async with sessions() as session, session.begin():
        await session.execute(update(User).where(User.email == TUTOR).values(locale="fi"))
    tutor = await user_named(sessions, TUTOR)
    await sign_in(client, TEACHER)
    page = await post(client, f"{ASSESSMENT}/tutor-link", {})
    assert page.status_code == 200
    assert f"The link was e-mailed to the workplace tutor, {tutor.name}." in page.text
    url = link_in(page.text)  # still shown once, to copy
    token = url.split("/assess/")[1]

    report = await deliver(sessions, mail)
    assert report.sent == 1
    [message] = inbox.to(TUTOR)
    assert inbox.received == [message]  # nobody else
    assert message["Content-Language"] == "fi"
    assert '<html lang="fi"' in html_of(message)
    assert url in text_of(message)
    assert f'href="{url}"' in html_of(message)
    assert "Warehouse worker" in str(message["Subject"])
    assert await candidate_name(sessions) not in whole(message)
    async with sessions() as session:
        opened = await links.resolve(session, token=token)
    assert opened.placement.id == PLACEMENT_ID

    # The token is in no notification (the tutor's e-mail made none) and, once sent, in no
    # outbox row either.
    for row in await notifications(sessions):
        assert token not in f"{row.notice} {row.link}"
    for sent in await outbox(sessions):
        assert token not in f"{sent.text} {sent.html} {sent.notice} {sent.subject}"


async def test_without_a_tutor_nothing_is_sent_and_the_page_says_to_send_the_link(
    client: AsyncTestClient, sessions: Sessions, smtp: Smtp
) -> None:
    inbox, mail = smtp
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await post(client, f"/placements/{NO_TUTOR_PLACEMENT}/assessment/tutor-link", {})
    assert page.status_code == 200
    assert "Send this link to the workplace tutor." in page.text
    assert "e-mailed" not in page.text
    link_in(page.text)
    api = await client.post(
        f"/api/placements/{NO_TUTOR_PLACEMENT}/assessment/tutor-links",
        headers={"x-csrftoken": await csrf_token(client)},
    )
    assert api.status_code == 201
    assert api.json()["emailed_to_tutor"] is False
    assert await outbox(sessions) == []
    assert (await deliver(sessions, mail)).sent == 0
    assert inbox.received == []


async def test_a_link_issued_through_the_api_is_emailed_too(
    client: AsyncTestClient, sessions: Sessions, smtp: Smtp, fresh: int
) -> None:
    inbox, mail = smtp
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.post(
        f"/api/placements/{PLACEMENT_ID}/assessment/tutor-links",
        headers={"x-csrftoken": await csrf_token(client)},
    )
    assert response.status_code == 201
    issued = response.json()
    assert issued["emailed_to_tutor"] is True
    await deliver(sessions, mail)
    [message] = inbox.to(TUTOR)
    assert message["Content-Language"] == "en"  # the tutor chose no language: the page's
    assert issued["url"] in text_of(message)
    assert issued["url"] in html_of(message)


async def issue_and_fail(sessions: Sessions) -> None:
    """An issue that e-mails its link, then fails: its transaction is rolled back."""
    async with sessions() as session, session.begin():
        found = await placement(session)
        link, token = await links.issue(session, COUNSELLOR, placement=found, days=21)
        url = links.link_url(PUBLIC_URL, token)
        assert await notices.tutor_link_issued(session, placement=found, link=link, url=url)
        raise RuntimeError("the action failed after writing its e-mail")


async def test_an_issue_rolled_back_sends_nothing(sessions: Sessions, fresh: int) -> None:
    with pytest.raises(RuntimeError):
        await issue_and_fail(sessions)
    assert await outbox(sessions) == []


# --- The reminder -------------------------------------------------------------------------


async def test_the_reminder_goes_three_days_before_expiry_and_once(
    sessions: Sessions, smtp: Smtp, fresh: int
) -> None:
    inbox, mail = smtp
    link, token = await issue(sessions)
    expires = as_utc(link.expires_at)
    window = expires - notices.REMIND_BEFORE
    minute = datetime.timedelta(minutes=1)

    assert await remind(sessions, window - minute) == 0  # not earlier
    assert await outbox(sessions) == []
    assert await remind(sessions, window + minute) == 1
    assert await remind(sessions, window + 2 * minute) == 0  # run twice: nothing twice
    rows = await outbox(sessions)
    assert [row.dedupe_key for row in rows] == [f"tutor_link_expiry:{link.id}"]

    await deliver(sessions, mail)
    assert await remind(sessions, window + 3 * minute) == 0
    await deliver(sessions, mail)
    [message] = inbox.to(TUTOR)
    assert inbox.received == [message]
    with in_language("en"):
        day = format_date(expires.astimezone(PROGRAMME_TIMEZONE).date())
    assert f"stops working on {day}" in str(message["Subject"])
    assert "earlier e-mail" in text_of(message)
    assert token not in whole(message)
    assert "/assess/" not in whole(message)
    assert await candidate_name(sessions) not in whole(message)
    assert await notifications(sessions) == []
    # An expired link is past reminding.
    assert await remind(sessions, expires + minute) == 0


async def test_no_reminder_for_a_short_or_revoked_link_or_a_tutor_who_has_submitted(
    sessions: Sessions, fresh: int
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    # A link issued for two days: its tutor just got it.
    await issue(sessions, days=2)
    assert await remind(sessions, now + datetime.timedelta(hours=1)) == 0

    link, _token = await issue(sessions)  # supersedes the short one
    window = as_utc(link.expires_at) - notices.REMIND_BEFORE + datetime.timedelta(minutes=1)
    async with sessions() as session, session.begin():
        await links.revoke(session, COUNSELLOR, placement=await placement(session), link_id=link.id)
    assert await remind(sessions, window) == 0

    link, _token = await issue(sessions)
    ids = await plan_ids(sessions)
    async with sessions() as session, session.begin():
        found = await placement(session)
        tutor = SEATS[AssessorRole.TUTOR]
        given = [RatingInput(competence_id=c, grade=3) for c in ids]
        await ratings.save_draft(session, placement=found, assessor=tutor, ratings=given)
        await ratings.submit(session, placement=found, assessor=tutor)
    window = as_utc(link.expires_at) - notices.REMIND_BEFORE + datetime.timedelta(minutes=1)
    assert await remind(sessions, window) == 0
    async with sessions() as session:
        # (The submission told the teacher; no reminder went to the tutor.)
        reminders = select(func.count()).where(OutboxMessage.kind == "tutor_link")
        assert await session.scalar(reminders) == 0


# --- Ratings in ---------------------------------------------------------------------------


async def test_the_teacher_is_told_of_each_rating_and_once_that_all_are_in(
    client: AsyncTestClient, sessions: Sessions, smtp: Smtp, fresh: int
) -> None:
    inbox, mail = smtp
    ids = await plan_ids(sessions)
    _link, token = await issue(sessions)

    # The tutor submits by link, the counsellor and then the teacher on the page.
    async with AsyncTestClient(app=client.app, base_url="http://testserver.local") as by_link:
        sent = await post(by_link, f"/assess/{token}", {"action": "submit", **grades(ids, 4)})
        assert sent.status_code == 303, sent.text
    for who in ("counsellor", "teacher"):
        await sign_in(client, DEMO_USERS[who])
        sent = await post(client, f"{ASSESSMENT}/ratings", {"action": "submit", **grades(ids, 3)})
        assert sent.status_code == 303, sent.text
    # A correction after all are in: told as such, and "all in" is not told again.
    await sign_in(client, DEMO_USERS["counsellor"])
    fields = {"action": "submit", "correction_reason": "Misread a criterion", **grades(ids, 2)}
    sent = await post(client, f"{ASSESSMENT}/ratings", fields)
    assert sent.status_code == 303, sent.text

    await deliver(sessions, mail)
    told = inbox.to(TEACHER)
    assert inbox.received == told  # nobody else is told anything
    subjects = [str(message["Subject"]) for message in told]
    assert subjects == [
        "Ratings submitted for Warehouse worker at Savon Varastopalvelut Oy",
        "Ratings submitted for Warehouse worker at Savon Varastopalvelut Oy",
        "All ratings are in for Warehouse worker at Savon Varastopalvelut Oy",
        "Ratings submitted for Warehouse worker at Savon Varastopalvelut Oy",
    ]
    texts = [text_of(message) for message in told]
    assert "The workplace tutor submitted their ratings" in texts[0]
    assert "The counsellor submitted their ratings" in texts[1]
    assert "consensus" in texts[2]
    assert "The counsellor submitted their ratings" in texts[3]
    assert "correction" in texts[3]
    assert all("correction" not in text for text in texts[:3])
    for message in told:
        assert f"{PUBLIC_URL}{ASSESSMENT}" in text_of(message)

    # The same in the teacher's list in the portal, and nobody else's.
    teacher = await user_named(sessions, TEACHER)
    rows = await notifications(sessions)
    assert [(row.user_id, row.kind) for row in rows] == [(teacher.id, "rating_submitted")] * 4
    assert {row.link for row in rows} == {ASSESSMENT}

    # No candidate's name, and no assessor's either (the seat is named, not the person).
    names = [await candidate_name(sessions)]
    names += [(await user_named(sessions, DEMO_USERS[who])).name for who in ("tutor", "counsellor")]
    for message in told:
        for name in names:
            assert name not in whole(message)
    for row in rows:
        for name in names:
            assert name not in str(row.notice)


async def test_a_teacher_who_submits_before_the_others_is_not_told_of_it(
    sessions: Sessions, smtp: Smtp, fresh: int, client: AsyncTestClient
) -> None:
    inbox, mail = smtp
    ids = await plan_ids(sessions)
    await sign_in(client, TEACHER)
    sent = await post(client, f"{ASSESSMENT}/ratings", {"action": "submit", **grades(ids, 3)})
    assert sent.status_code == 303, sent.text
    assert await notifications(sessions) == []
    assert (await deliver(sessions, mail)).sent == 0
    assert inbox.received == []


async def test_the_last_two_ratings_at_once_tell_all_in_once_on_postgresql(
    sessions: Sessions, backend: Backend, smtp: Smtp, fresh: int
) -> None:
    """The tutor and the counsellor submit at the same moment, after the teacher: the second
    to count waits for the first to commit, so it sees all three and "all in" is told once
    (counted side by side, neither would see the other's uncommitted rating)."""
    if backend.name != "postgresql":
        pytest.skip("two writers at once need PostgreSQL (SQLite has one writer at a time)")
    inbox, mail = smtp
    ids = await plan_ids(sessions)
    given = [RatingInput(competence_id=c, grade=3) for c in ids]

    async def submitted(session: AsyncSession, role: AssessorRole) -> tuple[Placement, int]:
        found = await placement(session)
        seat = SEATS[role]
        await ratings.save_draft(session, placement=found, assessor=seat, ratings=given)
        # Told below, step by step (submit tells in the same way when ``tell`` is on).
        sheet = await ratings.submit(session, placement=found, assessor=seat, tell=False)
        return found, sheet.version

    async with sessions() as session, session.begin():
        found, version = await submitted(session, AssessorRole.TEACHER)
        await notices.rating_submitted(
            session, placement=found, role=AssessorRole.TEACHER, version=version
        )
    async with sessions() as tutor, sessions() as counsellor:
        await tutor.begin()
        await counsellor.begin()
        by_tutor = await submitted(tutor, AssessorRole.TUTOR)
        by_counsellor = await submitted(counsellor, AssessorRole.COUNSELLOR)
        await asyncio.wait_for(
            notices.rating_submitted(
                tutor, placement=by_tutor[0], role=AssessorRole.TUTOR, version=by_tutor[1]
            ),
            timeout=30,
        )
        # The counsellor's transaction counts while the tutor's is still open.
        counting = asyncio.create_task(
            notices.rating_submitted(
                counsellor,
                placement=by_counsellor[0],
                role=AssessorRole.COUNSELLOR,
                version=by_counsellor[1],
            )
        )
        await asyncio.sleep(0.5)
        await tutor.commit()
        await asyncio.wait_for(counting, timeout=30)
        await counsellor.commit()
    await deliver(sessions, mail)
    subjects = [str(message["Subject"]) for message in inbox.to(TEACHER)]
    assert len(subjects) == 3
    assert sum(subject.startswith("All ratings are in") for subject in subjects) == 1
