"""A person's copy of their data (GDPR articles 15 and 20): it follows the data inventory
column for column, holds every row that is the person's and nothing of anybody else's, never
shows a password's hash, and reaches only the person and, for a record, the coordinator
(portal/personal_data.py, portal/data_pages.py)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import User
from accounts.services import create_user
from candidates import services as candidate_services
from candidates.models import Candidate, RecordOpening
from employers.models import Organisation
from kit.inventory import CANDIDATE, USER
from kit.roles import Role, viewer_for
from placements.models import Placement
from portal.inventory import all_entries
from portal.personal_data import AGGREGATES, HIDDEN, RECIPIENTS, account_copy, candidate_copy
from tests.candidates.conftest import candidate_input
from tests.candidates.test_records import post_form
from tests.conftest import DEMO_USERS, sign_in

pytestmark = pytest.mark.both_databases

Sessions = async_sessionmaker[AsyncSession]
OWN = DEMO_USERS["candidate"]
COORDINATOR = DEMO_USERS["coordinator"]
COUNSELLOR = DEMO_USERS["counsellor"]
# The extra columns the audit trail's part of a record copy carries to be readable: which
# table an event is about and when it happened (both listed in the inventory, not as the
# candidate's).
AUDIT_CONTEXT = {"entity", "created_at"}
# The rows of a candidate's record in some tables, read with plain SQL: direct keys, and the
# ratings two joins away (rating → rating sheet → placement → candidate).
BELONGING = {
    "candidate": "SELECT id FROM candidate WHERE id = :candidate",
    "claim": "SELECT id FROM claim WHERE candidate_id = :candidate",
    "guidance_note": "SELECT id FROM guidance_note WHERE candidate_id = :candidate",
    "placement": "SELECT id FROM placement WHERE candidate_id = :candidate",
    "certificate": "SELECT id FROM certificate WHERE candidate_id = :candidate",
    "consent_record": "SELECT id FROM consent_record WHERE candidate_id = :candidate",
    "candidate_language": "SELECT id FROM candidate_language WHERE candidate_id = :candidate",
    "evidence_item": "SELECT id FROM evidence_item WHERE candidate_id = :candidate",
    "interview": "SELECT id FROM interview WHERE candidate_id = :candidate",
    "rating": (
        "SELECT rating.id FROM rating"
        " JOIN rating_sheet ON rating_sheet.id = rating.sheet_id"
        " JOIN placement ON placement.id = rating_sheet.placement_id"
        " WHERE placement.candidate_id = :candidate"
    ),
}
# A PDF of the demo candidate's copy takes a second or two to lay out: the budget leaves room
# for a busy machine and still fails a layout that takes minutes.
PDF_SECONDS = 15
# A few columns per table whose stored values the copy must carry unchanged.
VALUES = {
    "candidate": ("name", "email", "phone", "municipality"),
    "claim": ("competence_id", "self_level", "free_text"),
    "guidance_note": ("text", "shared"),
    "placement": ("status", "position_id", "organisation_id"),
    "certificate": ("code", "language"),
    "consent_record": ("purpose", "given", "organisation_id"),
}


# --- Reading the database and the copies ------------------------------------------------------


async def sql(sessions: Sessions, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        return [tuple(row) for row in await session.execute(text(statement), params)]


async def user_id_of(sessions: Sessions, email: str) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(User.id).where(User.email == email)))


async def own_record(sessions: Sessions) -> int:
    """The demo candidate's record, the one linked to candidate@demo.test."""
    user_id = await user_id_of(sessions, OWN)
    async with sessions() as session:
        return int(await session.scalar(select(Candidate.id).where(Candidate.user_id == user_id)))


async def another_candidate(sessions: Sessions, own: int) -> Candidate:
    """Another demo candidate with a placement (and so with claims, notes and ratings)."""
    async with sessions() as session:
        other = (
            await session.scalars(
                select(Candidate)
                .join(Placement, Placement.candidate_id == Candidate.id)
                .where(Candidate.id != own)
                .order_by(Candidate.id)
            )
        ).first()
    assert other is not None
    return other


async def record_copy(sessions: Sessions, candidate_id: int) -> dict[str, Any]:
    async with sessions() as session:
        return await candidate_copy(session, candidate_id=candidate_id)


async def account_of(sessions: Sessions, user_id: int) -> dict[str, Any]:
    async with sessions() as session:
        return await account_copy(session, user_id=user_id)


def ids(copy: dict[str, Any], table: str) -> list[int]:
    return [int(row["id"]) for row in copy["tables"][table]["rows"]]


def personal_by_table(subject: str) -> dict[str, set[str]]:
    """Straight from the inventory: table → its columns that are personal about ``subject``."""
    tables: dict[str, set[str]] = {}
    for entry in all_entries():
        if entry.personal and entry.subject == subject:
            tables.setdefault(entry.table, set()).add(entry.column)
    return tables


def as_text(copy: Any) -> str:
    return json.dumps(copy, ensure_ascii=False)


async def openings_by_copy(sessions: Sessions, candidate_id: int) -> list[tuple[int, int]]:
    """(id, user) of each opening of the record made by a copy of its data."""
    async with sessions() as session:
        rows = await session.execute(
            select(RecordOpening.id, RecordOpening.user_id)
            .where(RecordOpening.candidate_id == candidate_id, RecordOpening.via == "copy")
            .order_by(RecordOpening.id)
        )
        return [(int(row.id), int(row.user_id)) for row in rows]


async def new_candidate(sessions: Sessions, name: str) -> int:
    """A candidate with a bare record (no claims, notes or placements) in the counsellor's
    caseload."""
    async with sessions() as session, session.begin():
        counsellor = (
            await session.execute(select(User).where(User.email == COUNSELLOR))
        ).scalar_one()
        candidate = await candidate_services.create_candidate(
            session,
            viewer=viewer_for(counsellor),
            data=candidate_input(name=name, email="bare.record@example.fi"),
        )
        return candidate.id


# --- The copy against the inventory -------------------------------------------------------------


async def test_the_record_copy_has_every_column_the_inventory_lists_about_the_candidate(
    sessions: Sessions,
) -> None:
    copy = await record_copy(sessions, await own_record(sessions))
    inventory = personal_by_table(CANDIDATE)
    assert copy["subject"] == CANDIDATE
    assert set(copy["left_out"]) == set(AGGREGATES) == {"reporting_report"}
    assert set(copy["tables"]) == set(inventory) - set(AGGREGATES)
    missing = [
        f"{table}.{column}"
        for table, columns in sorted(inventory.items())
        if table not in AGGREGATES
        for column in sorted(columns)
        if column not in copy["tables"][table]["columns"]
    ]
    assert not missing, f"personal columns about the candidate not in the copy: {missing}"
    for table, part in copy["tables"].items():
        extra = set(part["columns"]) - inventory[table]
        # Beyond the inventory: the audit trail's context, and who the record was shown to
        # (art. 15(1)(c)).
        allowed = AUDIT_CONTEXT if table == "audit_event" else set(RECIPIENTS.get(table, []))
        assert extra <= allowed, (table, extra)
        for row in part["rows"]:
            assert list(row) == ["id", *part["columns"]], (table, row)
    # The demo candidate's record is full: the copy is not an empty frame.
    filled = {table for table, part in copy["tables"].items() if part["rows"]}
    assert {"candidate", "claim", "placement", "rating", "certificate", "audit_event"} <= filled


async def test_the_account_copy_has_every_column_the_inventory_lists_about_a_user(
    sessions: Sessions,
) -> None:
    user_id = await user_id_of(sessions, OWN)
    copy = await account_of(sessions, user_id)
    inventory = personal_by_table(USER)
    assert copy["subject"] == USER
    assert set(copy["tables"]) == set(inventory)
    for table, columns in inventory.items():
        # The audit trail's part also says which row each event is about, and what changed
        # when the event is about the account itself.
        extra = {"entity", "entity_id", "changes"} if table == "audit_event" else set()
        assert set(copy["tables"][table]["columns"]) == columns | extra, table
    (account,) = copy["tables"]["user_account"]["rows"]
    assert (account["id"], account["email"], account["role"]) == (user_id, OWN, "candidate")
    assert account["password_hash"] == (
        f"({HIDDEN[('user_account', 'password_hash')]}: kept, not shown)"
    )


async def test_the_record_copy_holds_exactly_the_candidates_rows_with_their_stored_values(
    sessions: Sessions,
) -> None:
    candidate = await own_record(sessions)
    copy = await record_copy(sessions, candidate)
    for table, statement in BELONGING.items():
        stored = sorted(row[0] for row in await sql(sessions, statement, candidate=candidate))
        assert stored, f"the demo candidate has no {table} rows: the check would prove nothing"
        assert ids(copy, table) == stored, table
    for table, columns in VALUES.items():
        listed = ", ".join(columns)
        stored_values = {
            row[0]: row[1:]
            for row in await sql(
                sessions,
                f"SELECT id, {listed} FROM {table} WHERE "  # noqa: S608 - names from VALUES
                + ("id" if table == "candidate" else "candidate_id")
                + " = :candidate",
                candidate=candidate,
            )
        }
        copied = {
            row["id"]: tuple(row[column] for column in columns)
            for row in copy["tables"][table]["rows"]
        }
        assert copied == stored_values, table


# --- Nothing of anybody else's -----------------------------------------------------------------


async def test_nothing_of_another_candidate_is_in_the_candidates_copy(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    own = await own_record(sessions)
    other = await another_candidate(sessions, own)
    theirs = {
        table: {row[0] for row in await sql(sessions, statement, candidate=other.id)}
        for table, statement in BELONGING.items()
    }
    assert all(theirs[table] for table in ("claim", "guidance_note", "placement", "rating"))
    await sign_in(client, OWN)
    response = await client.get("/api/me/export")
    assert response.status_code == 200
    body = response.json()
    record = body["record"]
    for table, their_ids in theirs.items():
        assert not their_ids & set(ids(record, table)), table
    whole = as_text(body)
    assert other.name not in whole
    assert other.email not in whole
    others = await sql(sessions, "SELECT name FROM candidate WHERE id != :own", own=own)
    assert [name for (name,) in others if name in whole] == []
    # Every row with a key to a candidate names this one, and every event of the audit
    # trail in the copy is about a row of the copy.
    for table, part in record["tables"].items():
        if "candidate_id" in part["columns"]:
            assert {row["candidate_id"] for row in part["rows"]} <= {own}, table
    for event in record["tables"]["audit_event"]["rows"]:
        assert int(event["entity_id"]) in ids(record, event["entity"]), event


async def test_a_staff_account_copy_names_their_rows_but_holds_no_candidates_data(
    sessions: Sessions,
) -> None:
    counsellor = await user_id_of(sessions, COUNSELLOR)
    copy = await account_of(sessions, counsellor)
    authored = await sql(
        sessions,
        "SELECT id, text FROM guidance_note WHERE author_id = :user ORDER BY id",
        user=counsellor,
    )
    assert authored
    assert ids(copy, "guidance_note") == [row[0] for row in authored]
    assert copy["tables"]["guidance_note"]["columns"] == ["author_id"]
    caseload = await sql(
        sessions,
        "SELECT id FROM candidate WHERE counsellor_id = :user ORDER BY id",
        user=counsellor,
    )
    assert ids(copy, "candidate") == [row[0] for row in caseload]
    # Only what is the user's: no column the inventory files under a candidate.
    about_candidates = personal_by_table(CANDIDATE)
    for table, part in copy["tables"].items():
        for row in part["rows"]:
            assert set(row) == {"id", *part["columns"]}, (table, row)
        if table == "audit_event":
            # What changed is shown only for events about the account itself.
            for row in part["rows"]:
                about_self = (row["entity"], row["entity_id"]) == ("user_account", str(counsellor))
                assert row["changes"] is None or about_self, row
            continue
        assert not set(part["columns"]) & about_candidates.get(table, set()), table
    whole = as_text(copy)
    assert not [note for _id, note in authored if note in whole]
    ((name, email),) = await sql(
        sessions, "SELECT name, email FROM candidate WHERE id = :c", c=await own_record(sessions)
    )
    assert name not in whole
    assert email not in whole


async def test_no_copy_ever_holds_a_password_hash(sessions: Sessions) -> None:
    hashes = dict(await sql(sessions, "SELECT id, password_hash FROM user_account"))
    assert all(value.startswith("$argon2") for value in hashes.values())
    record = as_text(await record_copy(sessions, await own_record(sessions)))
    assert "$argon2" not in record
    for user_id, password_hash in hashes.items():
        whole = as_text(await account_of(sessions, user_id))
        assert "$argon2" not in whole, user_id
        assert password_hash not in whole, user_id
        assert "kept, not shown" in whole


# --- Over HTTP: who gets which copy --------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(DEMO_USERS))
async def test_everyone_signed_in_gets_their_own_copy_and_a_candidate_their_record(
    client: AsyncTestClient, sessions: Sessions, role: str
) -> None:
    email = DEMO_USERS[role]
    await sign_in(client, email)
    response = await client.get("/api/me/export")
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    body = response.json()
    assert body["account"]["subject"] == USER
    (account,) = body["account"]["tables"]["user_account"]["rows"]
    assert (account["id"], account["email"]) == (await user_id_of(sessions, email), email)
    if role == "candidate":
        assert body["record"]["tables"]["candidate"]["rows"][0]["id"] == await own_record(sessions)
    else:
        assert "record" not in body
    assert "$argon2" not in response.text


async def test_the_export_refuses_anybody_not_signed_in(client: AsyncTestClient) -> None:
    response = await client.get("/api/me/export", follow_redirects=False)
    assert response.status_code == 401 or (
        response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    ), response.status_code
    assert "account" not in response.text


async def test_the_candidate_reads_their_copy(client: AsyncTestClient, sessions: Sessions) -> None:
    ((name, code),) = await sql(
        sessions,
        "SELECT candidate.name, certificate.code FROM candidate"
        " JOIN certificate ON certificate.candidate_id = candidate.id WHERE candidate.id = :c",
        c=await own_record(sessions),
    )
    await sign_in(client, OWN)
    page = await client.get("/my/data")
    assert page.status_code == 200
    assert "no-store" in page.headers["cache-control"]
    for heading in (
        "<h1>Your data</h1>",
        ">Your record <",
        ">Consents <",
        ">Certificates <",
        ">History of changes <",
        ">Sessions <",
        ">Your account <",
        ">Not in the copy<",
    ):
        assert heading in page.text, heading
    assert name in page.text
    assert code in page.text
    assert 'href="/my/data.pdf"' in page.text
    assert "kept, not shown" in page.text
    assert "$argon2" not in page.text


async def test_the_candidate_keeps_their_copy_as_a_pdf_made_in_seconds(
    client: AsyncTestClient,
) -> None:
    """The demo candidate's copy (about 115 rows, some holding long JSON) is a few pages: the
    print document must not take minutes to lay out (a request would time out)."""
    await sign_in(client, OWN)
    started = time.monotonic()
    pdf = await client.get("/my/data.pdf")
    seconds = time.monotonic() - started
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.headers["content-disposition"] == 'attachment; filename="isok-data.pdf"'
    assert "no-store" in pdf.headers["cache-control"]
    assert pdf.content.startswith(b"%PDF")
    assert len(pdf.content) > 2000
    assert seconds < PDF_SECONDS, f"the PDF took {seconds:.0f} s"


@pytest.mark.parametrize("role", ["coordinator", "counsellor", "steering"])
async def test_the_readable_copy_is_a_candidates_page_only(
    client: AsyncTestClient, role: str
) -> None:
    await sign_in(client, DEMO_USERS[role])
    assert (await client.get("/my/data")).status_code == 403
    assert (await client.get("/my/data.pdf")).status_code == 403


async def test_only_the_coordinator_makes_a_copy_of_a_candidates_record(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    candidate = await own_record(sessions)
    # Not the name: the candidate's own pages show it in their header.
    ((phone,),) = await sql(sessions, "SELECT phone FROM candidate WHERE id = :c", c=candidate)
    for role, email in sorted(DEMO_USERS.items()):
        if role == "coordinator":
            continue
        client.cookies.clear()
        await sign_in(client, email)
        for path in (f"/candidates/{candidate}/data", f"/candidates/{candidate}/data.json"):
            response = await client.get(path)
            assert response.status_code == 403, (role, path, response.status_code)
            assert phone not in response.text
    assert await openings_by_copy(sessions, candidate) == []


async def test_the_coordinator_copies_any_record_and_each_copy_is_in_its_access_log(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    coordinator = await user_id_of(sessions, COORDINATOR)
    own = await own_record(sessions)
    (unassigned,) = (
        await sql(sessions, "SELECT MIN(id) FROM candidate WHERE counsellor_id IS NULL")
    )[0]
    bare = await new_candidate(sessions, "Bare Record")
    await sign_in(client, COORDINATOR)
    for candidate in (own, unassigned, bare):
        ((name,),) = await sql(sessions, "SELECT name FROM candidate WHERE id = :c", c=candidate)
        page = await client.get(f"/candidates/{candidate}/data")
        assert page.status_code == 200, (candidate, page.text)
        assert "no-store" in page.headers["cache-control"]
        assert f"<h1>Copy of the data of {name}</h1>" in page.text
        assert f'href="/candidates/{candidate}/data.json"' in page.text
        first = await openings_by_copy(sessions, candidate)
        assert first == [(first[0][0], coordinator)]

        download = await client.get(f"/candidates/{candidate}/data.json")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/json")
        assert download.headers["content-disposition"] == (
            f'attachment; filename="isok-candidate-{candidate}.json"'
        )
        assert "no-store" in download.headers["cache-control"]
        record = download.json()["record"]
        assert ids(record, "candidate") == [candidate]
        both = await openings_by_copy(sessions, candidate)
        assert [user for _id, user in both] == [coordinator, coordinator]
        # The page's opening is in the copy made after it.
        assert first[0][0] in ids(record, "record_opening")
    # A bare record still has its parts, empty.
    assert ids(record, "claim") == []
    assert ids(record, "candidate_language") != []


@pytest.mark.parametrize("candidate", ["999999", str(2**31), str(2**63), "9" * 20])
async def test_a_copy_of_a_record_that_does_not_exist_answers_404(
    client: AsyncTestClient, sessions: Sessions, candidate: str
) -> None:
    await sign_in(client, COORDINATOR)
    for path in (f"/candidates/{candidate}/data", f"/candidates/{candidate}/data.json"):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.status_code)
    async with sessions() as session:
        copies = select(func.count()).where(RecordOpening.via == "copy")
        assert await session.scalar(copies) == 0


# --- The copy keeps up with what happens ---------------------------------------------------------


async def test_a_consent_given_or_withdrawn_is_in_the_next_copy_with_its_audit_event(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    candidate = await own_record(sessions)
    user_id = await user_id_of(sessions, OWN)
    await sign_in(client, OWN)
    before = (await client.get("/api/me/export")).json()
    for decision in ("withdrawn", "given"):
        response = await post_form(
            client, "/my/consents", {"purpose": "share_with_employers", "decision": decision}
        )
        assert response.status_code == 303, response.text
    new = await sql(
        sessions,
        "SELECT id, given FROM consent_record WHERE candidate_id = :c AND id > :last ORDER BY id",
        c=candidate,
        last=max(ids(before["record"], "consent_record")),
    )
    assert [bool(given) for _id, given in new] == [False, True]
    events = dict(
        await sql(
            sessions,
            "SELECT entity_id, id FROM audit_event"
            " WHERE entity = 'consent_record' AND action = 'create' AND actor_id = :user",
            user=user_id,
        )
    )
    assert set(events) == {str(row_id) for row_id, _given in new}

    after = (await client.get("/api/me/export")).json()
    record, account = after["record"], after["account"]
    consents = {row["id"]: row for row in record["tables"]["consent_record"]["rows"]}
    for row_id, given in new:
        assert consents[row_id]["purpose"] == "share_with_employers"
        assert consents[row_id]["given"] is bool(given)
    audit = {row["id"]: row for row in record["tables"]["audit_event"]["rows"]}
    for entity_id, event_id in events.items():
        assert audit[event_id]["entity"] == "consent_record"
        assert audit[event_id]["entity_id"] == entity_id
        assert audit[event_id]["changes"]["purpose"] == "share_with_employers"
    # The account's copy has them as the candidate's own acts: who recorded, who acted.
    recorded = {row["id"]: row for row in account["tables"]["consent_record"]["rows"]}
    assert {row_id for row_id, _given in new} <= set(recorded)
    assert {recorded[row_id]["recorded_by_id"] for row_id, _given in new} == {user_id}
    acted = {row["id"]: row for row in account["tables"]["audit_event"]["rows"]}
    assert set(events.values()) <= set(acted)
    assert {acted[event_id]["actor_id"] for event_id in events.values()} == {user_id}


async def test_the_history_of_a_removed_row_stays_in_the_copy(
    client: AsyncTestClient, sessions: Sessions
) -> None:
    """A counsellor removes one of the candidate's claims: the audit trail keeps the claim's
    values (who claimed what, at which level, in which words), so the copy must show them."""
    candidate = await own_record(sessions)
    claim = ids(await record_copy(sessions, candidate), "claim")[0]
    await sign_in(client, COUNSELLOR)
    response = await post_form(client, f"/candidates/{candidate}/claims/{claim}/delete", {})
    assert response.status_code == 303, response.text
    kept = await sql(
        sessions,
        "SELECT id, action FROM audit_event WHERE entity = 'claim' AND entity_id = :claim"
        " ORDER BY id",
        claim=str(claim),
    )
    assert [action for _id, action in kept] == ["create", "delete"]

    copy = await record_copy(sessions, candidate)
    assert claim not in ids(copy, "claim")
    missing = [event for event, _action in kept if event not in ids(copy, "audit_event")]
    assert not missing, (
        f"events of the audit trail holding the removed claim {claim}'s values are not in the"
        f" copy: {missing}"
    )


async def test_the_history_of_an_account_is_in_the_accounts_copy(sessions: Sessions) -> None:
    """The audit trail keeps an account's values (address, name, role) as they were created
    and changed, filed by the account's id: they are the user's, so in the user's copy."""
    user_id = await user_id_of(sessions, OWN)
    async with sessions() as session, session.begin():
        account = await session.get(User, user_id)
        assert account is not None
        account.name = "Fadi A. Al-Jubouri"
    about = await sql(
        sessions,
        "SELECT id FROM audit_event WHERE entity = 'user_account' AND entity_id = :user"
        " ORDER BY id",
        user=str(user_id),
    )
    assert len(about) == 2  # created with the demo data, then renamed
    copy = await account_of(sessions, user_id)
    missing = [event for (event,) in about if event not in ids(copy, "audit_event")]
    assert not missing, f"events about the account {user_id} not in its copy: {missing}"


async def test_an_account_copy_takes_no_decision_signed_by_a_look_alike_address(
    sessions: Sessions,
) -> None:
    """``_`` in an address is an ordinary character, not a pattern: the decisions signed by
    mxvirtanen@demo.test are not in m_virtanen@demo.test's copy."""
    async with sessions() as session, session.begin():
        for email, name in (
            ("m_virtanen@demo.test", "Maija Virtanen"),
            ("mxvirtanen@demo.test", "Matti Virtanen"),
        ):
            await create_user(
                session,
                email=email,
                name=name,
                role=Role.COORDINATOR,
                password="a long and private passphrase",
            )
        decided = await session.scalar(select(func.min(Organisation.id)))
        await session.execute(
            update(Organisation)
            .where(Organisation.id == decided)
            .values(decided_by="Matti Virtanen <mxvirtanen@demo.test>")
        )
    copy = await account_of(sessions, await user_id_of(sessions, "m_virtanen@demo.test"))
    assert ids(copy, "organisation") == []
    assert "mxvirtanen" not in as_text(copy)
    look_alike = await account_of(sessions, await user_id_of(sessions, "mxvirtanen@demo.test"))
    assert ids(look_alike, "organisation") == [decided]
