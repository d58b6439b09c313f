"""Synthetic source for commissioning and demos: deterministic values per (point, slot), so a
re-poll of a slot yields the same reading. ``gauge`` = base + amplitude·sin(day phase);
``counter`` = base + rate_per_h × hours since 2020-01-01 (monotonic, like an energy register)."""

from __future__ import annotations

import math
from decimal import Decimal

from ..config import SourceConfig
from ..model import Reading
from .base import PollingDriver

EPOCH_2020_MS = 1_577_836_800_000


class SimulatedDriver(PollingDriver):
    def __init__(self, cfg: SourceConfig) -> None:
        self.cfg = cfg
        self.name = cfg.name
        self.interval_s = cfg.interval_s
        self.timeout_s = 5.0
        self.polls = 0

    async def poll(self, ts_ms: int) -> list[Reading]:
        self.polls += 1
        out = []
        for p in self.cfg.points:
            if p.kind == "counter":
                hours = Decimal(ts_ms - EPOCH_2020_MS) / Decimal(3_600_000)
                value = Decimal(p.base) + Decimal(p.rate_per_h) * hours
            else:
                phase = math.sin(2 * math.pi * (ts_ms % 86_400_000) / 86_400_000)
                value = Decimal(p.base) + Decimal(p.amplitude) * Decimal(repr(round(phase, 6)))
            out.append(Reading(p.point, ts_ms, str(value.quantize(Decimal("0.001")))))
        return out
