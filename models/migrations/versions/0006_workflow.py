"""workflow: case procedure state, businesses between agencies, legal clocks, reminders

A case's place in its procedure (case_procedures, one row per case, locked by every step), the
businesses (协同业务) agencies send each other (case_businesses), the legal clocks they start
(workflow_clocks, with the instants their reminder level changes), what happened to each clock
(workflow_clock_events: stop, restart, pause, resume, extension approvals), and the reminders
recorded once per level change (workflow_notifications).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_procedures",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("procedure", sa.String(length=8), nullable=False),
        sa.Column("plea", sa.Boolean(), nullable=False),
        sa.Column("detained", sa.Boolean(), nullable=False),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE",
                                name=op.f("fk_case_procedures_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_procedures")),
    )
    op.create_table(
        "case_businesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("client_key", sa.String(length=100), nullable=True),
        sa.Column("state_before", sa.String(length=20), nullable=True),
        sa.Column("state_after", sa.String(length=20), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("pushed_at", Stamp, nullable=True),
        sa.Column("received_at", Stamp, nullable=True),
        sa.Column("accepted_at", Stamp, nullable=True),
        sa.Column("returned_at", Stamp, nullable=True),
        sa.Column("completed_at", Stamp, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE",
                                name=op.f("fk_case_businesses_case_id_cases")),
        sa.ForeignKeyConstraint(["from_agency_id"], ["agencies.id"],
                                name=op.f("fk_case_businesses_from_agency_id_agencies")),
        sa.ForeignKeyConstraint(["to_agency_id"], ["agencies.id"],
                                name=op.f("fk_case_businesses_to_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_businesses")),
        sa.UniqueConstraint("case_id", "client_key", name=op.f("uq_case_businesses_case_id")),
    )
    op.create_index(op.f("ix_case_businesses_case_id"), "case_businesses", ["case_id"])
    op.create_index("ix_case_businesses_inbox", "case_businesses",
                    ["to_agency_id", "status", "pushed_at"])
    op.create_table(
        "workflow_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("base", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("person", sa.String(length=120), nullable=True),
        sa.Column("business_id", sa.Integer(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("started_at", Stamp, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("custody", sa.Boolean(), nullable=False),
        sa.Column("due", sa.String(length=25), nullable=False),
        sa.Column("due_at", Stamp, nullable=False),
        sa.Column("yellow_at", Stamp, nullable=False),
        sa.Column("orange_at", Stamp, nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("unverified", sa.Boolean(), nullable=False),
        sa.Column("stopped_at", Stamp, nullable=True),
        sa.Column("overrun_reason", sa.Text(), nullable=True),
        sa.Column("overrun_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE",
                                name=op.f("fk_workflow_clocks_case_id_cases")),
        sa.ForeignKeyConstraint(["owner_agency_id"], ["agencies.id"],
                                name=op.f("fk_workflow_clocks_owner_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_clocks")),
    )
    op.create_index(op.f("ix_workflow_clocks_case_id"), "workflow_clocks", ["case_id"])
    op.create_index(op.f("ix_workflow_clocks_business_id"), "workflow_clocks", ["business_id"])
    op.create_index("ix_workflow_clocks_owner_due", "workflow_clocks",
                    ["owner_agency_id", "status", "due_at"])
    op.create_index("ix_workflow_clocks_status_due", "workflow_clocks", ["status", "due_at"])
    op.create_table(
        "workflow_clock_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("add", sa.String(length=12), nullable=True),
        sa.Column("to", sa.String(length=12), nullable=True),
        sa.Column("approver", sa.String(length=100), nullable=True),
        sa.Column("document", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("business_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["clock_id"], ["workflow_clocks.id"], ondelete="CASCADE",
                                name=op.f("fk_workflow_clock_events_clock_id_workflow_clocks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_clock_events")),
    )
    op.create_index(op.f("ix_workflow_clock_events_clock_id"), "workflow_clock_events",
                    ["clock_id"])
    op.create_table(
        "workflow_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("previous", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.ForeignKeyConstraint(["clock_id"], ["workflow_clocks.id"], ondelete="CASCADE",
                                name=op.f("fk_workflow_notifications_clock_id_workflow_clocks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_notifications")),
    )
    op.create_index(op.f("ix_workflow_notifications_clock_id"), "workflow_notifications",
                    ["clock_id"])
    op.create_index("ix_workflow_notifications_agency", "workflow_notifications",
                    ["agency_id", "created_at"])


def downgrade() -> None:
    op.drop_table("workflow_notifications")
    op.drop_table("workflow_clock_events")
    op.drop_table("workflow_clocks")
    op.drop_table("case_businesses")
    op.drop_table("case_procedures")
