"""Master data (主数据): parks, enterprises, facilities/units (重点设施), production processes
(生产工艺), products, metering devices (计量器具) and metering points (计量点)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dualcarbon.db.base import Base, EnterpriseScoped, IdMixin, ParkScoped, TimestampMixin
from dualcarbon.db.crypto import EncryptedString
from dualcarbon.db.types import ExactDecimal, IdPK


class Park(IdMixin, TimestampMixin, Base):
    __tablename__ = "parks"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str] = mapped_column(String(6))
    city: Mapped[str | None] = mapped_column(String(60))
    grid_region: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    area_km2: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 3))
    address: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class Enterprise(IdMixin, TimestampMixin, ParkScoped, Base):
    __tablename__ = "enterprises"
    __table_args__ = (UniqueConstraint("park_id", "code"),)

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    industry_code: Mapped[str] = mapped_column(String(8), index=True)
    is_key_emitter: Mapped[bool] = mapped_column(Boolean, default=False)
    has_captive_power_plant: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str | None] = mapped_column(String(200))
    legal_representative: Mapped[str | None] = mapped_column(EncryptedString(60))
    contact_name: Mapped[str | None] = mapped_column(EncryptedString(60))
    contact_phone: Mapped[str | None] = mapped_column(EncryptedString(40))
    contact_email: Mapped[str | None] = mapped_column(EncryptedString(120))
    status: Mapped[str] = mapped_column(String(10), default="active")

    park: Mapped[Park] = relationship(lazy="raise")


class Facility(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    __tablename__ = "facilities"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[Decimal | None] = mapped_column(ExactDecimal(16, 4))
    capacity_unit: Mapped[str | None] = mapped_column(String(20))
    is_key_facility: Mapped[bool] = mapped_column(Boolean, default=False)
    commissioned_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped[Enterprise] = relationship(lazy="raise")


class Process(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    technology: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped[Enterprise] = relationship(lazy="raise")


class Product(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    is_main_product: Mapped[bool] = mapped_column(Boolean, default=False)
    process_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("processes.id", ondelete="SET NULL"), index=True
    )

    enterprise: Mapped[Enterprise] = relationship(lazy="raise")
    process: Mapped[Process | None] = relationship(lazy="raise")


class Device(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """A metering instrument (计量器具) with its metrological data."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    device_type: Mapped[str] = mapped_column(String(30), index=True)
    manufacturer: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(60))
    serial_no: Mapped[str | None] = mapped_column(String(60))
    accuracy_class: Mapped[str | None] = mapped_column(String(10))
    calibration_interval_months: Mapped[int | None] = mapped_column()
    last_calibrated_on: Mapped[date | None] = mapped_column(Date)
    calibration_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), default="in_service")

    enterprise: Mapped[Enterprise] = relationship(lazy="raise")


class MeteringPoint(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """Where a quantity is measured (计量点): medium, unit, direction across the boundary."""

    __tablename__ = "metering_points"
    __table_args__ = (UniqueConstraint("park_id", "code"),)

    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100))
    medium: Mapped[str] = mapped_column(String(30), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    measurement: Mapped[str] = mapped_column(String(15), default="cumulative")
    direction: Mapped[str] = mapped_column(String(10), default="internal")
    multiplier: Mapped[Decimal] = mapped_column(ExactDecimal(16, 6), default=Decimal(1))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # how often a reading is expected (polling / upload interval): completeness = received /
    # expected; None = no expectation (manual or irregular data)
    expected_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    facility_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("facilities.id", ondelete="SET NULL"), index=True
    )
    device_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("devices.id", ondelete="SET NULL"), index=True
    )

    enterprise: Mapped[Enterprise] = relationship(lazy="raise")
    facility: Mapped[Facility | None] = relationship(lazy="raise")
    device: Mapped[Device | None] = relationship(lazy="raise")
