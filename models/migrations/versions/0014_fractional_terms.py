"""terms in days: a sentence's months may have a fraction

Extraction reads a term with days (拘役二个月十五日) as months with the days as a fraction
(2.5, days / 30 to two decimals); ``sentences.term_months`` and ``probation_months`` were
integers, which PostgreSQL would have rounded and SQLite kept only by its loose typing. They are
floats now; whole months read back as ints (``models.schema.Months``).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("term_months", "probation_months")


def upgrade() -> None:
    with op.batch_alter_table("sentences") as t:
        for name in COLUMNS:
            t.alter_column(name, type_=sa.Float(), existing_type=sa.Integer(),
                           existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("sentences") as t:
        for name in COLUMNS:
            t.alter_column(name, type_=sa.Integer(), existing_type=sa.Float(),
                           existing_nullable=True, postgresql_using=f"round({name})::integer")
