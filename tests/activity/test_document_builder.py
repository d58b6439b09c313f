"""`build_document` reads plain columns (a few cached statements, no ORM objects); its document must
be exactly the one the previous builder made (tests/activity/reference_builder.py, kept verbatim)
for a rich enterprise: every source kind, facility and process tags, splits by facility and by
process (one naming a deleted target), monthly versions (superseded, draft, outside the period),
its own grid province in the options — and the same complaints, named by source and month, for a
document the engine refuses."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest
from reference_builder import reference_build_document

from dualcarbon.activity.models import (
    AccountingOptions,
    ActivityDataset,
    ActivityRecord,
    ActivitySource,
)
from dualcarbon.activity.service import build_document
from dualcarbon.core.accounting import dataio
from testkit import make_enterprise, make_facility, make_park, make_process

# code, kind, unit, settings, facility, process, sort order, record params
SOURCES: list[tuple[str, str, str, dict[str, Any], str | None, str | None, int,
                    dict[str, Any]]] = [
    ("coal", "fuel", "t", {"fuel": "bituminous_coal"}, "boiler", None, 5,
     {"ncv": "23.514", "carbon_content": "0.61"}),
    ("ng", "fuel", "1e4_nm3", {"fuel": "natural_gas"}, None, None, 5, {}),
    ("ng-feed", "fuel", "1e4_nm3", {"fuel": "natural_gas", "use": "feedstock"}, None, "P1", 1,
     {}),
    ("lime", "carbonate", "t", {"carbonate": "CaCO3"}, "kiln", None, 3, {"purity": "0.95"}),
    ("hno3", "acid", "t", {"acid": "nitric", "technology": "dual_pressure",
                           "abatement": "nscr"}, None, "P2", 3,
     {"abatement_efficiency": "0.8"}),
    ("rec", "co2_recovery", "1e4_nm3", {"destination": "sold"}, None, None, 0,
     {"purity": "0.99"}),
    ("grid", "electricity", "MWh", {"direction": "purchase"}, None, None, 2, {}),
    ("grid-out", "electricity", "MWh", {"direction": "export"}, None, None, 2, {}),
    ("steam", "heat", "t", {"direction": "purchase", "medium": "steam"}, None, None, 7,
     {"temperature_c": "250", "pressure_mpa": "1.0"}),
    ("hw", "heat", "GJ", {"direction": "purchase", "medium": "heat"}, "boiler", None, 7, {}),
    ("gc", "green_power", "MWh", {"kind": "certificate"}, None, None, 9, {}),
    ("straw", "biomass", "t", {}, "boiler", None, 9,
     {"ncv": "14.5", "carbon_per_heat": "0.0275"}),
    ("chp-coal", "power_coal", "t", {"power_facility": "CHP1"}, None, None, 4,
     {"ncv": "21.0", "moisture_ar_pct": "8.5"}),
    ("methanol", "material", "t", {"role": "product"}, None, "P1", 6,
     {"carbon_content": "0.375"}),
    ("ash", "material", "t", {"role": "waste"}, "boiler", None, 6, {"carbon_content": "0.05"}),
    ("prod", "product", "t", {}, None, "P1", 8, {}),
    ("va", "value_added", "1e4_cny", {}, None, None, 8, {}),
]


def _same(a: Any, b: Any) -> None:
    assert a == b
    assert json.dumps(dataio.to_dict(a), sort_keys=True, ensure_ascii=False) == json.dumps(
        dataio.to_dict(b), sort_keys=True, ensure_ascii=False)


def _enterprise(session, park, *, options: bool, carbonate_purity: bool = True):  # type: ignore[no-untyped-def]
    ent = make_enterprise(session, park)
    fac = {c: make_facility(session, ent, code=c, name=f"设施{c}") for c in ("kiln", "boiler")}
    proc = {c: make_process(session, ent, code=c, name=f"工艺{c}") for c in ("P1", "P2")}
    gone = make_facility(session, ent, code="gone")
    gone_id = gone.id
    session.delete(gone)
    session.flush()
    allocation = {
        "ng": {"level": "facility", "basis": "measured",
               "shares": [{"target_id": fac["kiln"].id, "use": "3"},
                          {"target_id": fac["boiler"].id, "use": "1.5"}]},
        "grid": {"level": "process", "basis": "fraction",
                 "shares": [{"target_id": proc["P1"].id, "use": "0.6"},
                            {"target_id": proc["P2"].id, "use": "0.4"}]},
        "hw": {"level": "facility", "basis": "measured",
               "shares": [{"target_id": fac["kiln"].id, "use": "1"},
                          {"target_id": gone_id, "use": "1"}]},
    }
    srcs = []
    for code, kind, unit, settings, f, p, order, _ in SOURCES:
        srcs.append(ActivitySource(
            park_id=park.id, enterprise_id=ent.id, code=code, name=f"源{code}", kind=kind,
            unit=unit, settings=settings, sort_order=order,
            facility_id=fac[f].id if f else None, process_id=proc[p].id if p else None,
            allocation=allocation.get(code)))
    session.add_all(srcs)
    session.flush()
    months = [(date(2022, 12, 1), 1, "approved"), (date(2023, 1, 1), 1, "superseded"),
              (date(2023, 1, 1), 2, "approved"), (date(2023, 2, 1), 1, "approved"),
              (date(2023, 3, 1), 1, "draft"), (date(2023, 3, 1), 0, "submitted")]
    for n, (month, version, status) in enumerate(months):
        ds = ActivityDataset(park_id=park.id, enterprise_id=ent.id, month=month,
                             version=version, status=status, created_by="t")
        session.add(ds)
        session.flush()
        for i, (src, spec) in enumerate(zip(srcs, SOURCES, strict=True)):
            if month == date(2023, 2, 1) and i % 4 == 3:
                continue  # not every source every month
            params = dict(spec[7])
            if not carbonate_purity and spec[1] == "carbonate":
                params.pop("purity")
            ncv, cc = params.pop("ncv", None), params.pop("carbon_content", None)
            session.add(ActivityRecord(
                park_id=park.id, enterprise_id=ent.id, dataset_id=ds.id, source_id=src.id,
                quantity=D(100 + 7 * i) + D(n) / 4, unit=src.unit,
                ncv=D(ncv) if ncv else None, carbon_content=D(cc) if cc else None,
                params=params, comment=f"凭证{n}-{i}" if i % 3 else None,
                data_source=("default", "lab_test", "invoice", "meter_ledger")[i % 4],
                updated_by="t"))
    if options:
        session.add(AccountingOptions(
            park_id=park.id, enterprise_id=ent.id, methodology="NDRC-2013-chemical",
            gwp_set="AR5", fuel_table="B", grid_scope="province", grid_province_code="310000",
            grid_region=None, grid_year=2022, electricity_view_for_total="market",
            electricity_equal_value=True, updated_by="t"))
    session.flush()
    return ent


PERIODS = [(date(2023, 1, 1), date(2023, 3, 31)), (date(2023, 2, 1), date(2023, 2, 28)),
           (date(2022, 1, 1), date(2023, 12, 31)), (date(2024, 1, 1), date(2024, 12, 31))]


@pytest.mark.parametrize("options", [True, False])
def test_fast_builder_makes_the_previous_builders_document(session, options: bool) -> None:
    park = make_park(session)
    ent = _enterprise(session, park, options=options)
    make_enterprise(session, park)  # a neighbour's data must not leak in
    for start, end in PERIODS:
        fast = build_document(session, ent.id, start, end)
        _same(fast, reference_build_document(session, ent.id, start, end))
    year = build_document(session, ent.id, date(2023, 1, 1), date(2023, 12, 31))
    # the fixture is rich: every list of the document is filled, a split names a deleted target
    assert {"fuels", "materials", "carbonates", "acids", "co2_recovery", "electricity", "heat",
            "green_claims", "biomass", "power_facilities", "products", "allocation_keys"} <= {
        k for k, v in dataio.to_dict(year).items() if v}
    assert year.enterprise.value_added_1e4_cny is not None
    assert "#" in json.dumps(dataio.to_dict(year.allocation_keys))
    assert [f.id for f in year.fuels][:2] == ["ng-feed@2023-01", "ng-feed@2023-02"]


def test_refused_document_is_reported_alike(session) -> None:
    park = make_park(session)
    ent = _enterprise(session, park, options=True, carbonate_purity=False)
    start, end = date(2023, 1, 1), date(2023, 3, 31)
    with pytest.raises(dataio.DocumentInvalid) as fast:
        build_document(session, ent.id, start, end)
    with pytest.raises(dataio.DocumentInvalid) as ref:
        reference_build_document(session, ent.id, start, end)
    locs = [(e.loc, e.code) for e in fast.value.field_errors]
    assert locs == [(e.loc, e.code) for e in ref.value.field_errors]
    assert locs == [(("lime@2023-01", "purity"), "required")]  # no lime record in February
