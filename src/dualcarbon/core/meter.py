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


# --------------------------------------------------------------------------- records and ledgers

LedgerSource = Literal["meter", "invoice", "manual", "none"]


@dataclass(frozen=True, slots=True)
class BucketFigures:
    """What the rollup of one point in one bucket (day or month) says."""

    count: int
    consumption: Decimal | None  # cumulative registers (× multiplier)
    sum_value: Decimal
    min_value: Decimal | None
    max_value: Decimal | None
    first_value: Decimal | None
    last_value: Decimal | None


def mean(total: Decimal, count: int) -> Decimal | None:
    """Mean of an instantaneous quantity, to 6 decimal places."""
    return (total / count).quantize(Decimal("0.000001")) if count else None


@dataclass(frozen=True, slots=True)
class DailyRecord:
    """日记录: one point, one local day."""

    quantity: Decimal | None  # consumption (cumulative) or the mean (instantaneous)
    count: int
    min_value: Decimal | None
    max_value: Decimal | None
    first_read: Decimal | None
    last_read: Decimal | None
    expected_count: int | None
    completeness_pct: Decimal | None


def daily_record(fig: BucketFigures | None, *, cumulative: bool,
                 expected_count: int | None = None) -> DailyRecord:
    if fig is None:
        return DailyRecord(None, 0, None, None, None, None, expected_count,
                           Decimal("0.0") if expected_count else None)
    quantity = fig.consumption if cumulative else mean(fig.sum_value, fig.count)
    completeness = None
    if expected_count:
        completeness = min(Decimal(100), Decimal(fig.count * 100) / expected_count).quantize(
            Decimal("0.1"))
    return DailyRecord(quantity, fig.count, fig.min_value, fig.max_value, fig.first_value,
                       fig.last_value, expected_count, completeness)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """月台帐 line: one point, one month. ``quantity`` is what feeds the accounting activity data:
    the meter figure when the meter has data, else the settlement invoice, else a manual entry."""

    quantity: Decimal | None
    source: LedgerSource
    meter_quantity: Decimal | None
    invoice_quantity: Decimal | None
    manual_quantity: Decimal | None
    readings: int
    deviation_pct: Decimal | None  # meter vs invoice, (meter − invoice) / invoice × 100
    check: Literal["ok", "deviation", "no-invoice", "no-meter", "none"]


def deviation_pct(meter_qty: Decimal, invoice_qty: Decimal) -> Decimal | None:
    if invoice_qty == 0:
        return None
    return ((meter_qty - invoice_qty) / invoice_qty * 100).quantize(Decimal("0.01"))


def ledger_line(
    fig: BucketFigures | None,
    *,
    cumulative: bool,
    invoice: Decimal | None = None,
    manual: Decimal | None = None,
    tolerance_pct: Decimal = Decimal(2),
) -> LedgerLine:
    """One month of one point, with the 8.4-b cross-check of meter against invoice."""
    readings = fig.count if fig else 0
    meter_qty: Decimal | None = None
    if fig is not None:
        if cumulative:
            meter_qty = fig.consumption  # None: no interval ends in the month yet
        elif fig.count:
            meter_qty = mean(fig.sum_value, fig.count)
    source: LedgerSource
    if meter_qty is not None and cumulative:
        quantity, source = meter_qty, "meter"
    elif invoice is not None:
        quantity, source = invoice, "invoice"
    elif manual is not None:
        quantity, source = manual, "manual"
    elif meter_qty is not None:
        quantity, source = meter_qty, "meter"
    else:
        quantity, source = None, "none"
    dev: Decimal | None = None
    check: Literal["ok", "deviation", "no-invoice", "no-meter", "none"]
    if meter_qty is not None and invoice is not None and cumulative:
        dev = deviation_pct(meter_qty, invoice)
        if dev is None:
            check = "ok" if meter_qty == invoice else "deviation"
        else:
            check = "ok" if abs(dev) <= tolerance_pct else "deviation"
    elif invoice is not None:
        check = "no-meter"
    elif meter_qty is not None:
        check = "no-invoice"
    else:
        check = "none"
    return LedgerLine(quantity, source, meter_qty, invoice, manual, readings, dev, check)
