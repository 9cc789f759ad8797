"""completeness gate: a case's type and the overrides of its checklist items

``cases.case_type`` (nullable): the checklist the case is held to (危险驾驶, 盗窃 …), inferred
from the extracted charges until a clerk sets it; ``cases.case_type_by`` is that clerk (null
while inferred). ``checklist_overrides``: an authorised user's written reason to let one item of
a business's checklist through (特批放行); kept after use, withdrawn ones keep who and when.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as t:
        t.add_column(sa.Column("case_type", sa.String(length=40), nullable=True))
        t.add_column(sa.Column("case_type_by", sa.Integer(), nullable=True))
    op.create_table(
        "checklist_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("business_code", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
    )
    op.create_index("ix_checklist_overrides_case", "checklist_overrides",
                    ["case_id", "business_code"])
    op.create_index("ix_checklist_overrides_business", "checklist_overrides", ["business_id"])


def downgrade() -> None:
    op.drop_index("ix_checklist_overrides_business", table_name="checklist_overrides")
    op.drop_index("ix_checklist_overrides_case", table_name="checklist_overrides")
    op.drop_table("checklist_overrides")
    with op.batch_alter_table("cases") as t:
        t.drop_column("case_type_by")
        t.drop_column("case_type")
