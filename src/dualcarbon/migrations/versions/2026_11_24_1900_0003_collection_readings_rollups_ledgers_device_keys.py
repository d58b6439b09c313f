"""collection

Revision ID: 0003_collection
Revises: 0002_monitoring
Create Date: 2026-11-24 18:57:43.680146
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import dualcarbon.db.crypto
import dualcarbon.db.types
from dualcarbon.collection.models import DecimalAsRead

revision: str = '0003_collection'
down_revision: str | None = '0002_monitoring'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reading_rollups',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('bucket', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('sum_value', dualcarbon.db.types.ExactDecimal(38, 10), nullable=False),
    sa.Column('min_value', DecimalAsRead(), nullable=True),
    sa.Column('max_value', DecimalAsRead(), nullable=True),
    sa.Column('first_ts', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_value', DecimalAsRead(), nullable=True),
    sa.Column('last_ts', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_value', DecimalAsRead(), nullable=True),
    sa.Column('consumption', dualcarbon.db.types.ExactDecimal(38, 10), nullable=True),
    sa.PrimaryKeyConstraint('point_id', 'grain', 'bucket', name='reading_rollups_pkey')
    )
    if op.get_bind().dialect.name == "postgresql":
        # partitioned by month on ts; partitions are created by collection.partitions (a job
        # creates them ahead, ingestion on demand for late data)
        op.execute(
            "CREATE TABLE readings ("
            " point_id BIGINT NOT NULL,"
            " ts TIMESTAMP WITH TIME ZONE NOT NULL,"
            " value NUMERIC NOT NULL,"
            " quality VARCHAR(2) NOT NULL,"
            " batch_id BIGINT,"
            " CONSTRAINT readings_pkey PRIMARY KEY (point_id, ts)"
            ") PARTITION BY RANGE (ts)"
        )
    else:
        op.create_table('readings',
        sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('ts', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('value', DecimalAsRead(), nullable=False),
        sa.Column('quality', sa.String(length=2), nullable=False),
        sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.PrimaryKeyConstraint('point_id', 'ts', name='readings_pkey')
        )
    op.create_table('device_keys',
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('secret', dualcarbon.db.crypto.EncryptedString(64), nullable=False),
    sa.Column('algorithm', sa.String(length=16), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rotated_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('park_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('device_keys_enterprise_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('device_keys_park_id_fkey'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('device_keys_pkey')),
    sa.UniqueConstraint('key_id', name=op.f('device_keys_key_id_key'))
    )
    with op.batch_alter_table('device_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_keys_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_keys_park_id'), ['park_id'], unique=False)

    op.create_table('ingest_batches',
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('batch_ref', sa.String(length=64), nullable=True),
    sa.Column('dedup_key', sa.String(length=120), nullable=True),
    sa.Column('device_key_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('park_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('ingest_batches_enterprise_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('ingest_batches_park_id_fkey'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('ingest_batches_pkey')),
    sa.UniqueConstraint('dedup_key', name=op.f('ingest_batches_dedup_key_key'))
    )
    with op.batch_alter_table('ingest_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_batches_device_key_id'), ['device_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ingest_batches_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ingest_batches_park_id'), ['park_id'], unique=False)
        batch_op.create_index('ix_ingest_batches_park_received', ['park_id', 'received_at'], unique=False)

    op.create_table('invoice_entries',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('quantity', DecimalAsRead(), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('document_no', sa.String(length=60), nullable=True),
    sa.Column('supplier', sa.String(length=100), nullable=True),
    sa.Column('amount_cny', dualcarbon.db.types.ExactDecimal(18, 2), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('park_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('invoice_entries_enterprise_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('invoice_entries_park_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['point_id'], ['metering_points.id'], name=op.f('invoice_entries_point_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('invoice_entries_pkey')),
    sa.UniqueConstraint('point_id', 'month', 'kind', name=op.f('invoice_entries_point_id_month_kind_key'))
    )
    with op.batch_alter_table('invoice_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_entries_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_entries_park_id'), ['park_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_entries_point_id'), ['point_id'], unique=False)

    op.create_table('meter_replacements',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('replaced_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('old_final_value', DecimalAsRead(), nullable=False),
    sa.Column('new_initial_value', DecimalAsRead(), nullable=False),
    sa.Column('old_serial_no', sa.String(length=60), nullable=True),
    sa.Column('new_serial_no', sa.String(length=60), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('park_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('meter_replacements_enterprise_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('meter_replacements_park_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['point_id'], ['metering_points.id'], name=op.f('meter_replacements_point_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('meter_replacements_pkey')),
    sa.UniqueConstraint('point_id', 'replaced_at', name=op.f('meter_replacements_point_id_replaced_at_key'))
    )
    with op.batch_alter_table('meter_replacements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_replacements_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meter_replacements_park_id'), ['park_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meter_replacements_point_id'), ['point_id'], unique=False)

    op.create_table('point_latest',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ts', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('value', DecimalAsRead(), nullable=False),
    sa.Column('quality', sa.String(length=2), nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', dualcarbon.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enterprise_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('park_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('point_latest_enterprise_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('point_latest_park_id_fkey'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['point_id'], ['metering_points.id'], name=op.f('point_latest_point_id_fkey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('point_id', name=op.f('point_latest_pkey'))
    )
    with op.batch_alter_table('point_latest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_latest_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_latest_park_id'), ['park_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_latest_seq'), ['seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('point_latest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_latest_seq'))
        batch_op.drop_index(batch_op.f('ix_point_latest_park_id'))
        batch_op.drop_index(batch_op.f('ix_point_latest_enterprise_id'))

    op.drop_table('point_latest')
    with op.batch_alter_table('meter_replacements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_replacements_point_id'))
        batch_op.drop_index(batch_op.f('ix_meter_replacements_park_id'))
        batch_op.drop_index(batch_op.f('ix_meter_replacements_enterprise_id'))

    op.drop_table('meter_replacements')
    with op.batch_alter_table('invoice_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_entries_point_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_entries_park_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_entries_enterprise_id'))

    op.drop_table('invoice_entries')
    with op.batch_alter_table('ingest_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_ingest_batches_park_received')
        batch_op.drop_index(batch_op.f('ix_ingest_batches_park_id'))
        batch_op.drop_index(batch_op.f('ix_ingest_batches_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_ingest_batches_device_key_id'))

    op.drop_table('ingest_batches')
    with op.batch_alter_table('device_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_keys_park_id'))
        batch_op.drop_index(batch_op.f('ix_device_keys_enterprise_id'))

    op.drop_table('device_keys')
    op.execute("DROP TABLE readings")  # drops its partitions too on PostgreSQL
    op.drop_table('reading_rollups')
