"""Accounting-run request and response bodies. Decimals travel as strings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from dualcarbon.schematypes import DecimalStr, Id, InModel


class EnterpriseRunIn(InModel):
    """Account an enterprise for a month, quarter or year. `document` is the activity document
    (docs/examples/accounting/*.json shape); without it the approved activity data is used."""

    enterprise_id: Id
    period_start: date
    period_end: date
    document: dict[str, Any] | None = None


class ParkRunIn(InModel):
    """Aggregate the park. With `refresh_enterprises`, each enterprise with approved activity
    data in the period is first accounted for exactly this period from it."""

    park_id: Id
    period_start: date
    period_end: date
    refresh_enterprises: bool = False


class RunRead(BaseModel):
    id: int
    park_id: int
    enterprise_id: int | None
    level: str
    period_start: date
    period_end: date
    period_kind: str
    methodology: str
    status: str
    trigger: str
    rerun_of: int | None
    error: str | None
    total_tco2e: DecimalStr | None
    created_by: str
    created_at: datetime
    parameter_count: int


class RunDetail(RunRead):
    parameter_refs: list[dict[str, Any]]
    document: dict[str, Any]
    result: dict[str, Any] | None


def decimal_or_none(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))
