"""Excel/CSV template of a month's activity data and its all-or-nothing import."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from testkit import As, make_enterprise, make_park, make_user, token_for

API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _setup(client, session, locale="zh-CN"):
    park = make_park(session)
    ent = make_enterprise(session, park)
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)),
              locale=locale)
    for body in (
        {"code": "coal", "name": "烟煤", "kind": "fuel", "unit": "t",
         "settings": {"fuel": "bituminous_coal"}},
        {"code": "lime", "name": "石灰石", "kind": "carbonate", "unit": "t",
         "settings": {"carbonate": "CaCO3"}},
        {"code": "grid", "name": "外购电力", "kind": "electricity", "unit": "MWh",
         "settings": {"direction": "purchase"}},
    ):
        assert user.post(f"{API}/activity-sources",
                         json={"enterprise_id": ent.id, **body}).status_code == 201
    ds = user.post(f"{API}/activity-datasets",
                   json={"enterprise_id": ent.id, "month": "2024-03"}).json()
    return ent, user, ds


def _template(user, ds):
    r = user.get(f"{API}/activity-datasets/{ds['id']}/template")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    return load_workbook(io.BytesIO(r.content))


def _upload(user, ds, wb, name="t.xlsx"):
    buf = io.BytesIO()
    wb.save(buf)
    return user.post(f"{API}/activity-datasets/{ds['id']}/import",
                     files={"file": (name, buf.getvalue(), XLSX)})


def _col(ws, header):
    return [c.value for c in ws[1]].index(header) + 1


def test_template_mirrors_report_tables_and_imports(client, session):
    _ent, user, ds = _setup(client, session)
    wb = _template(user, ds)
    assert wb.sheetnames[:5] == ["化石燃料燃烧", "工业生产过程", "CO2回收利用",
                                 "净购入电力和热力", "产品产量及其他"]
    comb, proc, energy = wb["化石燃料燃烧"], wb["工业生产过程"], wb["净购入电力和热力"]
    assert energy.cell(2, 1).value == "grid" and energy.cell(3, 1).value is None
    assert [c.value for c in comb[1]][:7] == ["排放源编码", "排放源名称", "类别", "单位",
                                              "活动数据", "低位发热量(GJ/单位)",
                                              "含碳量(tC/单位)"]
    assert comb.cell(2, 1).value == "coal" and comb.cell(2, 4).value == "t"
    assert proc.cell(2, 1).value == "lime" and "纯度(%/100)" in [c.value for c in proc[1]]
    comb.cell(2, _col(comb, "活动数据"), "1234.5")
    comb.cell(2, _col(comb, "低位发热量(GJ/单位)"), 23.5)
    comb.cell(2, _col(comb, "数据来源"), "检测报告")
    proc.cell(2, _col(proc, "活动数据"), 100)
    proc.cell(2, _col(proc, "纯度(%/100)"), 0.95)
    # the electricity line is left empty: no record for it
    r = _upload(user, ds, wb)
    assert r.status_code == 200, r.text
    recs = {x["source_id"]: x for x in r.json()["records"]}
    assert len(recs) == 2
    got = sorted((Decimal(x["quantity"]), x["data_source"]) for x in recs.values())
    assert got == [(Decimal(100), "meter_ledger"), (Decimal("1234.5"), "lab_test")]
    coal = next(x for x in recs.values() if x["data_source"] == "lab_test")
    assert Decimal(coal["ncv"]) == Decimal("23.5")
    lime = next(x for x in recs.values() if x["data_source"] == "meter_ledger")
    assert Decimal(lime["params"]["purity"]) == Decimal("0.95")
    # the export now carries the records back
    wb2 = _template(user, ds)
    assert wb2["化石燃料燃烧"].cell(2, _col(wb2["化石燃料燃烧"], "数据来源")).value == "检测报告"


def test_import_reports_every_bad_cell_and_stores_nothing(client, session):
    _ent, user, ds = _setup(client, session)
    wb = _template(user, ds)
    comb, proc, energy = wb["化石燃料燃烧"], wb["工业生产过程"], wb["净购入电力和热力"]
    energy.cell(2, _col(energy, "活动数据"), 10)  # a good line: still not stored
    comb.cell(2, _col(comb, "活动数据"), "abc")
    comb.cell(2, _col(comb, "数据来源"), "估计")
    comb.cell(3, 1, "nope")
    comb.cell(3, _col(comb, "活动数据"), 1)
    proc.cell(2, _col(proc, "活动数据"), -5)
    proc.cell(2, _col(proc, "单位"), "kg")
    r = _upload(user, ds, wb)
    assert r.status_code == 422, r.text
    body = r.json()
    msgs = [e["msg"] for e in body["errors"]]
    assert "工作表 化石燃料燃烧 第 2 行 E(活动数据) 列：不是有效数值" in msgs
    assert any(m.startswith("工作表 化石燃料燃烧 第 2 行") and "数据来源无效" in m for m in msgs)
    assert "工作表 化石燃料燃烧 第 3 行 A(排放源编码) 列：排放源编码不存在或已停用" in msgs
    assert "工作表 工业生产过程 第 2 行 E(活动数据) 列：不能为负数" in msgs
    assert "工作表 工业生产过程 第 2 行 D(单位) 列：单位应为 t" in msgs
    assert len(msgs) == 5 and "5" in body["title"]
    assert user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"] == []
    en = As(user.client, user.headers["Authorization"][7:], locale="en")
    r = _upload(en, ds, wb)
    assert "sheet 化石燃料燃烧, row 2, column E(活动数据): Not a valid number" in [
        e["msg"] for e in r.json()["errors"]]
    r = user.post(f"{API}/activity-datasets/{ds['id']}/import",
                  files={"file": ("x.xlsx", b"not a workbook", XLSX)})
    assert r.status_code == 422 and "无法读取文件" in r.json()["errors"][0]["msg"]


def test_csv_round_trip_and_locked_import(client, session):
    _ent, user, ds = _setup(client, session)
    r = user.get(f"{API}/activity-datasets/{ds['id']}/template", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("排放源编码,排放源名称,类别,单位,活动数据")
    rows = [line.split(",") for line in lines]
    qty = rows[0].index("活动数据")
    grid = next(row for row in rows if row[0] == "grid")
    grid[qty] = "88.8"
    text = "\n".join(",".join(row) for row in rows)
    r = user.post(f"{API}/activity-datasets/{ds['id']}/import",
                  files={"file": ("a.csv", text.encode("utf-8"), "text/csv")})
    assert r.status_code == 200, r.text
    (rec,) = r.json()["records"]
    assert Decimal(rec["quantity"]) == Decimal("88.8")
    assert user.post(f"{API}/activity-datasets/{ds['id']}/submit").status_code == 200
    r = user.post(f"{API}/activity-datasets/{ds['id']}/import",
                  files={"file": ("a.csv", text.encode("utf-8"), "text/csv")})
    assert r.status_code == 409
    r = user.post(f"{API}/activity-datasets/{ds['id']}/import",
                  files={"file": ("a.xlsx", b"not a workbook", XLSX)})
    assert r.status_code == 409  # locked before the file is even read


def test_a_source_must_sit_on_its_report_sheet(client, session):
    _ent, user, ds = _setup(client, session)
    wb = _template(user, ds)
    comb, energy = wb["化石燃料燃烧"], wb["净购入电力和热力"]
    # the purchased-electricity line moved from its sheet onto the combustion sheet
    comb.cell(3, _col(comb, "排放源编码"), energy.cell(2, 1).value)
    comb.cell(3, _col(comb, "活动数据"), 10)
    energy.delete_rows(2)
    comb.cell(2, _col(comb, "活动数据"), 5)
    r = _upload(user, ds, wb)
    assert r.status_code == 422, r.text
    assert [e["msg"] for e in r.json()["errors"]] == [
        "工作表 化石燃料燃烧 第 3 行 A(排放源编码) 列：电力类排放源应填在工作表“净购入电力和热力”"]
    assert user.get(f"{API}/activity-datasets/{ds['id']}").json()["records"] == []
    en = As(user.client, user.headers["Authorization"][7:], locale="en")
    r = _upload(en, ds, wb)
    assert [e["msg"] for e in r.json()["errors"]] == [
        "sheet 化石燃料燃烧, row 3, column A(排放源编码): A source of kind Electricity belongs "
        "on sheet 净购入电力和热力 (Net purchased electricity and heat)"]
    # on its own sheet the same line imports
    energy.cell(2, 1, "grid")
    energy.cell(2, _col(energy, "活动数据"), 10)
    comb.delete_rows(3)
    r = _upload(user, ds, wb)
    assert r.status_code == 200, r.text
    assert sorted(Decimal(x["quantity"]) for x in r.json()["records"]) == [5, 10]
