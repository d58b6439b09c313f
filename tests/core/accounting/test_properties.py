"""Property tests: linearity in activity data, levels summing to the total, park netting."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import (
    AcidKind,
    AcidProduction,
    ActivityDocument,
    AllocationKey,
    CarbonateUse,
    ElectricityFlow,
    Enterprise,
    FlowDirection,
    FuelUse,
    HeatFlow,
    HeatMedium,
    Measured,
    Options,
    Park,
    ParkDocument,
    Period,
    Process,
    ProductOutput,
)
from dualcarbon.core.accounting.park import account_park

PERIOD = Period(start=date(2023, 1, 1), end=date(2023, 12, 31))
amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000000"), places=3)
FUELS = ["bituminous_coal", "natural_gas", "diesel", "anthracite", "lpg", "coke"]


@st.composite
def documents(draw: st.DrawFn, eid: str = "e") -> ActivityDocument:
    fuels = [FuelUse(id=f"f{i}", fuel=draw(st.sampled_from(FUELS)), amount=draw(amounts),
                     process=draw(st.sampled_from([None, "p1", "p2"])))
             for i in range(draw(st.integers(0, 4)))]
    carbonates = [CarbonateUse(id=f"c{i}", carbonate="CaCO3", amount_t=draw(amounts),
                               purity=Measured(value=Decimal("0.9")))
                  for i in range(draw(st.integers(0, 2)))]
    acids = [AcidProduction(id="n", acid=AcidKind.NITRIC, technology="dual_pressure",
                            output_t=draw(amounts), abatement="nscr",
                            utilisation=Measured(value=Decimal("0.9")), process="p2")
             ] if draw(st.booleans()) else []
    el = [ElectricityFlow(id="in", direction=FlowDirection.PURCHASE, energy_mwh=draw(amounts)),
          ElectricityFlow(id="out", direction=FlowDirection.EXPORT, energy_mwh=draw(amounts))]
    heat = [HeatFlow(id="h", direction=FlowDirection.PURCHASE, medium=HeatMedium.HOT_WATER,
                     mass_t=draw(amounts), temperature_c=Decimal(90))]
    return ActivityDocument(
        period=PERIOD, enterprise=Enterprise(id=eid, industry_group=draw(st.sampled_from("ab"))),
        options=Options(grid_scope="national"),  # type: ignore[arg-type]
        processes=[Process(id="p1", facility="F1"), Process(id="p2", facility="F2")],
        products=[ProductOutput(id="x", name="x", amount_t=Decimal(10), process="p1"),
                  ProductOutput(id="y", name="y", amount_t=Decimal(30), process="p1"),
                  ProductOutput(id="z", name="z", amount_t=Decimal(5), process="p2")],
        allocation_keys=[AllocationKey(utility="electricity",
                                       shares={"p1": draw(amounts), "p2": draw(amounts)})],
        fuels=fuels, carbonates=carbonates, acids=acids, electricity=el, heat=heat)


def scaled(doc: ActivityDocument, k: Decimal) -> ActivityDocument:
    return dataclasses.replace(
        doc,
        fuels=[dataclasses.replace(f, amount=f.amount * k) for f in doc.fuels],
        carbonates=[dataclasses.replace(c, amount_t=c.amount_t * k) for c in doc.carbonates],
        acids=[dataclasses.replace(a, output_t=a.output_t * k) for a in doc.acids],
        electricity=[dataclasses.replace(e, energy_mwh=e.energy_mwh * k)
                     for e in doc.electricity],
        heat=[dataclasses.replace(h, mass_t=(h.mass_t or Decimal(0)) * k) for h in doc.heat],
    )


def close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= Decimal("1e-12") * max(Decimal(1), abs(a), abs(b))


@settings(max_examples=40, deadline=None)
@given(documents(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2))
def test_scaling_inputs_scales_outputs(doc: ActivityDocument, k: Decimal) -> None:
    r1, rk = account(doc), account(scaled(doc, k))
    for f in ("combustion_tco2", "process_co2_tco2", "process_n2o_t", "electricity_tco2",
              "heat_tco2", "total_tco2e"):
        assert close(getattr(rk.totals, f), k * getattr(r1.totals, f)), f
    assert close(rk.energy.total_tce, k * r1.energy.total_tce)
    assert close(rk.electricity.market_tco2, k * r1.electricity.market_tco2)


@settings(max_examples=40, deadline=None)
@given(documents())
def test_levels_sum_to_the_total(doc: ActivityDocument) -> None:
    r = account(doc)
    for level in (r.facilities, r.processes, r.products):
        assert close(sum((x.emissions_tco2e for x in level), Decimal(0)), r.totals.total_tco2e)


@st.composite
def parks(draw: st.DrawFn) -> ParkDocument:
    n = draw(st.integers(2, 5))
    docs = [draw(documents(eid=f"e{i}")) for i in range(n)]
    # internal supplies, recorded on both sides
    for j in range(draw(st.integers(0, 4))):
        s, b = draw(st.sampled_from(range(n))), draw(st.sampled_from(range(n)))
        if s == b:
            continue
        mwh = draw(amounts)
        docs[b].electricity.append(ElectricityFlow(
            id=f"buy{j}", direction=FlowDirection.PURCHASE, energy_mwh=mwh,
            counterparty=f"e{s}"))
        docs[s].electricity.append(ElectricityFlow(
            id=f"sell{j}", direction=FlowDirection.EXPORT, energy_mwh=mwh,
            counterparty=f"e{b}"))
    return ParkDocument(park=Park(id="p"), period=PERIOD, enterprises=docs,
                        options=Options(grid_scope="national"))  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(parks())
def test_park_total_is_sum_of_enterprises_minus_internal_supply(park: ParkDocument) -> None:
    r = account_park(park)
    assert close(r.total_tco2e,
                 r.sum_of_enterprise_totals_tco2e - r.internal_supply_tco2e)
    assert close(r.direct_tco2e, sum((e.totals.direct_tco2e for e in r.enterprises), Decimal(0)))
    assert close(sum((g.total_tco2e for g in r.industry_groups), Decimal(0)),
                 r.sum_of_enterprise_totals_tco2e)
