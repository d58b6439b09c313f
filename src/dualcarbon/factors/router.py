"""Factor-library routes: list/query, get, new version, history of a key, import, export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile

from dualcarbon.audit import service as audit
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.factors import io as factors_io
from dualcarbon.factors import schemas as s
from dualcarbon.factors import service
from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.schematypes import Id, PageNo, PageSize
from dualcarbon.server.deps import Ctx, SessionDep, require
from dualcarbon.server.xlsx import xlsx_response

for _role in (Role.PARK_ADMIN, Role.ENTERPRISE_USER, Role.VERIFIER):
    extend_role(_role, "factors.parameter:read")
# platform rows need a global park_admin grant; a park's grant writes that park's overrides
extend_role(Role.PARK_ADMIN, "factors.parameter:write")

router = APIRouter(tags=["factors"])
ReadCtx = Annotated[Ctx, Depends(require("factors.parameter:read"))]
WriteCtx = Annotated[Ctx, Depends(require("factors.parameter:write"))]
MAX_FILE_BYTES = 10 * 1024 * 1024


def _out(row: Any) -> s.ParameterRead:
    return s.ParameterRead.model_validate(row, from_attributes=True)


def _filters(methodology: str | None, key: str | None, tier: str | None, valid_on: date | None,
             q: str | None, park_id: int | None, platform: bool | None) -> dict[str, Any]:
    return {"methodology": methodology, "key": key, "tier": tier, "valid_on": valid_on, "q": q,
            "park_id": park_id, "platform": platform}


@router.get("/factors", operation_id="list_factors")
def list_factors(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 50,
                 methodology: str | None = None, key: str | None = None,
                 tier: str | None = None, valid_on: date | None = None, q: str | None = None,
                 park_id: Id | None = None, platform: bool | None = None) -> dict[str, Any]:
    """Versions readable by the caller (platform defaults and its park's overrides)."""
    result = service.list_parameters(
        session, ctx.scope, page=page, size=size,
        **_filters(methodology, key, tier, valid_on, q, park_id, platform))
    return {"items": [_out(r) for r in result.items], "total": result.total,
            "page": result.page, "size": result.size}


@router.get("/factors/export", operation_id="export_factors", response_class=Response)
def export_factors(session: SessionDep, ctx: ReadCtx, format: Literal["xlsx", "csv"] = "xlsx",
                   methodology: str | None = None, key: str | None = None,
                   tier: str | None = None, valid_on: date | None = None, q: str | None = None,
                   park_id: Id | None = None, platform: bool | None = None) -> Response:
    rows = service.all_filtered(session, ctx.scope, **_filters(
        methodology, key, tier, valid_on, q, park_id, platform))
    audit.record(session, ctx.actor, "export", object_type="factor_parameter",
                 detail=f"{len(rows)} rows ({format})")
    name = "Parameters" if ctx.locale == "en" else "排放因子与参数"
    if format == "csv":
        return Response(factors_io.export_csv(rows, ctx.locale), media_type="text/csv",
                        headers={"Content-Disposition": "attachment; filename=\"export.csv\"; "
                                 f"filename*=UTF-8''{quote(name + '.csv')}"})
    return xlsx_response(factors_io.export_xlsx(rows, ctx.locale), f"{name}.xlsx")


@router.post("/factors/import", response_model=s.ImportResult, status_code=201,
             operation_id="import_factors")
def import_factors(session: SessionDep, ctx: WriteCtx,
                   file: Annotated[UploadFile, File(description="Excel (.xlsx) or CSV")],
                   park_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None) -> Any:
    """New versions from a file, all or nothing; every bad cell is reported with its sheet,
    row, column and reason. Empty park_id: platform defaults (platform administrators only)."""
    content = file.file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(field_errors=[FieldError(("file",), "factors.import.too-long",
                                               {"max": MAX_FILE_BYTES})])
    rows = factors_io.import_file(session, ctx.scope, ctx.actor, filename=file.filename or "",
                                  content=content, park_id=park_id)
    return s.ImportResult(created=len(rows), ids=[r.id for r in rows])


@router.get("/factors/keys/{methodology}/{key}/history",
            response_model=list[s.ParameterRead], operation_id="factor_history")
def factor_history(methodology: str, key: str, session: SessionDep, ctx: ReadCtx) -> Any:
    """Every version of one key the caller may read: platform first, then park overrides."""
    return [_out(r) for r in service.history(session, ctx.scope, methodology, key)]


@router.get("/factors/{parameter_id}", response_model=s.ParameterRead,
            operation_id="get_factor")
def get_factor(parameter_id: Id, session: SessionDep, ctx: ReadCtx) -> Any:
    return _out(service.get_parameter(session, ctx.scope, parameter_id))


@router.post("/factors", response_model=s.ParameterRead, status_code=201,
             operation_id="create_factor_version")
def create_factor_version(data: s.ParameterIn, session: SessionDep, ctx: WriteCtx) -> Any:
    """A new version (an update is always a new version; the previous one's validity closes
    the day before this one starts)."""
    row = service.create_version(session, ctx.scope, ctx.actor,
                                 service.VersionIn(**data.model_dump()))
    return _out(row)
