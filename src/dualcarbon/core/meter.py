"""Meter semantics (pure): cumulative registers → interval consumption, with register rollover
and meter replacement (换表); daily records (日记录) and monthly ledgers (月台帐) derived from
rollups; manual/invoice entries as fallback; the ledger-vs-settlement-invoice cross-check (8.4-b).

Interval consumption between two successive reads ``(t0, v0) → (t1, v1)`` of one register:

- a meter replacement recorded at ``t0 < at ≤ t1`` →
  ``(old_final − v0) + (v1 − new_initial)`` (both meters' share of the interval);
- ``v1 ≥ v0`` → ``v1 − v0``;
- ``v1 < v0`` and ``v0`` is in the top 10 % of its register (10^k, k = digits of the integer
  part of ``v0``) and ``v1`` in the bottom 10 % → rollover: ``10^k − v0 + v1``;
- any other decrease → a register reset (power loss, meter swapped without a record): the
  register restarted from 0, the interval counts ``v1`` and is flagged ``reset``.

The result is multiplied by the point's multiplier (CT/PT ratio, 倍率).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

DeltaKind = Literal["normal", "rollover", "replacement", "reset"]


@dataclass(frozen=True, slots=True)
class Replacement:
    """换表: the old meter read ``old_final`` when removed, the new one ``new_initial`` when
    fitted, at instant ``at``."""

    at: datetime
    old_final: Decimal
    new_initial: Decimal


@dataclass(frozen=True, slots=True)
class Delta:
    value: Decimal
    kind: DeltaKind


def register_modulus(value: Decimal) -> Decimal:
    """The register size a value lives in: 10^(digits of its integer part), at least 10."""
    digits = len(str(int(abs(value)))) if value >= 1 else 1
    return Decimal(10) ** max(digits, 1)


def interval_delta(
    t0: datetime,
    v0: Decimal,
    t1: datetime,
    v1: Decimal,
    replacements: Sequence[Replacement] = (),
    multiplier: Decimal = Decimal(1),
) -> Delta:
    """Consumption between two successive reads of one register (t0 < t1)."""
    swaps = sorted((r for r in replacements if t0 < r.at <= t1), key=lambda r: r.at)
    if swaps:
        # old meter up to the first swap, new meter(s) after; intermediate meters in between
        total = swaps[0].old_final - v0
        for prev, nxt in itertools.pairwise(swaps):
            total += nxt.old_final - prev.new_initial
        total += v1 - swaps[-1].new_initial
        return Delta(total * multiplier, "replacement")
    if v1 >= v0:
        return Delta((v1 - v0) * multiplier, "normal")
    modulus = register_modulus(v0)
    if v0 >= modulus * Decimal("0.9") and v1 < modulus * Decimal("0.1"):
        return Delta((modulus - v0 + v1) * multiplier, "rollover")
    return Delta(v1 * multiplier, "reset")


def chain_deltas(
    reads: Sequence[tuple[datetime, Decimal]],
    replacements: Sequence[Replacement] = (),
    multiplier: Decimal = Decimal(1),
) -> list[tuple[datetime, Delta]]:
    """Deltas of successive reads (sorted by time); each keyed by the read that ends it."""
    out = []
    for (t0, v0), (t1, v1) in itertools.pairwise(reads):
        out.append((t1, interval_delta(t0, v0, t1, v1, replacements, multiplier)))
    return out
