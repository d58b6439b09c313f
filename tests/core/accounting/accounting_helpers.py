"""Shared helpers of the accounting engine tests."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from dualcarbon.core.accounting.dataio import activity_from_json
from dualcarbon.core.accounting.model import ActivityDocument

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "accounting"


def r2(x: Decimal, places: int = 2) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def load(name: str) -> ActivityDocument:
    return activity_from_json((EXAMPLES / name).read_text(encoding="utf-8"))
