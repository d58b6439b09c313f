"""Alarm rules and events (监控报警) and O&M records (智慧运维: 运维管理, 运维报备, 物料, 人员)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dualcarbon.db.base import Base, EnterpriseScoped, IdMixin, TimestampMixin
from dualcarbon.db.types import ExactDecimal, IdPK, JSONDoc, UTCDateTime, utcnow


class AlarmRule(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    __tablename__ = "alarm_rules"

    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    point_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    threshold: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 6))
    window_minutes: Mapped[int] = mapped_column(Integer, default=60)
    min_samples: Mapped[int] = mapped_column(Integer, default=3)
    severity: Mapped[str] = mapped_column(String(10), default="warning")  # info|warning|critical
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class AlarmEvent(IdMixin, EnterpriseScoped, Base):
    """One alarm occurrence, worked through acknowledge → handle → close. While an event of a
    rule is not closed, the rule does not raise another (no alarm storms)."""

    __tablename__ = "alarm_events"
    __table_args__ = (Index("ix_alarm_events_open", "rule_id", "status"),)

    rule_id: Mapped[int] = mapped_column(IdPK, ForeignKey("alarm_rules.id", ondelete="CASCADE"))
    point_id: Mapped[int | None] = mapped_column(IdPK)
    device_id: Mapped[int | None] = mapped_column(IdPK)
    kind: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    # open → acknowledged → handling → closed
    status: Mapped[str] = mapped_column(String(12), default="open")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    value: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 6))
    reason: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlarmComment(IdMixin, Base):
    __tablename__ = "alarm_comments"

    event_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("alarm_events.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OmRecord(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """运维记录: maintenance work, filings (报备) of planned outages, materials used, personnel."""

    __tablename__ = "om_records"

    kind: Mapped[str] = mapped_column(String(20))  # maintenance|filing|material|personnel
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    device_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("devices.id", ondelete="SET NULL"))
    point_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    personnel: Mapped[str | None] = mapped_column(String(200))
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|done
    created_by: Mapped[str] = mapped_column(String(64))


class QcRecord(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """A CEMS quality-control check (质控记录) with its review (审核)."""

    __tablename__ = "qc_records"

    kind: Mapped[str] = mapped_column(String(30))
    device_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    point_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="SET NULL"))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    performed_by: Mapped[str] = mapped_column(String(64))
    reference_value: Mapped[Decimal] = mapped_column(ExactDecimal(20, 6))
    measured_value: Mapped[Decimal] = mapped_column(ExactDecimal(20, 6))
    full_scale: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 6))
    result_value: Mapped[Decimal] = mapped_column(ExactDecimal(20, 6))
    limit_value: Mapped[Decimal] = mapped_column(ExactDecimal(20, 6))
    limit_tier: Mapped[str] = mapped_column(String(4), default="M")
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    # submitted → approved | rejected
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
