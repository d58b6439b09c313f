"""Bulk import of readings from CSV or Excel (system integration, history back-fill).

All or nothing: every row is checked first; one bad cell and nothing is stored, and the answer
lists every bad cell as (sheet, row, column, reason) in the caller's language. A file that passes
goes through the one ingestion service (source ``import``), its SHA-256 as the batch reference,
so uploading the same file twice stores nothing the second time.

Columns (header row, Chinese or English, any order): 计量点编码/point, 时间/ts, 数值/value,
and optionally 标记/quality, 单位/unit. A time without an offset is local time of the park.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.collection import service as ingestion
from dualcarbon.collection.errors import BadPayload, ImportRejected
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.core.readings import (
    ReadingRejected,
    check_quality,
    check_ts,
    check_value,
    parse_value,
)
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.registry.models import MeteringPoint, Park
from dualcarbon.server import i18n

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ERRORS = 200

HEADERS = {
    "point": {"计量点编码", "计量点", "point", "point_code", "point code"},
    "ts": {"时间", "采集时间", "ts", "time", "timestamp"},
    "value": {"数值", "读数", "value"},
    "quality": {"标记", "数据标记", "quality", "flag"},
    "unit": {"单位", "unit"},
}
REQUIRED = ("point", "ts", "value")


@dataclass(frozen=True, slots=True)
class Row:
    sheet: str
    row: int  # 1-based, as Excel shows it
    cells: dict[str, tuple[str, Any]]  # field -> (column label, raw value)


def _field_of(header: Any) -> str | None:
    text = str(header or "").strip().lower()
    for name, labels in HEADERS.items():
        if text in {x.lower() for x in labels}:
            return name
    return None


def _rows_from_table(sheet: str, table: Iterator[tuple[Any, ...]],
                     errors: list[FieldError]) -> Iterator[Row]:
    header = next(table, None)
    if header is None:
        return
    columns: dict[str, tuple[int, str]] = {}
    for i, h in enumerate(header):
        name = _field_of(h)
        if name and name not in columns:
            columns[name] = (i, get_column_letter(i + 1))
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        for f in missing:
            errors.append(FieldError((sheet, 1, f), "collection.import.missing-column",
                                     {"column": f}))
        return
    for n, values in enumerate(table, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        cells = {f: (letter, values[i] if i < len(values) else None)
                 for f, (i, letter) in columns.items()}
        yield Row(sheet, n, cells)


def read_rows(filename: str, content: bytes, errors: list[FieldError]) -> list[Row]:
    name = (filename or "").lower()
    rows: list[Row] = []
    if name.endswith((".xlsx", ".xlsm")):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise BadPayload(params={"reason": "xlsx"}) from exc
        for ws in wb.worksheets:
            rows.extend(_rows_from_table(ws.title, ws.iter_rows(values_only=True), errors))
            if len(rows) > MAX_ROWS:
                break
        wb.close()
    elif name.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise BadPayload(params={"reason": "encoding"})
        table = (tuple(r) for r in csv.reader(io.StringIO(text)))
        rows.extend(_rows_from_table("csv", table, errors))
    else:
        raise Invalid(field_errors=[FieldError(("file",), "collection.import.file-type")])
    if len(rows) > MAX_ROWS:
        raise Invalid(field_errors=[FieldError(("file",), "collection.import.too-many-rows",
                                               {"max": MAX_ROWS})])
    return rows


def _ts(raw: Any, tz: ZoneInfo) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    else:
        text = str(raw or "").strip().replace("Z", "+00:00")
        if not text:
            raise ReadingRejected("ingest.bad-timestamp")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ReadingRejected("ingest.bad-timestamp") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _value(raw: Any) -> Decimal:
    if isinstance(raw, float):
        # an Excel number cell: its shortest repr is what the user typed
        raw = repr(raw)
    return parse_value(raw)


def import_readings(session: Session, scope: Scope, actor: Actor, *, filename: str,
                    content: bytes, park_id: int | None = None, locale: str = "zh-CN",
                    now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    if park_id is None:
        parks = scope.parks_touched
        if len(parks) != 1:
            raise Invalid(field_errors=[FieldError(("body", "park_id"), "missing")])
        park_id = next(iter(parks))
    park = session.scalar(select(Park).where(Park.id == park_id, scope.filter_for(Park)))
    if park is None:
        raise Invalid(field_errors=[FieldError(("body", "park_id"), "collection.not-found")])
    tz = ZoneInfo(park.timezone or "Asia/Shanghai")
    errors: list[FieldError] = []
    rows = read_rows(filename, content, errors)
    codes = {str(r.cells["point"][1] or "").strip() for r in rows}
    points = {p.code: p for p in session.scalars(select(MeteringPoint).where(
        MeteringPoint.park_id == park.id, MeteringPoint.code.in_(codes),
        scope.filter_for(MeteringPoint)))} if codes else {}
    readings: list[ingestion.ReadingIn] = []
    for row in rows:
        cell: tuple[str, Any] = ("", None)
        try:
            cell = row.cells["point"]
            point = points.get(str(cell[1] or "").strip())
            if point is None:
                raise ReadingRejected("ingest.unknown-point")
            if not point.is_active:
                raise ReadingRejected("ingest.inactive-point")
            cell = row.cells["ts"]
            ts = check_ts(_ts(cell[1], tz), now)
            cell = row.cells["value"]
            value = _value(cell[1])
            check_value(value, unit=point.unit, cumulative=point.measurement == "cumulative")
            quality = "N"
            if "quality" in row.cells:
                cell = row.cells["quality"]
                quality = check_quality(str(cell[1]) if cell[1] is not None else None)
            if "unit" in row.cells and row.cells["unit"][1] not in (None, ""):
                cell = row.cells["unit"]
                if str(cell[1]).strip() != point.unit:
                    raise ReadingRejected("ingest.unit-mismatch")
        except ReadingRejected as exc:
            errors.append(FieldError((row.sheet, row.row, cell[0]), exc.code))
            if len(errors) >= MAX_ERRORS:
                break
            continue
        readings.append(ingestion.ReadingIn(point.code, ts, value, quality))
    if errors:
        for fe in errors:
            fe.msg = _located(fe, locale)
        raise ImportRejected(field_errors=errors, params={"count": len(errors)})
    digest = hashlib.sha256(content).hexdigest()
    result = ingestion.ingest(session, park_id=park.id, readings=readings, source="import",
                              batch_ref=f"sha256:{digest[:48]}", created_by=actor.username,
                              now=now)
    if result.rejected:  # unreachable when the checks above agree with the service
        raise ImportRejected(field_errors=[FieldError(("row", i), code)
                                           for i, _, code in result.rejected])
    if not result.replayed:
        audit.record(session, actor, "import", object_type="readings", object_id=result.batch_id,
                     object_label=filename[:100],
                     detail=f"{result.accepted} accepted, {result.duplicates} duplicates",
                     park_id=park.id)
    return {"batch_id": result.batch_id, "rows": len(rows), "accepted": result.accepted,
            "duplicates": result.duplicates, "replayed": result.replayed}


def _located(fe: FieldError, locale: str) -> str:
    sheet, row, column = fe.loc
    reason = i18n.t(fe.code, locale, **fe.params)
    if locale == "en":
        return f"sheet {sheet}, row {row}, column {column}: {reason}"
    return f"工作表 {sheet} 第 {row} 行 {column} 列：{reason}"
