"""Issuing and revoking certificates: who, from which state, once, and the stage that follows.

The rules are in certificates/issuing.py; these tests go through the pages and the services on
the real database (both SQLite and PostgreSQL where constraints and races matter).
"""

from __future__ import annotations

import asyncio
import re

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.services import create_user
from candidates.models import Candidate, Stage
from certificates import codes, issuing
from certificates.content import Content
from certificates.models import Certificate
from kit.audit import AuditEvent
from kit.roles import Role, viewer_for
from kit.settings import Settings
from placements.models import Placement
from tests.certificates.conftest import (
    CERTIFIED_PLACEMENT,
    COORDINATOR,
    COUNSELLOR,
    PLACEMENT,
    certificates_of,
    sign_decision,
)
from tests.conftest import DEMO_USERS, csrf_token, sign_in

CODE_PATH = re.compile(r"^/certificates/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})$")


async def post_form(client: AsyncTestClient, path: str, data: dict[str, str]) -> object:
    data = {**data, "_csrf_token": await csrf_token(client)}
    return await client.post(path, data=data, follow_redirects=False)


async def issue_through_page(client: AsyncTestClient, placement_id: int, language: str) -> str:
    response = await post_form(
        client, f"/placements/{placement_id}/certificate", {"language": language}
    )
    assert response.status_code == 303, response.text
    found = CODE_PATH.match(response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def stage_of(session: AsyncSession, placement_id: int) -> str:
    placement = await session.get(Placement, placement_id)
    assert placement is not None
    candidate = await session.get(Candidate, placement.candidate_id)
    assert candidate is not None
    return candidate.stage


async def test_the_demo_certificate_is_issued_from_the_completed_placement(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert certificate.is_live
        assert certificate.language == "fi"
        assert codes.read(certificate.code) == certificate.code
        content = Content.from_json(certificate.content)
        assert content.outcomes
        assert all(1 <= o.grade <= 5 for o in content.outcomes)
        assert {o.grade_words for o in content.outcomes} <= {"tyydyttävä", "hyvä", "kiitettävä"}
        assert content.assessors
        assert content.signed_by == "Leena Opettaja"
        assert await stage_of(session, CERTIFIED_PLACEMENT) == Stage.CERTIFIED


async def test_a_counsellor_issues_from_the_signed_decision_and_the_candidate_is_certified(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    signed_placement: int,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    code = await issue_through_page(client, signed_placement, "en")
    page = await client.get(f"/certificates/{code}")
    assert page.status_code == 200
    assert "The certificate was issued." in page.text
    async with sessions() as session:
        [certificate] = await certificates_of(session, signed_placement)
        content = Content.from_json(certificate.content)
        candidate = await session.get(Candidate, certificate.candidate_id)
        assert candidate is not None
        assert candidate.stage == Stage.CERTIFIED
        assert content.recipient.name == candidate.name in page.text
        # The first outcome was "not demonstrated": it is not on the certificate.
        assert len(content.outcomes) >= 1
        assert all(outcome.grade for outcome in content.outcomes)
        assert content.outcomes[0].grade == 5
        assert content.outcomes[0].grade_words == "excellent"
        assert content.outcomes[0].criteria  # the framework's criteria for the grade
        assert candidate.email not in str(certificate.content)  # only a salted hash
        assert content.recipient.identity_hash.startswith("sha256$")
        events = await session.scalar(
            select(func.count()).where(
                AuditEvent.entity == "certificate",
                AuditEvent.action == "issue",
                AuditEvent.entity_id == str(certificate.id),
            )
        )
        assert events == 1
    # The placement and candidate pages list it.
    placement_page = await client.get(f"/placements/{signed_placement}")
    assert code in placement_page.text
    candidate_page = await client.get(f"/candidates/{certificate.candidate_id}")
    assert code in candidate_page.text


async def test_issuing_needs_a_signed_decision(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post_form(client, f"/placements/{PLACEMENT}/certificate", {"language": "en"})
    assert response.status_code == 303
    assert response.headers["location"].endswith("/assessment/decision")
    follow = await client.get(response.headers["location"])
    assert "A certificate is issued from a signed assessment decision." in follow.text
    async with sessions() as session:
        assert await certificates_of(session, PLACEMENT) == []


@pytest.mark.parametrize("language", ["", "sv", "e\x00n", "ｅｎ", "en" * 500])
async def test_a_language_other_than_finnish_or_english_is_refused(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    signed_placement: int,
    language: str,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post_form(
        client, f"/placements/{signed_placement}/certificate", {"language": language}
    )
    assert response.status_code == 303
    follow = await client.get(response.headers["location"])
    assert "Choose Finnish or English for the certificate." in follow.text
    async with sessions() as session:
        assert await certificates_of(session, signed_placement) == []


@pytest.mark.parametrize("role", ["teacher", "employer", "tutor"])
async def test_only_the_coordinator_and_counsellors_may_issue(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    signed_placement: int,
    role: str,
) -> None:
    await sign_in(client, DEMO_USERS[role])
    response = await post_form(
        client, f"/placements/{signed_placement}/certificate", {"language": "en"}
    )
    assert response.status_code == 403
    async with sessions() as session:
        assert await certificates_of(session, signed_placement) == []


async def test_a_counsellor_of_neither_the_placement_nor_the_candidate_may_not_issue(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    signed_placement: int,
) -> None:
    async with sessions() as session, session.begin():
        other = await create_user(
            session,
            email="other.counsellor@demo.test",
            name="Other Counsellor",
            role=Role.COUNSELLOR,
            password="isok-demo-other",
        )
        viewer = viewer_for(other)
    async with sessions() as session:
        with pytest.raises(issuing.NotAllowed):
            await issuing.issue(
                session,
                viewer,
                placement_id=signed_placement,
                language="en",
                issuer=issuing.issuer_of(Settings()),
            )
    await sign_in(client, "other.counsellor@demo.test", "isok-demo-other")
    response = await post_form(
        client, f"/placements/{signed_placement}/certificate", {"language": "en"}
    )
    assert response.status_code == 403
    async with sessions() as session:
        assert await certificates_of(session, signed_placement) == []


@pytest.mark.parametrize("placement", ["99999", str(2**31), str(10**30), "٣", "-1"])
async def test_a_placement_that_does_not_exist_answers_404(
    client: AsyncTestClient, placement: str
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(client, f"/placements/{placement}/certificate", {"language": "en"})
    assert response.status_code == 404


async def test_a_forged_issue_form_without_the_csrf_token_issues_nothing(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    signed_placement: int,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.post(
        f"/placements/{signed_placement}/certificate",
        data={"language": "en"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    async with sessions() as session:
        assert await certificates_of(session, signed_placement) == []


async def test_the_same_form_sent_again_gives_back_the_same_certificate(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    signed_placement: int,
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    first = await issue_through_page(client, signed_placement, "en")
    second = await issue_through_page(client, signed_placement, "en")
    assert first == second
    assert "already issued" in (await client.get(f"/certificates/{second}")).text
    async with sessions() as session:
        assert len(await certificates_of(session, signed_placement)) == 1


@pytest.mark.both_databases
async def test_four_people_issuing_at_once_make_one_certificate(
    sessions: async_sessionmaker[AsyncSession], signed_placement: int
) -> None:
    issuer = issuing.issuer_of(Settings())

    async def issue_once(viewer_index: int) -> str:
        viewer = (COUNSELLOR, COORDINATOR)[viewer_index % 2]
        async with sessions() as session, session.begin():
            issued = await issuing.issue(
                session, viewer, placement_id=signed_placement, language="en", issuer=issuer
            )
            return issued.certificate.code

    results = await asyncio.gather(*(issue_once(i) for i in range(4)), return_exceptions=True)
    async with sessions() as session:
        stored = await certificates_of(session, signed_placement)
    assert len(stored) == 1, results
    # Everyone who got an answer got the one certificate; nobody got a server error.
    answers = [result for result in results if isinstance(result, str)]
    assert answers, results
    assert set(answers) == {stored[0].code}, results
    assert all(isinstance(result, str) or "locked" in str(result) for result in results), results


@pytest.mark.both_databases
async def test_the_database_holds_one_live_certificate_per_decision(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from sqlalchemy.exc import IntegrityError

    async with sessions() as session:
        [live] = await certificates_of(session, CERTIFIED_PLACEMENT)
        twin = Certificate(
            code=codes.new_code(),
            decision_id=live.decision_id,
            placement_id=live.placement_id,
            candidate_id=live.candidate_id,
            language="en",
            content=live.content,
            issued_at=live.issued_at,
            issued_by_name="Twin",
        )
        session.add(twin)
        with pytest.raises(IntegrityError):
            await session.flush()


async def test_issuing_in_the_other_language_supersedes_and_the_old_one_says_so(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        [old] = await certificates_of(session, CERTIFIED_PLACEMENT)
    await sign_in(client, DEMO_USERS["counsellor"])
    new = await issue_through_page(client, CERTIFIED_PLACEMENT, "en")
    assert new != old.code
    async with sessions() as session:
        first, second = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert first.superseded_at is not None
        assert first.superseded_by_id == second.id
        assert second.is_live
        assert second.language == "en"
        assert await stage_of(session, CERTIFIED_PLACEMENT) == Stage.CERTIFIED
    public = await client.get(f"/verify/{old.code}")
    assert public.status_code == 200
    assert "Superseded" in public.text
    assert f'href="/verify/{new}"' in public.text


async def test_a_corrected_decision_is_certified_by_a_new_certificate(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession], signed_placement: int
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    first = await issue_through_page(client, signed_placement, "fi")
    async with sessions() as session, session.begin():
        await sign_decision(session, signed_placement, correction="A grade was mistyped (test).")
    decision_page = await client.get(f"/placements/{signed_placement}/assessment/decision")
    assert "The assessment decision was corrected after the certificate was issued" in (
        decision_page.text
    )
    second = await issue_through_page(client, signed_placement, "fi")
    assert second != first
    async with sessions() as session:
        old, new = await certificates_of(session, signed_placement)
        assert old.decision_id != new.decision_id
        assert old.superseded_by_id == new.id
        assert new.is_live


async def test_the_coordinator_revokes_and_the_candidate_leaves_certified(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(
        client,
        f"/certificates/{certificate.code}/revocation",
        {"reason": "issued_in_error", "note": "Wrong person's file (test note)."},
    )
    assert response.status_code == 303
    public = await client.get(f"/verify/{certificate.code}")
    assert "Revoked" in public.text
    assert "Issued in error" in public.text
    assert "test note" not in public.text
    async with sessions() as session:
        [stored] = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert stored.revoked_at is not None
        assert stored.revoked_by_id == COORDINATOR.user_id
        assert await stage_of(session, CERTIFIED_PLACEMENT) == Stage.ASSESSMENT
    again = await post_form(
        client, f"/certificates/{certificate.code}/revocation", {"reason": "other"}
    )
    assert again.status_code == 409
    assert "already revoked" in again.text
    async with sessions() as session:
        [stored_again] = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert stored_again.revocation_reason == "issued_in_error"
    # Revoked, the decision may be certified again (the candidate is certified again).
    await sign_in(client, DEMO_USERS["counsellor"])
    await issue_through_page(client, CERTIFIED_PLACEMENT, "fi")
    async with sessions() as session:
        assert await stage_of(session, CERTIFIED_PLACEMENT) == Stage.CERTIFIED


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "because"}, "reason"),
        ({"reason": "other", "note": "x" * 2001}, "note"),
        ({"reason": "other", "note": "nul\x00byte"}, "note"),
    ],
)
async def test_a_bad_revocation_form_is_shown_again_and_nothing_changes(
    client: AsyncTestClient,
    sessions: async_sessionmaker[AsyncSession],
    form: dict[str, str],
    field: str,
) -> None:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
    await sign_in(client, DEMO_USERS["coordinator"])
    response = await post_form(client, f"/certificates/{certificate.code}/revocation", form)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    async with sessions() as session:
        [stored] = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert stored.revoked_at is None


@pytest.mark.parametrize("role", ["counsellor", "teacher", "employer", "tutor"])
async def test_only_the_coordinator_revokes(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession], role: str
) -> None:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
    await sign_in(client, DEMO_USERS[role])
    response = await post_form(
        client, f"/certificates/{certificate.code}/revocation", {"reason": "other"}
    )
    assert response.status_code == 403
    async with sessions() as session:
        [stored] = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert stored.revoked_at is None


@pytest.mark.both_databases
async def test_two_revocations_at_once_revoke_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def revoke(reason: str) -> str:
        async with sessions() as session, session.begin():
            [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
            await issuing.revoke(session, COORDINATOR, certificate=certificate, reason=reason)
            return reason

    results = await asyncio.gather(
        *(revoke(reason) for reason in ("other", "misconduct", "issued_in_error", "other")),
        return_exceptions=True,
    )
    done = [result for result in results if isinstance(result, str)]
    assert len(done) == 1, results
    assert all(
        isinstance(r, str | issuing.AlreadyRevoked) or "locked" in str(r) for r in results
    ), results
    async with sessions() as session:
        [stored] = await certificates_of(session, CERTIFIED_PLACEMENT)
        assert stored.revocation_reason == done[0]
        events = await session.scalar(
            select(func.count()).where(
                AuditEvent.entity == "certificate", AuditEvent.action == "revoke"
            )
        )
        assert events == 1


async def test_nobody_moves_a_candidate_into_or_out_of_certified_by_hand(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        [certificate] = await certificates_of(session, CERTIFIED_PLACEMENT)
        certified = certificate.candidate_id
        other = await session.scalar(
            select(Candidate.id).where(
                Candidate.stage == Stage.ASSESSMENT, Candidate.counsellor_id == COUNSELLOR.user_id
            )
        )
    assert other is not None
    await sign_in(client, DEMO_USERS["coordinator"])
    into = await post_form(client, f"/candidates/{other}/stage", {"stage": "certified"})
    assert into.status_code == 400
    assert "when a certificate is issued" in into.text
    out = await post_form(client, f"/candidates/{certified}/stage", {"stage": "interview"})
    assert out.status_code == 400
    page = await client.get(f"/candidates/{certified}")
    assert f'action="/candidates/{certified}/stage"' not in page.text
    patched = await client.patch(
        f"/api/candidates/{other}",
        json={"stage": "certified"},
        headers={"x-csrftoken": await csrf_token(client)},
    )
    assert patched.status_code == 400
    async with sessions() as session:
        assert (await session.get(Candidate, other)).stage == Stage.ASSESSMENT  # type: ignore[union-attr]
        assert (await session.get(Candidate, certified)).stage == Stage.CERTIFIED  # type: ignore[union-attr]


async def test_the_home_page_lists_signed_assessments_waiting_for_a_certificate(
    client: AsyncTestClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    link = f'href="/placements/{PLACEMENT}/assessment/decision"'
    await sign_in(client, DEMO_USERS["counsellor"])
    home = await client.get("/home")
    assert "Certificates to issue" not in home.text  # the demo's signed one is certified
    async with sessions() as session, session.begin():
        await sign_decision(session)
    home = await client.get("/home")
    assert "Certificates to issue" in home.text
    assert link in home.text
    await sign_in(client, DEMO_USERS["teacher"])
    assert link not in (await client.get("/home")).text  # teachers do not issue
    await sign_in(client, DEMO_USERS["coordinator"])
    assert link in (await client.get("/home")).text
    await issue_through_page(client, PLACEMENT, "en")
    assert link not in (await client.get("/home")).text
