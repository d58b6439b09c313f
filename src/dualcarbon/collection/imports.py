"""Bulk import of readings from CSV or Excel (system integration, history back-fill).

All or nothing: every row is checked first; one bad cell and nothing is stored, and the answer
lists every bad cell as (sheet, row, column, reason) in the caller's language. A file that passes
goes through the one ingestion service (source ``import``), its SHA-256 as the batch reference,
so uploading the same file twice stores nothing the second time.

Columns (header row, Chinese or English, any order): 计量点编码/point, 时间/ts, 数值/value,
and optionally 标记/quality, 单位/unit. A time without an offset is local time of the park.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon import tabular
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
from dualcarbon.tabular import Row

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


def _field_of(header: Any) -> str | None:
    text = str(header or "").strip().lower()
    for name, labels in HEADERS.items():
        if text in {x.lower() for x in labels}:
            return name
    return None


def read_rows(filename: str, content: bytes, errors: list[FieldError]) -> list[Row]:
    rows: list[Row] = []
    try:
        for sheet, table in tabular.open_tables(filename, content):
            rows.extend(tabular.field_rows(sheet, table, _field_of, REQUIRED,
                                           "collection.import.missing-column", errors))
            if len(rows) > MAX_ROWS:
                break
    except tabular.Unreadable as exc:
        raise BadPayload(params={"reason": exc.reason}) from exc
    except tabular.UnknownType:
        raise Invalid(field_errors=[FieldError(("file",), "collection.import.file-type")]
                      ) from None
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
