"""The programme's results (issue 15): outcomes, trainer trainings, dissemination events, the
ESF+ participant data kept apart, six-monthly reports; the steering committee's role

- ``user_account.role`` may now be ``steering`` (the CHECK constraint lists the roles);
- a frozen ``reporting_report`` is never changed: a trigger refuses any UPDATE or DELETE of a
  row whose status is ``frozen``, on SQLite and PostgreSQL alike.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 11:05:39
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = "role IN ('coordinator', 'counsellor', 'teacher', 'employer', 'tutor')"
ROLES_AFTER = "role IN ('coordinator', 'counsellor', 'teacher', 'employer', 'tutor', 'steering')"
FROZEN_REFUSED = "a frozen report is never changed"


def _sqlite_trigger(event: str) -> tuple[str, str]:
    """(name, CREATE TRIGGER statement) refusing ``event`` on a frozen report."""
    name = f"reporting_report_frozen_{event.lower()}"
    # Every name and message in the statement is a constant of this module.
    statement = f"""CREATE TRIGGER {name} BEFORE {event} ON reporting_report
FOR EACH ROW WHEN OLD.status = 'frozen'
BEGIN
    SELECT RAISE(ABORT, '{FROZEN_REFUSED}');
END"""
    return name, statement


SQLITE_TRIGGERS = dict(_sqlite_trigger(event) for event in ("UPDATE", "DELETE"))
POSTGRES_FUNCTION = f"""CREATE FUNCTION reporting_report_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'frozen' THEN
        RAISE EXCEPTION '{FROZEN_REFUSED}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER reporting_report_frozen BEFORE UPDATE OR DELETE ON reporting_report"
    " FOR EACH ROW EXECUTE FUNCTION reporting_report_frozen()"
)


def _set_roles(condition: str) -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_account_role_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_user_account_role_known"), condition)


def upgrade() -> None:
    _set_roles(ROLES_AFTER)
    op.create_table(
        "reporting_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('seminar', 'workshop', 'conference', 'fair', 'webinar', 'publication',"
            " 'other')",
            name=op.f("ck_reporting_event_kind_known"),
        ),
        sa.CheckConstraint(
            "attendees >= 0", name=op.f("ck_reporting_event_attendees_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_event")),
    )
    with op.batch_alter_table("reporting_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reporting_event_held_on"), ["held_on"], unique=False)

    op.create_table(
        "reporting_training",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("counsellors", sa.Integer(), nullable=False),
        sa.Column("teachers", sa.Integer(), nullable=False),
        sa.Column("others", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "counsellors >= 0", name=op.f("ck_reporting_training_counsellors_not_negative")
        ),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_reporting_training_dates_ordered")
        ),
        sa.CheckConstraint("others >= 0", name=op.f("ck_reporting_training_others_not_negative")),
        sa.CheckConstraint(
            "teachers >= 0", name=op.f("ck_reporting_training_teachers_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_reporting_training_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_training")),
    )
    with op.batch_alter_table("reporting_training", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reporting_training_starts_on"), ["starts_on"], unique=False
        )

    op.create_table(
        "reporting_report",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column("period_starts_on", sa.Date(), nullable=False),
        sa.Column("period_ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("empowerment", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("next_steps", sa.Text(), nullable=False),
        sa.Column(
            "figures",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
            .with_variant(advanced_alchemy.types.json.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "frozen_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "frozen_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("frozen_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.CheckConstraint(
            "(status = 'frozen') = (frozen_at IS NOT NULL AND figures IS NOT NULL)",
            name=op.f("ck_reporting_report_frozen_with_figures"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'frozen')", name=op.f("ck_reporting_report_status_known")
        ),
        sa.CheckConstraint(
            "period_ends_on >= period_starts_on", name=op.f("ck_reporting_report_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["frozen_by_id"],
            ["user_account.id"],
            name=op.f("fk_reporting_report_frozen_by_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_report")),
        sa.UniqueConstraint("period_starts_on", name=op.f("uq_reporting_report_period_starts_on")),
    )
    op.create_table(
        "reporting_outcome",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "units_recognised",
            sa.JSON()
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "cockroachdb")
            .with_variant(advanced_alchemy.types.json.ORA_JSONB(), "oracle")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_note", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
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
            "kind = 'none_yet' OR starts_on IS NOT NULL",
            name=op.f("ck_reporting_outcome_starts_on_given"),
        ),
        sa.CheckConstraint(
            "kind IN ('employment_short', 'employment_long', 'education', 'studies_shortened',"
            " 'none_yet')",
            name=op.f("ck_reporting_outcome_kind_known"),
        ),
        sa.CheckConstraint(
            "source IN ('candidate', 'employer', 'counsellor', 'register', 'other')",
            name=op.f("ck_reporting_outcome_source_known"),
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR (starts_on IS NOT NULL AND ends_on >= starts_on)",
            name=op.f("ck_reporting_outcome_dates_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_reporting_outcome_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_reporting_outcome_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_reporting_outcome_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_outcome")),
    )
    with op.batch_alter_table("reporting_outcome", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reporting_outcome_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reporting_outcome_starts_on"), ["starts_on"], unique=False
        )

    op.create_table(
        "reporting_participant",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False, start=1, increment=1),
            nullable=False,
        ),
        sa.Column(
            "candidate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("labour_market_status", sa.String(length=30), nullable=True),
        sa.Column("age_band", sa.String(length=10), nullable=True),
        sa.Column("isced_level", sa.String(length=10), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("disability", sa.Boolean(), nullable=True),
        sa.Column("third_country_national", sa.Boolean(), nullable=True),
        sa.Column("foreign_background", sa.Boolean(), nullable=True),
        sa.Column("minority", sa.Boolean(), nullable=True),
        sa.Column("homeless", sa.Boolean(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
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
            "age_band IS NULL OR age_band IN ('under_18', '18_29', '30_54', '55_over')",
            name=op.f("ck_reporting_participant_age_band_known"),
        ),
        sa.CheckConstraint(
            "gender IS NULL OR gender IN ('woman', 'man', 'non_binary')",
            name=op.f("ck_reporting_participant_gender_known"),
        ),
        sa.CheckConstraint(
            "isced_level IS NULL OR isced_level IN ('isced_0_2', 'isced_3_4', 'isced_5_8')",
            name=op.f("ck_reporting_participant_isced_known"),
        ),
        sa.CheckConstraint(
            "labour_market_status IS NULL OR labour_market_status IN ('unemployed',"
            " 'long_term_unemployed', 'inactive', 'employed')",
            name=op.f("ck_reporting_participant_labour_market_status_known"),
        ),
        sa.CheckConstraint(
            "legal_basis <> ''", name=op.f("ck_reporting_participant_legal_basis_given")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidate.id"],
            name=op.f("fk_reporting_participant_candidate_id_candidate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_reporting_participant_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporting_participant")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_reporting_participant_candidate_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    steering = connection.execute(
        sa.text("SELECT count(*) FROM user_account WHERE role = 'steering'")
    ).scalar_one()
    if steering:
        raise RuntimeError(
            f"{steering} steering committee account(s) have no role before 0011: remove them first"
        )
    if connection.dialect.name == "postgresql":
        op.execute("DROP TRIGGER reporting_report_frozen ON reporting_report")
        op.execute("DROP FUNCTION reporting_report_frozen()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("reporting_participant")
    with op.batch_alter_table("reporting_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporting_outcome_starts_on"))
        batch_op.drop_index(batch_op.f("ix_reporting_outcome_candidate_id"))

    op.drop_table("reporting_outcome")
    op.drop_table("reporting_report")
    with op.batch_alter_table("reporting_training", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporting_training_starts_on"))

    op.drop_table("reporting_training")
    with op.batch_alter_table("reporting_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reporting_event_held_on"))

    op.drop_table("reporting_event")
    _set_roles(ROLES_BEFORE)
