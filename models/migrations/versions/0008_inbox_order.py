"""workflow inbox read in index order

``ix_case_businesses_inbox`` was (to_agency_id, status, pushed_at): an inbox page ("the 50 newest
open businesses of this agency") had to read every open business of the agency and sort them
(7,500 rows, 66 ms at 1,000,000 businesses). As (to_agency_id, pushed_at, id) the page is read
newest first in index order, the status filtered on the way (1.4 ms).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_case_businesses_inbox", table_name="case_businesses")
    op.create_index("ix_case_businesses_inbox", "case_businesses",
                    ["to_agency_id", "pushed_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_case_businesses_inbox", table_name="case_businesses")
    op.create_index("ix_case_businesses_inbox", "case_businesses",
                    ["to_agency_id", "status", "pushed_at"])
