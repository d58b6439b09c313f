"""Park base data in and out. Amounts are decimals (JSON strings on output); `month` null means
the whole year."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dualcarbon.schematypes import DecimalStr, Id, InModel

Amount = Annotated[Decimal | None, Field(ge=0, max_digits=24, decimal_places=6)]
Money = Annotated[Decimal | None, Field(ge=0, max_digits=20, decimal_places=4)]
Count = Annotated[int | None, Field(ge=0, le=100_000_000)]
Month = Annotated[int | None, Field(ge=1, le=12)]
Year = Annotated[int, Field(ge=2000, le=2100)]

FIGURES = ("area_km2", "gdp_1e4_cny", "industrial_output_1e4_cny", "value_added_1e4_cny",
           "population", "employees", "purchased_electricity_mwh", "exported_electricity_mwh",
           "purchased_heat_gj", "exported_heat_gj", "general_solid_waste_t", "hazardous_waste_t")


class FuelIn(InModel):
    fuel: Annotated[str, Field(min_length=1, max_length=40)]  # catalogue id or Chinese name
    quantity: Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=6)]
    unit: Annotated[str | None, Field(max_length=10)] = None  # default: the fuel's unit


class Figures(InModel):
    area_km2: Annotated[Decimal | None, Field(ge=0, max_digits=12, decimal_places=3)] = None
    gdp_1e4_cny: Money = None  # 地区(园区)生产总值, 万元
    industrial_output_1e4_cny: Money = None  # 工业总产值
    value_added_1e4_cny: Money = None  # 工业增加值
    population: Count = None  # 常住人口
    employees: Count = None  # 从业人员
    purchased_electricity_mwh: Amount = None  # 外购电力 (at the park boundary)
    exported_electricity_mwh: Amount = None  # 外送电力
    purchased_heat_gj: Amount = None  # 外购热力
    exported_heat_gj: Amount = None  # 外送热力
    general_solid_waste_t: Amount = None  # 一般工业固体废物产生量
    hazardous_waste_t: Amount = None  # 危险废物产生量
    note: Annotated[str | None, Field(max_length=2000)] = None
    fuels: Annotated[list[FuelIn], Field(max_length=100)] | None = None  # 化石燃料消费量


class BaseDataIn(Figures):
    park_id: Id
    year: Year
    month: Month = None


class BaseDataUpdate(Figures):
    """Fields given replace the stored ones; `fuels`, when given, replaces the whole list."""


class FuelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    fuel: str
    fuel_name: str
    quantity: DecimalStr
    unit: str


class BaseDataRead(BaseModel):
    id: int
    park_id: int
    year: int
    month: int | None
    area_km2: DecimalStr | None
    gdp_1e4_cny: DecimalStr | None
    industrial_output_1e4_cny: DecimalStr | None
    value_added_1e4_cny: DecimalStr | None
    population: int | None
    employees: int | None
    purchased_electricity_mwh: DecimalStr | None
    exported_electricity_mwh: DecimalStr | None
    purchased_heat_gj: DecimalStr | None
    exported_heat_gj: DecimalStr | None
    general_solid_waste_t: DecimalStr | None
    hazardous_waste_t: DecimalStr | None
    note: str | None
    fuels: list[FuelRead]
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime


class BaseDataPage(BaseModel):
    items: list[BaseDataRead]
    total: int
    page: int
    size: int
