"""A certificate issued is e-mailed to the candidate (certificates/issuing.py), in the same
transaction: to their own account (and their notifications) when they have one, else to the
address on their record, with a verification link whose code verifies."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import Notification, User
from candidates.models import Candidate
from certificates import issuing
from kit.outbox import OutboxMessage
from kit.settings import MailSettings, Settings
from tests.certificates.conftest import CERTIFIED_PLACEMENT, COUNSELLOR, certificates_of
from tests.certificates.test_issuing import issue_through_page
from tests.conftest import DEMO_USERS, sign_in
from tests.mailbox import PUBLIC_URL, Inbox, deliver, html_of, text_of

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]
VERIFY_LINK = re.compile(re.escape(PUBLIC_URL) + r"(/verify/[0-9A-Z-]+)")


async def outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_a_candidate_without_an_account_gets_the_certificate_with_a_link_that_verifies(
    client: AsyncTestClient[Litestar],
    sessions: Sessions,
    signed_placement: int,
    smtp: tuple[Inbox, MailSettings],
) -> None:
    inbox, mail = smtp
    assert await outbox(sessions) == []  # the demo's own certificate was issued quietly
    await sign_in(client, DEMO_USERS["counsellor"])
    code = await issue_through_page(client, signed_placement, "fi")
    async with sessions() as session:
        [certificate] = await certificates_of(session, signed_placement)
        candidate = await session.get(Candidate, certificate.candidate_id)
        assert candidate is not None
        assert candidate.user_id is None
        assert candidate.email
    [written] = await outbox(sessions)
    assert (written.recipient, written.kind, written.language) == (
        candidate.email,
        "certificate_issued",
        "fi",  # the certificate's language: there is no account to say otherwise
    )
    assert (await deliver(sessions, mail)).sent == 1
    [message] = inbox.to(candidate.email)
    assert message["Content-Language"] == "fi"
    text = text_of(message)
    assert code in text
    found = VERIFY_LINK.search(text)
    assert found is not None, text
    assert found.group(1) == f"/verify/{code}"
    assert f'href="{PUBLIC_URL}/verify/{code}"' in html_of(message)
    # The link is the public verification page: it answers without a login.
    client.cookies.clear()
    page = await client.get(found.group(1))
    assert page.status_code == 200
    assert "Valid" in page.text
    async with sessions() as session:
        verified = await issuing.by_code(session, found.group(1).rsplit("/", 1)[1])
        assert verified is not None
        assert verified.id == certificate.id


async def test_a_candidate_with_an_account_is_told_in_the_portal_and_by_email(
    client: AsyncTestClient[Litestar], sessions: Sessions, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    await sign_in(client, DEMO_USERS["counsellor"])
    # The demo's certified candidate has an account; issuing in English supersedes the
    # Finnish certificate with a new one.
    code = await issue_through_page(client, CERTIFIED_PLACEMENT, "en")
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.email == DEMO_USERS["candidate"]))
        assert user is not None
        [notification] = (
            await session.scalars(select(Notification).where(Notification.user_id == user.id))
        ).all()
        assert (notification.kind, notification.link) == ("certificate_issued", f"/verify/{code}")
    assert [(m.recipient, m.kind) for m in await outbox(sessions)] == [
        (DEMO_USERS["candidate"], "certificate_issued")
    ]
    await deliver(sessions, mail)
    [message] = inbox.to(DEMO_USERS["candidate"])
    assert f"{PUBLIC_URL}/verify/{code}" in text_of(message)
    assert str(message["Subject"]) == "Your certificate has been issued"
    # Issuing the same again gives back the live certificate and tells nobody again.
    assert await issue_through_page(client, CERTIFIED_PLACEMENT, "en") == code
    assert len(await outbox(sessions)) == 1


async def issue_then_fail(sessions: Sessions, placement_id: int) -> None:
    """The request that issues the certificate fails afterwards: its transaction is
    rolled back."""
    async with sessions() as session, session.begin():
        issued = await issuing.issue(
            session,
            COUNSELLOR,
            placement_id=placement_id,
            language="en",
            issuer=issuing.issuer_of(Settings()),
            tell_candidate=True,
        )
        assert issued.new
        assert len((await session.scalars(select(OutboxMessage))).all()) == 1
        raise RuntimeError("the request failed after issuing")


async def test_an_issue_rolled_back_tells_nobody(sessions: Sessions, signed_placement: int) -> None:
    with pytest.raises(RuntimeError):
        await issue_then_fail(sessions, signed_placement)
    assert await outbox(sessions) == []
    async with sessions() as session:
        assert await certificates_of(session, signed_placement) == []
