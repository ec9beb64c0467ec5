"""candidates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 16:55:50.449863
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "candidate",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=50), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.Column("regions", advanced_alchemy.types.JsonB, nullable=False),
        sa.Column("available_from", sa.Date(), nullable=True),
        sa.Column("availability_note", sa.Text(), nullable=False),
        sa.Column("client_type", sa.String(length=20), nullable=False),
        sa.Column("client_since", sa.Date(), nullable=False),
        sa.Column(
            "counsellor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "client_type IN ('long_term', 'short_term')",
            name=op.f("ck_candidate_client_type_known"),
        ),
        sa.CheckConstraint(
            "stage IN ('guidance', 'portfolio', 'interview', 'placement', 'assessment',"
            " 'certified')",
            name=op.f("ck_candidate_stage_known"),
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["user_account.id"],
            name=op.f("fk_candidate_counsellor_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate")),
    )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_counsellor_id"), ["counsellor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_candidate_stage"), ["stage"], unique=False)

    op.create_table(
        "candidate_access",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_candidate_access_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_candidate_access_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_access")),
        sa.UniqueConstraint(
            "candidate_id", "user_id", name=op.f("uq_candidate_access_candidate_id")
        ),
    )
    with op.batch_alter_table("candidate_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_access_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_candidate_access_user_id"), ["user_id"], unique=False)

    op.create_table(
        "candidate_language",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("assessment", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "assessment IN ('self', 'tested')", name=op.f("ck_candidate_language_assessment_known")
        ),
        sa.CheckConstraint(
            "level IN ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')",
            name=op.f("ck_candidate_language_cefr_level"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_candidate_language_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_language")),
        sa.UniqueConstraint(
            "candidate_id", "language", name=op.f("uq_candidate_language_candidate_id")
        ),
    )
    with op.batch_alter_table("candidate_language", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_language_candidate_id"), ["candidate_id"], unique=False
        )

    op.create_table(
        "claim",
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
            "competence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("free_text", sa.String(length=300), nullable=False),
        sa.Column("self_level", sa.Integer(), nullable=False),
        sa.Column("acquired_how", sa.String(length=20), nullable=False),
        sa.Column("acquired_where", sa.String(length=300), nullable=False),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "acquired_how IN ('work_history', 'informal', 'education_abroad', 'other')",
            name=op.f("ck_claim_acquired_how_known"),
        ),
        sa.CheckConstraint(
            "competence_id IS NOT NULL OR free_text <> ''",
            name=op.f("ck_claim_mapped_or_described"),
        ),
        sa.CheckConstraint("months IS NULL OR months >= 0", name=op.f("ck_claim_months_positive")),
        sa.CheckConstraint("self_level BETWEEN 1 AND 5", name=op.f("ck_claim_level_range")),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_claim_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_claim_competence_id_competence"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_competence_id"), ["competence_id"], unique=False)

    op.create_table(
        "consent_record",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("text_shown", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column(
            "recorded_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "(purpose = 'share_with_organisation') = (organisation_id IS NOT NULL)",
            name=op.f("ck_consent_record_organisation_matches_purpose"),
        ),
        sa.CheckConstraint(
            "purpose IN ('validation', 'share_with_employers', 'share_with_organisation')",
            name=op.f("ck_consent_record_purpose_known"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_consent_record_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_record_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_consent_record_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
    )
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_record_candidate_id"), ["candidate_id"], unique=False
        )

    op.create_table(
        "guidance_note",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_guidance_note_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_guidance_note_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_note")),
    )
    with op.batch_alter_table("guidance_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guidance_note_candidate_id"), ["candidate_id"], unique=False
        )

    op.create_table(
        "interview",
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
            "teacher_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "scheduled_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=False,
        ),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("interpreter_used", sa.Boolean(), nullable=False),
        sa.Column("interpreter_language", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column(
            "completed_at",
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
            "status IN ('scheduled', 'completed', 'cancelled')",
            name=op.f("ck_interview_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_interview_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["user_account.id"],
            name=op.f("fk_interview_teacher_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview")),
    )
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interview_teacher_id"), ["teacher_id"], unique=False)

    op.create_table(
        "evidence_item",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "content_type IS NULL OR content_type IN ('application/pdf', 'image/jpeg',"
            " 'image/png')",
            name=op.f("ck_evidence_item_content_type_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_evidence_item_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_evidence_item_claim_id_claim"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_item")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_evidence_item_stored_name")),
    )
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_item_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_item_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "verified_competence",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "interview_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "competence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("verified_level", sa.Integer(), nullable=True),
        sa.Column("not_demonstrated", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "(verified_level IS NULL) = not_demonstrated",
            name=op.f("ck_verified_competence_level_or_not_demonstrated"),
        ),
        sa.CheckConstraint(
            "verified_level IS NULL OR verified_level BETWEEN 1 AND 5",
            name=op.f("ck_verified_competence_level_range"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claim.id"],
            name=op.f("fk_verified_competence_claim_id_claim"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence.id"],
            name=op.f("fk_verified_competence_competence_id_competence"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
            name=op.f("fk_verified_competence_interview_id_interview"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verified_competence")),
        sa.UniqueConstraint(
            "interview_id", "competence_id", name=op.f("uq_verified_competence_interview_id")
        ),
    )
    with op.batch_alter_table("verified_competence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verified_competence_competence_id"), ["competence_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_verified_competence_interview_id"), ["interview_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verified_competence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verified_competence_interview_id"))
        batch_op.drop_index(batch_op.f("ix_verified_competence_competence_id"))

    op.drop_table("verified_competence")
    with op.batch_alter_table("evidence_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_item_claim_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_item_candidate_id"))

    op.drop_table("evidence_item")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_interview_candidate_id"))

    op.drop_table("interview")
    with op.batch_alter_table("guidance_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guidance_note_candidate_id"))

    op.drop_table("guidance_note")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_record_candidate_id"))

    op.drop_table("consent_record")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_competence_id"))
        batch_op.drop_index(batch_op.f("ix_claim_candidate_id"))

    op.drop_table("claim")
    with op.batch_alter_table("candidate_language", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_language_candidate_id"))

    op.drop_table("candidate_language")
    with op.batch_alter_table("candidate_access", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_access_user_id"))
        batch_op.drop_index(batch_op.f("ix_candidate_access_candidate_id"))

    op.drop_table("candidate_access")
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_stage"))
        batch_op.drop_index(batch_op.f("ix_candidate_counsellor_id"))

    op.drop_table("candidate")
