"""CEMS API schemas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class CemsUnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: int
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    facility_id: int | None = None
    co2_point_id: int
    flow_point_id: int
    moisture_point_id: int | None = None
    temperature_point_id: int | None = None
    pressure_point_id: int | None = None
    co2_basis: Literal["dry", "wet"] = "dry"
    flow_state: Literal["standard_dry", "actual_wet"] = "standard_dry"
    flow_unit: Literal["m3/h", "m3/s"] = "m3/h"
    ambient_pa: Decimal = Field(default=Decimal(101325), gt=50000, lt=120000)
    substitution_enabled: bool = True
    short_gap_hours: int = Field(default=24, ge=1, le=720)
    lookback_hours: int = Field(default=720, ge=1, le=8760)


class CemsUnitRead(CemsUnitIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: int
    park_id: int
    molar_volume_l: Decimal
    is_active: bool


class ComputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime


class CemsHourRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hour: datetime
    co2_dry_pct: Decimal | None
    flow_std_dry_m3_h: Decimal | None
    co2_kg: Decimal | None
    minute_sum_kg: Decimal | None
    valid_minutes: int
    is_valid: bool
    flag: str
    is_substituted: bool
    substitution_rule: str | None
    reasons: list[str]


class PeriodTotalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    start: datetime
    end: datetime
    co2_t: Decimal
    hours: int
    valid_hours: int
    substituted_hours: int
    missing_hours: int
