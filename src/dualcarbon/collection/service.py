"""The one ingestion service every door calls (HTTP batches, HJ 212, MQTT, imports, manual entry),
plus the read side (batches, latest values, history from rollups).

``ingest`` validates each reading (known active point, unit, plausible range, timestamp sanity),
keeps values as read, deduplicates on (point, ts) — first write wins, a resend changes nothing —,
accepts late and out-of-order data, records the source and batch, and maintains the hour/day/month
rollups and ``point_latest`` incrementally in the same transaction. It flushes; the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    BigInteger,
    String,
    and_,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from dualcarbon.collection import partitions, pg_bulk
from dualcarbon.collection.models import (
    IngestBatch,
    MeterReplacement,
    PointLatest,
    Reading,
    ReadingRollup,
)
from dualcarbon.core import meter, rollup
from dualcarbon.core.readings import (
    GRAINS,
    Acc,
    ReadingRejected,
    check_quality,
    check_ts,
    check_value,
    interval_bucket,
    parse_value,
)
from dualcarbon.db.types import utcnow
from dualcarbon.registry.models import MeteringPoint, Park

CHUNK = 1000
SOURCES = ("http", "hj212", "mqtt", "import", "manual", "demo", "api")


class ReadingIn(NamedTuple):
    """One reading as it arrived at a door. ``value`` is a Decimal or a decimal string kept with
    its significant digits; ``quality`` an HJ 212 flag (N normal); ``unit``, when the door knows
    it, must match the point's unit. (A named tuple: a door builds thousands per batch.)"""

    point_code: str
    ts: datetime
    value: Decimal | str
    quality: str = "N"
    unit: str | None = None


@dataclass(slots=True)
class IngestResult:
    accepted: int
    duplicates: int
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (index, point, reason)
    batch_id: int | None = None
    replayed: bool = False  # a known batch id: this is the stored answer

    def as_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "accepted": self.accepted,
                "duplicates": self.duplicates,
                "rejected": [{"index": i, "point": p, "reason": r} for i, p, r in self.rejected]}


# what ``ingest`` reads of each reading: a ReadingIn, or a plain tuple in the same order (a door
# that builds thousands per batch: a tuple costs less to make than a named one)
ReadingTuple = tuple[str, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class _Point:
    id: int
    enterprise_id: int
    unit: str
    cumulative: bool
    multiplier: Decimal
    is_active: bool
    alarmed: bool = False  # has an active alarm rule
    replaced: bool = False  # has a meter replacement (换表) on record


@dataclass(slots=True)
class Valid:
    """The accepted readings of a batch, as columns: no object per reading (a device batch has
    thousands; each object is work for the allocator and the cyclic garbage collector). No two
    share (point, ts); ``ts`` is UTC."""

    points: dict[int, _Point]  # by id
    index: list[int] = field(default_factory=list)  # in the batch as sent
    point_id: list[int] = field(default_factory=list)
    ts: list[datetime] = field(default_factory=list)
    value: list[Decimal] = field(default_factory=list)
    quality: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)

    def only(self, keys: set[tuple[int, datetime]]) -> Valid:
        """The rows whose (point, ts) is in ``keys``."""
        out = Valid(self.points)
        for i, pid, ts, v, q in zip(self.index, self.point_id, self.ts, self.value, self.quality,
                                    strict=True):
            if (pid, ts) in keys:
                out.index.append(i)
                out.point_id.append(pid)
                out.ts.append(ts)
                out.value.append(v)
                out.quality.append(q)
        return out


def dedup_key(source: str, device_key_id: int | None, batch_ref: str) -> str:
    return f"{source}:{device_key_id if device_key_id is not None else '-'}:{batch_ref}"


def find_batch(session: Session, source: str, device_key_id: int | None,
               batch_ref: str) -> IngestBatch | None:
    return session.scalar(select(IngestBatch).where(
        IngestBatch.dedup_key == dedup_key(source, device_key_id, batch_ref)))


def stored_result(batch: IngestBatch) -> IngestResult:
    return IngestResult(batch.accepted, batch.duplicates,
                        [(int(r["index"]), str(r["point"]), str(r["reason"]))
                         for r in batch.rejected or []],
                        batch.id, replayed=True)


def park_timezone(session: Session, park_id: int) -> str:
    tz = session.connection().execute(select(Park.timezone).where(Park.id == park_id)).scalar()
    return tz or "Asia/Shanghai"


def restrict(session: Session, stmt: Any, column: Any, values: Sequence[Any], type_: Any) -> Any:
    """``stmt`` limited to rows whose ``column`` is in ``values``. On PostgreSQL one array
    parameter whatever the number of values, joined as ``unnest(:values)``: the plan stays good
    once the statement is prepared (a generic plan compares ``= ANY($1)`` with every element, row
    by row), and thousands of bind parameters would cost more to build than the query takes.
    A plain IN list elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        keys = func.unnest(bindparam(None, list(values), type_=ARRAY(type_))).table_valued(
            "key").render_derived(name="keys")
        return stmt.join_from(keys, column.table, column == keys.c.key)
    return stmt.where(column.in_(list(values)))


def _load_points(session: Session, park_id: int,
                 codes: set[str]) -> tuple[dict[str, _Point], str | None]:
    """The park's points among ``codes`` and the park's time zone (None when no code matched),
    in one query per chunk."""
    from dualcarbon.monitoring.models import AlarmRule

    out: dict[str, _Point] = {}
    tz: str | None = None
    code_list = sorted(codes)
    pg = session.get_bind().dialect.name == "postgresql"
    step = (len(code_list) or 1) if pg else CHUNK
    alarmed = select(AlarmRule.id).where(AlarmRule.point_id == MeteringPoint.id,
                                         AlarmRule.is_active.is_(True)).exists()
    replaced = select(MeterReplacement.id).where(
        MeterReplacement.point_id == MeteringPoint.id).exists()
    park_tz = select(Park.timezone).where(Park.id == park_id).scalar_subquery()
    for i in range(0, len(code_list), step):
        chunk = code_list[i:i + step]
        stmt = select(
            MeteringPoint.code, MeteringPoint.id, MeteringPoint.enterprise_id, MeteringPoint.unit,
            MeteringPoint.measurement, MeteringPoint.multiplier, MeteringPoint.is_active,
            alarmed.label("alarmed"), replaced.label("replaced"), park_tz.label("tz"),
        ).where(MeteringPoint.park_id == park_id)
        for r in session.connection().execute(restrict(session, stmt, MeteringPoint.code, chunk,
                                                       String)):
            out[r.code] = _Point(r.id, r.enterprise_id, r.unit, r.measurement == "cumulative",
                                 r.multiplier if r.multiplier is not None else Decimal(1),
                                 r.is_active, bool(r.alarmed), bool(r.replaced))
            tz = r.tz or "Asia/Shanghai"
    return out, tz


def validate(
    readings: Sequence[ReadingIn] | Sequence[ReadingTuple], points: dict[str, _Point],
    enterprise_id: int | None, now: datetime,
) -> tuple[Valid, list[tuple[int, str, str]], int]:
    """(valid rows, rejected (index, point, reason), in-batch duplicates) — the checks of the
    module docstring, in this order: point, active, unit, timestamp, value, range, quality; of
    two readings of the same point and instant the first wins. Timestamps and quality flags
    repeat within a batch (one per instant, a handful of flags): each distinct one is checked
    once."""
    rejected: list[tuple[int, str, str]] = []
    valid = Valid({p.id: p for p in points.values()})
    index_of, pid_of, ts_of = valid.index.append, valid.point_id.append, valid.ts.append
    value_of, quality_of = valid.value.append, valid.quality.append
    seen: set[int] = set()  # point id << 32 | instant number: ints, not tuples
    in_batch_dups = 0
    times: dict[Any, tuple[datetime, int] | str] = {}  # as sent -> (UTC, instant no.) or reason
    instants: dict[datetime, int] = {}
    flags: dict[Any, str | None] = {}  # as sent -> normalised flag, or None when refused
    for index, (code, raw_ts, raw_value, raw_quality, unit) in enumerate(readings):
        point = points.get(code)
        if point is None or (enterprise_id is not None and enterprise_id != point.enterprise_id):
            rejected.append((index, str(code), "ingest.unknown-point"))
            continue
        if not point.is_active:
            rejected.append((index, str(code), "ingest.inactive-point"))
            continue
        if unit is not None and unit != point.unit:
            rejected.append((index, str(code), "ingest.unit-mismatch"))
            continue
        try:
            when = times[raw_ts]
        except KeyError:
            try:
                ts = check_ts(raw_ts, now)
                when = (ts, instants.setdefault(ts, len(instants)))
            except ReadingRejected as exc:
                when = exc.code
            times[raw_ts] = when
        except TypeError:  # not hashable: not a datetime either
            when = "ingest.bad-timestamp"
        if isinstance(when, str):
            rejected.append((index, str(code), when))
            continue
        try:
            value = parse_value(raw_value)
            check_value(value, unit=point.unit, cumulative=point.cumulative)
        except ReadingRejected as exc:
            rejected.append((index, str(code), exc.code))
            continue
        try:
            quality = flags[raw_quality]
        except KeyError:
            try:
                quality = check_quality(raw_quality)
            except ReadingRejected:
                quality = None
            flags[raw_quality] = quality
        if quality is None:
            rejected.append((index, str(code), "ingest.bad-quality"))
            continue
        key = point.id << 32 | when[1]
        if key in seen:
            in_batch_dups += 1
            continue
        seen.add(key)
        index_of(index)
        pid_of(point.id)
        ts_of(when[0])
        value_of(value)
        quality_of(quality)
    return valid, rejected, in_batch_dups


# parameters apart from the statement: compiled once, not per batch
_NEW_BATCH = insert(IngestBatch).returning(IngestBatch.id)
_BATCH_COUNTS = update(IngestBatch).where(IngestBatch.id == bindparam("batch_id")).values(
    accepted=bindparam("accepted"), duplicates=bindparam("duplicates"))


def ingest(
    session: Session,
    *,
    park_id: int,
    readings: Sequence[ReadingIn] | Sequence[ReadingTuple],
    source: str,
    batch_ref: str | None,
    device_key_id: int | None = None,
    enterprise_id: int | None = None,
    created_by: str | None = None,
    now: datetime | None = None,
    batch_checked: bool = False,
) -> IngestResult:
    """Store ``readings`` of park ``park_id`` (see the module docstring). With ``batch_ref``, a
    batch already stored under the same (source, device key, batch_ref) is answered with its
    stored result and nothing is written (``batch_checked``: the caller has just looked).
    ``enterprise_id`` limits the points to one enterprise (a device key's scope); others are
    rejected as unknown."""
    now = now or utcnow()
    if batch_ref is not None and not batch_checked:
        known = find_batch(session, source, device_key_id, batch_ref)
        if known is not None:
            return stored_result(known)
    session.flush()  # the statements below bypass the ORM: pending objects first
    points, tz = _load_points(session, park_id, {r[0] for r in readings})
    valid, rejected, in_batch_dups = validate(readings, points, enterprise_id, now)

    conn = session.connection()
    batch_id = conn.execute(_NEW_BATCH, {
        "park_id": park_id, "enterprise_id": enterprise_id, "source": source,
        "batch_ref": batch_ref,
        "dedup_key": dedup_key(source, device_key_id, batch_ref) if batch_ref is not None else None,
        "device_key_id": device_key_id, "received_at": now, "created_by": created_by,
        "rejected": [{"index": i, "point": p, "reason": c} for i, p, c in rejected],
        "rejected_count": len(rejected), "accepted": 0, "duplicates": 0}).scalar_one()

    accepted = 0
    if valid:
        tz = tz or park_timezone(session, park_id)
        cumulative = [pid for pid, p in valid.points.items() if p.cumulative]
        if session.get_bind().dialect.name == "postgresql":
            prior = _prior_reads(session, cumulative)
            new = pg_bulk.store_readings(session, batch_id, valid)
            if new:
                agg = rollup_changes(session, new, tz, prior)
                pg_bulk.merge_rollups(session, agg.accs)
                pg_bulk.upsert_latest(session, park_id, new, agg.newest, batch_id, now)
        else:
            prior = _prior_reads(session, cumulative)
            new = _insert_readings(session, batch_id, valid)
            if new:
                agg = rollup_changes(session, new, tz, prior)
                merge_rollups(session, agg.accs)
                _update_latest(session, park_id, new, agg.newest, batch_id, now)
        accepted = len(new)
    duplicates = len(valid) - accepted + in_batch_dups
    conn.execute(_BATCH_COUNTS, {"batch_id": batch_id, "accepted": accepted,
                                 "duplicates": duplicates})
    alarmed = {pid for pid, p in valid.points.items() if p.alarmed}
    if accepted and alarmed:
        evaluate_alarms(session, alarmed & set(valid.point_id), now)
    return IngestResult(accepted, duplicates, rejected, batch_id)


def evaluate_alarms(session: Session, point_ids: set[int], now: datetime) -> int:
    """Alarm rules of the points that received data, evaluated on arrival over their recent
    readings (monitoring owns the rules and events). One query when no rule applies."""
    from dualcarbon.core.alarms import Sample
    from dualcarbon.monitoring import service as monitoring
    from dualcarbon.monitoring.models import AlarmRule

    windows: dict[int, int] = {}
    rules = select(AlarmRule.point_id, AlarmRule.window_minutes).where(
        AlarmRule.is_active.is_(True))
    for pid, minutes in session.connection().execute(
            restrict(session, rules, AlarmRule.point_id, sorted(point_ids), BigInteger)):
        if pid is not None:
            windows[pid] = max(windows.get(pid, 0), minutes)
    raised = 0
    for pid, minutes in sorted(windows.items()):
        since = now - timedelta(minutes=min(max(minutes, 60), 1440))
        samples = [Sample(ts, v, q) for ts, v, q in session.execute(
            select(Reading.ts, Reading.value, Reading.quality).where(
                Reading.point_id == pid, Reading.ts >= since)
            .order_by(Reading.ts.desc()).limit(2000))]
        raised += len(monitoring.evaluate_point(session, pid, samples, now))
    return raised


# --------------------------------------------------------------------------- readings


def _insert_readings(session: Session, batch_id: int, valid: Valid) -> Valid:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the rows actually stored (first write wins)."""
    partitions.ensure(session, {partitions.month_of(ts) for ts in set(valid.ts)})
    stmt = sqlite.insert(Reading).on_conflict_do_nothing(
        index_elements=["point_id", "ts"]).returning(Reading.point_id, Reading.ts)
    stored: set[tuple[int, datetime]] = set()
    rows = list(zip(valid.point_id, valid.ts, valid.value, valid.quality, strict=True))
    for i in range(0, len(rows), CHUNK):
        result = session.execute(stmt.values([
            {"point_id": pid, "ts": ts, "value": v, "quality": q, "batch_id": batch_id}
            for pid, ts, v, q in rows[i:i + CHUNK]]))
        stored.update((pid, ts) for pid, ts in result)
    return valid if len(stored) == len(valid) else valid.only(stored)


# --------------------------------------------------------------------------- rollups


def _replacements(session: Session, point_ids: Iterable[int]) -> dict[int, list[meter.Replacement]]:
    out: dict[int, list[meter.Replacement]] = defaultdict(list)
    ids = list(point_ids)
    if not ids:
        return out
    for m in session.scalars(select(MeterReplacement).where(MeterReplacement.point_id.in_(ids))):
        out[m.point_id].append(
            meter.Replacement(m.replaced_at, m.old_final_value, m.new_initial_value))
    return out


def _neighbours(session: Session, point_id: int, lo: datetime, hi: datetime,
                exclude: set[datetime]) -> list[tuple[datetime, Decimal]]:
    """Stored reads of a point in [lo, hi] (minus ``exclude``) plus the one just before lo and
    the one just after hi: the chain new late reads are spliced into."""
    inside = [(ts, v) for ts, v in session.execute(
        select(Reading.ts, Reading.value).where(
            Reading.point_id == point_id, Reading.ts >= lo, Reading.ts <= hi)
        .order_by(Reading.ts)) if ts not in exclude]
    before = session.execute(select(Reading.ts, Reading.value).where(
        Reading.point_id == point_id, Reading.ts < lo).order_by(Reading.ts.desc()).limit(1)).first()
    after = session.execute(select(Reading.ts, Reading.value).where(
        Reading.point_id == point_id, Reading.ts > hi).order_by(Reading.ts).limit(1)).first()
    chain = ([(before[0], before[1])] if before else []) + inside
    return chain + ([(after[0], after[1])] if after else [])


def consumption_changes(
    old_chain: Sequence[tuple[datetime, Decimal]],
    new_chain: Sequence[tuple[datetime, Decimal]],
    replacements: Sequence[meter.Replacement],
    multiplier: Decimal,
    tz: str,
) -> dict[tuple[str, datetime], Decimal]:
    """Per (grain, bucket): consumption of ``new_chain`` minus that of ``old_chain``."""
    out: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    for chain, sign in ((old_chain, -1), (new_chain, 1)):
        for t1, delta in meter.chain_deltas(chain, replacements, multiplier):
            for g in GRAINS:
                out[(g, interval_bucket(t1, g, tz))] += sign * delta.value
    return out


def point_consumption(session: Session, point_id: int, new: list[tuple[datetime, Decimal]],
                      last: tuple[datetime, Decimal] | None, swaps: list[meter.Replacement],
                      multiplier: Decimal, tz: str) -> dict[tuple[str, datetime], Decimal]:
    """Consumption changes per (grain, bucket) from the new reads of one cumulative point
    (sorted): appended after the latest read in the common case, spliced into the stored chain
    when late (the old deltas of the chain are replaced by the new ones)."""
    if last is not None and new[0][0] > last[0]:
        old = [last]
    else:
        # late data, or the first reads of a point (history may arrive in any order)
        old = _neighbours(session, point_id, new[0][0], new[-1][0], {t for t, _ in new})
    return consumption_changes(old, sorted(old + new), swaps, multiplier, tz)


def _prior_reads(session: Session, point_ids: list[int]) -> dict[int, tuple[datetime, Decimal]]:
    """Newest stored read of each of ``point_ids`` (cumulative points: the start of the first
    new interval). On PostgreSQL the rows stay locked, taken in point order, until the
    transaction ends: two batches of one register are serialised, so the second starts from the
    first one's last read (SQLite writers are serialised anyway)."""
    if not point_ids:
        return {}
    stmt = restrict(session, select(PointLatest.point_id, PointLatest.ts, PointLatest.value),
                    PointLatest.point_id, sorted(point_ids), BigInteger)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.order_by(PointLatest.point_id).with_for_update(of=PointLatest)
    return {pid: (ts, v) for pid, ts, v in session.connection().execute(stmt)}


def rollup_changes(session: Session, new: Valid, tz: str,
                   prior: dict[int, tuple[datetime, Decimal]]) -> rollup.Aggregates:
    """What the new rows of a batch add to the rollups (both databases): one pass over them
    (core/rollup.py); the consumption of late reads, first reads and replaced meters spliced
    into the stored chain here."""
    points = new.points
    consume = {pid: (p.multiplier, prior.get(pid)) for pid, p in points.items()
               if p.cumulative and not p.replaced}
    agg = rollup.aggregate(new.point_id, new.ts, new.value, tz, consume)
    slow = agg.slow | {pid for pid, p in points.items() if p.cumulative and p.replaced}
    reads: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for pid, ts, v in zip(new.point_id, new.ts, new.value, strict=True):
        if pid in slow:
            reads[pid].append((ts, v))
    if reads:
        swaps = _replacements(session, list(reads))
        for pid, rs in reads.items():
            changes = point_consumption(session, pid, sorted(rs), prior.get(pid),
                                        swaps.get(pid, []), points[pid].multiplier, tz)
            for (g, bucket), delta in changes.items():
                acc = agg.accs.get((pid, g, bucket))
                if acc is None:
                    acc = agg.accs[(pid, g, bucket)] = Acc()
                acc.add_consumption(delta)
    return agg


def merge_rollups(session: Session, accs: dict[tuple[int, str, datetime], Acc]) -> None:
    keys = sorted(accs)
    existing: dict[tuple[int, str, datetime], ReadingRollup] = {}
    lock = session.get_bind().dialect.name == "postgresql"
    for i in range(0, len(keys), CHUNK):
        chunk = keys[i:i + CHUNK]
        stmt = select(ReadingRollup).where(tuple_(
            ReadingRollup.point_id, ReadingRollup.grain, ReadingRollup.bucket).in_(chunk)
        ).execution_options(populate_existing=True)
        if lock:
            stmt = stmt.with_for_update()
        for found in session.scalars(stmt):
            existing[(found.point_id, found.grain, found.bucket)] = found
    for key in keys:
        acc = accs[key]
        row = existing.get(key)
        if row is None:
            session.add(ReadingRollup(
                point_id=key[0], grain=key[1], bucket=key[2], count=acc.count,
                sum_value=acc.sum_value, min_value=acc.min_value, max_value=acc.max_value,
                first_ts=acc.first_ts, first_value=acc.first_value, last_ts=acc.last_ts,
                last_value=acc.last_value, consumption=acc.consumption))
            continue
        have = Acc(row.count, row.sum_value, row.min_value, row.max_value, row.first_ts,
                   row.first_value, row.last_ts, row.last_value, row.consumption)
        have.merge(acc)
        row.count, row.sum_value = have.count, have.sum_value
        row.min_value, row.max_value = have.min_value, have.max_value
        row.first_ts, row.first_value = have.first_ts, have.first_value
        row.last_ts, row.last_value = have.last_ts, have.last_value
        row.consumption = have.consumption
    session.flush()


def _update_latest(session: Session, park_id: int, new: Valid, newest: dict[int, int],
                   seq: int, now: datetime) -> None:
    existing = {pl.point_id: pl for pl in session.scalars(
        select(PointLatest).where(PointLatest.point_id.in_(list(newest))))}
    for pid, i in newest.items():
        ts, value, quality = new.ts[i], new.value[i], new.quality[i]
        pl = existing.get(pid)
        if pl is None:
            session.add(PointLatest(point_id=pid, park_id=park_id,
                                    enterprise_id=new.points[pid].enterprise_id, ts=ts,
                                    value=value, quality=quality, seq=seq, updated_at=now))
        elif ts > pl.ts:
            pl.ts, pl.value, pl.quality, pl.seq, pl.updated_at = ts, value, quality, seq, now
    session.flush()


def rollup_keys_filter(point_ids: Sequence[int], grain: str, start: datetime,
                       end: datetime) -> Any:
    return and_(ReadingRollup.point_id.in_(list(point_ids)), ReadingRollup.grain == grain,
                ReadingRollup.bucket >= start, ReadingRollup.bucket < end)


# --------------------------------------------------------------------------- read side


def list_batches(session: Session, scope: Any, *, page: int, size: int,
                 enterprise_id: int | None = None, source: str | None = None) -> Any:
    from dualcarbon.db.paging import paginate

    stmt = select(IngestBatch).where(scope.filter_for(IngestBatch))
    if enterprise_id:
        stmt = stmt.where(IngestBatch.enterprise_id == enterprise_id)
    if source:
        stmt = stmt.where(IngestBatch.source == source)
    return paginate(session, stmt.order_by(IngestBatch.id.desc()), page, size)


def latest_since(session: Session, scope: Any, *, since: int = 0,
                 enterprise_id: int | None = None, limit: int = 2000) -> dict[str, Any]:
    """Latest values changed after ``since`` (a batch id): a live page polls (or is pushed)
    with the ``seq`` it last saw and gets only what moved."""
    stmt = (select(PointLatest, MeteringPoint.code, MeteringPoint.unit)
            .join(MeteringPoint, MeteringPoint.id == PointLatest.point_id)
            .where(scope.filter_for(PointLatest), PointLatest.seq > since))
    if enterprise_id:
        stmt = stmt.where(PointLatest.enterprise_id == enterprise_id)
    rows = session.execute(stmt.order_by(PointLatest.seq, PointLatest.point_id)
                           .limit(limit)).all()
    items = [{"point_id": pl.point_id, "point_code": code, "unit": unit,
              "enterprise_id": pl.enterprise_id, "ts": pl.ts, "value": pl.value,
              "quality": pl.quality, "seq": pl.seq} for pl, code, unit in rows]
    seq = max((pl.seq for pl, _, _ in rows), default=since)
    return {"items": items, "seq": seq}


def history(session: Session, point_id: int, *, start: datetime, end: datetime,
            granularity: str, limit: int = 5000) -> list[dict[str, Any]]:
    """Readings of one point over [start, end): raw, or hour/day/month rollups."""
    if granularity == "raw":
        rows = session.execute(select(Reading.ts, Reading.value, Reading.quality).where(
            Reading.point_id == point_id, Reading.ts >= start, Reading.ts < end)
            .order_by(Reading.ts).limit(limit))
        return [{"ts": ts, "value": v, "quality": q} for ts, v, q in rows]
    out = []
    for r in session.scalars(select(ReadingRollup).where(
            rollup_keys_filter([point_id], granularity, start, end))
            .order_by(ReadingRollup.bucket).limit(limit)):
        out.append({"ts": r.bucket, "count": r.count, "mean": meter.mean(r.sum_value, r.count),
                    "min": r.min_value, "max": r.max_value, "last": r.last_value,
                    "consumption": r.consumption})
    return out
