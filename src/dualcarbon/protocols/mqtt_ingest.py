"""MQTT subscriber feeding the one ingestion service (protocols.md §4.3–4.4).

* Topics ``cmis/v1/{park}/{ent}/{edge}/rt/{stream}`` and ``…/hist/{stream}``, subscribed as the
  shared subscription ``$share/{group}/…`` so several ingestion processes split the load; QoS 1.
* A persistent session (fixed client id, ``clean_start=False``, session expiry) so the broker
  queues messages while this process restarts.
* Manual acknowledgement: the PUBACK is sent only after ``ingest()`` has committed. A message
  that fails to store is not acknowledged and the connection is dropped, so the broker delivers
  it again. At-least-once delivery becomes exactly-once by dedupe in ``ingest()``: the envelope's
  ``msg_id`` is the batch id (a re-delivered message is answered from the stored batch) and
  (point, ts) is the second layer.
* Envelope (JSON, numbers parsed as Decimal so the digits are kept as sent)::

    {"v":1,"edge":"EDGE001","msg_id":"EDGE001:<epoch>:42","points":[
      {"pt":"<point code>","ts":"2024-03-15T02:30:00Z","v":11.82,"u":"%","flag":"N"}]}

  A payload that can never be stored (not JSON, unknown park/enterprise) is acknowledged and
  counted as poison — redelivery would not help.
* Signature (decision 0034): an envelope may carry ``"sig": {"alg": "HMAC-SM3"|"HMAC-SHA256",
  "kid": "<device key id>", "val": "<hex>"}`` over its own bytes (``devicecrypto.sign_envelope``)
  with a device key of the topic's enterprise — the keys the HTTP door uses. An edge that has a
  key bound to it (``device_keys.mqtt_edge``, revoked ones included) must sign every envelope
  with an active key bound to it. A missing, unknown
  or wrong signature stores nothing: the message is acknowledged to the broker (redelivery would
  not help) and answered on ``cmis/v1/{park}/{ent}/{edge}/error`` with
  ``{"msg_id":…,"error":"ingest.bad-signature"|…,"message":…}``; the edge keeps it in its outbox.
* Application acknowledgement (§4.3, §6.4): after the commit the subscriber publishes
  ``{"msg_id":…,"batch_id":…,"accepted":…,"duplicates":…,"rejected":…}`` to
  ``cmis/v1/{park}/{ent}/{edge}/ack`` (QoS 1). A PUBACK only proves the *broker* has a message;
  the edge deletes from its outbox on this ack. That closes a real hole: Mosquitto 2.0.11 with
  persistence does not restore shared subscriptions after a restart, so messages published
  between the restart and the subscribers' reconnect are PUBACKed and dropped (decision 0031);
  the edge re-sends them because their application ack never came.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.collection import errors as _collection_errors  # noqa: F401 - ingest.* texts
from dualcarbon.collection.models import DeviceKey
from dualcarbon.collection.service import IngestResult, ReadingIn, ingest
from dualcarbon.core import devicecrypto
from dualcarbon.db.session import unit_of_work
from dualcarbon.db.types import utcnow
from dualcarbon.registry.models import Enterprise, Park
from dualcarbon.server import i18n

log = logging.getLogger("dualcarbon.mqtt")

TOPIC_PREFIX = "cmis/v1"
DEFAULT_TOPICS = (f"{TOPIC_PREFIX}/+/+/+/rt/+", f"{TOPIC_PREFIX}/+/+/+/hist/+")
SESSION_EXPIRY_S = 7 * 24 * 3600
ACK_QOS = 0  # an ack lost is re-earned: the edge re-sends, dedupe answers, a new ack goes out
_Q_TO_FLAG = {None: "N", "good": "N", "bad": "D", "uncertain": "D", "substituted": "S",
              "manual": "S"}


class Poison(ValueError):
    """A message that can never be stored."""


class Refused(Poison):
    """A message refused at the door (signature): ``code`` is the i18n reason, sent back on the
    edge's error topic."""

    def __init__(self, code: str, msg_id: str | None) -> None:
        super().__init__(code)
        self.code = code
        self.msg_id = msg_id


@dataclass(slots=True)
class Stats:
    received: int = 0
    stored: int = 0  # readings accepted
    duplicates: int = 0
    rejected: int = 0  # readings refused by validation
    replayed: int = 0  # messages answered from a stored batch (re-delivery)
    poison: int = 0
    refused: int = 0  # missing or bad signature: not stored, answered on …/error
    failures: int = 0  # storing failed → not acknowledged


def topic_parts(topic: str) -> tuple[str, str, str, str, str]:
    """(park, enterprise, edge, kind, stream) of ``cmis/v1/{park}/{ent}/{edge}/{kind}/{stream}``."""
    parts = topic.split("/")
    if len(parts) != 7 or "/".join(parts[:2]) != TOPIC_PREFIX or parts[5] not in ("rt", "hist"):
        raise Poison(f"unexpected topic {topic!r}")
    return parts[2], parts[3], parts[4], parts[5], parts[6]


def parse_envelope(payload: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(payload, parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Poison(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("points"), list):
        raise Poison("envelope without points")
    return doc


def _ts(raw: Any) -> datetime:
    if not isinstance(raw, str):
        return datetime.min  # rejected by ingest as a bad timestamp
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min


def to_readings(doc: dict[str, Any]) -> list[ReadingIn]:
    out = []
    for p in doc["points"]:
        if not isinstance(p, dict):
            p = {}
        v = p.get("v")
        value = v if isinstance(v, Decimal | str) else (Decimal(v) if isinstance(v, int) and
                                                        not isinstance(v, bool) else "")
        flag = p.get("flag") or _Q_TO_FLAG.get(p.get("q"), "D")
        out.append(ReadingIn(point_code=str(p.get("pt", "")), ts=_ts(p.get("ts")), value=value,
                             quality=str(flag), unit=p.get("u")))
    return out


def batch_ref(park: str, doc: dict[str, Any]) -> str | None:
    msg_id = doc.get("msg_id")
    if not msg_id:
        return None
    ref = f"{park}/{msg_id}"
    return ref if len(ref) <= 64 else hashlib.sha256(ref.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Stored:
    msg_id: str | None
    result: IngestResult


def check_signature(session: Session, *, enterprise_id: int, topic_base: str, edge: str,
                    doc: dict[str, Any], payload: bytes, now: datetime) -> DeviceKey | None:
    """The signing key, or None for an unsigned envelope of an edge that need not sign.
    Raises :class:`Refused` (``ingest.signature-missing``, ``ingest.unknown-key``,
    ``ingest.bad-signature``)."""
    msg_id = str(doc["msg_id"]) if doc.get("msg_id") is not None else None
    # bound keys, revoked ones included: revoking a compromised key must not let the edge go
    # unsigned again (unbinding is an explicit, audited change of the key)
    bound = session.scalars(select(DeviceKey).where(
        DeviceKey.enterprise_id == enterprise_id, DeviceKey.mqtt_edge == edge)).all()
    sig = doc.get("sig")
    if sig is None:
        if bound:
            raise Refused("ingest.signature-missing", msg_id)
        return None
    if not isinstance(sig, dict):
        raise Refused("ingest.bad-signature", msg_id)
    key = session.scalar(select(DeviceKey).where(DeviceKey.key_id == str(sig.get("kid", ""))))
    if (key is None or key.enterprise_id != enterprise_id or not key.is_active
            or key.revoked_at is not None or key.mqtt_edge not in (None, edge)
            or (bound and key.mqtt_edge != edge)):
        raise Refused("ingest.unknown-key", msg_id)
    if not devicecrypto.verify_envelope(key.secret.encode(), str(sig.get("alg", "")),
                                        topic_base, payload, str(sig.get("val", ""))):
        raise Refused("ingest.bad-signature", msg_id)
    key.last_used_at = now
    return key


def store_message(factory: sessionmaker[Session], topic: str, payload: bytes) -> Stored:
    """Validate and store one message in one committed transaction. Raises :class:`Poison`
    (:class:`Refused` for a signature problem)."""
    park_code, ent_code, edge, _kind, _stream = topic_parts(topic)
    doc = parse_envelope(payload)
    with unit_of_work(factory) as session:
        park_id = session.scalar(select(Park.id).where(Park.code == park_code))
        ent_id = session.scalar(select(Enterprise.id).where(
            Enterprise.park_id == park_id, Enterprise.code == ent_code)) if park_id else None
        if park_id is None or ent_id is None:
            raise Poison(f"unknown park/enterprise {park_code}/{ent_code}")
        check_signature(session, enterprise_id=ent_id, edge=edge, doc=doc, payload=payload,
                        topic_base=f"{TOPIC_PREFIX}/{park_code}/{ent_code}/{edge}",
                        now=utcnow())
        res = ingest(session, park_id=park_id, readings=to_readings(doc), source="mqtt",
                     batch_ref=batch_ref(park_code, doc), enterprise_id=ent_id,
                     created_by=f"mqtt:{edge}"[:64])
    msg_id = doc.get("msg_id")
    return Stored(str(msg_id) if msg_id is not None else None, res)


class MqttIngestor:
    """One subscriber process (or thread). Start several with the same ``group`` to share load."""

    def __init__(self, factory: sessionmaker[Session], *, host: str = "127.0.0.1",
                 port: int = 1883, group: str = "dualcarbon",
                 topics: tuple[str, ...] = DEFAULT_TOPICS, client_id: str | None = None,
                 username: str | None = None, password: str | None = None,
                 keepalive: int = 30, store_attempts: int = 3) -> None:
        self.factory = factory
        self.host, self.port, self.group, self.topics = host, port, group, topics
        self.client_id = client_id or f"dualcarbon-ingest-{socket.gethostname()}"
        self.stats = Stats()
        self.subscribed = threading.Event()
        self._lock = threading.Lock()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id,
                        protocol=mqtt.MQTTv5)
        if username:
            c.username_pw_set(username, password)
        c.manual_ack_set(True)
        c.reconnect_delay_set(min_delay=1, max_delay=5)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        self.client = c
        self.keepalive = keepalive
        self.store_attempts = store_attempts

    def subscriptions(self) -> list[str]:
        return [f"$share/{self.group}/{t}" for t in self.topics]

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect_async(self.host, self.port, keepalive=self.keepalive,
                                  clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def run_forever(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self.client.connect(self.host, self.port, keepalive=self.keepalive, clean_start=False,
                            properties=props)
        self.client.loop_forever(retry_first_connection=True)

    @staticmethod
    def _answer_error(client: mqtt.Client, topic: str, exc: Refused) -> None:
        """The application-level refusal (no ack): the edge keeps the message and alarms."""
        park, ent, edge, _kind, _stream = topic_parts(topic)
        body = {"msg_id": exc.msg_id, "error": exc.code,
                "message": i18n.t(exc.code, "zh-CN"), "message_en": i18n.t(exc.code, "en")}
        client.publish(f"{TOPIC_PREFIX}/{park}/{ent}/{edge}/error",
                       json.dumps(body, ensure_ascii=False), qos=ACK_QOS)

    # paho callbacks (network thread) ------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _ud: Any, _flags: Any, reason: Any,
                    _props: Any) -> None:
        if reason.is_failure:
            log.warning("MQTT connect to %s:%d refused: %s", self.host, self.port, reason)
            return
        client.subscribe([(s, 1) for s in self.subscriptions()])
        self.subscribed.set()
        log.info("MQTT %s subscribed to %s", self.client_id, ", ".join(self.subscriptions()))

    def _on_disconnect(self, _c: mqtt.Client, _ud: Any, _flags: Any, reason: Any,
                       _props: Any) -> None:
        self.subscribed.clear()
        log.info("MQTT %s disconnected: %s", self.client_id, reason)

    def _on_message(self, client: mqtt.Client, _ud: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.stats.received += 1
        res: Stored | None = None
        for attempt in range(self.store_attempts):
            try:
                res = store_message(self.factory, msg.topic, msg.payload)
                break
            except Refused as exc:
                with self._lock:
                    self.stats.refused += 1
                log.warning("MQTT message on %s refused: %s", msg.topic, exc.code)
                self._answer_error(client, msg.topic, exc)
                client.ack(msg.mid, msg.qos)
                return
            except Poison as exc:
                with self._lock:
                    self.stats.poison += 1
                log.warning("MQTT poison message on %s dropped: %s", msg.topic, exc)
                client.ack(msg.mid, msg.qos)
                return
            except Exception:
                with self._lock:
                    self.stats.failures += 1
                log.exception("MQTT storing a message from %s failed (attempt %d)", msg.topic,
                              attempt + 1)
                time.sleep(min(5.0, 0.2 * 2**attempt))
        if res is None:
            # not stored → not acknowledged; break the connection (not a clean disconnect, so
            # paho reconnects) and the broker re-delivers the message on session resumption
            sock = client.socket()
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            return
        park, ent, edge, _kind, _stream = topic_parts(msg.topic)
        ack = {"msg_id": res.msg_id, "batch_id": res.result.batch_id,
               "accepted": res.result.accepted, "duplicates": res.result.duplicates,
               "rejected": len(res.result.rejected), "replayed": res.result.replayed}
        client.publish(f"{TOPIC_PREFIX}/{park}/{ent}/{edge}/ack", json.dumps(ack), qos=ACK_QOS)
        res_ = res.result
        with self._lock:
            self.stats.stored += res_.accepted
            self.stats.duplicates += res_.duplicates
            self.stats.rejected += len(res_.rejected)
            self.stats.replayed += int(res_.replayed)
        client.ack(msg.mid, msg.qos)
