"""analytics: the region of an agency (for the 政法委 oversight role)

``agencies.region`` (nullable, indexed): the administrative region an agency belongs to, e.g.
甘肃省兰州市. A user with the ``oversight`` role (政法委) sees the figures of every agency whose
region equals its own agency's region (models/visibility.py). Indexes on the columns the
statistics of ``analytics/`` filter and group by (decision dates of businesses and clocks).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as t:
        t.add_column(sa.Column("region", sa.String(length=100), nullable=True))
        t.create_index(op.f("ix_agencies_region"), ["region"])
    op.create_index("ix_case_businesses_code_pushed", "case_businesses", ["code", "pushed_at"])
    op.create_index("ix_workflow_clocks_base_started", "workflow_clocks", ["base", "started_at"])
    op.create_index("ix_workflow_clocks_base_stopped", "workflow_clocks", ["base", "stopped_at"])


def downgrade() -> None:
    op.drop_index("ix_workflow_clocks_base_stopped", table_name="workflow_clocks")
    op.drop_index("ix_workflow_clocks_base_started", table_name="workflow_clocks")
    op.drop_index("ix_case_businesses_code_pushed", table_name="case_businesses")
    with op.batch_alter_table("agencies") as t:
        t.drop_index(op.f("ix_agencies_region"))
        t.drop_column("region")
