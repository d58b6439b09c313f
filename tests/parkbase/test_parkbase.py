"""Park-level base data (园区层面基础数据, R5.2.1.2-f): CRUD per park and year or month, audited,
park-scoped, problems in zh/en, Excel export; and its use in park runs — indicators per 10^4 CNY
of GDP and the cross-check of the park's boundary figures against its enterprises' sums."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from dualcarbon.accounting import service as runs
from dualcarbon.activity.models import ActivityDataset, ActivityRecord, ActivitySource
from dualcarbon.audit.models import AuditEvent
from dualcarbon.factors import service as factors
from testkit import As, make_enterprise, make_park, make_user, token_for

API = "/api/v1"


def _as(client, session, role, **kw):
    return As(client, token_for(session, make_user(session, role, **kw)))


def test_crud_validation_audit_and_roles(client, session):
    park = make_park(session, name="滨江园区")
    admin = _as(client, session, "park_admin", park=park)
    body = {"park_id": park.id, "year": 2023, "area_km2": "32.5", "gdp_1e4_cny": "5200000",
            "value_added_1e4_cny": "1800000", "employees": 42000,
            "purchased_electricity_mwh": "1500", "purchased_heat_gj": "0",
            "general_solid_waste_t": "12000.5", "hazardous_waste_t": "830",
            "fuels": [{"fuel": "烟煤", "quantity": "50000"},
                      {"fuel": "natural_gas", "quantity": "1200"}]}
    r = admin.post(f"{API}/park-base-data", json=body)
    assert r.status_code == 201, r.text
    row = r.json()
    assert (row["month"], row["gdp_1e4_cny"], row["hazardous_waste_t"]) == (
        None, "5200000.0000", "830.000000")
    assert [(f["fuel"], f["fuel_name"], f["unit"], Decimal(f["quantity"]))
            for f in row["fuels"]] == [("bituminous_coal", "烟煤", "t", 50000),
                                       ("natural_gas", "天然气", "1e4_nm3", 1200)]
    r = admin.post(f"{API}/park-base-data", json={"park_id": park.id, "year": 2023})
    assert r.status_code == 409 and r.json()["title"] == "该园区 2023 已有基础数据"
    en = As(client, admin.headers["Authorization"][7:], locale="en")
    r = en.post(f"{API}/park-base-data", json={"park_id": park.id, "year": 2023})
    assert r.json()["title"] == "The park already has base data for 2023"
    r = admin.post(f"{API}/park-base-data", json={
        "park_id": park.id, "year": 2023, "month": 13, "gdp_1e4_cny": "-1",
        "fuels": [{"fuel": "natural_gas", "quantity": "1", "unit": "t"}]})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"month", "gdp_1e4_cny"}
    r = admin.post(f"{API}/park-base-data", json={
        "park_id": park.id, "year": 2023, "month": 1,
        "fuels": [{"fuel": "natural_gas", "quantity": "1", "unit": "t"},
                  {"fuel": "天然气", "quantity": "2"}]})
    assert r.status_code == 422
    assert [(e["loc"], e["msg"]) for e in r.json()["errors"]] == [
        (["body", "fuels", 0, "unit"], "单位应为 1e4_nm3"),
        (["body", "fuels", 1, "fuel"], "同一燃料重复出现")]
    r = admin.patch(f"{API}/park-base-data/{row['id']}", json={
        "gdp_1e4_cny": "5300000", "fuels": [{"fuel": "diesel", "quantity": "10"}]})
    assert r.status_code == 200, r.text
    assert r.json()["gdp_1e4_cny"] == "5300000.0000" and r.json()["employees"] == 42000
    assert [f["fuel"] for f in r.json()["fuels"]] == ["diesel"]
    monthly = admin.post(f"{API}/park-base-data", json={
        "park_id": park.id, "year": 2023, "month": 5, "purchased_electricity_mwh": "9"})
    assert monthly.status_code == 201 and monthly.json()["month"] == 5
    listed = admin.get(f"{API}/park-base-data", params={"park_id": park.id, "annual": True})
    assert [x["id"] for x in listed.json()["items"]] == [row["id"]]
    # the park's enterprises and verifiers read, only the park admin writes
    ent_user = _as(client, session, "enterprise_user", enterprise=make_enterprise(session, park))
    assert ent_user.get(f"{API}/park-base-data").json()["total"] == 2
    assert ent_user.get(f"{API}/park-base-data/{row['id']}").status_code == 200
    assert ent_user.patch(f"{API}/park-base-data/{row['id']}", json={}).status_code == 403
    verifier = _as(client, session, "verifier", park=park)
    assert verifier.get(f"{API}/park-base-data/{row['id']}").status_code == 200
    assert verifier.delete(f"{API}/park-base-data/{row['id']}").status_code == 403
    other = _as(client, session, "park_admin", park=make_park(session))
    assert other.get(f"{API}/park-base-data/{row['id']}").status_code == 404
    assert other.patch(f"{API}/park-base-data/{row['id']}", json={"note": "x"}).status_code == 404
    assert other.delete(f"{API}/park-base-data/{row['id']}").status_code == 404
    assert other.get(f"{API}/park-base-data").json()["total"] == 0
    r = other.post(f"{API}/park-base-data", json={"park_id": park.id, "year": 2024})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "park_id"]
    # export: one column per fuel, headers in the caller's language
    r = admin.get(f"{API}/park-base-data/export", params={"park_id": park.id})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    head = [c.value for c in ws[1]]
    assert head[:4] == ["园区", "年份", "月份", "园区面积(km²)"] and "柴油 (t)" in head
    rows = {(x[1], x[2]): x for x in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[(2023, "全年")][head.index("地区生产总值(万元)")] == 5300000
    assert rows[(2023, "全年")][head.index("柴油 (t)")] == 10
    assert rows[(2023, 5)][head.index("外购电力(MWh)")] == 9
    r = en.get(f"{API}/park-base-data/export", params={"park_id": park.id})
    assert [c.value for c in load_workbook(io.BytesIO(r.content)).active[1]][:3] == [
        "Park", "Year", "Month"]
    assert admin.delete(f"{API}/park-base-data/{monthly.json()['id']}").status_code == 204
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "park_base_data").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update", "create", "export", "export",
                                          "delete"]
    assert events[1].before["gdp_1e4_cny"] == "5200000.0000"
    assert events[1].after["fuels"] == [{"fuel": "diesel", "quantity": "10.000000", "unit": "t"}]
    assert events[-1].before["purchased_electricity_mwh"] == "9.000000"


def _approved(session, ent, month: date, records: list[tuple[str, str, dict, str]]) -> None:
    ds = ActivityDataset(park_id=ent.park_id, enterprise_id=ent.id, month=month,
                         status="approved", created_by="t")
    session.add(ds)
    session.flush()
    for code, kind, settings, qty in records:
        src = session.scalar(select(ActivitySource).where(
            ActivitySource.enterprise_id == ent.id, ActivitySource.code == code))
        if src is None:
            unit = {"electricity": "MWh", "fuel": "t", "value_added": "1e4_cny"}[kind]
            src = ActivitySource(park_id=ent.park_id, enterprise_id=ent.id, code=code,
                                 name=code, kind=kind, unit=unit, settings=settings)
            session.add(src)
            session.flush()
        session.add(ActivityRecord(park_id=ent.park_id, enterprise_id=ent.id, dataset_id=ds.id,
                                   source_id=src.id, quantity=Decimal(qty), unit=src.unit,
                                   data_source="invoice", updated_by="t"))
    session.flush()


def test_park_run_shows_indicators_per_gdp_and_the_boundary_cross_check(client, session):
    factors.sync_catalogue(session)
    park = make_park(session, province_code="320000", grid_region="east_china")
    e1, e2 = make_enterprise(session, park), make_enterprise(session, park)
    grid_in = ("grid-in", "electricity", {"direction": "purchase"})
    coal = ("coal", "fuel", {"fuel": "bituminous_coal", "use": "fuel"})
    for m in (1, 2, 3):
        _approved(session, e1, date(2023, m, 1), [(*grid_in, "600"), (*coal, "10000")])
        _approved(session, e2, date(2023, m, 1), [(*grid_in, "400"), (*coal, "6000")])
    admin = _as(client, session, "park_admin", park=park)
    q1 = (date(2023, 1, 1), date(2023, 3, 31))
    for ent in (e1, e2):
        assert runs.run_enterprise(session, ent.id, *q1).status == "succeeded"
    # January and February only: the quarter is not covered, nothing is judged
    for m, mwh, coal_t in ((1, "1000", "16000"), (2, "1000", "16000")):
        r = admin.post(f"{API}/park-base-data", json={
            "park_id": park.id, "year": 2023, "month": m, "gdp_1e4_cny": "100000",
            "purchased_electricity_mwh": mwh, "fuels": [{"fuel": "烟煤", "quantity": coal_t}]})
        assert r.status_code == 201, r.text
    run = runs.run_park(session, park.id, *q1)
    base = run.result["park_base"]
    assert (base["figures"]["months_in_period"], base["figures"]["months_covered"]) == (3, 2)
    assert {c["status"] for c in base["cross_checks"]} <= {"incomplete", "not_reported"}
    assert base["indicators"]["intensity_tco2e_per_1e4_cny_gdp"] is None
    # March: 1,200 MWh reported at the boundary against 1,000 from the enterprises (+20 %),
    # coal 16,500 t against 16,000 t (+3 %, within the 5 % tolerance)
    r = admin.post(f"{API}/park-base-data", json={
        "park_id": park.id, "year": 2023, "month": 3, "gdp_1e4_cny": "100000",
        "area_km2": "32.5", "purchased_electricity_mwh": "1200",
        "fuels": [{"fuel": "bituminous_coal", "quantity": "16500"}]})
    assert r.status_code == 201
    run = runs.run_park(session, park.id, *q1)
    assert run.status == "succeeded", run.error
    base = run.result["park_base"]
    assert base["figures"]["months_covered"] == 3
    assert Decimal(base["figures"]["gdp_1e4_cny"]) == 300000
    total, energy = Decimal(run.result["total_tco2e"]), Decimal(run.result["energy_tce"])
    ind = base["indicators"]
    assert Decimal(ind["intensity_tco2e_per_1e4_cny_gdp"]) == total / 300000
    assert Decimal(ind["intensity_tce_per_1e4_cny_gdp"]) == energy / 300000
    assert Decimal(ind["tco2e_per_km2"]) == total / Decimal("32.5")
    assert ind["intensity_tco2e_per_1e4_cny_value_added"] is None
    checks = {(c["item"], c["fuel"]): c for c in base["cross_checks"]}
    el = checks[("electricity_purchase", None)]
    assert (Decimal(el["park_reported"]), Decimal(el["enterprises_sum"]),
            Decimal(el["difference"]), el["status"]) == (3200, 3000, 200, "mismatch")
    assert Decimal(el["relative_difference"]) == Decimal(200) / 3200
    coal_check = checks[("fuel", "bituminous_coal")]
    assert (Decimal(coal_check["park_reported"]), Decimal(coal_check["enterprises_sum"]),
            coal_check["unit"], coal_check["status"]) == (48500, 48000, "t", "ok")
    assert checks[("heat_purchase", None)]["status"] == "not_reported"
    assert run.document["park_base"]["rows"] == sorted(run.document["park_base"]["rows"])
    assert len(run.document["park_base"]["rows"]) == 3
    # the indicators route of the run shows the same (and the UI reads it from there)
    got = admin.get(f"{API}/accounting/runs/{run.id}/indicators").json()
    assert got["park_base"]["intensity_tco2e_per_1e4_cny_gdp"] == \
        ind["intensity_tco2e_per_1e4_cny_gdp"]
    assert [c["status"] for c in got["cross_checks"]] == [
        c["status"] for c in base["cross_checks"]]
    # a whole-year run uses the annual row where there is one
    r = admin.post(f"{API}/park-base-data", json={
        "park_id": park.id, "year": 2023, "gdp_1e4_cny": "480000",
        "purchased_electricity_mwh": "3000"})
    assert r.status_code == 201
    year = (date(2023, 1, 1), date(2023, 12, 31))
    for ent in (e1, e2):
        runs.run_enterprise(session, ent.id, *year)
    run = runs.run_park(session, park.id, *year)
    base = run.result["park_base"]
    assert (base["figures"]["months_covered"], Decimal(base["figures"]["gdp_1e4_cny"])) == (
        12, 480000)
    checks = {(c["item"], c["fuel"]): c for c in base["cross_checks"]}
    assert checks[("electricity_purchase", None)]["status"] == "ok"
    assert checks[("fuel", "bituminous_coal")]["status"] == "not_reported"
