"""merge the module branches (quotes/reserve, guarantees/reminders, tax/FX/AP,
channel push + intent id reuse, reconciliation/settlement, OCTO) into one head.

Revision ID: 0018
Revises: 0010, 0011, 0012, 0015, 0016, 0017
"""

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | Sequence[str] | None = ("0010", "0011", "0012", "0015", "0016", "0017")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to do: this revision only joins the branches."""
