"""Erasure of a candidate's data (GDPR article 17), and the retention period that calls it.

Erasing keeps the rows and removes the person from them, so that every count the programme
has reported stays as it was (docs/privacy.md):

- In every row that leads to the candidate (found as for the copy of their data,
  :mod:`portal.personal_data`), each column the inventory marks personal about a candidate
  that holds words (a text, or a string of 50 characters or more: a name, an address, a
  phone number, a note) is replaced by ``[erased]``. Categories, levels, dates and links
  between rows stay: they are what the indicators count, and with nothing left to tell who
  it was, they are no longer anyone's.
- Evidence files are deleted from storage (after the transaction commits); match
  explanations are dropped; the audit trail's old and new values for those rows are emptied.
- Every consent in force is withdrawn (a new record, as when the candidate withdraws it), so
  the candidate drops out of suggestions at once.
- Issued certificates stay valid and verifiable by their code, signature and status, but
  their stored content no longer names the person (the recipient's name becomes
  ``[erased]``; the salted hash of the e-mail address stays, so the holder can still prove
  the certificate is theirs). The person keeps the PDF and credential they downloaded.
- The candidate's own account, if any, is made anonymous and deactivated: its sessions,
  password links and sign-in records go, and its events in the audit trail no longer name it.
- Frozen six-monthly reports are never touched (their figures are totals).

A record erased once cannot be erased again or changed: ``candidate.erased_at`` is set.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import String, Text, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.lookalike import skeleton
from accounts.passwords import hash_password
from candidates.consent import current_consents
from candidates.models import Candidate, ConsentRecord, EvidenceItem
from candidates.uploads import EvidenceStore
from kit import audit
from kit.inventory import CANDIDATE
from portal.inventory import personal_columns
from portal.models import metadata
from portal.personal_data import audited_rows, candidate_copy, last_changes

T = TypeVar("T")
ERASED = "[erased]"
# A string column this long or longer holds words, not a category (those are 2-40 long).
WORDS_FROM_LENGTH = 50
# Strings that are not the person's words: a certificate's public code, the address of a form.
KEPT = frozenset(
    {("certificate", "code"), ("form_submission", "target"), ("audit_event", "entity_id")}
)


class AlreadyErased(Exception):
    """The record was erased before."""


@dataclass
class ErasureReport:
    candidate_id: int
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    consents_withdrawn: int = 0
    account: bool = False


def words_columns(table: str) -> list[str]:
    """The candidate-personal columns of ``table`` that hold words (erased in place)."""
    columns = []
    for name in personal_columns(table, CANDIDATE):
        column = metadata.tables[table].c[name]
        if (table, name) in KEPT or column.foreign_keys:
            continue
        if isinstance(column.type, Text) or (
            isinstance(column.type, String) and (column.type.length or 0) >= WORDS_FROM_LENGTH
        ):
            columns.append(name)
    return columns


def _erased(column: Any) -> Any:
    """``[erased]`` where the column said something; empty stays empty."""
    return case((or_(column.is_(None), column == ""), column), else_=ERASED)


async def erase_candidate(
    session: AsyncSession,
    *,
    candidate_id: int,
    actor_id: int | None,
    store: EvidenceStore,
    reason: str,
) -> ErasureReport:
    """Erase the candidate ``candidate_id`` in ``session``'s transaction (see the module).

    Raises :class:`LookupError` for an unknown candidate and :class:`AlreadyErased`.
    """
    candidate = await session.get(Candidate, candidate_id, with_for_update=True)
    if candidate is None:
        raise LookupError(candidate_id)
    if candidate.erased_at is not None:
        raise AlreadyErased(candidate_id)
    report = ErasureReport(candidate_id=candidate_id)
    report.consents_withdrawn = await _withdraw_consents(session, candidate_id, actor_id)
    copy = await candidate_copy(session, candidate_id=candidate_id)
    found = {
        name: [int(row["id"]) for row in part["rows"]]
        for name, part in copy["tables"].items()
        if name not in ("audit_event", "form_submission", "matching_change") and part["rows"]
    }
    report.files = await _delete_files(session, found.get("evidence_item", []), store)
    if candidate.email:
        outbox = metadata.tables["outbox_message"]
        await session.execute(delete(outbox).where(outbox.c.recipient == candidate.email))
    for name, ids in found.items():
        table = metadata.tables[name]
        values: dict[str, Any] = {
            column: _erased(table.c[column]) for column in words_columns(name)
        }
        if name == "suggestion_decision":
            values["explanation"] = None
        if values:
            for chunk in _chunks(ids):
                await session.execute(update(table).where(table.c.id.in_(chunk)).values(values))
        report.rows[name] = len(ids)
    await _certificates(session, found.get("certificate", []))
    await _audit_trail(session, await audited_rows(session, candidate_id=candidate_id, found=found))
    if candidate.user_id is not None:
        await _account(session, candidate.user_id)
        report.account = True
    await session.execute(
        update(Candidate)
        .where(Candidate.id == candidate_id)
        .values(erased_at=datetime.datetime.now(datetime.UTC), user_id=None)
        .execution_options(synchronize_session=False)
    )
    await audit.record(
        session,
        action="erase",
        entity="candidate",
        entity_id=candidate_id,
        details={"reason": reason, "rows": report.rows, "files": report.files},
    )
    await session.flush()
    session.expire_all()
    return report


def _chunks(ids: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


async def _withdraw_consents(session: AsyncSession, candidate_id: int, actor_id: int | None) -> int:
    """A withdrawal for every consent in force (the text as a counsellor would record it)."""
    from candidates.consent import consent_text

    withdrawn = 0
    for state in await current_consents(session, candidate_id=candidate_id):
        if not state.given:
            continue
        session.add(
            ConsentRecord(
                candidate_id=candidate_id,
                purpose=state.purpose,
                organisation_id=state.organisation_id,
                given=False,
                text_shown=consent_text(
                    state.purpose, given=False, organisation_name=state.organisation_name or ""
                ),
                language="en",
                recorded_by_id=actor_id,
            )
        )
        withdrawn += 1
    await session.flush()
    return withdrawn


async def _delete_files(session: AsyncSession, ids: list[int], store: EvidenceStore) -> int:
    """Forget the evidence files; they are deleted from storage once the erasure commits."""
    if not ids:
        return 0
    rows = await session.execute(
        select(EvidenceItem.id, EvidenceItem.stored_name).where(
            EvidenceItem.id.in_(ids), EvidenceItem.stored_name.is_not(None)
        )
    )
    files = 0
    for _id, stored_name in rows.all():
        store.delete_after_commit(session.sync_session, stored_name)
        files += 1
    await session.execute(
        update(EvidenceItem)
        .where(EvidenceItem.id.in_(ids))
        .values(stored_name=None, content_type=None, size_bytes=None, sha256=None)
        .execution_options(synchronize_session=False)
    )
    return files


async def _certificates(session: AsyncSession, ids: list[int]) -> None:
    """Keep each certificate verifiable, without the recipient's name in its content."""
    table = metadata.tables["certificate"]
    for certificate_id, content in (
        await session.execute(select(table.c.id, table.c.content).where(table.c.id.in_(ids)))
    ).all():
        changed = dict(content or {})
        recipient = dict(changed.get("recipient") or {})
        recipient["name"] = ERASED
        changed["recipient"] = recipient
        await session.execute(
            update(table).where(table.c.id == certificate_id).values(content=changed)
        )


async def _audit_trail(session: AsyncSession, audited: dict[str, set[str]]) -> None:
    """The trail keeps that a row changed and when, not what it said (rows since deleted
    included)."""
    table = metadata.tables["audit_event"]
    for name, ids in audited.items():
        for chunk in _chunks(sorted(ids)):
            await session.execute(
                update(table)
                .where(table.c.entity == name, table.c.entity_id.in_(chunk))
                .values(changes={})
            )


async def _account(session: AsyncSession, user_id: int) -> None:
    """The candidate's account: anonymous, deactivated, signed out, its traces unnamed."""
    accounts = metadata.tables["user_account"]
    email = (
        await session.execute(select(accounts.c.email).where(accounts.c.id == user_id))
    ).scalar_one()
    anonymous = f"erased-{user_id}@erased.invalid"
    await session.execute(
        update(accounts)
        .where(accounts.c.id == user_id)
        .values(
            email=anonymous,
            email_skeleton=skeleton(anonymous),
            name=ERASED,
            # Nobody knows it, and the account cannot sign in anyway.
            password_hash=hash_password(secrets.token_urlsafe(32)),
            is_active=False,
            locale=None,
            last_login_at=None,
        )
    )
    for name in ("login_session", "password_reset"):
        table = metadata.tables[name]
        await session.execute(delete(table).where(table.c.user_id == user_id))
    for name in ("login_attempt", "login_throttle"):
        table = metadata.tables[name]
        await session.execute(delete(table).where(table.c.email == email))
    outbox = metadata.tables["outbox_message"]
    await session.execute(delete(outbox).where(outbox.c.recipient == email))
    events = metadata.tables["audit_event"]
    await session.execute(
        update(events).where(events.c.actor_id == user_id).values(actor_label=ERASED)
    )
    await session.execute(
        update(events)
        .where(events.c.entity == "user_account", events.c.entity_id == str(user_id))
        .values(changes={})
    )


@dataclass(frozen=True)
class Untouched:
    candidate_id: int
    last_change: datetime.datetime


def cutoff_for(years: int, now: datetime.datetime) -> datetime.datetime:
    """The moment ``years`` years before ``now`` (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


async def untouched_records(
    session: AsyncSession, *, years: int, now: datetime.datetime
) -> list[Untouched]:
    """Records not yet erased in which nothing has changed for ``years`` years, oldest first."""
    cutoff = cutoff_for(years, now)
    latest = await last_changes(session)
    erased = set(
        (await session.execute(select(Candidate.id).where(Candidate.erased_at.is_not(None))))
        .scalars()
        .all()
    )
    due = [
        Untouched(candidate_id, changed)
        for candidate_id, changed in latest.items()
        if changed < cutoff and candidate_id not in erased
    ]
    return sorted(due, key=lambda row: (row.last_change, row.candidate_id))
