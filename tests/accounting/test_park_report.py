"""Park runs: the park report (.docx / .xlsx) against the stored result, the park breakdowns,
the refresh of enterprise runs from approved activity data, and who may see park runs."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from dualcarbon.accounting import report, service
from dualcarbon.activity.service import build_document
from dualcarbon.core.accounting.engine import account
from dualcarbon.db.tenancy import Grant, Scope
from dualcarbon.factors import service as factors
from testkit import As, make_enterprise, make_park, make_user, token_for

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "accounting"
Y0, Y1 = date(2023, 1, 1), date(2023, 12, 31)
GLOBAL = Scope("x", frozenset({Grant("park_admin")}))
API = "/api/v1"
NAMES = {"chp": "滨江热电有限公司", "ent-a": "甲醇硝酸化工有限公司", "ent-b": "乙烯化工有限公司",
         "ent-c": "精细化工有限公司"}


def _as(client, session, role, **kw):
    return As(client, token_for(session, make_user(session, role, **kw)))


@pytest.fixture
def park_run(session):
    """Methodology.md Example 9 as a park of four registered enterprises, each run on its own
    document, then the park run over them."""
    factors.sync_catalogue(session)
    park = make_park(session, name="滨江化学工业园区")
    ex9 = json.loads((EXAMPLES / "ex9-park.json").read_text("utf-8"))
    ents = {}
    for doc in ex9["enterprises"]:
        key = doc["enterprise"]["id"]
        ents[key] = make_enterprise(session, park, name=NAMES[key])
        run = service.run_enterprise(session, ents[key].id, Y0, Y1, doc)
        assert run.status == "succeeded", run.error
    prun = service.run_park(session, park.id, Y0, Y1, scope=GLOBAL)
    assert prun.status == "succeeded", prun.error
    return park, ents, prun


def _docx_tables(content: bytes) -> dict[str, list[list[str]]]:
    d = Document(io.BytesIO(content))
    heads = [p.text for p in d.paragraphs
             if p.style.name.startswith("Heading") and p.style.name != "Title"
             and not p.text.endswith("说明")]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return dict(zip(heads, tables, strict=True))


def _num(s: str) -> Decimal:
    return Decimal(s)


def test_park_report_docx_matches_the_run(client, session, park_run):
    park, _, prun = park_run
    res = prun.result
    admin = _as(client, session, "park_admin", park=park)
    r = admin.get(f"{API}/accounting/runs/{prun.id}/report.docx")
    assert r.status_code == 200, r.text
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    t = _docx_tables(r.content)
    info = dict(t["一、报告主体基本信息"])
    assert info["园区名称"] == "滨江化学工业园区"
    assert info["纳入核算的企业"] == "4 家"
    assert info["核算编号"] == str(prun.id)
    members = t["二、核算边界（纳入核算的企业）"][1:]
    assert [m[4] for m in members] == [str(i) for i in prun.document["enterprise_runs"]]
    assert members[0][5].startswith("发电设施核算指南")

    totals = {row[0]: row[1] for row in t["三、园区温室气体排放量汇总"][1:]}
    # methodology.md §7 Example 9: direct 2 062 649.46, with the net grid exchange 2 009 589.46
    assert totals["园区温室气体排放总量"] == report.q2(res["total_tco2e"]) == "2009589.46"
    assert totals["园区直接排放（各企业直接排放之和）"] == "2062649.46"
    assert totals["边界净调入隐含的排放"] == report.q2(res["boundary"]["net_tco2"]) == "-53060.00"
    assert totals["参考：只计调入、不扣调出的排放量"] == "2168769.46"

    recon = {row[0]: row[1] for row in t["四、排放量核对（园区内部供应抵消）"][1:]}
    s = _num(recon["各企业排放总量之和"])
    internal = _num(recon["减：园区内部供应电力、热力（购方间接排放，已抵消）"])
    adj = _num(recon["加：边界外送调整（发电企业自身未扣减的外送电力、热力）"])
    assert s == _num(report.q2(res["sum_of_enterprise_totals_tco2e"]))
    assert internal == _num(report.q2(res["internal_supply_tco2e"])) > 0
    assert abs(s - internal + adj - _num(recon["园区温室气体排放总量"])) <= Decimal("0.02")

    # by enterprise: registry names, each enterprise run's figures, the sum is the park's
    rows = t["五、按企业的排放量"][1:]
    body, total_row = rows[:-1], rows[-1]
    assert [r[0] for r in body] == [NAMES[e["enterprise_id"]] for e in res["enterprises"]]
    for row, e in zip(body, res["enterprises"], strict=True):
        assert row[2] == report.q2(e["totals"]["direct_tco2e"])
        assert row[4] == report.q2(e["totals"]["total_tco2e"])
    assert total_row[0] == "合计" and total_row[2] == totals["园区直接排放（各企业直接排放之和）"]
    assert abs(sum(_num(r[2]) for r in body) - _num(total_row[2])) <= Decimal("0.01") * len(body)
    assert total_row[4] == recon["各企业排放总量之和"]
    assert total_row[5] == report.q2(res["internal_supply_tco2e"])
    # the buyers carry what is netted out of their totals
    assert _num(body[1][5]) > 0 and _num(body[0][5]) == 0  # ent-a buys from the CHP; the CHP not

    groups = t["六、按行业的排放量"][1:]
    assert {g[0] for g in groups} == {"power", "chemicals"}
    assert sum(_num(g[2]) for g in groups) == pytest.approx(
        _num(totals["园区直接排放（各企业直接排放之和）"]), abs=Decimal("0.02"))
    assert sum(int(g[1]) for g in groups) == 4

    supplies = t["七、园区内部能源供应（已抵消）"][1:]
    assert len(supplies) == len(res["internal_supplies"]) + 1
    assert {r[0] for r in supplies[:-1]} == {NAMES["chp"]}
    assert {r[2] for r in supplies[:-1]} == {"电力", "热力"}
    assert supplies[0][5] == "0.816750 tCO2/MWh"  # the CHP's own supply factor (Example 9)
    assert supplies[-1][7] == report.q2(res["internal_supply_tco2e"])
    assert abs(sum(_num(r[7]) for r in supplies[:-1]) - _num(supplies[-1][7])) <= Decimal("0.05")

    exchange = {row[0]: row for row in t["八、园区边界能源交换"][1:]}
    b = res["boundary"]
    assert exchange["电力调入（自园区外电网）"][1] == report.q2(b["electricity_import_mwh"])
    assert exchange["电力调出（送至园区外电网）"][1] == report.q2(b["electricity_export_mwh"])
    assert exchange["电力调入（自园区外电网）"][3] == str(b["electricity_factor_tco2_per_mwh"])
    assert exchange["边界净调入合计"][5] == totals["边界净调入隐含的排放"]
    assert sum(_num(row[5]) for k, row in exchange.items() if k != "边界净调入合计") == \
        _num(exchange["边界净调入合计"][5])

    energy = {row[0]: row[1] for row in t["九、综合能耗与强度"][1:]}
    assert energy["园区综合能源消费量（扣除园区内部供应）"] == report.q2(res["energy_tce"])
    assert energy["工业增加值"] == report.q2(res["value_added_1e4_cny"])
    assert energy["单位工业增加值排放"] == format(
        Decimal(res["intensity_tco2e_per_1e4_cny"]).quantize(Decimal("0.0001")), "f")

    params = t["十、排放因子与参数及来源"][1:]
    assert len(params) == len(prun.parameter_refs) > 0
    refs = {(p["key"], p["version"]): p for p in prun.parameter_refs}
    for row in params:
        assert row[1] == refs[(row[0], row[4])]["value"] and row[7]
    assert any(row[5] for row in params)  # source documents from the library
    assert any(row[7] == "记忆值未核实" for row in params)


def test_park_report_xlsx_holds_the_same_figures(client, session, park_run):
    park, _, prun = park_run
    admin = _as(client, session, "park_admin", park=park)
    docx = _docx_tables(admin.get(f"{API}/accounting/runs/{prun.id}/report.docx").content)
    r = admin.get(f"{API}/accounting/runs/{prun.id}/report.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["基本信息", "核算边界（纳入核算的企业）", "园区温室气体排放量汇总",
                             "排放量核对（园区内部供应抵消）", "按企业的排放量", "按行业的排放量",
                             "园区内部能源供应（已抵消）", "园区边界能源交换", "综合能耗与强度",
                             "排放因子与参数及来源", "说明"]
    for title, rows in docx.items():
        if title.startswith("一"):
            continue
        ws = wb[report._sheet_name(title)]
        got = [[c if c is not None else "" for c in row]
               for row in ws.iter_rows(values_only=True)]
        assert got == rows, title


def test_park_breakdowns(client, session, park_run):
    park, ents, prun = park_run
    admin = _as(client, session, "park_admin", park=park)
    by_ent = admin.get(f"{API}/accounting/runs/{prun.id}/breakdown",
                       params={"by": "enterprise"}).json()
    assert [b["name"] for b in by_ent] == [NAMES[e["enterprise_id"]]
                                          for e in prun.result["enterprises"]]
    assert {b["enterprise_id"] for b in by_ent} == {e.id for e in ents.values()}
    assert sum(Decimal(b["direct_tco2e"]) for b in by_ent) == Decimal(
        prun.result["direct_tco2e"])
    assert sum(Decimal(b["internal_supply_tco2e"]) for b in by_ent) == Decimal(
        prun.result["internal_supply_tco2e"])
    assert all(b["run_id"] in prun.document["enterprise_runs"] for b in by_ent)
    groups = admin.get(f"{API}/accounting/runs/{prun.id}/breakdown",
                       params={"by": "industry_group"}).json()
    assert sum(Decimal(g["emissions_tco2e"]) for g in groups) == Decimal(
        prun.result["direct_tco2e"])
    assert sum(Decimal(g["share_of_park_direct_pct"]) for g in groups) == pytest.approx(100)
    # industry_group is a park breakdown
    run1 = prun.document["enterprise_runs"][0]
    r = admin.get(f"{API}/accounting/runs/{run1}/breakdown", params={"by": "industry_group"})
    assert r.status_code == 422


def test_park_runs_are_for_park_roles_only(client, session, park_run):
    park, ents, prun = park_run
    user = _as(client, session, "enterprise_user", enterprise=ents["ent-a"])
    assert user.get(f"{API}/accounting/runs", params={"level": "park"}).json()["total"] == 0
    for path in ("", "/totals", "/report.docx", "/report.xlsx", "/indicators"):
        assert user.get(f"{API}/accounting/runs/{prun.id}{path}").status_code == 404, path
    assert user.get(f"{API}/accounting/runs/{prun.id}/breakdown",
                    params={"by": "enterprise"}).status_code == 404
    assert "accounting.park_run:read" not in user.get(f"{API}/auth/me").json()["permissions"]
    verifier = _as(client, session, "verifier", park=park)
    assert "accounting.park_run:read" in verifier.get(f"{API}/auth/me").json()["permissions"]
    assert verifier.get(f"{API}/accounting/runs/{prun.id}/report.docx").status_code == 200
    assert verifier.post(f"{API}/accounting/park-runs", json={
        "park_id": park.id, "period_start": "2023-01-01", "period_end": "2023-12-31"}
    ).status_code == 403
    # another park's administrator sees nothing of it
    other = _as(client, session, "park_admin", park=make_park(session))
    assert other.get(f"{API}/accounting/runs/{prun.id}/report.docx").status_code == 404


def _approved_month(user, admin, ent_id: int, src: int, month: str, qty: str) -> None:
    ds = user.post(f"{API}/activity-datasets", json={"enterprise_id": ent_id,
                                                     "month": month}).json()
    assert user.post(f"{API}/activity-datasets/{ds['id']}/records",
                     json={"source_id": src, "quantity": qty}).status_code == 200
    assert user.post(f"{API}/activity-datasets/{ds['id']}/submit").status_code == 200
    assert admin.post(f"{API}/activity-datasets/{ds['id']}/approve",
                      json={}).status_code == 200


def test_park_quarter_refreshes_enterprise_runs_from_approved_data(client, session):
    factors.sync_catalogue(session)
    park = make_park(session)
    ent = make_enterprise(session, park, name="华星化肥有限公司", industry_code="2621")
    idle = make_enterprise(session, park)  # no approved data: not run
    user = _as(client, session, "enterprise_user", enterprise=ent)
    admin = _as(client, session, "park_admin", park=park)
    src = user.post(f"{API}/activity-sources", json={
        "enterprise_id": ent.id, "code": "coal", "name": "烟煤", "kind": "fuel", "unit": "t",
        "settings": {"fuel": "bituminous_coal", "use": "fuel"}}).json()["id"]
    _approved_month(user, admin, ent.id, src, "2023-01", "1000")
    _approved_month(user, admin, ent.id, src, "2023-02", "500")
    body = {"park_id": park.id, "period_start": "2023-01-01", "period_end": "2023-03-31"}
    # only monthly data: without a refresh there is no quarter run of the enterprise
    r = admin.post(f"{API}/accounting/park-runs", json=body)
    assert r.status_code == 422 and r.json()["code"] == "accounting.no-enterprise-runs"
    r = admin.post(f"{API}/accounting/park-runs", json={**body, "refresh_enterprises": True})
    assert r.status_code == 201, r.text
    prun = service.get_run(session, service.SYSTEM_SCOPE, r.json()["id"])
    assert prun.period_kind == "quarter"
    (refreshed,) = prun.document["refreshed"]
    assert refreshed["enterprise_id"] == ent.id and refreshed["status"] == "succeeded"
    assert prun.document["enterprise_runs"] == [refreshed["run_id"]]
    assert idle.id not in [x["enterprise_id"] for x in prun.document["refreshed"]]
    doc = build_document(session, ent.id, date(2023, 1, 1), date(2023, 3, 31))
    expected = account(doc, factors.parameter_set(session, park.id)).totals.total_tco2e
    assert Decimal(prun.result["total_tco2e"]) == expected > 0
    groups = admin.get(f"{API}/accounting/runs/{prun.id}/breakdown",
                       params={"by": "industry_group"}).json()
    assert [(g["key"], g["name"]) for g in groups] == [("2621", "2621 氮肥制造")]
    t = _docx_tables(admin.get(f"{API}/accounting/runs/{prun.id}/report.docx").content)
    assert dict(t["一、报告主体基本信息"])["报告期"] == "2023-01-01 至 2023-03-31（季度）"
    assert t["五、按企业的排放量"][1][0] == "华星化肥有限公司"
    assert t["五、按企业的排放量"][1][1] == "2621 氮肥制造"
    assert t["七、园区内部能源供应（已抵消）"][1:] == []
