"""Excel (and CSV) template of a month's activity data and its import.

The workbook has one sheet per report table of the guideline (化石燃料燃烧, 工业生产过程,
CO2回收利用, 净购入电力和热力, 产品产量及其他), each listing the enterprise's active sources of
that table with zh-CN headers that carry the units. Import is all or nothing: every cell is
checked first and every problem is reported as (sheet, row, column, reason) in the caller's
language; only a clean file writes anything (into a draft or returned data set)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon import tabular
from dualcarbon.activity import kinds as K
from dualcarbon.activity import service
from dualcarbon.activity.errors import ImportRejected
from dualcarbon.activity.models import ActivityDataset, ActivityRecord, ActivitySource
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError
from dualcarbon.db.tenancy import Scope
from dualcarbon.server import i18n

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ERRORS = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# field -> (zh header, en header)
BASE_COLUMNS: list[tuple[str, str, str]] = [
    ("code", "排放源编码", "Source code"),
    ("name", "排放源名称", "Source name"),
    ("kind", "类别", "Kind"),
    ("unit", "单位", "Unit"),
    ("quantity", "活动数据", "Quantity"),
    ("ncv", "低位发热量(GJ/单位)", "NCV (GJ/unit)"),
    ("carbon_content", "含碳量(tC/单位)", "Carbon content (tC/unit)"),
]
PARAM_COLUMNS: dict[str, tuple[str, str]] = {
    "carbon_per_heat": ("单位热值含碳量(tC/GJ)", "Carbon per heat (tC/GJ)"),
    "oxidation": ("碳氧化率(%/100)", "Oxidation (fraction)"),
    "purity": ("纯度(%/100)", "Purity (fraction)"),
    "ef": ("排放因子(tCO2/t)", "Emission factor (tCO2/t)"),
    "generation_factor_kg_per_t": ("N2O生成因子(kgN2O/t)", "N2O generation (kg/t)"),
    "abatement_efficiency": ("尾气处理效率(%/100)", "Abatement efficiency (fraction)"),
    "utilisation": ("处理设备使用率(%/100)", "Abatement utilisation (fraction)"),
    "supplier_factor": ("供方排放因子", "Supplier factor"),
    "enthalpy_kj_per_kg": ("蒸汽焓值(kJ/kg)", "Enthalpy (kJ/kg)"),
    "temperature_c": ("温度(℃)", "Temperature (°C)"),
    "pressure_mpa": ("压力(MPa,绝压)", "Pressure (MPa abs)"),
    "moisture_ar_pct": ("收到基水分(%)", "Moisture as received (%)"),
    "moisture_ad_pct": ("空干基水分(%)", "Moisture air-dry (%)"),
}
TAIL_COLUMNS: list[tuple[str, str, str]] = [
    ("data_source", "数据来源", "Data source"),
    ("comment", "备注", "Comment"),
]


def columns(sheet: str | None) -> list[tuple[str, str, str]]:
    params: list[str] = []
    for k in K.KINDS.values():
        if sheet is None or k.sheet == sheet:
            params += [p for p in sorted(k.measured | k.plain)
                       if p in PARAM_COLUMNS and p not in params]
    return BASE_COLUMNS + [(p, *PARAM_COLUMNS[p]) for p in params] + TAIL_COLUMNS


def _header_map(sheet: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for field, zh, en in columns(sheet):
        out[zh] = out[en] = out[field] = field
    return out


def _rows(session: Session, ds: ActivityDataset) -> list[dict[str, Any]]:
    sources = list(session.scalars(select(ActivitySource).where(
        ActivitySource.enterprise_id == ds.enterprise_id, ActivitySource.is_active.is_(True))
        .order_by(ActivitySource.sort_order, ActivitySource.id)))
    records = {r.source_id: r for r in session.scalars(select(ActivityRecord).where(
        ActivityRecord.dataset_id == ds.id))}
    out = []
    for src in sources:
        k = K.KINDS[src.kind]
        row: dict[str, Any] = {"code": src.code, "name": src.name, "kind": k.label_zh,
                               "unit": src.unit, "_sheet": k.sheet}
        rec = records.get(src.id)
        if rec is not None:
            row.update({"quantity": rec.quantity, "ncv": rec.ncv,
                        "carbon_content": rec.carbon_content,
                        "data_source": K.DATA_SOURCES.get(rec.data_source, rec.data_source),
                        "comment": rec.comment})
            row.update({p: Decimal(v) for p, v in (rec.params or {}).items()})
        out.append(row)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral() else format(v, "f").rstrip("0")
    return v


def export(session: Session, ds: ActivityDataset, *, fmt: str = "xlsx",
           locale: str = "zh-CN") -> tuple[bytes, str, str]:
    rows = _rows(session, ds)
    if fmt == "csv":
        buf = io.StringIO()
        cols = columns(None)
        w = csv.writer(buf)
        w.writerow([zh for _, zh, _ in cols])
        for row in rows:
            w.writerow(["" if row.get(f) is None else _plain(row.get(f)) for f, _, _ in cols])
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", "csv"
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for sheet in K.SHEETS:
        ws = wb.create_sheet(sheet)
        cols = columns(sheet)
        ws.append([zh for _, zh, _ in cols])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in rows:
            if row["_sheet"] != sheet:
                continue
            values = []
            for f, _, _ in cols:
                v = row.get(f)
                values.append(format(v, "f") if isinstance(v, Decimal) else v)
            ws.append(values)
        for i, (_, zh, _) in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, len(zh) * 2)
        ws.freeze_panes = "C2"
    info = wb.create_sheet("说明")
    info.append(["企业月度活动数据", f"{ds.month:%Y-%m}", f"第 {ds.version} 版"])
    info.append(["数据来源可填", " / ".join(K.DATA_SOURCES.values())])
    info.append(["活动数据为空的行不导入；比例类参数填小数（如 0.95）"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), XLSX, "xlsx"


# ------------------------------------------------------------------------------------ import


Table = tuple[str, str, list[str], list[tuple[int, list[Any]]]]


def read_tables(filename: str, content: bytes, errors: list[FieldError],
                sheets: dict[str, str] | None = None) -> list[Table]:
    """(sheet title, canonical sheet name, headers, [(row number, cells)]) of every data sheet
    of the file. `sheets` maps the titles read (zh and en) to their canonical name; by default
    the five report sheets. A CSV file is one table named CSV."""
    if len(content) > MAX_FILE_BYTES or not content:
        errors.append(FieldError(("-", 1, "-"), "activity.file"))
        return []
    out: list[Table] = []
    known = sheets if sheets is not None else REPORT_SHEETS
    if filename.lower().endswith(".csv"):
        known = {"CSV": "CSV"}  # the one table of a CSV file
    try:
        for title, rows in tabular.open_tables(filename, content, csv_suffixes=(".csv",),
                                               others_as_xlsx=True, csv_name="CSV"):
            if title not in known:
                continue  # 说明 and other sheets of the user's own are not data
            header = next(rows, None)
            if header is None:
                continue
            out.append((title, known[title],
                        [str(h).strip() if h is not None else "" for h in header],
                        [(i, list(r)) for i, r in enumerate(rows, start=2)]))
    except tabular.Unreadable as exc:
        errors.append(FieldError(("CSV" if exc.reason != "xlsx" else "-", 1, "-"),
                                 "activity.file"))
        return []
    return out


REPORT_SHEETS = {s: s for s in K.SHEETS} | {en: zh for zh, en in K.SHEETS_EN.items()}


def number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidOperation
    d = Decimal(str(raw).strip().replace(",", "")) if not isinstance(raw, int | float) \
        else Decimal(str(raw))
    if not d.is_finite():
        raise InvalidOperation
    return d


def located(fe: FieldError, locale: str) -> str:
    sheet, row, column = fe.loc
    reason = i18n.t(fe.code, locale, **fe.params)
    if locale == "en":
        return f"sheet {sheet}, row {row}, column {column}: {reason}"
    return f"工作表 {sheet} 第 {row} 行 {column} 列：{reason}"


def reject(errors: list[FieldError], locale: str) -> ImportRejected:
    """The all-or-nothing refusal: every problem located as sheet, row, column, reason."""
    for fe in errors:
        fe.msg = located(fe, locale)
    return ImportRejected(field_errors=errors, params={"count": len(errors)})


class Rows:
    """One table's header row read against the columns it may have (zh, en or field names)."""

    def __init__(self, title: str, headers: list[str], hmap: dict[str, str],
                 names: dict[str, str] | None = None) -> None:
        self.title, self.headers = title, headers
        self.fields = {i: hmap[h] for i, h in enumerate(headers) if h in hmap}
        self.where = {f: i for i, f in self.fields.items()}
        self.names = names or {}

    def col(self, field: str) -> str:
        """The column as the user sees it: letter and header, e.g. E(活动数据); a column the
        sheet lacks by its template header."""
        i = self.where.get(field)
        if i is None:
            return self.names.get(field, field)
        return f"{get_column_letter(i + 1)}({self.headers[i]})"

    def cells(self, cells: list[Any]) -> dict[str, Any]:
        """Field -> value of one row; blank text is None."""
        out = {f: cells[i] if i < len(cells) else None for i, f in self.fields.items()}
        return {f: (None if isinstance(v, str) and not v.strip() else v) for f, v in out.items()}


VALUE_FIELDS = ("quantity", "ncv", "carbon_content", *PARAM_COLUMNS)
LABEL_FIELDS = ("code", "name", "kind", "unit", "data_source", "comment")


def wrong_sheet(rows: Rows, canonical: str, rownum: int, kind: K.Kind) -> FieldError | None:
    """A source must sit on the sheet of its report table (a purchased-electricity source on
    化石燃料燃烧 is refused, naming the sheet it belongs on). CSV has one table: no check."""
    if canonical == "CSV" or kind.sheet == canonical:
        return None
    return FieldError((rows.title, rownum, rows.col("code")), "activity.wrong-sheet",
                      {"kind": kind.label_zh, "sheet": kind.sheet, "kind_en": kind.label_en,
                       "sheet_en": K.SHEETS_EN[kind.sheet]})


def row_values(rows: Rows, rownum: int, cell: dict[str, Any], kind: K.Kind | None,
               unit: str | None) -> tuple[dict[str, Any], list[FieldError]]:
    """The figures of one row (quantity, NCV, carbon content, the kind's parameters, data source
    and comment) checked cell by cell: numbers, signs, parameters the kind takes, the unit."""
    here: list[FieldError] = []
    rec: dict[str, Any] = {"params": {}}
    for f in VALUE_FIELDS:
        if f not in cell:
            continue
        raw = cell[f]
        if raw is None:
            if f == "quantity":
                here.append(FieldError((rows.title, rownum, rows.col(f)), "activity.required"))
            continue
        try:
            d = number(raw)
        except (InvalidOperation, ValueError):
            here.append(FieldError((rows.title, rownum, rows.col(f)), "activity.number"))
            continue
        if d < 0 and f not in ("temperature_c",):
            here.append(FieldError((rows.title, rownum, rows.col(f)), "activity.negative"))
            continue
        if f in PARAM_COLUMNS:
            if kind is not None and f not in (kind.measured | kind.plain):
                here.append(FieldError((rows.title, rownum, rows.col(f)), "activity.param",
                                       {"name": f}))
                continue
            rec["params"][f] = d
        else:
            if f != "quantity" and kind is not None and f not in kind.measured:
                here.append(FieldError((rows.title, rownum, rows.col(f)), "activity.param",
                                       {"name": f}))
                continue
            rec[f] = d
    raw_unit = cell.get("unit")
    if unit is not None and raw_unit is not None and str(raw_unit).strip() != unit:
        here.append(FieldError((rows.title, rownum, rows.col("unit")), "activity.unit",
                               {"expected": unit}))
    raw_ds = cell.get("data_source")
    if raw_ds is None:
        rec["data_source"] = "meter_ledger"
    elif str(raw_ds).strip() in K.DATA_SOURCE_OF_LABEL:
        rec["data_source"] = K.DATA_SOURCE_OF_LABEL[str(raw_ds).strip()]
    else:
        here.append(FieldError((rows.title, rownum, rows.col("data_source")),
                               "activity.data-source"))
    comment = cell.get("comment")
    rec["comment"] = str(comment).strip()[:2000] if comment is not None else None
    return rec, here


def has_values(cell: dict[str, Any], labels: tuple[str, ...] = LABEL_FIELDS) -> bool:
    """False for a template line left empty (no figure in it): no data for that source."""
    return any(v is not None for f, v in cell.items() if f not in labels)


def import_file(session: Session, scope: Scope, actor: Actor, dataset_id: int, *,
                filename: str, content: bytes, locale: str = "zh-CN") -> ActivityDataset:
    ds = service.get_dataset(session, scope, dataset_id)
    service._editable(session, scope, ds)
    errors: list[FieldError] = []
    tables = read_tables(filename, content, errors)
    sources = {s.code: s for s in session.scalars(select(ActivitySource).where(
        ActivitySource.enterprise_id == ds.enterprise_id, ActivitySource.is_active.is_(True)))}
    seen: set[str] = set()
    parsed: list[tuple[ActivitySource, dict[str, Any]]] = []
    hmap = _header_map(None)
    for title, canonical, headers, table in tables:
        rows = Rows(title, headers, hmap)
        for required in ("code", "quantity"):
            if required not in rows.where:
                zh = {f: z for f, z, _ in BASE_COLUMNS}[required]
                errors.append(FieldError((title, 1, "-"), "activity.header", {"column": zh}))
        if "code" not in rows.where or "quantity" not in rows.where:
            continue
        for rownum, cells in table:
            cell = rows.cells(cells)
            if all(v is None for v in cell.values()) or not has_values(cell):
                continue  # a template line left empty: no data for that source
            code = str(cell.get("code") or "").strip()
            here: list[FieldError] = []
            src = sources.get(code)
            kind = K.KINDS[src.kind] if src is not None else None
            if src is None:
                here.append(FieldError((title, rownum, rows.col("code")),
                                       "activity.unknown-source"))
            elif code in seen:
                here.append(FieldError((title, rownum, rows.col("code")),
                                       "activity.duplicate-source"))
            elif kind is not None and (bad := wrong_sheet(rows, canonical, rownum, kind)):
                here.append(bad)
            seen.add(code)
            rec, problems = row_values(rows, rownum, cell, kind,
                                       src.unit if src is not None else None)
            here += problems
            errors += here
            if not here and src is not None:
                parsed.append((src, rec))
            if len(errors) >= MAX_ERRORS:
                break
    if errors:
        raise reject(errors, locale)
    for src, rec in parsed:
        service._upsert(session, actor, ds, src, rec)
    session.flush()
    return ds
