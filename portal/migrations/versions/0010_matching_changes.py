"""A change log for the live matching index (issue 14)

Triggers record, in the transaction of each change, which candidate's matching data changed
(``matching_change``) and raise one version number (``matching_counter``). What is watched:

- ``claim``, ``candidate_language``, ``interview`` and ``verified_competence`` (via the
  interview): every insert, update and delete;
- ``candidate``: insert, delete, and updates of ``regions`` and ``stage``;
- ``consent_record``: insert and delete (records are never edited);
- ``placement``: insert, delete, and updates of ``status`` and ``candidate_id``;
- ``competence`` (the vocabulary): insert, delete, and updates of ``code``, ``labels`` and
  ``alt_labels``, recorded as candidate 0: everyone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (the changed candidate, as an expression over a row called ROW; columns whose update
# counts, or None for any column; whether updates count at all)
WATCHED: dict[str, tuple[str, tuple[str, ...] | None, bool]] = {
    "claim": ("ROW.candidate_id", None, True),
    "candidate_language": ("ROW.candidate_id", None, True),
    "interview": ("ROW.candidate_id", None, True),
    "verified_competence": (
        "(SELECT candidate_id FROM interview WHERE interview.id = ROW.interview_id)",
        None,
        True,
    ),
    "candidate": ("ROW.id", ("regions", "stage"), True),
    "consent_record": ("ROW.candidate_id", None, False),
    "placement": ("ROW.candidate_id", ("status", "candidate_id"), True),
    "competence": ("0", ("code", "labels", "alt_labels"), True),
}


def _sqlite_triggers(table: str) -> list[tuple[str, str]]:
    """(name, CREATE TRIGGER statement) per event."""
    expression, columns, updates = WATCHED[table]
    events = [("insert", "INSERT", "NEW"), ("delete", "DELETE", "OLD")]
    if updates:
        of = f" OF {', '.join(columns)}" if columns else ""
        events.append(("update", f"UPDATE{of}", "NEW"))
    made = []
    for suffix, event, row in events:
        name = f"matching_change_{table}_{suffix}"
        changed = expression.replace("ROW.", f"{row}.")
        # Every name in the statement is a constant of this module.
        statement = f"""CREATE TRIGGER {name} AFTER {event} ON {table}
BEGIN
    UPDATE matching_counter SET version = version + 1 WHERE id = 1;
    INSERT INTO matching_change (candidate_id, version)
        SELECT changed, (SELECT version FROM matching_counter WHERE id = 1)
        FROM (SELECT {changed} AS changed) WHERE changed IS NOT NULL
        ON CONFLICT (candidate_id) DO UPDATE SET version = excluded.version;
END"""  # noqa: S608
        made.append((name, statement))
    return made


POSTGRES_NOTE = """CREATE FUNCTION matching_change_note(changed bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    current bigint;
BEGIN
    -- Raised once per transaction; the row lock is held until it ends, so versions are
    -- handed out in commit order.
    UPDATE matching_counter SET version = version + 1, transaction_id = txid_current()
        WHERE id = 1 AND transaction_id <> txid_current();
    SELECT version INTO current FROM matching_counter WHERE id = 1;
    INSERT INTO matching_change (candidate_id, version) VALUES (changed, current)
        ON CONFLICT (candidate_id) DO UPDATE SET version = EXCLUDED.version;
END $$"""


def _postgres_trigger(table: str) -> tuple[str, str]:
    """(CREATE FUNCTION, CREATE TRIGGER) for one table."""
    expression, columns, updates = WATCHED[table]
    events = "INSERT OR DELETE"
    if updates:
        events += " OR UPDATE" + (f" OF {', '.join(columns)}" if columns else "")
    function = f"""CREATE FUNCTION matching_change_{table}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := {expression.replace("ROW.", "OLD.")};
    ELSE
        changed := {expression.replace("ROW.", "NEW.")};
    END IF;
    IF changed IS NOT NULL THEN
        PERFORM matching_change_note(changed);
    END IF;
    RETURN NULL;
END $$"""
    trigger = (
        f"CREATE TRIGGER matching_change AFTER {events} ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION matching_change_{table}()"
    )
    return function, trigger


def upgrade() -> None:
    op.create_table(
        "matching_counter",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_counter")),
    )
    op.create_table(
        "matching_change",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("candidate_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_change")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_matching_change_candidate_id")),
    )
    op.create_index(
        op.f("ix_matching_change_version"), "matching_change", ["version"], unique=False
    )
    op.execute("INSERT INTO matching_counter (id, version, transaction_id) VALUES (1, 0, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_NOTE)
        for table in WATCHED:
            for statement in _postgres_trigger(table):
                op.execute(statement)
    else:
        for table in WATCHED:
            for _name, statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER matching_change ON {table}")
            op.execute(f"DROP FUNCTION matching_change_{table}()")
        op.execute("DROP FUNCTION matching_change_note(bigint)")
    else:
        for table in WATCHED:
            for name, _statement in _sqlite_triggers(table):
                op.execute(f"DROP TRIGGER {name}")
    op.drop_index(op.f("ix_matching_change_version"), table_name="matching_change")
    op.drop_table("matching_change")
    op.drop_table("matching_counter")
