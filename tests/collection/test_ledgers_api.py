"""Daily records, monthly ledgers (+ Excel), invoice fallback, cross-check, meter replacement."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from dualcarbon.collection.service import ReadingIn, ingest
from testkit import As, make_enterprise, make_park, make_point, make_user, token_for

# 2026-01-01 00:00 Asia/Shanghai
START = datetime(2025, 12, 31, 16, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _world(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    pt = make_point(session, ent, unit="kWh", measurement="cumulative", multiplier=Decimal(2))
    user = As(client, token_for(session, make_user(session, "enterprise_user", enterprise=ent)))
    # hourly register reads for all of January and 1 February 00:00 (closes January)
    reads = [ReadingIn(pt.code, START + timedelta(hours=h), Decimal(1000 + 10 * h))
             for h in range(31 * 24 + 1)]
    ingest(session, park_id=park.id, readings=reads, source="api", batch_ref=None, now=NOW)
    return park, ent, pt, user


def test_ledger_daily_records_cross_check_and_export(client, session):
    _park, _ent, pt, user = _world(client, session)
    days = user.get("/api/v1/daily-records", params={
        "date_from": "2026-01-01", "date_to": "2026-01-31", "point_id": pt.id}).json()["items"]
    assert len(days) == 31
    assert {d["quantity"] for d in days} == {"480.0000000000"}  # 24 h × 10 × multiplier 2
    r = user.post("/api/v1/invoice-entries", json={
        "point_id": pt.id, "month": "2026-01-01", "quantity": "14500", "document_no": "INV-1"})
    assert r.status_code == 201, r.text
    r = user.post("/api/v1/invoice-entries", json={
        "point_id": pt.id, "month": "2026-02-01", "quantity": "99.5"})
    lines = user.get("/api/v1/monthly-ledgers", params={"year": 2026}).json()["items"]
    jan, feb = lines
    assert (jan["month"], jan["quantity"], jan["source"]) == ("2026-01", "14880.0000000000",
                                                              "meter")
    assert (jan["invoice_quantity"], jan["deviation_pct"], jan["check"]) == (
        "14500", "2.62", "deviation")
    # February has no reading after 1 Feb 00:00: no metered consumption, the invoice stands in
    assert (feb["quantity"], feb["source"], feb["check"]) == ("99.5", "invoice", "no-meter")
    check = user.get("/api/v1/ledger-cross-check", params={"year": 2026,
                                                           "tolerance_pct": "3"}).json()
    assert check["deviations"] == 0 and check["items"][0]["check"] == "ok"
    x = user.get("/api/v1/monthly-ledgers/export", params={"year": 2026})
    assert x.status_code == 200
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("计量点编码", "计量点名称", "介质")  # the As client asks for zh-CN
    assert rows[1][4] == "2026-01" and rows[1][5] == 14880


def test_meter_replacement_corrects_consumption(client, session):
    park, _ent, pt, user = _world(client, session)
    # new readings after a meter swap: the new register starts at 5
    swap_at = START + timedelta(days=31, minutes=30)
    ingest(session, park_id=park.id, readings=[
        ReadingIn(pt.code, START + timedelta(days=31, hours=1), "15")], source="api",
        batch_ref=None, now=NOW)
    # without a record the decrease 8440 → 15 reads as a register reset: counts 15 × 2
    feb = user.get("/api/v1/monthly-ledgers", params={"year": 2026, "month": 2}).json()
    assert feb["items"][0]["meter_quantity"] == "30.0000000000"
    r = user.post("/api/v1/meter-replacements", json={
        "point_id": pt.id, "replaced_at": swap_at.isoformat(), "old_final_value": "8442",
        "new_initial_value": "5"})
    assert r.status_code == 201, r.text
    feb = user.get("/api/v1/monthly-ledgers", params={"year": 2026, "month": 2}).json()
    # (8442 − 8440) + (15 − 5) = 12, × 2
    assert feb["items"][0]["meter_quantity"] == "24.0000000000"
    listed = user.get("/api/v1/meter-replacements").json()
    assert listed["total"] == 1
    assert user.delete(f"/api/v1/meter-replacements/{r.json()['id']}").status_code == 204
    feb = user.get("/api/v1/monthly-ledgers", params={"year": 2026, "month": 2}).json()
    assert feb["items"][0]["meter_quantity"] == "30.0000000000"


def test_history_from_rollups(client, session):
    _park, _ent, pt, user = _world(client, session)
    r = user.get(f"/api/v1/metering-points/{pt.id}/readings", params={
        "start": START.isoformat(), "end": (START + timedelta(days=2)).isoformat(),
        "granularity": "d"}).json()
    assert [i["consumption"] for i in r["items"]] == ["480.0000000000", "480.0000000000"]
    raw = user.get(f"/api/v1/metering-points/{pt.id}/readings", params={
        "start": START.isoformat(), "end": (START + timedelta(hours=3)).isoformat(),
        "granularity": "raw"}).json()
    assert [i["value"] for i in raw["items"]] == ["1000", "1010", "1020"]
