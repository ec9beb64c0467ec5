"""triad assessment: plan, rating sheets, ratings, tutor links, decisions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 04:25:32.645538
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessment_decision",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "signed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("signed_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "signed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "participants",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
            .with_variant(advanced_alchemy.types.json.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("missing_reason", sa.Text(), nullable=False),
        sa.Column("correction_reason", sa.Text(), nullable=False),
        sa.Column(
            "superseded_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "version = 1 OR correction_reason <> ''",
            name=op.f("ck_assessment_decision_correction_has_reason"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_assessment_decision_version_positive")),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_assessment_decision_placement_id_placement"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_decision_signed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_decision")),
        sa.UniqueConstraint(
            "placement_id", "version", name=op.f("uq_assessment_decision_placement_id")
        ),
    )
    with op.batch_alter_table("assessment_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_decision_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(
            "uq_assessment_decision_live",
            ["placement_id"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )

    op.create_table(
        "assessment_outcome",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "competence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_reason", sa.Text(), nullable=False),
        sa.Column(
            "removed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("removed_reason", sa.Text(), nullable=False),
        sa.Column(
            "changed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_outcome_changed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_assessment_outcome_competence_id_competence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_assessment_outcome_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_outcome")),
        sa.UniqueConstraint(
            "placement_id", "competence_id", name=op.f("uq_assessment_outcome_placement_id")
        ),
    )
    with op.batch_alter_table("assessment_outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_outcome_placement_id"), ["placement_id"], unique=False
        )

    op.create_table(
        "rating_sheet",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("assessor_role", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "assessor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("assessor_name", sa.String(length=200), nullable=False),
        sa.Column(
            "submitted_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "assessor_role IN ('tutor', 'teacher', 'counsellor')",
            name=op.f("ck_rating_sheet_role_known"),
        ),
        sa.CheckConstraint(
            "version = 1 OR correction_reason <> ''",
            name=op.f("ck_rating_sheet_correction_has_reason"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_rating_sheet_version_positive")),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["user_account.id"],
            name=op.f("fk_rating_sheet_assessor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_rating_sheet_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_sheet")),
        sa.UniqueConstraint(
            "placement_id", "assessor_role", "version", name=op.f("uq_rating_sheet_placement_id")
        ),
        sa.UniqueConstraint("reference", name=op.f("uq_rating_sheet_reference")),
    )
    with op.batch_alter_table("rating_sheet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rating_sheet_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(
            "uq_rating_sheet_draft",
            ["placement_id", "assessor_role"],
            unique=True,
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        )

    op.create_table(
        "tutor_link",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "placement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "issued_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "expires_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "revoked_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_tutor_link_issued_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placement.id"],
            name=op.f("fk_tutor_link_placement_id_placement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tutor_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tutor_link_token_hash")),
    )
    with op.batch_alter_table("tutor_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tutor_link_placement_id"), ["placement_id"], unique=False
        )
        batch_op.create_index(
            "uq_tutor_link_live",
            ["placement_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "decision_outcome",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "competence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("not_demonstrated", sa.Boolean(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "(grade IS NULL) = not_demonstrated",
            name=op.f("ck_decision_outcome_grade_or_not_demonstrated"),
        ),
        sa.CheckConstraint(
            "grade IS NULL OR grade BETWEEN 1 AND 5", name=op.f("ck_decision_outcome_grade_range")
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_decision_outcome_competence_id_competence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["assessment_decision.id"],
            name=op.f("fk_decision_outcome_decision_id_assessment_decision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_outcome")),
        sa.UniqueConstraint(
            "decision_id", "competence_id", name=op.f("uq_decision_outcome_decision_id")
        ),
    )
    with op.batch_alter_table("decision_outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_outcome_decision_id"), ["decision_id"], unique=False
        )

    op.create_table(
        "rating",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("sheet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "competence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("not_demonstrated", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("work_tasks", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "NOT (not_demonstrated AND grade IS NOT NULL)",
            name=op.f("ck_rating_grade_or_not_demonstrated"),
        ),
        sa.CheckConstraint(
            "grade IS NULL OR grade BETWEEN 1 AND 5", name=op.f("ck_rating_grade_range")
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_rating_competence_id_competence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["rating_sheet.id"],
            name=op.f("fk_rating_sheet_id_rating_sheet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("sheet_id", "competence_id", name=op.f("uq_rating_sheet_id")),
    )
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_sheet_id"), ["sheet_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_sheet_id"))

    op.drop_table("rating")
    with op.batch_alter_table("decision_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_outcome_decision_id"))

    op.drop_table("decision_outcome")
    with op.batch_alter_table("tutor_link", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tutor_link_live",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_tutor_link_placement_id"))

    op.drop_table("tutor_link")
    with op.batch_alter_table("rating_sheet", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_rating_sheet_draft",
            sqlite_where=sa.text("submitted_at IS NULL"),
            postgresql_where=sa.text("submitted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_rating_sheet_placement_id"))

    op.drop_table("rating_sheet")
    with op.batch_alter_table("assessment_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_outcome_placement_id"))

    op.drop_table("assessment_outcome")
    with op.batch_alter_table("assessment_decision", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_assessment_decision_live",
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_assessment_decision_placement_id"))

    op.drop_table("assessment_decision")
