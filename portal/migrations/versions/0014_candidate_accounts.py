"""Candidate accounts: own user, shared notes, drafts, corrections, erasure (issue 16)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 16:37:32.379921
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = "role IN ('coordinator', 'counsellor', 'teacher', 'employer', 'tutor', 'steering')"
ROLES_AFTER = (
    "role IN ('coordinator', 'counsellor', 'teacher', 'employer', 'tutor', 'steering', 'candidate')"
)


# The tables this revision alters. On SQLite, batch mode rebuilds a table and its triggers
# (the matching change log of 0010) are lost with the old one: they are put back as they were.
ALTERED = ("user_account", "candidate", "guidance_note", "claim", "evidence_item")


def _sqlite_triggers() -> list[str]:
    """The CREATE TRIGGER statements on the altered tables (none on PostgreSQL)."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return []
    query = sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN :tables ORDER BY name"
    ).bindparams(sa.bindparam("tables", expanding=True))
    rows = connection.execute(query, {"tables": list(ALTERED)})
    return [str(row[0]) for row in rows]


def _restore(triggers: list[str]) -> None:
    connection = op.get_bind()
    for statement in triggers:
        name = statement.split()[2]
        exists = connection.execute(
            sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": name},
        ).scalar_one()
        if not exists:
            op.execute(statement)


def _set_roles(condition: str) -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_account_role_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_user_account_role_known"), condition)


def upgrade() -> None:
    triggers = _sqlite_triggers()
    _set_roles(ROLES_AFTER)
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "erased_at",
                advanced_alchemy.types.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_unique_constraint(batch_op.f("uq_candidate_user_id"), ["user_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_candidate_user_id_user_account"),
            "user_account",
            ["user_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("guidance_note", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    for table in ("claim", "evidence_item"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("draft", sa.Boolean(), nullable=False, server_default=sa.false())
            )

    op.create_table(
        "correction_request",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "requested_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column(
            "answered_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("answered_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status = 'open' OR answered_at IS NOT NULL",
            name=op.f("ck_correction_request_answer_dated"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'corrected', 'declined')",
            name=op.f("ck_correction_request_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["user_account.id"],
            name=op.f("fk_correction_request_answered_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_correction_request_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_correction_request_requested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request")),
    )
    op.create_index(
        op.f("ix_correction_request_candidate_id"),
        "correction_request",
        ["candidate_id"],
        unique=False,
    )
    _restore(triggers)


def downgrade() -> None:
    triggers = _sqlite_triggers()
    candidates = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM user_account WHERE role = 'candidate'"))
        .scalar_one()
    )
    if candidates:
        raise RuntimeError(
            f"{candidates} candidate account(s) have no role before 0014: remove them first"
        )
    op.drop_index(op.f("ix_correction_request_candidate_id"), table_name="correction_request")
    op.drop_table("correction_request")
    for table in ("claim", "evidence_item"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("draft")
    with op.batch_alter_table("guidance_note", schema=None) as batch_op:
        batch_op.drop_column("shared")

    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_candidate_user_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_candidate_user_id"), type_="unique")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("user_id")
    _set_roles(ROLES_BEFORE)
    _restore(triggers)
