"""methodology.md §7 Example 9 and the park level: internal supply counted once."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from accounting_helpers import EXAMPLES, r2

from dualcarbon.core.accounting.dataio import park_from_json
from dualcarbon.core.accounting.model import GreenClaim, GreenKind, InternalFactors, ParkDocument
from dualcarbon.core.accounting.park import account_park


def load_park(name: str = "ex9-park.json") -> ParkDocument:
    return park_from_json(Path(EXAMPLES / name).read_text(encoding="utf-8"))


def test_ex9_park_totals_without_double_counting() -> None:
    doc = load_park()
    doc.internal_supply_factors = InternalFactors.DEFAULT
    r = account_park(doc)
    assert r2(r.direct_tco2e) == D("2062649.46")
    assert r2(r.total_tco2e) == D("2009589.46")
    assert r2(r.total_imports_only_tco2e) == D("2168769.46")
    # what adding the enterprises' indirect emissions for CHP supply would double count
    assert r2(r.internal_supply_tco2e) == D("966720.00")
    assert r.boundary.electricity_import_mwh == D(200000)
    assert r.boundary.electricity_export_mwh == D(300000)
    assert r.boundary.heat_import_gj == 0
    supplies = {(s.buyer, s.carrier): s for s in r.internal_supplies}
    assert supplies[("ent-a", "electricity")].amount == D(800000)
    assert supplies[("ent-b", "heat")].factor_source == "default"
    # reconciliation shown explicitly: enterprise totals − internal supply + export credit
    assert r.sum_of_enterprise_totals_tco2e - r.internal_supply_tco2e + (
        r.export_adjustment_tco2e) == r.total_tco2e
    assert r2(r.export_adjustment_tco2e) == D("-159180.00")  # CHP export to grid × 0.5306


def test_ex9_supplier_factors_change_allocation_not_the_park_total() -> None:
    doc = load_park()
    r = account_park(doc)  # supplier factors: the CHP's own 0.8168 tCO2/MWh, 0.1361 tCO2/GJ
    assert r2(r.total_tco2e) == D("2009589.46")
    # 1,200,000 MWh × 0.81675 + 3,000,000 GJ × 0.136125 = the CHP's whole burn attributed
    assert r2(r.internal_supply_tco2e) == D("1388475.00")
    a = next(e for e in r.enterprises if e.enterprise_id == "ent-a")
    line = next(x for x in a.lines if x.id == "electricity:chp-power")
    assert line.inputs["ef_tco2_per_mwh"] == D("0.81675")
    assert line.data_quality.value == "calculated"
    groups = {g.group: g for g in r.industry_groups}
    assert set(groups) == {"chemicals", "power"}
    assert r2(groups["power"].direct_tco2e) == D("1633500.00")


def test_park_certificates_claimed_once() -> None:
    doc = load_park()
    a, b = doc.enterprises[1], doc.enterprises[2]
    a.green_claims = [GreenClaim(id="c1", kind=GreenKind.CERTIFICATE, year=2023,
                                 certificate_ids=["GEC-1", "GEC-2"])]
    b.green_claims = [GreenClaim(id="c2", kind=GreenKind.CERTIFICATE, year=2023,
                                 certificate_ids=["GEC-2"])]
    r = account_park(doc)
    ra = next(e for e in r.enterprises if e.enterprise_id == "ent-a")
    rb = next(e for e in r.enterprises if e.enterprise_id == "ent-b")
    assert ra.electricity.green_accepted_mwh == D(2)
    assert rb.electricity.green_accepted_mwh == 0
    assert rb.electricity.rejected_claims == ["c2"]
    assert any("GEC-2" in w for w in r.warnings)
