"""Rules beyond the worked examples: levels, double-counting guards, plug-ins, bad input."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from accounting_helpers import load, r2

from dualcarbon.core.accounting.engine import account, methodologies
from dualcarbon.core.accounting.methodologies.base import MissingInput, UnknownMethodology
from dualcarbon.core.accounting.model import (
    BiomassUse,
    CO2Recovery,
    FuelUse,
    GreenClaim,
    GreenKind,
    Measured,
    RecoveryDestination,
)
from dualcarbon.core.accounting.result import Scope


def test_ex5_levels_process_product_facility() -> None:
    r = account(load("ex5-enterprise-total.json"))
    procs = {x.id: x for x in r.processes}
    prods = {x.id: x for x in r.products}
    facs = {x.id: x for x in r.facilities}
    # methanol: reformer fuel + mass balance + 80,000/115,000 of electricity + 450,000/571,852 heat
    expected_meoh = (D("25946.271426") + D("81224.52")) + D("61019") * 80000 / 115000 + (
        D("62903.72") * 450000 / 571852)
    assert abs(procs["methanol"].emissions_tco2e - expected_meoh) < D("0.01")
    assert r2(procs["nitric"].emissions_tco2e - D("87420")) == r2(
        D("61019") * 35000 / 115000 + D("62903.72") * 121852 / 571852)
    assert prods["p-methanol"].emissions_tco2e == procs["methanol"].emissions_tco2e
    assert prods["p-methanol"].intensity_tco2e_per_t == (
        prods["p-methanol"].emissions_tco2e / 200000)
    assert r.intensities.products["p-hno3"] == prods["p-hno3"].intensity_tco2e_per_t
    assert r2(facs["boiler-house"].emissions_tco2e) == D("87087.48")
    for level in (r.processes, r.products, r.facilities):
        assert r2(sum((x.emissions_tco2e for x in level), D(0))) == D("388072.18")


def test_recovered_co2_into_product_not_deducted_twice() -> None:
    doc = load("ex5-enterprise-total.json")
    doc.co2_recovery = [CO2Recovery(id="urea", volume_1e4_nm3=D(1000),
                                    purity=Measured(value=D("0.995")),
                                    destination=RecoveryDestination.INTO_PRODUCT)]
    r = account(doc)
    assert r.totals.recovery_tco2 == 0
    line = next(x for x in r.lines if x.id == "co2_recovery:urea")
    assert r2(line.inputs["recovered_t"]) == D("19671.15")
    assert "not deducted" in line.notes[0]


def test_biomass_reported_apart_and_non_fossil_energy() -> None:
    doc = load("ex1-combustion.json")
    before = account(doc)
    doc.biomass = [BiomassUse(id="straw", name="秸秆", amount=D(1000), ncv=Measured(value=D(15)),
                              carbon_per_heat=Measured(value=D("0.0275")))]
    r = account(doc)
    assert r.totals.total_tco2e == before.totals.total_tco2e
    assert r2(r.totals.biomass_tco2) == r2(D(1000) * 15 * D("0.0275") * 44 / 12)
    assert next(x for x in r.lines if x.id == "biomass:straw").scope is Scope.MEMO
    assert r2(r.energy.non_fossil_tce) == r2(D(15000) / D("29.3076"))
    assert r.energy.excluding_non_fossil_tce == before.energy.total_tce


def test_green_claims_period_and_duplicates() -> None:
    doc = load("ex4-electricity-heat.json")
    doc.green_claims = [
        GreenClaim(id="old", kind=GreenKind.CERTIFICATE, year=2022, certificate_count=1000),
        GreenClaim(id="a", kind=GreenKind.CERTIFICATE, year=2023, certificate_ids=["X1", "X2"]),
        GreenClaim(id="b", kind=GreenKind.CERTIFICATE, year=2023, certificate_ids=["X2"]),
        GreenClaim(id="big", kind=GreenKind.GREEN_POWER_TRADE, year=2023,
                   energy_mwh=D(500000)),
    ]
    r = account(doc)
    assert r.electricity.rejected_claims == ["old", "b"]
    assert r.electricity.green_accepted_mwh == D(120000)  # capped at grid purchases
    assert r2(r.electricity.market_tco2) == r2(D(-5000) * D("0.6096"))
    assert any("capped" in w for w in r.warnings)


def test_captive_power_plant_counted_once_in_chemical_enterprise() -> None:
    chem = load("ex1-combustion.json")
    chp = load("ex6-chp-power-facility.json")
    chem.power_facilities = chp.power_facilities
    r = account(chem)
    assert r.methodology == "NDRC-2013-chemical"
    assert r2(r.totals.combustion_tco2) == D("113962.52") + D("1633500.00")
    (pf,) = r.power_facilities
    assert r2(pf.verified_tco2) == D("1636351.50")  # ETS facility report, apart
    assert r.totals.electricity_tco2 == 0  # own supply is not a purchase


def test_plugins_and_errors() -> None:
    assert {"NDRC-2013-chemical", "MEE-power-2022"} <= set(methodologies())
    doc = load("ex1-combustion.json")
    doc.options.methodology = "nope"
    with pytest.raises(UnknownMethodology):
        account(doc)
    doc = load("ex1-combustion.json")
    doc.fuels.append(FuelUse(id="odd", fuel="whale_oil", amount=D(1)))
    with pytest.raises(MissingInput):
        account(doc)
    doc.fuels[-1] = FuelUse(id="odd", fuel="whale_oil", amount=D(10),
                            carbon_content=Measured(value=D("0.8")),
                            oxidation=Measured(value=D("0.98")))
    r = account(doc)
    assert r2(next(x for x in r.lines if x.id == "combustion:odd").emissions_tco2e) == r2(
        D(10) * D("0.8") * D("0.98") * 44 / 12)


def test_fuel_tables_are_not_mixed() -> None:
    doc = load("ex1-combustion.json")
    doc.options.fuel_table = "B"
    r = account(doc)
    keys = {p.key for p in r.parameters_used if p.key.startswith("fuel")}
    assert keys and all(k.startswith("fuelB.") for k in keys)
    coal = next(x for x in r.lines if x.id == "combustion:coal-boiler")
    assert r2(coal.emissions_tco2e) == r2(
        D(50000) * D("23.204") * D("0.02618") * D("0.93") * 44 / 12)


def test_location_factor_province_region_national() -> None:
    doc = load("ex4-electricity-heat.json")
    doc.options.grid_scope = "auto"  # type: ignore[assignment]
    doc.enterprise.province = "shandong"
    assert account(doc).electricity.location_factor_key == "grid.location.province.shandong@2023"
    doc.enterprise.province = "jiangsu"  # no 2023 provincial value: the 2023 East China grid
    assert account(doc).electricity.location_factor_key == "grid.location.region.east@2023"
    doc.period.start = doc.period.start.replace(year=2025)
    doc.period.end = doc.period.end.replace(year=2025)
    doc.green_claims = []
    r = account(doc)  # latest published year
    assert r.electricity.location_factor_key == "grid.location.region.east@2023"
    assert r.electricity.ets_factor_tco2_per_mwh == D("0.5703")


def test_periods_before_published_factors() -> None:
    doc = load("ex4-electricity-heat.json")
    doc.period.start = doc.period.start.replace(year=2019)
    doc.period.end = doc.period.end.replace(year=2019)
    doc.green_claims = []
    r = account(doc)
    # no 2019 MEE/NBS factor: the earliest published stands in for location; ETS 0.6101 (2018-20)
    assert r.electricity.ets_factor_tco2_per_mwh == D("0.6101")
    assert r.electricity.residual_factor_tco2_per_mwh == r.electricity.location_factor_tco2_per_mwh
    assert any("residual-mix" in w for w in r.warnings)
