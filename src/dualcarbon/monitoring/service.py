"""Alarm rules, alarm events (acknowledge → handle → close), evaluation, O&M records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.core import alarms, qc
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.nulls import reject_nulls
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.monitoring.errors import BadTransition, MonitoringNotFound
from dualcarbon.monitoring.models import AlarmComment, AlarmEvent, AlarmRule, OmRecord, QcRecord
from dualcarbon.registry import service as registry_service
from dualcarbon.server import i18n

# allowed transitions: action -> (from states, to state, who/when columns)
TRANSITIONS = {
    "acknowledge": ({"open"}, "acknowledged", "acknowledged"),
    "handle": ({"open", "acknowledged"}, "handling", "handled"),
    "close": ({"open", "acknowledged", "handling"}, "closed", "closed"),
}


def _load(session: Session, model: Any, scope: Scope, item_id: int) -> Any:
    obj = session.scalar(select(model).where(model.id == item_id, scope.filter_for(model)))
    if obj is None:
        raise MonitoringNotFound()
    return obj


def _cols(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}


# --- rules -------------------------------------------------------------------------------------

def _check_completeness_limit(kind: str, threshold: Any) -> None:
    """For a missing-data rule the threshold is the minimum completeness in % (default 90)."""
    if kind == "missing_data" and threshold is not None and not 0 < threshold <= 100:
        raise Invalid(field_errors=[FieldError(("body", "threshold"),
                                               "monitoring.rule.completeness-range")])


def create_rule(session: Session, scope: Scope, actor: Actor, data: BaseModel) -> AlarmRule:
    values = data.model_dump()
    ent = registry_service.require_enterprise(session, scope, values["enterprise_id"])
    if values["kind"] == "calibration_overdue":
        if values["device_id"] is None:
            raise Invalid(field_errors=[FieldError(("body", "device_id"),
                                                   "monitoring.rule.point-or-device")])
    elif values["point_id"] is None:
        raise Invalid(field_errors=[FieldError(("body", "point_id"),
                                               "monitoring.rule.point-or-device")])
    registry_service.require_same_enterprise(session, "metering_point", values["point_id"],
                                             ent.id, "point_id")
    registry_service.require_same_enterprise(session, "device", values["device_id"], ent.id,
                                             "device_id")
    _check_completeness_limit(values["kind"], values.get("threshold"))
    rule = AlarmRule(park_id=ent.park_id, **values)
    session.add(rule)
    session.flush()
    session.refresh(rule)  # values as stored (decimal scale)
    audit.record(session, actor, "create", object_type="alarm_rule", object_id=rule.id,
                 object_label=rule.name, after=audit.snapshot(rule), park_id=rule.park_id,
                 enterprise_id=rule.enterprise_id)
    return rule


def update_rule(session: Session, scope: Scope, actor: Actor, rule_id: int,
                data: BaseModel) -> AlarmRule:
    rule = _load(session, AlarmRule, scope, rule_id)
    scope.require_writable(rule.park_id, rule.enterprise_id)
    before = audit.snapshot(rule)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(AlarmRule, changes)
    _check_completeness_limit(rule.kind, changes.get("threshold"))
    for key, value in changes.items():
        setattr(rule, key, value)
    session.flush()
    session.refresh(rule)
    b, a = audit.diff(before, audit.snapshot(rule))
    audit.record(session, actor, "update", object_type="alarm_rule", object_id=rule.id,
                 object_label=rule.name, before=b, after=a, park_id=rule.park_id,
                 enterprise_id=rule.enterprise_id)
    return rule


def delete_rule(session: Session, scope: Scope, actor: Actor, rule_id: int) -> None:
    rule = _load(session, AlarmRule, scope, rule_id)
    scope.require_writable(rule.park_id, rule.enterprise_id)
    before = audit.snapshot(rule)
    session.delete(rule)
    session.flush()
    audit.record(session, actor, "delete", object_type="alarm_rule", object_id=rule_id,
                 object_label=before["name"], before=before, park_id=before["park_id"],
                 enterprise_id=before["enterprise_id"])


def list_rules(session: Session, scope: Scope, *, page: int, size: int,
               enterprise_id: int | None = None, point_id: int | None = None) -> Page[AlarmRule]:
    stmt = select(AlarmRule).where(scope.filter_for(AlarmRule))
    if enterprise_id:
        stmt = stmt.where(AlarmRule.enterprise_id == enterprise_id)
    if point_id:
        stmt = stmt.where(AlarmRule.point_id == point_id)
    return paginate(session, stmt.order_by(AlarmRule.id), page, size)


def get_rule(session: Session, scope: Scope, rule_id: int) -> AlarmRule:
    return _load(session, AlarmRule, scope, rule_id)  # type: ignore[no-any-return]


# --- evaluation --------------------------------------------------------------------------------

def _raise_if_fired(session: Session, rule: AlarmRule, finding: alarms.Finding,
                    now: datetime) -> AlarmEvent | None:
    if not finding.fired:
        return None
    open_event = session.scalar(select(AlarmEvent.id).where(
        AlarmEvent.rule_id == rule.id, AlarmEvent.status != "closed").limit(1))
    if open_event is not None:
        return None
    event = AlarmEvent(park_id=rule.park_id, enterprise_id=rule.enterprise_id, rule_id=rule.id,
                       point_id=rule.point_id, device_id=rule.device_id, kind=rule.kind,
                       severity=rule.severity, raised_at=now, value=finding.value,
                       reason=finding.reason, params=dict(finding.params))
    session.add(event)
    session.flush()
    return event


def _interval(session: Session, point_id: int | None) -> int | None:
    from dualcarbon.registry.models import MeteringPoint

    if point_id is None:
        return None
    return session.scalar(select(MeteringPoint.expected_interval_seconds).where(
        MeteringPoint.id == point_id))


def _received(session: Session, point_id: int, minutes: int, now: datetime) -> int:
    """Readings of a point stamped in (now − minutes, now]: counted in SQL, not sampled."""
    from sqlalchemy import func

    from dualcarbon.collection.models import Reading

    return int(session.scalar(select(func.count()).select_from(Reading).where(
        Reading.point_id == point_id, Reading.ts > now - timedelta(minutes=minutes),
        Reading.ts <= now)) or 0)


def _evaluate(session: Session, rule: AlarmRule, samples: Sequence[alarms.Sample],
              now: datetime, interval: int | None) -> AlarmEvent | None:
    received = None
    if rule.kind == "missing_data" and interval and rule.point_id is not None:
        received = _received(session, rule.point_id, rule.window_minutes, now)
    finding = alarms.evaluate(_rule(rule, interval), samples, now, received=received)
    return _raise_if_fired(session, rule, finding, now)


def evaluate_point(session: Session, point_id: int, samples: Sequence[alarms.Sample],
                   now: datetime | None = None) -> list[AlarmEvent]:
    """Evaluate every active rule of one point over `samples` (its recent readings, any order).
    Called by ingestion on arrival and by the scheduler for time-based rules."""
    now = now or utcnow()
    raised = []
    rules = list(session.scalars(select(AlarmRule).where(AlarmRule.point_id == point_id,
                                                         AlarmRule.is_active.is_(True))))
    interval = _interval(session, point_id) if rules else None
    for rule in rules:
        event = _evaluate(session, rule, samples, now, interval)
        if event:
            raised.append(event)
    return raised


def evaluate_missing_data(session: Session, now: datetime | None = None) -> list[AlarmEvent]:
    """The time-based half of the missing-data rule: data that stops arriving triggers no
    evaluation on arrival, so the scheduler asks every active rule (completeness over its
    window when the point has an expected interval, 'no data at all' otherwise)."""
    now = now or utcnow()
    raised = []
    for rule in session.scalars(select(AlarmRule).where(
            AlarmRule.kind == "missing_data", AlarmRule.is_active.is_(True),
            AlarmRule.point_id.is_not(None)).order_by(AlarmRule.id)):
        interval = _interval(session, rule.point_id)
        samples: list[alarms.Sample] = []
        if not interval:
            from dualcarbon.collection.models import Reading

            samples = [alarms.Sample(ts, v, q) for ts, v, q in session.execute(
                select(Reading.ts, Reading.value, Reading.quality).where(
                    Reading.point_id == rule.point_id,
                    Reading.ts > now - timedelta(minutes=rule.window_minutes),
                    Reading.ts <= now).order_by(Reading.ts.desc()).limit(1))]
        event = _evaluate(session, rule, samples, now, interval)
        if event:
            raised.append(event)
    return raised


def evaluate_calibration(session: Session, now: datetime | None = None) -> list[AlarmEvent]:
    from dualcarbon.registry.models import Device

    now = now or utcnow()
    raised = []
    rows = session.execute(select(AlarmRule, Device.calibration_due_on)
                           .join(Device, Device.id == AlarmRule.device_id)
                           .where(AlarmRule.kind == "calibration_overdue",
                                  AlarmRule.is_active.is_(True)))
    for rule, due in rows:
        event = _raise_if_fired(session, rule, alarms.evaluate(_rule(rule), [], now, due), now)
        if event:
            raised.append(event)
    return raised


def _rule(rule: AlarmRule, interval: int | None = None) -> alarms.Rule:
    return alarms.Rule(kind=rule.kind, threshold=rule.threshold,
                       window_minutes=rule.window_minutes, min_samples=rule.min_samples,
                       expected_interval_s=interval)


# --- events ------------------------------------------------------------------------------------

def event_out(session: Session, events: Sequence[AlarmEvent], locale: str,
              with_comments: bool = False) -> list[dict[str, Any]]:
    names = dict(session.execute(select(AlarmRule.id, AlarmRule.name).where(
        AlarmRule.id.in_({e.rule_id for e in events}))).all()) if events else {}
    comments: dict[int, list[dict[str, Any]]] = {}
    if with_comments and events:
        for c in session.scalars(select(AlarmComment).where(
                AlarmComment.event_id.in_({e.id for e in events})).order_by(AlarmComment.id)):
            comments.setdefault(c.event_id, []).append(
                {"author": c.author, "action": c.action, "text": c.text,
                 "created_at": c.created_at})
    out = []
    for e in events:
        params = {**e.params, "value": "" if e.value is None else format(e.value, "f")}
        out.append({**_cols(e), "rule_name": names.get(e.rule_id, ""),
                    "message": i18n.t(e.reason, locale, **params),
                    "comments": comments.get(e.id, [])})
    return out


def list_events(session: Session, scope: Scope, *, page: int, size: int,
                status: str | None = None, enterprise_id: int | None = None,
                since: datetime | None = None) -> Page[AlarmEvent]:
    stmt = select(AlarmEvent).where(scope.filter_for(AlarmEvent))
    if status == "active":
        stmt = stmt.where(AlarmEvent.status != "closed")
    elif status:
        stmt = stmt.where(AlarmEvent.status == status)
    if enterprise_id:
        stmt = stmt.where(AlarmEvent.enterprise_id == enterprise_id)
    if since:
        stmt = stmt.where(AlarmEvent.raised_at >= since)
    return paginate(session, stmt.order_by(AlarmEvent.raised_at.desc(), AlarmEvent.id.desc()),
                    page, size)


def get_event(session: Session, scope: Scope, event_id: int) -> AlarmEvent:
    return _load(session, AlarmEvent, scope, event_id)  # type: ignore[no-any-return]


def transition(session: Session, scope: Scope, actor: Actor, event_id: int, action: str,
               comment: str) -> AlarmEvent:
    event = _load(session, AlarmEvent, scope, event_id)
    scope.require_writable(event.park_id, event.enterprise_id)
    before = event.status
    if action != "comment":
        allowed, target, column = TRANSITIONS[action]
        if event.status not in allowed:
            raise BadTransition(params={"status": event.status})
        event.status = target
        setattr(event, f"{column}_by", actor.username)
        setattr(event, f"{column}_at", utcnow())
    if comment or action == "comment":
        session.add(AlarmComment(event_id=event.id, author=actor.username, action=action,
                                 text=comment))
    session.flush()
    audit.record(session, actor, action, object_type="alarm_event", object_id=event.id,
                 before={"status": before}, after={"status": event.status, "comment": comment},
                 park_id=event.park_id, enterprise_id=event.enterprise_id)
    return event


# --- O&M records -------------------------------------------------------------------------------

def create_om(session: Session, scope: Scope, actor: Actor, data: BaseModel) -> OmRecord:
    values = data.model_dump()
    ent = registry_service.require_enterprise(session, scope, values["enterprise_id"])
    registry_service.require_same_enterprise(session, "device", values["device_id"], ent.id,
                                             "device_id")
    registry_service.require_same_enterprise(session, "metering_point", values["point_id"],
                                             ent.id, "point_id")
    rec = OmRecord(park_id=ent.park_id, created_by=actor.username, **values)
    session.add(rec)
    session.flush()
    session.refresh(rec)  # values as stored (decimal scale)
    audit.record(session, actor, "create", object_type="om_record", object_id=rec.id,
                 object_label=rec.title, after=audit.snapshot(rec), park_id=rec.park_id,
                 enterprise_id=rec.enterprise_id)
    return rec


def update_om(session: Session, scope: Scope, actor: Actor, om_id: int,
              data: BaseModel) -> OmRecord:
    rec = _load(session, OmRecord, scope, om_id)
    scope.require_writable(rec.park_id, rec.enterprise_id)
    before = audit.snapshot(rec)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(OmRecord, changes)
    for key, value in changes.items():
        setattr(rec, key, value)
    session.flush()
    b, a = audit.diff(before, audit.snapshot(rec))
    audit.record(session, actor, "update", object_type="om_record", object_id=rec.id,
                 object_label=rec.title, before=b, after=a, park_id=rec.park_id,
                 enterprise_id=rec.enterprise_id)
    return rec


def list_om(session: Session, scope: Scope, *, page: int, size: int, kind: str | None = None,
            enterprise_id: int | None = None) -> Page[OmRecord]:
    stmt = select(OmRecord).where(scope.filter_for(OmRecord))
    if kind:
        stmt = stmt.where(OmRecord.kind == kind)
    if enterprise_id:
        stmt = stmt.where(OmRecord.enterprise_id == enterprise_id)
    return paginate(session, stmt.order_by(OmRecord.id.desc()), page, size)


def get_om(session: Session, scope: Scope, om_id: int) -> OmRecord:
    return _load(session, OmRecord, scope, om_id)  # type: ignore[no-any-return]


def stale_window(minutes: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(minutes=minutes)


# --- CEMS quality control (质控) ---------------------------------------------------------------

def create_qc(session: Session, scope: Scope, actor: Actor, data: BaseModel) -> QcRecord:
    values = data.model_dump()
    ent = registry_service.require_enterprise(session, scope, values["enterprise_id"])
    registry_service.require_same_enterprise(session, "device", values["device_id"], ent.id,
                                             "device_id")
    registry_service.require_same_enterprise(session, "metering_point", values["point_id"],
                                             ent.id, "point_id")
    kind = values["kind"]
    try:
        result = qc.qc_result(kind, values["reference_value"], values["measured_value"],
                              values["full_scale"])
    except ValueError:
        field = "full_scale" if kind in ("zero_drift", "span_drift") else "reference_value"
        raise Invalid(field_errors=[FieldError(("body", field), "monitoring.qc.needs-value")]) \
            from None
    limit = values.pop("limit_value")
    tier = "park" if limit is not None else qc.DEFAULT_LIMITS[kind].tier
    limit = limit if limit is not None else qc.DEFAULT_LIMITS[kind].value
    rec = QcRecord(park_id=ent.park_id, performed_by=actor.username, result_value=result,
                   limit_value=limit, limit_tier=tier, passed=qc.passes(kind, result, limit),
                   **values)
    session.add(rec)
    session.flush()
    session.refresh(rec)  # values as stored (decimal scale)
    audit.record(session, actor, "create", object_type="qc_record", object_id=rec.id,
                 object_label=kind, after=audit.snapshot(rec), park_id=rec.park_id,
                 enterprise_id=rec.enterprise_id)
    return rec


def review_qc(session: Session, scope: Scope, actor: Actor, qc_id: int, decision: str,
              comment: str) -> QcRecord:
    rec = _load(session, QcRecord, scope, qc_id)
    scope.require_writable(rec.park_id, rec.enterprise_id)
    if rec.status != "submitted":
        raise BadTransition(params={"status": rec.status})
    rec.status = "approved" if decision == "approve" else "rejected"
    rec.reviewed_by, rec.reviewed_at, rec.review_comment = actor.username, utcnow(), comment
    session.flush()
    audit.record(session, actor, decision, object_type="qc_record", object_id=rec.id,
                 before={"status": "submitted"}, after={"status": rec.status,
                                                        "comment": comment},
                 park_id=rec.park_id, enterprise_id=rec.enterprise_id)
    return rec


def list_qc(session: Session, scope: Scope, *, page: int, size: int,
            enterprise_id: int | None = None, status: str | None = None,
            device_id: int | None = None) -> Page[QcRecord]:
    stmt = select(QcRecord).where(scope.filter_for(QcRecord))
    if enterprise_id:
        stmt = stmt.where(QcRecord.enterprise_id == enterprise_id)
    if status:
        stmt = stmt.where(QcRecord.status == status)
    if device_id:
        stmt = stmt.where(QcRecord.device_id == device_id)
    return paginate(session, stmt.order_by(QcRecord.performed_at.desc(), QcRecord.id.desc()),
                    page, size)


def get_qc(session: Session, scope: Scope, qc_id: int) -> QcRecord:
    return _load(session, QcRecord, scope, qc_id)  # type: ignore[no-any-return]
