"""The audit log is readable (and exportable) by the audit administrator only; nothing edits it."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from dualcarbon.audit import service
from dualcarbon.schematypes import PageNo, PageSize
from dualcarbon.server.deps import Ctx, SessionDep, require
from dualcarbon.server.xlsx import workbook_bytes, xlsx_response

router = APIRouter(prefix="/audit-events", tags=["audit"])
AuditRead = Annotated[Ctx, Depends(require("audit.event:read"))]

_COLUMNS = {
    "zh-CN": [
        ("id", "序号"),
        ("occurred_at", "时间（UTC）"),
        ("actor_username", "操作人"),
        ("actor_roles", "角色"),
        ("source_ip", "来源地址"),
        ("action", "操作"),
        ("object_type", "对象类型"),
        ("object_id", "对象ID"),
        ("object_label", "对象"),
        ("before", "变更前"),
        ("after", "变更后"),
        ("outcome", "结果"),
        ("detail", "说明"),
        ("request_id", "请求ID"),
        ("hash", "哈希"),
    ],
    "en": [
        ("id", "ID"),
        ("occurred_at", "Time (UTC)"),
        ("actor_username", "Actor"),
        ("actor_roles", "Roles"),
        ("source_ip", "Source IP"),
        ("action", "Action"),
        ("object_type", "Object type"),
        ("object_id", "Object ID"),
        ("object_label", "Object"),
        ("before", "Before"),
        ("after", "After"),
        ("outcome", "Outcome"),
        ("detail", "Detail"),
        ("request_id", "Request ID"),
        ("hash", "Hash"),
    ],
}


def _row(e: Any) -> dict[str, Any]:
    return {c.key: getattr(e, c.key) for c in e.__mapper__.column_attrs}


@router.get("", operation_id="list_audit_events")
def list_events(
    session: SessionDep,
    ctx: AuditRead,
    page: PageNo = 1,
    size: PageSize = 50,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    result = service.list_events(
        session,
        page=page,
        size=size,
        actor=actor,
        action=action,
        object_type=object_type,
        outcome=outcome,
        since=since,
        until=until,
    )
    return {
        "items": [_row(e) for e in result.items],
        "total": result.total,
        "page": result.page,
        "size": result.size,
    }


@router.get("/export", operation_id="export_audit_events", response_class=Response)
def export(
    session: SessionDep,
    ctx: AuditRead,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    result = service.list_events(
        session,
        page=1,
        size=100_000,
        actor=actor,
        action=action,
        object_type=object_type,
        outcome=outcome,
        since=since,
        until=until,
    )
    rows = []
    for e in result.items:
        row = _row(e)
        row["before"] = None if e.before is None else str(e.before)
        row["after"] = None if e.after is None else str(e.after)
        rows.append(row)
    service.record(
        session, ctx.actor, "export", object_type="audit_event", detail=f"{len(rows)} rows"
    )
    cols = _COLUMNS["en" if ctx.locale == "en" else "zh-CN"]
    return xlsx_response(workbook_bytes(rows, cols, "audit"), "audit-log.xlsx")


@router.get("/verify", operation_id="verify_audit_chain")
def verify(session: SessionDep, ctx: AuditRead) -> dict[str, Any]:
    return service.verify(session)
