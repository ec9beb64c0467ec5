"""The data inventory's form, and the inventory of the kit's own two tables.

Every package that owns tables lists their columns in its own ``inventory`` module, in this
form: ``TABLES``, ``INVENTORY`` (one :class:`InventoryEntry` per column of every table in
``TABLES``) and a docstring naming the legal bases (GDPR art. 6). Each imports only this
module and its own package; ``portal/inventory.py`` gathers them all, and
``tests/test_inventory.py`` checks the whole against the models both ways: no column is left
out, none is listed twice, none is listed that does not exist. A person's copy of their data,
erasure and the record of processing are built on it.

A column is *personal* when its value, read with its row, relates to a person who can be
identified: a name or contact, a fact recorded about them, a free text written about them, or
an id that links the row to them (a foreign key to a candidate, a placement or a user). Its
*subject* says whose personal data it is (:data:`SUBJECTS`): the candidate, the immigrant
client; a user, the holder of a portal account (staff, an employer's contact, a tutor, a
member of the steering committee); or an organisation's contact person, named by a partner
organisation without (yet) having an account. A column has one subject: where it also names
someone else (a reason that names an assessor), its purpose says so. A row's bookkeeping is
not personal data: its id, when it was written and last changed (unless the time is the fact
recorded, as for a sign-in try), an ordering or version number, the hash of a random token
and the expiry of a link or session. A row's id still leads to the person once joined;
exports and erasure follow the personal foreign keys.

The kit's tables name users by id without a foreign key (the kit sits below accounts):

* ``audit_event``, the audit trail: who changed what and when, with the old and new values of
  every audited row. Its events are personal data about the user who acted (who, what, when)
  and about whoever the changed row is about. The row's id and values are filed under the
  candidate, whom most audited tables are about; ``entity`` tells the others apart: an
  account's values are a user's, readiness answers name an organisation's contact person,
  and positions, organisations' decisions and reports name the users involved. Legal basis:
  the security and accountability of the processing (GDPR art. 5(2), 24 and 32) as part of
  the programme's public task (6(1)(e)); for the partners' staff, the legitimate interest in a
  secure service (6(1)(f)).
* ``form_submission``, idempotency keys of forms that create: which user sent which form and
  where the created row lives (a claim older than 30 days is removed when its user sends a new
  form). Legal basis: as the audit trail, a technical measure that one form sent twice creates
  one row (6(1)(e), or 6(1)(f) for partners' staff).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CANDIDATE = "candidate"
USER = "user"
ORGANISATION = "organisation"
#: The subject of a column that holds no personal data.
NOBODY = ""
SUBJECTS: tuple[str, ...] = (CANDIDATE, USER, ORGANISATION)

TASK = "public task: guidance and validation"
RECORD = "record keeping (technical)"
CONSENT = "accountability for consent"
AUDIT = "audit trail (technical)"
SECURITY = "security of the service: sign-in, sessions and access"
ACCOUNTABILITY = "accountability and security: who changed what, and when"
PARTNERSHIP = "the partnership agreement with the organisation"


@dataclass(frozen=True)
class InventoryEntry:
    """One column: whether it holds personal data, whose, and its purpose and legal basis.

    ``subject`` is one of :data:`SUBJECTS` when ``personal``, else :data:`NOBODY`.
    """

    table: str
    column: str
    personal: bool
    subject: str
    purpose: str


#: (column, personal, subject, purpose): one column of a table, for :func:`entries`.
Column = tuple[str, bool, str, str]


def bookkeeping(table: str) -> list[InventoryEntry]:
    """The columns every table on Advanced Alchemy's audit base has: its id and timestamps."""
    return [
        InventoryEntry(table, "id", False, NOBODY, RECORD),
        InventoryEntry(table, "created_at", False, NOBODY, AUDIT),
        InventoryEntry(table, "updated_at", False, NOBODY, AUDIT),
    ]


def entries(table: str, *columns: Column) -> list[InventoryEntry]:
    """The entries of ``table``: its bookkeeping columns and then ``columns``."""
    return bookkeeping(table) + columns_of(table, *columns)


def columns_of(table: str, *columns: Column) -> list[InventoryEntry]:
    """The entries of ``columns`` of ``table`` alone (a table without the usual timestamps,
    or whose timestamps are the fact recorded)."""
    return [InventoryEntry(table, *column) for column in columns]


def personal_in(
    inventory: Iterable[InventoryEntry], table: str, subject: str | None = None
) -> list[str]:
    """The columns of ``table`` in ``inventory`` that hold personal data (about ``subject``
    only, when given), in the inventory's order."""
    return [
        entry.column
        for entry in inventory
        if entry.table == table and entry.personal and subject in (None, entry.subject)
    ]


TABLES: tuple[str, ...] = ("audit_event", "form_submission", "outbox_message")
# E-mail (kit/outbox.py) is part of the accounts' processing: invitations and password links.
MAIL = "user accounts: e-mail the portal sends, kept until sent and 30 days after"

INVENTORY: tuple[InventoryEntry, ...] = tuple(
    columns_of(
        "audit_event",
        ("id", False, NOBODY, RECORD),
        ("actor_id", True, USER, f"{ACCOUNTABILITY}: the user who acted (none for a process)"),
        (
            "actor_label",
            True,
            USER,
            f"{ACCOUNTABILITY}: who acted, as named then: a user's e-mail address, or"
            " 'anonymous', 'cli', 'system' or the tutor link used",
        ),
        (
            "action",
            True,
            USER,
            f"{ACCOUNTABILITY}: what the actor did (create, update, delete, or a named event"
            " such as a sign-in, a password change, a certificate issued or revoked)",
        ),
        ("entity", False, NOBODY, f"{ACCOUNTABILITY}: the table of the row changed"),
        (
            "entity_id",
            True,
            CANDIDATE,
            f"{ACCOUNTABILITY}: the id of the row changed, which links the event to whoever"
            " that row is about: a candidate for most audited tables, a user for an account,"
            " an organisation's contact person for readiness answers",
        ),
        (
            "changes",
            True,
            CANDIDATE,
            f"{ACCOUNTABILITY}: JSON of the audited row's values (all of them when created or"
            " deleted, old and new when updated; an account's password hash, last sign-in and"
            " language, tutor-link token hashes, the ESF+ indicators and report snapshots are"
            " left out)"
            " or a named event's details (ids, a certificate code, a revocation category);"
            " personal data about whoever the row is about: a candidate for most audited"
            " tables, a user for an account, an organisation's contact person for readiness"
            " answers",
        ),
        ("created_at", True, USER, f"{ACCOUNTABILITY}: when the actor acted"),
        ("updated_at", False, NOBODY, f"{AUDIT}: as created_at (an event is never changed)"),
    )
    + entries(
        "form_submission",
        ("user_id", True, USER, f"{RECORD}: whose form (one form sent twice creates one row)"),
        ("key", False, NOBODY, f"{RECORD}: the form's random key"),
        (
            "target",
            True,
            CANDIDATE,
            f"{RECORD}: the page the created row lives on; for a new client or outcome a path"
            " with the client's id",
        ),
    )
    + entries(
        "outbox_message",
        ("message_id", False, NOBODY, f"{MAIL}: the message's own id"),
        ("recipient", True, USER, f"{MAIL}: the address it goes to"),
        ("subject", True, USER, f"{MAIL}: what it is about"),
        ("text", True, USER, f"{MAIL}: the message (emptied once sent)"),
        ("html", True, USER, f"{MAIL}: the message as HTML (emptied once sent)"),
        (
            "notice",
            True,
            USER,
            f"{MAIL}: the message as data, rendered when it is sent (emptied once sent)",
        ),
        ("language", True, USER, f"{MAIL}: the recipient's language"),
        ("kind", True, USER, f"{MAIL}: which message it is"),
        ("dedupe_key", False, NOBODY, f"{MAIL}: written once"),
        ("status", True, USER, f"{MAIL}: waiting, being sent, sent or failed"),
        ("attempts", False, NOBODY, f"{MAIL}: tries so far"),
        ("next_attempt_at", False, NOBODY, f"{MAIL}: when to try next"),
        ("claimed_by", False, NOBODY, f"{MAIL}: which sender holds it"),
        ("claimed_at", False, NOBODY, f"{MAIL}: since when"),
        ("sent_at", True, USER, f"{MAIL}: when it was sent"),
        ("last_error", True, USER, f"{MAIL}: why the last try failed"),
    )
)


def personal_columns(table: str, subject: str | None = None) -> list[str]:
    """Columns of the kit's ``table`` that hold personal data (about ``subject``, if given)."""
    return personal_in(INVENTORY, table, subject)
