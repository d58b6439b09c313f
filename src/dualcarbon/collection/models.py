"""Readings, ingestion batches, rollups (hour/day/month), latest value per point, meter
replacements (换表记录), invoice / manual entries (结算发票、手工台帐) and device keys.

On PostgreSQL ``readings`` is partitioned by month (RANGE on ``ts``); the migration creates the
parent and `collection.partitions` creates the monthly partitions ahead of time (a job) and on
demand for late data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from dualcarbon.db.base import Base, EnterpriseScoped, IdMixin, ParkScoped, TimestampMixin
from dualcarbon.db.crypto import EncryptedString
from dualcarbon.db.types import ExactDecimal, IdPK, JSONDoc, UTCDateTime, utcnow


class DecimalAsRead(TypeDecorator[Decimal]):
    """A measured value with its significant digits as read (8.2): unconstrained NUMERIC on
    PostgreSQL (keeps the scale it was given: 123.40 stays 123.40), decimal text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric())
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        return value if dialect.name == "postgresql" else format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class IngestBatch(IdMixin, ParkScoped, Base):
    """One call of the ingestion service (an HTTP batch, an HJ 212 packet, an import …) and its
    stored answer, so a re-sent batch id is answered identically (idempotency)."""

    __tablename__ = "ingest_batches"
    __table_args__ = (Index("ix_ingest_batches_park_received", "park_id", "received_at"),)

    enterprise_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # http|hj212|mqtt|import|manual|demo
    batch_ref: Mapped[str | None] = mapped_column(String(64))
    # source:device_key_id:batch_ref — unique, so a known batch is found (and raced) by the DB
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    device_key_id: Mapped[int | None] = mapped_column(IdPK, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)
    created_by: Mapped[str | None] = mapped_column(String(64))


class Reading(Base):
    """One measured value, first write wins on (point, ts). Partitioned by month on PostgreSQL."""

    __tablename__ = "readings"
    __table_args__ = (PrimaryKeyConstraint("point_id", "ts", name="readings_pkey"),)

    point_id: Mapped[int] = mapped_column(IdPK)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    quality: Mapped[str] = mapped_column(String(2), default="N")
    batch_id: Mapped[int | None] = mapped_column(IdPK)


class ReadingRollup(Base):
    """Aggregates per point and bucket; ``grain`` h|d|m, ``bucket`` the UTC instant of the local
    hour/day/month start. Maintained incrementally by ingestion; ledgers never scan raw data."""

    __tablename__ = "reading_rollups"
    __table_args__ = (
        PrimaryKeyConstraint("point_id", "grain", "bucket", name="reading_rollups_pkey"),
    )

    point_id: Mapped[int] = mapped_column(IdPK)
    grain: Mapped[str] = mapped_column(String(1))
    bucket: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    sum_value: Mapped[Decimal] = mapped_column(ExactDecimal(38, 10), default=Decimal(0))
    min_value: Mapped[Decimal | None] = mapped_column(DecimalAsRead)
    max_value: Mapped[Decimal | None] = mapped_column(DecimalAsRead)
    first_ts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_value: Mapped[Decimal | None] = mapped_column(DecimalAsRead)
    last_ts: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_value: Mapped[Decimal | None] = mapped_column(DecimalAsRead)
    consumption: Mapped[Decimal | None] = mapped_column(ExactDecimal(38, 10))


class PointLatest(EnterpriseScoped, Base):
    """The newest reading of each point (real-time tiles). ``seq`` is the id of the batch that
    last changed it, so a live page asks for 'changes since seq N'."""

    __tablename__ = "point_latest"

    point_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="CASCADE"), primary_key=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    quality: Mapped[str] = mapped_column(String(2), default="N")
    seq: Mapped[int] = mapped_column(IdPK, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeterReplacement(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """换表记录: the old register's final read and the new register's initial read."""

    __tablename__ = "meter_replacements"
    __table_args__ = (UniqueConstraint("point_id", "replaced_at"),)

    point_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="CASCADE"), index=True)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_final_value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    new_initial_value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    old_serial_no: Mapped[str | None] = mapped_column(String(60))
    new_serial_no: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))


class InvoiceEntry(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """A monthly quantity from a settlement invoice (结算发票) or a manual ledger entry (手工台帐)
    for a point: the fallback where meter data is missing and the other side of the 8.4-b
    cross-check."""

    __tablename__ = "invoice_entries"
    __table_args__ = (UniqueConstraint("point_id", "month", "kind"),)

    point_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)  # first day of the month
    kind: Mapped[str] = mapped_column(String(10))  # invoice|manual
    quantity: Mapped[Decimal] = mapped_column(DecimalAsRead)
    unit: Mapped[str] = mapped_column(String(20))
    document_no: Mapped[str | None] = mapped_column(String(60))
    supplier: Mapped[str | None] = mapped_column(String(100))
    amount_cny: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 2))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))


class DeviceKey(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """A device / system credential for the ingestion door. The secret is stored encrypted
    (db/crypto.py) and shown once at creation and rotation."""

    __tablename__ = "device_keys"

    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    secret: Mapped[str] = mapped_column(EncryptedString(64))
    algorithm: Mapped[str] = mapped_column(String(16), default="hmac-sm3")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    # the MQTT edge (topic level cmis/v1/{park}/{ent}/{edge}) whose envelopes this key signs: an
    # edge with a bound active key must sign every envelope (decision 0034)
    mqtt_edge: Mapped[str | None] = mapped_column(String(64), index=True)


class ReadingCorrection(IdMixin, EnterpriseScoped, Base):
    """One correction of a stored reading (数据修正): ``readings`` holds the effective value, this
    table the history — the value as first received (``original_value``), the value before and
    after this correction, why and by whom (decision 0033)."""

    __tablename__ = "reading_corrections"
    __table_args__ = (Index("ix_reading_corrections_point_ts", "point_id", "ts"),)

    point_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="CASCADE"))
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    original_value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    old_value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    new_value: Mapped[Decimal] = mapped_column(DecimalAsRead)
    reason: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(IdPK)  # the change's seq (point_latest)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
