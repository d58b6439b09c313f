"""Pydantic in/out models of the registry. Decimals travel as strings; codes are validated
against the national standards (GB 32100 credit code, GB/T 4754 industry, GB/T 2260 province)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from dualcarbon.core import registry_rules as rules
from dualcarbon.core.errors import FieldValueError
from dualcarbon.registry import reference
from dualcarbon.schematypes import DecimalStr, Id, InModel, PageNo, PageOut, PageSize  # noqa: F401

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
OptText = Annotated[str | None, Field(default=None, max_length=200)]

_PHONE = re.compile(r"^[0-9+\-() ]{5,40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_credit_code(v: str | None) -> str | None:
    if v is None:
        return v
    v = v.upper()
    problem = rules.validate_credit_code(v)
    if problem:
        raise FieldValueError(f"registry.credit-code.{problem}")
    return v


def _check_industry(v: str | None) -> str | None:
    if v is not None and not rules.is_valid_industry_code(v):
        raise FieldValueError("registry.industry-code.unknown")
    return v


def _check_province(v: str | None) -> str | None:
    if v is not None and v not in reference.provinces():
        raise FieldValueError("registry.province-code.unknown")
    return v


def _check_phone(v: str | None) -> str | None:
    if v and not _PHONE.match(v):
        raise FieldValueError("field.phone")
    return v or None


def _check_email(v: str | None) -> str | None:
    if v and not _EMAIL.match(v):
        raise FieldValueError("field.email")
    return v or None


def _check_device_type(v: str | None) -> str | None:
    if v is not None and v not in reference.device_types():
        raise FieldValueError("registry.device-type.unknown")
    return v


def _check_medium(v: str | None) -> str | None:
    if v is not None and v not in reference.media():
        raise FieldValueError("registry.medium.unknown")
    return v


# --- parks ---------------------------------------------------------------------------------------


class ParkBase(InModel):
    name: Name | None = None
    province_code: str | None = None
    city: Annotated[str | None, Field(max_length=60)] = None
    grid_region: str | None = None
    timezone: str | None = None
    area_km2: Annotated[Decimal | None, Field(ge=0, max_digits=12, decimal_places=3)] = None
    address: OptText = None
    description: Annotated[str | None, Field(max_length=2000)] = None

    _province = field_validator("province_code")(_check_province)

    @field_validator("grid_region")
    @classmethod
    def _grid(cls, v: str | None) -> str | None:
        if v is not None and v not in rules.GRID_REGIONS:
            raise FieldValueError("registry.grid-region.unknown")
        return v


class ParkCreate(ParkBase):
    code: Code
    name: Name
    province_code: str


class ParkUpdate(ParkBase):
    pass


class ParkRead(BaseModel):
    id: int
    code: str
    name: str
    province_code: str
    province_name: str
    city: str | None
    grid_region: str
    timezone: str
    area_km2: DecimalStr | None
    address: str | None
    description: str | None
    enterprise_count: int = 0


# --- enterprises ---------------------------------------------------------------------------------


class EnterpriseBase(InModel):
    name: Name | None = None
    credit_code: str | None = None
    industry_code: str | None = None
    is_key_emitter: bool | None = None
    has_captive_power_plant: bool | None = None
    address: OptText = None
    legal_representative: Annotated[str | None, Field(max_length=60)] = None
    contact_name: Annotated[str | None, Field(max_length=60)] = None
    contact_phone: str | None = None
    contact_email: str | None = None
    status: Literal["active", "closed"] | None = None

    _credit = field_validator("credit_code")(_check_credit_code)
    _industry = field_validator("industry_code")(_check_industry)
    _phone = field_validator("contact_phone")(_check_phone)
    _email = field_validator("contact_email")(_check_email)


class EnterpriseCreate(EnterpriseBase):
    park_id: Id
    code: Code
    name: Name
    credit_code: str
    industry_code: str
    is_key_emitter: bool = False
    has_captive_power_plant: bool = False


class EnterpriseUpdate(EnterpriseBase):
    code: Code | None = None


class EnterpriseRead(BaseModel):
    id: int
    park_id: Id
    park_name: str
    code: str
    name: str
    credit_code: str
    industry_code: str
    industry_name: str
    is_key_emitter: bool
    has_captive_power_plant: bool
    address: str | None
    legal_representative: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    status: str
    facility_count: int = 0
    metering_point_count: int = 0


# --- facilities ----------------------------------------------------------------------------------


class FacilityBase(InModel):
    name: Name | None = None
    kind: Annotated[str | None, Field(min_length=1, max_length=40)] = None
    capacity: Annotated[Decimal | None, Field(ge=0, max_digits=16, decimal_places=4)] = None
    capacity_unit: Annotated[str | None, Field(max_length=20)] = None
    is_key_facility: bool | None = None
    commissioned_on: date | None = None
    description: Annotated[str | None, Field(max_length=2000)] = None


class FacilityCreate(FacilityBase):
    enterprise_id: Id
    code: Code
    name: Name
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    is_key_facility: bool = False


class FacilityUpdate(FacilityBase):
    code: Code | None = None


class FacilityRead(BaseModel):
    id: int
    park_id: Id
    enterprise_id: Id
    enterprise_name: str
    code: str
    name: str
    kind: str
    capacity: DecimalStr | None
    capacity_unit: str | None
    is_key_facility: bool
    commissioned_on: date | None
    description: str | None


# --- processes -----------------------------------------------------------------------------------


class ProcessBase(InModel):
    name: Name | None = None
    technology: Annotated[str | None, Field(max_length=100)] = None
    description: Annotated[str | None, Field(max_length=2000)] = None


class ProcessCreate(ProcessBase):
    enterprise_id: Id
    code: Code
    name: Name


class ProcessUpdate(ProcessBase):
    code: Code | None = None


class ProcessRead(BaseModel):
    id: int
    park_id: Id
    enterprise_id: Id
    enterprise_name: str
    code: str
    name: str
    technology: str | None
    description: str | None


# --- products ------------------------------------------------------------------------------------


class ProductBase(InModel):
    name: Name | None = None
    unit: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    is_main_product: bool | None = None
    process_id: Id | None = None


class ProductCreate(ProductBase):
    enterprise_id: Id
    code: Code
    name: Name
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    is_main_product: bool = False


class ProductUpdate(ProductBase):
    code: Code | None = None


class ProductRead(BaseModel):
    id: int
    park_id: Id
    enterprise_id: Id
    enterprise_name: str
    code: str
    name: str
    unit: str
    is_main_product: bool
    process_id: Id | None
    process_name: str | None


# --- devices -------------------------------------------------------------------------------------


class DeviceBase(InModel):
    name: Name | None = None
    device_type: str | None = None
    manufacturer: Annotated[str | None, Field(max_length=100)] = None
    model: Annotated[str | None, Field(max_length=60)] = None
    serial_no: Annotated[str | None, Field(max_length=60)] = None
    accuracy_class: Annotated[str | None, Field(max_length=10)] = None
    calibration_interval_months: Annotated[int | None, Field(ge=1, le=120)] = None
    last_calibrated_on: date | None = None
    status: Literal["in_service", "spare", "retired"] | None = None

    _type = field_validator("device_type")(_check_device_type)


class DeviceCreate(DeviceBase):
    enterprise_id: Id
    code: Code
    name: Name
    device_type: str


class DeviceUpdate(DeviceBase):
    code: Code | None = None


class DeviceRead(BaseModel):
    id: int
    park_id: Id
    enterprise_id: Id
    enterprise_name: str
    code: str
    name: str
    device_type: str
    device_type_name: str
    manufacturer: str | None
    model: str | None
    serial_no: str | None
    accuracy_class: str | None
    calibration_interval_months: int | None
    last_calibrated_on: date | None
    calibration_due_on: date | None
    calibration_status: str
    status: str


# --- metering points -----------------------------------------------------------------------------


class MeteringPointBase(InModel):
    name: Name | None = None
    medium: str | None = None
    unit: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    measurement: Literal["cumulative", "instantaneous"] | None = None
    direction: Literal["import", "export", "internal"] | None = None
    multiplier: Annotated[Decimal | None, Field(gt=0, max_digits=16, decimal_places=6)] = None
    is_active: bool | None = None
    facility_id: Id | None = None
    device_id: Id | None = None
    # expected polling / upload interval in seconds (completeness = received / expected)
    expected_interval_seconds: Annotated[int | None, Field(ge=1, le=86400)] = None

    _medium = field_validator("medium")(_check_medium)


class MeteringPointCreate(MeteringPointBase):
    enterprise_id: Id
    code: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.\-]+$")]
    name: Name
    medium: str
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    measurement: Literal["cumulative", "instantaneous"] = "cumulative"
    direction: Literal["import", "export", "internal"] = "internal"


class MeteringPointUpdate(MeteringPointBase):
    code: Annotated[
        str | None, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.\-]+$")
    ] = None


class MeteringPointRead(BaseModel):
    id: int
    park_id: Id
    enterprise_id: Id
    enterprise_name: str
    facility_id: Id | None
    facility_name: str | None
    device_id: Id | None
    device_code: str | None
    code: str
    name: str
    medium: str
    medium_name: str
    unit: str
    measurement: str
    direction: str
    multiplier: DecimalStr
    is_active: bool
    expected_interval_seconds: int | None = None


# --- list filters (query parameters) -------------------------------------------------------------


class ListQuery(BaseModel):
    page: PageNo = 1
    size: PageSize = 20
    q: Annotated[str | None, Field(max_length=100)] = None
    sort: Annotated[str | None, Field(max_length=40)] = None


class ParkQuery(ListQuery):
    pass


class EnterpriseQuery(ListQuery):
    park_id: Id | None = None
    industry_code: str | None = None
    is_key_emitter: bool | None = None
    has_captive_power_plant: bool | None = None
    status: str | None = None


class FacilityQuery(ListQuery):
    enterprise_id: Id | None = None
    kind: str | None = None
    is_key_facility: bool | None = None


class ProcessQuery(ListQuery):
    enterprise_id: Id | None = None


class ProductQuery(ListQuery):
    enterprise_id: Id | None = None
    is_main_product: bool | None = None
    process_id: Id | None = None


class DeviceQuery(ListQuery):
    enterprise_id: Id | None = None
    device_type: str | None = None
    calibration_status: Literal["ok", "due_soon", "overdue", "unknown"] | None = None


class MeteringPointQuery(ListQuery):
    enterprise_id: Id | None = None
    facility_id: Id | None = None
    device_id: Id | None = None
    medium: str | None = None
    direction: str | None = None
