"""Park base data routes (园区层面基础数据): CRUD per park and year or month, Excel export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.parkbase import schemas as s
from dualcarbon.parkbase import service
from dualcarbon.schematypes import Id, PageNo, PageSize
from dualcarbon.server.deps import Ctx, SessionDep, require
from dualcarbon.server.xlsx import workbook_bytes, xlsx_response

extend_role(Role.PARK_ADMIN, "parkbase.data:read", "parkbase.data:write")
# the park's enterprises and verifiers see their park's figures (read only)
extend_role(Role.ENTERPRISE_USER, "parkbase.data:read")
extend_role(Role.VERIFIER, "parkbase.data:read")

router = APIRouter(prefix="/park-base-data", tags=["park base data"])
ReadCtx = Annotated[Ctx, Depends(require("parkbase.data:read"))]
WriteCtx = Annotated[Ctx, Depends(require("parkbase.data:write"))]


@router.get("", response_model=s.BaseDataPage, operation_id="list_park_base_data")
def list_rows(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 50,
              park_id: Id | None = None,
              year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
              month: Annotated[int | None, Query(ge=1, le=12)] = None,
              annual: bool | None = None) -> Any:
    """Newest first; `annual=true` for whole-year rows only, `false` for month rows only."""
    result = service.list_rows(session, ctx.scope, park_id=park_id, year=year, month=month,
                               annual=annual, page=page, size=size)
    return {"items": result.items, "total": result.total, "page": result.page,
            "size": result.size}


@router.get("/export", response_class=Response, operation_id="export_park_base_data")
def export(session: SessionDep, ctx: ReadCtx, park_id: Id | None = None,
           year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    rows, columns, sheet = service.export(session, ctx.scope, ctx.actor, park_id=park_id,
                                          year=year, locale=ctx.locale)
    return xlsx_response(workbook_bytes(rows, columns, sheet), f"{sheet}.xlsx")


@router.post("", response_model=s.BaseDataRead, status_code=201,
             operation_id="create_park_base_data")
def create(data: s.BaseDataIn, session: SessionDep, ctx: WriteCtx) -> Any:
    """One park × year (month null) or × month; 409 when that period already has a row."""
    return service.create(session, ctx.scope, ctx.actor, data)


@router.get("/{item_id}", response_model=s.BaseDataRead, operation_id="get_park_base_data")
def get(item_id: Id, session: SessionDep, ctx: ReadCtx) -> Any:
    return service.get(session, ctx.scope, item_id)


@router.patch("/{item_id}", response_model=s.BaseDataRead,
              operation_id="update_park_base_data")
def update(item_id: Id, data: s.BaseDataUpdate, session: SessionDep, ctx: WriteCtx) -> Any:
    """Fields given replace the stored ones; `fuels`, when given, replaces the list."""
    return service.update(session, ctx.scope, ctx.actor, item_id, data)


@router.delete("/{item_id}", status_code=204, operation_id="delete_park_base_data")
def delete(item_id: Id, session: SessionDep, ctx: WriteCtx) -> Response:
    service.delete(session, ctx.scope, ctx.actor, item_id)
    return Response(status_code=204)
