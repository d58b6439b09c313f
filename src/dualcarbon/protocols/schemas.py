"""CEMS API schemas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dualcarbon.schematypes import DecimalStr, Id, InModel


class CemsUnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: Id
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    facility_id: Id | None = None
    co2_point_id: Id
    flow_point_id: Id
    moisture_point_id: Id | None = None
    temperature_point_id: Id | None = None
    pressure_point_id: Id | None = None
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


# --------------------------------------------------------------------------- HJ 212 devices


class Hj212DeviceBase(InModel):
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    mn: Annotated[str | None, Field(min_length=1, max_length=40)] = None
    st: Annotated[str | None, Field(min_length=2, max_length=2)] = None
    password: Annotated[str | None, Field(max_length=20)] = None
    timezone: Annotated[str | None, Field(min_length=1, max_length=40)] = None
    rtd_interval_seconds: int | None = None
    min_interval_minutes: int | None = None
    gap_fill: bool | None = None
    max_gap_hours: Annotated[int | None, Field(ge=1, le=8760)] = None
    is_active: bool | None = None
    # accept an MN that is not 24 hex characters (older or non-conforming loggers)
    allow_nonstandard_mn: bool = False


class Hj212DeviceIn(Hj212DeviceBase):
    enterprise_id: Id
    name: Annotated[str, Field(min_length=1, max_length=100)]
    mn: Annotated[str, Field(min_length=1, max_length=40)]
    st: Annotated[str, Field(min_length=2, max_length=2)] = "31"
    timezone: Annotated[str, Field(min_length=1, max_length=40)] = "Asia/Shanghai"
    rtd_interval_seconds: int = 30
    min_interval_minutes: int = 10
    gap_fill: bool = True
    max_gap_hours: Annotated[int, Field(ge=1, le=8760)] = 168
    is_active: bool = True


class Hj212DeviceUpdate(Hj212DeviceBase):
    pass


class Hj212DeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    park_id: int
    enterprise_id: int
    mn: str
    name: str
    st: str
    has_password: bool
    timezone: str
    rtd_interval_seconds: int
    min_interval_minutes: int
    gap_fill: bool
    max_gap_hours: int
    is_active: bool
    last_seen_at: datetime | None
    online: bool
    status: Literal["online", "offline", "disabled"]
    factor_count: int
    created_at: datetime
    updated_at: datetime


class Hj212FactorBase(InModel):
    cn: int | None = None
    factor_code: Annotated[str | None, Field(min_length=1, max_length=16)] = None
    suffix: Annotated[str | None, Field(min_length=1, max_length=8)] = None
    point_id: Id | None = None
    unit: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    basis: Literal["dry", "wet"] | None = None
    state: Literal["standard", "actual"] | None = None
    scale: Annotated[Decimal | None, Field(gt=0, max_digits=24, decimal_places=12)] = None
    # accept a factor code outside HJ 212-2017 附录 B (site-specific codes such as ele01)
    allow_nonstandard_code: bool = False


class Hj212FactorIn(Hj212FactorBase):
    cn: int
    factor_code: Annotated[str, Field(min_length=1, max_length=16)]
    point_id: Id


class Hj212FactorUpdate(Hj212FactorBase):
    pass


class Hj212FactorSet(InModel):
    """The whole factor map of one device (the editor saves it at once)."""

    factors: Annotated[list[Hj212FactorIn], Field(max_length=500)]


class Hj212FactorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: int
    enterprise_id: int
    cn: int
    factor_code: str
    factor_name: str | None
    suffix: str
    point_id: int
    point_code: str
    point_name: str
    point_unit: str
    unit: str
    basis: str | None
    state: str | None
    scale: DecimalStr


class Hj212FactorCode(BaseModel):
    code: str
    name: str
    unit: str
