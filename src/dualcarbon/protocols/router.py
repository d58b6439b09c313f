"""CO2 CEMS routes: units (configuration), hourly results, computation, period totals."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from dualcarbon.db.types import utcnow
from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.protocols import cems_service as service
from dualcarbon.protocols import schemas as s
from dualcarbon.schematypes import Id
from dualcarbon.server.deps import Ctx, SessionDep, require

for _role in (Role.PARK_ADMIN, Role.ENTERPRISE_USER):
    extend_role(_role, "cems:read", "cems:write")
extend_role(Role.VERIFIER, "cems:read")

router = APIRouter(tags=["cems"])
CemsRead = Annotated[Ctx, Depends(require("cems:read"))]
CemsWrite = Annotated[Ctx, Depends(require("cems:write"))]
Start = Annotated[datetime | None, Query(description="UTC start (inclusive); default end − 24 h")]
End = Annotated[datetime | None, Query(description="UTC end (exclusive); default now")]


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or utcnow()
    return start or end - timedelta(hours=24), end


@router.get("/cems-units", response_model=list[s.CemsUnitRead], operation_id="list_cems_units")
def list_units(session: SessionDep, ctx: CemsRead) -> Any:
    return [s.CemsUnitRead.model_validate(u) for u in service.list_units(session, ctx.scope)]


@router.post("/cems-units", response_model=s.CemsUnitRead, status_code=201,
             operation_id="create_cems_unit")
def create_unit(data: s.CemsUnitIn, session: SessionDep, ctx: CemsWrite) -> Any:
    unit = service.create_unit_scoped(session, ctx.scope, ctx.actor, data.model_dump())
    return s.CemsUnitRead.model_validate(unit)


@router.get("/cems-units/{unit_id}", response_model=s.CemsUnitRead,
            operation_id="get_cems_unit")
def get_unit(unit_id: Id, session: SessionDep, ctx: CemsRead) -> Any:
    return s.CemsUnitRead.model_validate(service.get_unit(session, ctx.scope, unit_id))


@router.post("/cems-units/{unit_id}/compute", response_model=list[s.CemsHourRead],
             operation_id="compute_cems_hours")
def compute(unit_id: Id, data: s.ComputeIn, session: SessionDep, ctx: CemsWrite) -> Any:
    hours = service.compute_scoped(session, ctx.scope, ctx.actor, unit_id, data.start, data.end)
    return [s.CemsHourRead.model_validate(h) for h in hours]


@router.get("/cems-units/{unit_id}/hours", response_model=list[s.CemsHourRead],
            operation_id="list_cems_hours")
def list_hours(unit_id: Id, session: SessionDep, ctx: CemsRead, start: Start = None,
               end: End = None) -> Any:
    lo, hi = _window(start, end)
    return [s.CemsHourRead.model_validate(h)
            for h in service.list_hours(session, ctx.scope, unit_id, lo, hi)]


@router.get("/cems-units/{unit_id}/totals", response_model=s.PeriodTotalRead,
            operation_id="get_cems_totals")
def totals(unit_id: Id, session: SessionDep, ctx: CemsRead, start: Start = None,
           end: End = None) -> Any:
    unit = service.get_unit(session, ctx.scope, unit_id)
    lo, hi = _window(start, end)
    return s.PeriodTotalRead.model_validate(service.period_total(session, unit, lo, hi))
