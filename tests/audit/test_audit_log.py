"""Audit log: append-only at the database, tamper-evident hash chain, readable by the audit
administrator only, exportable."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from dualcarbon.audit import service as audit
from dualcarbon.audit.models import AuditEvent
from dualcarbon.core.context import Actor
from testkit import As, make_user, token_for


def _events(session, k=3):
    actor = Actor(user_id=1, username="tester", roles="park_admin@park:1", source_ip="10.0.0.1")
    return [
        audit.record(
            session,
            actor,
            "update",
            object_type="enterprise",
            object_id=i,
            before={"name": "a"},
            after={"name": "b"},
        )
        for i in range(k)
    ]


def test_record_fields(session):
    e = _events(session, 1)[0]
    assert e.occurred_at.tzinfo is not None
    assert (e.actor_username, e.source_ip, e.action, e.outcome) == (
        "tester",
        "10.0.0.1",
        "update",
        "success",
    )
    assert len(e.hash) == 64


def test_chain_verifies_and_detects_tampering(session):
    events = _events(session, 3)
    assert audit.verify(session)["ok"] is True
    # Tamper below the application: drop the trigger inside this (rolled back) transaction.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    else:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
    session.execute(
        text("UPDATE audit_events SET after = :a WHERE id = :i"),
        {"a": '{"name": "evil"}', "i": events[1].id},
    )
    session.expire_all()
    result = audit.verify(session)
    assert result["ok"] is False and result["first_bad_id"] == events[1].id


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET outcome = 'x'", "DELETE FROM audit_events"]
)
def test_database_refuses_changes(session, statement):
    _events(session, 1)
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text(statement))


def test_only_audit_admin_reads_and_exports(client, session):
    _events(session, 2)
    auditor = As(client, token_for(session, make_user(session, "audit_admin")))
    page = auditor.get("/api/v1/audit-events?action=update").json()
    assert page["total"] >= 2
    r = auditor.get("/api/v1/audit-events/export")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["B1"].value == "时间（UTC）" and ws.max_row >= 3
    assert auditor.get("/api/v1/audit-events/verify").json()["ok"] is True
    sysadmin = As(client, token_for(session, make_user(session, "system_admin")))
    assert sysadmin.get("/api/v1/audit-events").status_code == 403
    exports = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "audit_event"))
    assert len(exports.all()) == 1


def test_no_route_changes_audit_events(app):
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/v1/audit-events"):
            assert getattr(route, "methods", {"GET"}) <= {"GET", "HEAD"}, path
