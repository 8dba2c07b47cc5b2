"""workflow intents: id reuse policy (a closed long-running drainer may be started again)

Revision ID: 0017
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "workflow_intents",
        sa.Column(
            "id_reuse_policy",
            sa.String(length=24),
            server_default="reject_duplicate",
            nullable=False,
        ),
    )
    op.create_check_constraint(
        op.f("ck_workflow_intents_id_reuse_policy"),
        "workflow_intents",
        "id_reuse_policy IN ('reject_duplicate', 'allow_duplicate')",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_workflow_intents_id_reuse_policy"), "workflow_intents", type_="check"
    )
    op.drop_column("workflow_intents", "id_reuse_policy")
