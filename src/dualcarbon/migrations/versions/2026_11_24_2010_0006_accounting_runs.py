"""accounting: runs with document snapshot, parameter versions and result

Revision ID: 0006_accounting
Revises: 0007_activity (0007 was chained onto 0005 first; one head)
Create Date: 2026-11-24 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import dualcarbon.db.types

revision: str = "0006_accounting"
down_revision: str | None = "0007_activity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "accounting_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("park_id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=True),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("methodology", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("trigger", sa.String(length=10), nullable=False),
        sa.Column("rerun_of", ID, nullable=True),
        sa.Column("document", JSON, nullable=False),
        sa.Column("parameter_refs", JSON, nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("total_tco2e", dualcarbon.db.types.ExactDecimal(28, 10), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"],
                                name=op.f("accounting_runs_park_id_fkey"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"],
                                name=op.f("accounting_runs_enterprise_id_fkey"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["rerun_of"], ["accounting_runs.id"],
                                name=op.f("accounting_runs_rerun_of_fkey"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("accounting_runs_pkey")),
    )
    with op.batch_alter_table("accounting_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounting_runs_park_id"), ["park_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_accounting_runs_enterprise_id"), ["enterprise_id"],
                              unique=False)
        batch_op.create_index("ix_accounting_runs_latest",
                              ["enterprise_id", "period_start", "period_end"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("accounting_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_accounting_runs_latest")
        batch_op.drop_index(batch_op.f("ix_accounting_runs_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_accounting_runs_park_id"))
    op.drop_table("accounting_runs")
