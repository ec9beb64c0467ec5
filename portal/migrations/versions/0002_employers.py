"""employers: organisation details, readiness, positions, invitations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:18:34.035742
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "readiness_profile",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("questionnaire_version", sa.Integer(), nullable=False),
        sa.Column("answers", advanced_alchemy.types.JsonB, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint("level BETWEEN 0 AND 3", name=op.f("ck_readiness_profile_level_range")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_readiness_profile_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_profile")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_readiness_profile_organisation_id")),
    )
    op.create_table(
        "invitation",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "invited_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "expires_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "accepted_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name=op.f("fk_invitation_invited_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_invitation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_user_id"), ["user_id"], unique=False)

    op.create_table(
        "position",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "framework_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "hours_per_week", sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True
        ),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("tutor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'open', 'filled', 'closed')", name=op.f("ck_position_status_known")
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name=op.f("ck_position_dates_ordered"),
        ),
        sa.CheckConstraint(
            "hours_per_week IS NULL OR (hours_per_week > 0 AND hours_per_week <= 60)",
            name=op.f("ck_position_hours_range"),
        ),
        sa.CheckConstraint("places >= 1", name=op.f("ck_position_places_positive")),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["framework.id"],
            name=op.f("fk_position_framework_id_framework"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_position_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tutor_id"],
            ["user_account.id"],
            name=op.f("fk_position_tutor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position")),
    )
    with op.batch_alter_table("position", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_position_framework_id"), ["framework_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_position_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_position_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_position_tutor_id"), ["tutor_id"], unique=False)

    op.create_table(
        "position_competence",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "position_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "competence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "min_level BETWEEN 1 AND 5", name=op.f("ck_position_competence_level_range")
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_position_competence_competence_id_competence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
            name=op.f("fk_position_competence_position_id_position"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_competence")),
        sa.UniqueConstraint(
            "position_id", "competence_id", name=op.f("uq_position_competence_position_id")
        ),
    )
    with op.batch_alter_table("position_competence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_position_competence_competence_id"), ["competence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_position_competence_position_id"), ["position_id"], unique=False
        )

    op.create_table(
        "position_language",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "position_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("for_safety", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')",
            name=op.f("ck_position_language_cefr_level"),
        ),
        sa.ForeignKeyConstraint(
            ["position_id"],
            ["position.id"],
            name=op.f("fk_position_language_position_id_position"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_language")),
        sa.UniqueConstraint(
            "position_id", "language", name=op.f("uq_position_language_position_id")
        ),
    )
    with op.batch_alter_table("position_language", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_position_language_position_id"), ["position_id"], unique=False
        )

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        # Existing rows get empty texts; new rows get theirs from the application.
        batch_op.add_column(
            sa.Column("size", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "decided_at",
                advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("decided_by", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("decision_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("agreement_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("agreement_end", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "status_known", "status IN ('applied', 'partner', 'rejected', 'inactive')"
        )
        batch_op.create_check_constraint(
            "kind_known",
            "kind IN ('major_company', 'sme', 'public_sector', 'third_sector', 'education')",
        )
        batch_op.create_check_constraint(
            "agreement_dates_ordered",
            "agreement_end IS NULL OR agreement_start IS NULL OR agreement_end >= agreement_start",
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_constraint("agreement_dates_ordered", type_="check")
        batch_op.drop_constraint("kind_known", type_="check")
        batch_op.drop_constraint("status_known", type_="check")
        batch_op.drop_column("agreement_end")
        batch_op.drop_column("agreement_start")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("size")

    with op.batch_alter_table("position_language", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_language_position_id"))

    op.drop_table("position_language")
    with op.batch_alter_table("position_competence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_competence_position_id"))
        batch_op.drop_index(batch_op.f("ix_position_competence_competence_id"))

    op.drop_table("position_competence")
    with op.batch_alter_table("position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_tutor_id"))
        batch_op.drop_index(batch_op.f("ix_position_status"))
        batch_op.drop_index(batch_op.f("ix_position_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_position_framework_id"))

    op.drop_table("position")
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_user_id"))

    op.drop_table("invitation")
    op.drop_table("readiness_profile")
