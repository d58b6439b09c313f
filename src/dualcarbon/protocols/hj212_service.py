"""HJ 212 packet handling with persistence: one data packet → readings through the one ingestion
service, the raw packet kept for audit, gaps detected and turned into history requests — all in
one transaction that is committed before the server answers 9014 (§1.10 rule 5).

The device configuration (MN → enterprise, factor/suffix of a CN → metering point, wire unit and
dry/wet basis) lives in :mod:`dualcarbon.protocols.models`; ``create_device`` / ``map_factor``
keep it consistent (a factor's unit must be its point's unit, the point in the device's
enterprise).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.collection.service import IngestResult, ReadingIn, ingest
from dualcarbon.core.codecs import hj212
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.session import unit_of_work
from dualcarbon.db.types import utcnow
from dualcarbon.protocols.models import (
    Hj212Device,
    Hj212FactorMap,
    Hj212HistoryRequest,
    Hj212Packet,
)
from dualcarbon.registry.models import MeteringPoint

DEFAULT_SUFFIX = {hj212.Cn.REALTIME: "Rtd", hj212.Cn.MINUTE: "Avg", hj212.Cn.HOUR: "Avg",
                  hj212.Cn.DAY: "Avg"}
OUTSTANDING_FOR = timedelta(minutes=10)  # a history request unanswered this long is retried


@dataclass(frozen=True, slots=True)
class HistoryAsk:
    """A gap to ask the logger for (site local times, as the packet needs them)."""

    cn: int
    qn: str
    begin_local: datetime
    end_local: datetime


@dataclass(slots=True)
class PacketOutcome:
    status: str
    ack: bool
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    history: list[HistoryAsk] = field(default_factory=list)
    device: Hj212Device | None = None


# --------------------------------------------------------------------------- configuration


def create_device(session: Session, *, park_id: int, enterprise_id: int, mn: str, name: str,
                  st: str = "31", password: str | None = None, timezone: str = "Asia/Shanghai",
                  min_interval_minutes: int = 10, gap_fill: bool = True,
                  rtd_interval_seconds: int = 30) -> Hj212Device:
    if session.scalar(select(Hj212Device.id).where(Hj212Device.mn == mn)) is not None:
        raise Invalid(field_errors=[FieldError(("body", "mn"), "hj212.mn-taken", {"mn": mn})])
    dev = Hj212Device(park_id=park_id, enterprise_id=enterprise_id, mn=mn, name=name, st=st,
                      password=password, timezone=timezone,
                      min_interval_minutes=min_interval_minutes, gap_fill=gap_fill,
                      rtd_interval_seconds=rtd_interval_seconds)
    session.add(dev)
    session.flush()
    return dev


def map_factor(session: Session, device: Hj212Device, *, cn: int, factor_code: str,
               point_id: int, suffix: str | None = None, basis: str | None = None,
               state: str | None = None, unit: str | None = None,
               scale: Decimal = Decimal(1)) -> Hj212FactorMap:
    """Route ``factor_code-suffix`` of CN ``cn`` packets of ``device`` to a metering point.
    ``unit`` is the unit on the wire (default: the point's); point value = wire value ×
    ``scale``. The checked, audited way is :mod:`dualcarbon.protocols.hj212_config`."""
    if cn not in hj212.DATA_CNS:
        raise Invalid(field_errors=[FieldError(("body", "cn"), "hj212.bad-cn", {"cn": cn})])
    point = session.get(MeteringPoint, point_id)
    if point is None or point.enterprise_id != device.enterprise_id:
        raise Invalid(field_errors=[FieldError(("body", "point_id"), "hj212.bad-point")])
    m = Hj212FactorMap(park_id=device.park_id, enterprise_id=device.enterprise_id,
                       device_id=device.id, cn=cn, factor_code=factor_code,
                       suffix=suffix or DEFAULT_SUFFIX[hj212.Cn(cn)], point_id=point.id,
                       unit=unit or point.unit, basis=basis, state=state, scale=scale,
                       point_unit=point.unit)
    session.add(m)
    session.flush()
    return m


def convert(raw: str, scale: Decimal) -> Decimal | str:
    """Wire value → point value: × ``scale``; with scale 1 the text goes on as sent (digits kept,
    and a malformed value is refused by ingestion with its reason). The scale is taken without
    its stored trailing zeros, so ``91.850`` × 3600 is ``330660.000``, not 15 decimals."""
    if scale == 1:
        return raw
    try:
        value = Decimal(raw.strip())
    except ArithmeticError:
        return raw
    factor = scale.normalize()
    if int(factor.as_tuple().exponent) > 0:
        factor = factor.quantize(Decimal(1))
    return value * factor if value.is_finite() else raw


# --------------------------------------------------------------------------- time


def to_utc(local: datetime, tz: str) -> datetime:
    """DataTime has no zone: it is the site's local time (§1.10 rule 6)."""
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def to_local(ts: datetime, tz: str) -> datetime:
    return ts.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _step(cn: int, device: Hj212Device) -> timedelta | None:
    if cn == hj212.Cn.HOUR:
        return timedelta(hours=1)
    if cn == hj212.Cn.MINUTE:
        return timedelta(minutes=max(1, device.min_interval_minutes))
    if cn == hj212.Cn.DAY:
        return timedelta(days=1)
    return None


def _batch_ref(p: hj212.Packet) -> str | None:
    if not p.qn:
        return None
    ref = f"{p.mn}:{p.cn}:{p.qn}:{p.pno or 0}"
    return ref if len(ref) <= 64 else hashlib.sha256(ref.encode()).hexdigest()[:64]


# --------------------------------------------------------------------------- handling


def handle_data(factory: sessionmaker[Session], packet: hj212.Packet, raw: bytes, *,
                peer: str | None = None, now: datetime | None = None) -> PacketOutcome:
    """Store one data upload (CN 2011/2051/2061/2031) and commit. ``ack`` says whether the
    server may answer 9014: only once this function has returned (the data is durable)."""
    now = now or utcnow()
    with unit_of_work(factory) as session:
        out = _handle_data(session, packet, raw, peer, now)
    return out


def _handle_data(session: Session, packet: hj212.Packet, raw: bytes, peer: str | None,
                 now: datetime) -> PacketOutcome:
    text = raw.decode("utf-8", "replace")
    device = session.scalar(select(Hj212Device).where(Hj212Device.mn == packet.mn))
    row = Hj212Packet(received_at=now, peer=peer, mn=packet.mn[:40], qn=packet.qn, cn=packet.cn,
                      pnum=packet.pnum, pno=packet.pno, raw=text, status="stored")
    session.add(row)
    if device is None or not device.is_active:
        row.status = "unknown_mn" if device is None else "inactive"
        return PacketOutcome(row.status, ack=False)
    row.park_id, row.enterprise_id, row.device_id = (device.park_id, device.enterprise_id,
                                                     device.id)
    device.last_seen_at = now
    if device.password and packet.pw != device.password:
        row.status = "bad_pw"
        return PacketOutcome(row.status, ack=False, device=device)
    try:
        local = packet.cp.data_time
    except hj212.PacketError:
        local = None
    if local is None:
        row.status = "no_datatime"
        return PacketOutcome(row.status, ack=packet.needs_ack, device=device)
    ts = to_utc(local, device.timezone)
    row.data_time = ts

    maps = session.scalars(select(Hj212FactorMap).where(
        Hj212FactorMap.device_id == device.id, Hj212FactorMap.cn == packet.cn)).all()
    point_codes: dict[int, str] = {}
    if maps:
        rows = session.execute(select(MeteringPoint.id, MeteringPoint.code).where(
            MeteringPoint.id.in_({m.point_id for m in maps})))
        point_codes = {int(pid): str(code) for pid, code in rows}
    readings: list[ReadingIn] = []
    for m in maps:
        values = packet.cp.factors.get(m.factor_code)
        if values is None or values.get(m.suffix) in (None, ""):
            continue
        readings.append(ReadingIn(point_code=point_codes[m.point_id], ts=ts,
                                  value=convert(values[m.suffix], m.scale),
                                  quality=values.get("Flag", "N"),
                                  unit=m.point_unit or m.unit))
    history = _detect_gap(session, device, packet.cn, ts, now)
    if not readings:
        row.status = "unmapped"
        return PacketOutcome(row.status, ack=packet.needs_ack, history=history, device=device)
    res: IngestResult = ingest(session, park_id=device.park_id, readings=readings,
                               source="hj212", batch_ref=_batch_ref(packet),
                               enterprise_id=device.enterprise_id,
                               created_by=f"hj212:{device.mn}"[:64], now=now)
    row.batch_id, row.accepted, row.duplicates = res.batch_id, res.accepted, res.duplicates
    row.rejected = len(res.rejected)
    if res.replayed or (res.accepted == 0 and res.duplicates > 0):
        row.status = "duplicate"
    elif res.accepted == 0:
        row.status = "rejected"
    return PacketOutcome(row.status, ack=packet.needs_ack, accepted=res.accepted,
                         duplicates=res.duplicates, rejected=len(res.rejected),
                         history=history, device=device)


def _detect_gap(session: Session, device: Hj212Device, cn: int, ts: datetime,
                now: datetime) -> list[HistoryAsk]:
    """Compare this record's DataTime with the latest earlier one of the same kind; a hole of
    more than one period becomes a history request (§1.10 rule 7), at most one outstanding per
    device, and only for gaps younger than ``max_gap_hours``."""
    step = _step(cn, device)
    if step is None or not device.gap_fill:
        return []
    previous = session.scalar(select(func.max(Hj212Packet.data_time)).where(
        Hj212Packet.device_id == device.id, Hj212Packet.cn == cn, Hj212Packet.data_time < ts,
        Hj212Packet.status.in_(("stored", "duplicate"))))
    if previous is None or ts - previous <= step:
        return []
    begin = previous + step
    horizon = now - timedelta(hours=device.max_gap_hours)
    if begin < horizon:
        # older records are not asked for; start at the first record of the series' grid
        # inside the horizon (a whole MinInterval minute, hour or day, not the odd second)
        begin = previous + step * -((previous - horizon) // step)
    end = ts - step
    if end < begin:
        return []
    outstanding = session.scalar(select(Hj212HistoryRequest.id).where(
        Hj212HistoryRequest.device_id == device.id,
        Hj212HistoryRequest.status.in_(("sent", "accepted")),
        Hj212HistoryRequest.requested_at > now - OUTSTANDING_FOR).limit(1))
    if outstanding is not None:
        return []
    local_now = to_local(now, device.timezone)
    qn = hj212.format_qn(local_now)
    session.add(Hj212HistoryRequest(park_id=device.park_id, enterprise_id=device.enterprise_id,
                                    device_id=device.id, cn=cn, qn=qn, begin_at=begin,
                                    end_at=end, requested_at=now))
    return [HistoryAsk(cn, qn, to_local(begin, device.timezone), to_local(end, device.timezone))]


def handle_reply(factory: sessionmaker[Session], packet: hj212.Packet,
                 now: datetime | None = None) -> None:
    """A logger's 9011/9012 to one of our history requests (matched by QN and MN)."""
    now = now or utcnow()
    with unit_of_work(factory) as session:
        req = session.scalar(select(Hj212HistoryRequest).join(
            Hj212Device, Hj212Device.id == Hj212HistoryRequest.device_id).where(
            Hj212Device.mn == packet.mn, Hj212HistoryRequest.qn == packet.qn))
        if req is None:
            return
        code = packet.cp.fields.get("QnRtn" if packet.cn == hj212.Cn.REQUEST_REPLY else "ExeRtn")
        req.result_code = int(code) if code and code.isdigit() else None
        req.answered_at = now
        if packet.cn == hj212.Cn.REQUEST_REPLY:
            req.status = "accepted" if req.result_code == hj212.QnRtn.READY else "failed"
        else:
            req.status = "done" if req.result_code in (hj212.ExeRtn.SUCCESS,
                                                       hj212.ExeRtn.NO_DATA) else "failed"


def device_time_zone(factory: sessionmaker[Session], mn: str) -> str | None:
    with unit_of_work(factory, writes=False) as session:
        return session.scalar(select(Hj212Device.timezone).where(Hj212Device.mn == mn))
