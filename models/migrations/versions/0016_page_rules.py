"""page rules: the horizontal rules of a page that holds a table (ocr.tables.find_rules)

Each page row gets ``rules``, a JSON list of ``[x0, y0, x1, y1]`` in the unit of the page's line
boxes; ocr.tables reads cells merged down from them. Pages stored before it have none (``[]``:
their tables are read from the text's place) until they are read again.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("rules", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("rules")
