"""Counsellors' decisions on suggested candidates: the form, the rules, the history page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from httpx import Response
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select, update

from accounts.models import User
from candidates.consent import record_consent
from candidates.models import Candidate, CandidateAccess
from kit.i18n import format_datetime
from placements.models import Placement, Position, SuggestionDecision
from placements.review import decisions
from placements.review.decisions import (
    DECISION_LABELS,
    REJECTION_REASONS,
    DecisionConflict,
    DecisionInvalid,
    DecisionNotAllowed,
    DecisionNotFound,
    append_decision,
    decide,
)
from placements.review.explanations import explanation_from_snapshot
from placements.review.suggestions import excluded_candidates
from tests.conftest import DEMO_USERS, csrf_token, sign_in
from tests.placements.conftest import Database
from tests.placements.test_suggestions import counting, suggest, viewer
from tests.portal.test_accessibility import PageStructure

POSITION = 1


async def user_id(db: Database, role: str) -> int:
    return int(await db.scalar(select(User.id).where(User.email == DEMO_USERS[role])))


async def history(db: Database, candidate_id: int, position_id: int = POSITION) -> list[Any]:
    async with db.session() as session:
        rows = await session.scalars(
            select(SuggestionDecision)
            .where(
                SuggestionDecision.position_id == position_id,
                SuggestionDecision.candidate_id == candidate_id,
            )
            .order_by(SuggestionDecision.sequence)
        )
        return list(rows.all())


async def pick(db: Database, count: int = 1, position_id: int = POSITION) -> list[int]:
    """Eligible candidates ranked for the position whom the demo counsellor may see and
    nobody has decided on yet, best first."""
    result = await suggest(db, "counsellor", position_id=position_id, top=50)
    async with db.session() as session:
        decided = set(
            (
                await session.scalars(
                    select(SuggestionDecision.candidate_id).where(
                        SuggestionDecision.position_id == position_id
                    )
                )
            ).all()
        )
    chosen = [
        row.candidate_id
        for row in result.rows
        if row.eligible and row.name is not None and row.candidate_id not in decided
    ]
    assert len(chosen) >= count
    return chosen[:count]


async def post_decision(
    client: AsyncTestClient,
    candidate_id: int,
    *,
    position_id: int = POSITION,
    **fields: Any,
) -> Response:
    data = {"_csrf_token": await csrf_token(client), "top": "20", **fields}
    return await client.post(
        f"/positions/{position_id}/suggestions/{candidate_id}/decisions",
        data=data,
        follow_redirects=False,
    )


def row_html(page: str, candidate_id: int) -> str:
    """The table row of a candidate on the suggestions page."""
    return page.split(f'<tr id="candidate-{candidate_id}"')[1].split("\n    </tr>")[0]


async def flash_after(client: AsyncTestClient, response: Response) -> str:
    """The page the decision redirected to (it shows the flash message)."""
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    return page.text


async def test_shortlist_then_reject_keeps_the_history(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    shown = await suggest(db, "counsellor", top=50)
    row = next(r for r in shown.rows if r.candidate_id == candidate)
    await sign_in(client, DEMO_USERS["counsellor"])

    response = await post_decision(
        client, candidate, kind="shortlisted", after="0", q="x", ineligible="1"
    )
    location = response.headers["location"]
    assert location.startswith(f"/positions/{POSITION}/suggestions?")
    assert "ineligible=1" in location
    assert "q=x" in location
    assert location.endswith(f"#candidate-{candidate}")
    page = await flash_after(client, response)
    assert "Shortlisted" in page
    assert "on record" in page

    [first] = await history(db, candidate)
    assert (first.sequence, first.kind, first.reason) == (1, "shortlisted", "")
    assert first.decided_by_id == await user_id(db, "counsellor")
    # What the page showed is what was stored, computed on the server.
    assert first.score == row.score
    assert first.rank == row.rank
    assert first.eligible is True
    stored = explanation_from_snapshot(first.explanation)
    assert stored is not None
    assert stored == row.explanation

    # A forged score in the form changes nothing: the server computes it.
    response = await post_decision(
        client,
        candidate,
        kind="rejected",
        reason="location",
        note="Moving to Oulu in May.",
        after="1",
        score="1.0",
        rank="1",
    )
    await flash_after(client, response)
    first_again, second = await history(db, candidate)
    assert first_again.kind == "shortlisted"  # never edited
    assert (second.sequence, second.kind, second.reason) == (2, "rejected", "location")
    assert second.note == "Moving to Oulu in May."
    assert second.score == row.score
    assert second.rank == row.rank

    page = (await client.get(f"/positions/{POSITION}/suggestions?top=50")).text
    cell = row_html(page, candidate)
    assert "Rejected" in cell
    assert REJECTION_REASONS["location"] in cell
    assert 'name="after" value="2"' in cell


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "rejected"}, "Choose a reason"),
        ({"kind": "rejected", "reason": "other"}, "Say in the note"),
        ({"kind": "rejected", "reason": "because"}, "Choose one of the reasons"),
        ({"kind": "accepted"}, "Choose shortlist"),
        ({"kind": ""}, "Choose shortlist"),
        ({"kind": "shortlisted", "note": "x" * 2001}, "at most 2000"),
        ({"kind": "shortlisted", "after": "nine"}, "Reload the page"),
        ({"kind": "shortlisted", "after": ""}, "Reload the page"),
    ],
)
async def test_bad_input_is_refused_with_a_message(
    client: AsyncTestClient, db: Database, fields: dict[str, str], message: str
) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await flash_after(
        client, await post_decision(client, candidate, **{"after": "0", **fields})
    )
    assert "nothing was saved" in page
    assert message in page
    assert await history(db, candidate) == []


async def test_other_with_a_note_is_accepted(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    # The reason list belongs to the reject button only.
    await flash_after(
        client,
        await post_decision(client, candidate, kind="shortlisted", reason="language", after="0"),
    )
    await flash_after(
        client,
        await post_decision(
            client,
            candidate,
            kind="rejected",
            reason="other",
            note="Prefers night shifts.",
            after="1",
        ),
    )
    shortlisted, rejected = await history(db, candidate)
    assert shortlisted.reason == ""
    assert (rejected.reason, rejected.note) == ("other", "Prefers night shifts.")


async def test_a_stale_page_is_a_conflict_and_nothing_is_written(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, candidate, kind="shortlisted", after="0"))
    # Another tab still shows no decision.
    page = await flash_after(
        client, await post_decision(client, candidate, kind="proposed", after="0")
    )
    assert "Someone else has decided" in page
    assert [d.kind for d in await history(db, candidate)] == ["shortlisted"]
    # And one from the future is refused the same way.
    await flash_after(client, await post_decision(client, candidate, kind="proposed", after="5"))
    assert len(await history(db, candidate)) == 1


async def test_an_insert_refused_by_the_database_writes_nothing(
    client: AsyncTestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks pass on a stale read, the insert then meets the unique sequence: the error
    redirect (which commits) keeps nothing of the refused decision."""
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, candidate, kind="shortlisted", after="0"))

    async def sees_no_decision(*_args: Any, **_kwargs: Any) -> None:
        return None  # as if read a moment before the first decision was committed

    monkeypatch.setattr(decisions, "latest_decision", sees_no_decision)
    page = await flash_after(
        client, await post_decision(client, candidate, kind="shortlisted", after="0")
    )
    assert "Someone else has decided" in page
    assert [(d.kind, d.sequence) for d in await history(db, candidate)] == [("shortlisted", 1)]


async def test_withdrawal_only_of_a_proposal(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await flash_after(
        client, await post_decision(client, candidate, kind="withdrawn", after="0")
    )
    assert "Only a proposal can be withdrawn" in page
    assert await history(db, candidate) == []

    await flash_after(client, await post_decision(client, candidate, kind="proposed", after="0"))
    # While proposed, the counsellor withdraws first.
    page = await flash_after(
        client,
        await post_decision(client, candidate, kind="rejected", reason="language", after="1"),
    )
    assert "Withdraw the proposal first" in page
    suggestions = (await client.get(f"/positions/{POSITION}/suggestions?top=50")).text
    cell = row_html(suggestions, candidate)
    assert 'value="withdrawn"' in cell
    assert 'value="shortlisted"' not in cell

    await flash_after(
        client,
        await post_decision(client, candidate, kind="withdrawn", note="Changed plans.", after="1"),
    )
    assert [d.kind for d in await history(db, candidate)] == ["proposed", "withdrawn"]
    page = await flash_after(
        client, await post_decision(client, candidate, kind="withdrawn", after="2")
    )
    assert "Only a proposal can be withdrawn" in page


async def test_another_counsellors_candidate_is_not_found(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Candidate).where(Candidate.id == candidate).values(counsellor_id=None)
        )
        await session.execute(
            delete(CandidateAccess).where(CandidateAccess.candidate_id == candidate)
        )
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await post_decision(client, candidate, kind="shortlisted", after="0")
    assert response.status_code == 404
    assert await history(db, candidate) == []
    page = (await client.get(f"/positions/{POSITION}/suggestions?top=50")).text
    if f'id="candidate-{candidate}"' in page:
        cell = row_html(page, candidate)
        assert "another counsellor" in cell
        assert "<form" not in cell
    # An unknown candidate or position is 404 as well.
    assert (await post_decision(client, 999999, kind="shortlisted", after="0")).status_code == 404
    response = await post_decision(
        client, candidate, position_id=999999, kind="shortlisted", after="0"
    )
    assert response.status_code == 404


async def test_only_counsellors_decide(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    for role in ("coordinator", "teacher", "employer", "tutor"):
        client.cookies.clear()
        await sign_in(client, DEMO_USERS[role])
        response = await post_decision(client, candidate, kind="shortlisted", after="0")
        assert response.status_code == 403, role
    assert await history(db, candidate) == []
    # The coordinator sees the decisions but no forms.
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, candidate, kind="shortlisted", after="0"))
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    page = (await client.get(f"/positions/{POSITION}/suggestions?top=50")).text
    cell = row_html(page, candidate)
    assert "Shortlisted" in cell
    assert "Mikko Ohjaaja" in cell
    assert "decision-form" not in page
    # And the service refuses anyone but a counsellor, whatever the route table says.
    async with db.session() as session:
        with pytest.raises(DecisionNotAllowed):
            await decide(
                session,
                viewer=await viewer(db, "coordinator"),
                position_id=POSITION,
                candidate_id=candidate,
                kind="shortlisted",
                expected_sequence=1,
            )


async def test_closed_position_takes_no_decisions(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    async with db.session() as session, session.begin():
        await session.execute(
            update(Position).where(Position.id == POSITION).values(status="closed")
        )
    await sign_in(client, DEMO_USERS["counsellor"])
    page = await flash_after(
        client, await post_decision(client, candidate, kind="shortlisted", after="0")
    )
    assert "not open" in page
    assert "decision-form" not in page
    assert await history(db, candidate) == []


async def test_withdrawn_consent_stops_decisions(client: AsyncTestClient, db: Database) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, candidate, kind="shortlisted", after="0"))
    async with db.session() as session, session.begin():
        await record_consent(
            session,
            candidate_id=candidate,
            purpose="share_with_employers",
            given=False,
            recorded_by_id=await user_id(db, "counsellor"),
        )
    page = await flash_after(
        client, await post_decision(client, candidate, kind="proposed", after="1")
    )
    assert "consent" in page
    assert "nothing was saved" in page
    assert len(await history(db, candidate)) == 1


async def test_a_live_placement_stops_decisions_and_suggestions(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    async with db.session() as session, session.begin():
        other = await session.get(Position, 2)
        assert other is not None
        session.add(
            Placement(
                candidate_id=candidate,
                position_id=other.id,
                organisation_id=other.organisation_id,
                place_number=99,
                status="agreed",
            )
        )
    async with db.session() as session:
        excluded = await excluded_candidates(session)
    assert candidate in excluded
    result = await suggest(db, "counsellor", top=50, search=str(candidate))
    assert candidate not in {row.candidate_id for row in result.rows}
    [hit] = result.hits
    assert hit.row is None
    assert "placed" in hit.reason

    await sign_in(client, DEMO_USERS["counsellor"])
    page = await flash_after(
        client, await post_decision(client, candidate, kind="shortlisted", after="0")
    )
    assert "already placed" in page
    assert await history(db, candidate) == []


async def test_an_acceptance_is_final(db: Database) -> None:
    [candidate] = await pick(db)
    who = await viewer(db, "counsellor")
    async with db.session() as session, session.begin():
        await decide(
            session,
            viewer=who,
            position_id=POSITION,
            candidate_id=candidate,
            kind="proposed",
            expected_sequence=0,
        )
        await append_decision(
            session,
            position_id=POSITION,
            candidate_id=candidate,
            kind="accepted",
            decided_by_id=await user_id(db, "employer"),
            expected_sequence=1,
        )
    async with db.session() as session:
        for kind in ("shortlisted", "rejected", "proposed", "withdrawn"):
            with pytest.raises(DecisionNotAllowed, match="final"):
                await decide(
                    session,
                    viewer=who,
                    position_id=POSITION,
                    candidate_id=candidate,
                    kind=kind,
                    reason="language" if kind == "rejected" else "",
                    expected_sequence=2,
                )


async def test_service_errors_are_typed(db: Database) -> None:
    [candidate] = await pick(db)
    who = await viewer(db, "counsellor")
    async with db.session() as session:
        with pytest.raises(DecisionInvalid) as invalid:
            await decide(
                session,
                viewer=who,
                position_id=POSITION,
                candidate_id=candidate,
                kind="rejected",
                expected_sequence=0,
            )
        assert invalid.value.field == "reason"
        with pytest.raises(DecisionNotFound):
            await decide(
                session,
                viewer=who,
                position_id=424242,
                candidate_id=candidate,
                kind="shortlisted",
                expected_sequence=0,
            )
        with pytest.raises(DecisionConflict):
            await decide(
                session,
                viewer=who,
                position_id=POSITION,
                candidate_id=candidate,
                kind="shortlisted",
                expected_sequence=3,
            )
        with pytest.raises(DecisionInvalid):
            await decide(
                session,
                viewer=who,
                position_id=POSITION,
                candidate_id=candidate,
                kind="shortlisted",
                reason="language",
                expected_sequence=0,
            )
    assert set(DECISION_LABELS) == {
        "shortlisted",
        "rejected",
        "proposed",
        "withdrawn",
        "accepted",
        "declined",
    }


async def test_decisions_page_shows_the_history_as_it_was(
    client: AsyncTestClient, db: Database
) -> None:
    mine, theirs = await pick(db, 2)
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, mine, kind="shortlisted", after="0"))
    await flash_after(
        client,
        await post_decision(
            client, mine, kind="rejected", reason="availability", note="Works evenings.", after="1"
        ),
    )
    await flash_after(client, await post_decision(client, theirs, kind="proposed", after="0"))
    first, _second = await history(db, mine)
    shown = explanation_from_snapshot(first.explanation)
    assert shown is not None

    # The engine's view changes later (the position now asks for more): the page still shows
    # what was shown when the decision was taken.
    async with db.session() as session, session.begin():
        await session.execute(
            update(Position).where(Position.id == POSITION).values(region="Lapland")
        )

    suggestions = (await client.get(f"/positions/{POSITION}/suggestions")).text
    assert f"/positions/{POSITION}/decisions" in suggestions
    page = await client.get(f"/positions/{POSITION}/decisions")
    assert page.status_code == 200
    text = page.text
    section = text.split(f'id="candidate-{mine}"')[1].split("</section>")[0]
    assert 'class="badge decision-rejected"' in section  # the current state
    rows = section.split("<tbody>", 1)[1]
    assert rows.index("Shortlisted") < rows.index("Rejected")
    assert REJECTION_REASONS["availability"] in html.unescape(section)
    assert "Works evenings." in section
    assert "Mikko Ohjaaja" in section
    assert f"{first.score * 100:.1f} %" in section
    assert f"<td>{first.rank}</td>" in section or f"<td>{first.rank} (" in section
    for line in shown.matched + shown.partial + shown.missing_required:
        assert line.words in section
    assert format_datetime(first.created_at) in section

    # The other counsellor's view: a candidate they may not see appears by number.
    async with db.session() as session, session.begin():
        await session.execute(
            update(Candidate).where(Candidate.id == theirs).values(counsellor_id=None)
        )
        await session.execute(delete(CandidateAccess).where(CandidateAccess.candidate_id == theirs))
    text = (await client.get(f"/positions/{POSITION}/decisions")).text
    section = text.split(f'id="candidate-{theirs}"')[1].split("</section>")[0]
    name = await db.scalar(select(Candidate.name).where(Candidate.id == theirs))
    assert name not in section
    assert f"Candidate no. {theirs}" in section
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["coordinator"])
    text = (await client.get(f"/positions/{POSITION}/decisions")).text
    assert name in text.split(f'id="candidate-{theirs}"')[1].split("</section>")[0]
    assert (await client.get("/positions/999999/decisions")).status_code == 404
    for role in ("teacher", "employer", "tutor"):
        client.cookies.clear()
        await sign_in(client, DEMO_USERS[role])
        assert (await client.get(f"/positions/{POSITION}/decisions")).status_code == 403


async def test_page_statements_do_not_grow_with_decisions(
    client: AsyncTestClient, db: Database
) -> None:
    await sign_in(client, DEMO_USERS["counsellor"])
    engine = client.app.state.engine
    url = f"/positions/{POSITION}/suggestions?top=20"
    await client.get(url)  # warm up
    with counting(engine) as before:
        assert (await client.get(url)).status_code == 200
    chosen = await pick(db, 6)
    for number, candidate in enumerate(chosen):
        kind = ("shortlisted", "proposed", "rejected")[number % 3]
        extra = {"reason": "language"} if kind == "rejected" else {}
        await flash_after(
            client, await post_decision(client, candidate, kind=kind, after="0", **extra)
        )
    await client.get(url)  # the flash of the last decision
    with counting(engine) as after:
        response = await client.get(url)
        assert response.status_code == 200
    assert response.text.count('class="decision decision-') >= len(chosen)
    assert len(before) == len(after), (before, after)


def test_reasons_and_labels_are_plain_words() -> None:
    assert "other" in REJECTION_REASONS
    assert all(label and label[0].isupper() for label in REJECTION_REASONS.values())


async def test_decision_pages_are_labelled_and_structured(
    client: AsyncTestClient, db: Database
) -> None:
    [candidate] = await pick(db)
    await sign_in(client, DEMO_USERS["counsellor"])
    await flash_after(client, await post_decision(client, candidate, kind="proposed", after="0"))
    for path in (
        f"/positions/{POSITION}/suggestions?top=50&ineligible=1&q={candidate}",
        f"/positions/{POSITION}/decisions",
        f"/candidates/{candidate}/suggestions?ineligible=1",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        page = PageStructure()
        page.feed(response.text)
        assert page.h1 == 1, path
        assert all(field in page.labels for field in page.fields), path
        ids = re.findall(r'\sid="([^"]+)"', response.text)
        assert len(ids) == len(set(ids)), path
