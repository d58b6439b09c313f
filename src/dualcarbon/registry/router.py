"""Registry routes. The seven resources share one route shape, built by `_resource_router`
(no postponed annotations in this module: FastAPI reads the closure's real types)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from dualcarbon.audit import service as audit
from dualcarbon.registry import labels, reference, service
from dualcarbon.registry import schemas as s
from dualcarbon.schematypes import Id
from dualcarbon.server.deps import Ctx, SessionDep, require, signed_in
from dualcarbon.server.xlsx import workbook_bytes, xlsx_response

router = APIRouter(tags=["registry"])

_MODELS: dict[str, tuple[type[BaseModel], type[BaseModel], type[BaseModel], type[BaseModel]]] = {
    "park": (s.ParkCreate, s.ParkUpdate, s.ParkRead, s.ParkQuery),
    "enterprise": (s.EnterpriseCreate, s.EnterpriseUpdate, s.EnterpriseRead, s.EnterpriseQuery),
    "facility": (s.FacilityCreate, s.FacilityUpdate, s.FacilityRead, s.FacilityQuery),
    "process": (s.ProcessCreate, s.ProcessUpdate, s.ProcessRead, s.ProcessQuery),
    "product": (s.ProductCreate, s.ProductUpdate, s.ProductRead, s.ProductQuery),
    "device": (s.DeviceCreate, s.DeviceUpdate, s.DeviceRead, s.DeviceQuery),
    "metering_point": (
        s.MeteringPointCreate,
        s.MeteringPointUpdate,
        s.MeteringPointRead,
        s.MeteringPointQuery,
    ),
}


def _resource_router(name: str) -> APIRouter:
    spec = service.SPECS[name]
    create_model, update_model, read_model, query_model = _MODELS[name]
    read_perm, write_perm = f"registry.{name}:read", f"registry.{name}:write"
    update_perm = "registry.enterprise:update" if name == "enterprise" else write_perm
    r = APIRouter(prefix=spec.path, tags=["registry"])
    ReadCtx = Annotated[Ctx, Depends(require(read_perm))]
    WriteCtx = Annotated[Ctx, Depends(require(write_perm))]
    UpdateCtx = Annotated[Ctx, Depends(require(update_perm))]
    Query_ = Annotated[query_model, Query()]  # type: ignore[valid-type]

    def _split(query: BaseModel) -> tuple[dict[str, Any], dict[str, Any]]:
        data = query.model_dump()
        paging = {k: data.pop(k) for k in ("page", "size", "q", "sort")}
        return paging, data

    @r.get("", response_model=s.PageOut[read_model], operation_id=f"list_{name}s")  # type: ignore[valid-type]
    def list_(query: Query_, session: SessionDep, ctx: ReadCtx) -> Any:
        paging, filters = _split(query)
        return service.list_items(
            session, spec, ctx.scope, filters=filters, locale=ctx.locale, **paging
        )

    @r.get("/export", operation_id=f"export_{name}s", response_class=Response)
    def export(query: Query_, session: SessionDep, ctx: ReadCtx) -> Response:
        paging, filters = _split(query)
        rows = service.all_items(
            session,
            spec,
            ctx.scope,
            q=paging["q"],
            sort=paging["sort"],
            filters=filters,
            locale=ctx.locale,
        )
        audit.record(session, ctx.actor, "export", object_type=name, detail=f"{len(rows)} rows")
        yes_no = ("Yes", "No") if ctx.locale == "en" else ("是", "否")
        content = workbook_bytes(
            rows, labels.columns(name, ctx.locale), labels.sheet_name(name, ctx.locale), yes_no
        )
        return xlsx_response(content, f"{labels.sheet_name(name, ctx.locale)}.xlsx")

    @r.get("/{item_id}", response_model=read_model, operation_id=f"get_{name}")
    def get(item_id: Id, session: SessionDep, ctx: ReadCtx) -> Any:
        return service.get_item(session, spec, ctx.scope, item_id, ctx.locale)

    @r.post("", response_model=read_model, status_code=201, operation_id=f"create_{name}")
    def create(data: create_model, session: SessionDep, ctx: WriteCtx) -> Any:  # type: ignore[valid-type]
        return service.create_item(session, spec, ctx.scope, ctx.actor, data, ctx.locale)

    @r.patch("/{item_id}", response_model=read_model, operation_id=f"update_{name}")
    def update(item_id: Id, data: update_model, session: SessionDep, ctx: UpdateCtx) -> Any:  # type: ignore[valid-type]
        return service.update_item(session, spec, ctx.scope, ctx.actor, item_id, data, ctx.locale)

    @r.delete("/{item_id}", status_code=204, operation_id=f"delete_{name}")
    def delete(item_id: Id, session: SessionDep, ctx: WriteCtx) -> Response:
        service.delete_item(session, spec, ctx.scope, ctx.actor, item_id)
        return Response(status_code=204)

    return r


for _name in _MODELS:
    router.include_router(_resource_router(_name))

OverviewCtx = Annotated[Ctx, Depends(require("registry.park:read"))]
SignedIn = Annotated[Ctx, Depends(signed_in)]


@router.get("/overview", tags=["overview"])
def overview(session: SessionDep, ctx: OverviewCtx, park_id: Id | None = None) -> dict[str, Any]:
    return service.overview(session, ctx.scope, park_id, ctx.locale)


@router.get("/reference/industries", tags=["reference"])
def industries(ctx: SignedIn) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": reference.name(e, ctx.locale),
            "level": reference.attr(e, "level"),
            "parent_code": reference.attr(e, "parent_code", reference.attr(e, "parent")),
        }
        for code, e in reference.industries().items()
    ]


@router.get("/reference/provinces", tags=["reference"])
def provinces(ctx: SignedIn) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": reference.name(e, ctx.locale),
            "grid_region": reference.attr(e, "grid_region"),
        }
        for code, e in reference.provinces().items()
    ]


@router.get("/reference/device-types", tags=["reference"])
def device_types(ctx: SignedIn) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": reference.name(e, ctx.locale),
            "default_unit": reference.attr(e, "default_unit"),
            "calibration_interval_months": reference.attr(e, "calibration_interval_months"),
        }
        for code, e in reference.device_types().items()
    ]


@router.get("/reference/media", tags=["reference"])
def media(ctx: SignedIn) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "name": reference.name(e, ctx.locale),
            "default_unit": reference.attr(e, "default_unit", reference.attr(e, "unit")),
        }
        for code, e in reference.media().items()
    ]


@router.get("/reference/units", tags=["reference"])
def units(ctx: SignedIn) -> list[dict[str, Any]]:
    return [
        {"code": code, "name": reference.name(e, ctx.locale)}
        for code, e in reference.units().items()
    ]
