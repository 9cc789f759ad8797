"""a case's comparison features stored at index time

The similar-case and sentencing answers compare a query with 50-60 candidate cases on their
charges, circumstances, amount, blood alcohol and drug quantity. Computing those from the stored
fields and facts took about a third of a cold sentencing answer at 100,000 cases; a processed
document now stores its case's, with a stamp of the documents they came from. Cases processed before
have no row until a document of theirs is processed again, and are computed on use, as before.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_features",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("stamp", sa.String(length=100), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_features")
