"""Recording, reading, exporting and verifying the audit log.

Each record's hash covers its content and the previous record's hash, so an edited, removed or
inserted row breaks `verify()`. Writers are serialised (PostgreSQL advisory lock; on SQLite every
writing transaction is BEGIN IMMEDIATE) so the chain never forks. Rows are never updated or
deleted by the application, and database triggers refuse it (see the migration).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dualcarbon.audit.models import AuditEvent
from dualcarbon.core.context import Actor
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.types import utcnow

GENESIS = "0" * 64
_ADVISORY_KEY = 727_212_2017


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """Column values of an ORM object, JSON-ready (for before/after)."""
    mapper = obj.__mapper__
    return {
        c.key: _jsonable(getattr(obj, c.key))
        for c in mapper.column_attrs
        if c.key not in exclude and c.key not in {"password_hash", "totp_secret"}
    }


def _digest(e: AuditEvent) -> str:
    payload = {
        "occurred_at": e.occurred_at.isoformat(),
        "actor_user_id": e.actor_user_id,
        "actor_username": e.actor_username,
        "actor_roles": e.actor_roles,
        "source_ip": e.source_ip,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "object_label": e.object_label,
        "park_id": e.park_id,
        "enterprise_id": e.enterprise_id,
        "before": e.before,
        "after": e.after,
        "outcome": e.outcome,
        "detail": e.detail,
        "request_id": e.request_id,
    }
    blob = e.prev_hash + json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    object_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "success",
    detail: str | None = None,
    park_id: int | None = None,
    enterprise_id: int | None = None,
) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    now = utcnow()
    occurred = now.replace(microsecond=(now.microsecond // 1000) * 1000)
    event = AuditEvent(
        occurred_at=occurred,
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_roles=actor.roles,
        source_ip=actor.source_ip,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        object_label=object_label,
        park_id=park_id,
        enterprise_id=enterprise_id,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        outcome=outcome,
        detail=detail,
        request_id=actor.request_id,
        prev_hash=last or GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, for compact update records."""
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    keys.discard("updated_at")
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def list_events(
    session: Session,
    *,
    page: int,
    size: int,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuditEvent]:
    stmt = select(AuditEvent)
    if actor:
        stmt = stmt.where(AuditEvent.actor_username == actor)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if outcome:
        stmt = stmt.where(AuditEvent.outcome == outcome)
    if since:
        stmt = stmt.where(AuditEvent.occurred_at >= since)
    if until:
        stmt = stmt.where(AuditEvent.occurred_at < until)
    return paginate(session, stmt.order_by(AuditEvent.id.desc()), page, size)


def verify(session: Session) -> dict[str, Any]:
    """Walk the chain in id order; report the first record whose hash does not hold."""
    prev = GENESIS
    checked = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.prev_hash != prev or _digest(event) != event.hash:
            return {"ok": False, "checked": checked, "first_bad_id": event.id}
        prev = event.hash
        checked += 1
    return {"ok": True, "checked": checked, "first_bad_id": None}
