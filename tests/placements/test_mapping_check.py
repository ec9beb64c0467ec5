"""A competence text read with corrections is flagged for the counsellor to check, on the
suggestions page itself (issue 14, item 1)."""

from __future__ import annotations

import html

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from candidates.models import Claim
from competences.models import Competence
from placements.models import PositionCompetence
from tests.conftest import DEMO_USERS, sign_in
from tests.placements.conftest import Database
from tests.placements.test_suggestions import POSITION, suggest


def misspelt(label: str) -> str:
    """The label with two letters of its longest word swapped ("during" → "udring")."""
    words = label.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[0] + word[2] + word[1] + word[3:]
    return " ".join(words)


async def test_a_misspelt_claim_maps_and_is_flagged_for_a_check(
    client: AsyncTestClient, db: Database
) -> None:
    ranked = await suggest(db, top=50, include_ineligible=True)
    candidate_id = ranked.rows[-1].candidate_id
    async with db.session() as session, session.begin():
        code, labels = (
            await session.execute(
                select(Competence.code, Competence.labels)
                .join(PositionCompetence, PositionCompetence.competence_id == Competence.id)
                .where(PositionCompetence.position_id == POSITION, PositionCompetence.required)
                .order_by(Competence.code)
                .limit(1)
            )
        ).one()
        typed = misspelt(labels["en"])
        assert typed != labels["en"]
        session.add(
            Claim(candidate_id=candidate_id, competence_id=None, free_text=typed, self_level=5)
        )

    after = await suggest(db, top=50, include_ineligible=True, search=str(candidate_id))
    [hit] = after.hits
    assert hit.row is not None
    lines = hit.row.explanation.matched + hit.row.explanation.partial
    [line] = [line for line in lines if line.code == code]
    assert f"The candidate wrote “{typed}”: read" in line.mapping_note

    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get(
        f"/positions/{POSITION}/suggestions?top=50&ineligible=1&q={candidate_id}"
    )
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert '<span class="badge warn">Check</span>' in text
    assert f"The candidate wrote “{typed}”: read" in text
