"""analytics rollups: the statistics' source rows per scope, kept by the workers

``analytics_scopes`` (which agencies each rolled-up scope stands for), ``analytics_clock_facts``
and ``analytics_business_facts`` (clocks and pushed businesses as each scope counts them, with
attribution and visibility applied), ``analytics_counts`` (pre-counted cells of those rows per day, so that distinct cases over
a period are sums), ``analytics_values`` (the net days of finished stages, pooled by value),
``analytics_case_versions`` (the procedure version each
case's facts were built from) and ``analytics_refresh`` (how fresh they are). Built by
``dossier analytics refresh`` and kept by the workers' sweeper; empty until then, and the
statistics are computed directly while it is (analytics/rollup.py).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "analytics_scopes",
        sa.Column("scope", sa.String(length=110), primary_key=True),
        sa.Column("agency_id", sa.Integer(), primary_key=True),
    )
    op.create_table(
        "analytics_clock_facts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(length=110), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("person", sa.String(length=120), nullable=True),
        sa.Column("custody", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("started_at", Stamp, nullable=False),
        sa.Column("start_day", sa.String(length=10), nullable=False),
        sa.Column("stop_day", sa.String(length=10), nullable=True),
        sa.Column("due_at", Stamp, nullable=False),
        sa.Column("yellow_at", Stamp, nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("days", sa.Float(), nullable=True),
        sa.Column("appealed", sa.Boolean(), nullable=False),
        sa.Column("remanded", sa.Boolean(), nullable=False),
        sa.Column("procedure", sa.String(length=8), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
    )
    op.create_index("ix_analytics_clock_facts_case_id", "analytics_clock_facts", ["case_id"])
    op.create_index("ix_analytics_clock_facts_start", "analytics_clock_facts",
                    ["scope", "stage", "start_day"])
    op.create_index("ix_analytics_clock_facts_stop", "analytics_clock_facts",
                    ["scope", "stage", "stop_day"])
    op.create_table(
        "analytics_business_facts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(length=110), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("from_in", sa.Boolean(), nullable=False),
        sa.Column("agency_ft", sa.Integer(), nullable=False),
        sa.Column("agency_tf", sa.Integer(), nullable=False),
        sa.Column("nth", sa.Integer(), nullable=True),
        sa.Column("in_custody", sa.Boolean(), nullable=False),
        sa.Column("plea", sa.Boolean(), nullable=False),
        sa.Column("procedure", sa.String(length=8), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
    )
    op.create_index("ix_analytics_business_facts_case_id", "analytics_business_facts",
                    ["case_id"])
    op.create_index("ix_analytics_business_facts_code", "analytics_business_facts",
                    ["scope", "code", "day"])
    op.create_index("ix_analytics_clock_facts_status", "analytics_clock_facts",
                    ["scope", "status", "due_at"],
                    postgresql_include=["yellow_at", "stage", "case_id", "agency_id", "procedure",
                                        "persons", "custody", "person"])
    op.create_table(
        "analytics_counts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(length=110), nullable=False),
        sa.Column("spec", sa.String(length=40), nullable=False),
        sa.Column("keyset", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("prev", sa.String(length=7), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("procedure", sa.String(length=8), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.UniqueConstraint("scope", "spec", "keyset", "day", "prev", "agency_id", "stage",
                            "procedure", name="uq_analytics_counts_cell"),
    )
    op.create_index("ix_analytics_counts_read", "analytics_counts",
                    ["scope", "spec", "keyset", "day"],
                    postgresql_include=["prev", "agency_id", "stage", "procedure", "cases",
                                        "persons"])
    op.create_table(
        "analytics_values",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(length=110), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("procedure", sa.String(length=8), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("clock_id", sa.Integer(), nullable=False),
        sa.Column("started_at", Stamp, nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.UniqueConstraint("scope", "day", "agency_id", "stage", "procedure", "days", "case_id",
                            "clock_id", name="uq_analytics_values_cell"),
    )
    op.create_index("ix_analytics_values_read", "analytics_values", ["scope", "day"],
                    postgresql_include=["agency_id", "stage", "procedure", "days", "n", "case_id",
                                        "clock_id", "started_at"])
    op.create_table(
        "analytics_case_versions",
        sa.Column("case_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "analytics_refresh",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("as_of", Stamp, nullable=False),
        sa.Column("full_at", Stamp, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("analytics_refresh")
    op.drop_table("analytics_case_versions")
    op.drop_index("ix_analytics_values_read", table_name="analytics_values")
    op.drop_table("analytics_values")
    op.drop_index("ix_analytics_counts_read", table_name="analytics_counts")
    op.drop_table("analytics_counts")
    op.drop_index("ix_analytics_business_facts_code", table_name="analytics_business_facts")
    op.drop_index("ix_analytics_business_facts_case_id", table_name="analytics_business_facts")
    op.drop_table("analytics_business_facts")
    op.drop_index("ix_analytics_clock_facts_status", table_name="analytics_clock_facts")
    op.drop_index("ix_analytics_clock_facts_stop", table_name="analytics_clock_facts")
    op.drop_index("ix_analytics_clock_facts_start", table_name="analytics_clock_facts")
    op.drop_index("ix_analytics_clock_facts_case_id", table_name="analytics_clock_facts")
    op.drop_table("analytics_clock_facts")
    op.drop_table("analytics_scopes")
