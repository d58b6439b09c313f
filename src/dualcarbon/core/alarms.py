"""Alarm rule evaluation (监控报警), pure: given a rule and a window of readings, say whether
the rule fires and why. Used on arrival (ingestion) and on schedule (missing data, flat line,
calibration overdue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

RuleKind = Literal["threshold_high", "threshold_low", "rate_of_change", "flat_line",
                   "missing_data", "cems_invalid", "calibration_overdue"]
RULE_KINDS: tuple[str, ...] = ("threshold_high", "threshold_low", "rate_of_change", "flat_line",
                               "missing_data", "cems_invalid", "calibration_overdue")


@dataclass(frozen=True)
class Sample:
    ts: datetime
    value: Decimal
    quality: str = "N"


@dataclass(frozen=True)
class Rule:
    kind: str
    threshold: Decimal | None = None  # limit for thresholds; max change per hour for rate
    window_minutes: int = 60  # flat line / missing data look-back
    min_samples: int = 3
    # the point's expected interval (s): missing data then means completeness below threshold
    expected_interval_s: int | None = None


@dataclass(frozen=True)
class Finding:
    fired: bool
    value: Decimal | None = None
    reason: str = ""  # i18n code, e.g. "monitoring.alarm.threshold-high"
    params: tuple[tuple[str, str], ...] = ()


NOT_FIRED = Finding(False)
# 重点用能单位在线监测: uploaded / expected ≥ 90 % (protocols.md §5.2) — the default limit
DEFAULT_COMPLETENESS_PCT = Decimal(90)


def completeness_pct(received: int, expected: int) -> Decimal:
    """received / expected × 100, one decimal, at most 100 (a resent or denser series does not
    make a period more than complete); 100 when nothing is expected."""
    if expected <= 0:
        return Decimal(100)
    pct = Decimal(min(received, expected) * 100) / Decimal(expected)
    return pct.quantize(Decimal("0.1"))


def expected_count(seconds: float, interval_s: int) -> int:
    """Readings expected in a period of ``seconds`` at one per ``interval_s``."""
    return int(seconds // interval_s) if interval_s > 0 else 0

# HJ 212 data flags that mark a sample as not valid for the CEMS validity rule (表 8): F stop,
# M maintenance, S set value, D fault, C calibration, T over range, B communication failure.
INVALID_FLAGS = frozenset({"F", "M", "S", "D", "C", "T", "B"})


def evaluate(rule: Rule, samples: Sequence[Sample], now: datetime,
             calibration_due: date | None = None, received: int | None = None) -> Finding:
    """`samples` are the point's readings, oldest first, covering at least the rule's window.
    ``received``: the count of readings in the window when the caller counted them (a long
    window of a fast series holds more readings than it passes as samples)."""
    ordered = sorted(samples, key=lambda s: s.ts)
    latest = ordered[-1] if ordered else None
    kind = rule.kind
    if kind == "threshold_high" and latest and rule.threshold is not None:
        if latest.value > rule.threshold:
            return Finding(True, latest.value, "monitoring.alarm.threshold-high",
                           (("limit", str(rule.threshold)),))
        return NOT_FIRED
    if kind == "threshold_low" and latest and rule.threshold is not None:
        if latest.value < rule.threshold:
            return Finding(True, latest.value, "monitoring.alarm.threshold-low",
                           (("limit", str(rule.threshold)),))
        return NOT_FIRED
    if kind == "rate_of_change" and len(ordered) >= 2 and rule.threshold is not None:
        a, b = ordered[-2], ordered[-1]
        hours = Decimal((b.ts - a.ts).total_seconds()) / Decimal(3600)
        if hours <= 0:
            return NOT_FIRED
        rate = abs(b.value - a.value) / hours
        if rate > rule.threshold:
            return Finding(True, b.value, "monitoring.alarm.rate-of-change",
                           (("rate", f"{rate:.4f}"), ("limit", str(rule.threshold))))
        return NOT_FIRED
    window_start = now - timedelta(minutes=rule.window_minutes)
    recent = [s for s in ordered if s.ts >= window_start]
    if kind == "flat_line":
        if len(recent) >= rule.min_samples and len({s.value for s in recent}) == 1:
            return Finding(True, recent[-1].value, "monitoring.alarm.flat-line",
                           (("minutes", str(rule.window_minutes)),))
        return NOT_FIRED
    if kind == "missing_data" and rule.expected_interval_s:
        expected = expected_count(rule.window_minutes * 60, rule.expected_interval_s)
        got = received if received is not None else len({s.ts for s in recent if s.ts <= now})
        pct = completeness_pct(got, expected)
        limit = rule.threshold if rule.threshold is not None else DEFAULT_COMPLETENESS_PCT
        if expected > 0 and pct < limit:
            return Finding(True, pct, "monitoring.alarm.incomplete-data",
                           (("minutes", str(rule.window_minutes)), ("received", str(got)),
                            ("expected", str(expected)), ("pct", str(pct)),
                            ("limit", format(limit.normalize(), "f"))))
        return NOT_FIRED
    if kind == "missing_data":
        if not recent:
            return Finding(True, None, "monitoring.alarm.missing-data",
                           (("minutes", str(rule.window_minutes)),))
        return NOT_FIRED
    if kind == "cems_invalid" and latest:
        if latest.quality in INVALID_FLAGS:
            return Finding(True, latest.value, "monitoring.alarm.cems-invalid",
                           (("flag", latest.quality),))
        return NOT_FIRED
    if kind == "calibration_overdue":
        if calibration_due is not None and calibration_due < now.date():
            return Finding(True, None, "monitoring.alarm.calibration-overdue",
                           (("due", calibration_due.isoformat()),))
        return NOT_FIRED
    return NOT_FIRED
