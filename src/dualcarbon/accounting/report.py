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
from dualcarbon.core.registry_rules import GRID_REGIONS
from dualcarbon.db.tenancy import Scope
from dualcarbon.factors import service as factors
from dualcarbon.registry import reference
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
    notes_title: str = "七、说明"


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
    if run.level == "park":
        return build_park(session, run)
    if run.level != "enterprise":
        raise RunFailed(params={"error": f"report: unknown level {run.level}"})
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

    params = _parameter_table(session, run, "五、排放因子与参数及来源")

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


def _parameter_table(session: Session, run: AccountingRun, title: str) -> Table:
    params = Table(title, ["参数", "数值", "单位", "方法学", "版本", "来源文件", "条款",
                           "可信等级"])
    for p in run.parameter_refs:
        row = factors.find_version(session, run.park_id, p["methodology"], p["key"],
                                   p["version"])
        params.rows.append([p["key"], str(p["value"]), p["unit"], p["methodology"],
                            p["version"], row.source_document if row else "",
                            row.clause if row else "", ProvenanceTier(p["tier"]).label_zh])
    return params


# --- the park report ------------------------------------------------------------------------

CARRIER_ZH = {"electricity": "电力", "heat": "热力"}
METHODOLOGY_ZH = {
    "NDRC-2013-chemical": "化工生产企业核算指南（GB/T 32151.10）",
    "MEE-power-2022": "发电设施核算指南（环办气候函〔2022〕485号）",
}
METHODOLOGY_ALIASES = {"chemical": "NDRC-2013-chemical", "GB/T 32151.10-2015": "NDRC-2013-chemical",
                       "power": "MEE-power-2022"}


def _methodology(code: str) -> str:
    return METHODOLOGY_ZH.get(METHODOLOGY_ALIASES.get(code, code), code)
FACTOR_SOURCE_ZH = {"supplier": "供方机组实际排放因子", "default": "缺省因子（电网/热力）"}
PARK_TOTAL_ROWS = [
    ("direct_tco2e", "园区直接排放（各企业直接排放之和）", "tCO2e"),
    ("boundary.import_tco2", "边界调入电力、热力隐含的排放", "tCO2"),
    ("boundary.export_tco2", "边界调出电力、热力隐含的排放（扣减）", "tCO2"),
    ("boundary.net_tco2", "边界净调入隐含的排放", "tCO2"),
    ("total_tco2e", "园区温室气体排放总量", "tCO2e"),
    ("total_imports_only_tco2e", "参考：只计调入、不扣调出的排放量", "tCO2e"),
    ("biomass_tco2", "生物质燃烧 CO2（单独报告，不计入总量）", "tCO2"),
]


def _get(res: dict[str, Any], path: str) -> Any:
    cur: Any = res
    for part in path.split("."):
        cur = (cur or {}).get(part)
    return cur


def _pct(part: Any, whole: Any) -> str:
    w = Decimal(str(whole or 0))
    if not w:
        return ""
    return q2(Decimal(str(part or 0)) / w * 100)


def _ratio(num: Any, den: Any, places: str = "0.0001") -> str:
    if num is None or den in (None, "", "0") or not Decimal(str(den)):
        return ""
    return format((Decimal(str(num)) / Decimal(str(den))).quantize(
        Decimal(places), rounding=ROUND_HALF_UP), "f")


def build_park(session: Session, run: AccountingRun) -> ReportData:
    """The park report (园区温室气体排放报告): park total, reconciliation of the enterprise
    totals with the internal supplies netted, by enterprise, by industry group, the internal
    supplies, the boundary exchange, energy and intensities, parameters with source and tier.
    Figures come from the stored park run only."""
    res = service.result_of(run)
    park_doc = (run.document or {}).get("park", {})
    park = registry.get_item(session, registry.SPECS["park"], service.SYSTEM_SCOPE,
                             run.park_id)
    members = service.park_members(session, run)
    ents = res.get("enterprises", [])
    name_of = {str(e["enterprise_id"]): members.get(str(e["enterprise_id"]), {}).get("name")
               or e.get("enterprise_name") or str(e["enterprise_id"]) for e in ents}
    park_name = park.get("name") or park_doc.get("name", "")
    period = f"{run.period_start} 至 {run.period_end}"
    kind_zh = {"month": "月度", "quarter": "季度", "year": "年度"}.get(run.period_kind, "")
    province = park.get("province_code") or ""
    info = [
        ("园区名称", park_name),
        ("园区代码", park.get("code") or park_doc.get("code", "")),
        ("所在省份", f"{reference.province_name(province, 'zh')}（{province}）" if province
         else ""),
        ("区域电网", GRID_REGIONS.get(park.get("grid_region") or "", ("",))[0]
         or park.get("grid_region") or ""),
        ("报告期", f"{period}{f'（{kind_zh}）' if kind_zh else ''}"),
        ("核算层级", "园区（企业汇总，园区内部供应抵消，边界净调入计入）"),
        ("纳入核算的企业", f"{len(ents)} 家"),
        ("GWP 取值", res.get("gwp_set", "")),
        ("参数集", res.get("parameter_set", "")),
        ("核算编号", str(run.id)),
        ("核算人 / 时间", f"{run.created_by} / {run.created_at:%Y-%m-%d %H:%M} UTC"),
    ]

    boundary_ents = Table("二、核算边界（纳入核算的企业）",
                          ["序号", "企业名称", "统一社会信用代码", "所属行业", "企业核算编号",
                           "核算方法学"])
    for i, e in enumerate(ents, start=1):
        m = members.get(str(e["enterprise_id"]), {})
        boundary_ents.rows.append([
            str(i), name_of[str(e["enterprise_id"])], m.get("credit_code", ""),
            service.industry_label(e.get("industry_group", "")),
            str(m.get("run_id") or ""),
            _methodology(m.get("methodology") or e.get("methodology", ""))])

    totals = Table("三、园区温室气体排放量汇总", ["项目", "排放量", "单位"])
    for path, label, unit in PARK_TOTAL_ROWS:
        totals.rows.append([label, q2(_get(res, path)), unit])

    recon = Table("四、排放量核对（园区内部供应抵消）", ["项目", "排放量", "单位"])
    recon.rows += [
        ["各企业排放总量之和", q2(res.get("sum_of_enterprise_totals_tco2e")), "tCO2e"],
        ["减：园区内部供应电力、热力（购方间接排放，已抵消）", q2(res.get("internal_supply_tco2e")),
         "tCO2e"],
        ["加：边界外送调整（发电企业自身未扣减的外送电力、热力）",
         q2(res.get("export_adjustment_tco2e")), "tCO2e"],
        ["园区温室气体排放总量", q2(res.get("total_tco2e")), "tCO2e"],
    ]

    netted: dict[str, Decimal] = {}
    for sup in res.get("internal_supplies", []):
        netted[sup["buyer"]] = netted.get(sup["buyer"], Decimal(0)) + Decimal(sup["buyer_tco2"])
    park_direct = res.get("direct_tco2e")
    by_ent = Table("五、按企业的排放量",
                   ["企业", "所属行业", "直接排放 (tCO2e)", "间接排放 (tCO2e)",
                    "企业排放总量 (tCO2e)", "其中购自园区内部、已抵消 (tCO2)", "企业综合能耗 (tce)",
                    "占园区直接排放比例 (%)"])
    for e in ents:
        t = e["totals"]
        by_ent.rows.append([
            name_of[str(e["enterprise_id"])], service.industry_label(e.get("industry_group", "")),
            q2(t["direct_tco2e"]), q2(t["indirect_tco2e"]), q2(t["total_tco2e"]),
            q2(netted.get(str(e["enterprise_id"]), Decimal(0))),
            q2(e.get("energy", {}).get("total_tce")), _pct(t["direct_tco2e"], park_direct)])
    by_ent.rows.append([
        "合计", "", q2(park_direct),
        q2(sum((Decimal(e["totals"]["indirect_tco2e"]) for e in ents), Decimal(0))),
        q2(res.get("sum_of_enterprise_totals_tco2e")), q2(res.get("internal_supply_tco2e")),
        q2(sum((Decimal(str(e.get("energy", {}).get("total_tce") or 0)) for e in ents),
               Decimal(0))), _pct(park_direct, park_direct)])

    by_group = Table("六、按行业的排放量",
                     ["行业", "企业数", "直接排放 (tCO2e)", "企业排放总量 (tCO2e)",
                      "企业综合能耗之和 (tce)", "占园区直接排放比例 (%)"])
    for g in res.get("industry_groups", []):
        by_group.rows.append([
            service.industry_label(g["group"]), str(len(g.get("enterprise_ids", []))),
            q2(g["direct_tco2e"]), q2(g["total_tco2e"]), q2(g["energy_tce"]),
            _pct(g["direct_tco2e"], park_direct)])

    internal = Table("七、园区内部能源供应（已抵消）",
                     ["供方", "购方", "能源品种", "数量", "单位", "排放因子", "因子来源",
                      "购方间接排放、已抵消 (tCO2)"])
    for sup in res.get("internal_supplies", []):
        el = sup["carrier"] == "electricity"
        internal.rows.append([
            name_of.get(sup["supplier"], sup["supplier"]), name_of.get(sup["buyer"], sup["buyer"]),
            CARRIER_ZH.get(sup["carrier"], sup["carrier"]), q2(sup["amount"]), sup["unit"],
            f"{_ratio(sup['factor'], 1, '0.000001')} {'tCO2/MWh' if el else 'tCO2/GJ'}",
            FACTOR_SOURCE_ZH.get(sup["factor_source"], sup["factor_source"]),
            q2(sup["buyer_tco2"])])
    if res.get("internal_supplies"):
        internal.rows.append(["合计", "", "", "", "", "", "", q2(res.get("internal_supply_tco2e"))])

    b = res.get("boundary", {})
    ef, hf = b.get("electricity_factor_tco2_per_mwh"), b.get("heat_factor_tco2_per_gj")
    exchange = Table("八、园区边界能源交换",
                     ["项目", "数量", "单位", "排放因子", "因子单位", "隐含排放 (tCO2)"])
    e_imp = Decimal(str(b.get("electricity_import_mwh") or 0))
    e_exp = Decimal(str(b.get("electricity_export_mwh") or 0))
    h_imp = Decimal(str(b.get("heat_import_gj") or 0))
    h_exp = Decimal(str(b.get("heat_export_gj") or 0))
    efd, hfd = Decimal(str(ef or 0)), Decimal(str(hf or 0))
    exchange.rows += [
        ["电力调入（自园区外电网）", q2(e_imp), "MWh", str(ef), "tCO2/MWh", q2(e_imp * efd)],
        ["电力调出（送至园区外电网）", q2(e_exp), "MWh", str(ef), "tCO2/MWh", q2(-e_exp * efd)],
        ["热力调入（自园区外）", q2(h_imp), "GJ", str(hf), "tCO2/GJ", q2(h_imp * hfd)],
        ["热力调出（送至园区外）", q2(h_exp), "GJ", str(hf), "tCO2/GJ", q2(-h_exp * hfd)],
        ["边界净调入合计", "", "", "", "", q2(b.get("net_tco2"))],
    ]

    energy = Table("九、综合能耗与强度", ["指标", "数值", "单位"])
    va = res.get("value_added_1e4_cny")
    energy.rows += [
        ["园区综合能源消费量（扣除园区内部供应）", q2(res.get("energy_tce")), "tce"],
        ["园区综合能源消费量（不含原料用能）", q2(res.get("energy_excluding_feedstock_tce")),
         "tce"],
        ["工业增加值", q2(va), "万元"],
        ["单位工业增加值排放", _ratio(res.get("total_tco2e"), va), "tCO2e/万元"],
        ["单位工业增加值能耗", _ratio(res.get("energy_tce"), va), "tce/万元"],
    ]

    params = _parameter_table(session, run, "十、排放因子与参数及来源")
    refreshed = (run.document or {}).get("refreshed") or []
    notes = [
        "本报告由双碳管理信息系统根据已存储的园区核算结果生成；排放量按四舍五入保留两位小数。",
        "园区排放总量 = 园区直接排放 + 边界净调入电力、热力隐含的排放；园区内部企业之间供应的电力、"
        "热力只在供方计一次，购方对应的间接排放已抵消（见第四、七部分）。",
        f"边界电力排放因子：{b.get('electricity_factor_key', '')}；热力排放因子 {hf} tCO2/GJ。",
        "各企业数据取自该期间最新一次成功的企业核算（核算编号见第二部分）。",
        "数据质量等级：检测值 / 计算值 / 缺省值；参数可信等级：已核实 / 转引待核 / 记忆值未核实 / "
        "计算值 / 企业提供。",
        f"本次核算使用的参数版本共 {len(run.parameter_refs)} 项。",
        *[f"提示：企业 {r.get('enterprise_id')} 按已审核数据核算未成功：{r.get('error')}"
          for r in refreshed if r.get("status") != "succeeded"],
        *[f"提示：{w}" for w in res.get("warnings", [])],
    ]
    label = {"month": f"{run.period_start:%Y年%m月}",
             "quarter": f"{run.period_start.year}年第{(run.period_start.month - 1) // 3 + 1}季度",
             "year": f"{run.period_start.year}年度"}.get(run.period_kind, period)
    return ReportData(title=f"{park_name} {label}温室气体排放报告",
                      file_stem=f"{park_name}-{label}-园区温室气体排放报告", info=info,
                      tables=[boundary_ents, totals, recon, by_ent, by_group, internal,
                              exchange, energy, params],
                      notes=notes, notes_title="十一、说明")


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
    d.add_heading(data.notes_title, level=1)
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
