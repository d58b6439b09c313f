"""CO2 CEMS routes (units, hourly results, computation, period totals) and HJ 212 data-logger
configuration (devices and their factor maps)."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from dualcarbon.db.types import utcnow
from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.protocols import cems_service as service
from dualcarbon.protocols import hj212_config
from dualcarbon.protocols import schemas as s
from dualcarbon.schematypes import Id, PageNo, PageOut, PageSize
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


# --------------------------------------------------------------------------- HJ 212 loggers

for _role in (Role.PARK_ADMIN, Role.ENTERPRISE_USER):
    extend_role(_role, "hj212.device:read", "hj212.device:write")
Hj212Read = Annotated[Ctx, Depends(require("hj212.device:read"))]
Hj212Write = Annotated[Ctx, Depends(require("hj212.device:write"))]


def _device(session: Any, dev: Any) -> s.Hj212DeviceRead:
    return s.Hj212DeviceRead.model_validate(hj212_config.device_out(session, [dev])[0])


@router.get("/hj212-devices", response_model=PageOut[s.Hj212DeviceRead],
            operation_id="list_hj212_devices", tags=["hj212"])
def list_hj212_devices(session: SessionDep, ctx: Hj212Read, page: PageNo = 1,
                       size: PageSize = 20, enterprise_id: Id | None = None,
                       q: Annotated[str | None, Query(max_length=100)] = None) -> Any:
    """HJ 212 data loggers (数采仪) in the caller's scope."""
    result = hj212_config.list_devices(session, ctx.scope, page=page, size=size,
                                       enterprise_id=enterprise_id, q=q)
    items = [s.Hj212DeviceRead.model_validate(d)
             for d in hj212_config.device_out(session, result.items)]
    return {"items": items, "total": result.total, "page": result.page, "size": result.size}


@router.post("/hj212-devices", response_model=s.Hj212DeviceRead, status_code=201,
             operation_id="create_hj212_device", tags=["hj212"])
def create_hj212_device(data: s.Hj212DeviceIn, session: SessionDep, ctx: Hj212Write) -> Any:
    return _device(session, hj212_config.create_device(session, ctx.scope, ctx.actor, data))


@router.get("/hj212-devices/{device_id}", response_model=s.Hj212DeviceRead,
            operation_id="get_hj212_device", tags=["hj212"])
def get_hj212_device(device_id: Id, session: SessionDep, ctx: Hj212Read) -> Any:
    return _device(session, hj212_config.get_device(session, ctx.scope, device_id))


@router.patch("/hj212-devices/{device_id}", response_model=s.Hj212DeviceRead,
              operation_id="update_hj212_device", tags=["hj212"])
def update_hj212_device(device_id: Id, data: s.Hj212DeviceUpdate, session: SessionDep,
                        ctx: Hj212Write) -> Any:
    dev = hj212_config.update_device(session, ctx.scope, ctx.actor, device_id, data)
    return _device(session, dev)


@router.delete("/hj212-devices/{device_id}", status_code=204,
               operation_id="delete_hj212_device", tags=["hj212"])
def delete_hj212_device(device_id: Id, session: SessionDep, ctx: Hj212Write) -> Response:
    hj212_config.delete_device(session, ctx.scope, ctx.actor, device_id)
    return Response(status_code=204)


@router.get("/hj212-devices/{device_id}/factors", response_model=list[s.Hj212FactorRead],
            operation_id="list_hj212_factors", tags=["hj212"])
def list_hj212_factors(device_id: Id, session: SessionDep, ctx: Hj212Read) -> Any:
    maps = hj212_config.list_factors(session, ctx.scope, device_id)
    return hj212_config.factor_out(session, maps, ctx.locale)


@router.put("/hj212-devices/{device_id}/factors", response_model=list[s.Hj212FactorRead],
            operation_id="replace_hj212_factors", tags=["hj212"])
def replace_hj212_factors(device_id: Id, data: s.Hj212FactorSet, session: SessionDep,
                          ctx: Hj212Write) -> Any:
    """Save the whole factor map at once; every bad row is reported as ``factors[i].field``."""
    maps = hj212_config.replace_factors(session, ctx.scope, ctx.actor, device_id, data.factors)
    return hj212_config.factor_out(session, maps, ctx.locale)


@router.post("/hj212-devices/{device_id}/factors", response_model=s.Hj212FactorRead,
             status_code=201, operation_id="create_hj212_factor", tags=["hj212"])
def create_hj212_factor(device_id: Id, data: s.Hj212FactorIn, session: SessionDep,
                        ctx: Hj212Write) -> Any:
    m = hj212_config.add_factor(session, ctx.scope, ctx.actor, device_id, data)
    return hj212_config.factor_out(session, [m], ctx.locale)[0]


@router.patch("/hj212-factor-maps/{factor_id}", response_model=s.Hj212FactorRead,
              operation_id="update_hj212_factor", tags=["hj212"])
def update_hj212_factor(factor_id: Id, data: s.Hj212FactorUpdate, session: SessionDep,
                        ctx: Hj212Write) -> Any:
    m = hj212_config.update_factor(session, ctx.scope, ctx.actor, factor_id, data)
    return hj212_config.factor_out(session, [m], ctx.locale)[0]


@router.delete("/hj212-factor-maps/{factor_id}", status_code=204,
               operation_id="delete_hj212_factor", tags=["hj212"])
def delete_hj212_factor(factor_id: Id, session: SessionDep, ctx: Hj212Write) -> Response:
    hj212_config.delete_factor(session, ctx.scope, ctx.actor, factor_id)
    return Response(status_code=204)


@router.get("/reference/hj212-factors", response_model=list[s.Hj212FactorCode],
            operation_id="list_hj212_factor_codes", tags=["hj212"])
def list_hj212_factor_codes(ctx: Hj212Read) -> Any:
    """HJ 212-2017 附录 B factor codes a carbon platform meets most (pick list)."""
    return hj212_config.factor_codes(ctx.locale)
