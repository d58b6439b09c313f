"""Reading validation and time buckets for ingestion (pure, no I/O).

- A value is kept *as read* (8.2): the decimal string's significant digits are preserved
  (``"123.40"`` stays ``123.40``); floats are refused, they have no significant digits.
- Plausibility: finite, below 10^15 in magnitude, not negative for a cumulative register,
  and inside the physical range of its unit where one exists (% in 0–100, ℃ above −273.15 …).
- Time sanity: aware, not before 2000-01-01, not more than ``FUTURE_TOLERANCE`` ahead of now.
- Buckets (hour / day / month) are aligned to the park's local time zone (日/月 are local days and
  months), stored as the UTC instant of the bucket start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

FUTURE_TOLERANCE: Final = timedelta(minutes=5)
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
MAX_MAGNITUDE: Final = Decimal(10) ** 15
QUALITY_FLAGS: Final = frozenset({"N", "F", "M", "S", "D", "C", "T", "B", "H", "P"})
GRAINS: Final = ("h", "d", "m")

# unit -> (min, max) physical range, inclusive; None means unbounded on that side
UNIT_RANGES: Final[dict[str, tuple[Decimal | None, Decimal | None]]] = {
    "%": (Decimal(0), Decimal(100)),
    "℃": (Decimal("-273.15"), Decimal(3000)),
    # kPa is also the unit of flue-gas static pressure (HJ 212 a01013), a gauge value that is
    # often below zero; it cannot be below a full vacuum
    "kPa": (Decimal("-101.325"), None),
    "MPa": (Decimal(0), None),
    "mg/m3": (Decimal(0), None),
    "t/h": (Decimal(0), None),
    "Nm3/h": (Decimal(0), None),
    "m3/h": (Decimal(0), None),
    "m3/s": (Decimal(0), None),
    "MJ/kg": (Decimal(0), Decimal(200)),
}


class ReadingRejected(ValueError):
    """One reading refused; ``code`` is the i18n reason (``ingest.<…>``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_value(raw: object) -> Decimal:
    """The value exactly as read: a ``Decimal`` or a decimal string, digits preserved."""
    if isinstance(raw, (bool, float)):
        raise ReadingRejected("ingest.bad-value")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise ReadingRejected("ingest.bad-value") from None
    else:
        raise ReadingRejected("ingest.bad-value")
    if not value.is_finite():
        raise ReadingRejected("ingest.bad-value")
    return value


def check_value(value: Decimal, *, unit: str, cumulative: bool) -> None:
    if abs(value) >= MAX_MAGNITUDE:
        raise ReadingRejected("ingest.out-of-range")
    if cumulative and value < 0:
        raise ReadingRejected("ingest.out-of-range")
    low, high = UNIT_RANGES.get(unit, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        raise ReadingRejected("ingest.out-of-range")


def check_ts(ts: datetime, now: datetime) -> datetime:
    if not isinstance(ts, datetime) or ts.tzinfo is None or ts.utcoffset() is None:
        raise ReadingRejected("ingest.bad-timestamp")
    ts = ts.astimezone(UTC)
    if ts < EARLIEST:
        raise ReadingRejected("ingest.bad-timestamp")
    if ts > now + FUTURE_TOLERANCE:
        raise ReadingRejected("ingest.future-timestamp")
    return ts


def check_quality(flag: str | None) -> str:
    flag = (flag or "N").strip().upper()
    if flag not in QUALITY_FLAGS:
        raise ReadingRejected("ingest.bad-quality")
    return flag


# --------------------------------------------------------------------------- buckets


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def bucket_start(ts: datetime, grain: str, tz: str) -> datetime:
    """UTC instant of the start of the local hour/day/month that contains ``ts``."""
    local = ts.astimezone(_zone(tz))
    if grain == "h":
        start = local.replace(minute=0, second=0, microsecond=0)
    elif grain == "d":
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elif grain == "m":
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    else:
        raise ValueError(f"unknown grain {grain!r}")
    # re-attach the zone so a DST-observing zone gets the offset valid at the bucket start
    return start.replace(tzinfo=None).replace(tzinfo=_zone(tz)).astimezone(UTC)


def interval_bucket(ts: datetime, grain: str, tz: str) -> datetime:
    """Bucket of the interval that *ends* at ``ts``: a register read exactly at 00:00 closes the
    previous day, so consumption (prev, ts] belongs to the bucket of ``ts − 1 µs``."""
    return bucket_start(ts - timedelta(microseconds=1), grain, tz)


def next_bucket(start: datetime, grain: str, tz: str) -> datetime:
    local = start.astimezone(_zone(tz))
    if grain == "h":
        return start + timedelta(hours=1)
    if grain == "d":
        nxt = (local.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=_zone(tz))
        return nxt.astimezone(UTC)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return local.replace(year=year, month=month, tzinfo=None).replace(
        tzinfo=_zone(tz)).astimezone(UTC)


@dataclass(slots=True)
class Acc:
    """Aggregates of one point in one bucket (hour/day/month), mergeable in any order.

    ``count``/``sum``/``min``/``max``/``first``/``last`` cover the readings stamped inside the
    bucket; ``consumption`` is the interval consumption of a cumulative register attributed to
    the bucket (× multiplier; None for instantaneous quantities). A bucket may carry consumption
    without readings (a read at 00:00 closes the previous day)."""

    count: int = 0
    sum_value: Decimal = Decimal(0)
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    first_ts: datetime | None = None
    first_value: Decimal | None = None
    last_ts: datetime | None = None
    last_value: Decimal | None = None
    consumption: Decimal | None = None

    def add_reading(self, ts: datetime, value: Decimal) -> None:
        self.count += 1
        self.sum_value += value
        self.min_value = value if self.min_value is None else min(self.min_value, value)
        self.max_value = value if self.max_value is None else max(self.max_value, value)
        if self.first_ts is None or ts < self.first_ts:
            self.first_ts, self.first_value = ts, value
        if self.last_ts is None or ts > self.last_ts:
            self.last_ts, self.last_value = ts, value

    def add_consumption(self, delta: Decimal) -> None:
        self.consumption = delta if self.consumption is None else self.consumption + delta

    def merge(self, other: Acc) -> None:
        self.count += other.count
        self.sum_value += other.sum_value
        for attr, pick in (("min_value", min), ("max_value", max)):
            mine, theirs = getattr(self, attr), getattr(other, attr)
            if theirs is not None:
                setattr(self, attr, theirs if mine is None else pick(mine, theirs))
        if other.first_ts is not None and (self.first_ts is None or other.first_ts < self.first_ts):
            self.first_ts, self.first_value = other.first_ts, other.first_value
        if other.last_ts is not None and (self.last_ts is None or other.last_ts > self.last_ts):
            self.last_ts, self.last_value = other.last_ts, other.last_value
        if other.consumption is not None:
            self.add_consumption(other.consumption)
