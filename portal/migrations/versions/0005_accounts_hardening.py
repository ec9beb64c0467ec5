"""accounts hardening: login throttling with growing delays, password links, look-alike e-mails,
invitations kept apart from accounts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 00:55:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

from accounts.lookalike import skeleton

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "last_attempt_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "blocked_until",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("email", "client_address", name=op.f("uq_login_throttle_email")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttle_email"), ["email"], unique=False)

    op.create_table(
        "password_reset",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "expires_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "used_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_password_reset_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_token_hash")),
    )
    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_reset_user_id"), ["user_id"], unique=False)

    # The skeleton is filled in for existing accounts before it becomes required.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_skeleton", sa.String(length=254), nullable=True))
    connection = op.get_bind()
    users = sa.table(
        "user_account",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("email_skeleton", sa.String),
    )
    for user_id, email in connection.execute(sa.select(users.c.id, users.c.email)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(email_skeleton=skeleton(email))
        )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("email_skeleton", existing_type=sa.String(length=254), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_user_account_email_skeleton"), ["email_skeleton"], unique=False
        )

    # An invitation carries what its account will be made of (the account is created when
    # the link is used). Existing rows take it from the account made at invitation time.
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "organisation_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
    connection.execute(
        sa.text(
            "UPDATE invitation SET"
            " organisation_id = (SELECT u.organisation_id FROM user_account u"
            " WHERE u.id = invitation.user_id),"
            " email = (SELECT u.email FROM user_account u WHERE u.id = invitation.user_id),"
            " name = (SELECT u.name FROM user_account u WHERE u.id = invitation.user_id),"
            " role = (SELECT u.role FROM user_account u WHERE u.id = invitation.user_id)"
        )
    )
    connection.execute(sa.text("DELETE FROM invitation WHERE organisation_id IS NULL"))
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        for column, kind in (
            ("organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
            ("email", sa.String(length=254)),
            ("name", sa.String(length=200)),
            ("role", sa.String(length=20)),
        ):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.alter_column(
            "user_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_organisation_id_organisation"),
            "organisation",
            ["organisation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_invitation_role_of_organisation"), "role IN ('employer', 'tutor')"
        )
        batch_op.create_index(
            batch_op.f("ix_invitation_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "uq_invitation_pending_address",
            ["organisation_id", "email"],
            unique=True,
            sqlite_where=sa.text("accepted_at IS NULL"),
            postgresql_where=sa.text("accepted_at IS NULL"),
        )


def downgrade() -> None:
    # An invitation without an account has nothing to go back to.
    op.execute("DELETE FROM invitation WHERE user_id IS NULL")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index("uq_invitation_pending_address")
        batch_op.drop_index(batch_op.f("ix_invitation_organisation_id"))
        batch_op.drop_constraint(batch_op.f("ck_invitation_role_of_organisation"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_invitation_organisation_id_organisation"), type_="foreignkey"
        )
        batch_op.alter_column(
            "user_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        )
        for column in ("role", "name", "email", "organisation_id"):
            batch_op.drop_column(column)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_email_skeleton"))
        batch_op.drop_column("email_skeleton")

    with op.batch_alter_table("password_reset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_user_id"))
    op.drop_table("password_reset")

    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttle_email"))
    op.drop_table("login_throttle")
