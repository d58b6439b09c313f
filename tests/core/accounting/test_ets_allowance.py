"""methodology.md §7 Examples 6 (allowance, gap, costs), 7 (generation basis) and 8 (F_f table)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from accounting_helpers import load, r2

from dualcarbon.core.accounting.catalogue import default_parameter_set
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.ets_allowance import (
    compliance_gap,
    load_factor_correction,
    power_allowance,
)

CAT = "coal_300mw_and_below"


@pytest.mark.parametrize(("f", "expected"), [
    ("0.90", "1.00000"), ("0.85", "1.00000"), ("0.82", "1.00420"), ("0.80", "1.00700"),
    ("0.78", "1.01020"), ("0.75", "1.01500"), ("0.70", "1.03023"), ("0.60", "1.06136")])
def test_ex8_load_factor_correction(f: str, expected: str) -> None:
    assert r2(load_factor_correction(D(f)), 5) == D(expected)


def test_ex6_allowance_gap_and_costs() -> None:
    ps = default_parameter_set()
    verified = account(load("ex6-chp-power-facility.json")).power_facilities[0].verified_tco2
    a = power_allowance(ps, 2022, CAT, supplied_mwh=D(1500000), heat_supplied_gj=D(3000000),
                        heat_ratio=D("0.25"))
    assert a.f_heat == D("0.945")
    assert r2(a.power_allowance_t) == D("1237335.75")
    assert r2(a.heat_allowance_t) == D("331500.00")
    assert r2(a.allowance_t) == D("1568835.75")
    assert {p.version for p in a.parameters} == {"2022"}
    g = compliance_gap(ps, 2022, verified, a.allowance_t, {
        "cea_2025_avg": D("62.36"), "ccer_2025_avg": D("70.76"), "cea_2024_close": D("97.49")})
    assert r2(g.gap_t) == D("67515.75")
    assert r2(g.gap_share * 100) == D("4.13")
    assert r2(g.ccer_cap_t) == D("81817.58")
    assert r2(g.relief_cap_t) == D("327270.30")
    assert r2(g.costs_cny["cea_2025_avg"]) == D("4210282.17")
    assert r2(g.costs_cny["ccer_2025_avg"]) == D("4777414.47")
    assert r2(g.costs_cny["cea_2024_close"]) == D("6582110.47")
    a78 = power_allowance(ps, 2022, CAT, supplied_mwh=D(1500000), heat_supplied_gj=D(3000000),
                          heat_ratio=D("0.25"), load_factor=D("0.78"))
    assert r2(a78.allowance_t) == D("1581456.57")
    assert r2(verified - a78.allowance_t) == D("54894.93")


def test_ex7_generation_basis_turns_shortfall_into_surplus() -> None:
    ps = default_parameter_set()
    a = power_allowance(ps, 2024, CAT, supplied_mwh=D(1500000), heat_supplied_gj=D(3000000),
                        generation_mwh=D(1650000))
    assert a.basis == "generation"
    assert r2(a.allowance_t) == D("1659585.00")
    assert r2(a.allowance_t - D("1636351.50")) == D("23233.50")
