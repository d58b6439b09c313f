"""CEMS quality-control checks (质控, clause 8.4-c): drift and relative-accuracy figures and their
pass/fail limits. Limits are from memory of HJ 75-2017 analogues (protocols.md §2.6, tier M):
they are defaults the park can change, and the UI shows them as unverified."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

QC_KINDS: tuple[str, ...] = ("zero_drift", "span_drift", "relative_accuracy", "flow_accuracy",
                             "temperature", "moisture")


@dataclass(frozen=True)
class Limit:
    value: Decimal
    unit: str  # "%FS" | "%" | "degC"
    tier: str = "M"
    source: str = "HJ 75-2017 analogue, protocols.md §2.6 (unverified)"


DEFAULT_LIMITS: dict[str, Limit] = {
    "zero_drift": Limit(Decimal("2.5"), "%FS"),
    "span_drift": Limit(Decimal("2.5"), "%FS"),
    "relative_accuracy": Limit(Decimal("10"), "%"),
    "flow_accuracy": Limit(Decimal("10"), "%"),
    "temperature": Limit(Decimal("3"), "degC"),
    "moisture": Limit(Decimal("25"), "%"),
}

_Q = Decimal("0.001")


def qc_result(kind: str, reference: Decimal, measured: Decimal,
              full_scale: Decimal | None) -> Decimal:
    """The figure compared against the limit: drift in % of full scale for zero/span checks,
    relative error in % for accuracy checks, absolute difference in °C for temperature."""
    diff = measured - reference
    if kind in ("zero_drift", "span_drift"):
        if not full_scale or full_scale <= 0:
            raise ValueError("full scale required for drift checks")
        return (abs(diff) / full_scale * 100).quantize(_Q)
    if kind == "temperature":
        return abs(diff).quantize(_Q)
    if reference == 0:
        raise ValueError("reference value must not be zero for a relative check")
    return (abs(diff) / abs(reference) * 100).quantize(_Q)


def passes(kind: str, result: Decimal, limit: Decimal | None = None) -> bool:
    return result <= (limit if limit is not None else DEFAULT_LIMITS[kind].value)
