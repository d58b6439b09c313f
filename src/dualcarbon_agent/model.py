"""Readings as the agent handles them: point code, UTC timestamp (epoch ms), decimal text, flag."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

#: HJ 212-2017 data flags (表 8): N normal, F stopped, M maintenance, S manual set value,
#: D instrument fault, C calibrating, T over range, B communication failure.
QUALITY_FLAGS = frozenset("NFMSDCTB")


@dataclass(frozen=True, slots=True)
class Reading:
    point: str
    ts_ms: int
    value: str
    quality: str = "N"

    def __post_init__(self) -> None:
        if not self.point:
            raise ValueError("a reading needs a point code")
        if self.quality not in QUALITY_FLAGS:
            raise ValueError(f"quality {self.quality!r} is not an HJ 212 flag")
        check_decimal_text(self.value)

    @property
    def iso_ts(self) -> str:
        return iso_from_ms(self.ts_ms)


def check_decimal_text(value: str) -> None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"value {value!r} is not a decimal") from None
    if not number.is_finite():
        raise ValueError(f"value {value!r} is not finite")


def iso_from_ms(ts_ms: int) -> str:
    """``2026-11-24T05:00:00Z`` (milliseconds only when not zero)."""
    dt = datetime.fromtimestamp(ts_ms // 1000, UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if ts_ms % 1000:
        text += f".{ts_ms % 1000:03d}"
    return text + "Z"


def ms_from_datetime(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: timestamps must carry a time zone (UTC)")
    return round(dt.timestamp() * 1000)


def decimal_text(value: Decimal | int | float | str) -> str:
    """Decimal string keeping significant digits; floats use their shortest round-trip form."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not finite")
        return repr(value)
    text = str(value)
    check_decimal_text(text)
    return text


def float32_text(value: float) -> str:
    """Shortest decimal text that reads back as the same IEEE-754 single (12345.678, not
    12345.677734375)."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not finite")
    packed = struct.pack(">f", value)
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.pack(">f", float(text)) == packed:
            break
    number = Decimal(text)
    return format(number, "f") if "e" in text.lower() else text


def scaled(raw: Decimal | int | str, scale: str = "1", offset: str = "0") -> str:
    """``raw × scale + offset`` in exact decimal arithmetic."""
    result = Decimal(str(raw)) * Decimal(scale) + Decimal(offset)
    return format(result, "f")
