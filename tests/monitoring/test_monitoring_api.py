"""Alarm rules, events worked through acknowledge → handle → close, O&M records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.audit.models import AuditEvent
from dualcarbon.core.alarms import Sample
from dualcarbon.monitoring import service
from testkit import As, make_device, make_enterprise, make_park, make_point, make_user, token_for


def _setup(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    point = make_point(session, ent, medium="steam", unit="t")
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    return ent, point, user


def test_rule_fires_once_until_closed(client, session):
    ent, point, user = _setup(client, session)
    r = user.post("/api/v1/alarm-rules", json={"enterprise_id": ent.id, "name": "蒸汽流量上限",
                                                "kind": "threshold_high", "point_id": point.id,
                                                "threshold": "50", "severity": "critical"})
    assert r.status_code == 201, r.text
    now = datetime.now(UTC)
    high = [Sample(now - timedelta(minutes=1), Decimal("55.20"))]
    assert len(service.evaluate_point(session, point.id, high, now)) == 1
    assert service.evaluate_point(session, point.id, high, now) == []  # still open: no storm
    events = user.get("/api/v1/alarm-events?status=active").json()
    assert events["total"] == 1
    event = events["items"][0]
    assert event["message"] == "测量值 55.200000 超过上限 50.000000"
    eid = event["id"]
    url = f"/api/v1/alarm-events/{eid}/transitions"
    assert user.post(url, json={"action": "acknowledge", "comment": "已知悉"}).status_code == 200
    r = user.post(url, json={"action": "acknowledge"})
    assert r.status_code == 409 and r.json()["code"] == "monitoring.bad-transition"
    assert user.post(url, json={"action": "handle", "comment": "调整负荷"}).status_code == 200
    done = user.post(url, json={"action": "close", "comment": "恢复正常"}).json()
    assert done["status"] == "closed" and done["closed_by"]
    assert [c["action"] for c in done["comments"]] == ["acknowledge", "handle", "close"]
    assert len(service.evaluate_point(session, point.id, high, now)) == 1  # may fire again
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "alarm_event")).all()
    assert actions == ["acknowledge", "handle", "close"]


def test_rule_needs_point_of_same_enterprise(client, session):
    ent, _, user = _setup(client, session)
    other = make_enterprise(session, make_park(session))
    foreign_point = make_point(session, other)
    r = user.post("/api/v1/alarm-rules", json={"enterprise_id": ent.id, "name": "x",
                                                "kind": "threshold_high",
                                                "point_id": foreign_point.id, "threshold": "1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "point_id"
    r = user.post("/api/v1/alarm-rules", json={"enterprise_id": ent.id, "name": "x",
                                                "kind": "threshold_high"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "point_id"
    r = user.post("/api/v1/alarm-rules", json={"enterprise_id": ent.id, "name": "x",
                                                "kind": "nonsense"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"


def test_calibration_overdue_rule(client, session):
    ent, _, user = _setup(client, session)
    from datetime import date

    dev = make_device(session, ent, calibration_due_on=date(2020, 1, 1))
    r = user.post("/api/v1/alarm-rules", json={"enterprise_id": ent.id, "name": "检定到期",
                                                "kind": "calibration_overdue",
                                                "device_id": dev.id})
    assert r.status_code == 201
    raised = service.evaluate_calibration(session)
    assert [e.device_id for e in raised] == [dev.id]


def test_om_records(client, session):
    ent, point, user = _setup(client, session)
    r = user.post("/api/v1/om-records", json={
        "enterprise_id": ent.id, "kind": "filing", "title": "CEMS 停机检修报备",
        "point_id": point.id, "started_at": "2026-11-25T00:00:00Z",
        "materials": [{"name": "标准气体", "quantity": "2", "unit": "瓶"}]})
    assert r.status_code == 201, r.text
    om = r.json()
    r = user.patch(f"/api/v1/om-records/{om['id']}", json={"status": "done"})
    assert r.json()["status"] == "done"
    assert user.get("/api/v1/om-records?kind=filing").json()["total"] == 1


def test_verifier_reads_but_cannot_transition(client, session):
    ent, point, user = _setup(client, session)
    verifier = As(client, token_for(session, make_user(session, "verifier", enterprise=ent)))
    user.post("/api/v1/alarm-rules", json={"enterprise_id": ent.id, "name": "r",
                                           "kind": "threshold_high", "point_id": point.id,
                                           "threshold": "1"})
    service.evaluate_point(session, point.id, [Sample(datetime.now(UTC), Decimal(2))])
    eid = verifier.get("/api/v1/alarm-events").json()["items"][0]["id"]
    r = verifier.post(f"/api/v1/alarm-events/{eid}/transitions", json={"action": "close"})
    assert r.status_code == 403
