"""Helpers to write catalogue rows compactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..parameters import Parameter
from ..tiers import ProvenanceTier


def param(
    key: str,
    value: str,
    unit: str,
    methodology: str,
    version: str,
    tag: str,
    source: str,
    clause: str = "",
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
    note: str = "",
) -> Parameter:
    return Parameter(
        key=key,
        value=Decimal(value),
        unit=unit,
        methodology=methodology,
        version=version,
        valid_from=valid_from,
        valid_to=valid_to,
        source_document=source,
        clause=clause,
        tier=ProvenanceTier.from_tag(tag),
        note=note,
    )


def year_range(year: int, open_end: bool = False) -> tuple[date, date | None]:
    return date(year, 1, 1), (None if open_end else date(year, 12, 31))
