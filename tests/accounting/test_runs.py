"""Accounting runs: store, reproduce, park aggregation, job handler, results API, reports."""

from __future__ import annotations

import io
import json
import sys
import types
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from dualcarbon.accounting import jobs, report, service
from dualcarbon.core.accounting.catalogue import all_parameters
from dualcarbon.core.accounting.dataio import from_dict
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import ActivityDocument
from dualcarbon.core.context import Actor
from dualcarbon.db.tenancy import Grant, Scope
from dualcarbon.factors import service as factors
from testkit import As, make_enterprise, make_park, make_user, token_for

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "accounting"
Y0, Y1 = date(2023, 1, 1), date(2023, 12, 31)
ADMIN = Actor(user_id=None, username="admin")
GLOBAL = Scope("x", frozenset({Grant("park_admin")}))


def doc_json(name: str = "ex5-enterprise-total.json") -> dict:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture
def world(session):
    factors.sync_catalogue(session)
    park = make_park(session)
    ent = make_enterprise(session, park, name="甲醇化工有限公司")
    return park, ent


def test_run_stores_snapshot_versions_and_result(session, world):
    _, ent = world
    run = service.run_enterprise(session, ent.id, Y0, Y1, doc_json())
    assert run.status == "succeeded" and run.period_kind == "year"
    ref = account(from_dict(ActivityDocument, doc_json()))
    assert run.total_tco2e == ref.totals.total_tco2e.quantize(Decimal("1e-10"))
    assert str(run.total_tco2e.quantize(Decimal("0.01"))) == "388072.18"
    assert run.document["enterprise"]["id"] == "ex5"
    assert len(run.parameter_refs) == len(ref.parameters_used)
    assert {r["tier"] for r in run.parameter_refs} <= {"verified", "cited",
                                                       "memory_unverified", "calculated"}


def test_rerun_reproduces_identical_numbers(session, world):
    park, ent = world
    first = service.run_enterprise(session, ent.id, Y0, Y1, doc_json())
    # the library moves on: a park override of every fuel parameter used, from the period start
    scope = Scope("w", frozenset({Grant("park_admin", park.id)}))
    for r in first.parameter_refs:
        if r["key"].startswith("fuelA."):
            factors.create_version(session, scope, ADMIN, factors.VersionIn(
                park_id=park.id, methodology=r["methodology"], key=r["key"],
                version="park-2023", value=Decimal(r["value"]) * 2, unit=r["unit"],
                valid_from=Y0))
    fresh = service.run_enterprise(session, ent.id, Y0, Y1, doc_json())
    assert fresh.total_tco2e != first.total_tco2e
    again = service.rerun(session, first.id)
    assert again.rerun_of == first.id and again.trigger == "rerun"
    assert again.result == first.result
    assert again.parameter_refs == first.parameter_refs
    assert again.total_tco2e == first.total_tco2e


def test_failed_run_is_stored(session, world):
    _, ent = world
    d = doc_json()
    d["options"]["methodology"] = "no-such-methodology"
    run = service.run_enterprise(session, ent.id, Y0, Y1, d)
    assert run.status == "failed" and run.error and run.result is None


def test_park_run_aggregates_latest_enterprise_runs(session, world):
    park, ent = world
    ent2 = make_enterprise(session, park)
    service.run_enterprise(session, ent.id, Y0, Y1, doc_json("ex1-combustion.json"))
    r1 = service.run_enterprise(session, ent.id, Y0, Y1, doc_json())  # latest wins
    d2 = doc_json("ex1-combustion.json")
    d2["enterprise"]["id"] = "second"
    r2 = service.run_enterprise(session, ent2.id, Y0, Y1, d2)
    prun = service.run_park(session, park.id, Y0, Y1, scope=GLOBAL)
    assert prun.status == "succeeded", prun.error
    assert prun.document["enterprise_runs"] == [r1.id, r2.id]
    by_ent = {b["key"]: b["emissions_tco2e"] for b in service.breakdown(prun, "enterprise")}
    t1, t2 = (r.result["totals"]["total_tco2e"] for r in (r1, r2))
    assert by_ent == {"ex5": t1, "second": t2}
    assert Decimal(prun.result["sum_of_enterprise_totals_tco2e"]) == Decimal(t1) + Decimal(t2)


def test_job_handler_reruns_from_activity_document(session, world, monkeypatch):
    _, ent = world
    calls = []

    def build_document(sess, enterprise_id, start, end):
        calls.append((enterprise_id, start, end))
        return from_dict(ActivityDocument, doc_json())

    pkg = types.ModuleType("dualcarbon.activity")
    mod = types.ModuleType("dualcarbon.activity.service")
    mod.build_document = build_document  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dualcarbon.activity", pkg)
    monkeypatch.setitem(sys.modules, "dualcarbon.activity.service", mod)
    from dualcarbon.jobs.service import registered

    assert "accounting.rerun" in registered()[0]
    out = jobs.rerun_on_approval(session, {"enterprise_id": ent.id, "period_start": "2023-01-01",
                                           "period_end": "2023-12-31"}, lambda p: None)
    assert calls == [(ent.id, Y0, Y1)]
    assert out["status"] == "succeeded" and out["total_tco2e"].startswith("388072.18")


def _client_for(client, session, role, **kw):
    return As(client, token_for(session, make_user(session, role, **kw)))


def test_results_api_and_isolation(client, session, world):
    park, ent = world
    user = _client_for(client, session, "enterprise_user", enterprise=ent)
    r = user.post("/api/v1/accounting/runs", json={"enterprise_id": ent.id,
                                                    "period_start": "2023-01-01",
                                                    "period_end": "2023-12-31",
                                                    "document": doc_json()})
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    assert r.json()["total_tco2e"].startswith("388072.18")
    got = user.get(f"/api/v1/accounting/runs/{run_id}").json()
    assert got["document"]["enterprise"]["id"] == "ex5" and got["parameter_refs"]
    tot = user.get(f"/api/v1/accounting/runs/{run_id}/totals").json()
    assert tot["total_tco2e"] == got["result"]["totals"]["total_tco2e"]
    by_source = user.get(f"/api/v1/accounting/runs/{run_id}/breakdown",
                         params={"by": "source"}).json()
    assert sum(Decimal(b["emissions_tco2e"]) for b in by_source) == Decimal(tot["total_tco2e"])
    gas = {b["key"] for b in user.get(f"/api/v1/accounting/runs/{run_id}/breakdown",
                                      params={"by": "gas"}).json()}
    assert gas == {"CO2", "N2O"}
    fac = user.get(f"/api/v1/accounting/runs/{run_id}/breakdown",
                   params={"by": "facility"}).json()
    assert sum(Decimal(b["emissions_tco2e"]) for b in fac) == Decimal(tot["total_tco2e"])
    prov = user.get(f"/api/v1/accounting/runs/{run_id}/lines/combustion:coal-boiler/provenance"
                    ).json()
    assert prov["inputs"]["amount"] == "50000" and "AD" in prov["formula"]
    cat = {p.key: p for p in all_parameters()}
    for p in prov["parameters"]:
        assert p["library_id"] and p["tier_label_zh"]
        assert p["source_document"] == cat[p["key"]].source_document
    ind = user.get(f"/api/v1/accounting/runs/{run_id}/indicators").json()
    assert ind["energy"]["total_tce"] and ind["intensities"]["intensity_tco2e_per_1e4_cny"]
    r = user.post(f"/api/v1/accounting/runs/{run_id}/rerun")
    assert r.status_code == 201 and r.json()["total_tco2e"] == got["total_tco2e"]
    lst = user.get("/api/v1/accounting/runs").json()
    assert lst["total"] == 2
    # another enterprise of the same park sees nothing of it
    other = _client_for(client, session, "enterprise_user",
                        enterprise=make_enterprise(session, park))
    assert other.get(f"/api/v1/accounting/runs/{run_id}").status_code == 404
    assert other.get("/api/v1/accounting/runs").json()["total"] == 0
    assert other.post(f"/api/v1/accounting/runs/{run_id}/rerun").status_code == 404
    assert other.post("/api/v1/accounting/runs", json={
        "enterprise_id": ent.id, "period_start": "2023-01-01", "period_end": "2023-12-31",
        "document": doc_json()}).status_code == 422
    # park runs: park admin only
    assert user.post("/api/v1/accounting/park-runs", json={
        "park_id": park.id, "period_start": "2023-01-01", "period_end": "2023-12-31"}
    ).status_code == 403
    admin = _client_for(client, session, "park_admin", park=park)
    r = admin.post("/api/v1/accounting/park-runs", json={
        "park_id": park.id, "period_start": "2023-01-01", "period_end": "2023-12-31"})
    assert r.status_code == 201, r.text
    assert user.get(f"/api/v1/accounting/runs/{r.json()['id']}").status_code == 404


def _docx_tables(content: bytes) -> dict[str, list[list[str]]]:
    d = Document(io.BytesIO(content))
    heads = [p.text for p in d.paragraphs
             if p.style.name.startswith("Heading") and p.text != "七、说明"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return dict(zip(heads, tables, strict=True))


def test_reports_match_the_run(client, session, world):
    park, ent = world
    run = service.run_enterprise(session, ent.id, Y0, Y1, doc_json())
    user = _client_for(client, session, "enterprise_user", enterprise=ent)
    r = user.get(f"/api/v1/accounting/runs/{run.id}/report.docx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    t = _docx_tables(r.content)
    info = dict(t["一、报告主体基本信息"])
    assert info["企业名称"] == "甲醇化工有限公司"
    assert info["统一社会信用代码"] == ent.credit_code
    totals = {row[0]: row[1] for row in t["三、温室气体排放量汇总"][1:]}
    res = run.result["totals"]
    assert totals["企业温室气体排放总量"] == report.q2(res["total_tco2e"]) == "388072.18"
    assert totals["化石燃料燃烧 CO2 排放"] == report.q2(res["combustion_tco2"])
    assert totals["净购入电力隐含的 CO2 排放"] == report.q2(res["electricity_tco2"])
    lines = t["三（续）、按排放源的排放量"][1:]
    assert [row[1] for row in lines] == [ln["id"] for ln in run.result["lines"]]
    coal = next(row for row in lines if row[1] == "combustion:coal-boiler")
    assert coal[6] == report.q2(run.result["lines"][0]["emissions_tco2e"])
    params = t["五、排放因子与参数及来源"][1:]
    assert len(params) == len(run.parameter_refs)
    refs = {(p["key"], p["version"]): p for p in run.parameter_refs}
    for row in params:
        p = refs[(row[0], row[4])]
        assert row[1] == p["value"] and row[7]
    assert any(row[5] for row in params)  # source documents from the library
    act = t["四、活动水平数据及来源"][1:]
    assert ["combustion:coal-boiler", "化石燃料燃烧", "烟煤 (锅炉)", "amount", "50000"] in \
        [row[:5] for row in act]
    # the workbook holds the same tables
    r = user.get(f"/api/v1/accounting/runs/{run.id}/report.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["温室气体排放量汇总"]
    x_totals = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert x_totals == totals
    assert wb["排放因子与参数及来源"].max_row - 1 == len(run.parameter_refs)
    other = _client_for(client, session, "enterprise_user",
                        enterprise=make_enterprise(session, park))
    assert other.get(f"/api/v1/accounting/runs/{run.id}/report.docx").status_code == 404
