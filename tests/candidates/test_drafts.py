"""What a candidate adds to their own portfolio is a draft until the counsellor accepts it:
kept out of matching and the interview guide, marked for review, accepted once."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates.interviews import interview_guide
from candidates.matching_input import candidates_for_matching
from candidates.models import Candidate, Claim, EvidenceItem
from tests.candidates.conftest import Database
from tests.candidates.test_uploads import png
from tests.conftest import DEMO_USERS, csrf_token, sign_in

pytestmark = pytest.mark.both_databases

OWN_WORDS = "Drove a reach truck in a Tallinn warehouse"


async def own_candidate(db: Database) -> int:
    return int(await db.scalar(select(Candidate.id).where(Candidate.user_id.is_not(None))))


async def add_draft_claim(client: AsyncTestClient) -> None:
    await sign_in(client, DEMO_USERS["candidate"])
    token = await csrf_token(client)
    answer = await client.post(
        "/my/claims",
        data={
            "competence": OWN_WORDS,
            "self_level": "3",
            "acquired_how": "work_history",
            "acquired_where": "Tallinn",
            "months": "18",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


async def draft_claim(db: Database, candidate_id: int) -> Claim:
    async with db.session() as session:
        return (
            await session.execute(
                select(Claim).where(
                    Claim.candidate_id == candidate_id, Claim.free_text == OWN_WORDS
                )
            )
        ).scalar_one()


async def matching_texts(db: Database, candidate_id: int) -> str:
    async with db.session() as session:
        found = await candidates_for_matching(
            session, candidate_ids=[candidate_id], for_employers=False
        )
    return repr(found)


async def guide_texts(db: Database, candidate_id: int) -> list[str]:
    async with db.session() as session:
        items = await interview_guide(session, candidate_id=candidate_id, locale="en")
    return [item.free_text for item in items]


async def test_a_candidates_claim_waits_as_a_draft_until_the_counsellor_accepts_it(
    client: AsyncTestClient, db: Database
) -> None:
    candidate_id = await own_candidate(db)
    await add_draft_claim(client)
    claim = await draft_claim(db, candidate_id)
    assert claim.draft is True
    own_page = await client.get("/my/portfolio")
    assert OWN_WORDS in own_page.text
    assert "waiting for your counsellor" in own_page.text
    assert OWN_WORDS not in await matching_texts(db, candidate_id)
    assert OWN_WORDS not in await guide_texts(db, candidate_id)

    await sign_in(client, DEMO_USERS["counsellor"])
    portfolio = await client.get(f"/candidates/{candidate_id}/portfolio")
    assert "added by the candidate: review it" in portfolio.text
    token = await csrf_token(client)
    path = f"/candidates/{candidate_id}/claims/{claim.id}/accept"
    accepted = await client.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert accepted.status_code == 303
    assert (await draft_claim(db, candidate_id)).draft is False
    assert OWN_WORDS in await matching_texts(db, candidate_id)
    assert OWN_WORDS in await guide_texts(db, candidate_id)
    again = await client.post(path, data={"_csrf_token": token})
    assert "already accepted" in again.text


async def test_only_the_candidates_keepers_accept_and_only_their_own_claims(
    client: AsyncTestClient, db: Database, candidate_id: int
) -> None:
    own = await own_candidate(db)
    await add_draft_claim(client)
    claim = await draft_claim(db, own)
    path = f"/candidates/{own}/claims/{claim.id}/accept"
    for role in ("teacher", "employer", "candidate"):
        await sign_in(client, DEMO_USERS[role])
        token = await csrf_token(client)
        answer = await client.post(path, data={"_csrf_token": token}, follow_redirects=False)
        assert answer.status_code in (403, 404), role
    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    # The claim under another candidate's id, and ids that do not exist.
    for wrong in (
        f"/candidates/{candidate_id}/claims/{claim.id}/accept",
        f"/candidates/{own}/claims/{2**31 + 3}/accept",
        f"/candidates/{own}/evidence/{2**31 + 3}/accept",
    ):
        answer = await client.post(wrong, data={"_csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 404, wrong
    assert (await draft_claim(db, own)).draft is True


async def test_a_candidates_file_is_checked_like_any_upload_and_waits_as_a_draft(
    client: AsyncTestClient, db: Database
) -> None:
    candidate_id = await own_candidate(db)
    await sign_in(client, DEMO_USERS["candidate"])
    token = await csrf_token(client)
    refused = await client.post(
        "/my/evidence",
        data={"title": "Not an image", "_csrf_token": token},
        files={"file": ("photo.png", b"<script>alert(1)</script>", "image/png")},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert await db.count(EvidenceItem, EvidenceItem.title == "Not an image") == 0
    nothing = await client.post(
        "/my/evidence", data={"title": "", "_csrf_token": token}, follow_redirects=False
    )
    assert nothing.status_code == 400

    answer = await client.post(
        "/my/evidence",
        data={"title": "Forklift card", "_csrf_token": token},
        files={"file": ("card.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    async with db.session() as session:
        item = (
            await session.execute(
                select(EvidenceItem).where(
                    EvidenceItem.candidate_id == candidate_id,
                    EvidenceItem.title == "Forklift card",
                )
            )
        ).scalar_one()
    assert item.draft is True
    assert item.content_type == "image/png"

    await sign_in(client, DEMO_USERS["counsellor"])
    token = await csrf_token(client)
    accepted = await client.post(
        f"/candidates/{candidate_id}/evidence/{item.id}/accept",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert await db.count(EvidenceItem, EvidenceItem.id == item.id, EvidenceItem.draft) == 0
