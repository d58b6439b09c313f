from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from dualcarbon.core.errors import FieldValueError
from dualcarbon.schematypes import DecimalStr, Id, InModel

Quantity = Annotated[Decimal, Field(max_digits=24, decimal_places=10, ge=0)]


# an MQTT topic level: no '+', '#' or '/' (protocols.md §4.4), ASCII
MqttEdge = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class DeviceKeyIn(InModel):
    enterprise_id: Id
    name: Annotated[str, Field(min_length=1, max_length=100)]
    algorithm: Literal["hmac-sm3", "hmac-sha256"] = "hmac-sm3"
    # the MQTT edge this key signs for: that edge must then sign every envelope
    mqtt_edge: MqttEdge | None = None


class DeviceKeyUpdate(InModel):
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    algorithm: Literal["hmac-sm3", "hmac-sha256"] | None = None
    mqtt_edge: MqttEdge | None = None  # null unbinds


class DeviceKeyRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    key_id: str
    name: str
    algorithm: str
    is_active: bool
    revoked_at: datetime | None
    rotated_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime
    created_by: str
    mqtt_edge: str | None


class DeviceKeyIssued(DeviceKeyRead):
    """Returned once, at creation and rotation: the secret is never shown again."""

    secret: str


class ReplacementIn(InModel):
    point_id: Id
    replaced_at: AwareDatetime
    old_final_value: Quantity
    new_initial_value: Quantity
    old_serial_no: Annotated[str | None, Field(max_length=60)] = None
    new_serial_no: Annotated[str | None, Field(max_length=60)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


class ReplacementRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    point_id: int
    replaced_at: datetime
    old_final_value: DecimalStr
    new_initial_value: DecimalStr
    old_serial_no: str | None
    new_serial_no: str | None
    note: str | None
    created_by: str
    created_at: datetime


def _first_of_month(v: date) -> date:
    if v.day != 1:
        raise FieldValueError("collection.month.first-day")
    return v


class InvoiceIn(InModel):
    point_id: Id
    month: date
    kind: Literal["invoice", "manual"] = "invoice"
    quantity: Quantity
    unit: Annotated[str | None, Field(max_length=20)] = None
    document_no: Annotated[str | None, Field(max_length=60)] = None
    supplier: Annotated[str | None, Field(max_length=100)] = None
    amount_cny: Annotated[Decimal | None, Field(max_digits=16, decimal_places=2)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None

    _month = field_validator("month")(_first_of_month)


class InvoiceUpdate(InModel):
    quantity: Quantity | None = None
    document_no: Annotated[str | None, Field(max_length=60)] = None
    supplier: Annotated[str | None, Field(max_length=100)] = None
    amount_cny: Annotated[Decimal | None, Field(max_digits=16, decimal_places=2)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


class InvoiceRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    point_id: int
    month: date
    kind: str
    quantity: DecimalStr
    unit: str
    document_no: str | None
    supplier: str | None
    amount_cny: DecimalStr | None
    note: str | None
    created_by: str


class BatchRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int | None
    source: str
    batch_ref: str | None
    device_key_id: int | None
    received_at: datetime
    accepted: int
    duplicates: int
    rejected_count: int
    rejected: list[dict[str, object]]
    created_by: str | None


class CorrectionIn(InModel):
    """A corrected value for a stored reading; the value is a decimal string (its digits are
    kept), the reason is required."""

    point_id: Id
    ts: AwareDatetime
    value: Annotated[str, Field(min_length=1, max_length=40)]
    reason: Annotated[str, Field(min_length=2, max_length=500)]


class CorrectionRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    point_id: int
    point_code: str | None
    point_name: str | None
    unit: str | None
    ts: datetime
    original_value: DecimalStr
    old_value: DecimalStr
    new_value: DecimalStr
    reason: str
    created_by: str
    created_at: datetime
