"""Collection routes: the device ingestion door, batches, latest values, history, daily records,
monthly ledgers (+ Excel), cross-check, meter replacements, invoice entries, device keys, import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from dualcarbon.audit import service as audit
from dualcarbon.collection import (
    corrections,
    devicekeys,
    imports,
    ledgers,
    live,
    reports,
    service,
)
from dualcarbon.collection import schemas as s
from dualcarbon.collection.errors import BadPayload
from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.schematypes import Id, PageNo, PageSize
from dualcarbon.server import problems
from dualcarbon.server.deps import Ctx, SessionDep, SessionFactoryDep, require
from dualcarbon.server.xlsx import workbook_bytes, xlsx_response

for _role in (Role.PARK_ADMIN, Role.ENTERPRISE_USER):
    extend_role(_role, "collection.reading:read", "collection.reading:write",
                "collection.device_key:read")
extend_role(Role.PARK_ADMIN, "collection.device_key:write")
# correcting a stored reading (数据修正) is a park-level control: the park administrator
extend_role(Role.PARK_ADMIN, "collection.reading:correct")
extend_role(Role.VERIFIER, "collection.reading:read")

router = APIRouter(tags=["collection"])
ReadCtx = Annotated[Ctx, Depends(require("collection.reading:read"))]
WriteCtx = Annotated[Ctx, Depends(require("collection.reading:write"))]
KeyRead = Annotated[Ctx, Depends(require("collection.device_key:read"))]
KeyWrite = Annotated[Ctx, Depends(require("collection.device_key:write"))]
CorrectCtx = Annotated[Ctx, Depends(require("collection.reading:correct"))]
Year = Annotated[int, Query(ge=2000, le=2100)]


def plain(value: Any) -> Any:
    """JSON-ready copy: decimals as strings with their digits (8.2), dates ISO."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _page(result: Any, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "total": result.total, "page": result.page, "size": result.size}


# --------------------------------------------------------------------------- device door


@router.post("/ingest/batches", operation_id="ingest_device_batch", tags=["ingest"],
             openapi_extra={"requestBody": {"content": {"application/json": {
                 "schema": {"type": "object"}}, "application/octet-stream": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def ingest_device_batch(request: Request, session: SessionDep) -> Response:
    """Device door (docs/api.md "Device ingestion door"): authenticated by X-Device-Key and an
    HMAC signature, not by a user session. Answers after the rows are committed."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > devicekeys.MAX_BODY_BYTES:
        return _too_large(request)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > devicekeys.MAX_BODY_BYTES:
            return _too_large(request)
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        answer = await run_in_threadpool(devicekeys.receive_batch, session, request.headers, body)
    except devicekeys.TooLarge:
        return _too_large(request)
    return JSONResponse(answer.body, status_code=answer.status)


def _too_large(request: Request) -> Response:
    return problems.problem(request, status=413, code="ingest.too-large",
                            params={"limit": devicekeys.MAX_BODY_BYTES,
                                    "max_readings": devicekeys.MAX_READINGS})


# --------------------------------------------------------------------------- read side


@router.get("/ingest-batches", operation_id="list_ingest_batches")
def list_batches(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 20,
                 enterprise_id: Id | None = None, source: str | None = None) -> dict[str, Any]:
    result = service.list_batches(session, ctx.scope, page=page, size=size,
                                  enterprise_id=enterprise_id, source=source)
    return _page(result, [plain(s.BatchRead.model_validate(b, from_attributes=True).model_dump())
                          for b in result.items])


@router.get("/point-latest", operation_id="list_point_latest")
def point_latest(session: SessionDep, ctx: ReadCtx,
                 since: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
                 enterprise_id: Id | None = None) -> dict[str, Any]:
    """Latest values changed since ``since`` (the ``seq`` of the previous answer)."""
    answer: dict[str, Any] = plain(service.latest_since(session, ctx.scope, since=since,
                                                        enterprise_id=enterprise_id))
    return answer


@router.get("/point-latest/stream", operation_id="stream_point_latest",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "server-sent events: `latest` (seq, items)"}})
async def point_latest_stream(request: Request, session: SessionDep, factory: SessionFactoryDep,
                              ctx: ReadCtx,
                              since: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
                              enterprise_id: Id | None = None,
                              max_seconds: Annotated[float, Query(ge=1, le=3600)] = 300
                              ) -> StreamingResponse:
    """Server-sent events of ``point-latest``: a snapshot, then each change within a fraction of
    a second of its commit, until ``max_seconds`` (the browser reconnects, re-checking the
    session). ``Last-Event-ID`` resumes from the last ``seq`` seen."""
    resume = request.headers.get("last-event-id", "")
    if resume.isdigit():
        since = max(since, int(resume))
    # the stream outlives the request's unit of work: end it now, do not hold a connection
    session.commit()
    fetch_rows = live.fetcher(factory, ctx.scope, enterprise_id)

    def fetch(after: int) -> dict[str, Any]:
        answer: dict[str, Any] = plain(fetch_rows(after))
        return answer

    body = live.stream(live.watcher_of(request.app.state, factory), fetch, since=since,
                       max_seconds=max_seconds, disconnected=request.is_disconnected)
    return StreamingResponse(body, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/metering-points/{point_id}/readings", operation_id="point_readings")
def point_readings(point_id: Id, session: SessionDep, ctx: ReadCtx,
                   start: datetime | None = None, end: datetime | None = None,
                   granularity: Literal["raw", "h", "d", "m"] = "h") -> dict[str, Any]:
    point, _ = ledgers.require_point(session, ctx.scope, point_id)
    end = _aware(end) or datetime.now(UTC)
    start = _aware(start) or end - timedelta(days=1)
    items = service.history(session, point.id, start=start, end=end, granularity=granularity)
    if granularity == "raw":
        marks = corrections.corrected_marks(session, point.id, start, end)
        for item in items:
            original = marks.get(item["ts"])
            item["corrected"] = original is not None
            item["original_value"] = original
    answer: dict[str, Any] = plain({"point_id": point.id, "point_code": point.code,
                                    "unit": point.unit, "granularity": granularity,
                                    "items": items})
    return answer


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get("/monitoring-report", operation_id="monitoring_report")
def monitoring_report(session: SessionDep, ctx: ReadCtx, grain: reports.Grain = "day",
                      period: str | None = None, enterprise_id: Id | None = None,
                      medium: str | None = None,
                      point_id: Annotated[list[int] | None, Query()] = None) -> dict[str, Any]:
    """在线监测日报/月报/年报 of an enterprise's points (and its CEMS CO2 mass), from rollups."""
    answer: dict[str, Any] = plain(reports.build(
        session, ctx.scope, enterprise_id=enterprise_id, grain=grain, period=period,
        medium=medium, point_ids=point_id))
    return answer


@router.get("/monitoring-report/export", operation_id="export_monitoring_report",
            response_class=Response,
            responses={200: {"content": {"application/vnd.openxmlformats-officedocument."
                                         "spreadsheetml.sheet": {}}}})
def export_monitoring_report(session: SessionDep, ctx: ReadCtx, grain: reports.Grain = "day",
                             period: str | None = None, enterprise_id: Id | None = None,
                             medium: str | None = None,
                             point_id: Annotated[list[int] | None, Query()] = None) -> Response:
    report = reports.build(session, ctx.scope, enterprise_id=enterprise_id, grain=grain,
                           period=period, medium=medium, point_ids=point_id)
    audit.record(session, ctx.actor, "export", object_type="monitoring_report",
                 object_id=report["enterprise_id"], object_label=report["enterprise_name"],
                 detail=f"{grain} {report['period']}")
    return xlsx_response(reports.workbook(report, ctx.locale),
                         f"{report['enterprise_name']}-{grain}-{report['period']}.xlsx")


@router.get("/daily-records", operation_id="list_daily_records")
def daily_records(session: SessionDep, ctx: ReadCtx, date_from: date | None = None,
                  date_to: date | None = None, park_id: Id | None = None,
                  enterprise_id: Id | None = None, point_id: Id | None = None) -> dict[str, Any]:
    date_to = date_to or datetime.now(UTC).date()
    date_from = date_from or date_to - timedelta(days=6)
    items = ledgers.daily_records(session, ctx.scope, date_from=date_from, date_to=date_to,
                                  park_id=park_id, enterprise_id=enterprise_id,
                                  point_id=point_id)
    return {"items": plain(items), "total": len(items)}


def _ledger(session: Any, ctx: Ctx, year: int | None, month: int | None, park_id: int | None,
            enterprise_id: int | None, point_id: int | None,
            tolerance_pct: Decimal) -> list[dict[str, Any]]:
    return ledgers.monthly_ledger(session, ctx.scope, year=year or datetime.now(UTC).year,
                                  month=month, park_id=park_id, enterprise_id=enterprise_id,
                                  point_id=point_id, tolerance_pct=tolerance_pct)


Month = Annotated[int | None, Query(ge=1, le=12)]
Tolerance = Annotated[Decimal, Query(ge=0, le=100)]


@router.get("/monthly-ledgers", operation_id="list_monthly_ledgers")
def monthly_ledgers(session: SessionDep, ctx: ReadCtx, year: Year | None = None,
                    month: Month = None, park_id: Id | None = None,
                    enterprise_id: Id | None = None, point_id: Id | None = None,
                    tolerance_pct: Tolerance = Decimal(2)) -> dict[str, Any]:
    """月台帐 from the month rollups, with invoice/manual fallback and the cross-check."""
    items = _ledger(session, ctx, year, month, park_id, enterprise_id, point_id, tolerance_pct)
    return {"items": plain(items), "total": len(items)}


LEDGER_COLUMNS = {
    "zh-CN": [("point_code", "计量点编码"), ("point_name", "计量点名称"), ("medium", "介质"),
              ("unit", "单位"), ("month", "月份"), ("quantity", "台帐数量"),
              ("source", "数据来源"), ("meter_quantity", "计量数量"),
              ("invoice_quantity", "结算发票数量"), ("manual_quantity", "手工台帐数量"),
              ("deviation_pct", "偏差（%）"), ("check", "核对结果"), ("readings", "读数条数"),
              ("invoice_document_no", "发票号")],
    "en": [("point_code", "Point code"), ("point_name", "Point name"), ("medium", "Medium"),
           ("unit", "Unit"), ("month", "Month"), ("quantity", "Ledger quantity"),
           ("source", "Source"), ("meter_quantity", "Metered"),
           ("invoice_quantity", "Invoiced"), ("manual_quantity", "Manual entry"),
           ("deviation_pct", "Deviation (%)"), ("check", "Check"), ("readings", "Readings"),
           ("invoice_document_no", "Invoice no.")],
}


@router.get("/monthly-ledgers/export", operation_id="export_monthly_ledgers",
            response_class=Response)
def export_monthly_ledgers(session: SessionDep, ctx: ReadCtx, year: Year | None = None,
                           month: Month = None, park_id: Id | None = None,
                           enterprise_id: Id | None = None, point_id: Id | None = None,
                           tolerance_pct: Tolerance = Decimal(2)) -> Response:
    items = _ledger(session, ctx, year, month, park_id, enterprise_id, point_id, tolerance_pct)
    audit.record(session, ctx.actor, "export", object_type="monthly_ledger",
                 detail=f"{len(items)} rows")
    locale = "en" if ctx.locale == "en" else "zh-CN"
    sheet = "Monthly ledger" if locale == "en" else "月台帐"
    return xlsx_response(workbook_bytes(items, LEDGER_COLUMNS[locale], sheet), f"{sheet}.xlsx")


@router.get("/ledger-cross-check", operation_id="ledger_cross_check")
def ledger_cross_check(session: SessionDep, ctx: ReadCtx, year: Year | None = None,
                       park_id: Id | None = None, enterprise_id: Id | None = None,
                       tolerance_pct: Tolerance = Decimal(2)) -> dict[str, Any]:
    """8.4-b: metered quantity vs settlement invoice per point and month, deviation %."""
    items = ledgers.cross_check(session, ctx.scope, year=year or datetime.now(UTC).year,
                                park_id=park_id, enterprise_id=enterprise_id,
                                tolerance_pct=tolerance_pct)
    flagged = sum(1 for i in items if i["check"] == "deviation")
    return {"items": plain(items), "total": len(items), "deviations": flagged}


# --------------------------------------------------------------------------- corrections


@router.post("/reading-corrections", response_model=s.CorrectionRead, status_code=201,
             operation_id="create_reading_correction")
def create_correction(data: s.CorrectionIn, session: SessionDep, ctx: CorrectCtx) -> Any:
    """数据修正: a stored reading gets a new value (reason required); the original is kept in
    the correction history, rollups/ledgers/latest value follow, a device resend does not undo
    it."""
    row = corrections.correct_reading(session, ctx.scope, ctx.actor, point_id=data.point_id,
                                      ts=data.ts, value=data.value, reason=data.reason)
    return s.CorrectionRead.model_validate(corrections.correction_out(session, [row])[0])


@router.get("/reading-corrections", operation_id="list_reading_corrections")
def list_corrections(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 20,
                     enterprise_id: Id | None = None, point_id: Id | None = None,
                     start: datetime | None = None, end: datetime | None = None
                     ) -> dict[str, Any]:
    """Correction history (newest first): original value, before → after, reason, who, when."""
    result = corrections.list_corrections(session, ctx.scope, page=page, size=size,
                                          enterprise_id=enterprise_id, point_id=point_id,
                                          start=_aware(start), end=_aware(end))
    items = [plain(s.CorrectionRead.model_validate(r).model_dump())
             for r in corrections.correction_out(session, result.items)]
    return _page(result, items)


# --------------------------------------------------------------------------- replacements


@router.get("/meter-replacements", operation_id="list_meter_replacements")
def list_replacements(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 20,
                      enterprise_id: Id | None = None,
                      point_id: Id | None = None) -> dict[str, Any]:
    result = ledgers.list_replacements(session, ctx.scope, page=page, size=size,
                                       enterprise_id=enterprise_id, point_id=point_id)
    return _page(result, [s.ReplacementRead.model_validate(r, from_attributes=True)
                          for r in result.items])


@router.post("/meter-replacements", response_model=s.ReplacementRead, status_code=201,
             operation_id="create_meter_replacement")
def create_replacement(data: s.ReplacementIn, session: SessionDep, ctx: WriteCtx) -> Any:
    """换表记录: corrects the consumption of the interval that spans the replacement."""
    row = ledgers.create_replacement(session, ctx.scope, ctx.actor, data)
    return s.ReplacementRead.model_validate(row, from_attributes=True)


@router.delete("/meter-replacements/{item_id}", status_code=204,
               operation_id="delete_meter_replacement")
def delete_replacement(item_id: Id, session: SessionDep, ctx: WriteCtx) -> Response:
    ledgers.delete_replacement(session, ctx.scope, ctx.actor, item_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- invoice entries


@router.get("/invoice-entries", operation_id="list_invoice_entries")
def list_entries(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 20,
                 enterprise_id: Id | None = None, point_id: Id | None = None,
                 year: Year | None = None) -> dict[str, Any]:
    result = ledgers.list_entries(session, ctx.scope, page=page, size=size,
                                  enterprise_id=enterprise_id, point_id=point_id, year=year)
    return _page(result, [s.InvoiceRead.model_validate(r, from_attributes=True)
                          for r in result.items])


@router.post("/invoice-entries", response_model=s.InvoiceRead, status_code=201,
             operation_id="create_invoice_entry")
def create_entry(data: s.InvoiceIn, session: SessionDep, ctx: WriteCtx) -> Any:
    return s.InvoiceRead.model_validate(ledgers.create_entry(session, ctx.scope, ctx.actor, data),
                                        from_attributes=True)


@router.patch("/invoice-entries/{item_id}", response_model=s.InvoiceRead,
              operation_id="update_invoice_entry")
def update_entry(item_id: Id, data: s.InvoiceUpdate, session: SessionDep, ctx: WriteCtx) -> Any:
    row = ledgers.update_entry(session, ctx.scope, ctx.actor, item_id, data)
    return s.InvoiceRead.model_validate(row, from_attributes=True)


@router.delete("/invoice-entries/{item_id}", status_code=204,
               operation_id="delete_invoice_entry")
def delete_entry(item_id: Id, session: SessionDep, ctx: WriteCtx) -> Response:
    ledgers.delete_entry(session, ctx.scope, ctx.actor, item_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- device keys


@router.get("/device-keys", operation_id="list_device_keys")
def list_keys(session: SessionDep, ctx: KeyRead, page: PageNo = 1, size: PageSize = 20,
              enterprise_id: Id | None = None) -> dict[str, Any]:
    result = devicekeys.list_keys(session, ctx.scope, page=page, size=size,
                                  enterprise_id=enterprise_id)
    return _page(result, [s.DeviceKeyRead.model_validate(k, from_attributes=True)
                          for k in result.items])


@router.post("/device-keys", response_model=s.DeviceKeyIssued, status_code=201,
             operation_id="create_device_key")
def create_key(data: s.DeviceKeyIn, session: SessionDep, ctx: KeyWrite) -> Any:
    """Issue a key; the secret is in this answer only."""
    key, secret = devicekeys.create_key(session, ctx.scope, ctx.actor, data)
    return s.DeviceKeyIssued(**s.DeviceKeyRead.model_validate(key, from_attributes=True)
                             .model_dump(), secret=secret)


@router.get("/device-keys/{key_pk}", response_model=s.DeviceKeyRead,
            operation_id="get_device_key")
def get_key(key_pk: Id, session: SessionDep, ctx: KeyRead) -> Any:
    return s.DeviceKeyRead.model_validate(devicekeys.get_key(session, ctx.scope, key_pk),
                                          from_attributes=True)


@router.patch("/device-keys/{key_pk}", response_model=s.DeviceKeyRead,
              operation_id="update_device_key")
def update_key(key_pk: Id, data: s.DeviceKeyUpdate, session: SessionDep, ctx: KeyWrite) -> Any:
    key = devicekeys.update_key(session, ctx.scope, ctx.actor, key_pk, data)
    return s.DeviceKeyRead.model_validate(key, from_attributes=True)


@router.post("/device-keys/{key_pk}/rotate", response_model=s.DeviceKeyIssued,
             operation_id="rotate_device_key")
def rotate_key(key_pk: Id, session: SessionDep, ctx: KeyWrite) -> Any:
    """New secret (shown once); the old one stops working at once."""
    key, secret = devicekeys.rotate_key(session, ctx.scope, ctx.actor, key_pk)
    return s.DeviceKeyIssued(**s.DeviceKeyRead.model_validate(key, from_attributes=True)
                             .model_dump(), secret=secret)


@router.post("/device-keys/{key_pk}/revoke", response_model=s.DeviceKeyRead,
             operation_id="revoke_device_key")
def revoke_key(key_pk: Id, session: SessionDep, ctx: KeyWrite) -> Any:
    key = devicekeys.revoke_key(session, ctx.scope, ctx.actor, key_pk)
    return s.DeviceKeyRead.model_validate(key, from_attributes=True)



# --------------------------------------------------------------------------- bulk import


@router.post("/readings/import", operation_id="import_readings")
def import_readings(session: SessionDep, ctx: WriteCtx,
                    file: Annotated[UploadFile, File(description="CSV or Excel (.xlsx)")],
                    park_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None
                    ) -> dict[str, Any]:
    """Readings from CSV/Excel, all or nothing; every bad cell is reported (sheet, row,
    column, reason). The same file uploaded again stores nothing (``replayed``)."""
    content = file.file.read(imports.MAX_FILE_BYTES + 1)
    if len(content) > imports.MAX_FILE_BYTES:
        raise BadPayload(params={"reason": f"> {imports.MAX_FILE_BYTES} bytes"})
    return imports.import_readings(session, ctx.scope, ctx.actor, filename=file.filename or "",
                                   content=content, park_id=park_id, locale=ctx.locale)
