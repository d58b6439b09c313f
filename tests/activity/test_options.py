"""The enterprise's accounting options (methodology, GWP set, fuel table, grid-factor scope and
location) stored with its accounting configuration, and the registry's province / regional grid
mapped to the engine's grid-factor keys, so each run picks its own grid factor."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.accounting import service as runs
from dualcarbon.activity.models import ActivityDataset, ActivityRecord, ActivitySource
from dualcarbon.activity.service import build_document
from dualcarbon.audit.models import AuditEvent
from dualcarbon.core import registry_rules
from dualcarbon.core.accounting.catalogue import grid
from dualcarbon.factors import service as factors
from testkit import As, make_enterprise, make_park, make_user, token_for

API = "/api/v1"


def test_every_registry_province_and_grid_maps_to_a_grid_factor_key():
    for p in registry_rules.PROVINCES:
        key = grid.province_key(p.code)
        assert key is not None, p.code
        assert p.name_zh.startswith(grid.PROVINCES[key][0]), (p.code, key)
        assert grid.province_key(p.name_zh) == key
        assert grid.region_key(p.grid_region) is not None, p.grid_region
    for region, (zh, _en) in registry_rules.GRID_REGIONS.items():
        assert grid.REGIONS[grid.region_key(region)] + "区域电网" == zh
        assert grid.region_key(zh) == grid.region_key(region)
    assert (grid.province_key("320000"), grid.province_key("江苏"),
            grid.province_key("jiangsu")) == ("jiangsu",) * 3
    assert grid.province_key("999999") is None and grid.province_key("火星") is None
    assert grid.region_key("east_china") == "east" and grid.region_key("mars") is None


def test_options_api_defaults_validation_audit_and_roles(client, session):
    park = make_park(session, province_code="320000", grid_region="east_china")
    ent = make_enterprise(session, park)
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    r = user.get(f"{API}/accounting-options/{ent.id}")
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["is_default"], got["methodology"], got["gwp_set"], got["grid_scope"]) == (
        True, "NDRC-2013-chemical", "SAR", "auto")
    assert got["grid_location"] == {"province_code": "320000", "grid_region": "east_china",
                                    "province": "jiangsu", "region": "east"}
    r = user.put(f"{API}/accounting-options/{ent.id}", json={
        "gwp_set": "AR9", "grid_province_code": "999999", "grid_region": "mars",
        "grid_year": 1900, "colour": "red"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {
        "gwp_set", "grid_province_code", "grid_region", "grid_year", "colour"}
    r = user.put(f"{API}/accounting-options/{ent.id}", json={
        "gwp_set": "AR5", "grid_province_code": "510000", "electricity_view_for_total": "market"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["is_default"], got["gwp_set"], got["electricity_view_for_total"]) == (
        False, "AR5", "market")
    assert got["grid_location"] == {"province_code": "510000", "grid_region": "southwest_china",
                                    "province": "sichuan", "region": "southwest"}
    assert user.get(f"{API}/accounting-options/{ent.id}").json()["gwp_set"] == "AR5"
    ev = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "accounting_option")).all()
    assert [e.action for e in ev] == ["create"] and ev[0].enterprise_id == ent.id
    verifier = As(client, token_for(session, make_user(session, "verifier", park=park)))
    assert verifier.get(f"{API}/accounting-options/{ent.id}").status_code == 200
    assert verifier.put(f"{API}/accounting-options/{ent.id}", json={}).status_code == 403
    stranger = As(client, token_for(session, make_user(session, "park_admin",
                                                       park=make_park(session))))
    assert stranger.get(f"{API}/accounting-options/{ent.id}").status_code == 404
    assert stranger.put(f"{API}/accounting-options/{ent.id}", json={}).status_code == 404


def _approved(session, ent, months: list[date], mwh: str) -> None:
    """A purchased-electricity source with approved data of `mwh` in each month."""
    src = ActivitySource(park_id=ent.park_id, enterprise_id=ent.id, code="grid-in",
                         name="外购电力", kind="electricity", unit="MWh",
                         settings={"direction": "purchase"})
    session.add(src)
    session.flush()
    for month in months:
        ds = ActivityDataset(park_id=ent.park_id, enterprise_id=ent.id, month=month,
                             status="approved", created_by="t")
        session.add(ds)
        session.flush()
        session.add(ActivityRecord(park_id=ent.park_id, enterprise_id=ent.id, dataset_id=ds.id,
                                   source_id=src.id, quantity=Decimal(mwh), unit="MWh",
                                   data_source="invoice", updated_by="t"))
    session.flush()


def _run(session, ent, start: date, end: date):
    run = runs.run_enterprise(session, ent.id, start, end)
    assert run.status == "succeeded", run.error
    return run


def test_enterprises_in_different_provinces_get_their_own_grid_factor(client, session):
    factors.sync_catalogue(session)
    jiangsu = make_park(session, province_code="320000", grid_region="east_china")
    sichuan = make_park(session, province_code="510000", grid_region="southwest_china")
    e_js = make_enterprise(session, jiangsu)
    e_sc = make_enterprise(session, sichuan)
    e_moved = make_enterprise(session, jiangsu)  # in the Jiangsu park, metered in Sichuan
    for ent in (e_js, e_sc, e_moved):
        _approved(session, ent, [date(2022, 3, 1), date(2023, 3, 1)], "1000")
    admin = As(client, token_for(session, make_user(session, "park_admin", park=jiangsu)))
    r = admin.put(f"{API}/accounting-options/{e_moved.id}",
                  json={"grid_province_code": "510000", "gwp_set": "AR5"})
    assert r.status_code == 200, r.text
    doc = build_document(session, e_moved.id, date(2022, 3, 1), date(2022, 3, 31))
    assert (doc.enterprise.province, doc.enterprise.region, doc.options.gwp_set) == (
        "sichuan", "southwest", "AR5")

    def factor(ent, year):
        run = _run(session, ent, date(year, 3, 1), date(year, 3, 31))
        el = run.result["electricity"]
        return (el["location_factor_key"], Decimal(el["location_factor_tco2_per_mwh"]),
                Decimal(run.result["totals"]["total_tco2e"]))

    # 2022: provincial factors are published
    assert factor(e_js, 2022) == ("grid.location.province.jiangsu@2022", Decimal("0.5978"),
                                  Decimal("597.8"))
    assert factor(e_sc, 2022) == ("grid.location.province.sichuan@2022", Decimal("0.1404"),
                                  Decimal("140.4"))
    assert factor(e_moved, 2022)[0] == "grid.location.province.sichuan@2022"
    # 2023: no provincial factor for either province yet, so the regional grid of each
    assert factor(e_js, 2023)[:2] == ("grid.location.region.east@2023", Decimal("0.5500"))
    assert factor(e_sc, 2023)[:2] == ("grid.location.region.southwest@2023", Decimal("0.2472"))
    # the park run uses the park's own factor although its enterprises' documents disagree
    park_run = runs.run_park(session, jiangsu.id, date(2022, 3, 1), date(2022, 3, 31))
    assert park_run.status == "succeeded", park_run.error
    boundary = park_run.result["boundary"]
    assert boundary["electricity_factor_key"] == "grid.location.province.jiangsu@2022"
    assert Decimal(boundary["electricity_import_mwh"]) == 2000
    # …with the grid scope the enterprises agree on: all national → the national factor
    for ent in (e_js, e_moved):
        r = admin.put(f"{API}/accounting-options/{ent.id}", json={"grid_scope": "national"})
        assert r.status_code == 200, r.text
        assert factor(ent, 2022)[0] == "grid.location.national@2022"
    park_run = runs.run_park(session, jiangsu.id, date(2022, 3, 1), date(2022, 3, 31))
    assert park_run.result["boundary"]["electricity_factor_key"] == "grid.location.national@2022"
