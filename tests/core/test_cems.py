"""CO2 CEMS arithmetic: the worked example of protocols.md §2.3 exactly, validity, substitution."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.core import cems

Q = D("0.1")


def test_worked_example_section_2_3() -> None:
    q_sh = cems.actual_flow_m3_h(D("9.62"), D("12.41"), D("1.00"))
    assert q_sh.quantize(Q) == D("429783.1")
    q_snh = cems.standard_dry_flow_m3_h(q_sh, temperature_c=D("48.6"), ambient_pa=D(100800),
                                        static_pa=D(-215), moisture_pct=D("8.7"))
    assert q_snh.quantize(Q) == D("330661.3")
    assert (q_snh / 3600).quantize(D("0.001")) == D("91.850")
    c = cems.co2_mass_concentration_mg_m3(D("11.80"))
    assert c.quantize(Q) == D("231838.4")
    g = cems.co2_rate_kg_h(D("11.80"), q_snh)
    assert g.quantize(Q) == D("76660.0")
    # the same gas measured wet: 10.773 % → 11.800 % dry
    assert cems.to_dry(D("10.773"), D("8.7")).quantize(D("0.001")) == D("11.800")
    # factor per % (22.4 vs 22.414 L/mol, §2.2)
    assert cems.co2_mass_concentration_mg_m3(D(1)).quantize(Q) == D("19647.3")
    assert cems.co2_mass_concentration_mg_m3(D(1), D("22.414")).quantize(Q) == D("19635.0")


def test_standard_concentration_eq_18_inverts_flow_conversion() -> None:
    c = cems.to_standard_concentration(D(100), temperature_c=D("48.6"), ambient_pa=D(100800),
                                       static_pa=D(-215))
    f = cems.standard_dry_flow_m3_h(D(100), temperature_c=D("48.6"), ambient_pa=D(100800),
                                    static_pa=D(-215), moisture_pct=D(0))
    assert (c * f / 10000).quantize(D("0.000001")) == D(1)


def _minutes(hour: datetime, value: D, n: int = 60, bad: int = 0) -> list[cems.Obs]:
    return [cems.Obs(hour + timedelta(minutes=i), value, "D" if i < bad else "N")
            for i in range(n)]


H = datetime(2024, 3, 15, 10)


def test_hour_from_actual_wet_minutes_matches_worked_example() -> None:
    cfg = cems.CemsConfig(co2_basis="wet", flow_state="actual_wet", flow_unit="m3/h",
                          ambient_pa=D(100800))
    q_sh = cems.actual_flow_m3_h(D("9.62"), D("12.41"))
    r = cems.compute_hour(cems.HourInputs(
        co2_pct=_minutes(H, D("10.7727")), flow=_minutes(H, q_sh),
        moisture_pct=_minutes(H, D("8.7")), temperature_c=_minutes(H, D("48.6")),
        static_kpa=_minutes(H, D("-0.215"))), cfg)
    assert r.is_valid and r.flag == "N" and r.valid_minutes == 60
    assert r.flow_std_dry_m3_h is not None and r.flow_std_dry_m3_h.quantize(Q) == D("330661.3")
    assert r.co2_dry_pct is not None and r.co2_dry_pct.quantize(D("0.01")) == D("11.80")
    assert r.rate_kg_h is not None and r.minute_sum_kg is not None
    assert abs(r.rate_kg_h - D(76660)) < D(10)
    assert abs(r.minute_sum_kg - r.rate_kg_h) < D("0.001")  # constant inputs: same figure


def test_hour_validity_45_minutes() -> None:
    ok = cems.compute_hour(cems.HourInputs(_minutes(H, D(12), bad=15), _minutes(H, D(1000))))
    assert ok.is_valid and ok.flag == "D"  # 45 valid minutes, but 75 % normal is not > 75 %
    fine = cems.compute_hour(cems.HourInputs(_minutes(H, D(12), bad=14), _minutes(H, D(1000))))
    assert fine.is_valid and fine.flag == "N"
    bad = cems.compute_hour(cems.HourInputs(_minutes(H, D(12), bad=16), _minutes(H, D(1000))))
    assert not bad.is_valid and bad.rate_kg_h is None and bad.reasons
    assert bad.minute_sum_kg is not None  # kept for review


def test_flag_rule_more_than_75_percent() -> None:
    assert cems.aggregate(_minutes(H, D(1), n=4, bad=1), 1).flag == "D"  # exactly 75 %
    assert cems.aggregate(_minutes(H, D(1), n=5, bad=1), 1).flag == "N"  # 80 %
    empty = cems.aggregate([], 1)
    assert not empty.is_valid and empty.mean is None


def test_wet_needs_moisture() -> None:
    r = cems.compute_hour(cems.HourInputs(_minutes(H, D(12)), _minutes(H, D(1))),
                          cems.CemsConfig(co2_basis="wet"))
    assert not r.is_valid and r.reasons == ("moisture_pct: 0 valid minutes",)
    with pytest.raises(ValueError):
        cems.to_dry(D(1), D(100))


def test_day_and_month_validity() -> None:
    rules = cems.ValidityRules()
    hours = [cems.Obs(H + timedelta(hours=i), D(1), "N" if i < 20 else "C") for i in range(24)]
    assert cems.aggregate(hours, rules.min_valid_hours_per_day).is_valid
    assert not cems.aggregate(hours[1:], rules.min_valid_hours_per_day).is_valid
    assert cems.is_valid_month(23, month=2) and not cems.is_valid_month(23, month=3)
    assert cems.is_valid_month(25, month=3)


def _series(values: list[D | None]) -> list[tuple[datetime, D | None]]:
    return [(H + timedelta(hours=i), v) for i, v in enumerate(values)]


def test_substitution_short_gap_adjacent_mean() -> None:
    out = cems.substitute_hours(_series([D(10), None, None, D(20)]))
    assert [o.value for o in out] == [D(10), D(15), D(15), D(20)]
    assert [o.is_substituted for o in out] == [False, True, True, False]
    assert out[1].rule == "hj75-2017-m:v1:adjacent-mean"


def test_substitution_long_gap_lookback_max() -> None:
    policy = cems.SubstitutionPolicy(short_gap_hours=2, lookback_hours=3)
    out = cems.substitute_hours(_series([D(50), D(7), D(9), D(8), None, None, None, D(1)]),
                                policy)
    assert [o.value for o in out[4:7]] == [D(9)] * 3  # max of the last 3 valid, not 50
    assert out[4].rule is not None and out[4].rule.endswith("lookback-max")
    assert cems.day_total(out) == D(50 + 7 + 9 + 8 + 27 + 1)


def test_substitution_leading_gap_and_disabled() -> None:
    out = cems.substitute_hours(_series([None, D(3)]))
    assert out[0].value is None and not out[0].is_substituted
    off = cems.substitute_hours(_series([D(1), None, D(3)]),
                                cems.SubstitutionPolicy(enabled=False))
    assert off[1].value is None
    with pytest.raises(ValueError):
        cems.substitute_hours([(H, D(1)), (H + timedelta(hours=2), D(1))])


def test_compare() -> None:
    c = cems.compare(D(105), D(100))
    assert c.difference_t == D(5) and c.relative_pct == D(5) and c.within_tolerance
    assert not cems.compare(D(111), D(100), D(10)).within_tolerance
    assert cems.compare(D(1), D(0)).relative_pct is None


@given(st.lists(st.one_of(st.none(), st.decimals(0, 1000, places=2)), min_size=1, max_size=60))
def test_substitution_never_touches_measured_values(values: list[D | None]) -> None:
    out = cems.substitute_hours(_series(values))
    for v, o in zip(values, out, strict=True):
        if v is not None:
            assert o.value == v and not o.is_substituted
        elif o.value is not None:
            assert o.is_substituted and o.rule
    measured = [v for v in values if v is not None]
    if measured:
        assert all(o.value is None or min(measured) <= o.value <= max(measured) for o in out)
