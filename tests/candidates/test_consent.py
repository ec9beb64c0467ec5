"""Consent: records are added, never edited; a withdrawal takes effect at once."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates import consent
from candidates.models import Candidate, ConsentRecord
from employers.models import Organisation
from kit.audit import AuditEvent
from tests.candidates.conftest import Database, MakeCandidate
from tests.candidates.test_records import post_form
from tests.conftest import DEMO_USERS, sign_in


async def sharing(db: Database) -> set[int]:
    async with db.session() as session:
        return await consent.candidates_sharing_with_employers(session)


async def test_consent_given_then_withdrawn_applies_at_once_and_both_records_stay(
    client: AsyncTestClient, db: Database, candidate_id: int, make_candidate: MakeCandidate
) -> None:
    other = await make_candidate(name="Never Consented")
    # Demo candidates share with employers too: only the test's candidates may change that.
    shared_before = await sharing(db)
    assert not {candidate_id, other} & shared_before
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/candidates/{candidate_id}")
    assert "No consent recorded yet" in page.text
    assert consent.consent_text("share_with_employers", given=True) in page.text

    response = await post_form(
        client,
        f"/candidates/{candidate_id}/consent",
        {"purpose": "share_with_employers", "decision": "given"},
    )
    assert response.status_code == 303
    assert await sharing(db) == shared_before | {candidate_id}

    response = await post_form(
        client,
        f"/candidates/{candidate_id}/consent",
        {"purpose": "share_with_employers", "decision": "withdrawn"},
    )
    assert response.status_code == 303
    assert await sharing(db) == shared_before
    assert other not in await sharing(db)

    async with db.session() as session:
        records = (
            (
                await session.execute(
                    select(ConsentRecord)
                    .where(ConsentRecord.candidate_id == candidate_id)
                    .order_by(ConsentRecord.id)
                )
            )
            .scalars()
            .all()
        )
        assert [r.given for r in records] == [True, False]
        assert records[0].text_shown == consent.consent_text("share_with_employers", given=True)
        assert records[1].text_shown == consent.consent_text("share_with_employers", given=False)
        counsellor = await db.user_id(DEMO_USERS["counsellor"])
        assert {r.recorded_by_id for r in records} == {counsellor}
        current = await consent.current_consents(session, candidate_id=candidate_id)
        assert [(c.purpose, c.given) for c in current] == [("share_with_employers", False)]
        clause = await session.execute(select(Candidate.id).where(consent.shares_with_employers()))
        assert set(clause.scalars().all()) == shared_before
        audited = (
            (
                await session.execute(
                    select(AuditEvent).where(
                        AuditEvent.entity == "consent_record",
                        AuditEvent.action == "create",
                        AuditEvent.entity_id.in_([str(r.id) for r in records]),
                    )
                )
            )
            .scalars()
            .all()
        )
        assert sorted(event.entity_id for event in audited) == sorted(str(r.id) for r in records)
        assert {event.actor_id for event in audited} == {counsellor}

    page = await client.get(f"/candidates/{candidate_id}")
    assert "withdrawn" in page.text
    assert "All consent records (2)" in page.text


async def test_sharing_with_a_named_organisation_needs_a_partner_organisation(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    async with db.session() as session:
        partners = await consent.list_partner_organisations(session)
        not_partner = (
            await session.execute(select(Organisation.id).where(Organisation.status != "partner"))
        ).scalar()
    assert partners
    chosen = partners[0]
    records_before = await db.count(ConsentRecord)
    async with db.session() as session:
        # Demo candidates may already share with the chosen organisation or with employers.
        chosen_before = set(
            (
                await session.execute(
                    select(Candidate.id).where(consent.shares_with_organisation(chosen.id))
                )
            ).scalars()
        )
        employers_before = await consent.candidates_sharing_with_employers(session)
    assert candidate_id not in chosen_before | employers_before
    await sign_in(client, DEMO_USERS["counsellor"])
    path = f"/candidates/{candidate_id}/consent"
    for organisation in ("", "999999", str(not_partner or 999998)):
        response = await post_form(
            client,
            path,
            {
                "purpose": "share_with_organisation",
                "decision": "given",
                "organisation": organisation,
            },
        )
        assert response.status_code == 400
        assert 'id="organisation-error"' in response.text
    response = await post_form(client, path, {"purpose": "marketing", "decision": "given"})
    assert response.status_code == 400
    response = await post_form(client, path, {"purpose": "validation", "decision": "maybe"})
    assert response.status_code == 400
    assert await db.count(ConsentRecord, ConsentRecord.candidate_id == candidate_id) == 0
    assert await db.count(ConsentRecord) == records_before

    response = await post_form(
        client,
        path,
        {"purpose": "share_with_organisation", "decision": "given", "organisation": str(chosen.id)},
    )
    assert response.status_code == 303
    async with db.session() as session:
        record = (
            await session.execute(
                select(ConsentRecord).where(ConsentRecord.candidate_id == candidate_id)
            )
        ).scalar_one()
        assert record.organisation_id == chosen.id
        assert chosen.name in record.text_shown
        may_see = await session.execute(
            select(Candidate.id).where(consent.shares_with_organisation(chosen.id))
        )
        assert set(may_see.scalars().all()) == chosen_before | {candidate_id}
        others = await session.execute(
            select(Candidate.id).where(consent.shares_with_organisation(chosen.id + 1000))
        )
        # Another organisation sees only those shared with partner employers generally.
        assert set(others.scalars().all()) == employers_before
        assert await consent.candidates_sharing_with_employers(session) == employers_before
    assert await db.count(ConsentRecord) == records_before + 1


async def test_a_teacher_cannot_record_consent(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    before = await db.count(ConsentRecord)
    await sign_in(client, DEMO_USERS["teacher"])
    response = await post_form(
        client,
        f"/candidates/{candidate_id}/consent",
        {"purpose": "validation", "decision": "given"},
    )
    assert response.status_code == 403
    assert await db.count(ConsentRecord, ConsentRecord.candidate_id == candidate_id) == 0
    assert await db.count(ConsentRecord) == before
