"""Completeness of daily records (received / expected from the point's expected polling
interval) and the missing-data alarm judged by it, on arrival and on schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from dualcarbon.collection import ledgers
from dualcarbon.collection.service import ReadingIn, ingest
from dualcarbon.db.tenancy import Grant, Scope
from dualcarbon.monitoring import service as monitoring
from dualcarbon.monitoring.models import AlarmEvent, AlarmRule
from testkit import As, make_enterprise, make_park, make_point, make_user, token_for

# 2026-01-01 00:00 Asia/Shanghai
JAN1 = datetime(2025, 12, 31, 16, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _hours(day: int, hours: list[int]) -> list[datetime]:
    return [JAN1 + timedelta(days=day, hours=h) for h in hours]


def test_daily_records_show_completeness_and_missing_days(client, session) -> None:  # type: ignore[no-untyped-def]
    park = make_park(session)
    ent = make_enterprise(session, park)
    hourly = make_point(session, ent, unit="kWh", measurement="cumulative",
                        expected_interval_seconds=3600)
    plain = make_point(session, ent, unit="kWh", measurement="cumulative")
    times = (_hours(0, [h for h in range(24) if h not in (3, 4, 17)])  # 1 Jan: 21 of 24
             + _hours(2, list(range(24))) + [JAN1 + timedelta(days=2, minutes=30)])  # 3 Jan: 25
    for pt in (hourly, plain):
        ingest(session, park_id=park.id, source="api", batch_ref=None, now=NOW,
               readings=[ReadingIn(pt.code, ts, Decimal(1000 + i)) for i, ts in
                         enumerate(sorted(times))])
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))

    def days(pt):  # type: ignore[no-untyped-def]
        r = user.get("/api/v1/daily-records", params={
            "date_from": "2025-12-31", "date_to": "2026-01-04", "point_id": pt.id})
        assert r.status_code == 200, r.text
        return [(d["day"], d["count"], d["expected"], d["completeness_pct"])
                for d in r.json()["items"]]

    # 31 Dec is before the first reading: not a missing day; 2 and 4 Jan are, with 0 %
    assert days(hourly) == [("2026-01-01", 21, 24, "87.5"), ("2026-01-02", 0, 24, "0.0"),
                            ("2026-01-03", 25, 24, "100.0"), ("2026-01-04", 0, 24, "0.0")]
    # no expected interval: no expectation, no invented days (2 Jan is there because the read
    # at 3 Jan 00:00 closes it: it carries consumption, from no reading of its own)
    assert days(plain) == [("2026-01-01", 21, None, None), ("2026-01-02", 0, None, None),
                           ("2026-01-03", 25, None, None)]

    # the current day is expected up to now only; later days are not listed yet
    scope = Scope("collection.reading:read", frozenset({Grant("park_admin", park.id)}))
    now = JAN1 + timedelta(days=2, hours=11, minutes=45)  # 3 Jan 11:45 local
    recs = ledgers.daily_records(session, scope, date_from=date(2026, 1, 3),
                                 date_to=date(2026, 1, 5), point_id=hourly.id, now=now)
    assert [(r["day"], r["expected"]) for r in recs] == [(date(2026, 1, 3), 11)]


def _rule(session, ent, pt, **kw):  # type: ignore[no-untyped-def]
    rule = AlarmRule(park_id=ent.park_id, enterprise_id=ent.id, name="数据缺失",
                     kind="missing_data", point_id=pt.id, window_minutes=60, **kw)
    session.add(rule)
    session.flush()
    return rule


def test_missing_data_alarm_uses_completeness(client, session) -> None:  # type: ignore[no-untyped-def]
    park = make_park(session)
    ent = make_enterprise(session, park)
    ten_min = make_point(session, ent, unit="%", medium="co2", measurement="instantaneous",
                         expected_interval_seconds=600)
    silent = make_point(session, ent, unit="%", medium="co2", measurement="instantaneous")
    now = datetime.now(UTC).replace(microsecond=0)
    # 3 of the 6 readings due in the last hour
    ingest(session, park_id=park.id, source="api", batch_ref=None, now=now, readings=[
        ReadingIn(ten_min.code, now - timedelta(minutes=m), "11.8") for m in (5, 15, 25)])
    r1, r2 = _rule(session, ent, ten_min), _rule(session, ent, silent)
    # evaluated on arrival already (ingestion evaluates the rules of points that got data)
    raised = monitoring.evaluate_missing_data(session, now)
    events = {e.rule_id: e for e in session.query(AlarmEvent).filter(
        AlarmEvent.rule_id.in_([r1.id, r2.id]))}
    assert set(events) == {r1.id, r2.id} and {e.rule_id for e in raised} <= set(events)
    e1 = events[r1.id]
    assert (e1.reason, e1.value) == ("monitoring.alarm.incomplete-data", Decimal("50.0"))
    assert e1.params == {"minutes": "60", "received": "3", "expected": "6", "pct": "50.0",
                         "limit": "90"}
    assert events[r2.id].reason == "monitoring.alarm.missing-data"  # no interval: no data at all
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    msgs = {e["rule_id"]: e["message"] for e in admin.get(
        "/api/v1/alarm-events", params={"status": "active"}).json()["items"]}
    assert msgs[r1.id] == "60 分钟内数据完整率 50.0%（应收 6 条，实收 3 条），低于 90%"

    # complete data: nothing fires (a fresh rule, the first one's event is still open)
    ingest(session, park_id=park.id, source="api", batch_ref=None, now=now, readings=[
        ReadingIn(ten_min.code, now - timedelta(minutes=m), "11.8") for m in (35, 45, 55)])
    r3 = _rule(session, ent, ten_min)
    assert [e.rule_id for e in monitoring.evaluate_missing_data(session, now)] == []
    assert session.query(AlarmEvent).filter(AlarmEvent.rule_id == r3.id).count() == 0
    # a laxer limit; and the threshold of a missing-data rule is a percentage
    r = admin.post("/api/v1/alarm-rules", json={
        "enterprise_id": ent.id, "name": "x", "kind": "missing_data", "point_id": ten_min.id,
        "threshold": "150"})
    assert r.status_code == 422 and "0～100" in r.json()["errors"][0]["msg"]


def test_expected_interval_is_part_of_the_metering_point(client, session) -> None:  # type: ignore[no-untyped-def]
    park = make_park(session)
    ent = make_enterprise(session, park)
    pt = make_point(session, ent)
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    r = admin.patch(f"/api/v1/metering-points/{pt.id}", json={"expected_interval_seconds": 900})
    assert r.status_code == 200 and r.json()["expected_interval_seconds"] == 900
    r = admin.patch(f"/api/v1/metering-points/{pt.id}", json={"expected_interval_seconds": 0})
    assert r.status_code == 422
    r = admin.patch(f"/api/v1/metering-points/{pt.id}", json={"expected_interval_seconds": None})
    assert r.status_code == 200 and r.json()["expected_interval_seconds"] is None
