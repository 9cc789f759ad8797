"""lookup indexes: charges and sentences by document, case shares by agency

Similar-case summaries read a case's charges and sentences through its documents, and the
visible-case check of every similar-case search asks which cases are shared with an agency;
without these indexes each was a scan of the whole table (100,000 cases: tens of ms).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_charges_document_id", "charges", "document_id"),
    ("ix_sentences_document_id", "sentences", "document_id"),
    ("ix_case_shares_agency_id", "case_shares", "agency_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(op.f(name), table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(op.f(name), table_name=table)
