"""page marks: red 捺印 and 印章 and signatures found on a page (ocr/marks.py)

Each page row gets ``marks``, a JSON list of ``{"kind": "fingerprint" | "seal" | "signature",
"box": [x0, y0, x1, y1]}`` in the unit of the page's line boxes; pages stored before it have
none (``[]``) until they are read again.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("marks", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("marks")
