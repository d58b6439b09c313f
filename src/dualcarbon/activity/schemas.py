from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dualcarbon.activity.kinds import KINDS
from dualcarbon.core.errors import FieldValueError
from dualcarbon.schematypes import DecimalStr, Id, InModel

DataSource = Literal["meter_ledger", "invoice", "lab_test", "default"]
Qty = Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=8)]
Param = Annotated[Decimal, Field(max_digits=20, decimal_places=8)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]


class ShareIn(InModel):
    target_id: Id  # a facility or process of the enterprise (see `level`)
    use: Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=8)]


class AllocationIn(InModel):
    """How the source's emissions are split among the facilities or processes it serves:
    their measured use (any one unit, e.g. metered steam t) or fractions that sum to 1."""

    level: Literal["facility", "process"]
    basis: Literal["measured", "fraction"] = "measured"
    shares: Annotated[list[ShareIn], Field(min_length=1, max_length=100)]


class SourceIn(InModel):
    enterprise_id: Id
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: str
    unit: Annotated[str, Field(min_length=1, max_length=20)]
    settings: dict[str, Any] = Field(default_factory=dict)
    facility_id: Id | None = None
    process_id: Id | None = None
    point_id: Id | None = None
    point_factor: Annotated[Decimal | None, Field(gt=0, max_digits=20, decimal_places=10)] = None
    sort_order: int = 0
    is_active: bool = True
    allocation: AllocationIn | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in KINDS:
            raise FieldValueError("field.literal_error", expected=", ".join(KINDS))
        return v


class SourceUpdate(InModel):
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    unit: Annotated[str | None, Field(min_length=1, max_length=20)] = None
    settings: dict[str, Any] | None = None
    facility_id: Id | None = None
    process_id: Id | None = None
    point_id: Id | None = None
    point_factor: Annotated[Decimal | None, Field(gt=0, max_digits=20, decimal_places=10)] = None
    sort_order: int | None = None
    is_active: bool | None = None
    allocation: AllocationIn | None = None  # null removes the split


class SourceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    code: str
    name: str
    kind: str
    unit: str
    settings: dict[str, Any]
    facility_id: int | None
    process_id: int | None
    point_id: int | None
    point_factor: DecimalStr | None
    sort_order: int
    is_active: bool
    allocation: dict[str, Any] | None = None


class DatasetIn(InModel):
    enterprise_id: Id
    month: date  # any day of the month

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, v: Any) -> Any:
        if isinstance(v, str) and len(v) == 7:
            return f"{v}-01"
        return v


class RecordIn(InModel):
    source_id: Id
    quantity: Qty
    unit: Annotated[str | None, Field(max_length=20)] = None
    ncv: Annotated[Decimal | None, Field(ge=0, max_digits=20, decimal_places=8)] = None
    carbon_content: Annotated[Decimal | None, Field(ge=0, max_digits=20, decimal_places=8)] = None
    params: dict[str, Param] = Field(default_factory=dict)
    data_source: DataSource = "meter_ledger"
    comment: Annotated[str | None, Field(max_length=2000)] = None


class RecordUpdate(InModel):
    quantity: Qty | None = None
    ncv: Annotated[Decimal | None, Field(ge=0, max_digits=20, decimal_places=8)] = None
    carbon_content: Annotated[Decimal | None, Field(ge=0, max_digits=20, decimal_places=8)] = None
    params: dict[str, Param] | None = None
    data_source: DataSource | None = None
    comment: Annotated[str | None, Field(max_length=2000)] = None


class ReviewIn(InModel):
    comment: Annotated[str | None, Field(max_length=2000)] = None


class CorrectIn(InModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    record_id: int
    filename: str
    content_type: str | None
    size_bytes: int
    sha256: str
    created_by: str
    created_at: datetime


class AttachmentLimits(BaseModel):
    max_bytes: int
    extensions: list[str]


class RecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    dataset_id: int
    source_id: int
    quantity: DecimalStr
    unit: str
    ncv: DecimalStr | None
    carbon_content: DecimalStr | None
    params: dict[str, Any]
    data_source: str
    comment: str | None
    updated_by: str
    updated_at: datetime
    attachments: list[AttachmentRead] = []


class DatasetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    park_id: int
    enterprise_id: int
    month: date
    version: int
    status: str
    created_by: str
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str | None
    correction_reason: str | None
    previous_id: int | None
    records: list[RecordRead] = []


class OptionsIn(InModel):
    """The enterprise's accounting options; a field left out keeps its default."""

    methodology: Literal["NDRC-2013-chemical", "MEE-power-2022"] = "NDRC-2013-chemical"
    gwp_set: Literal["SAR", "AR4", "AR5", "AR6"] = "SAR"
    fuel_table: Literal["A", "B", "C"] = "A"
    grid_scope: Literal["auto", "province", "region", "national"] = "auto"
    grid_province_code: str | None = None  # GB/T 2260; empty = the park's province
    grid_region: str | None = None  # regional grid id; empty = the province's (or the park's)
    grid_year: Annotated[int | None, Field(ge=2000, le=2100)] = None
    electricity_view_for_total: Literal["location", "market", "ets"] = "location"
    electricity_equal_value: bool = False

    @field_validator("grid_province_code")
    @classmethod
    def _province(cls, v: str | None) -> str | None:
        from dualcarbon.registry import reference

        if v is not None and v not in reference.provinces():
            raise FieldValueError("registry.province-code.unknown")
        return v

    @field_validator("grid_region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        from dualcarbon.core import registry_rules

        if v is not None and v not in registry_rules.GRID_REGIONS:
            raise FieldValueError("registry.grid-region.unknown")
        return v


class GridLocation(BaseModel):
    province_code: str | None
    grid_region: str | None
    province: str | None  # the grid-factor key the engine looks up (e.g. jiangsu)
    region: str | None  # (e.g. east)


class OptionsRead(BaseModel):
    enterprise_id: int
    methodology: str
    gwp_set: str
    fuel_table: str
    grid_scope: str
    grid_province_code: str | None
    grid_region: str | None
    grid_year: int | None
    electricity_view_for_total: str
    electricity_equal_value: bool
    is_default: bool  # nothing stored yet: the defaults apply
    updated_by: str | None = None
    updated_at: datetime | None = None
    grid_location: GridLocation  # where the grid factor is looked up, after the park's defaults
