"""Alarm rule evaluation (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.core.alarms import Rule, Sample, completeness_pct, evaluate, expected_count

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def s(minutes: int, value: str, quality: str = "N") -> Sample:
    return Sample(T0 + timedelta(minutes=minutes), Decimal(value), quality)


def test_threshold_high_and_low():
    high = Rule("threshold_high", threshold=Decimal("100"))
    assert evaluate(high, [s(0, "100")], T0).fired is False
    f = evaluate(high, [s(0, "50"), s(5, "100.01")], T0)
    assert f.fired and f.value == Decimal("100.01") and f.reason.endswith("threshold-high")
    assert evaluate(Rule("threshold_low", threshold=Decimal("2")), [s(0, "1.9")], T0).fired


def test_rate_of_change_per_hour():
    rule = Rule("rate_of_change", threshold=Decimal("10"))
    assert evaluate(rule, [s(0, "100"), s(30, "104")], T0).fired is False  # 8 / h
    assert evaluate(rule, [s(0, "100"), s(30, "106")], T0).fired is True  # 12 / h
    assert evaluate(rule, [s(30, "106"), s(0, "100")], T0).fired is True  # order-independent


def test_flat_line_and_missing_data():
    now = T0 + timedelta(minutes=60)
    flat = Rule("flat_line", window_minutes=30, min_samples=3)
    assert evaluate(flat, [s(40, "5"), s(50, "5"), s(60, "5")], now).fired
    assert not evaluate(flat, [s(40, "5"), s(50, "5.1"), s(60, "5")], now).fired
    assert not evaluate(flat, [s(50, "5"), s(60, "5")], now).fired  # too few samples
    missing = Rule("missing_data", window_minutes=15)
    assert evaluate(missing, [s(40, "1")], now).fired
    assert not evaluate(missing, [s(50, "1")], now).fired


def test_cems_invalid_and_calibration():
    assert evaluate(Rule("cems_invalid"), [s(0, "1", "D")], T0).fired
    assert not evaluate(Rule("cems_invalid"), [s(0, "1", "N")], T0).fired
    cal = Rule("calibration_overdue")
    assert evaluate(cal, [], T0, date(2026, 11, 23)).fired
    assert not evaluate(cal, [], T0, date(2026, 11, 24)).fired


@given(st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), min_size=1, max_size=20),
       st.decimals(min_value=-1000, max_value=1000, places=2))
def test_threshold_fires_iff_latest_above(values, limit):
    samples = [s(i, str(v)) for i, v in enumerate(values)]
    assert evaluate(Rule("threshold_high", threshold=limit), samples, T0).fired == (
        values[-1] > limit)


def test_missing_data_by_completeness_against_the_expected_interval():
    now = T0 + timedelta(minutes=60)
    # one reading a minute expected, 10-minute window → 10 due; the limit defaults to 90 %
    rule = Rule("missing_data", window_minutes=10, expected_interval_s=60)
    eight = [s(50 + i, "1") for i in range(1, 9)]
    nine = [s(50 + i, "1") for i in range(1, 10)]
    got = evaluate(rule, eight, now)
    assert got.fired and got.value == Decimal("80.0")
    assert got.reason == "monitoring.alarm.incomplete-data"
    assert dict(got.params) == {"minutes": "10", "received": "8", "expected": "10",
                                "pct": "80.0", "limit": "90"}
    assert not evaluate(rule, nine, now).fired  # 90 % is enough
    assert not evaluate(rule, nine + nine, now).fired  # duplicates of a time count once
    assert evaluate(rule, [s(30, "1")] * 20 + eight, now).fired  # outside the window: ignored
    lax = Rule("missing_data", window_minutes=10, expected_interval_s=60, threshold=Decimal(50))
    assert not evaluate(lax, eight, now).fired
    # a caller that counted in the database passes the count (a long window holds many rows)
    assert evaluate(rule, [], now, received=8).fired
    assert not evaluate(rule, [], now, received=12).fired
    assert completeness_pct(13, 10) == Decimal("100.0") and completeness_pct(0, 0) == 100
    assert expected_count(86400, 30) == 2880 and expected_count(59, 60) == 0
