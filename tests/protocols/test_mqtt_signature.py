"""MQTT envelope signatures (HMAC-SM3 / HMAC-SHA256 with the HTTP door's device keys): a signed
envelope is stored; a tampered, unsigned-where-required, foreign-key or replayed-to-another-edge
one stores nothing and is answered on the edge's error topic — checked at the store function and
end to end on the real Mosquitto on 127.0.0.1:1883 (topics unique to the test)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select

from dualcarbon.collection.models import DeviceKey, Reading
from dualcarbon.core import devicecrypto
from dualcarbon.db.engine import make_sessionmaker
from dualcarbon.db.session import unit_of_work
from dualcarbon.db.types import utcnow
from dualcarbon.protocols import mqtt_ingest as mi
from dualcarbon.registry.models import MeteringPoint
from testkit import make_enterprise, make_park, make_point

SECRET = "edge-secret-0123456789abcdefghijklmnopqrstuvw"


class Site:
    """A park with one enterprise, two edges and device keys; every code unique to the test, so
    other tests (and other checkouts) on the shared broker never see these topics."""

    def __init__(self, engine: Any, *, bind_edge: bool = True) -> None:
        self.factory = make_sessionmaker(engine)
        tag = uuid.uuid4().hex[:8].upper()
        self.edge, self.other_edge = f"EDGE{tag}A", f"EDGE{tag}B"
        with unit_of_work(self.factory) as s:
            park = make_park(s, code=f"PS{tag}")
            ent = make_enterprise(s, park, code=f"ES{tag}")
            stranger = make_enterprise(s, park, code=f"EX{tag}")
            self.points = [make_point(s, ent, unit="kWh", measurement="instantaneous").code
                           for _ in range(2)]
            self.park_code, self.ent_code, self.park_id = park.code, ent.code, park.id
            self.keys = {
                "bound": self._key(s, ent, "bound", self.edge if bind_edge else None),
                "loose": self._key(s, ent, "loose", None),
                "other_edge": self._key(s, ent, "other", self.other_edge),
                "stranger": self._key(s, stranger, "stranger", None),
            }

    @staticmethod
    def _key(s: Any, ent: Any, name: str, edge: str | None) -> str:
        key = DeviceKey(park_id=ent.park_id, enterprise_id=ent.id,
                        key_id=f"dk-{uuid.uuid4().hex[:12]}", name=name, secret=SECRET,
                        mqtt_edge=edge, created_by="test")
        s.add(key)
        s.flush()
        return key.key_id

    def base(self, edge: str | None = None) -> str:
        return f"cmis/v1/{self.park_code}/{self.ent_code}/{edge or self.edge}"

    def topic(self, edge: str | None = None) -> str:
        return f"{self.base(edge)}/rt/meter"

    def envelope(self, seq: int, *, kid: str | None = None, alg: str = "HMAC-SM3",
                 edge: str | None = None, secret: str = SECRET) -> bytes:
        ts = (datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
              + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
        doc: dict[str, Any] = {"v": 1, "edge": edge or self.edge, "msg_id": f"{self.edge}:E:{seq}",
                               "points": [{"pt": p, "ts": ts, "v": f"{seq}.5{k}", "u": "kWh"}
                                          for k, p in enumerate(self.points)]}
        if kid is None:
            return json.dumps(doc).encode()
        doc["sig"] = {"alg": alg, "kid": kid, "val": ""}
        return devicecrypto.sign_envelope(secret.encode(), alg, self.base(edge),
                                          json.dumps(doc).encode())

    def readings(self) -> int:
        with unit_of_work(self.factory, writes=False) as s:
            return int(s.scalar(select(func.count()).select_from(Reading).join(
                MeteringPoint, MeteringPoint.id == Reading.point_id).where(
                MeteringPoint.park_id == self.park_id)) or 0)


def _refused(site: Site, payload: bytes, edge: str | None = None) -> str:
    before = site.readings()
    with pytest.raises(mi.Refused) as exc:
        mi.store_message(site.factory, site.topic(edge), payload)
    assert site.readings() == before  # nothing stored
    return exc.value.code


def test_signed_envelopes_are_stored_and_bad_ones_refused(engine) -> None:  # type: ignore[no-untyped-def]
    site = Site(engine)
    bound = site.keys["bound"]
    for seq, alg in ((1, "HMAC-SM3"), (2, "HMAC-SHA256")):
        res = mi.store_message(site.factory, site.topic(), site.envelope(seq, kid=bound,
                                                                         alg=alg)).result
        assert (res.accepted, res.rejected) == (2, [])
    assert site.readings() == 4
    with unit_of_work(site.factory, writes=False) as s:
        assert s.scalar(select(DeviceKey.last_used_at).where(DeviceKey.key_id == bound))

    good = site.envelope(3, kid=bound)
    assert _refused(site, good.replace(b'"3.50"', b'"9.50"')) == "ingest.bad-signature"
    assert _refused(site, site.envelope(3, kid=bound, secret=SECRET + "x")) == \
        "ingest.bad-signature"
    doc = json.loads(good)
    doc["sig"]["alg"] = "HMAC-MD5"
    assert _refused(site, json.dumps(doc).encode()) == "ingest.bad-signature"
    # this edge has a bound key: an unsigned envelope is refused, and so is a valid signature
    # by a key that is not bound to this edge, or of another enterprise
    assert _refused(site, site.envelope(3)) == "ingest.signature-missing"
    assert _refused(site, site.envelope(3, kid=site.keys["loose"])) == "ingest.unknown-key"
    assert _refused(site, site.envelope(3, kid=site.keys["other_edge"])) == "ingest.unknown-key"
    assert _refused(site, site.envelope(3, kid=site.keys["stranger"])) == "ingest.unknown-key"
    assert _refused(site, site.envelope(3, kid="dk-nope")) == "ingest.unknown-key"
    # the signature covers the topic's park/enterprise/edge: replaying onto another edge fails
    assert _refused(site, good, edge=site.other_edge) in ("ingest.bad-signature",
                                                          "ingest.unknown-key")
    # the untouched envelope still goes in
    assert mi.store_message(site.factory, site.topic(), good).result.accepted == 2

    # a revoked bound key signs nothing, and the edge does not fall back to unsigned
    with unit_of_work(site.factory) as s:
        key = s.scalar(select(DeviceKey).where(DeviceKey.key_id == bound))
        key.is_active, key.revoked_at = False, utcnow()
    assert _refused(site, site.envelope(4, kid=bound)) == "ingest.unknown-key"
    assert _refused(site, site.envelope(4)) == "ingest.signature-missing"


def test_edge_without_a_bound_key_may_send_unsigned(engine) -> None:  # type: ignore[no-untyped-def]
    site = Site(engine, bind_edge=False)
    assert mi.store_message(site.factory, site.topic(), site.envelope(1)).result.accepted == 2
    signed = site.envelope(2, kid=site.keys["loose"])
    assert mi.store_message(site.factory, site.topic(), signed).result.accepted == 2
    # a signature that is present is checked even where none is required
    assert _refused(site, signed.replace(b'"2.50"', b'"2.99"')) == "ingest.bad-signature"
    # replayed onto a third edge that needs no signature: the signature is still checked, and
    # it covers the topic's edge
    replay = site.envelope(3, kid=site.keys["loose"])
    assert _refused(site, replay, edge=site.edge + "C") == "ingest.bad-signature"


def test_signature_checked_at_the_door_on_the_real_broker(engine) -> None:  # type: ignore[no-untyped-def]
    """The subscriber on Mosquitto 127.0.0.1:1883: the good message is stored and acked on
    …/ack, the tampered and the unsigned one are refused on …/error, nothing is redelivered."""
    site = Site(engine)
    group = f"sig{uuid.uuid4().hex[:8]}"
    sub = mi.MqttIngestor(site.factory, host="127.0.0.1", port=1883, group=group,
                          client_id=f"{group}-ingest",
                          topics=(f"cmis/v1/{site.park_code}/+/+/rt/+",))
    answers: dict[str, list[dict[str, Any]]] = {"ack": [], "error": []}
    lock = threading.Lock()

    def on_message(_c: Any, _ud: Any, msg: Any) -> None:
        with lock:
            answers[msg.topic.rsplit("/", 1)[1]].append(json.loads(msg.payload))

    listener = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{group}-edge",
                           protocol=mqtt.MQTTv5)
    subscribed = threading.Event()
    listener.on_message = on_message
    listener.on_subscribe = lambda *_a: subscribed.set()
    listener.on_connect = lambda c, *_a: c.subscribe([(f"{site.base()}/ack", 1),
                                                      (f"{site.base()}/error", 1)])
    listener.connect("127.0.0.1", 1883)
    listener.loop_start()
    sub.start()
    try:
        assert sub.subscribed.wait(10) and subscribed.wait(10)
        good = site.envelope(1, kid=site.keys["bound"])
        for payload in (good, site.envelope(2, kid=site.keys["bound"]).replace(b"2.50", b"7.50"),
                        site.envelope(3)):
            listener.publish(site.topic(), payload, qos=1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with lock:
                if len(answers["ack"]) + len(answers["error"]) >= 3:
                    break
            time.sleep(0.1)
        time.sleep(1.0)  # a redelivery, were there one, would show up here
        with lock:
            acks, errors = list(answers["ack"]), list(answers["error"])
        assert [a["msg_id"] for a in acks] == [f"{site.edge}:E:1"] and acks[0]["accepted"] == 2
        assert sorted((e["msg_id"], e["error"]) for e in errors) == [
            (f"{site.edge}:E:2", "ingest.bad-signature"),
            (f"{site.edge}:E:3", "ingest.signature-missing")]
        assert errors[0]["message"] and errors[0]["message_en"]
        assert site.readings() == 2
        assert (sub.stats.received, sub.stats.refused, sub.stats.stored) == (3, 2, 2)
    finally:
        sub.stop()
        listener.loop_stop()
        listener.disconnect()
