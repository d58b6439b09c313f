"""Combining monthly (or half-year) documents into one period."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from accounting_helpers import load, r2

from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import ActivityDocument, Period
from dualcarbon.core.accounting.periods import PeriodsInvalid, combine


def half(doc: ActivityDocument, h: int) -> ActivityDocument:
    start, end = (date(2023, 1, 1), date(2023, 6, 30)) if h == 1 else (
        date(2023, 7, 1), date(2023, 12, 31))
    two = D(2)

    def scale(items, field):  # type: ignore[no-untyped-def]
        return [dataclasses.replace(x, **{field: getattr(x, field) / two}) for x in items]

    return dataclasses.replace(
        doc, period=Period(start=start, end=end, label=f"H{h}"),
        enterprise=dataclasses.replace(
            doc.enterprise, value_added_1e4_cny=doc.enterprise.value_added_1e4_cny / two),
        fuels=scale(doc.fuels, "amount"), materials=scale(doc.materials, "amount"),
        carbonates=scale(doc.carbonates, "amount_t"), acids=scale(doc.acids, "output_t"),
        co2_recovery=scale(doc.co2_recovery, "volume_1e4_nm3"),
        electricity=scale(doc.electricity, "energy_mwh"), heat=scale(doc.heat, "mass_t"),
        green_claims=[dataclasses.replace(g, energy_mwh=g.energy_mwh / two)
                      for g in doc.green_claims],
        products=scale(doc.products, "amount_t"))


def test_two_halves_make_the_year() -> None:
    doc = load("ex5-enterprise-total.json")
    year = combine([half(doc, 2), half(doc, 1)])
    assert year.period.start == date(2023, 1, 1) and year.period.end == date(2023, 12, 31)
    r = account(year)
    assert r2(r.totals.total_tco2e) == D("388072.18")
    assert r2(r.electricity.market_tco2) == D("51816.00")
    assert r2(r.energy.total_tce) == D("322829.46")
    assert r2(r.intensities.intensity_tco2e_per_1e4_cny, 4) == D("1.1088")
    assert {p.id: p.amount_t for p in year.products}["p-methanol"] == D(200000)
    assert "H1/coal-boiler" in {f.id for f in year.fuels}


def test_power_facility_months_are_kept() -> None:
    doc = load("ex6-chp-monthly-may-missing.json")
    months = []
    for m in doc.power_facilities[0].coal:
        assert m.month is not None
        end = date(2023, m.month + 1, 1).replace(day=1) if m.month < 12 else date(2024, 1, 1)
        fac = dataclasses.replace(doc.power_facilities[0], coal=[m], grid_purchase_mwh=D(0))
        months.append(dataclasses.replace(
            doc, period=Period(start=date(2023, m.month, 1),
                               end=date.fromordinal(end.toordinal() - 1)),
            power_facilities=[fac], electricity=[]))
    year = combine(months)
    pf = account(year).power_facilities[0]
    assert r2(pf.combustion_tco2) == D("1661653.55")
    assert pf.months_with_high_default == [5]


def test_overlap_and_mixed_enterprises_rejected() -> None:
    doc = load("ex1-combustion.json")
    with pytest.raises(PeriodsInvalid):
        combine([doc, doc])
    other = dataclasses.replace(doc, enterprise=dataclasses.replace(doc.enterprise, id="x"),
                                period=Period(start=date(2024, 1, 1), end=date(2024, 12, 31)))
    with pytest.raises(PeriodsInvalid):
        combine([doc, other])
    with pytest.raises(PeriodsInvalid):
        combine([])
