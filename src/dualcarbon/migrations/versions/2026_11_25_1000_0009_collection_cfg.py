"""collection configuration: HJ 212 RtdInterval and factor conversion, expected polling interval
of metering points, MQTT edge binding of device keys, reading corrections

Revision ID: 0009_collection_cfg
Revises: 0006_accounting
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import dualcarbon.collection.models
import dualcarbon.db.types

revision: str = "0009_collection_cfg"
down_revision: str | None = "0008_park_base"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("hj212_devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rtd_interval_seconds", sa.Integer(), nullable=False,
                                      server_default="30"))
    with op.batch_alter_table("hj212_factor_maps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scale", dualcarbon.db.types.ExactDecimal(24, 12),
                                      nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("point_unit", sa.String(length=20), nullable=True))
    with op.batch_alter_table("metering_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expected_interval_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("device_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mqtt_edge", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_device_keys_mqtt_edge"), ["mqtt_edge"],
                              unique=False)

    op.create_table(
        "reading_corrections",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("park_id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("point_id", ID, nullable=False),
        sa.Column("ts", dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("original_value", dualcarbon.collection.models.DecimalAsRead(),
                  nullable=False),
        sa.Column("old_value", dualcarbon.collection.models.DecimalAsRead(), nullable=False),
        sa.Column("new_value", dualcarbon.collection.models.DecimalAsRead(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("batch_id", ID, nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["park_id"], ["parks.id"],
                                name=op.f("reading_corrections_park_id_fkey"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"],
                                name=op.f("reading_corrections_enterprise_id_fkey"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["point_id"], ["metering_points.id"],
                                name=op.f("reading_corrections_point_id_fkey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("reading_corrections_pkey")),
    )
    with op.batch_alter_table("reading_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reading_corrections_park_id"), ["park_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_reading_corrections_enterprise_id"),
                              ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reading_corrections_created_at"), ["created_at"],
                              unique=False)
        batch_op.create_index("ix_reading_corrections_point_ts", ["point_id", "ts"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reading_corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_reading_corrections_point_ts")
        batch_op.drop_index(batch_op.f("ix_reading_corrections_created_at"))
        batch_op.drop_index(batch_op.f("ix_reading_corrections_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_reading_corrections_park_id"))
    op.drop_table("reading_corrections")
    with op.batch_alter_table("device_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_keys_mqtt_edge"))
        batch_op.drop_column("mqtt_edge")
    with op.batch_alter_table("metering_points", schema=None) as batch_op:
        batch_op.drop_column("expected_interval_seconds")
    with op.batch_alter_table("hj212_factor_maps", schema=None) as batch_op:
        batch_op.drop_column("point_unit")
        batch_op.drop_column("scale")
    with op.batch_alter_table("hj212_devices", schema=None) as batch_op:
        batch_op.drop_column("rtd_interval_seconds")
