"""Device keys (设备密钥) and the device ingestion door (docs/api.md, "Device ingestion door").

A key belongs to one enterprise: its device may only push readings of that enterprise's points.
The secret is generated here, stored encrypted (db/crypto.py) and shown once, at creation and at
each rotation. The door verifies the key, the timestamp window (±300 s) and the HMAC signature
(SHA-256 or SM3) over the exact body, then decrypts (X-Encryption), gunzips, parses and calls the
one ingestion service. A batch id already stored for the key is answered with the stored answer.
"""

from __future__ import annotations

import json
import secrets
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.collection import service as ingestion
from dualcarbon.collection.errors import (
    BadPayload,
    BadSignature,
    CollectionNotFound,
    StaleTimestamp,
    UnknownDeviceKey,
)
from dualcarbon.collection.models import DeviceKey
from dualcarbon.core import devicecrypto
from dualcarbon.core.context import Actor
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.registry import service as registry_service

MAX_BODY_BYTES = 8 * 1024 * 1024  # as sent (compressed, encrypted)
MAX_JSON_BYTES = 64 * 1024 * 1024  # after gunzip (a gzip bomb stops here)
MAX_READINGS = 20_000  # per batch (the agent sends ≤ 10 000)
LAST_USED_PRECISION = timedelta(minutes=1)  # last_used_at is written at most once a minute


class TooLarge(Exception):
    """413: the batch exceeds a limit; the agent re-cuts it at half the size."""


def _new_key_id() -> str:
    return "dk-" + secrets.token_hex(8)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _snapshot(key: DeviceKey) -> dict[str, Any]:
    snap = audit.snapshot(key)
    snap.pop("secret", None)
    return snap


def _load(session: Session, scope: Scope, key_pk: int) -> DeviceKey:
    key = session.scalar(select(DeviceKey).where(DeviceKey.id == key_pk,
                                                 scope.filter_for(DeviceKey)))
    if key is None:
        raise CollectionNotFound()
    return key


def create_key(session: Session, scope: Scope, actor: Actor,
               data: BaseModel) -> tuple[DeviceKey, str]:
    values = data.model_dump()
    ent = registry_service.require_enterprise(session, scope, values["enterprise_id"])
    scope.require_writable(ent.park_id, ent.id)
    secret = _new_secret()
    key = DeviceKey(park_id=ent.park_id, enterprise_id=ent.id, key_id=_new_key_id(),
                    name=values["name"], algorithm=values["algorithm"], secret=secret,
                    mqtt_edge=values.get("mqtt_edge"), created_by=actor.username)
    session.add(key)
    session.flush()
    audit.record(session, actor, "create", object_type="device_key", object_id=key.id,
                 object_label=key.key_id, after=_snapshot(key), park_id=key.park_id,
                 enterprise_id=key.enterprise_id)
    return key, secret


def list_keys(session: Session, scope: Scope, *, page: int, size: int,
              enterprise_id: int | None = None) -> Page[DeviceKey]:
    stmt = select(DeviceKey).where(scope.filter_for(DeviceKey))
    if enterprise_id:
        stmt = stmt.where(DeviceKey.enterprise_id == enterprise_id)
    return paginate(session, stmt.order_by(DeviceKey.id), page, size)


def get_key(session: Session, scope: Scope, key_pk: int) -> DeviceKey:
    return _load(session, scope, key_pk)


def update_key(session: Session, scope: Scope, actor: Actor, key_pk: int,
               data: BaseModel) -> DeviceKey:
    key = _load(session, scope, key_pk)
    scope.require_writable(key.park_id, key.enterprise_id)
    before = _snapshot(key)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None or name == "mqtt_edge":
            setattr(key, name, value)
    session.flush()
    b, a = audit.diff(before, _snapshot(key))
    audit.record(session, actor, "update", object_type="device_key", object_id=key.id,
                 object_label=key.key_id, before=b, after=a, park_id=key.park_id,
                 enterprise_id=key.enterprise_id)
    return key


def rotate_key(session: Session, scope: Scope, actor: Actor,
               key_pk: int) -> tuple[DeviceKey, str]:
    key = _load(session, scope, key_pk)
    scope.require_writable(key.park_id, key.enterprise_id)
    if key.revoked_at is not None:
        raise CollectionNotFound()
    secret = _new_secret()
    key.secret = secret
    key.rotated_at = utcnow()
    session.flush()
    audit.record(session, actor, "update", object_type="device_key", object_id=key.id,
                 object_label=key.key_id, detail="rotate", park_id=key.park_id,
                 enterprise_id=key.enterprise_id)
    return key, secret


def revoke_key(session: Session, scope: Scope, actor: Actor, key_pk: int) -> DeviceKey:
    key = _load(session, scope, key_pk)
    scope.require_writable(key.park_id, key.enterprise_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.is_active = False
        session.flush()
        audit.record(session, actor, "update", object_type="device_key", object_id=key.id,
                     object_label=key.key_id, detail="revoke", park_id=key.park_id,
                     enterprise_id=key.enterprise_id)
    return key


# --------------------------------------------------------------------------- the door


@dataclass(frozen=True, slots=True)
class DoorAnswer:
    status: int
    body: dict[str, Any]


def _gunzip(data: bytes) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error as exc:
        raise BadPayload(params={"reason": "gzip"}) from exc
    if len(out) > MAX_JSON_BYTES or d.unconsumed_tail:
        raise TooLarge()
    return out


def _parse_ts(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def _readings_of(items: list[Any]) -> tuple[list[ingestion.ReadingTuple],
                                             list[tuple[int, str, str]], list[int]]:
    """The readings of a batch document, the structurally bad ones (index, point, reason), and
    for each reading its index in the document. A timestamp text repeats for every point of an
    instant: each distinct one is parsed once."""
    readings: list[ingestion.ReadingTuple] = []
    bad: list[tuple[int, str, str]] = []
    index_map: list[int] = []
    parsed: dict[Any, datetime | None] = {}
    for i, item in enumerate(items):
        if type(item) is not dict:
            bad.append((i, "", "ingest.bad-value"))
            continue
        point = str(item.get("point", ""))
        raw_ts = item.get("ts")
        try:
            when = parsed[raw_ts]
        except KeyError:
            when = _parse_ts(raw_ts)
            if when is not None and when.tzinfo is None:
                when = None
            parsed[raw_ts] = when
        except TypeError:  # a list or an object: not a timestamp
            when = None
        if when is None:
            bad.append((i, point, "ingest.bad-timestamp"))
            continue
        value = item.get("value")
        if type(value) is not str and not isinstance(value, Decimal):
            if isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            else:
                bad.append((i, point, "ingest.bad-value"))
                continue
        unit = item.get("unit")
        readings.append((point, when, value, str(item.get("quality") or "N"),
                         unit if isinstance(unit, str) else None))
        index_map.append(i)
    return readings, bad, index_map


def receive_batch(session: Session, headers: Mapping[str, str], body: bytes,
                  now: datetime | None = None) -> DoorAnswer:
    """Verify, decode and ingest one device batch; commits before answering."""
    now = now or utcnow()
    h = {k.lower(): v for k, v in headers.items()}
    key = session.scalar(select(DeviceKey).where(DeviceKey.key_id == h.get("x-device-key", "")))
    if key is None or not key.is_active or key.revoked_at is not None:
        raise UnknownDeviceKey()
    try:
        ts = int(h.get("x-timestamp", ""))
    except ValueError:
        raise StaleTimestamp() from None
    if not devicecrypto.timestamp_fresh(ts, now.timestamp()):
        raise StaleTimestamp()
    batch_ref = h.get("x-batch-id", "")
    if not batch_ref or len(batch_ref) > 64:
        raise BadPayload(params={"reason": "X-Batch-Id"})
    secret = key.secret.encode()
    if not devicecrypto.verify(secret, h.get("x-signature", ""), ts, batch_ref, body):
        raise BadSignature()
    known = ingestion.find_batch(session, "http", key.id, batch_ref)
    if known is not None:
        return DoorAnswer(200, {**ingestion.stored_result(known).as_dict(), "batch_id": batch_ref})
    alg = h.get("x-encryption")
    if alg:
        if alg not in devicecrypto.ENCRYPTION_ALGS:
            raise BadPayload(params={"reason": "X-Encryption"})
        try:
            body = devicecrypto.decrypt(devicecrypto.derive_key(secret, alg), alg, body)
        except devicecrypto.DecryptionError as exc:
            raise BadPayload(params={"reason": "decrypt"}) from exc
    if h.get("content-encoding", "").lower() == "gzip":
        body = _gunzip(body)
    elif len(body) > MAX_JSON_BYTES:
        raise TooLarge()
    try:
        doc = json.loads(body, parse_float=Decimal)  # a JSON number keeps its digits too
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadPayload(params={"reason": "JSON"}) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("readings"), list):
        raise BadPayload(params={"reason": "readings"})
    if doc.get("batch_id", batch_ref) != batch_ref:
        raise BadPayload(params={"reason": "batch_id ≠ X-Batch-Id"})
    items = doc["readings"]
    if len(items) > MAX_READINGS:
        raise TooLarge()
    readings, bad, index_map = _readings_of(items)
    try:
        result = ingestion.ingest(session, park_id=key.park_id, readings=readings, source="http",
                                  batch_ref=batch_ref, device_key_id=key.id,
                                  enterprise_id=key.enterprise_id, created_by=key.key_id, now=now,
                                  batch_checked=True)
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            key.last_used_at = now  # not at every batch: one row all of a key's batches share
        if bad:
            _add_structural(session, result, bad, index_map)
        session.commit()
    except IntegrityError:
        # the same batch id raced in on another connection: answer what it stored
        session.rollback()
        known = ingestion.find_batch(session, "http", key.id, batch_ref)
        if known is None:
            raise
        result = ingestion.stored_result(known)
    return DoorAnswer(200, {**result.as_dict(), "batch_id": batch_ref})


def _add_structural(session: Session, result: ingestion.IngestResult,
                    bad: list[tuple[int, str, str]], index_map: list[int]) -> None:
    from sqlalchemy import update

    from dualcarbon.collection.models import IngestBatch

    remapped = [(index_map[i], p, r) for i, p, r in result.rejected]
    result.rejected = sorted(remapped + bad)
    session.connection().execute(update(IngestBatch).where(
        IngestBatch.id == result.batch_id).values(
        rejected=[{"index": i, "point": p, "reason": r} for i, p, r in result.rejected],
        rejected_count=len(result.rejected)))
