"""floor plan: the audit trail and form keys name users by id, without a foreign key

The kit (audit trail, idempotent forms) sits below accounts, so its tables do not reference
``user_account``. Users are deactivated, never deleted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 03:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_audit_event_actor_id_user_account"), type_="foreignkey")
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_form_submission_user_id_user_account"), type_="foreignkey"
        )


def downgrade() -> None:
    with op.batch_alter_table("form_submission", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_form_submission_user_id_user_account"),
            "user_account",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_audit_event_actor_id_user_account"),
            "user_account",
            ["actor_id"],
            ["id"],
            ondelete="SET NULL",
        )
