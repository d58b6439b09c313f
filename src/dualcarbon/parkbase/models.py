"""Park-level base data (园区层面基础数据管理, R5.2.1.2-f): per park and year (or month) the
park's basic figures (面积、地区生产总值、工业总产值、工业增加值、人口、从业人员), what crosses the
park boundary (外购/外送电力和热力), the waste generated (一般工业固体废物、危险废物) and the
fossil fuels consumed in the park (one row per fuel). A row with `month` 0 is the whole year."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dualcarbon.db.base import Base, IdMixin, ParkScoped, TimestampMixin
from dualcarbon.db.types import ExactDecimal, IdPK

ANNUAL = 0  # `month` of a whole-year row


class ParkBaseData(IdMixin, TimestampMixin, ParkScoped, Base):
    __tablename__ = "park_base_data"
    __table_args__ = (UniqueConstraint("park_id", "year", "month"),)

    year: Mapped[int] = mapped_column(Integer, index=True)
    month: Mapped[int] = mapped_column(Integer, default=ANNUAL)  # 1..12, 0 = the whole year
    area_km2: Mapped[Decimal | None] = mapped_column(ExactDecimal(12, 3))
    gdp_1e4_cny: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 4))
    industrial_output_1e4_cny: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 4))
    value_added_1e4_cny: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 4))
    population: Mapped[int | None] = mapped_column(Integer)
    employees: Mapped[int | None] = mapped_column(Integer)
    purchased_electricity_mwh: Mapped[Decimal | None] = mapped_column(ExactDecimal(24, 6))
    exported_electricity_mwh: Mapped[Decimal | None] = mapped_column(ExactDecimal(24, 6))
    purchased_heat_gj: Mapped[Decimal | None] = mapped_column(ExactDecimal(24, 6))
    exported_heat_gj: Mapped[Decimal | None] = mapped_column(ExactDecimal(24, 6))
    general_solid_waste_t: Mapped[Decimal | None] = mapped_column(ExactDecimal(24, 6))
    hazardous_waste_t: Mapped[Decimal | None] = mapped_column(ExactDecimal(24, 6))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60))
    updated_by: Mapped[str] = mapped_column(String(60))


class ParkBaseFuel(IdMixin, ParkScoped, Base):
    """One fossil fuel consumed in the park in the period of its base-data row."""

    __tablename__ = "park_base_fuels"
    __table_args__ = (UniqueConstraint("base_id", "fuel"),)

    base_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("park_base_data.id", ondelete="CASCADE"), index=True)
    fuel: Mapped[str] = mapped_column(String(40))  # catalogue fuel id (or a name of its own)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(24, 6))
    unit: Mapped[str] = mapped_column(String(10))  # t | 1e4_nm3
