"""`dualcarbon calc FILE.xlsx`: an enterprise's whole activity document as the Excel workbook
(企业信息 + the report sheets of the monthly template), its blank/filled template, and the
cell-located refusal of bad files. The figures must equal those of the JSON documents of
methodology.md §7."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from dualcarbon.activity import workbook
from dualcarbon.activity.errors import ImportRejected
from dualcarbon.core.accounting.calc import calc_json
from dualcarbon.core.accounting.dataio import activity_from_json, to_dict
from dualcarbon.core.accounting.engine import account

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "accounting"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dualcarbon", "calc", *args],
                          capture_output=True, text=True)


def _json_result(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(calc_json((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))


def _save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def _put(ws, row: int, values: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    headers = [c.value for c in ws[1]]
    for header, value in values.items():
        ws.cell(row, headers.index(header) + 1, value)


def _info(ws, items: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in items:
            row[1].value = items[row[0].value]


def test_ex1_typed_into_the_blank_template_gives_the_golden_total(tmp_path: Path) -> None:
    proc = _cli("--template", str(tmp_path / "blank.xlsx"))
    assert proc.returncode == 0, proc.stderr
    wb = load_workbook(tmp_path / "blank.xlsx")
    assert wb.sheetnames[:7] == ["企业信息", "设施和工艺", "化石燃料燃烧", "工业生产过程",
                                 "CO2回收利用", "净购入电力和热力", "产品产量及其他"]
    _info(wb["企业信息"], {"企业编码": "ex1", "企业名称": "示例化工企业", "核算年度": 2023,
                          "电网排放因子口径": "全国"})
    ws = wb["化石燃料燃烧"]
    _put(ws, 2, {"排放源编码": "coal-boiler", "类别": "化石燃料", "燃料品种": "烟煤",
                 "用途(燃料/原料)": "燃料", "单位": "t", "活动数据": 50000})
    _put(ws, 3, {"排放源编码": "ng-reformer-fuel", "类别": "化石燃料", "燃料品种": "天然气",
                 "单位": "1e4_nm3", "活动数据": 1200})
    _put(ws, 4, {"排放源编码": "diesel-vehicles", "类别": "化石燃料", "燃料品种": "diesel",
                 "活动数据": "300"})
    _put(ws, 5, {"排放源编码": "not-used", "类别": "化石燃料", "燃料品种": "柴油"})  # no figure
    proc = _cli(str(_save(wb, tmp_path / "ex1.xlsx")))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["totals"]["combustion_tco2"] == "113962.52"
    assert out["totals"] == _json_result("ex1-combustion")["totals"]
    assert [ln["id"] for ln in out["lines"]] == [
        "combustion:coal-boiler", "combustion:ng-reformer-fuel", "combustion:diesel-vehicles"]


def test_ex4_electricity_heat_and_green_power_by_hand(tmp_path: Path) -> None:
    wb = Workbook()
    info = wb.active
    info.title = "企业信息"
    for row in (["项目", "值"], ["企业编码", "ex4"], ["核算年度", "2023"],
                ["电网排放因子口径", "national"]):
        info.append(row)
    ws = wb.create_sheet("净购入电力和热力")
    ws.append(["类别", "排放源编码", "方向(购入/输出)", "介质(蒸汽/热水/热量)", "单位", "活动数据",
               "温度(℃)", "压力(MPa,绝压)", "蒸汽焓值(kJ/kg)", "绿电类型(绿电交易/绿证)",
               "备注"])
    ws.append(["电力", "grid-in", "购入", None, "MWh", 120000])
    ws.append(["电力", "grid-out", "输出", None, "MWh", "5,000"])
    ws.append(["热力", "steam-in", "购入", "蒸汽", "t", 200000, 250, 1.0, 2943])
    ws.append(["绿电/绿证", "gp-2023", None, None, "MWh", 30000, None, None, None, "绿电交易",
               "绿电交易结算单 2023"])
    proc = _cli(str(_save(wb, tmp_path / "ex4.xlsx")))
    assert proc.returncode == 0, proc.stderr
    out, expected = json.loads(proc.stdout), _json_result("ex4-electricity-heat")
    assert out["totals"] == expected["totals"]
    assert out["electricity"] == expected["electricity"]
    assert (out["electricity"]["location_tco2"], out["electricity"]["market_tco2"],
            out["totals"]["heat_tco2"]) == ("61019.00", "51816.00", "62903.72")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.xlsx")), ids=lambda p: p.name)
def test_example_workbooks_equal_their_json_documents(path: Path) -> None:
    doc, _where = workbook.read(path.read_bytes())
    expected = account(activity_from_json(path.with_suffix(".json").read_text("utf-8")))
    got = account(doc)
    assert to_dict(got.totals) == to_dict(expected.totals)
    assert {x.id: x.emissions_tco2e for x in got.lines} == {
        x.id: x.emissions_tco2e for x in expected.lines}
    for level in ("facilities", "processes", "products"):
        assert [(x.id, x.emissions_tco2e) for x in getattr(got, level)] == [
            (x.id, x.emissions_tco2e) for x in getattr(expected, level)], level
    assert to_dict(got.energy) == to_dict(expected.energy)


def test_ex5_workbook_on_the_command_line() -> None:
    proc = _cli(str(EXAMPLES / "ex5-enterprise-total.xlsx"))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["totals"]["total_tco2e"] == "388072.18"
    assert out["totals"]["process_co2_tco2"] == "82438.10"
    assert out["intensities"]["intensity_tco2e_per_1e4_cny"] == "1.108778"
    assert out["totals"] == _json_result("ex5-enterprise-total")["totals"]


def test_template_from_a_document_says_what_it_cannot_hold(tmp_path: Path) -> None:
    proc = _cli("--template", str(tmp_path / "ex6.xlsx"),
                str(EXAMPLES / "ex6-chp-power-facility.json"))
    assert proc.returncode == 0
    assert "power_facilities/chp-units" in proc.stderr
    doc, _ = workbook.read((tmp_path / "ex6.xlsx").read_bytes())
    (pf,) = doc.power_facilities
    assert pf.generation_mwh is None and sum(c.amount_t for c in pf.coal) == Decimal(900000)


def _bad_workbook() -> Workbook:
    wb = Workbook()
    info = wb.active
    info.title = "企业信息"
    for row in (["项目", "值"], ["企业名称", "x"], ["核算年度", 2023], ["所在省份", "火星"],
                ["GWP版本", "AR9"], ["颜色", "红"]):
        info.append(row)
    b = wb.create_sheet("设施和工艺")
    b.append(["类型(设施/工艺)", "编码", "名称"])
    b.append(["设施", "boiler", "锅炉"])
    comb = wb.create_sheet("化石燃料燃烧")
    comb.append(["排放源编码", "类别", "燃料品种", "单位", "活动数据", "设施编码",
                 "月份(YYYY-MM,可空)", "气体组分(体积分数)", "数据来源"])
    comb.append(["coal", "化石燃料", "烟煤", "t", "abc", "boiler"])
    comb.append(["grid", "电力", None, "MWh", 10])  # electricity on the combustion sheet
    comb.append(["gas", "化石燃料", "天然气", "t", 10, "boiler-x", "2024-01", "CH4=2"])
    comb.append(["mystery", "化石燃料", "神秘燃料", "t", 10, None, None, None, "估计"])
    proc = wb.create_sheet("工业生产过程")
    proc.append(["排放源编码", "类别", "碳酸盐品种", "单位", "活动数据"])
    proc.append(["lime", "碳酸盐", "石灰石", "t", 100])  # no purity: the engine refuses it
    return wb


def test_every_bad_cell_is_named_and_nothing_is_accounted(tmp_path: Path) -> None:
    path = _save(_bad_workbook(), tmp_path / "bad.xlsx")
    proc = _cli(str(path))
    assert proc.returncode == 2 and proc.stdout == ""
    msgs = proc.stderr.strip().splitlines()
    expected = [
        "工作表 企业信息 第 5 行 B(值) 列：取值应为 SAR / AR4 / AR5 / AR6 之一",
        "工作表 企业信息 第 6 行 A 列：未知项目“颜色”",
        "工作表 企业信息 第 4 行 B(值) 列："
        "不是有效的省份（填省份名称或6位行政区划代码，如 江苏 或 320000）",
        "工作表 企业信息 第 1 行 A 列：缺少必填项目“企业编码”",
        "工作表 化石燃料燃烧 第 2 行 E(活动数据) 列：不是有效数值",
        "工作表 化石燃料燃烧 第 3 行 A(排放源编码) 列：电力类排放源应填在工作表“净购入电力和热力”",
        "工作表 化石燃料燃烧 第 4 行 H(气体组分(体积分数)) 列："
        "气体组分格式应为 CH4=0.95; C2H6=0.03（体积分数，0 到 1）",
        "工作表 化石燃料燃烧 第 4 行 F(设施编码) 列：“boiler-x”未在“设施和工艺”工作表中定义",
        "工作表 化石燃料燃烧 第 4 行 G(月份(YYYY-MM,可空)) 列：月份不在核算期内",
        "工作表 化石燃料燃烧 第 5 行 I(数据来源) 列："
        "数据来源无效（计量台账/结算凭证/检测报告/缺省值）",
        "工作表 化石燃料燃烧 第 5 行 C(燃料品种) 列："
        "不是缺省值库中的燃料，须填写实测含碳量或单位热值含碳量",
    ]
    assert sorted(msgs) == sorted(expected)
    with pytest.raises(ImportRejected) as exc:
        workbook.read(path.read_bytes(), locale="en")
    assert ("sheet 化石燃料燃烧, row 3, column A(排放源编码): A source of kind Electricity "
            "belongs on sheet 净购入电力和热力 (Net purchased electricity and heat)") in [
        fe.msg for fe in exc.value.field_errors]


def test_engine_refusal_is_located_at_the_row(tmp_path: Path) -> None:
    wb = _bad_workbook()
    for title in ("化石燃料燃烧",):
        del wb[title]
    info = wb["企业信息"]
    info.delete_rows(2, 10)
    info.append(["企业编码", "e"])
    info.append(["核算年度", 2023])
    proc = _cli(str(_save(wb, tmp_path / "lime.xlsx")))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "工作表 工业生产过程 第 2 行 纯度(%/100) 列：必填"
    with pytest.raises(ImportRejected) as exc:
        workbook.read(b"not a workbook")
    assert "无法读取文件" in exc.value.field_errors[0].msg


def _split_workbook(rows: list[list[object]]) -> Workbook:
    wb = Workbook()
    info = wb.active
    info.title = "企业信息"
    for row in (["项目", "值"], ["企业编码", "e"], ["核算年度", 2023]):
        info.append(row)
    b = wb.create_sheet("设施和工艺")
    b.append(["类型(设施/工艺)", "编码", "名称", "所属设施编码(工艺)"])
    for row in (["设施", "A", "合成"], ["设施", "B", "精馏"], ["工艺", "P", "甲醇", "A"]):
        b.append(row)
    comb = wb.create_sheet("化石燃料燃烧")
    comb.append(["排放源编码", "类别", "燃料品种", "用途(燃料/原料)", "活动数据"])
    comb.append(["ng-feed", "化石燃料", "天然气", "原料", 100])
    energy = wb.create_sheet("净购入电力和热力")
    energy.append(["排放源编码", "类别", "方向(购入/输出)", "介质(蒸汽/热水/热量)", "单位",
                   "月份(YYYY-MM,可空)", "活动数据"])
    energy.append(["steam-in", "热力", "购入", "热量", "GJ", "2023-01", 10000])
    energy.append(["steam-in", "热力", "购入", "热量", "GJ", "2023-02", 8000])
    alloc = wb.create_sheet("分摊")
    alloc.append(["公用类别或排放源编码", "分摊层级(设施/工艺/产品)", "分摊对象编码",
                  "计量用量或比例", "分摊依据(计量用量/比例)"])
    for row in rows:
        alloc.append(row)
    return wb


def test_a_source_split_by_metered_use_on_the_allocation_sheet(tmp_path: Path) -> None:
    wb = _split_workbook([["steam-in", "设施", "A", 6000], ["steam-in", "设施", "B", "4000"]])
    path = _save(wb, tmp_path / "split.xlsx")
    doc, _ = workbook.read(path.read_bytes())
    (key,) = doc.allocation_keys
    assert (key.inputs, key.level.value, key.shares) == (
        ["steam-in@2023-01", "steam-in@2023-02"], "facility", {"A": 6000, "B": 4000})
    proc = _cli(str(path))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    heat = Decimal(out["totals"]["heat_tco2"])
    assert heat == Decimal("1980.00")
    facs = {x["id"]: Decimal(x["emissions_tco2e"]) for x in out["facilities"]}
    assert (facs["A"], facs["B"]) == (Decimal("1188.00"), Decimal("792.00"))
    # written back, the workbook keeps the split
    content, lost = workbook.write(doc)
    assert lost == [] and workbook.read(content)[0].allocation_keys == doc.allocation_keys


def test_bad_splits_are_named_at_their_rows(tmp_path: Path) -> None:
    wb = _split_workbook([["steam-in", "工艺", "P", "0.5", "比例"],
                          ["steam-in", "工艺", "Q", "0.4", "比例"],
                          ["nope", None, "A", 1],
                          ["ng-feed", "设施", "A", 1]])
    proc = _cli(str(_save(wb, tmp_path / "bad-split.xlsx")))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "工作表 分摊 第 4 行 A(公用类别或排放源编码) 列："
        "应为 电力 / 热力 / 其他未分配，或本文件中排放源的编码"]
    wb = _split_workbook([["steam-in", "工艺", "P", "0.5", "比例"],
                          ["steam-in", "工艺", "Q", "0.4", "比例"],
                          ["ng-feed", "设施", "A", 1]])
    proc = _cli(str(_save(wb, tmp_path / "bad-split2.xlsx")))
    assert proc.returncode == 2
    msgs = sorted(proc.stderr.strip().splitlines())
    assert msgs == sorted([
        "工作表 分摊 第 2 行 D(计量用量或比例) 列：分摊设置有误：fractions add up to 0.9, not 1",
        "工作表 分摊 第 3 行 C(分摊对象编码) 列：分摊设置有误：unknown process 'Q'",
        "工作表 分摊 第 4 行 A(公用类别或排放源编码) 列：分摊设置有误：'ng-feed' is not a fuel "
        "burnt, carbonate, acid, CO2 recovery, electricity or heat flow of the document "
        "(feedstock and materials are in the carbon mass balance of their process)",
    ])
