"""Alarm rules, alarm events and O&M record routes."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.monitoring import schemas as s
from dualcarbon.monitoring import service
from dualcarbon.schematypes import Id, PageNo, PageSize
from dualcarbon.server.deps import Ctx, SessionDep, require

for _role in (Role.PARK_ADMIN, Role.ENTERPRISE_USER):
    extend_role(_role, "monitoring.alarm:read", "monitoring.alarm:write", "monitoring.om:read",
                "monitoring.om:write")
extend_role(Role.VERIFIER, "monitoring.alarm:read", "monitoring.om:read")
extend_role(Role.PARK_ADMIN, "monitoring.qc:read", "monitoring.qc:write", "monitoring.qc:review")
extend_role(Role.ENTERPRISE_USER, "monitoring.qc:read", "monitoring.qc:write")
extend_role(Role.VERIFIER, "monitoring.qc:read")

router = APIRouter(tags=["monitoring"])
AlarmRead = Annotated[Ctx, Depends(require("monitoring.alarm:read"))]
AlarmWrite = Annotated[Ctx, Depends(require("monitoring.alarm:write"))]
OmRead = Annotated[Ctx, Depends(require("monitoring.om:read"))]
OmWrite = Annotated[Ctx, Depends(require("monitoring.om:write"))]
QcRead = Annotated[Ctx, Depends(require("monitoring.qc:read"))]
QcWrite = Annotated[Ctx, Depends(require("monitoring.qc:write"))]
QcReview = Annotated[Ctx, Depends(require("monitoring.qc:review"))]


def _page(result: Any, items: list[Any]) -> dict[str, Any]:
    return {"items": items, "total": result.total, "page": result.page, "size": result.size}


@router.get("/alarm-rules", operation_id="list_alarm_rules")
def list_rules(session: SessionDep, ctx: AlarmRead, page: PageNo = 1, size: PageSize = 20,
               enterprise_id: Id | None = None, point_id: Id | None = None) -> dict[str, Any]:
    result = service.list_rules(session, ctx.scope, page=page, size=size,
                                enterprise_id=enterprise_id, point_id=point_id)
    return _page(result, [s.RuleRead.model_validate(r, from_attributes=True)
                          for r in result.items])


@router.post("/alarm-rules", response_model=s.RuleRead, status_code=201,
             operation_id="create_alarm_rule")
def create_rule(data: s.RuleIn, session: SessionDep, ctx: AlarmWrite) -> Any:
    return s.RuleRead.model_validate(service.create_rule(session, ctx.scope, ctx.actor, data),
                                     from_attributes=True)


@router.get("/alarm-rules/{rule_id}", response_model=s.RuleRead, operation_id="get_alarm_rule")
def get_rule(rule_id: Id, session: SessionDep, ctx: AlarmRead) -> Any:
    return s.RuleRead.model_validate(service.get_rule(session, ctx.scope, rule_id),
                                     from_attributes=True)


@router.patch("/alarm-rules/{rule_id}", response_model=s.RuleRead,
              operation_id="update_alarm_rule")
def update_rule(rule_id: Id, data: s.RuleUpdate, session: SessionDep, ctx: AlarmWrite) -> Any:
    rule = service.update_rule(session, ctx.scope, ctx.actor, rule_id, data)
    return s.RuleRead.model_validate(rule, from_attributes=True)


@router.delete("/alarm-rules/{rule_id}", status_code=204, operation_id="delete_alarm_rule")
def delete_rule(rule_id: Id, session: SessionDep, ctx: AlarmWrite) -> Response:
    service.delete_rule(session, ctx.scope, ctx.actor, rule_id)
    return Response(status_code=204)


@router.get("/alarm-events", operation_id="list_alarm_events")
def list_events(session: SessionDep, ctx: AlarmRead, page: PageNo = 1, size: PageSize = 20,
                status: str | None = None, enterprise_id: Id | None = None,
                since: datetime | None = None) -> dict[str, Any]:
    result = service.list_events(session, ctx.scope, page=page, size=size, status=status,
                                 enterprise_id=enterprise_id, since=since)
    return _page(result, service.event_out(session, result.items, ctx.locale))


@router.get("/alarm-events/{event_id}", response_model=s.EventRead,
            operation_id="get_alarm_event")
def get_event(event_id: Id, session: SessionDep, ctx: AlarmRead) -> Any:
    event = service.get_event(session, ctx.scope, event_id)
    return service.event_out(session, [event], ctx.locale, with_comments=True)[0]


@router.post("/alarm-events/{event_id}/transitions", response_model=s.EventRead,
             operation_id="transition_alarm_event")
def transition(event_id: Id, data: s.TransitionIn, session: SessionDep,
               ctx: AlarmWrite) -> Any:
    event = service.transition(session, ctx.scope, ctx.actor, event_id, data.action,
                               data.comment)
    return service.event_out(session, [event], ctx.locale, with_comments=True)[0]


@router.get("/om-records", operation_id="list_om_records")
def list_om(session: SessionDep, ctx: OmRead, page: PageNo = 1, size: PageSize = 20,
            kind: str | None = None, enterprise_id: Id | None = None) -> dict[str, Any]:
    result = service.list_om(session, ctx.scope, page=page, size=size, kind=kind,
                             enterprise_id=enterprise_id)
    return _page(result, [s.OmRead.model_validate(r, from_attributes=True) for r in result.items])


@router.post("/om-records", response_model=s.OmRead, status_code=201,
             operation_id="create_om_record")
def create_om(data: s.OmIn, session: SessionDep, ctx: OmWrite) -> Any:
    return s.OmRead.model_validate(service.create_om(session, ctx.scope, ctx.actor, data),
                                   from_attributes=True)


@router.get("/om-records/{om_id}", response_model=s.OmRead, operation_id="get_om_record")
def get_om(om_id: Id, session: SessionDep, ctx: OmRead) -> Any:
    return s.OmRead.model_validate(service.get_om(session, ctx.scope, om_id),
                                   from_attributes=True)


@router.patch("/om-records/{om_id}", response_model=s.OmRead, operation_id="update_om_record")
def update_om(om_id: Id, data: s.OmUpdate, session: SessionDep, ctx: OmWrite) -> Any:
    return s.OmRead.model_validate(service.update_om(session, ctx.scope, ctx.actor, om_id, data),
                                   from_attributes=True)


@router.get("/qc-records", operation_id="list_qc_records")
def list_qc(session: SessionDep, ctx: QcRead, page: PageNo = 1, size: PageSize = 20,
            enterprise_id: Id | None = None, status: str | None = None,
            device_id: Id | None = None) -> dict[str, Any]:
    result = service.list_qc(session, ctx.scope, page=page, size=size,
                             enterprise_id=enterprise_id, status=status, device_id=device_id)
    return _page(result, [s.QcRead.model_validate(r, from_attributes=True) for r in result.items])


@router.post("/qc-records", response_model=s.QcRead, status_code=201,
             operation_id="create_qc_record")
def create_qc(data: s.QcIn, session: SessionDep, ctx: QcWrite) -> Any:
    return s.QcRead.model_validate(service.create_qc(session, ctx.scope, ctx.actor, data),
                                   from_attributes=True)


@router.get("/qc-records/{qc_id}", response_model=s.QcRead, operation_id="get_qc_record")
def get_qc(qc_id: Id, session: SessionDep, ctx: QcRead) -> Any:
    return s.QcRead.model_validate(service.get_qc(session, ctx.scope, qc_id),
                                   from_attributes=True)


@router.post("/qc-records/{qc_id}/review", response_model=s.QcRead,
             operation_id="review_qc_record")
def review_qc(qc_id: Id, data: s.QcReviewIn, session: SessionDep, ctx: QcReview) -> Any:
    rec = service.review_qc(session, ctx.scope, ctx.actor, qc_id, data.decision, data.comment)
    return s.QcRead.model_validate(rec, from_attributes=True)
