"""MQTT door against real Mosquitto brokers: envelope → ingest(), shared subscription splitting
the load, PUBACK after commit, and the broker restarted during publishing with zero readings lost
and none duplicated (counted at the source and in the database)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import func, select

from dualcarbon.collection.models import IngestBatch, Reading
from dualcarbon.db.engine import make_sessionmaker
from dualcarbon.db.session import unit_of_work
from dualcarbon.protocols import mqtt_ingest as mi
from dualcarbon.registry.models import Enterprise, MeteringPoint, Park
from testkit import make_enterprise, make_park, make_point, n

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Site:
    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.factory = make_sessionmaker(engine)
        with unit_of_work(self.factory) as s:
            park = make_park(s)
            ent = make_enterprise(s, park)
            self.points = [make_point(s, ent, unit="kWh", medium="electricity",
                                      measurement="instantaneous").code for _ in range(3)]
            self.park_code, self.ent_code, self.park_id = park.code, ent.code, park.id
        self.edge = f"EDGE{n()}"

    def topic(self, kind: str = "rt") -> str:
        if kind == "ack":
            return f"cmis/v1/{self.park_code}/{self.ent_code}/{self.edge}/ack/x"
        return f"cmis/v1/{self.park_code}/{self.ent_code}/{self.edge}/{kind}/meter"

    def envelope(self, seq: int, t0: datetime) -> bytes:
        ts = (t0 + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return json.dumps({
            "v": 1, "edge": self.edge, "seq": seq, "msg_id": f"{self.edge}:E1:{seq}",
            "points": [{"pt": p, "ts": ts, "v": f"{seq}.{k}0", "u": "kWh", "q": "good"}
                       for k, p in enumerate(self.points)]}).encode()

    def readings(self) -> int:
        with unit_of_work(self.factory, writes=False) as s:
            return int(s.scalar(select(func.count()).select_from(Reading).join(
                MeteringPoint, MeteringPoint.id == Reading.point_id).where(
                MeteringPoint.park_id == self.park_id)) or 0)

    def batches(self) -> list[str | None]:
        with unit_of_work(self.factory, writes=False) as s:
            return list(s.scalars(select(IngestBatch.batch_ref).where(
                IngestBatch.park_id == self.park_id, IngestBatch.source == "mqtt")))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def test_store_message_keeps_digits_dedupes_and_refuses_poison(engine) -> None:  # type: ignore[no-untyped-def]
    site = Site(engine)
    t0 = _now()
    body = site.envelope(7, t0).replace(b'"7.00"', b"7.00")  # a JSON number keeps its digits
    stored = mi.store_message(site.factory, site.topic(), body)
    first = stored.result
    assert stored.msg_id == f"{site.edge}:E1:7"
    assert (first.accepted, first.duplicates, first.rejected) == (3, 0, [])
    again = mi.store_message(site.factory, site.topic("hist"), body).result  # re-delivery
    assert again.replayed and again.batch_id == first.batch_id
    with unit_of_work(site.factory, writes=False) as s:
        values = sorted(str(v) for v in s.scalars(select(Reading.value).join(
            MeteringPoint, MeteringPoint.id == Reading.point_id).where(
            MeteringPoint.park_id == site.park_id)))
    assert values == ["7.00", "7.10", "7.20"]
    for topic, payload in [(site.topic(), b"{not json"), ("cmis/v1/x", body),
                           (f"cmis/v1/NOPARK/{site.ent_code}/E/rt/meter", body)]:
        with pytest.raises(mi.Poison):
            mi.store_message(site.factory, topic, payload)
    # another enterprise's point through this enterprise's topic is refused, not stored
    with unit_of_work(site.factory) as s:
        park = s.scalar(select(Park).where(Park.code == site.park_code))
        other = make_point(s, make_enterprise(s, park), unit="kWh").code
        assert s.scalar(select(Enterprise.id).where(Enterprise.code == site.ent_code))
    foreign = json.dumps({"msg_id": "x:1", "points": [
        {"pt": other, "ts": t0.isoformat(), "v": "1", "u": "kWh"}]}).encode()
    res = mi.store_message(site.factory, site.topic(), foreign).result
    assert res.accepted == 0 and res.rejected[0][2] == "ingest.unknown-point"


# --------------------------------------------------------------------------- brokers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    """A private Mosquitto with persistence, restartable on the same port."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.dir = tmp
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {tmp}/\nautosave_interval 1\nmax_queued_messages 100000\n"
            "persistent_client_expiration 1d\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: mosquitto saves its persistence file and exits
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


class Publisher:
    """An edge publisher with an application outbox: a message leaves the outbox only when the
    platform's application ack (``…/ack``) for its msg_id arrives — a PUBACK only proves the
    broker took it; anything unacknowledged is published again (at-least-once at the source)."""

    def __init__(self, port: int, client_id: str, ack_topic: str) -> None:
        self.acks_seen = 0
        self.pubacked_mids: list[int] = []  # PUBACKed by the broker
        self.app_acked: set[int] = set()  # stored by the platform
        self.lock = threading.Lock()
        self.publishes = 0
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                        protocol=mqtt.MQTTv5)
        c.reconnect_delay_set(0.2, 1)
        c.on_publish = self._on_publish
        c.on_message = self._on_ack
        c.on_connect = lambda cl, *_: cl.subscribe(ack_topic, qos=1)
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600
        c.connect_async("127.0.0.1", port, clean_start=False, properties=props)
        c.loop_start()
        self.client = c

    def _on_publish(self, _c, _ud, mid, reason, _props) -> None:  # type: ignore[no-untyped-def]
        if not reason.is_failure:
            self.pubacked_mids.append(mid)  # no lock here: paho holds its own while calling

    def _on_ack(self, _c, _ud, msg) -> None:  # type: ignore[no-untyped-def]
        self.acks_seen += 1
        seq = int(json.loads(msg.payload)["msg_id"].rsplit(":", 1)[1])
        with self.lock:
            self.app_acked.add(seq)

    def publish(self, topic: str, seq: int, payload: bytes) -> None:
        self.publishes += 1
        self.client.publish(topic, payload, qos=1)

    @property
    def pubacked(self) -> int:
        return len(self.pubacked_mids)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _wait(pred, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return bool(pred())


def _subscribers(site: Site, port: int, count: int) -> list[mi.MqttIngestor]:
    group = f"dc{n()}"
    subs = [mi.MqttIngestor(site.factory, host="127.0.0.1", port=port, group=group,
                            client_id=f"{group}-ingest-{i}",
                            topics=(f"cmis/v1/{site.park_code}/+/+/rt/+",))
            for i in range(count)]
    for s in subs:
        s.start()
    assert all(s.subscribed.wait(10) for s in subs)
    return subs


def test_shared_subscription_splits_load_on_the_real_broker(engine) -> None:  # type: ignore[no-untyped-def]
    site = Site(engine)
    subs = _subscribers(site, 1883, 2)
    pub = Publisher(1883, f"pub-{site.edge}", site.topic("ack").rsplit("/", 1)[0])
    try:
        t0 = _now()
        total = 40
        for seq in range(total):
            pub.publish(site.topic(), seq, site.envelope(seq, t0))
        assert _wait(lambda: site.readings() == 3 * total, 30), site.readings()
        got = [s.stats.received for s in subs]
        assert sum(got) == total and all(g > 0 for g in got)  # both consumers took a share
    finally:
        pub.close()
        for s in subs:
            s.stop()


def test_broker_restart_during_publishing_loses_and_duplicates_nothing(
        engine, broker: Broker) -> None:  # type: ignore[no-untyped-def]
    site = Site(engine)
    subs = _subscribers(site, broker.port, 2)
    pub = Publisher(broker.port, f"pub-{site.edge}", site.topic("ack").rsplit("/", 1)[0])
    total = 300
    t0 = _now() - timedelta(hours=1)
    payloads = {seq: site.envelope(seq, t0) for seq in range(total)}
    try:
        assert _wait(pub.client.is_connected, 10)
        for seq in range(total):
            pub.publish(site.topic(), seq, payloads[seq])
            if seq == 120:
                broker.stop()  # the broker goes down mid-stream …
            if seq == 180:
                broker.start()  # … and comes back with its persisted state
            time.sleep(0.005)
        # the outbox: re-publish whatever was never acknowledged until everything is
        broker_acked = 0
        for _round in range(40):
            time.sleep(1.5)
            missing = [s for s in range(total) if s not in pub.app_acked]
            if _round == 0:
                broker_acked = pub.pubacked
            if not missing:
                break
            if pub.client.is_connected():
                for seq in missing:
                    pub.publish(site.topic(), seq, payloads[seq])
        assert len(pub.app_acked) == total, (
            [s.stats for s in subs], [s.client.is_connected() for s in subs],
            pub.client.is_connected(), pub.acks_seen, pub.pubacked, pub.publishes, site.readings(),
            sorted(set(range(total)) - pub.app_acked)[:20])
        source_readings = 3 * total
        ok = _wait(lambda: site.readings() >= source_readings, 30)
        stored = {int(r.split(":")[-1]) for r in site.batches() if r}
        assert ok, (site.readings(), [s.stats for s in subs],
                    sorted(set(range(total)) - stored))
        time.sleep(1)  # late re-deliveries, if any, must change nothing
        db_readings = site.readings()
        refs = site.batches()
        print(f"\nMQTT broker restart: source {total} messages / {source_readings} readings, "
              f"{pub.publishes} publishes ({broker_acked} PUBACKed in the first pass); "
              f"DB {db_readings} readings; "
              f"batches {len(refs)} ({len(set(refs))} distinct); "
              f"subscribers received {[s.stats.received for s in subs]}, "
              f"re-deliveries answered from stored batches "
              f"{sum(s.stats.replayed for s in subs)}")
        assert db_readings == source_readings == 3 * total  # zero lost, zero duplicated
        assert len(refs) == len(set(refs)) == total  # each message stored exactly once
        assert pub.publishes > total  # the fault really forced re-sends
    finally:
        pub.close()
        for s in subs:
            s.stop()
