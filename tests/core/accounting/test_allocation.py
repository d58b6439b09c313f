"""Allocation keys: a source serving several facilities, processes or products is split by its
measured use (its own key, `inputs`), over the utility-wide keys; shares are checked; every level
adds up to the enterprise total exactly."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from accounting_helpers import load
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.levels import UNALLOCATED, AllocationInvalid
from dualcarbon.core.accounting.model import (
    AllocationBasis,
    AllocationKey,
    AllocationLevel,
    ElectricityFlow,
    Facility,
    FlowDirection,
    FuelUse,
    HeatFlow,
    HeatMedium,
    Period,
)
from dualcarbon.core.accounting.periods import combine


def _levels(r):  # type: ignore[no-untyped-def]
    return ({x.id: x.emissions_tco2e for x in r.facilities},
            {x.id: x.emissions_tco2e for x in r.processes},
            {x.id: x.emissions_tco2e for x in r.products})


def _line(r, ident):  # type: ignore[no-untyped-def]
    return next(x for x in r.lines if x.id == ident).emissions_tco2e


EPS = D("1e-15")  # t: Decimal sums in another order differ in the 28th digit only


def _adds_up(r) -> None:  # type: ignore[no-untyped-def]
    for level in _levels(r):
        assert abs(sum(level.values(), D(0)) - r.totals.total_tco2e) < EPS


def test_steam_split_by_metered_use_per_facility() -> None:
    doc = load("ex5-enterprise-total.json")
    doc.allocation_keys.append(AllocationKey(
        inputs=["steam-in"], level=AllocationLevel.FACILITY,
        shares={"methanol-plant": D(150000), "nitric-plant": D(40000), "utilities": D(10000)}))
    r = account(doc)
    fac, proc, _prod = _levels(r)
    steam = _line(r, "heat:steam-in")
    base = _levels(account(load("ex5-enterprise-total.json")))
    # the steam line goes to the facilities by metered steam (t), not to the processes
    assert abs(fac["utilities"] - base[0]["utilities"] - steam * 10000 / 200000) < EPS
    # instead of following the nitric process's share of the utility-wide heat key
    assert abs(fac["nitric-plant"] - (base[0]["nitric-plant"] - steam * 121852 / 571852
                                      + steam * 40000 / 200000)) < EPS
    assert abs(proc[UNALLOCATED] - (base[1][UNALLOCATED] + steam)) < EPS
    assert abs(proc["methanol"] - (base[1]["methanol"] - steam * 450000 / 571852)) < EPS
    assert r.totals == account(load("ex5-enterprise-total.json")).totals
    _adds_up(r)
    shares = [s for x in r.facilities for s in x.shares if s.line_id == "heat:steam-in"]
    assert {s.method for s in shares} == {"key:input"} and len(shares) == 3


def test_a_source_key_wins_over_the_utility_key_and_fractions_sum_to_one() -> None:
    doc = load("ex5-enterprise-total.json")
    doc.electricity[0] = dataclasses.replace(doc.electricity[0], id="grid-a",
                                             energy_mwh=D(100000))
    doc.electricity.append(ElectricityFlow(id="grid-b", direction=FlowDirection.PURCHASE,
                                           energy_mwh=D(20000)))
    doc.allocation_keys.append(AllocationKey(
        inputs=["grid-b"], basis=AllocationBasis.FRACTION, level=AllocationLevel.PROCESS,
        shares={"nitric": D("0.75"), "methanol": D("0.25")}))
    r = account(doc)
    b = _line(r, "electricity:grid-b")
    nitric = [s for s in next(x for x in r.processes if x.id == "nitric").shares
              if s.line_id == "electricity:grid-b"]
    assert [(s.method, s.emissions_tco2e) for s in nitric] == [("key:input", b * D("0.75"))]
    # grid-a (and the export) still follow the utility-wide key
    a = [s for s in next(x for x in r.processes if x.id == "nitric").shares
         if s.line_id == "electricity:grid-a"]
    assert a[0].method == "key:electricity"
    assert a[0].emissions_tco2e == _line(r, "electricity:grid-a") * 35000 / 115000
    _adds_up(r)


def test_bad_keys_are_refused_with_their_paths() -> None:
    doc = load("ex5-enterprise-total.json")
    doc.allocation_keys += [
        AllocationKey(inputs=["steam-in", "ng-feed", "ng-reformer-fuel", "nope"],
                      level=AllocationLevel.FACILITY, shares={"mars": D(1), "utilities": D(-1)}),
        AllocationKey(inputs=["steam-in"], basis=AllocationBasis.FRACTION,
                      shares={"methanol": D("0.5"), "nitric": D("0.4")}),
        AllocationKey(utility="heat", shares={"methanol": D(0)}),
        AllocationKey(utility="steam", shares={"methanol": D(1)}),
    ]
    with pytest.raises(AllocationInvalid) as exc:
        account(doc)
    got = {"/".join(map(str, fe.loc)): fe.msg for fe in exc.value.field_errors}
    assert set(got) == {
        "allocation_keys/2/shares/mars", "allocation_keys/2/shares/utilities",
        "allocation_keys/2/shares", "allocation_keys/2/inputs/1", "allocation_keys/2/inputs/2",
        "allocation_keys/2/inputs/3", "allocation_keys/3/shares", "allocation_keys/3/inputs/0",
        "allocation_keys/4/shares", "allocation_keys/4/utility", "allocation_keys/5/utility"}
    assert got["allocation_keys/2/shares/mars"] == "unknown facility 'mars'"
    assert "mass balance" in got["allocation_keys/2/inputs/1"]
    assert got["allocation_keys/2/inputs/2"] == ("'ng-reformer-fuel' is tagged with process "
                                                 "'methanol': it goes there whole")
    assert got["allocation_keys/3/shares"] == "fractions add up to 0.9, not 1"
    assert got["allocation_keys/3/inputs/0"] == "'steam-in' is split by key 2 already"
    assert got["allocation_keys/4/utility"] == "a second key for heat"


def test_combined_months_keep_each_source_key() -> None:
    months = []
    for m in (1, 2):
        months.append(dataclasses.replace(
            load("ex1-combustion.json"), period=Period(start=date(2023, m, 1),
                                                       end=date(2023, m, 28), label=f"m{m}"),
            facilities=[Facility(id="A"), Facility(id="B")],
            fuels=[FuelUse(id="boiler-coal", fuel="bituminous_coal", amount=D(1000))],
            allocation_keys=[AllocationKey(inputs=["boiler-coal"],
                                           level=AllocationLevel.FACILITY,
                                           shares={"A": D(m), "B": D(3 - m)})]))
    r = account(combine(months))
    fac = {x.id: x.emissions_tco2e for x in r.facilities}
    one = _line(r, "combustion:m1/boiler-coal")
    assert fac["A"] == one * 1 / 3 + one * 2 / 3 and fac["A"] == fac["B"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=D(0), max_value=D(10**6), places=3), min_size=1,
                max_size=5).filter(lambda xs: sum(xs) > 0),
       st.sampled_from(list(AllocationLevel)))
def test_levels_add_up_exactly_whatever_the_split(uses: list[D], level: AllocationLevel) -> None:
    doc = load("ex5-enterprise-total.json")
    targets = {AllocationLevel.FACILITY: ["boiler-house", "methanol-plant", "nitric-plant",
                                          "utilities", "x-unused"],
               AllocationLevel.PROCESS: ["methanol", "nitric"],
               AllocationLevel.PRODUCT: ["p-methanol", "p-hno3"]}[level]
    doc.facilities.append(Facility(id="x-unused"))
    doc.heat.append(HeatFlow(id="hw", direction=FlowDirection.PURCHASE,
                             medium=HeatMedium.HOT_WATER, mass_t=D(5000),
                             temperature_c=D(95)))
    shares = dict(zip(targets, uses, strict=False))
    assume(sum(shares.values()) > 0)
    doc.allocation_keys.append(AllocationKey(inputs=["hw", "diesel-vehicles"], level=level,
                                             shares=shares))
    _adds_up(account(doc))
