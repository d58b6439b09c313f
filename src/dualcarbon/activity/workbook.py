"""An enterprise's whole activity document as one Excel workbook — what `dualcarbon calc FILE.xlsx`
reads and `dualcarbon calc --template OUT.xlsx [DOC.json]` writes.

Sheets: 企业信息 (enterprise, period and accounting options, one item per row), 设施和工艺 (the
boundary: facilities and processes), the five report sheets of the monthly template
(化石燃料燃烧, 工业生产过程, CO2回收利用, 净购入电力和热力, 产品产量及其他) with the columns of
`activity.sheets` plus what a configured source would otherwise carry (类别, fuel, use,
direction …, facility, process and an optional month), and 分摊 (allocation keys: measured use of
shared utilities). Cells are checked by the same code as the monthly import (`sheets.row_values`,
`sheets.wrong_sheet`) and rows become engine lines through the same `DocumentBuilder` as approved
data; every problem is reported as 工作表 S 第 R 行 C 列：原因 and nothing is accounted."""

from __future__ import annotations

import io
from collections.abc import Hashable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from dualcarbon.activity import kinds as K
from dualcarbon.activity import sheets as S
from dualcarbon.activity.document import DocumentBuilder
from dualcarbon.activity.errors import ImportRejected
from dualcarbon.core.accounting import dataio
from dualcarbon.core.accounting.catalogue import grid, process
from dualcarbon.core.accounting.catalogue.fuels import FUELS
from dualcarbon.core.accounting.levels import AllocationInvalid, check_allocation
from dualcarbon.core.accounting.methodologies.base import UnknownMethodology, get_methodology
from dualcarbon.core.accounting.model import ActivityDocument, Measured
from dualcarbon.core.accounting.tiers import DataQuality
from dualcarbon.core.errors import DomainError, FieldError

INFO = "企业信息"
BOUNDARY = "设施和工艺"
ALLOCATION = "分摊"
NOTES = "说明"
EN_TITLES = {INFO: "Enterprise", BOUNDARY: "Facilities and processes", ALLOCATION: "Allocation"}

# field, zh, en, what to enter (zh)
INFO_ITEMS: list[tuple[str, str, str, str]] = [
    ("enterprise_id", "企业编码", "Enterprise code", "必填，结果中企业的标识"),
    ("enterprise_name", "企业名称", "Enterprise name", ""),
    ("year", "核算年度", "Year", "如 2023（1月1日至12月31日）；或填下面两行的起止日期"),
    ("period_start", "核算期开始日期", "Period start", "YYYY-MM-DD"),
    ("period_end", "核算期结束日期", "Period end", "YYYY-MM-DD"),
    ("methodology", "核算方法学", "Methodology",
     "化工（NDRC-2013-chemical，默认）/ 发电（MEE-power-2022）"),
    ("gwp_set", "GWP版本", "GWP set", "SAR（默认，指南口径）/ AR4 / AR5 / AR6"),
    ("fuel_table", "燃料缺省值表", "Fuel default table", "A（默认）/ B / C，一份报告只用一张表"),
    ("grid_scope", "电网排放因子口径", "Grid factor scope",
     "自动（默认：省级→区域→全国）/ 省级 / 区域 / 全国"),
    ("grid_year", "电网排放因子年份", "Grid factor year", "留空 = 核算年度（未发布时用最近一年）"),
    ("province", "所在省份", "Province", "如 江苏、江苏省 或 320000"),
    ("region", "区域电网", "Grid region", "如 华东；留空则按省份确定"),
    ("industry_group", "行业分组", "Industry group", "园区汇总时的行业分组"),
    ("electricity_view_for_total", "计入总量的电力排放口径", "Electricity view in the total",
     "基于位置（默认）/ 基于市场 / 碳市场报告因子"),
    ("electricity_equal_value", "电力折标准煤口径", "Electricity tce basis",
     "当量值（默认，0.1229 tce/MWh）/ 等价值"),
    ("notes", "备注", "Notes", ""),
]
INFO_HEADERS = (("item", "项目", "Item"), ("value", "值", "Value"), ("help", "说明", "Help"))

CHOICES: dict[str, dict[str, Any]] = {
    "methodology": {"化工": "NDRC-2013-chemical", "发电": "MEE-power-2022"},
    "gwp_set": {v: v for v in ("SAR", "AR4", "AR5", "AR6")},
    "fuel_table": {v: v for v in ("A", "B", "C")},
    "grid_scope": {"自动": "auto", "省级": "province", "区域": "region", "全国": "national"},
    "electricity_view_for_total": {"基于位置": "location", "基于市场": "market",
                                   "碳市场报告因子": "ets"},
    "electricity_equal_value": {"当量值": False, "等价值": True},
}

# settings a configured source carries; here they are columns (zh, en)
SETTING_COLUMNS: dict[str, tuple[str, str]] = {
    "fuel": ("燃料品种", "Fuel"),
    "use": ("用途(燃料/原料)", "Use (fuel/feedstock)"),
    "composition": ("气体组分(体积分数)", "Gas composition (volume fractions)"),
    "role": ("物料类别(含碳输入/产品/废弃物)", "Material role (input/product/waste)"),
    "material": ("物料品种", "Material"),
    "carbonate": ("碳酸盐品种", "Carbonate"),
    "acid": ("酸(硝酸/己二酸)", "Acid (nitric/adipic)"),
    "technology": ("生产技术", "Technology"),
    "abatement": ("尾气处理技术", "Abatement"),
    "destination": ("回收去向(外供/自用作原料/进入产品)",
                    "Destination (sold/raw_material/into_product)"),
    "direction": ("方向(购入/输出)", "Direction (purchase/export)"),
    "medium": ("介质(蒸汽/热水/热量)", "Medium (steam/hot_water/heat)"),
    "counterparty": ("交易对方(园区企业编码)", "Counterparty (park enterprise)"),
    "green_kind": ("绿电类型(绿电交易/绿证)", "Green power kind (trade/certificate)"),
    "power_facility": ("自备电厂编码", "Power facility"),
}
ROW_COLUMNS: dict[str, tuple[str, str]] = {
    "month": ("月份(YYYY-MM,可空)", "Month (YYYY-MM, optional)"),
    "facility": ("设施编码", "Facility"),
    "process": ("工艺编码", "Process"),
}
# zh labels of the coded settings (the codes themselves are accepted too)
SETTING_LABELS: dict[str, dict[str, str]] = {
    "use": {"燃料": "fuel", "原料": "feedstock"},
    "role": {"含碳输入": "input", "产品": "product", "废弃物": "waste"},
    "acid": {"硝酸": "nitric", "己二酸": "adipic"},
    "destination": {"外供": "sold", "自用作原料": "raw_material", "进入产品": "into_product"},
    "direction": {"购入": "purchase", "输出": "export"},
    "medium": {"蒸汽": "steam", "热水": "hot_water", "热量": "heat"},
    "green_kind": {"绿电交易": "green_power_trade", "绿证": "certificate"},
}
# catalogue items a setting names, by id or Chinese name
CATALOGUE: dict[str, dict[str, str]] = {
    "fuel": {k: v[0] for k, v in FUELS.items()},
    "carbonate": {k: v[0] for k, v in process.CARBONATES.items()},
    "material": {k: v[0] for k, v in process.PRODUCT_CARBON.items()},
    "technology": {k: v[0] for k, v in (process.NITRIC_TECH | process.ADIPIC_TECH).items()},
    "abatement": {k: v[0] for k, v in
                  (process.NITRIC_ABATEMENT | process.ADIPIC_ABATEMENT).items()},
}
BOUNDARY_COLUMNS = (("type", "类型(设施/工艺)", "Type (facility/process)"),
                    ("id", "编码", "Code"), ("name", "名称", "Name"),
                    ("facility", "所属设施编码(工艺)", "Facility of the process"),
                    ("facility_kind", "设施类型", "Facility kind"))
BOUNDARY_TYPES = {"设施": "facility", "工艺": "process", "facility": "facility",
                  "process": "process"}
ALLOCATION_COLUMNS = (("key", "公用类别或排放源编码", "Utility or source code"),
                      ("level", "分摊层级(设施/工艺/产品)", "Level (facility/process/product)"),
                      ("target", "分摊对象编码", "Target code"),
                      ("use", "计量用量或比例", "Measured use or fraction"),
                      ("basis", "分摊依据(计量用量/比例)", "Basis (measured/fraction)"),
                      ("comment", "备注", "Comment"))
LEVELS = {"设施": "facility", "工艺": "process", "产品": "product", "facility": "facility",
          "process": "process", "product": "product"}
BASES = {"计量用量": "measured", "比例": "fraction", "measured": "measured",
         "fraction": "fraction"}
UTILITIES = {"电力": "electricity", "热力": "heat", "其他未分配": "unassigned",
             "electricity": "electricity", "heat": "heat", "unassigned": "unassigned"}
UTILITY_ZH = {"electricity": "电力", "heat": "热力", "unassigned": "其他未分配"}
# columns that describe a row; a row with none of the others (the figures) carries no data
LABELS = (*S.LABEL_FIELDS, *SETTING_COLUMNS, *ROW_COLUMNS)


def _kind_of(raw: Any) -> K.Kind | None:
    v = str(raw).strip()
    for k in K.KINDS.values():
        if v in (k.code, k.label_zh, k.label_en):
            return k
    return None


def _columns(sheet: str) -> list[tuple[str, str, str]]:
    """The report sheet's columns in the workbook: those of the monthly template plus the
    kind, settings, month, facility and process columns."""
    kinds = [k for k in K.KINDS.values() if k.sheet == sheet]
    settings = [s for s in SETTING_COLUMNS
                if any(("kind" if s == "green_kind" else s) in k.settings for k in kinds)]
    base = S.columns(sheet)
    head, rest = base[:4], base[4:]
    return (head + [("month", *ROW_COLUMNS["month"])]
            + [(s, *SETTING_COLUMNS[s]) for s in settings]
            + [(f, *ROW_COLUMNS[f]) for f in ("facility", "process")] + rest)


def _hmap(cols: list[tuple[str, str, str]] | tuple[tuple[str, str, str], ...]
          ) -> dict[str, str]:
    out: dict[str, str] = {}
    for field, zh, en in cols:
        out[zh] = out[en] = out[field] = field
    return out


# ------------------------------------------------------------------------------------- read


class _Reader:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def err(self, where: tuple[str, int, str], code: str, **params: Any) -> None:
        self.errors.append(FieldError(where, code, params))


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v).strip())


def _info(r: _Reader, table: S.Table | None) -> dict[str, tuple[Any, tuple[str, int, str]]]:
    """Item -> (value, where) of the 企业信息 sheet."""
    out: dict[str, tuple[Any, tuple[str, int, str]]] = {}
    if table is None:
        r.err((INFO, 1, "-"), "activity.workbook.sheet", sheet=INFO)
        return out
    title, _, headers, rows = table
    hm = _hmap(INFO_HEADERS)
    cols = {hm[h]: i for i, h in enumerate(headers) if h in hm}
    item_i, value_i = cols.get("item", 0), cols.get("value", 1)
    labels: dict[str, str] = {}
    for field, zh, en, _ in INFO_ITEMS:
        labels[zh] = labels[en] = labels[field] = field
    col = f"{get_column_letter(value_i + 1)}({headers[value_i] if value_i < len(headers) else ''})"
    for rownum, cells in rows:
        label = _text(cells[item_i] if item_i < len(cells) else None)
        value = cells[value_i] if value_i < len(cells) else None
        if label is None:
            continue
        item = labels.get(label)
        if item is None:
            r.err((title, rownum, f"{get_column_letter(item_i + 1)}"), "activity.workbook.item",
                  item=label)
            continue
        if isinstance(value, str) and not value.strip():
            value = None
        if value is not None:
            out[item] = (value, (title, rownum, col))
    return out


def _choice(r: _Reader, field: str, value: Any, where: tuple[str, int, str]) -> Any:
    v = _text(value) or ""
    labels = CHOICES[field]
    if v in labels:
        return labels[v]
    codes = {c for c in labels.values() if isinstance(c, str)}
    if v in codes:
        return v
    if field == "electricity_equal_value" and v.lower() in ("true", "false"):
        return v.lower() == "true"
    if field == "methodology":
        try:
            return get_methodology(v).id
        except UnknownMethodology:
            pass
    r.err(where, "activity.workbook.choice", choices=" / ".join(labels))
    return None


def _head(r: _Reader, info: dict[str, tuple[Any, tuple[str, int, str]]]) -> dict[str, Any]:
    """The document's period, enterprise and options from the 企业信息 items."""
    def get(field: str) -> tuple[Any, tuple[str, int, str]] | None:
        return info.get(field)

    enterprise: dict[str, Any] = {}
    ent_id = get("enterprise_id")
    if ent_id is None:
        r.err((INFO, 1, "A"), "activity.workbook.required", item="企业编码")
    else:
        enterprise["id"] = _text(ent_id[0])
    if (name := get("enterprise_name")) is not None:
        enterprise["name"] = _text(name[0])
    if (ig := get("industry_group")) is not None:
        enterprise["industry_group"] = _text(ig[0])
    if (prov := get("province")) is not None:
        key = grid.province_key(_text(prov[0]))
        if key is None:
            r.err(prov[1], "activity.workbook.province")
        enterprise["province"] = key
    if (reg := get("region")) is not None:
        key = grid.region_key(_text(reg[0]))
        if key is None:
            r.err(reg[1], "activity.workbook.region",
                  choices=" / ".join(grid.REGIONS.values()))
        enterprise["region"] = key
    period: dict[str, Any] = {}
    year = get("year")
    start, end = get("period_start"), get("period_end")
    if year is not None:
        try:
            y = int(Decimal(str(year[0]).strip()))
            if not 1990 <= y <= 2100:
                raise ValueError
            period = {"start": date(y, 1, 1), "end": date(y, 12, 31), "label": str(y)}
        except (InvalidOperation, ValueError):
            r.err(year[1], "activity.workbook.year")
    if start is not None or end is not None:
        if year is not None:
            r.err((start or end)[1], "activity.workbook.period-twice")  # type: ignore[index]
        elif start is None or end is None:
            r.err((start or end)[1], "activity.workbook.period")  # type: ignore[index]
        else:
            try:
                s, e = _date(start[0]), _date(end[0])
                if e < s:
                    raise ValueError
                period = {"start": s, "end": e, "label": f"{s:%Y-%m}..{e:%Y-%m}"}
            except ValueError:
                r.err(end[1], "activity.workbook.period")
    if year is None and start is None and end is None:
        r.err((INFO, 1, "A"), "activity.workbook.required", item="核算年度")
    options: dict[str, Any] = {}
    for field in CHOICES:
        if (got := get(field)) is not None:
            options[field] = _choice(r, field, got[0], got[1])
    if (gy := get("grid_year")) is not None:
        try:
            options["grid_year"] = int(Decimal(str(gy[0]).strip()))
        except InvalidOperation:
            r.err(gy[1], "activity.workbook.year")
    head: dict[str, Any] = {"enterprise": enterprise,
                            "options": {k: v for k, v in options.items() if v is not None}}
    if period:
        head["period"] = {"start": period["start"].isoformat(),
                          "end": period["end"].isoformat(), "label": period["label"]}
    if (notes := get("notes")) is not None:
        head["notes"] = _text(notes[0]) or ""
    head["_period"] = period
    return head


def _boundary(r: _Reader, table: S.Table | None) -> tuple[list[dict[str, Any]],
                                                           list[dict[str, Any]]]:
    facilities: list[dict[str, Any]] = []
    processes: list[dict[str, Any]] = []
    if table is None:
        return facilities, processes
    title, _, headers, rows = table
    rd = S.Rows(title, headers, _hmap(BOUNDARY_COLUMNS))
    seen: set[tuple[str, str]] = set()
    refs: list[tuple[int, str | None]] = []
    for rownum, cells in rows:
        cell = rd.cells(cells)
        if all(v is None for v in cell.values()):
            continue
        typ = BOUNDARY_TYPES.get(_text(cell.get("type")) or "")
        ident = _text(cell.get("id"))
        if typ is None:
            r.err((title, rownum, rd.col("type")), "activity.workbook.choice",
                  choices="设施 / 工艺")
        if ident is None:
            r.err((title, rownum, rd.col("id")), "activity.required")
        if typ is None or ident is None:
            continue
        if (typ, ident) in seen:
            r.err((title, rownum, rd.col("id")), "activity.duplicate-source")
            continue
        seen.add((typ, ident))
        name = _text(cell.get("name")) or ""
        if typ == "facility":
            facilities.append({"id": ident, "name": name,
                               "kind": _text(cell.get("facility_kind")) or ""})
        else:
            processes.append({"id": ident, "name": name,
                              "facility": _text(cell.get("facility"))})
            refs.append((rownum, processes[-1]["facility"]))
    known = {f["id"] for f in facilities}
    for rownum, ref in refs:
        if ref is not None and ref not in known:
            r.err((title, rownum, rd.col("facility")), "activity.workbook.unknown-ref", ref=ref)
    return facilities, processes


def _setting(r: _Reader, rd: S.Rows, rownum: int, field: str, raw: Any) -> Any:
    v = _text(raw)
    where = (rd.title, rownum, rd.col(field))
    if v is None:
        return None
    if field == "composition":
        comp: dict[str, str] = {}
        for part in v.replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
            if not part.strip():
                continue
            name, sep, num = part.replace("：", "=").replace(":", "=").partition("=")
            try:
                if not sep:
                    raise InvalidOperation
                d = S.number(num)
                if d < 0 or d > 1:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                r.err(where, "activity.workbook.composition")
                return None
            comp[name.strip()] = str(d)
        return comp
    if field in SETTING_LABELS:
        labels = SETTING_LABELS[field]
        if v in labels:
            return labels[v]
        if v in labels.values():
            return v
        r.err(where, "activity.workbook.choice", choices=" / ".join(labels))
        return None
    if field in CATALOGUE:
        items = CATALOGUE[field]
        if v in items:
            return v
        by_zh = {zh: key for key, zh in items.items()}
        if v in by_zh:
            return by_zh[v]
        if field == "fuel":
            return v  # a fuel of the enterprise's own: its NCV and carbon must be measured
        r.err(where, "activity.workbook.catalogue", choices=" / ".join(items.values()))
        return None
    return v


def _month(r: _Reader, where: tuple[str, int, str], raw: Any,
           period: dict[str, Any]) -> date | None:
    if raw is None:
        return None
    try:
        if isinstance(raw, datetime | date):
            d = raw.date() if isinstance(raw, datetime) else raw
            m = date(d.year, d.month, 1)
        elif isinstance(raw, int | float) or str(raw).strip().isdigit():
            n = int(float(str(raw).strip()))
            if not period or period["start"].year != period["end"].year or not 1 <= n <= 12:
                raise ValueError
            m = date(period["start"].year, n, 1)
        else:
            y, mm = str(raw).strip().replace("/", "-").split("-")[:2]
            m = date(int(y), int(mm), 1)
    except ValueError:
        r.err(where, "activity.month")
        return None
    if period and not (date(period["start"].year, period["start"].month, 1) <= m
                       <= period["end"]):
        r.err(where, "activity.workbook.month-outside")
        return None
    return m


def read(content: bytes, *, filename: str = "document.xlsx", locale: str = "zh-CN"
         ) -> tuple[ActivityDocument, dict[str, Hashable]]:
    """The engine document of the workbook and where each line came from (line id -> sheet,
    row). Raises `ImportRejected` listing every problem (sheet, row, column, reason)."""
    r = _Reader()
    names = dict(S.REPORT_SHEETS)
    for zh in (INFO, BOUNDARY, ALLOCATION):
        names[zh] = names[EN_TITLES[zh]] = zh
    tables = S.read_tables(filename, content, r.errors, names)
    if r.errors:
        raise S.reject(r.errors, locale)
    by_name = {t[1]: t for t in tables}
    head = _head(r, _info(r, by_name.get(INFO)))
    period = head.pop("_period")
    facilities, processes = _boundary(r, by_name.get(BOUNDARY))
    head["facilities"], head["processes"] = facilities, processes
    builder = DocumentBuilder(head)
    where_of: dict[str, Hashable] = {}
    rows_of: dict[Hashable, S.Rows] = {}
    seen: set[tuple[str, date | None]] = set()
    year = period["start"].year if period else 0
    boundary = {"facility": {f["id"] for f in facilities},
                "process": {p["id"] for p in processes}}
    for title, canonical, headers, table in tables:
        if canonical not in K.SHEETS:
            continue
        cols = _columns(canonical)
        rd = S.Rows(title, headers, _hmap(cols), {f: zh for f, zh, _ in cols})
        for required in ("code", "kind", "quantity"):
            if required not in rd.where:
                r.err((title, 1, "-"), "activity.header", column=rd.col(required))
        if not {"code", "kind", "quantity"} <= set(rd.where):
            continue
        for rownum, cells in table:
            cell = rd.cells(cells)
            if not S.has_values(cell, LABELS):
                continue  # a line without figures: no data for that source
            before = len(r.errors)
            code = _text(cell.get("code"))
            kind = _kind_of(cell["kind"]) if cell.get("kind") is not None else None
            if code is None:
                r.err((title, rownum, rd.col("code")), "activity.required")
            if kind is None:
                r.err((title, rownum, rd.col("kind")), "activity.workbook.choice",
                      choices=" / ".join(k.label_zh for k in K.KINDS.values()
                                         if k.sheet == canonical))
            elif (bad := S.wrong_sheet(rd, canonical, rownum, kind)) is not None:
                r.errors.append(bad)
                kind = None
            unit = _text(cell.get("unit"))
            if kind is not None and unit is not None and unit not in kind.units:
                r.err((title, rownum, rd.col("unit")), "activity.unit",
                      expected=" / ".join(kind.units))
            rec, problems = S.row_values(rd, rownum, {f: v for f, v in cell.items()
                                                      if f != "unit"}, kind, None)
            r.errors += problems
            month = _month(r, (title, rownum, rd.col("month")), cell.get("month"), period)
            settings: dict[str, Any] = {}
            for field in SETTING_COLUMNS:
                if cell.get(field) is None:
                    continue
                name = "kind" if field == "green_kind" else field
                if kind is not None and name not in kind.settings:
                    r.err((title, rownum, rd.col(field)), "activity.setting", name=name,
                          reason="unknown")
                    continue
                value = _setting(r, rd, rownum, field, cell[field])
                if value is not None:
                    settings[name] = value
            if kind is not None:
                for name in K.REQUIRED_SETTINGS.get(kind.code, ()):
                    field = "green_kind" if name == "kind" else name
                    if name not in settings and cell.get(field) is None:
                        r.err((title, rownum, rd.col(field)), "activity.required")
                if kind.code == "fuel" and settings.get("fuel") not in (None, *FUELS) \
                        and "carbon_content" not in rec \
                        and "carbon_per_heat" not in rec["params"]:
                    r.err((title, rownum, rd.col("fuel")), "activity.workbook.custom-fuel")
            refs: dict[str, str | None] = {}
            for field in ("facility", "process"):
                ref = _text(cell.get(field))
                if ref is not None and (facilities or processes) \
                        and ref not in boundary[field]:
                    r.err((title, rownum, rd.col(field)), "activity.workbook.unknown-ref",
                          ref=ref)
                refs[field] = ref
            if code is not None:
                if (code, month) in seen:
                    r.err((title, rownum, rd.col("code")), "activity.duplicate-source")
                seen.add((code, month))
            if len(r.errors) > before or kind is None or code is None:
                if len(r.errors) >= S.MAX_ERRORS:
                    break
                continue
            rows_of[(title, rownum)] = rd
            where_of[f"{code}@{month:%Y-%m}" if month else code] = (title, rownum)
            builder.add(kind=kind.code, code=code, name=_text(cell.get("name")) or code,
                        unit=unit, settings=settings, quantity=rec["quantity"], year=year,
                        month=month, ncv=rec.get("ncv"),
                        carbon_content=rec.get("carbon_content"), params=rec["params"],
                        data_source=rec["data_source"], comment=rec["comment"],
                        facility=refs["facility"], process=refs["process"],
                        origin=(title, rownum))
    lines_of: dict[str, list[str]] = {}
    for ident in where_of:
        lines_of.setdefault(ident.split("@", 1)[0], []).append(ident)
    keys = _allocation(r, by_name.get(ALLOCATION), lines_of)
    builder.doc["allocation_keys"] = keys.keys
    if r.errors:
        raise S.reject(r.errors, locale)
    try:
        doc = builder.build()
        check_allocation(doc)
    except AllocationInvalid as exc:
        _allocation_errors(r, keys, exc)
        raise S.reject(r.errors, locale) from None
    except dataio.DocumentInvalid as exc:
        for fe in exc.field_errors:
            origin, rest = builder.origin_of(fe.loc)
            problem = fe.msg or fe.code
            if isinstance(origin, tuple):
                tag: tuple[str, int] = origin
                rd = rows_of[tag]
                field = str(rest[0]) if rest else "-"
                if fe.code == "required":
                    r.err((tag[0], tag[1], rd.col(field)), "activity.required")
                else:
                    r.err((tag[0], tag[1], rd.col(field)), "activity.incomplete",
                          problem=problem)
            else:
                r.err((INFO, 1, "/".join(map(str, fe.loc))), "activity.incomplete",
                      problem=problem)
        raise S.reject(r.errors, locale) from None
    return doc, where_of


class _Keys:
    """The 分摊 sheet read: engine allocation keys, and the rows they came from."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.rows: list[int] = []  # first row of each key
        self.target_rows: dict[tuple[int, str], int] = {}
        self.title = ALLOCATION
        self.rd: S.Rows | None = None


def _allocation(r: _Reader, table: S.Table | None, lines_of: dict[str, list[str]]) -> _Keys:
    """Rows of (utility or source code, level, target, use, basis): a utility (电力/热力/其他未分配)
    splits every line of it without a process tag; a source code splits that source's lines
    (all its months) — the source's own key. Whether targets, inputs and use make sense is the
    engine's check (`check_allocation`), reported at these rows."""
    out = _Keys()
    if table is None:
        return out
    title, _, headers, rows = table
    rd = S.Rows(title, headers, _hmap(ALLOCATION_COLUMNS),
                {f: zh for f, zh, _ in ALLOCATION_COLUMNS})
    out.title, out.rd = title, rd
    index: dict[tuple[str, str], int] = {}
    for rownum, cells in rows:
        cell = rd.cells(cells)
        if all(v is None for v in cell.values()):
            continue
        before = len(r.errors)
        name = _text(cell.get("key")) or ""
        utility = UTILITIES.get(name)
        if utility is None and name not in lines_of:
            r.err((title, rownum, rd.col("key")), "activity.workbook.allocation-key")
        level = basis = None
        if cell.get("level") is not None:
            level = LEVELS.get(_text(cell["level"]) or "")
            if level is None:
                r.err((title, rownum, rd.col("level")), "activity.workbook.choice",
                      choices="设施 / 工艺 / 产品")
        if cell.get("basis") is not None:
            basis = BASES.get(_text(cell["basis"]) or "")
            if basis is None:
                r.err((title, rownum, rd.col("basis")), "activity.workbook.choice",
                      choices="计量用量 / 比例")
        target = _text(cell.get("target"))
        if target is None:
            r.err((title, rownum, rd.col("target")), "activity.required")
        try:
            use = S.number(cell.get("use"))
            if use < 0:
                r.err((title, rownum, rd.col("use")), "activity.negative")
        except (InvalidOperation, ValueError):
            r.err((title, rownum, rd.col("use")), "activity.number")
        if len(r.errors) > before or target is None:
            continue
        ident = ("utility", utility) if utility is not None else ("source", name)
        if ident not in index:
            index[ident] = len(out.keys)
            key: dict[str, Any] = {"utility": utility or "unassigned", "shares": {}}
            if utility is None:
                key["inputs"] = lines_of[name]
            out.keys.append(key)
            out.rows.append(rownum)
        i = index[ident]
        key = out.keys[i]
        for field, value in (("level", level), ("basis", basis)):
            if value is None:
                continue
            if key.setdefault(field, value) != value:
                r.err((title, rownum, rd.col(field)), "activity.workbook.allocation-mixed")
        if target in key["shares"]:
            r.err((title, rownum, rd.col("target")), "activity.duplicate-source")
        key["shares"][target] = str(use)
        out.target_rows[(i, target)] = rownum
    return out


def _allocation_errors(r: _Reader, keys: _Keys, exc: AllocationInvalid) -> None:
    for fe in exc.field_errors:
        _, i, *rest = fe.loc
        assert isinstance(i, int)
        field = str(rest[0]) if rest else "shares"
        row = keys.rows[i]
        col = {"shares": "use", "inputs": "key", "utility": "key"}.get(field, "use")
        if field == "shares" and len(rest) > 1:
            row = keys.target_rows.get((i, str(rest[1])), row)
            col = "target"
        rd = keys.rd
        r.err((keys.title, row, rd.col(col) if rd is not None else col),
              "activity.workbook.allocation", problem=fe.msg or fe.code)


def locate(exc: DomainError, where_of: dict[str, Hashable], locale: str = "zh-CN"
           ) -> str | None:
    """An engine error that names a line (`params["line"]`, e.g. combustion:coal) located at
    the sheet and row the line came from; None when it names none of them."""
    line = str(exc.params.get("line", ""))
    ident = line.split(":", 1)[1] if ":" in line else line
    got = where_of.get(ident) or where_of.get(line)
    if not isinstance(got, tuple):
        return None
    fe = FieldError((got[0], got[1], str(exc.params.get("input", "-"))), "activity.incomplete",
                    {"problem": exc.detail or exc.code})
    return S.located(fe, locale)


# ------------------------------------------------------------------------------------ write


def _fmt(v: Any) -> Any:
    if isinstance(v, Measured):
        v = v.value
    if isinstance(v, Decimal):
        return format(v, "f")
    return v


def _label(field: str, code: str) -> str:
    for zh, c in SETTING_LABELS.get(field, {}).items():
        if c == code:
            return zh
    return code


def _catalogue_name(field: str, ident: str) -> str:
    return CATALOGUE.get(field, {}).get(ident, ident)


def _split(ident: str) -> tuple[str, str | None]:
    code, sep, month = ident.partition("@")
    return (code, month) if sep else (ident, None)


def _rows_of(doc: ActivityDocument, lost: list[str]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {s: [] for s in K.SHEETS}

    def add(kind: str, ident: str, qty: Any, quality: Any = None, **kw: Any) -> None:
        k = K.KINDS[kind]
        code, month = _split(ident)
        row = {"code": code, "kind": k.label_zh, "month": month, "quantity": _fmt(qty), **kw}
        if quality is DataQuality.DEFAULT:
            row["data_source"] = K.DATA_SOURCES["default"]
        rows[k.sheet].append({f: _fmt(v) for f, v in row.items() if v is not None})

    def comp(c: dict[str, Decimal] | None) -> str | None:
        return "; ".join(f"{g}={format(v, 'f')}" for g, v in c.items()) if c else None

    for f in doc.fuels:
        add("fuel", f.id, f.amount, f.quality, name=f.name or None, unit=f.unit,
            fuel=_catalogue_name("fuel", f.fuel), use=_label("use", f.use.value),
            composition=comp(f.composition), ncv=f.ncv, carbon_content=f.carbon_content,
            carbon_per_heat=f.carbon_per_heat, oxidation=f.oxidation, facility=f.facility,
            process=f.process)
    for m in doc.materials:
        add("material", m.id, m.amount, m.quality, name=m.name, unit=m.unit,
            role=_label("role", m.role.value),
            material=_catalogue_name("material", m.material) if m.material else None,
            composition=comp(m.composition), carbon_content=m.carbon_content,
            facility=m.facility, process=m.process)
    for c in doc.carbonates:
        add("carbonate", c.id, c.amount_t, c.quality, unit="t",
            carbonate=_catalogue_name("carbonate", c.carbonate), purity=c.purity, ef=c.ef,
            facility=c.facility, process=c.process)
    for a in doc.acids:
        add("acid", a.id, a.output_t, a.quality, unit="t", acid=_label("acid", a.acid.value),
            technology=_catalogue_name("technology", a.technology),
            abatement=_catalogue_name("abatement", a.abatement) if a.abatement else None,
            generation_factor_kg_per_t=a.generation_factor_kg_per_t,
            abatement_efficiency=a.abatement_efficiency, utilisation=a.utilisation,
            facility=a.facility, process=a.process)
    for rc in doc.co2_recovery:
        add("co2_recovery", rc.id, rc.volume_1e4_nm3, rc.quality, unit="1e4_nm3",
            destination=_label("destination", rc.destination.value), purity=rc.purity,
            facility=rc.facility, process=rc.process)
    for e in doc.electricity:
        add("electricity", e.id, e.energy_mwh, e.quality, unit="MWh",
            direction=_label("direction", e.direction.value),
            counterparty=None if e.counterparty == "grid" else e.counterparty,
            supplier_factor=e.supplier_factor, facility=e.facility, process=e.process)
    for h in doc.heat:
        mass = h.heat_gj is None
        add("heat", h.id, h.mass_t if mass else h.heat_gj, h.quality,
            unit="t" if mass else "GJ", direction=_label("direction", h.direction.value),
            medium=_label("medium", h.medium.value),
            counterparty=None if h.counterparty == "grid" else h.counterparty,
            enthalpy_kj_per_kg=h.enthalpy_kj_per_kg, supplier_factor=h.supplier_factor,
            temperature_c=h.temperature_c, pressure_mpa=h.pressure_mpa,
            facility=h.facility, process=h.process)
    for g in doc.green_claims:
        if g.certificate_ids or g.energy_mwh is None or g.year != doc.period.year:
            lost.append(f"green_claims/{g.id}: certificate ids, counts or another year")
            continue
        add("green_power", g.id, g.energy_mwh, unit="MWh",
            green_kind=_label("green_kind", g.kind.value), comment=g.evidence or None)
    for b in doc.biomass:
        add("biomass", b.id, b.amount, b.quality, name=b.name, unit=b.unit, ncv=b.ncv,
            carbon_per_heat=b.carbon_per_heat, oxidation=b.oxidation, facility=b.facility,
            process=b.process)
    for pf in doc.power_facilities:
        if pf.other_fuels or any(v is not None for v in (
                pf.generation_mwh, pf.supplied_mwh, pf.heat_supplied_gj, pf.heat_ratio)) \
                or pf.grid_purchase_mwh:
            lost.append(f"power_facilities/{pf.id}: other fuels, generation, supply, heat "
                        "ratio and grid purchase")
        for cm in pf.coal:
            if cm.carbon_ad is not None:
                lost.append(f"power_facilities/{pf.id}: air-dry carbon of month {cm.month}")
            month = f"{doc.period.start.year}-{cm.month:02d}" if cm.month else None
            add("power_coal", f"{pf.id}-coal" + (f"@{month}" if month else ""), cm.amount_t,
                cm.quality, unit="t", power_facility=pf.id, ncv=cm.ncv_ar_gj_per_t,
                carbon_content=cm.carbon_ar, moisture_ar_pct=cm.moisture_ar_pct,
                moisture_ad_pct=cm.moisture_ad_pct)
    for p in doc.products:
        add("product", p.id, p.amount_t, name=p.name, unit="t", process=p.process)
    if doc.enterprise.value_added_1e4_cny is not None:
        add("value_added", "value_added", doc.enterprise.value_added_1e4_cny,
            name=K.KINDS["value_added"].label_zh, unit="1e4_cny")
    return rows


def _boundary_rows(doc: ActivityDocument) -> list[dict[str, Any]]:
    """Facilities and processes of the document, with those its lines name but it does not
    declare (the workbook checks every reference against this sheet)."""
    facilities = {f.id: {"type": "设施", "id": f.id, "name": f.name,
                         "facility_kind": f.kind or None} for f in doc.facilities}
    processes = {p.id: {"type": "工艺", "id": p.id, "name": p.name, "facility": p.facility}
                 for p in doc.processes}
    items: list[Any] = [*doc.fuels, *doc.materials, *doc.carbonates, *doc.acids,
                        *doc.co2_recovery, *doc.electricity, *doc.heat, *doc.biomass]
    for p in processes.values():
        if p["facility"] is not None:
            facilities.setdefault(p["facility"], {"type": "设施", "id": p["facility"]})
    for x in items:
        if x.facility is not None:
            facilities.setdefault(x.facility, {"type": "设施", "id": x.facility})
    for x in [*items, *doc.products]:
        if x.process is not None:
            processes.setdefault(x.process, {"type": "工艺", "id": x.process})
    return [*facilities.values(), *processes.values()]


def _sheet(wb: Workbook, title: str, cols: Any, rows: list[dict[str, Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append([zh for _, zh, _ in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for r, row in enumerate(rows, start=2):
        for c, (f, _, _) in enumerate(cols, start=1):
            value = row.get(f)
            if value is None:
                continue
            cell = ws.cell(r, c, value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # user text is never a formula
    for i, (_, zh, _) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(12, len(zh) * 2), 40)
    ws.freeze_panes = "B2"


def write(doc: ActivityDocument | None = None) -> tuple[bytes, list[str]]:
    """The workbook: blank (every sheet with its headers, 企业信息 with its items and help) or
    filled from `doc`. Also returns what of `doc` the workbook cannot hold (empty when all)."""
    lost: list[str] = []
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    values: dict[str, Any] = {}
    if doc is not None:
        o = doc.options
        values = {"enterprise_id": doc.enterprise.id, "enterprise_name": doc.enterprise.name,
                  "methodology": o.methodology, "gwp_set": o.gwp_set,
                  "fuel_table": o.fuel_table, "grid_scope": o.grid_scope.value,
                  "grid_year": o.grid_year, "province": doc.enterprise.province,
                  "region": doc.enterprise.region,
                  "industry_group": doc.enterprise.industry_group or None,
                  "electricity_view_for_total": o.electricity_view_for_total.value,
                  "electricity_equal_value": "等价值" if o.electricity_equal_value else "当量值",
                  "notes": doc.notes or None}
        p = doc.period
        if (p.start.month, p.start.day, p.end.month, p.end.day) == (1, 1, 12, 31) \
                and p.start.year == p.end.year:
            values["year"] = p.start.year
        else:
            values["period_start"], values["period_end"] = (p.start.isoformat(),
                                                            p.end.isoformat())
        for field in ("grid_scope", "electricity_view_for_total"):
            values[field] = next((zh for zh, c in CHOICES[field].items()
                                  if c == values[field]), values[field])
    ws = wb.create_sheet(INFO)
    ws.append([zh for _, zh, _ in INFO_HEADERS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for field, zh, _en, help_zh in INFO_ITEMS:
        ws.append([zh, values.get(field), help_zh])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 26, 30
    ws.column_dimensions["C"].width = 60
    boundary: list[dict[str, Any]] = []
    if doc is not None:
        boundary = _boundary_rows(doc)
    _sheet(wb, BOUNDARY, BOUNDARY_COLUMNS, boundary)
    rows = _rows_of(doc, lost) if doc is not None else {s: [] for s in K.SHEETS}
    for sheet in K.SHEETS:
        _sheet(wb, sheet, _columns(sheet), rows[sheet])
    alloc: list[dict[str, Any]] = []
    for key in (doc.allocation_keys if doc is not None else []):
        level = next((zh for zh, c in LEVELS.items() if key.level is not None
                      and c == key.level.value), None)
        basis = "比例" if key.basis.value == "fraction" else None
        names = (sorted({_split(i)[0] for i in key.inputs}) if key.inputs
                 else [UTILITY_ZH.get(key.utility, key.utility)])
        for name in names:
            for target, use in key.shares.items():
                alloc.append({"key": name, "level": level, "target": target,
                              "use": format(use, "f"), "basis": basis})
    _sheet(wb, ALLOCATION, ALLOCATION_COLUMNS, alloc)
    _notes(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), lost


def _notes(wb: Workbook) -> None:
    ws = wb.create_sheet(NOTES)
    lines = [
        ["企业温室气体排放核算活动数据（一个文件即一份完整的核算文档）"],
        ["用法", "dualcarbon calc 本文件.xlsx（结果为 JSON）"],
        ["类别", " / ".join(f"{k.label_zh}（{k.sheet}）" for k in K.KINDS.values())],
        ["数据来源", " / ".join(K.DATA_SOURCES.values())],
        ["比例类参数", "填小数，如 0.95"],
        ["气体组分", "如 CH4=0.95; C2H6=0.03; CO2=0.01; N2=0.01"],
        ["月份", "留空 = 整个核算期的合计；同一排放源可按月分行填写"],
        ["分摊", "公用类别（电力/热力/其他未分配）：未标注工艺的该类排放按计量用量分摊到各工艺或"
                 "产品；排放源编码：该排放源（各月）按其服务的设施、工艺或产品的计量用量"
                 "（或合计为 1 的比例）分摊"],
    ]
    for field, label in (("use", "用途"), ("role", "物料类别"), ("direction", "方向"),
                         ("medium", "介质"), ("destination", "回收去向"),
                         ("green_kind", "绿电类型")):
        lines.append([label, " / ".join(SETTING_LABELS[field])])
    for field, label in (("fuel", "燃料品种"), ("carbonate", "碳酸盐品种"),
                         ("material", "物料品种(化学计算含碳量)"), ("technology", "生产技术"),
                         ("abatement", "尾气处理技术")):
        lines.append([label, " / ".join(f"{zh}({key})" for key, zh in CATALOGUE[field].items())])
    for line in lines:
        ws.append(line)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 22, 120


__all__ = ["INFO", "ImportRejected", "locate", "read", "write"]
