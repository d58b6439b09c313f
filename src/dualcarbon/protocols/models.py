"""HJ 212 device configuration (MN → enterprise, factor → metering point, unit, dry/wet basis),
the raw packet log kept for audit, history (gap-fill) requests, and CO2 CEMS units with their
hourly results."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dualcarbon.db.base import Base, EnterpriseScoped, IdMixin, TimestampMixin
from dualcarbon.db.types import ExactDecimal, IdPK, JSONDoc, UTCDateTime, utcnow


class Hj212Device(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """A data logger (数采仪) identified by its MN."""

    __tablename__ = "hj212_devices"

    mn: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    st: Mapped[str] = mapped_column(String(2), default="31")
    password: Mapped[str | None] = mapped_column(String(20))  # PW; checked when set
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")  # of DataTime
    min_interval_minutes: Mapped[int] = mapped_column(Integer, default=10)  # MinInterval (2051)
    # RtdInterval (2011), seconds: the expected real-time cadence (online/offline, completeness)
    rtd_interval_seconds: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    gap_fill: Mapped[bool] = mapped_column(Boolean, default=True)
    max_gap_hours: Mapped[int] = mapped_column(Integer, default=168)  # older gaps: not asked
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Hj212FactorMap(IdMixin, EnterpriseScoped, Base):
    """One factor value of one data kind (CN) → a metering point, with its wire unit and basis.
    ``suffix``: Rtd for 2011, Avg (or Cou, Min, Max …) for 2051/2061/2031."""

    __tablename__ = "hj212_factor_maps"
    __table_args__ = (UniqueConstraint("device_id", "cn", "factor_code", "suffix"),)

    device_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("hj212_devices.id", ondelete="CASCADE"), index=True)
    cn: Mapped[int] = mapped_column(Integer)
    factor_code: Mapped[str] = mapped_column(String(16))
    suffix: Mapped[str] = mapped_column(String(8))
    point_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="RESTRICT"), index=True)
    unit: Mapped[str] = mapped_column(String(20))  # the unit on the wire
    basis: Mapped[str | None] = mapped_column(String(5))  # dry | wet
    state: Mapped[str | None] = mapped_column(String(10))  # standard | actual
    # conversion: point value = wire value × scale (1: the wire unit is the point's unit)
    scale: Mapped[Decimal] = mapped_column(ExactDecimal(24, 12), default=Decimal(1),
                                           server_default="1")
    point_unit: Mapped[str | None] = mapped_column(String(20))  # the point's unit when mapped


class Hj212Packet(IdMixin, Base):
    """Every well-formed packet received, verbatim, with its receive time and outcome (audit,
    §1.10 rule 4). Packets with a bad CRC are counted, not stored: their header is untrusted."""

    __tablename__ = "hj212_packets"
    __table_args__ = (Index("ix_hj212_packets_device_cn_time", "device_id", "cn", "data_time"),)

    park_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    device_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("hj212_devices.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    peer: Mapped[str | None] = mapped_column(String(64))
    mn: Mapped[str] = mapped_column(String(40))
    qn: Mapped[str | None] = mapped_column(String(20))
    cn: Mapped[int] = mapped_column(Integer)
    data_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pnum: Mapped[int | None] = mapped_column(Integer)
    pno: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # stored|duplicate|unknown_mn|bad_pw|…
    batch_id: Mapped[int | None] = mapped_column(IdPK)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class Hj212HistoryRequest(IdMixin, EnterpriseScoped, Base):
    """A gap-fill request sent to a logger (CN 2051/2061/2031 with BeginTime/EndTime)."""

    __tablename__ = "hj212_history_requests"

    device_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("hj212_devices.id", ondelete="CASCADE"), index=True)
    cn: Mapped[int] = mapped_column(Integer)
    qn: Mapped[str] = mapped_column(String(20))
    begin_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="sent")  # sent|accepted|done|failed
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_code: Mapped[int | None] = mapped_column(Integer)


class CemsUnit(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """A CO2 CEMS on one stack: which metering points carry CO2, flow, moisture, temperature and
    static pressure, on which basis, and the substitution policy in force."""

    __tablename__ = "cems_units"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    facility_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("facilities.id", ondelete="SET NULL"), index=True)
    co2_point_id: Mapped[int] = mapped_column(IdPK, ForeignKey("metering_points.id"))
    flow_point_id: Mapped[int] = mapped_column(IdPK, ForeignKey("metering_points.id"))
    moisture_point_id: Mapped[int | None] = mapped_column(IdPK, ForeignKey("metering_points.id"))
    temperature_point_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("metering_points.id"))
    pressure_point_id: Mapped[int | None] = mapped_column(IdPK, ForeignKey("metering_points.id"))
    co2_basis: Mapped[str] = mapped_column(String(5), default="dry")
    flow_state: Mapped[str] = mapped_column(String(14), default="standard_dry")
    flow_unit: Mapped[str] = mapped_column(String(6), default="m3/h")
    ambient_pa: Mapped[Decimal] = mapped_column(ExactDecimal(12, 2), default=Decimal(101325))
    molar_volume_l: Mapped[Decimal] = mapped_column(ExactDecimal(8, 4), default=Decimal("22.4"))
    substitution_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    short_gap_hours: Mapped[int] = mapped_column(Integer, default=24)
    lookback_hours: Mapped[int] = mapped_column(Integer, default=720)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CemsHour(IdMixin, EnterpriseScoped, Base):
    """One computed hour of a CEMS unit (HJ 212 eq. 33), measured or substituted."""

    __tablename__ = "cems_hours"
    __table_args__ = (UniqueConstraint("unit_id", "hour"),)

    unit_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("cems_units.id", ondelete="CASCADE"), index=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime)
    co2_dry_pct: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 6))
    flow_std_dry_m3_h: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    co2_kg: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    minute_sum_kg: Mapped[Decimal | None] = mapped_column(ExactDecimal(18, 4))
    valid_minutes: Mapped[int] = mapped_column(Integer, default=0)
    is_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    flag: Mapped[str] = mapped_column(String(2), default="N")
    is_substituted: Mapped[bool] = mapped_column(Boolean, default=False)
    substitution_rule: Mapped[str | None] = mapped_column(String(60))
    reasons: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
