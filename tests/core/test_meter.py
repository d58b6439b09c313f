"""Meter semantics: register deltas (rollover, replacement, reset), ledgers, cross-check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.core import meter

T = datetime(2026, 5, 1, tzinfo=UTC)
H = timedelta(hours=1)


def test_normal_and_multiplier():
    d = meter.interval_delta(T, D("100.5"), T + H, D("103.0"), multiplier=D(40))
    assert d == meter.Delta(D("100.0"), "normal")


def test_rollover_of_an_8_digit_register():
    d = meter.interval_delta(T, D("99999990"), T + H, D("15"))
    assert d == meter.Delta(D(25), "rollover")


def test_decrease_that_is_no_rollover_is_a_reset():
    d = meter.interval_delta(T, D("5000"), T + H, D("20"))
    assert d == meter.Delta(D(20), "reset")


def test_replacement_splits_the_interval_between_old_and_new_meter():
    swap = meter.Replacement(T + H / 2, old_final=D("1200"), new_initial=D("3"))
    d = meter.interval_delta(T, D("1190"), T + H, D("10"), [swap])
    assert d == meter.Delta(D(10 + 7), "replacement")
    # a replacement outside the interval plays no part
    assert meter.interval_delta(T + H, D("10"), T + 2 * H, D("12"), [swap]).kind == "normal"


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=40))
def test_chain_sum_equals_last_minus_first_without_wraps(steps):
    reads, v = [], D(0)
    for i, s in enumerate(steps):
        v += D(s) / 10
        reads.append((T + i * H, v))
    total = sum(d.value for _, d in meter.chain_deltas(reads))
    assert total == reads[-1][1] - reads[0][1]


def _fig(count=4, consumption=D("100"), total=D("40")):
    return meter.BucketFigures(count, consumption, total, D(1), D(20), D(0), D(100))


def test_ledger_prefers_meter_and_cross_checks_invoice():
    line = meter.ledger_line(_fig(), cumulative=True, invoice=D("97"))
    assert (line.quantity, line.source, line.deviation_pct, line.check) == (
        D("100"), "meter", D("3.09"), "deviation")
    ok = meter.ledger_line(_fig(), cumulative=True, invoice=D("99"), tolerance_pct=D(2))
    assert ok.check == "ok" and ok.deviation_pct == D("1.01")


def test_ledger_falls_back_to_invoice_then_manual():
    assert meter.ledger_line(None, cumulative=True, invoice=D(5), manual=D(6)).source == "invoice"
    manual = meter.ledger_line(None, cumulative=True, manual=D(6))
    assert (manual.quantity, manual.source, manual.check) == (D(6), "manual", "none")
    assert meter.ledger_line(None, cumulative=True).source == "none"


def test_daily_record_of_instantaneous_point_is_the_mean():
    rec = meter.daily_record(_fig(count=4, total=D("40")), cumulative=False, expected_count=96)
    assert rec.quantity == D("10.000000") and rec.completeness_pct == D("4.2")
