"""Reading corrections (数据修正, decision 0033).

A stored reading's value can be corrected by an authorised user with a reason. ``readings`` keeps
the effective value (so every reader — rollups, ledgers, CEMS, alarms — sees the correction with
no extra join); ``reading_corrections`` keeps the history: the value as first received, the value
before and after each correction, the reason, who and when. The change is applied to the
hour/day/month rollups of the point (statistics of the buckets holding the reading, and for a
cumulative register the consumption of the two intervals that end and start at it), to
``point_latest`` when it is the newest reading, to the CEMS hours computed from it (the hour and
its neighbours, whose substitutes may change), and audited. A device re-sending the original
value later changes nothing: ``(point, ts)`` is first-write-wins, the resend is a duplicate.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from dualcarbon.audit import service as audit
from dualcarbon.collection.ledgers import require_point
from dualcarbon.collection.models import (
    IngestBatch,
    PointLatest,
    Reading,
    ReadingCorrection,
    ReadingRollup,
)
from dualcarbon.collection.service import (
    _replacements,
    consumption_changes,
    merge_rollups,
)
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.core.readings import (
    GRAINS,
    Acc,
    ReadingRejected,
    bucket_start,
    check_value,
    next_bucket,
    parse_value,
)
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.registry.models import MeteringPoint

SOURCE = "correction"  # ingest_batches.source of a correction (its seq for point_latest)


def _set(obj: Any, attr: str, value: Decimal) -> None:
    """Assign a value even when it equals the old one as a number: 12.0 → 12.00 changes the
    significant digits, and the ORM's change detection (==) would not write it."""
    setattr(obj, attr, value)
    flag_modified(obj, attr)


def _neighbour(session: Session, point_id: int, ts: datetime,
               after: bool) -> tuple[datetime, Decimal] | None:
    stmt = select(Reading.ts, Reading.value).where(Reading.point_id == point_id)
    stmt = (stmt.where(Reading.ts > ts).order_by(Reading.ts) if after
            else stmt.where(Reading.ts < ts).order_by(Reading.ts.desc()))
    row = session.execute(stmt.limit(1)).first()
    return (row[0], row[1]) if row else None


def _bucket_extremes(session: Session, point_id: int, start: datetime,
                     end: datetime) -> tuple[Decimal | None, Decimal | None]:
    """Min and max of a bucket's readings, compared as decimals (on SQLite the column is text:
    SQL MIN/MAX would compare strings)."""
    values = list(session.scalars(select(Reading.value).where(
        Reading.point_id == point_id, Reading.ts >= start, Reading.ts < end)))
    return (min(values), max(values)) if values else (None, None)


def _apply(session: Session, point: MeteringPoint, tz: str, ts: datetime, old: Decimal,
           new: Decimal) -> None:
    """Rollups as if the reading had arrived with ``new``: statistics of the h/d/m buckets that
    hold ``ts``; consumption of the intervals (prev, ts] and (ts, next] of a register."""
    lock = session.get_bind().dialect.name == "postgresql"
    for grain in GRAINS:
        start = bucket_start(ts, grain, tz)
        stmt = select(ReadingRollup).where(
            ReadingRollup.point_id == point.id, ReadingRollup.grain == grain,
            ReadingRollup.bucket == start).execution_options(populate_existing=True)
        row = session.scalar(stmt.with_for_update() if lock else stmt)
        if row is None:  # a reading always has its buckets; nothing to adjust otherwise
            continue
        row.sum_value += new - old
        if row.first_ts == ts:
            _set(row, "first_value", new)
        if row.last_ts == ts:
            _set(row, "last_value", new)
        if old in (row.min_value, row.max_value):
            row.min_value, row.max_value = _bucket_extremes(
                session, point.id, start, next_bucket(start, grain, tz))
        else:
            row.min_value = new if row.min_value is None else min(row.min_value, new)
            row.max_value = new if row.max_value is None else max(row.max_value, new)
    session.flush()
    if point.measurement != "cumulative":
        return
    before = _neighbour(session, point.id, ts, after=False)
    after = _neighbour(session, point.id, ts, after=True)
    outer = [c for c in (before, after) if c is not None]
    old_chain = sorted([*outer, (ts, old)])
    new_chain = sorted([*outer, (ts, new)])
    swaps = _replacements(session, [point.id]).get(point.id, [])
    changes = consumption_changes(old_chain, new_chain, swaps, point.multiplier, tz)
    accs: dict[tuple[int, str, datetime], Acc] = defaultdict(Acc)
    for (grain, bucket), delta in changes.items():
        if delta:
            accs[(point.id, grain, bucket)].add_consumption(delta)
    if accs:
        merge_rollups(session, accs)


def _recompute_cems(session: Session, point_id: int, ts: datetime, now: datetime) -> None:
    # CEMS hours are computed from the readings (protocols owns them): a corrected CO2, flow,
    # moisture, temperature or pressure reading changes its hour at once, not at the next job
    from dualcarbon.protocols import cems_service

    cems_service.recompute_after_correction(session, point_id, ts, now)


def correct_reading(session: Session, scope: Scope, actor: Actor, *, point_id: int,
                    ts: datetime, value: Any, reason: str,
                    now: datetime | None = None) -> ReadingCorrection:
    now = now or utcnow()
    point, tz = require_point(session, scope, point_id)
    scope.require_writable(point.park_id, point.enterprise_id)
    ts = ts.astimezone(UTC) if ts.tzinfo else ts.replace(tzinfo=UTC)
    stmt = select(Reading).where(Reading.point_id == point.id, Reading.ts == ts)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    reading = session.scalar(stmt)
    if reading is None:
        raise Invalid(field_errors=[FieldError(("body", "ts"), "collection.correction.no-reading")])
    try:
        new = parse_value(value)
        check_value(new, unit=point.unit, cumulative=point.measurement == "cumulative")
    except ReadingRejected as exc:
        raise Invalid(field_errors=[FieldError(("body", "value"), exc.code)]) from None
    old = reading.value
    if new == old and str(new) == str(old):
        raise Invalid(field_errors=[FieldError(("body", "value"),
                                               "collection.correction.unchanged")])
    first = session.scalar(select(ReadingCorrection.original_value).where(
        ReadingCorrection.point_id == point.id, ReadingCorrection.ts == ts)
        .order_by(ReadingCorrection.id).limit(1))
    original = first if first is not None else old
    batch = IngestBatch(park_id=point.park_id, enterprise_id=point.enterprise_id, source=SOURCE,
                        received_at=now, created_by=actor.username[:64], rejected=[])
    session.add(batch)
    session.flush()
    _set(reading, "value", new)
    session.flush()
    _apply(session, point, tz, ts, old, new)
    _recompute_cems(session, point.id, ts, now)
    latest = session.get(PointLatest, point.id, populate_existing=True)
    if latest is not None and latest.ts == ts:
        _set(latest, "value", new)
        latest.seq, latest.updated_at = batch.id, now
    row = ReadingCorrection(park_id=point.park_id, enterprise_id=point.enterprise_id,
                            point_id=point.id, ts=ts, original_value=original, old_value=old,
                            new_value=new, reason=reason, batch_id=batch.id,
                            created_by=actor.username, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "correct", object_type="reading_correction", object_id=row.id,
                 object_label=f"{point.code} {ts.isoformat()}",
                 before={"value": format(old, "f")},
                 after={"value": format(new, "f"), "original_value": format(original, "f"),
                        "reason": reason, "ts": ts.isoformat()},
                 park_id=point.park_id, enterprise_id=point.enterprise_id)
    return row


def list_corrections(session: Session, scope: Scope, *, page: int, size: int,
                     enterprise_id: int | None = None, point_id: int | None = None,
                     start: datetime | None = None,
                     end: datetime | None = None) -> Page[ReadingCorrection]:
    stmt = select(ReadingCorrection).where(scope.filter_for(ReadingCorrection))
    if enterprise_id:
        stmt = stmt.where(ReadingCorrection.enterprise_id == enterprise_id)
    if point_id:
        stmt = stmt.where(ReadingCorrection.point_id == point_id)
    if start:
        stmt = stmt.where(ReadingCorrection.ts >= start)
    if end:
        stmt = stmt.where(ReadingCorrection.ts < end)
    return paginate(session, stmt.order_by(ReadingCorrection.id.desc()), page, size)


def correction_out(session: Session, rows: list[ReadingCorrection]) -> list[dict[str, Any]]:
    points = {p.id: p for p in session.scalars(select(MeteringPoint).where(
        MeteringPoint.id.in_({r.point_id for r in rows})))} if rows else {}
    out = []
    for r in rows:
        p = points.get(r.point_id)
        out.append({c.key: getattr(r, c.key) for c in r.__mapper__.column_attrs}
                   | {"point_code": p.code if p else None, "point_name": p.name if p else None,
                      "unit": p.unit if p else None})
    return out


def corrected_marks(session: Session, point_id: int, start: datetime,
                    end: datetime) -> dict[datetime, Decimal]:
    """Readings of a point in [start, end) that were corrected → their value as received."""
    out: dict[datetime, Decimal] = {}
    for ts, original in session.execute(select(
            ReadingCorrection.ts, ReadingCorrection.original_value).where(
            ReadingCorrection.point_id == point_id, ReadingCorrection.ts >= start,
            ReadingCorrection.ts < end).order_by(ReadingCorrection.id)):
        out.setdefault(ts, original)
    return out
