"""Factor-library request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dualcarbon.core.accounting.tiers import ProvenanceTier
from dualcarbon.core.errors import FieldValueError
from dualcarbon.schematypes import DecimalStr, Id, InModel

Text40 = Annotated[str, Field(min_length=1, max_length=40)]


class ParameterIn(InModel):
    """A new version of a parameter. `park_id` empty: a platform default (platform
    administrators only); otherwise the park's override."""

    park_id: Id | None = None
    methodology: Text40
    key: Annotated[str, Field(min_length=1, max_length=120)]
    version: Annotated[str, Field(min_length=1, max_length=60)]
    value: Annotated[DecimalStr, Field(allow_inf_nan=False, max_digits=40)]
    unit: Annotated[str, Field(max_length=40)] = ""
    valid_from: date | None = None
    valid_to: date | None = None
    source_document: Annotated[str, Field(max_length=500)] = ""
    clause: Annotated[str, Field(max_length=200)] = ""
    tier: ProvenanceTier = ProvenanceTier.USER
    note: Annotated[str, Field(max_length=2000)] = ""

    @model_validator(mode="after")
    def _range(self) -> ParameterIn:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise FieldValueError("factors.valid-range")
        return self


class ParameterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    park_id: int | None
    methodology: str
    key: str
    version: str
    value: DecimalStr
    unit: str
    valid_from: date | None
    valid_to: date | None
    source_document: str
    clause: str
    tier: str
    tier_label_zh: str = ""
    note: str
    origin: str
    created_by: str
    created_at: datetime

    @model_validator(mode="after")
    def _label(self) -> ParameterRead:
        self.tier_label_zh = ProvenanceTier(self.tier).label_zh
        return self


class ImportResult(BaseModel):
    created: int
    ids: list[int]
