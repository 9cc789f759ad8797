"""hardening: share permissions and revocation, revocable sessions, keyed audit hashes

A share (case_shares) says what the receiving agency may do: ``read`` (the default: a transfer
lets the receiver read the dossier) or ``write`` (a business between agencies that hands the
case over says so); it may name the business that created it, and it can be revoked.
A token can be revoked (logout) and records when it was last used (sliding renewal).
An audit event records how its hash was made: ``sha256`` (events before this revision) or
``hmac`` (keyed with a key that is not stored in the database).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_shares") as t:
        t.add_column(sa.Column("access", sa.String(length=8), nullable=False,
                               server_default="read"))
        t.add_column(sa.Column("business_id", sa.Integer(), nullable=True))
        t.add_column(sa.Column("granted_by", sa.Integer(), nullable=True))
        t.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("revoked_by", sa.Integer(), nullable=True))
    with op.batch_alter_table("api_tokens") as t:
        t.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_events") as t:
        t.add_column(sa.Column("alg", sa.String(length=8), nullable=False,
                               server_default="sha256"))


def downgrade() -> None:
    with op.batch_alter_table("audit_events") as t:
        t.drop_column("alg")
    with op.batch_alter_table("api_tokens") as t:
        t.drop_column("last_used_at")
        t.drop_column("revoked_at")
    with op.batch_alter_table("case_shares") as t:
        for col in ("revoked_by", "revoked_at", "granted_by", "business_id", "access"):
            t.drop_column(col)
