"""The annual enterprise GHG report (企业温室气体排放报告) as .docx and .xlsx, in Chinese, in the
structure of the guideline's report template (中国化工生产企业温室气体排放核算方法与报告指南,
附录一): 一 报告主体基本信息, 二 核算边界, 三 温室气体排放 (排放量汇总 + 按排放源), 四 活动水平数据
及来源, 五 排放因子与参数及来源 (含数据质量等级), 六 说明. Every figure comes from the stored run;
quantities are rounded half-up to 2 places (tCO2e, t, tce), factors shown as stored."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from dualcarbon.accounting import service
from dualcarbon.accounting.errors import RunFailed
from dualcarbon.accounting.models import AccountingRun
from dualcarbon.core.accounting.tiers import DataQuality, ProvenanceTier
from dualcarbon.core.errors import DomainError
from dualcarbon.db.tenancy import Scope
from dualcarbon.factors import service as factors
from dualcarbon.registry import service as registry

SOURCE_ZH = {
    "combustion": "化石燃料燃烧", "process_mass_balance": "工业生产过程（原料碳平衡）",
    "carbonate": "工业生产过程（碳酸盐使用）", "nitric_acid": "硝酸生产 N2O",
    "adipic_acid": "己二酸生产 N2O", "co2_recovery": "CO2 回收利用（扣减）",
    "power_combustion": "自备电厂燃料燃烧", "electricity": "净购入电力",
    "heat": "净购入热力", "biomass": "生物质燃烧（单独报告，不计入总量）",
}
SCOPE_ZH = {"direct": "直接排放", "indirect": "间接排放", "memo": "单独报告"}
TOTAL_ROWS = [
    ("combustion_tco2", "化石燃料燃烧 CO2 排放", "tCO2"),
    ("process_co2_tco2", "工业生产过程 CO2 排放", "tCO2"),
    ("process_n2o_tco2e", "工业生产过程 N2O 排放", "tCO2e"),
    ("recovery_tco2", "CO2 回收利用量（扣减）", "tCO2"),
    ("direct_tco2e", "直接排放小计", "tCO2e"),
    ("electricity_tco2", "净购入电力隐含的 CO2 排放", "tCO2"),
    ("heat_tco2", "净购入热力隐含的 CO2 排放", "tCO2"),
    ("indirect_tco2e", "间接排放小计", "tCO2e"),
    ("total_tco2e", "企业温室气体排放总量", "tCO2e"),
    ("biomass_tco2", "生物质燃烧 CO2（单独报告）", "tCO2"),
]
Q2 = Decimal("0.01")


def q2(v: Any) -> str:
    if v is None or v == "":
        return ""
    return format(Decimal(str(v)).quantize(Q2, rounding=ROUND_HALF_UP), "f")


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class ReportData:
    title: str
    file_stem: str
    info: list[tuple[str, str]]
    tables: list[Table]
    notes: list[str]


def _enterprise_info(session: Session, scope: Scope, run: AccountingRun,
                     doc: dict[str, Any]) -> list[tuple[str, str]]:
    ent: Any = None
    try:
        ent = registry.require_enterprise(session, scope, run.enterprise_id or 0)
    except DomainError:
        ent = None
    e = doc.get("enterprise", {})
    period = doc.get("period", {})
    return [
        ("企业名称", getattr(ent, "name", None) or e.get("name", "")),
        ("统一社会信用代码", getattr(ent, "credit_code", "") or ""),
        ("行业代码", getattr(ent, "industry_code", "") or ""),
        ("所属行业组", e.get("industry_group", "")),
        ("地址", getattr(ent, "address", "") or ""),
        ("报告期", f"{period.get('start', run.period_start)} 至 "
                   f"{period.get('end', run.period_end)}"),
        ("核算方法学", run.methodology),
        ("GWP 取值", (run.result or {}).get("gwp_set", "")),
        ("核算编号", str(run.id)),
        ("核算人 / 时间", f"{run.created_by} / {run.created_at:%Y-%m-%d %H:%M} UTC"),
    ]


def build(session: Session, scope: Scope, run: AccountingRun) -> ReportData:
    if run.level != "enterprise":
        raise RunFailed(params={"error": "report: enterprise runs only"})
    res = service.result_of(run)
    doc = run.document
    info = _enterprise_info(session, scope, run, doc)
    name = info[0][1]
    year = str(run.period_start.year)

    boundary = Table("二、核算边界", ["类型", "编号", "名称", "所属设施"])
    for f in doc.get("facilities", []):
        boundary.rows.append(["设施", f["id"], f.get("name", ""), ""])
    for p in doc.get("processes", []):
        boundary.rows.append(["工序", p["id"], p.get("name", ""), p.get("facility") or ""])

    totals = Table("三、温室气体排放量汇总", ["项目", "排放量", "单位"])
    t = res["totals"]
    for k, label, unit in TOTAL_ROWS:
        totals.rows.append([label, q2(t.get(k)), unit])

    by_source = Table("三（续）、按排放源的排放量",
                      ["排放源", "条目", "范围", "气体", "气体质量 (t)", "GWP", "排放量 (tCO2e)",
                       "数据质量"])
    activity = Table("四、活动水平数据及来源",
                     ["条目", "排放源", "名称", "参数", "数值", "数据质量"])
    for ln in res["lines"]:
        label = ln.get("labels", {}).get("name") or ln["id"].split(":", 1)[-1]
        dq = DataQuality(ln.get("data_quality", "measured")).label_zh
        by_source.rows.append([
            SOURCE_ZH.get(ln["source"], ln["source"]), ln["id"],
            SCOPE_ZH.get(ln["scope"], ln["scope"]), ln["gas"], q2(ln["gas_mass_t"]),
            str(ln["gwp"]), q2(ln["emissions_tco2e"]), dq])
        for k, v in ln.get("inputs", {}).items():
            activity.rows.append([ln["id"], SOURCE_ZH.get(ln["source"], ln["source"]), label, k,
                                  str(v), dq])

    params = Table("五、排放因子与参数及来源",
                   ["参数", "数值", "单位", "方法学", "版本", "来源文件", "条款", "可信等级"])
    for p in run.parameter_refs:
        row = factors.find_version(session, run.park_id, p["methodology"], p["key"],
                                   p["version"])
        params.rows.append([p["key"], str(p["value"]), p["unit"], p["methodology"],
                            p["version"], row.source_document if row else "",
                            row.clause if row else "", ProvenanceTier(p["tier"]).label_zh])

    energy = Table("六、综合能耗与强度", ["指标", "数值", "单位"])
    en = res.get("energy", {})
    energy.rows += [
        ["综合能源消费量", q2(en.get("total_tce")), "tce"],
        ["综合能源消费量（不含原料用能）", q2(en.get("excluding_feedstock_tce")), "tce"]]
    intens = res.get("intensities", {})
    if intens.get("intensity_tco2e_per_1e4_cny") is not None:
        energy.rows.append(["单位工业增加值排放",
                            format(Decimal(intens["intensity_tco2e_per_1e4_cny"]).quantize(
                                Decimal("0.0001"), rounding=ROUND_HALF_UP), "f"),
                            "tCO2e/万元"])

    notes = [
        "本报告由双碳管理信息系统根据已存储的核算结果生成；排放量按四舍五入保留两位小数。",
        "数据质量等级：检测值 / 计算值 / 缺省值；参数可信等级：已核实 / 转引待核 / 记忆值未核实 / "
        "计算值 / 企业提供。",
        f"本次核算使用的参数版本共 {len(run.parameter_refs)} 项，可按核算编号复算得到相同结果。",
        *[f"提示：{w}" for w in res.get("warnings", [])],
    ]
    return ReportData(title=f"{name} {year} 年度温室气体排放报告",
                      file_stem=f"{name}-{year}-温室气体排放报告", info=info,
                      tables=[boundary, totals, by_source, activity, params, energy],
                      notes=notes)


def to_docx(data: ReportData) -> bytes:
    d = Document()
    style = d.styles["Normal"]
    style.font.size = Pt(10.5)
    d.add_heading(data.title, level=0)
    d.add_heading("一、报告主体基本信息", level=1)
    info = d.add_table(rows=0, cols=2)
    info.style = "Table Grid"
    for k, v in data.info:
        cells = info.add_row().cells
        cells[0].text, cells[1].text = k, v
    for t in data.tables:
        d.add_heading(t.title, level=1)
        table = d.add_table(rows=1, cols=len(t.header))
        table.style = "Table Grid"
        for i, h in enumerate(t.header):
            table.rows[0].cells[i].text = h
        for r in t.rows:
            cells = table.add_row().cells
            for i, v in enumerate(r):
                cells[i].text = v
    d.add_heading("七、说明", level=1)
    for n in data.notes:
        d.add_paragraph(n)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def to_xlsx(data: ReportData) -> bytes:
    """One sheet per section; numbers as text cells so the digits match the Word report."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "基本信息"
    ws.append([data.title])
    ws["A1"].font = Font(bold=True, size=14)
    for k, v in data.info:
        ws.append([k, v])
    for t in data.tables:
        sheet = wb.create_sheet(_sheet_name(t.title))
        sheet.append(t.header)
        for c in sheet[1]:
            c.font = Font(bold=True)
        for r in t.rows:
            sheet.append(r)
        for row in sheet.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"
    notes = wb.create_sheet("说明")
    for n in data.notes:
        notes.append([n])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_name(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, "")
    return title.split("、", 1)[-1][:31]
