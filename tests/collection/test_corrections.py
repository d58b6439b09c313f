"""Reading corrections (数据修正): the corrected series' rollups, ledgers and latest value equal
those of a twin point that received the corrected values in the first place; the original value
is kept; a device resending the original does not undo the correction; only an authorised user
of the point's park may correct, with a reason; every correction is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from dualcarbon.audit.models import AuditEvent
from dualcarbon.collection.models import PointLatest, Reading, ReadingRollup
from dualcarbon.collection.service import ReadingIn, ingest
from testkit import As, make_enterprise, make_park, make_point, make_user, token_for

# 2026-01-31 20:00 Asia/Shanghai = 12:00 UTC: the series crosses local midnight and the month end
START = datetime(2026, 1, 31, 12, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _series(values: list[str]) -> list[tuple[datetime, str]]:
    return [(START + timedelta(hours=h), v) for h, v in enumerate(values)]


def _ingest(session, park, point, series, ref=None):  # type: ignore[no-untyped-def]
    return ingest(session, park_id=park.id, source="api", batch_ref=ref, now=NOW,
                  readings=[ReadingIn(point.code, ts, v) for ts, v in series])


def _rollups(session, point_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    return [(r.grain, r.bucket, r.count, r.sum_value, r.min_value, r.max_value, r.first_ts,
             r.first_value, r.last_ts, r.last_value, r.consumption)
            for r in session.scalars(select(ReadingRollup).where(
                ReadingRollup.point_id == point_id).order_by(ReadingRollup.grain,
                                                             ReadingRollup.bucket))]


def _world(client, session, **point_kw):  # type: ignore[no-untyped-def]
    park = make_park(session)
    ent = make_enterprise(session, park)
    a = make_point(session, ent, **point_kw)
    twin = make_point(session, ent, **point_kw)
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    return park, ent, a, twin, admin


def _correct(admin, point, ts, value, reason="表计通讯干扰，按现场表底修正"):  # type: ignore[no-untyped-def]
    return admin.post("/api/v1/reading-corrections", json={
        "point_id": point.id, "ts": ts.isoformat(), "value": value, "reason": reason})


def test_cumulative_register_correction_equals_the_corrected_series(client, session) -> None:  # type: ignore[no-untyped-def]
    park, _ent, a, twin, admin = _world(client, session, unit="kWh", measurement="cumulative",
                                        multiplier=Decimal(80))
    raw = ["1000.0", "1010.5", "1921.0", "1031.2", "1040.0", "1052.7", "1060.0"]  # 3rd: a spike
    fixed = list(raw)
    fixed[2] = "1020.8"
    fixed[4] = "1041.00"  # the read at local 00:00 closes January: digits matter too
    _ingest(session, park, a, _series(raw))
    _ingest(session, park, twin, _series(fixed))
    before = _rollups(session, a.id)
    for i in (2, 4):
        r = _correct(admin, a, START + timedelta(hours=i), fixed[i])
        assert r.status_code == 201, r.text
        assert (r.json()["original_value"], r.json()["new_value"]) == (raw[i], fixed[i])
    after = _rollups(session, a.id)
    assert after != before
    assert [x[:1] + x[2:] for x in after] == [x[:1] + x[2:] for x in _rollups(session, twin.id)]

    # the monthly ledger and the daily records read the corrected rollups
    def ledger(pt):  # type: ignore[no-untyped-def]
        return [(x["month"], x["quantity"]) for x in admin.get("/api/v1/monthly-ledgers", params={
            "year": 2026, "point_id": pt.id}).json()["items"]]

    assert ledger(a) == ledger(twin) and ledger(a)[0][1] != "0"
    days = {pt.id: [(d["day"], d["quantity"]) for d in admin.get("/api/v1/daily-records", params={
        "date_from": "2026-01-31", "date_to": "2026-02-01", "point_id": pt.id}).json()["items"]]
        for pt in (a, twin)}
    assert days[a.id] == days[twin.id]
    # January: (1041.00 − 1000.0) × 80 ; the spike would have given far more
    assert days[a.id][0] == ("2026-01-31", "3280.0000000000")


def test_instantaneous_point_latest_value_resend_and_history(client, session) -> None:  # type: ignore[no-untyped-def]
    park, _ent, a, twin, admin = _world(client, session, unit="%", medium="co2",
                                        measurement="instantaneous")
    raw = ["11.8", "11.9", "99.9", "12.1", "12.00"]
    fixed = ["11.8", "11.9", "12.0", "12.1", "12.05"]
    _ingest(session, park, a, _series(raw), ref="first")
    _ingest(session, park, twin, _series(fixed))
    seq_before = session.get(PointLatest, a.id).seq
    assert _correct(admin, a, START + timedelta(hours=2), "12.0").status_code == 201
    r = _correct(admin, a, START + timedelta(hours=4), "12.05")  # the newest reading
    assert r.status_code == 201
    # a second correction of the same reading keeps the value as first received
    r2 = _correct(admin, a, START + timedelta(hours=2), "12.00", reason="保留两位小数")
    assert (r2.json()["original_value"], r2.json()["old_value"], r2.json()["new_value"]) == (
        "99.9", "12.0", "12.00")
    fixed[2] = "12.00"
    _ingest(session, park, twin, [(START + timedelta(hours=2), "12.00")])  # twin: same value
    session.expire_all()
    latest = session.get(PointLatest, a.id)
    assert (latest.value, str(latest.value)) == (Decimal("12.05"), "12.05")
    assert latest.seq > seq_before  # live pages polling since their seq see the change
    strip = [x[:1] + x[2:] for x in _rollups(session, a.id)]
    # (the twin's hour 2 stays "12.0", first write wins: equal as numbers, which is what counts)
    assert strip == [x[:1] + x[2:] for x in _rollups(session, twin.id)]
    jan = next(x for x in strip if x[0] == "m")
    assert (jan[1], jan[3], jan[4]) == (4, Decimal("11.8"), Decimal("12.1"))  # spike gone

    # the device re-sends its original values (new batch): the corrections stand
    res = _ingest(session, park, a, _series(raw), ref="resend")
    assert (res.accepted, res.duplicates) == (0, 5)
    session.expire_all()
    assert session.scalar(select(Reading.value).where(
        Reading.point_id == a.id, Reading.ts == START + timedelta(hours=2))) == Decimal("12.00")
    assert session.get(PointLatest, a.id).value == Decimal("12.05")

    # raw history marks the corrected readings with their value as received
    hist = admin.get(f"/api/v1/metering-points/{a.id}/readings", params={
        "start": START.isoformat(), "end": (START + timedelta(hours=5)).isoformat(),
        "granularity": "raw"}).json()["items"]
    assert [(h["value"], h["corrected"], h["original_value"]) for h in hist] == [
        ("11.8", False, None), ("11.9", False, None), ("12.00", True, "99.9"),
        ("12.1", False, None), ("12.05", True, "12.00")]
    listed = admin.get("/api/v1/reading-corrections", params={"point_id": a.id}).json()
    assert listed["total"] == 3
    assert [(c["old_value"], c["new_value"], c["point_code"]) for c in listed["items"]] == [
        ("12.0", "12.00", a.code), ("12.00", "12.05", a.code), ("99.9", "12.0", a.code)]
    trail = session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "reading_correction").order_by(AuditEvent.id)).all()
    assert [(e.action, e.before["value"], e.after["value"]) for e in trail] == [
        ("correct", "99.9", "12.0"), ("correct", "12.00", "12.05"),
        ("correct", "12.0", "12.00")]
    assert trail[0].after["reason"] == "表计通讯干扰，按现场表底修正"


def test_only_an_authorised_user_of_the_park_corrects_with_a_reason(client, session) -> None:  # type: ignore[no-untyped-def]
    park, ent, a, _twin, admin = _world(client, session, unit="kWh", measurement="cumulative")
    _ingest(session, park, a, _series(["100", "110", "120"]))
    t = START + timedelta(hours=1)
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    assert _correct(user, a, t, "111").status_code == 403
    other_admin = As(client, token_for(session, make_user(session, "park_admin",
                                                          park=make_park(session))))
    assert _correct(other_admin, a, t, "111").status_code == 404
    assert other_admin.get("/api/v1/reading-corrections").json()["total"] == 0

    def problem(r):  # type: ignore[no-untyped-def]
        assert r.status_code == 422, r.text
        return {e["field"]: e["msg"] for e in r.json()["errors"]}

    assert "没有读数" in problem(_correct(admin, a, t + timedelta(minutes=1), "111"))["ts"]
    assert "合理范围" in problem(_correct(admin, a, t, "-5"))["value"]  # a register ≥ 0
    assert "十进制数" in problem(_correct(admin, a, t, "1,1"))["value"]
    assert "相同" in problem(_correct(admin, a, t, "110"))["value"]
    assert "reason" in problem(_correct(admin, a, t, "111", reason=""))
    en = As(client, admin.headers["Authorization"].split()[1], locale="en")
    assert "no reading" in problem(_correct(en, a, t + timedelta(minutes=1), "111"))["ts"]
    assert session.scalar(select(Reading.value).where(Reading.point_id == a.id,
                                                      Reading.ts == t)) == Decimal("110")
