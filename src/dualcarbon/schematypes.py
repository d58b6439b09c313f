"""Pydantic field types shared by every domain's schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from dualcarbon.core.errors import FieldValueError

T = TypeVar("T")

MAX_ID = 2**63 - 1
# Every id in a path, query or body: database ids are positive 64-bit integers.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PageNo = Annotated[int, Field(ge=1, le=100_000)]
PageSize = Annotated[int, Field(ge=1, le=500)]
# Decimals travel as JSON strings so no digit is lost.
DecimalStr = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str,
                                                when_used="json")]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


class InModel(BaseModel):
    """Base of every request body: unknown fields are errors, text is trimmed, and a NUL
    character (which no database stores) is refused on the field that carries it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, v: object) -> object:
        if isinstance(v, str) and "\x00" in v:
            raise FieldValueError("field.nul_character")
        return v
