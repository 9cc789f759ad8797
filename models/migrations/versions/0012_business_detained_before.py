"""a business remembers whether the case's persons were held before its push

A returned business takes back what its push did to the case: the state, the clocks it started,
and now the 在押 flag (a 不批准逮捕 returned as sent in error leaves the person held again, and
the next clocks take their in-custody variants). NULL for businesses pushed before: a return of
one of those leaves the flag as it is, as before.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("case_businesses", sa.Column("detained_before", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("case_businesses", "detained_before")
