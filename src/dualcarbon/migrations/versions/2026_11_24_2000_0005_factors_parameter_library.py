"""factors: versioned emission-factor and parameter library

Revision ID: 0005_factors
Revises: 0004_protocols
Create Date: 2026-11-24 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dualcarbon.db.types

revision: str = "0005_factors"
down_revision: str | None = "0004_protocols"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "factor_parameters",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("park_id", ID, nullable=True),
        sa.Column("methodology", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("value_text", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source_document", sa.String(length=500), nullable=False),
        sa.Column("clause", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"],
                                name=op.f("factor_parameters_park_id_fkey"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("factor_parameters_pkey")),
    )
    with op.batch_alter_table("factor_parameters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_factor_parameters_park_id"), ["park_id"],
                              unique=False)
        batch_op.create_index("ix_factor_parameters_lookup", ["methodology", "key", "park_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("factor_parameters", schema=None) as batch_op:
        batch_op.drop_index("ix_factor_parameters_lookup")
        batch_op.drop_index(batch_op.f("ix_factor_parameters_park_id"))
    op.drop_table("factor_parameters")
