"""Plausible ranges of readings by unit (core/readings.py)."""

from decimal import Decimal

import pytest

from dualcarbon.core.readings import ReadingRejected, check_value


def test_flue_gas_static_pressure_may_be_below_zero_but_not_below_vacuum() -> None:
    check_value(Decimal("-0.215"), unit="kPa", cumulative=False)  # HJ 212 a01013, gauge
    with pytest.raises(ReadingRejected) as e:
        check_value(Decimal("-101.4"), unit="kPa", cumulative=False)
    assert e.value.code == "ingest.out-of-range"


def test_percent_and_flows_stay_non_negative() -> None:
    for unit in ("%", "m3/s", "m3/h"):
        with pytest.raises(ReadingRejected):
            check_value(Decimal("-1"), unit=unit, cumulative=False)
    with pytest.raises(ReadingRejected):
        check_value(Decimal("100.1"), unit="%", cumulative=False)
