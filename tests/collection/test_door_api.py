"""The device ingestion door over HTTP, exactly as the edge agent speaks it, and device keys."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dualcarbon.collection import devicekeys
from dualcarbon.collection.models import DeviceKey, Reading
from dualcarbon.core import devicecrypto
from testkit import As, make_enterprise, make_park, make_point, make_user, token_for

PATH = "/api/v1/ingest/batches"


@pytest.fixture
def door(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    other = make_enterprise(session, park)
    pt = make_point(session, ent, unit="kWh", measurement="cumulative")
    foreign = make_point(session, other)
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    r = admin.post("/api/v1/device-keys", json={"enterprise_id": ent.id, "name": "网关1",
                                                "algorithm": "hmac-sm3"})
    assert r.status_code == 201, r.text
    key = r.json()
    return {"park": park, "ent": ent, "point": pt, "foreign": foreign, "admin": admin,
            "key": key, "client": client}


def _now_iso(minutes_ago: int = 0) -> str:
    ts = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    return ts.isoformat().replace("+00:00", "Z")


def send(client, key_id, secret, batch_id, readings, *, alg="hmac-sm3", enc=None, ts=None,
         mangle=None, use_gzip=True):
    body = json.dumps({"batch_id": batch_id, "agent_id": "a1", "readings": readings}).encode()
    headers = {"Content-Type": "application/json"}
    if use_gzip:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    if enc:
        body = devicecrypto.encrypt(devicecrypto.derive_key(secret, enc), enc, body)
        headers["X-Encryption"] = enc
    ts = int(time.time()) if ts is None else ts
    headers |= {"X-Device-Key": key_id, "X-Timestamp": str(ts), "X-Batch-Id": batch_id,
                "X-Signature": devicecrypto.sign(secret, alg, ts, batch_id, body)}
    if mangle:
        body = mangle(body)
    return client.post(PATH, content=body, headers=headers)


def test_batch_accepted_idempotent_and_deduplicated(door, session):
    c, k, pt = door["client"], door["key"], door["point"]
    secret = k["secret"].encode()
    rs = [{"point": pt.code, "ts": _now_iso(30 - i * 15), "value": f"{100 + i}.50",
           "quality": "N"} for i in range(3)]
    rs.append({"point": door["foreign"].code, "ts": _now_iso(1), "value": "1"})
    r = send(c, k["key_id"], secret, "b-1", rs)
    assert r.status_code == 200, r.text
    assert r.json() == {"batch_id": "b-1", "accepted": 3, "duplicates": 0, "rejected": [
        {"index": 3, "point": door["foreign"].code, "reason": "ingest.unknown-point"}]}
    again = send(c, k["key_id"], secret, "b-1", rs)
    assert again.json() == r.json()
    other = send(c, k["key_id"], secret, "b-2", rs[:3])
    assert other.json()["accepted"] == 0 and other.json()["duplicates"] == 3
    n = session.scalar(select(func.count()).select_from(Reading).where(Reading.point_id == pt.id))
    assert n == 3
    values = session.scalars(select(Reading.value).where(Reading.point_id == pt.id)
                             .order_by(Reading.ts))
    assert [format(v, "f") for v in values] == ["100.50", "101.50", "102.50"]
    batches = door["admin"].get("/api/v1/ingest-batches").json()
    assert [b["batch_ref"] for b in batches["items"]] == ["b-2", "b-1"]
    latest = door["admin"].get("/api/v1/point-latest", params={"since": 0}).json()
    assert latest["items"][0]["value"] == "102.50"
    assert door["admin"].get("/api/v1/point-latest",
                             params={"since": latest["seq"]}).json()["items"] == []


def test_structural_rejections_keep_their_index_and_json_numbers_their_digits(door, session):
    c, k, pt = door["client"], door["key"], door["point"]
    t1, t2, t3 = _now_iso(45), _now_iso(30), _now_iso(15)
    naive = t1.removesuffix("Z")
    # written by hand: JSON numbers with trailing zeros, items that are not readings
    items = [
        f'{{"point":"{pt.code}","ts":"{t1}","value":"100.10"}}',
        '"not an object"',
        f'{{"point":"{pt.code}","ts":"yesterday","value":"1"}}',
        f'{{"point":"nope","ts":"{t2}","value":"1"}}',  # refused by the service, index kept
        f'{{"point":"{pt.code}","ts":"{t2}","value":101.50}}',  # a number keeps its digits
        f'{{"point":"{pt.code}","ts":"{naive}","value":"1"}}',  # no zone
        f'{{"point":"{pt.code}","ts":"{t3}","value":true}}',
        f'{{"point":"{pt.code}","ts":["{t3}"],"value":"1"}}',
        f'{{"point":"{pt.code}","ts":"{t3}","value":103}}',  # an integer number
        f'{{"point":"{pt.code}","ts":"{t3}","value":"104"}}',  # same point and instant again
    ]
    body = gzip.compress(('{"batch_id":"s-1","readings":[' + ",".join(items) + "]}").encode())
    ts = int(time.time())
    secret = k["secret"].encode()
    r = c.post(PATH, content=body, headers={
        "Content-Encoding": "gzip", "X-Device-Key": k["key_id"], "X-Timestamp": str(ts),
        "X-Batch-Id": "s-1", "X-Signature": devicecrypto.sign(secret, "hmac-sm3", ts, "s-1",
                                                              body)})
    assert r.status_code == 200, r.text
    assert r.json() == {"batch_id": "s-1", "accepted": 3, "duplicates": 1, "rejected": [
        {"index": 1, "point": "", "reason": "ingest.bad-value"},
        {"index": 2, "point": pt.code, "reason": "ingest.bad-timestamp"},
        {"index": 3, "point": "nope", "reason": "ingest.unknown-point"},
        {"index": 5, "point": pt.code, "reason": "ingest.bad-timestamp"},
        {"index": 6, "point": pt.code, "reason": "ingest.bad-value"},
        {"index": 7, "point": pt.code, "reason": "ingest.bad-timestamp"}]}
    values = session.scalars(select(Reading.value).where(Reading.point_id == pt.id)
                             .order_by(Reading.ts))
    assert [format(v, "f") for v in values] == ["100.10", "101.50", "103"]


@pytest.mark.parametrize("enc", ["sm4-gcm", "aes-256-gcm", "sm4-cbc-hmac-sm3"])
def test_encrypted_bodies(door, enc):
    k = door["key"]
    rs = [{"point": door["point"].code, "ts": _now_iso(5), "value": "7"}]
    r = send(door["client"], k["key_id"], k["secret"].encode(), f"e-{enc}", rs, enc=enc)
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def test_refusals(door, session):
    c, k = door["client"], door["key"]
    secret = k["secret"].encode()
    rs = [{"point": door["point"].code, "ts": _now_iso(5), "value": "7"}]
    assert send(c, "dk-nope", secret, "x", rs).json()["code"] == "ingest.unknown-key"
    r = send(c, k["key_id"], b"wrong", "x", rs)
    assert (r.status_code, r.json()["code"]) == (401, "ingest.bad-signature")
    r = send(c, k["key_id"], secret, "x", rs, ts=int(time.time()) - 400)
    assert (r.status_code, r.json()["code"]) == (401, "ingest.stale-timestamp")
    r = send(c, k["key_id"], secret, "x", rs, mangle=lambda b: b + b"!")
    assert r.status_code == 401
    r = send(c, k["key_id"], secret, "x", rs, alg="hmac-sha256")  # either algorithm verifies
    assert r.status_code == 200
    bomb = gzip.compress(b" " * (devicekeys.MAX_JSON_BYTES + 10))
    ts = int(time.time())
    r = c.post(PATH, content=bomb, headers={
        "Content-Encoding": "gzip", "X-Device-Key": k["key_id"], "X-Timestamp": str(ts),
        "X-Batch-Id": "bomb", "X-Signature": devicecrypto.sign(secret, "hmac-sm3", ts, "bomb",
                                                               bomb)})
    assert r.status_code == 413 and r.json()["code"] == "ingest.too-large"
    big = b"x" * (devicekeys.MAX_BODY_BYTES + 1)
    assert c.post(PATH, content=big, headers={"X-Device-Key": k["key_id"]}).status_code == 413
    r = send(c, k["key_id"], secret, "bad-json", rs, mangle=None, use_gzip=False)
    assert r.status_code == 200
    raw = b"not json"
    ts = int(time.time())
    r = c.post(PATH, content=raw, headers={
        "X-Device-Key": k["key_id"], "X-Timestamp": str(ts), "X-Batch-Id": "nj",
        "X-Signature": devicecrypto.sign(secret, "hmac-sm3", ts, "nj", raw)})
    assert r.status_code == 422 and r.json()["code"] == "ingest.bad-payload"


def test_rotate_and_revoke(door, session):
    c, k, admin = door["client"], door["key"], door["admin"]
    rs = [{"point": door["point"].code, "ts": _now_iso(5), "value": "7"}]
    rotated = admin.post(f"/api/v1/device-keys/{k['id']}/rotate").json()
    assert rotated["secret"] != k["secret"]
    assert send(c, k["key_id"], k["secret"].encode(), "r1", rs).status_code == 401
    assert send(c, k["key_id"], rotated["secret"].encode(), "r1", rs).status_code == 200
    # the secret is stored encrypted, never in clear
    raw = session.connection().exec_driver_sql(
        f"SELECT secret FROM device_keys WHERE id = {k['id']}").scalar()
    assert rotated["secret"] not in raw and raw.startswith("enc1:")
    listed = admin.get("/api/v1/device-keys").json()["items"]
    assert all("secret" not in item for item in listed)
    assert admin.post(f"/api/v1/device-keys/{k['id']}/revoke").json()["is_active"] is False
    r = send(c, k["key_id"], rotated["secret"].encode(), "r2", rs)
    assert (r.status_code, r.json()["code"]) == (401, "ingest.unknown-key")
    assert session.get(DeviceKey, k["id"]).revoked_at is not None


def test_enterprise_user_cannot_issue_keys(door, client, session):
    user = As(client, token_for(session, make_user(session, "enterprise_user",
                                                   enterprise=door["ent"])))
    r = user.post("/api/v1/device-keys", json={"enterprise_id": door["ent"].id, "name": "x"})
    assert r.status_code == 403
    assert user.get("/api/v1/device-keys").json()["total"] == 1


def test_key_bound_to_an_mqtt_edge(door, session):
    admin, ent = door["admin"], door["ent"]
    r = admin.post("/api/v1/device-keys", json={"enterprise_id": ent.id, "name": "MQTT 网关",
                                                "mqtt_edge": "EDGE-01"})
    assert r.status_code == 201 and r.json()["mqtt_edge"] == "EDGE-01"
    key_id = r.json()["id"]
    r = admin.post("/api/v1/device-keys", json={"enterprise_id": ent.id, "name": "x",
                                                "mqtt_edge": "EDGE/#"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "mqtt_edge"
    r = admin.patch(f"/api/v1/device-keys/{key_id}", json={"name": "MQTT 网关 1"})
    assert r.json()["mqtt_edge"] == "EDGE-01"  # untouched unless given
    r = admin.patch(f"/api/v1/device-keys/{key_id}", json={"mqtt_edge": None})
    assert r.status_code == 200 and r.json()["mqtt_edge"] is None
    assert session.get(DeviceKey, key_id).mqtt_edge is None
