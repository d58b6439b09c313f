from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from dualcarbon.core.alarms import RULE_KINDS
from dualcarbon.core.errors import FieldValueError
from dualcarbon.core.qc import QC_KINDS
from dualcarbon.schematypes import DecimalStr, Id, InModel

Severity = Literal["info", "warning", "critical"]


class RuleIn(InModel):
    enterprise_id: Id
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: str
    point_id: Id | None = None
    device_id: Id | None = None
    threshold: Annotated[Decimal | None, Field(max_digits=20, decimal_places=6)] = None
    window_minutes: Annotated[int, Field(ge=1, le=10080)] = 60
    min_samples: Annotated[int, Field(ge=2, le=1000)] = 3
    severity: Severity = "warning"
    is_active: bool = True

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in RULE_KINDS:
            raise FieldValueError("field.literal_error", expected=", ".join(RULE_KINDS))
        return v


class RuleUpdate(InModel):
    name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    threshold: Annotated[Decimal | None, Field(max_digits=20, decimal_places=6)] = None
    window_minutes: Annotated[int | None, Field(ge=1, le=10080)] = None
    min_samples: Annotated[int | None, Field(ge=2, le=1000)] = None
    severity: Severity | None = None
    is_active: bool | None = None


class RuleRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: Id
    name: str
    kind: str
    point_id: Id | None
    device_id: Id | None
    threshold: DecimalStr | None
    window_minutes: int
    min_samples: int
    severity: str
    is_active: bool


class EventRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: Id
    rule_id: int
    rule_name: str
    point_id: Id | None
    device_id: Id | None
    kind: str
    severity: str
    status: str
    raised_at: datetime
    value: DecimalStr | None
    reason: str
    message: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    handled_by: str | None
    handled_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    comments: list[dict[str, Any]] = []


class TransitionIn(InModel):
    action: Literal["acknowledge", "handle", "close", "comment"]
    comment: Annotated[str, Field(max_length=2000)] = ""


class OmIn(InModel):
    enterprise_id: Id
    kind: Literal["maintenance", "filing", "material", "personnel"]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str | None, Field(max_length=4000)] = None
    device_id: Id | None = None
    point_id: Id | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    personnel: Annotated[str | None, Field(max_length=200)] = None
    materials: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    status: Literal["open", "done"] = "open"


class OmUpdate(InModel):
    title: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    description: Annotated[str | None, Field(max_length=4000)] = None
    ended_at: datetime | None = None
    personnel: Annotated[str | None, Field(max_length=200)] = None
    materials: list[dict[str, Any]] | None = Field(default=None, max_length=100)
    status: Literal["open", "done"] | None = None


class OmRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: Id
    kind: str
    title: str
    description: str | None
    device_id: Id | None
    point_id: Id | None
    started_at: datetime | None
    ended_at: datetime | None
    personnel: str | None
    materials: list[dict[str, Any]]
    status: str
    created_by: str
    created_at: datetime


class QcIn(InModel):
    enterprise_id: Id
    kind: str
    device_id: Id | None = None
    point_id: Id | None = None
    performed_at: datetime
    reference_value: Annotated[Decimal, Field(max_digits=20, decimal_places=6)]
    measured_value: Annotated[Decimal, Field(max_digits=20, decimal_places=6)]
    full_scale: Annotated[Decimal | None, Field(gt=0, max_digits=20, decimal_places=6)] = None
    limit_value: Annotated[Decimal | None, Field(gt=0, max_digits=20, decimal_places=6)] = None
    note: Annotated[str | None, Field(max_length=2000)] = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in QC_KINDS:
            raise FieldValueError("field.literal_error", expected=", ".join(QC_KINDS))
        return v


class QcReviewIn(InModel):
    decision: Literal["approve", "reject"]
    comment: Annotated[str, Field(max_length=2000)] = ""


class QcRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int
    kind: str
    device_id: int | None
    point_id: int | None
    performed_at: datetime
    performed_by: str
    reference_value: DecimalStr
    measured_value: DecimalStr
    full_scale: DecimalStr | None
    result_value: DecimalStr
    limit_value: DecimalStr
    limit_tier: str
    passed: bool
    note: str | None
    status: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str | None
