"""The oversight record: exact figures, filters, pages, the CSV export and who may read it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select, update

from accounts.models import User
from candidates.models import Candidate
from kit.spreadsheets import read_csv
from placements.models import SuggestionDecision
from placements.review.decisions import append_decision, latest_decision
from placements.review.oversight import (
    PAGE_SIZE,
    OversightFilters,
    follows_ranking,
    oversight_summary,
    spreadsheet_safe,
)
from tests.conftest import DEMO_USERS, sign_in
from tests.placements.conftest import Database

DAY = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Step:
    position: int
    candidate: int
    kind: str
    rank: int | None = None
    eligible: bool | None = None
    reason: str = ""
    note: str = ""
    who: str = "counsellor"
    days_ago: int = 0


async def user_id(db: Database, role: str) -> int:
    return int(await db.scalar(select(User.id).where(User.email == DEMO_USERS[role])))


async def record(db: Database, steps: list[Step], *, clear: bool = True) -> list[int]:
    """Write the decisions (oldest first), replacing whatever the demo data holds."""
    ids = []
    async with db.session() as session, session.begin():
        if clear:
            await session.execute(delete(SuggestionDecision))
        for number, step in enumerate(steps):
            who = await user_id(db, step.who)
            current = await latest_decision(
                session, position_id=step.position, candidate_id=step.candidate
            )
            decision = await append_decision(
                session,
                position_id=step.position,
                candidate_id=step.candidate,
                kind=step.kind,
                decided_by_id=who,
                expected_sequence=current.sequence if current else 0,
                reason=step.reason,
                note=step.note,
                score=None if step.rank is None else 0.5,
                rank=step.rank,
                eligible=step.eligible,
            )
            # Distinct times, in the order written, so "newest first" is well defined.
            when = DAY - datetime.timedelta(days=step.days_ago, seconds=len(steps) - number)
            await session.execute(
                update(SuggestionDecision)
                .where(SuggestionDecision.id == decision.id)
                .values(created_at=when)
            )
            ids.append(decision.id)
    return ids


# Each line says how it counts under the page's definition.
CONSTRUCTED = [
    Step(1, 1, "shortlisted", rank=3, eligible=True),  # follows
    Step(1, 2, "proposed", rank=10, eligible=True),  # follows (10 is in the top 10)
    Step(1, 3, "shortlisted", rank=11, eligible=True),  # overrides (outside the top 10)
    Step(1, 4, "proposed", rank=2, eligible=False),  # overrides (not eligible)
    Step(2, 5, "rejected", rank=1, eligible=True, reason="missing_competence"),  # overrides
    Step(2, 6, "rejected", rank=5, eligible=True, reason="other", note="moved away"),  # overrides
    Step(2, 7, "rejected", rank=40, eligible=True, reason="missing_competence"),  # follows
    Step(2, 8, "rejected", rank=3, eligible=False, reason="language"),  # follows
    Step(2, 9, "shortlisted"),  # overrides (no rank: not in the top 10)
    Step(1, 2, "withdrawn", rank=10, eligible=True, who="counsellor"),  # not counted
    Step(3, 10, "proposed", rank=1, eligible=True, days_ago=0),  # follows
    Step(3, 10, "accepted", who="employer"),  # not counted
    Step(3, 11, "proposed", rank=2, eligible=True),  # follows
    Step(3, 11, "declined", reason="no_capacity", note="full this spring", who="employer"),
]


def test_the_definition_at_its_edges() -> None:
    for kind in ("shortlisted", "proposed"):
        assert follows_ranking(kind, rank=1, eligible=True) is True
        assert follows_ranking(kind, rank=10, eligible=True) is True
        assert follows_ranking(kind, rank=11, eligible=True) is False
        assert follows_ranking(kind, rank=1, eligible=False) is False
        assert follows_ranking(kind, rank=None, eligible=None) is False
    assert follows_ranking("rejected", rank=10, eligible=True) is False
    assert follows_ranking("rejected", rank=11, eligible=True) is True
    assert follows_ranking("rejected", rank=1, eligible=False) is True
    for kind in ("withdrawn", "accepted", "declined"):
        assert follows_ranking(kind, rank=1, eligible=True) is None


async def test_figures_follow_the_definition_exactly(client: AsyncTestClient, db: Database) -> None:
    await record(db, CONSTRUCTED)
    async with db.session() as session:
        summary = await oversight_summary(session)
    assert summary.total == len(CONSTRUCTED)
    assert dict(summary.by_kind) == {
        "shortlisted": 3,
        "rejected": 4,
        "proposed": 4,
        "withdrawn": 1,
        "accepted": 1,
        "declined": 1,
    }
    assert (summary.followed, summary.overrode) == (6, 5)
    assert summary.counted == 11
    assert [(o.kind, o.reason, o.count) for o in summary.overrides] == [
        ("shortlisted", "", 2),
        ("rejected", "missing_competence", 1),
        ("rejected", "other", 1),
        ("proposed", "", 1),
    ]
    assert (summary.accepted, summary.declined) == (1, 1)
    assert [(d.reason, d.count) for d in summary.declines] == [("no_capacity", 1)]

    await sign_in(client, DEMO_USERS["coordinator"])
    page = await client.get("/oversight")
    assert page.status_code == 200, page.text
    text = page.text
    assert "advice" in text
    assert "within the top 10" in text  # the definition is on the page
    assert '<tr id="followed"><th scope="row">Followed the ranking</th><td>6</td><td>55 %' in text
    assert '<tr id="overrode"><th scope="row">Overrode the ranking</th><td>5</td><td>45 %' in text
    assert "Missing or too low competence" in text  # the reason's words, not its code
    assert "We cannot take a trainee at the moment" in text
    assert '<dd id="accepted">1</dd>' in text
    # Candidates by number, never by name.
    names = set((await db_names(db, range(1, 12))).values())
    assert not any(name in text for name in names)


async def db_names(db: Database, ids: range) -> dict[int, str]:
    async with db.session() as session:
        rows = await session.execute(
            select(Candidate.id, Candidate.name).where(Candidate.id.in_(list(ids)))
        )
        return {int(cid): str(name) for cid, name in rows.all()}


async def test_filters_by_kind_person_and_dates(client: AsyncTestClient, db: Database) -> None:
    steps = [
        Step(1, 1, "shortlisted", rank=1, eligible=True, days_ago=20),
        Step(1, 2, "rejected", rank=2, eligible=True, reason="language", days_ago=10),
        Step(1, 3, "rejected", rank=30, eligible=True, reason="other", note="x", days_ago=5),
        Step(1, 4, "shortlisted", rank=4, eligible=True, who="coordinator", days_ago=0),
    ]
    ids = await record(db, steps)
    counsellor = await user_id(db, "counsellor")
    async with db.session() as session:
        rejected = await oversight_summary(session, OversightFilters(kind="rejected"))
        by_person = await oversight_summary(session, OversightFilters(decided_by_id=counsellor))
        window = await oversight_summary(
            session,
            OversightFilters(
                date_from=(DAY - datetime.timedelta(days=10)).date(),
                date_to=(DAY - datetime.timedelta(days=5)).date(),
            ),
        )
    assert (rejected.total, rejected.followed, rejected.overrode) == (2, 1, 1)
    assert by_person.total == 3
    assert window.total == 2  # both ends of the range are included

    await sign_in(client, DEMO_USERS["counsellor"])
    page = await client.get("/oversight", params={"kind": "rejected"})
    assert page.status_code == 200
    shown = {i for i in ids if f'id="decision-{i}"' in page.text}
    assert shown == {ids[1], ids[2]}
    page = await client.get(
        "/oversight",
        params={
            "decided_by": str(counsellor),
            "date_from": (DAY - datetime.timedelta(days=12)).date().isoformat(),
        },
    )
    shown = {i for i in ids if f'id="decision-{i}"' in page.text}
    assert shown == {ids[1], ids[2]}
    # The filters carry over to the export link.
    assert "/oversight/export?" in page.text
    assert f"decided_by={counsellor}" in page.text

    bad = await client.get("/oversight", params={"kind": "hired", "date_from": "31.3.2026"})
    assert bad.status_code == 200
    assert "Choose a kind of decision from the list." in bad.text
    assert "YYYY-MM-DD" in bad.text
    reversed_range = await client.get(
        "/oversight", params={"date_from": "2026-03-10", "date_to": "2026-03-01"}
    )
    assert "The end date is before the start date." in reversed_range.text
    refused = await client.get("/oversight/export", params={"kind": "hired"})
    assert refused.status_code == 400


async def test_pages_of_fifty_newest_first(client: AsyncTestClient, db: Database) -> None:
    # One pair's long history: shortlisted and rejected in turn, 55 decisions in all.
    steps = [
        Step(1, 1, "shortlisted", rank=1, eligible=True)
        if n % 2 == 0
        else Step(1, 1, "rejected", rank=1, eligible=True, reason="other", note=f"turn {n}")
        for n in range(PAGE_SIZE + 5)
    ]
    ids = await record(db, steps)
    await sign_in(client, DEMO_USERS["coordinator"])
    first = (await client.get("/oversight")).text
    second = (await client.get("/oversight", params={"page": "2"})).text
    on_first = [i for i in ids if f'id="decision-{i}"' in first]
    on_second = [i for i in ids if f'id="decision-{i}"' in second]
    assert set(on_first) == set(ids[-PAGE_SIZE:])  # the newest fifty
    assert set(on_second) == set(ids[:5])
    assert first.index(f'id="decision-{ids[-1]}"') < first.index(f'id="decision-{ids[-2]}"')
    assert "Page 1 of 2" in first
    assert "page=2" in first
    assert "Page 2 of 2" in second
    past_the_end = (await client.get("/oversight", params={"page": "9"})).text
    assert "Page 2 of 2" in past_the_end
    assert (await client.get("/oversight", params={"page": "x"})).status_code == 200


async def test_csv_export(client: AsyncTestClient, db: Database) -> None:
    nasty = [
        '=HYPERLINK("http://evil.test","click")',
        "+1+2",
        "-3",
        "@SUM(A1:A2)",
    ]
    steps = [
        Step(1, n + 1, "rejected", rank=n + 1, eligible=True, reason="other", note=note)
        for n, note in enumerate(nasty)
    ]
    steps.append(Step(1, 9, "shortlisted", rank=12, eligible=True, note="plain, with a comma"))
    ids = await record(db, steps)
    await sign_in(client, DEMO_USERS["counsellor"])
    response = await client.get("/oversight/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert disposition == f'attachment; filename="isok-decisions-{today}.csv"'
    assert response.content.startswith("\ufeff".encode())  # UTF-8 as Excel in Finland reads it
    assert response.content.count(b"\r\n") == len(steps) + 1
    rows = read_csv(response.content)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Decision number", "When (UTC)", "Decided by"]
    assert "Candidate number" in header
    assert "Candidate" not in header  # no name column
    assert len(body) == len(steps)
    by_id = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
    assert [int(row[0]) for row in body] == list(reversed(ids))  # newest first
    for decision_id, note in zip(ids, nasty, strict=False):
        cells = by_id[decision_id]
        assert cells["Note"] == "'" + note
        assert cells["Reason"] == "Other reason (say which in the note)"
        assert cells["Reason code"] == "other"
        assert cells["Ranking followed"] == "no"  # rejected within the top 10
    last = by_id[ids[-1]]
    assert last["Note"] == "plain, with a comma"
    assert (last["Rank shown"], last["Eligible"], last["Ranking followed"]) == ("12", "yes", "no")
    assert last["Score shown"] == "0,500000"  # the decimal comma of a Finnish spreadsheet
    assert last["Candidate number"] == "9"
    assert last["Decided by"]
    assert not last["Decided by"].startswith("'")
    names = await db_names(db, range(1, 10))
    assert not any(name in response.text for name in names.values())

    only = await client.get("/oversight/export", params={"kind": "shortlisted"})
    assert len(read_csv(only.content)) == 2


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=1", "'=1"), ("+a", "'+a"), ("-a", "'-a"), ("@a", "'@a"), ("\tx", "'\tx"), ("a=b", "a=b")],
)
def test_spreadsheet_safe(text: str, safe: str) -> None:
    assert spreadsheet_safe(text) == safe


async def test_who_may_read_the_record(client: AsyncTestClient) -> None:
    for role in ("teacher", "employer", "tutor"):
        client.cookies.clear()
        await sign_in(client, DEMO_USERS[role])
        for path in ("/oversight", "/oversight/export", "/assignments"):
            assert (await client.get(path)).status_code == 403, (role, path)
    client.cookies.clear()
    await sign_in(client, DEMO_USERS["counsellor"])
    assert (await client.get("/oversight")).status_code == 200
    assert (await client.get("/oversight/export")).status_code == 200
    assert (await client.get("/assignments")).status_code == 403
    client.cookies.clear()
    assert (await client.get("/oversight", follow_redirects=False)).status_code in (302, 303, 401)
