"""A form sent twice (or four times at once) creates one position or one candidate.

The "new position" and "new candidate" forms carry a random key (``kit.idempotency``);
every submission of the same key by the same person gets the same redirect, and only the
first creates a row. A form without a key works as before; a key is bound to its person.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from candidates.models import Candidate
from kit.idempotency import FIELD, FormSubmission
from placements.models import Position
from tests.candidates.test_records import record_form
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database
from tests.placements.test_positions import position_form

KEY = re.compile(r'name="submission_key" value="([A-Za-z0-9_-]+)"')
EMPLOYER2 = "employer2@demo.test"


async def key_of(client: AsyncTestClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200
    found = KEY.search(page.text)
    assert found is not None, "the form carries a submission key"
    return found.group(1)


async def send(client: AsyncTestClient, path: str, form: dict[str, Any]) -> Any:
    token = await csrf_token(client)
    return await client.post(path, data={**form, "_csrf_token": token}, follow_redirects=False)


async def count_titled(db: Database, title: str) -> int:
    return int(await db.scalar(select(func.count(Position.id)).where(Position.title == title)))


async def count_named(db: Database, name: str) -> int:
    return int(await db.scalar(select(func.count(Candidate.id)).where(Candidate.name == name)))


def answers_of(responses: list[Any]) -> set[tuple[int, str]]:
    return {(r.status_code, r.headers.get("location", "")) for r in responses}


async def test_four_simultaneous_new_position_forms_create_one_position(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    key = await key_of(client, "/positions/new")
    form = position_form(title="Double-click trainee", **{FIELD: key})

    responses = await asyncio.gather(*(send(client, "/positions", form) for _ in range(4)))

    answers = answers_of(responses)
    assert len(answers) == 1, [(r.status_code, r.text[:300]) for r in responses]
    status, location = answers.pop()
    assert status == 303
    assert re.fullmatch(r"/positions/\d+", location)
    assert await count_titled(db, "Double-click trainee") == 1
    page = await client.get(location)
    assert page.status_code == 200
    assert "Double-click trainee" in page.text


async def test_a_new_position_form_sent_again_later_redirects_to_the_same_position(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    key = await key_of(client, "/positions/new")
    form = position_form(title="Resent trainee", **{FIELD: key})

    responses = [await send(client, "/positions", form) for _ in range(4)]

    assert len(answers_of(responses)) == 1
    assert responses[0].status_code == 303
    assert await count_titled(db, "Resent trainee") == 1
    followed = await client.get(responses[-1].headers["location"])
    assert "already been sent" in followed.text


async def test_a_form_shown_again_with_errors_keeps_its_key(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    key = await key_of(client, "/positions/new")

    refused = await send(client, "/positions", position_form(title="", **{FIELD: key}))
    assert refused.status_code == 400
    assert f'value="{key}"' in refused.text
    # The refused submission claimed nothing: the corrected one creates the position.
    fixed = position_form(title="Corrected trainee", **{FIELD: key})
    first = await send(client, "/positions", fixed)
    again = await send(client, "/positions", fixed)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert await count_titled(db, "Corrected trainee") == 1


async def test_a_form_without_a_key_still_works(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    for key in (None, "not a key!"):
        response = await send(client, "/positions", position_form(title="Old page", **{FIELD: key}))
        assert response.status_code == 303
    # Without the protection, each submission creates its own position, as before.
    assert await count_titled(db, "Old page") == 2


async def test_a_key_is_bound_to_its_user(client: AsyncTestClient, db: Database) -> None:
    await sign_in(client, DEMO_USERS["employer"])
    key = await key_of(client, "/positions/new")
    mine = await send(client, "/positions", position_form(title="Keyed trainee", **{FIELD: key}))
    assert mine.status_code == 303

    await sign_in(client, EMPLOYER2)
    theirs = await send(client, "/positions", position_form(title="Keyed trainee", **{FIELD: key}))

    # The other employer gets their own position, never a redirect to the first one's.
    assert theirs.status_code == 303
    assert theirs.headers["location"] != mine.headers["location"]
    assert await count_titled(db, "Keyed trainee") == 2
    owners = await db.scalar(
        select(func.count(func.distinct(Position.organisation_id))).where(
            Position.title == "Keyed trainee"
        )
    )
    assert owners == 2
    assert await db.count(FormSubmission) == 2


async def test_four_simultaneous_new_candidate_forms_create_one_candidate(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    key = await key_of(client, "/candidates/new")
    form = record_form(name="Twice Submitted", **{FIELD: key})

    together = await asyncio.gather(*(send(client, "/candidates", form) for _ in range(4)))
    later = [await send(client, "/candidates", form) for _ in range(2)]

    answers = answers_of([*together, *later])
    assert len(answers) == 1, [(r.status_code, r.text[:300]) for r in together]
    status, location = answers.pop()
    assert status == 303
    assert re.fullmatch(r"/candidates/\d+", location)
    assert await count_named(db, "Twice Submitted") == 1


async def test_a_new_candidate_form_without_a_key_still_works(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await send(client, "/candidates", record_form(name="Keyless Person"))
    assert response.status_code == 303
    assert await count_named(db, "Keyless Person") == 1
