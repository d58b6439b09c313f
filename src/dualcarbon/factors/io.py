"""Import and export of the parameter library as Excel (.xlsx) or CSV.

Import is all or nothing: every row is checked first, then every version is created in the same
transaction; one bad cell (or one version the library refuses) and nothing is stored — the answer
lists every problem as (sheet, row, column, reason) in the caller's language. Header names are
Chinese or English, in any order; unknown columns (e.g. id, origin of an export) are ignored."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from dualcarbon import tabular
from dualcarbon.audit import service as audit
from dualcarbon.core.accounting.tiers import ProvenanceTier
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import DomainError, FieldError, Invalid
from dualcarbon.db.tenancy import Scope
from dualcarbon.factors import service
from dualcarbon.factors.errors import FactorImportRejected
from dualcarbon.factors.models import FactorParameter
from dualcarbon.tabular import Row as _Row

MAX_ROWS = 20_000
MAX_ERRORS = 500

# field, zh header, en header, required, max length (text)
COLUMNS: list[tuple[str, str, str, bool, int]] = [
    ("methodology", "方法学", "methodology", True, 40),
    ("key", "参数键", "key", True, 120),
    ("version", "版本", "version", True, 60),
    ("value", "数值", "value", True, 64),
    ("unit", "单位", "unit", False, 40),
    ("valid_from", "生效日期", "valid_from", False, 10),
    ("valid_to", "失效日期", "valid_to", False, 10),
    ("source_document", "来源文件", "source_document", False, 500),
    ("clause", "条款", "clause", False, 200),
    ("tier", "可信等级", "tier", False, 20),
    ("note", "备注", "note", False, 2000),
]
EXPORT_EXTRA = [("id", "编号", "id"), ("scope", "适用范围", "scope"),
                ("origin", "来源方式", "origin"), ("created_by", "创建人", "created_by"),
                ("created_at", "创建时间", "created_at")]


def _field_of(header: Any) -> str | None:
    text = str(header or "").strip().lower()
    for f, zh, en, _, _ in COLUMNS:
        if text in (zh.lower(), en.lower()):
            return f
    return None


def read_rows(filename: str, content: bytes, errors: list[FieldError]) -> list[_Row]:
    required = [f for f, _, _, req, _ in COLUMNS if req]
    rows: list[_Row] = []
    try:
        for sheet, table in tabular.open_tables(filename, content):
            rows.extend(tabular.field_rows(sheet, table, _field_of, required,
                                           "factors.import.missing-column", errors))
    except tabular.Unreadable as exc:
        raise Invalid(field_errors=[FieldError(("file",), "factors.import.unreadable")]
                      ) from exc
    except tabular.UnknownType:
        raise Invalid(field_errors=[FieldError(("file",), "factors.import.file-type")]) from None
    if len(rows) > MAX_ROWS:
        raise Invalid(field_errors=[FieldError(("file",), "factors.import.too-long",
                                               {"max": MAX_ROWS})])
    return rows


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float):
        return repr(raw)  # shortest text that round-trips: 0.1 stays "0.1"
    return str(raw).strip()


def _parse(row: _Row, park_id: int | None, errors: list[FieldError]) -> service.VersionIn | None:
    vals: dict[str, Any] = {}
    bad = False

    def err(field: str, code: str, **params: Any) -> None:
        nonlocal bad
        bad = True
        letter = row.cells[field][0] if field in row.cells else field
        errors.append(FieldError((row.sheet, row.row, letter), code, {**params, "field": field}))

    for f, _, _, required, max_len in COLUMNS:
        raw = row.cells.get(f, ("", None))[1]
        text = _text(raw).replace("\x00", "")
        if not text:
            if required:
                err(f, "factors.import.required")
            vals[f] = None
            continue
        if len(text) > max_len:
            err(f, "factors.import.too-long", max=max_len)
            continue
        if f == "value":
            try:
                d = Decimal(text)
            except InvalidOperation:
                err(f, "factors.import.number")
                continue
            if not d.is_finite():
                err(f, "factors.import.number")
                continue
            vals[f] = d
        elif f in ("valid_from", "valid_to"):
            try:
                vals[f] = raw.date() if isinstance(raw, datetime) else (
                    raw if isinstance(raw, date) else date.fromisoformat(text))
            except ValueError:
                err(f, "factors.import.date")
        elif f == "tier":
            try:
                vals[f] = ProvenanceTier(text)
            except ValueError:
                err(f, "factors.import.tier", allowed=", ".join(t.value for t in ProvenanceTier))
        else:
            vals[f] = text
    if not bad and vals.get("valid_from") and vals.get("valid_to") \
            and vals["valid_to"] < vals["valid_from"]:
        err("valid_to", "factors.valid-range")
    if bad:
        return None
    return service.VersionIn(
        park_id=park_id, methodology=vals["methodology"], key=vals["key"],
        version=vals["version"], value=vals["value"], unit=vals.get("unit") or "",
        valid_from=vals.get("valid_from"), valid_to=vals.get("valid_to"),
        source_document=vals.get("source_document") or "", clause=vals.get("clause") or "",
        tier=vals.get("tier") or ProvenanceTier.USER, note=vals.get("note") or "")


def import_file(session: Session, scope: Scope, actor: Actor, *, filename: str, content: bytes,
                park_id: int | None) -> list[FactorParameter]:
    """Create one version per row, all or nothing (the caller's transaction rolls back on the
    raised FactorImportRejected). Rows are applied in file order, so a file may hold several
    versions of one key, oldest first."""
    scope.require_writable(park_id)
    errors: list[FieldError] = []
    rows = read_rows(filename, content, errors)
    items: list[tuple[_Row, service.VersionIn]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for r in rows:
        item = _parse(r, park_id, errors)
        if item is None:
            continue
        ident = (item.methodology, item.key, item.version)
        if ident in seen:
            errors.append(FieldError((r.sheet, r.row, r.cells["version"][0]),
                                     "factors.import.duplicate-row", {"row": seen[ident]}))
            continue
        seen[ident] = r.row
        items.append((r, item))
    created: list[FactorParameter] = []
    if not errors:
        nested = session.begin_nested()
        for r, item in items:
            try:
                created.append(service.create_version(session, scope, actor, item,
                                                      origin="import"))
            except DomainError as exc:
                errors.append(FieldError((r.sheet, r.row, r.cells["version"][0]), exc.code,
                                         exc.params))
                if len(errors) >= MAX_ERRORS:
                    break
        if errors:
            nested.rollback()
        else:
            nested.commit()
    if errors:
        raise FactorImportRejected(field_errors=errors[:MAX_ERRORS],
                                   params={"count": len(errors)})
    audit.record(session, actor, "import", object_type="factor_parameter",
                 object_label=filename[:200], detail=f"{len(created)} versions", park_id=park_id)
    return created


def _export_row(r: FactorParameter) -> dict[str, Any]:
    return {"id": r.id, "scope": "platform" if r.park_id is None else f"park:{r.park_id}",
            "methodology": r.methodology, "key": r.key, "version": r.version,
            "value": r.value_text, "unit": r.unit,
            "valid_from": r.valid_from.isoformat() if r.valid_from else "",
            "valid_to": r.valid_to.isoformat() if r.valid_to else "",
            "source_document": r.source_document, "clause": r.clause, "tier": r.tier,
            "note": r.note, "origin": r.origin, "created_by": r.created_by,
            "created_at": r.created_at.isoformat()}


def _headers(locale: str) -> list[tuple[str, str]]:
    i = 2 if locale == "en" else 1
    cols = [(c[0], c[i]) for c in COLUMNS]
    return [(EXPORT_EXTRA[0][0], EXPORT_EXTRA[0][i]), (EXPORT_EXTRA[1][0], EXPORT_EXTRA[1][i]),
            *cols, *[(e[0], e[i]) for e in EXPORT_EXTRA[2:]]]


def export_csv(rows: list[FactorParameter], locale: str) -> bytes:
    cols = _headers(locale)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([label for _, label in cols])
    for r in rows:
        d = _export_row(r)
        w.writerow([_safe(d[k]) for k, _ in cols])
    return buf.getvalue().encode("utf-8-sig")


def _safe(v: Any) -> Any:
    """No formula injection: text starting like a formula gets a leading apostrophe."""
    if isinstance(v, str) and v[:1] in ("=", "+", "@") and not _is_number(v):
        return "'" + v
    return v


def _is_number(v: str) -> bool:
    try:
        Decimal(v)
        return True
    except InvalidOperation:
        return False


def export_xlsx(rows: list[FactorParameter], locale: str) -> bytes:
    """Values are written as text cells so every digit survives a round trip."""
    cols = _headers(locale)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Parameters" if locale == "en" else "排放因子与参数"
    ws.append([label for _, label in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, r in enumerate(rows, start=2):
        d = _export_row(r)
        for j, (k, _) in enumerate(cols, start=1):
            c = ws.cell(row=i, column=j, value=d[k])
            if isinstance(c.value, str):
                c.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
