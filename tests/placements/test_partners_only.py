"""Only approved partners get candidates.

An organisation that has applied, was rejected or became inactive may prepare positions as
drafts, but cannot open them, and its positions are never listed as open, suggested, put in
the assignment proposal, proposed to, or accepted for; staff see its status beside its name.
Once the coordinator approves it, everything works; once a partner is marked inactive, it
stops at once.
"""

from __future__ import annotations

import asyncio
import datetime
import re
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from accounts.models import User
from employers.models import Organisation
from employers.services import deactivate, get_organisation
from kit.roles import Viewer
from placements.models import Placement, Position, SuggestionDecision
from placements.review.decisions import DecisionNotAllowed, decide
from tests.conftest import DEMO_USERS, Backend, csrf_token, sign_in
from tests.employers.test_registration import FORM as REGISTRATION
from tests.placements.conftest import Database
from tests.placements.test_positions import listed_ids, position_form
from tests.placements.test_proposals import (
    FIRST_ORGANISATION,
    answer,
    make_candidate,
    make_position,
    user_id,
)
from tests.placements.test_proposals import decide as propose

NOT_PARTNER = ["applied", "rejected", "inactive"]


async def headers(client: AsyncTestClient) -> dict[str, str]:
    return {"x-csrftoken": await csrf_token(client)}


async def set_status(client: AsyncTestClient, db: Database, status: str) -> None:
    """Inactive through the coordinator's page (as in real use); the others directly."""
    if status == "inactive":
        await sign_in(client, DEMO_USERS["coordinator"])
        response = await client.post(
            f"/organisations/{FIRST_ORGANISATION}/deactivate",
            data={"reason": "The agreement ended.", "_csrf_token": await csrf_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return
    async with db.session() as session, session.begin():
        await session.execute(
            update(Organisation).where(Organisation.id == FIRST_ORGANISATION).values(status=status)
        )


async def decisions_on(db: Database, position_id: int, candidate_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count(SuggestionDecision.id)).where(
                SuggestionDecision.position_id == position_id,
                SuggestionDecision.candidate_id == candidate_id,
            )
        )
    )


async def placements_at(db: Database, position_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count(Placement.id)).where(Placement.position_id == position_id)
        )
    )


async def setting(db: Database) -> tuple[int, int, int, int]:
    """An open position of the first organisation, a candidate proposed for it (the
    proposal's sequence) and another suggestable candidate: (position, proposed, sequence,
    other)."""
    position = await make_position(db, places=2)
    proposed = await make_candidate(db)
    sequence = await propose(db, position, proposed)
    other = await make_candidate(db, name="Otto Other", email="otto@example.org")
    return position, proposed, sequence, other


@pytest.mark.parametrize("status", NOT_PARTNER)
async def test_an_organisation_that_is_not_a_partner_gets_no_candidates(
    client: AsyncTestClient, db: Database, status: str
) -> None:
    position, proposed, sequence, other = await setting(db)
    await set_status(client, db, status)

    # Staff: not listed as open, not in the assignment proposal; its status is shown.
    await sign_in(client, DEMO_USERS["coordinator"])
    assert position not in listed_ids((await client.get("/positions")).text)
    api = await client.get("/api/positions", params={"status": "open"})
    assert position not in {item["id"] for item in api.json()}
    assert FIRST_ORGANISATION not in {item["organisation_id"] for item in api.json()}
    assert f"/positions/{position}/suggestions" not in (await client.get("/assignments")).text
    detail = await client.get(f"/positions/{position}")
    assert 'id="not-a-partner"' in detail.text
    label = {"applied": "Applied, waiting for approval", "rejected": "Rejected"}
    assert label.get(status, "Inactive") in detail.text

    # Counsellor: not suggested either way, and a proposal is refused (page and API).
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/positions/{position}/suggestions")
    assert page.status_code == 200
    assert 'id="not-a-partner"' in page.text
    assert f'id="candidate-{other}"' not in page.text
    ranked = await client.get(f"/api/positions/{position}/suggestions")
    assert ranked.status_code == 200
    assert ranked.json()["suggestions"] == []
    assert ranked.json()["is_open"] is False
    fitting = await client.get(f"/candidates/{other}/suggestions")
    assert fitting.status_code == 200
    assert f'href="/positions/{position}"' not in fitting.text
    refused_page = await client.post(
        f"/positions/{position}/suggestions/{other}/decisions",
        data={"kind": "proposed", "after": "0", "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert refused_page.status_code == 303
    followed = await client.get(refused_page.headers["location"])
    assert "not an approved partner" in followed.text
    refused_api = await client.post(
        f"/api/positions/{position}/suggestions",
        json={"candidate": other, "decision": "proposed", "after": 0},
        headers=await headers(client),
    )
    assert refused_api.status_code == 409
    assert "not an approved partner" in refused_api.json()["detail"]
    assert await decisions_on(db, position, other) == 0

    # Employer: the pending proposal is not shown and cannot be accepted (page and API).
    await sign_in(client, DEMO_USERS["employer"])
    proposals = await client.get("/proposals")
    assert f"/positions/{position}/proposals/{proposed}" not in proposals.text
    assert 'id="not-a-partner"' in proposals.text
    assert (await client.get(f"/positions/{position}/proposals/{proposed}")).status_code == 404
    accepted_page = await answer(client, position, proposed, action="accept", after=sequence)
    assert accepted_page.status_code == 404
    accepted_api = await client.post(
        "/api/placements",
        json={"position": position, "candidate": proposed, "after": sequence},
        headers=await headers(client),
    )
    assert accepted_api.status_code == 409
    assert "approve your organisation" in accepted_api.json()["detail"]
    assert await placements_at(db, position) == 0

    # A proposal made before can still be withdrawn.
    await sign_in(client, DEMO_USERS["counsellor"])
    withdrawn = await client.post(
        f"/api/positions/{position}/suggestions",
        json={"candidate": proposed, "decision": "withdrawn", "after": sequence},
        headers=await headers(client),
    )
    assert withdrawn.status_code == 201, withdrawn.text


async def test_a_registered_organisation_drafts_positions_and_opens_them_once_approved(
    client: AsyncTestClient, db: Database
) -> None:
    registered = await client.post(
        "/register",
        data={**REGISTRATION, "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert registered.status_code in (200, 303), registered.text
    organisation = await db.scalar(
        select(Organisation).where(Organisation.business_id == REGISTRATION["business_id"])
    )
    assert organisation.status == "applied"
    # The contact's password is set by e-mail; here it is the demo password.
    demo_hash = await db.scalar(
        select(User.password_hash).where(User.email == DEMO_USERS["employer"])
    )
    async with db.session() as session, session.begin():
        await session.execute(
            update(User)
            .where(User.email == REGISTRATION["email"])
            .values(password_hash=demo_hash, is_active=True)
        )
    await sign_in(client, REGISTRATION["email"])

    created = await client.post(
        "/positions",
        data={
            **position_form(title="Cleaner of a new company"),
            "_csrf_token": await csrf_token(client),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    position = int(created.headers["location"].rsplit("/", 1)[1])
    listing = await client.get("/positions")
    assert 'id="not-a-partner"' in listing.text
    detail = await client.get(f"/positions/{position}")
    assert 'id="open-needs-approval"' in detail.text
    assert "Open for candidates" not in detail.text

    refused = await client.post(
        f"/positions/{position}/status",
        data={"status": "open", "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "must approve your organisation" in refused.text
    refused_api = await client.patch(
        f"/api/positions/{position}", json={"status": "open"}, headers=await headers(client)
    )
    assert refused_api.status_code == 409
    assert "must approve your organisation" in refused_api.json()["detail"]
    assert await db.scalar(select(Position.status).where(Position.id == position)) == "draft"

    # The coordinator approves; now the position opens and takes candidates.
    await sign_in(client, DEMO_USERS["coordinator"])
    approved = await client.post(
        f"/organisations/{organisation.id}/approve",
        data={
            "agreement_start": datetime.date.today().isoformat(),
            "_csrf_token": await csrf_token(client),
        },
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    await sign_in(client, REGISTRATION["email"])
    assert "Open for candidates" in (await client.get(f"/positions/{position}")).text
    opened = await client.post(
        f"/positions/{position}/status",
        data={"status": "open", "_csrf_token": await csrf_token(client)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert await db.scalar(select(Position.status).where(Position.id == position)) == "open"


@pytest.mark.parametrize("status", ["applied", "inactive"])
async def test_after_approval_or_reactivation_every_step_works_again(
    client: AsyncTestClient, db: Database, status: str
) -> None:
    position, proposed, sequence, other = await setting(db)
    await set_status(client, db, status)
    await sign_in(client, DEMO_USERS["coordinator"])
    decision = "approve" if status == "applied" else "reactivate"
    response = await client.post(
        f"/organisations/{FIRST_ORGANISATION}/{decision}",
        data={
            "agreement_start": datetime.date.today().isoformat(),
            "_csrf_token": await csrf_token(client),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert position in listed_ids((await client.get("/positions")).text)
    assert f"/positions/{position}/suggestions" in (await client.get("/assignments")).text

    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(f"/positions/{position}/suggestions")
    assert 'id="not-a-partner"' not in page.text
    assert f'id="candidate-{other}"' in page.text
    assert (
        f'href="/positions/{position}"'
        in (await client.get(f"/candidates/{other}/suggestions")).text
    )
    proposed_api = await client.post(
        f"/api/positions/{position}/suggestions",
        json={"candidate": other, "decision": "proposed", "after": 0},
        headers=await headers(client),
    )
    assert proposed_api.status_code == 201, proposed_api.text

    await sign_in(client, DEMO_USERS["employer"])
    proposals = (await client.get("/proposals")).text
    assert f"/positions/{position}/proposals/{proposed}" in proposals
    assert f"/positions/{position}/proposals/{other}" in proposals
    accepted = await client.post(
        "/api/placements",
        json={"position": position, "candidate": proposed, "after": sequence},
        headers=await headers(client),
    )
    assert accepted.status_code == 201, accepted.text


async def test_staff_see_the_status_beside_the_organisation(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["coordinator"])
    listing = (await client.get("/positions")).text
    assert re.search(r'partnership-partner">Partner<', listing)
    placements = await client.get("/placements")
    assert "partnership-inactive" not in placements.text
    await set_status(client, db, "inactive")
    await sign_in(client, DEMO_USERS["coordinator"])
    placements = await client.get("/placements")
    assert 'partnership-inactive">Inactive<' in placements.text
    detail = await client.get("/positions/1")
    assert 'partnership-inactive warn">Inactive<' in detail.text
    # The API says it too, so a script does not take an inactive partner's "open" position
    # for one that takes candidates.
    listed = (await client.get("/api/positions")).json()
    statuses = {row["organisation_id"]: row["organisation_status"] for row in listed}
    assert statuses[FIRST_ORGANISATION] == "inactive"
    assert set(statuses.values()) >= {"inactive", "partner"}
    one = (await client.get("/api/positions/1")).json()
    assert one["organisation_id"] == FIRST_ORGANISATION
    assert one["organisation_status"] == "inactive"


async def test_a_proposal_waits_for_a_partnership_decision_being_made(
    backend: Backend, db: Database
) -> None:
    """The status is read under a shared row lock where the step writes: a coordinator
    ending the partnership at that moment is waited for, and the proposal is refused."""
    if backend.cluster is None:
        pytest.skip("SQLite runs one writer at a time; the row lock is PostgreSQL's")
    position = await make_position(db)
    candidate = await make_candidate(db)
    counsellor = Viewer(
        user_id=await user_id(db, DEMO_USERS["counsellor"]), role="counsellor", organisation_id=None
    )

    async def propose_now() -> Any:
        async with db.session() as session, session.begin():
            return await decide(
                session,
                viewer=counsellor,
                position_id=position,
                candidate_id=candidate,
                kind="proposed",
                expected_sequence=0,
            )

    async with db.session() as session, session.begin():
        organisation = await get_organisation(
            session, organisation_id=FIRST_ORGANISATION, for_update=True
        )
        assert organisation is not None
        await deactivate(session, organisation=organisation, decided_by="test", reason="Ended.")
        proposing = asyncio.create_task(propose_now())
        await asyncio.sleep(1.0)
        assert not proposing.done(), "the proposal waits for the decision in progress"
    with pytest.raises(DecisionNotAllowed, match="not an approved partner"):
        await proposing
    assert await decisions_on(db, position, candidate) == 0
