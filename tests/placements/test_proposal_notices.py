"""The proposal's messages (issue 17): a proposal waiting for the employer, and the
employer's answer to the counsellor who proposed.

Proposals go through :func:`placements.review.decisions.decide` and answers through
:mod:`placements.lifecycle.proposals`, as the pages do; the e-mails are read from a real SMTP
server (``tests/mailbox.py``). No message names the candidate.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.models import Notification, User
from accounts.notices import choose_mail
from employers.models import Organisation
from kit.outbox import OutboxMessage
from kit.roles import Role, Viewer
from kit.settings import MailSettings
from placements.lifecycle import proposals
from placements.lifecycle.proposals import WorkflowRefused
from placements.models import Position
from placements.review.decisions import (
    DECLINE_REASONS,
    DecisionConflict,
    DecisionNotAllowed,
    decide,
    latest_decision,
)
from tests.conftest import DEMO_USERS, sign_in
from tests.mailbox import PUBLIC_URL, Inbox, deliver, html_of, text_of
from tests.placements.conftest import Database
from tests.placements.test_proposals import (
    EMPLOYER2,
    FIRST_ORGANISATION,
    PERSON,
    answer,
    make_candidate,
    make_position,
    placements_of,
)

pytestmark = pytest.mark.both_databases

EMPLOYER = DEMO_USERS["employer"]
COUNSELLOR = DEMO_USERS["counsellor"]
COLLEAGUE = "colleague.employer@test.invalid"  # a second contact of the first organisation
FORMER = "former.employer@test.invalid"  # an inactive contact of the first organisation
SECRET_NOTE = "Our foreman Kalle Virtanen found the hours impossible"


async def as_viewer(db: Database, email: str) -> Viewer:
    async with db.session() as session:
        user = (await session.execute(select(User).where(User.email == email))).scalar_one()
        return Viewer(user_id=user.id, role=Role(user.role), organisation_id=user.organisation_id)


async def add_employer(db: Database, email: str, *, active: bool = True) -> None:
    async with db.session() as session, session.begin():
        session.add(
            User(
                email=email,
                name="Test Contact",
                role=Role.EMPLOYER.value,
                password_hash="-",
                organisation_id=FIRST_ORGANISATION,
                is_active=active,
            )
        )


async def set_locale(db: Database, email: str, locale: str | None) -> None:
    async with db.session() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(locale=locale))


async def propose(db: Database, position_id: int, candidate_id: int, *, after: int = 0) -> int:
    """The demo counsellor proposes the candidate; returns the proposal's sequence."""
    counsellor = await as_viewer(db, COUNSELLOR)
    async with db.session() as session, session.begin():
        decision = await decide(
            session,
            viewer=counsellor,
            position_id=position_id,
            candidate_id=candidate_id,
            kind="proposed",
            expected_sequence=after,
        )
        return int(decision.sequence)


async def proposed(db: Database) -> tuple[int, int, int]:
    """A fresh position of the first organisation with a proposed candidate:
    (position id, candidate id, the proposal's sequence)."""
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    return position_id, candidate_id, await propose(db, position_id, candidate_id)


async def notifications(db: Database, email: str, kind: str | None = None) -> list[Notification]:
    async with db.session() as session:
        query = (
            select(Notification)
            .join(User, User.id == Notification.user_id)
            .where(User.email == email)
            .order_by(Notification.id)
        )
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list((await session.scalars(query)).all())


async def outbox_to(db: Database, email: str) -> list[OutboxMessage]:
    async with db.session() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(func.lower(OutboxMessage.recipient) == email.lower())
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )


async def counts(db: Database) -> tuple[int, int]:
    return await db.count(Notification), await db.count(OutboxMessage)


def stored(row: Any) -> str:
    """Every column of a row as text, the JSON ones included."""
    return json.dumps(
        {column.key: getattr(row, column.key) for column in row.__table__.columns}, default=str
    )


def whole(message: EmailMessage) -> str:
    return "\n".join((message.as_string(), text_of(message), html_of(message)))


def assert_no_person(text: str, where: str) -> None:
    for value in PERSON.values():
        assert value not in text, (where, value)


# --- A proposal waiting for the employer ----------------------------------------------------


async def test_a_proposal_tells_each_employer_contact_of_the_organisation_in_their_language(
    db: Database, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    await add_employer(db, COLLEAGUE)
    await add_employer(db, FORMER, active=False)
    await set_locale(db, EMPLOYER, "fi")
    position_id, candidate_id, _sequence = await proposed(db)
    link = f"/positions/{position_id}/proposals/{candidate_id}"
    organisation = str(
        await db.scalar(select(Organisation.name).where(Organisation.id == FIRST_ORGANISATION))
    )

    for email in (EMPLOYER, COLLEAGUE):
        [notification] = await notifications(db, email)
        assert notification.kind == "proposal_waiting"
        assert notification.link == link
    for email in (EMPLOYER2, FORMER, DEMO_USERS["tutor"], COUNSELLOR):
        assert await notifications(db, email, "proposal_waiting") == [], email

    report = await deliver(db.sessions, mail)
    assert report.failed == 0
    languages = {EMPLOYER: "fi", COLLEAGUE: "en"}
    for email, language in languages.items():
        [message] = inbox.to(email)
        assert message["Content-Language"] == language
        assert "Test picker" in str(message["Subject"])
        text, page = text_of(message), html_of(message)
        assert f"{PUBLIC_URL}{link}" in text
        assert f'href="{PUBLIC_URL}{link}"' in page
        assert f'<html lang="{language}"' in page
        assert "Test picker" in text
        assert organisation in text
        assert organisation in page
    assert "proposes a candidate for the position" in text_of(inbox.to(COLLEAGUE)[0])
    for email in (EMPLOYER2, FORMER, DEMO_USERS["tutor"]):
        assert inbox.to(email) == [], email


async def test_no_message_or_row_names_the_candidate(
    db: Database, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    await add_employer(db, COLLEAGUE)
    position_id, candidate_id, sequence = await proposed(db)
    await deliver(db.sessions, mail)
    employer_mail = inbox.to(EMPLOYER) + inbox.to(COLLEAGUE)
    assert len(employer_mail) == 2
    for message in employer_mail:
        assert_no_person(whole(message), str(message["To"]))
    # Accepted, the employer may see the name in the portal; the messages still do not say it.
    async with db.session() as session, session.begin():
        await proposals.accept(
            session,
            await as_viewer(db, EMPLOYER),
            position_id=position_id,
            candidate_id=candidate_id,
            after=sequence,
        )
    await deliver(db.sessions, mail)
    assert len(inbox.to(COUNSELLOR)) == 1
    for message in inbox.received:
        assert_no_person(whole(message), str(message["To"]))
    async with db.session() as session:
        for model in (OutboxMessage, Notification):
            for row in (await session.scalars(select(model))).all():
                assert_no_person(stored(row), f"{model.__name__} {row.id}")


async def test_a_refused_or_rolled_back_proposal_writes_no_message(db: Database) -> None:
    position_id = await make_position(db)
    candidate_id = await make_candidate(db)
    before = await counts(db)
    counsellor = await as_viewer(db, COUNSELLOR)

    with pytest.raises(DecisionConflict):  # a stale page
        await propose(db, position_id, candidate_id, after=3)
    not_sharing = await make_candidate(db, share=False)
    with pytest.raises(DecisionNotAllowed):  # no consent to share with employers
        await propose(db, position_id, not_sharing)
    async with db.session() as session:  # made, then rolled back
        await decide(
            session,
            viewer=counsellor,
            position_id=position_id,
            candidate_id=candidate_id,
            kind="proposed",
            expected_sequence=0,
        )
        assert await session.scalar(select(func.count()).select_from(Notification)) > before[0]
        await session.rollback()
    assert await counts(db) == before
    async with db.session() as session:
        assert (
            await latest_decision(session, position_id=position_id, candidate_id=candidate_id)
            is None
        )

    # Made at last, it is written once; a withdrawal un-sends nothing and sends nothing.
    sequence = await propose(db, position_id, candidate_id)
    after_proposal = await counts(db)
    assert after_proposal == (before[0] + 1, before[1] + 1)
    async with db.session() as session, session.begin():
        await decide(
            session,
            viewer=counsellor,
            position_id=position_id,
            candidate_id=candidate_id,
            kind="withdrawn",
            expected_sequence=sequence,
        )
    assert await counts(db) == after_proposal


async def test_an_employer_who_chose_no_proposal_mail_is_told_in_the_portal_only(
    db: Database, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    await add_employer(db, COLLEAGUE)
    async with db.session() as session, session.begin():
        employer = (await session.execute(select(User).where(User.email == EMPLOYER))).scalar_one()
        await choose_mail(session, employer, wanted=[])
    await proposed(db)

    assert len(await notifications(db, EMPLOYER, "proposal_waiting")) == 1
    assert await outbox_to(db, EMPLOYER) == []
    await deliver(db.sessions, mail)
    assert inbox.to(EMPLOYER) == []
    assert len(inbox.to(COLLEAGUE)) == 1


# --- The employer's answer to the counsellor ------------------------------------------------


async def test_the_counsellor_hears_of_an_acceptance_once(
    db: Database, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, mail = smtp
    position_id, candidate_id, sequence = await proposed(db)
    employer = await as_viewer(db, EMPLOYER)
    async with db.session() as session, session.begin():
        placement = await proposals.accept(
            session, employer, position_id=position_id, candidate_id=candidate_id, after=sequence
        )
        placement_id = placement.id
    # A second answer to the same proposal is refused and tells nobody.
    with pytest.raises(DecisionConflict):
        async with db.session() as session, session.begin():
            await proposals.accept(
                session,
                employer,
                position_id=position_id,
                candidate_id=candidate_id,
                after=sequence,
            )

    [notification] = await notifications(db, COUNSELLOR, "proposal_answered")
    assert notification.link == f"/placements/{placement_id}"
    assert await notifications(db, EMPLOYER, "proposal_answered") == []
    await deliver(db.sessions, mail)
    [message] = inbox.to(COUNSELLOR)
    assert "accepted" in str(message["Subject"])
    assert "Test picker" in str(message["Subject"])
    text = text_of(message)
    assert "accepted the candidate you proposed" in text
    assert f"{PUBLIC_URL}/placements/{placement_id}" in text
    assert f'href="{PUBLIC_URL}/placements/{placement_id}"' in html_of(message)
    assert message["Content-Language"] == "en"


async def test_a_refused_acceptance_tells_nobody(db: Database) -> None:
    position_id, candidate_id, sequence = await proposed(db)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Position).where(Position.id == position_id).values(status="closed")
        )
    with pytest.raises(WorkflowRefused):
        async with db.session() as session, session.begin():
            await proposals.accept(
                session,
                await as_viewer(db, EMPLOYER),
                position_id=position_id,
                candidate_id=candidate_id,
                after=sequence,
            )
    assert await notifications(db, COUNSELLOR, "proposal_answered") == []
    assert await placements_of(db, candidate_id) == []


async def test_the_counsellor_hears_of_a_decline_with_the_listed_reason_never_the_note(
    client: AsyncTestClient, db: Database, smtp: tuple[Inbox, MailSettings]
) -> None:
    """Through the employer's page: the request's transaction commits the message."""
    inbox, mail = smtp
    listed_position, listed_candidate, listed_sequence = await proposed(db)
    own_position, own_candidate, own_sequence = await proposed(db)
    await sign_in(client, EMPLOYER)
    for position_id, candidate_id, sequence, reason in (
        (listed_position, listed_candidate, listed_sequence, "timing"),
        (own_position, own_candidate, own_sequence, "other"),
    ):
        response = await answer(
            client,
            position_id,
            candidate_id,
            action="decline",
            after=sequence,
            reason=reason,
            note=SECRET_NOTE,
        )
        assert response.status_code == 303, response.text

    told = await notifications(db, COUNSELLOR, "proposal_answered")
    assert [row.link for row in told] == [
        f"/positions/{listed_position}/decisions",
        f"/positions/{own_position}/decisions",
    ]
    await deliver(db.sessions, mail)
    listed, own = inbox.to(COUNSELLOR)
    assert "declined" in str(listed["Subject"])
    assert DECLINE_REASONS["timing"] in text_of(listed)
    assert DECLINE_REASONS["timing"] in html_of(listed)
    assert f"{PUBLIC_URL}/positions/{listed_position}/decisions" in text_of(listed)
    assert "in their own words" in text_of(own)
    for message in (listed, own):
        assert "Kalle" not in whole(message)
    for row in [*told, *await outbox_to(db, COUNSELLOR)]:
        assert "Kalle" not in stored(row)


async def test_nobody_hears_the_answer_when_the_proposers_account_is_inactive(
    db: Database,
) -> None:
    position_id, candidate_id, sequence = await proposed(db)
    async with db.session() as session, session.begin():
        await session.execute(update(User).where(User.email == COUNSELLOR).values(is_active=False))
    before = await counts(db)
    async with db.session() as session, session.begin():
        await proposals.decline(
            session,
            await as_viewer(db, EMPLOYER),
            position_id=position_id,
            candidate_id=candidate_id,
            after=sequence,
            reason="no_capacity",
        )
    assert await counts(db) == before
