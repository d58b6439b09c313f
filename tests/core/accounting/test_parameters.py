from datetime import date
from decimal import Decimal

import pytest

from dualcarbon.core.accounting.catalogue import (
    all_parameters,
    default_parameter_set,
    memory_unverified_parameters,
)
from dualcarbon.core.accounting.dataio import DocumentInvalid, dumps_json, from_dict, loads_json
from dualcarbon.core.accounting.model import ActivityDocument, EnergyUse
from dualcarbon.core.accounting.parameters import (
    Parameter,
    ParameterConflict,
    ParameterNotFound,
    ParameterSet,
)
from dualcarbon.core.accounting.tiers import DataQuality, ProvenanceTier


def _p(version: str, value: str, lo: date | None, hi: date | None) -> Parameter:
    return Parameter(key="k", value=Decimal(value), unit="u", methodology="m", version=version,
                     valid_from=lo, valid_to=hi)


def test_lookup_by_date_records_version() -> None:
    ps = ParameterSet.of([
        _p("2021", "1", date(2021, 1, 1), date(2021, 12, 31)),
        _p("2022", "2", date(2022, 1, 1), None),
    ])
    run = ps.recorder()
    assert run.value("k", date(2021, 6, 1)) == 1
    assert run.value("k", date(2030, 1, 1)) == 2
    assert sorted(v for (_, _, v) in run.used) == ["2021", "2022"]
    assert ps.used == {}  # the recorder has its own usage record
    with pytest.raises(ParameterNotFound):
        run.lookup("k", date(2020, 1, 1))
    with pytest.raises(ParameterNotFound):
        run.lookup("nope", date(2021, 1, 1))


def test_overlapping_versions_conflict_and_override_replaces() -> None:
    ps = ParameterSet.of([_p("a", "1", None, None)])
    with pytest.raises(ParameterConflict):
        ps.add(_p("b", "2", date(2020, 1, 1), None))
    ps2 = ps.with_overrides([_p("b", "2", None, None)])
    assert ps2.value("k", date(2020, 1, 1)) == 2
    assert ps.value("k", date(2020, 1, 1)) == 1


def test_lookup_latest_falls_back_to_latest_published_year() -> None:
    ps = default_parameter_set()
    p = ps.lookup_latest("grid.location.national", date(2025, 3, 1))
    assert (p.version, p.value) == ("2023", Decimal("0.5306"))


def test_catalogue_holds_methodology_values_with_tiers() -> None:
    ps = default_parameter_set()
    on = date(2023, 1, 1)
    assert ps.value("fuelA.bituminous_coal.ncv", on) == Decimal("19.570")
    assert ps.value("fuelA.natural_gas.carbon_per_heat", on) == Decimal("0.0153")
    assert ps.value("grid.residual.national", on) == Decimal("0.6096")
    assert ps.value("grid.location.province.shandong", on) == Decimal("0.6191")
    assert ps.value("grid.location.province.jiangsu", date(2022, 5, 1)) == Decimal("0.5978")
    assert ps.value("grid.ets_reporting", on) == Decimal("0.5703")
    assert ps.value("gwp.SAR.N2O", on) == 310
    assert ps.value("gwp.AR6.N2O", on) == 273
    hi = "power.coal.high_default_carbon_per_heat"
    assert ps.value(hi, date(2021, 5, 1)) == Decimal("0.03356")
    assert ps.value("power.coal.high_default_carbon_per_heat", on) == Decimal("0.03085")
    assert ps.lookup("gwp.SAR.N2O", on).tier is ProvenanceTier.VERIFIED
    assert ps.lookup("fuelA.bituminous_coal.ncv", on).tier is ProvenanceTier.MEMORY_UNVERIFIED
    assert ps.lookup("fuelB.bituminous_coal.ncv", on).tier is ProvenanceTier.CITED
    assert all(p.source_document for p in all_parameters())
    assert 50 < len(memory_unverified_parameters()) < len(all_parameters())


def test_tiers() -> None:
    assert ProvenanceTier.from_tag("S-19") is ProvenanceTier.VERIFIED
    assert ProvenanceTier.from_tag("calc") is ProvenanceTier.CALCULATED
    assert DataQuality.worst(DataQuality.MEASURED, DataQuality.DEFAULT) is DataQuality.DEFAULT
    assert DataQuality.DEFAULT.label_zh == "缺省值"


def test_document_round_trip_and_errors() -> None:
    raw = {
        "period": {"start": "2023-01-01", "end": "2023-12-31"},
        "enterprise": {"id": "A", "value_added_1e4_cny": 350000},
        "fuels": [{"id": "ng", "fuel": "natural_gas", "amount": 18000.5, "use": "feedstock",
                   "composition": {"CH4": "0.95", "CO2": 0.05}}],
    }
    doc = from_dict(ActivityDocument, raw)
    assert doc.fuels[0].use is EnergyUse.FEEDSTOCK
    assert doc.fuels[0].amount == Decimal("18000.5")
    again = from_dict(ActivityDocument, loads_json(dumps_json(doc)))
    assert again == doc
    with pytest.raises(DocumentInvalid) as e:
        from_dict(ActivityDocument, {"period": {"start": "x"}, "fuels": [{"use": "bad"}]})
    locs = {"/".join(map(str, fe.loc)) for fe in e.value.field_errors}
    assert {"period/start", "period/end", "enterprise", "fuels/0/use", "fuels/0/amount"} <= locs
