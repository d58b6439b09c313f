"""Daily records (日记录), monthly ledgers (月台帐), meter replacements (换表记录), invoice and
manual entries (结算发票/手工台帐) and the ledger-vs-invoice cross-check (8.4-b).

Everything here reads rollups (never raw readings) and the entries; the arithmetic lives in
core/meter.py. ``monthly_quantities`` is what the accounting engine calls for activity data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import BigInteger, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.collection.errors import CollectionNotFound, DuplicateEntry
from dualcarbon.collection.models import InvoiceEntry, MeterReplacement, Reading, ReadingRollup
from dualcarbon.collection.service import (
    consumption_changes,
    merge_rollups,
    park_timezone,
    restrict,
)
from dualcarbon.core import alarms, meter
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.core.readings import Acc
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.registry.models import MeteringPoint, Park

MAX_POINTS = 2000


def visible_points(session: Session, scope: Scope, *, park_id: int | None = None,
                   enterprise_id: int | None = None,
                   point_id: int | None = None) -> list[tuple[MeteringPoint, str]]:
    """Points within the scope (and filters) with their park's time zone."""
    stmt = (select(MeteringPoint, Park.timezone).join(Park, Park.id == MeteringPoint.park_id)
            .where(scope.filter_for(MeteringPoint)))
    if park_id is not None:
        stmt = stmt.where(MeteringPoint.park_id == park_id)
    if enterprise_id is not None:
        stmt = stmt.where(MeteringPoint.enterprise_id == enterprise_id)
    if point_id is not None:
        stmt = stmt.where(MeteringPoint.id == point_id)
    rows = session.execute(stmt.order_by(MeteringPoint.enterprise_id, MeteringPoint.code)
                           .limit(MAX_POINTS)).all()
    return [(p, tz or "Asia/Shanghai") for p, tz in rows]


_LINE_COLS = (MeteringPoint.id, MeteringPoint.code, MeteringPoint.name, MeteringPoint.enterprise_id,
              MeteringPoint.medium, MeteringPoint.unit, MeteringPoint.measurement,
              MeteringPoint.expected_interval_seconds)


def _point_rows(session: Session, scope: Scope, *, park_id: int | None = None,
                enterprise_id: int | None = None,
                point_id: int | None = None) -> list[tuple[Any, str]]:
    """As ``visible_points``, the columns a ledger line shows instead of ORM objects (a large
    enterprise has a thousand points; loading each as an entity costs more than the query)."""
    stmt = (select(*_LINE_COLS, Park.timezone).join(Park, Park.id == MeteringPoint.park_id)
            .where(scope.filter_for(MeteringPoint)))
    if park_id is not None:
        stmt = stmt.where(MeteringPoint.park_id == park_id)
    if enterprise_id is not None:
        stmt = stmt.where(MeteringPoint.enterprise_id == enterprise_id)
    if point_id is not None:
        stmt = stmt.where(MeteringPoint.id == point_id)
    rows = session.execute(stmt.order_by(MeteringPoint.enterprise_id, MeteringPoint.code)
                           .limit(MAX_POINTS)).all()
    return [(r, r.timezone or "Asia/Shanghai") for r in rows]


def require_point(session: Session, scope: Scope, point_id: int) -> tuple[MeteringPoint, str]:
    found = visible_points(session, scope, point_id=point_id)
    if not found:
        raise CollectionNotFound()
    return found[0]


def local_start(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def rollup_figures(session: Session, point_ids: Sequence[int], grain: str, start: datetime,
             end: datetime) -> dict[tuple[int, datetime], meter.BucketFigures]:
    """Rollup figures by (point, bucket): plain columns, no ORM objects (the ledger of a large
    enterprise reads thousands of rows)."""
    out: dict[tuple[int, datetime], meter.BucketFigures] = {}
    if not point_ids:
        return out
    r = ReadingRollup
    stmt = select(r.point_id, r.bucket, r.count, r.consumption, r.sum_value, r.min_value,
                  r.max_value, r.first_value, r.last_value).where(
        r.grain == grain, r.bucket >= start, r.bucket < end)
    for row in session.connection().execute(restrict(session, stmt, r.point_id, point_ids,
                                                     BigInteger)):
        out[(row[0], row[1])] = meter.BucketFigures(*row[2:])
    return out


def point_columns(p: Any) -> dict[str, Any]:
    return {"point_id": p.id, "point_code": p.code, "point_name": p.name,
            "enterprise_id": p.enterprise_id, "medium": p.medium, "unit": p.unit,
            "measurement": p.measurement}


# --------------------------------------------------------------------------- daily records


def _first_days(session: Session, point_ids: Sequence[int]) -> dict[int, datetime]:
    """The first day bucket with data of each point (UTC instant of the local midnight)."""
    if not point_ids:
        return {}
    rows = session.execute(
        select(ReadingRollup.point_id, func.min(ReadingRollup.bucket)).where(
            ReadingRollup.point_id.in_(list(point_ids)), ReadingRollup.grain == "d")
        .group_by(ReadingRollup.point_id))
    return {int(pid): first for pid, first in rows}


def daily_records(session: Session, scope: Scope, *, date_from: date, date_to: date,
                  park_id: int | None = None, enterprise_id: int | None = None,
                  point_id: int | None = None, now: datetime | None = None
                  ) -> list[dict[str, Any]]:
    """日记录 per point and local day. A point with an expected interval also gets
    ``expected`` (readings due that day; today: up to now) and ``completeness_pct``
    (received / expected, at most 100), and its days without any reading — from its first day
    with data up to today — appear with 0 %."""
    if date_to < date_from or (date_to - date_from).days > 366:
        raise Invalid(field_errors=[FieldError(("query", "date_to"), "collection.range")])
    now = now or datetime.now(UTC)
    points = _point_rows(session, scope, park_id=park_id, enterprise_id=enterprise_id,
                         point_id=point_id)
    out: list[dict[str, Any]] = []
    by_tz: dict[str, list[Any]] = defaultdict(list)
    for p, tz in points:
        by_tz[tz].append(p)
    for tz, pts in by_tz.items():
        rollups = rollup_figures(session, [p.id for p in pts], "d", local_start(date_from, tz),
                           local_start(date_to + timedelta(days=1), tz))
        first = _first_days(session, [p.id for p in pts if p.expected_interval_seconds])
        for p in pts:
            interval = p.expected_interval_seconds
            day = date_from
            while day <= date_to:
                start, end = local_start(day, tz), local_start(day + timedelta(days=1), tz)
                row = rollups.get((p.id, start))
                expected = None
                if interval:
                    expected = alarms.expected_count((min(end, now) - start).total_seconds(),
                                                     interval)
                missing = (row is None and interval is not None and start < now
                           and p.id in first and first[p.id] <= start)
                if row is not None or missing:
                    rec = meter.daily_record(row, cumulative=p.measurement == "cumulative",
                                             expected_count=expected)
                    out.append({**point_columns(p), "day": day, "quantity": rec.quantity,
                                "count": rec.count, "min_value": rec.min_value,
                                "max_value": rec.max_value, "first_read": rec.first_read,
                                "last_read": rec.last_read,
                                "expected_interval_seconds": interval,
                                "expected": rec.expected_count,
                                "completeness_pct": rec.completeness_pct})
                day += timedelta(days=1)
    return out


# --------------------------------------------------------------------------- monthly ledgers


def _months(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


def _entries(session: Session, point_ids: Sequence[int], first: date,
             last: date) -> dict[tuple[int, date, str], InvoiceEntry]:
    if not point_ids:
        return {}
    stmt = select(InvoiceEntry).where(InvoiceEntry.month >= first, InvoiceEntry.month <= last)
    return {(e.point_id, e.month, e.kind): e for e in session.scalars(
        restrict(session, stmt, InvoiceEntry.point_id, point_ids, BigInteger))}


def monthly_ledger(session: Session, scope: Scope, *, year: int, park_id: int | None = None,
                   enterprise_id: int | None = None, point_id: int | None = None,
                   month: int | None = None, tolerance_pct: Decimal = Decimal(2),
                   only_with_data: bool = True) -> list[dict[str, Any]]:
    """月台帐: one line per point and month with the quantity feeding accounting, its source
    (meter → invoice → manual) and the meter-vs-invoice deviation."""
    points = _point_rows(session, scope, park_id=park_id, enterprise_id=enterprise_id,
                         point_id=point_id)
    months = [date(year, month, 1)] if month else _months(year)
    entries = _entries(session, [p.id for p, _ in points], months[0], months[-1])
    by_tz: dict[str, list[Any]] = defaultdict(list)
    for p, tz in points:
        by_tz[tz].append(p)
    out: list[dict[str, Any]] = []
    for tz, pts in by_tz.items():
        end_month = date(months[-1].year + (months[-1].month == 12),
                         months[-1].month % 12 + 1, 1)
        rollups = rollup_figures(session, [p.id for p in pts], "m", local_start(months[0], tz),
                           local_start(end_month, tz))
        starts = [(m, local_start(m, tz)) for m in months]
        for p in pts:
            cols = point_columns(p)
            for m, start in starts:
                row = rollups.get((p.id, start))
                inv = entries.get((p.id, m, "invoice"))
                man = entries.get((p.id, m, "manual"))
                if only_with_data and row is None and inv is None and man is None:
                    continue
                line = meter.ledger_line(
                    row,
                    cumulative=p.measurement == "cumulative",
                    invoice=inv.quantity if inv else None, manual=man.quantity if man else None,
                    tolerance_pct=tolerance_pct)
                out.append({**cols, "month": f"{m.year:04d}-{m.month:02d}",
                            "quantity": line.quantity, "source": line.source,
                            "meter_quantity": line.meter_quantity,
                            "invoice_quantity": line.invoice_quantity,
                            "manual_quantity": line.manual_quantity, "readings": line.readings,
                            "deviation_pct": line.deviation_pct, "check": line.check,
                            "invoice_document_no": inv.document_no if inv else None})
    return out


def monthly_quantities(session: Session, scope: Scope, *, enterprise_id: int, year: int,
                       month: int) -> list[dict[str, Any]]:
    """Activity data for the accounting engine: per point, the month's quantity and source."""
    return monthly_ledger(session, scope, year=year, month=month, enterprise_id=enterprise_id)


def cross_check(session: Session, scope: Scope, *, year: int, park_id: int | None = None,
                enterprise_id: int | None = None, tolerance_pct: Decimal = Decimal(2)
                ) -> list[dict[str, Any]]:
    """8.4-b: the lines that have a settlement invoice, with the meter's figure and the
    deviation % per month."""
    lines = monthly_ledger(session, scope, year=year, park_id=park_id,
                           enterprise_id=enterprise_id, tolerance_pct=tolerance_pct)
    return [line for line in lines if line["invoice_quantity"] is not None]


# --------------------------------------------------------------------------- replacements


def _reads_around(session: Session, point_id: int,
                  at: datetime) -> list[tuple[datetime, Decimal]]:
    before = session.execute(select(Reading.ts, Reading.value).where(
        Reading.point_id == point_id, Reading.ts < at).order_by(Reading.ts.desc()).limit(1)).first()
    after = session.execute(select(Reading.ts, Reading.value).where(
        Reading.point_id == point_id, Reading.ts >= at).order_by(Reading.ts).limit(1)).first()
    return [(r[0], r[1]) for r in (before, after) if r is not None]


def _swaps(session: Session, point_id: int) -> list[meter.Replacement]:
    return [meter.Replacement(m.replaced_at, m.old_final_value, m.new_initial_value)
            for m in session.scalars(select(MeterReplacement).where(
                MeterReplacement.point_id == point_id))]


def _reapply(session: Session, point: MeteringPoint, at: datetime,
             old_swaps: list[meter.Replacement], new_swaps: list[meter.Replacement]) -> None:
    """Correct the consumption of the interval that contains ``at`` after a replacement record
    was added or removed (the rollups were computed with ``old_swaps``)."""
    chain = _reads_around(session, point.id, at)
    if len(chain) < 2 or point.measurement != "cumulative":
        return
    tz = park_timezone(session, point.park_id)
    minus = consumption_changes([], chain, old_swaps, point.multiplier, tz)
    plus = consumption_changes([], chain, new_swaps, point.multiplier, tz)
    accs: dict[tuple[int, str, datetime], Acc] = {}
    for key in set(minus) | set(plus):
        delta = plus.get(key, Decimal(0)) - minus.get(key, Decimal(0))
        if delta:
            acc = Acc()
            acc.add_consumption(delta)
            accs[(point.id, key[0], key[1])] = acc
    if accs:
        merge_rollups(session, accs)


def create_replacement(session: Session, scope: Scope, actor: Actor,
                       data: BaseModel) -> MeterReplacement:
    values = data.model_dump()
    point, _ = require_point(session, scope, values["point_id"])
    scope.require_writable(point.park_id, point.enterprise_id)
    if point.measurement != "cumulative":
        raise Invalid(field_errors=[FieldError(("body", "point_id"),
                                               "collection.replacement.not-cumulative")])
    old = _swaps(session, point.id)
    row = MeterReplacement(park_id=point.park_id, enterprise_id=point.enterprise_id,
                           created_by=actor.username, **values)
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise DuplicateEntry() from exc
    _reapply(session, point, row.replaced_at, old, _swaps(session, point.id))
    audit.record(session, actor, "create", object_type="meter_replacement", object_id=row.id,
                 object_label=point.code, after=audit.snapshot(row), park_id=row.park_id,
                 enterprise_id=row.enterprise_id)
    return row


def list_replacements(session: Session, scope: Scope, *, page: int, size: int,
                      enterprise_id: int | None = None,
                      point_id: int | None = None) -> Page[MeterReplacement]:
    stmt = select(MeterReplacement).where(scope.filter_for(MeterReplacement))
    if enterprise_id:
        stmt = stmt.where(MeterReplacement.enterprise_id == enterprise_id)
    if point_id:
        stmt = stmt.where(MeterReplacement.point_id == point_id)
    return paginate(session, stmt.order_by(MeterReplacement.replaced_at.desc(),
                                           MeterReplacement.id), page, size)


def delete_replacement(session: Session, scope: Scope, actor: Actor, item_id: int) -> None:
    row = session.scalar(select(MeterReplacement).where(
        MeterReplacement.id == item_id, scope.filter_for(MeterReplacement)))
    if row is None:
        raise CollectionNotFound()
    scope.require_writable(row.park_id, row.enterprise_id)
    point = session.get(MeteringPoint, row.point_id)
    before = audit.snapshot(row)
    old = _swaps(session, row.point_id)
    at = row.replaced_at
    session.delete(row)
    session.flush()
    if point is not None:
        _reapply(session, point, at, old, _swaps(session, point.id))
    audit.record(session, actor, "delete", object_type="meter_replacement", object_id=item_id,
                 before=before, park_id=before["park_id"], enterprise_id=before["enterprise_id"])


# --------------------------------------------------------------------------- invoice entries


def create_entry(session: Session, scope: Scope, actor: Actor, data: BaseModel) -> InvoiceEntry:
    values = data.model_dump()
    point, _ = require_point(session, scope, values["point_id"])
    scope.require_writable(point.park_id, point.enterprise_id)
    if values.get("unit") and values["unit"] != point.unit:
        raise Invalid(field_errors=[FieldError(("body", "unit"), "ingest.unit-mismatch")])
    values["unit"] = point.unit
    row = InvoiceEntry(park_id=point.park_id, enterprise_id=point.enterprise_id,
                       created_by=actor.username, **values)
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise DuplicateEntry() from exc
    audit.record(session, actor, "create", object_type="invoice_entry", object_id=row.id,
                 object_label=f"{point.code} {row.month:%Y-%m}", after=audit.snapshot(row),
                 park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def _entry(session: Session, scope: Scope, item_id: int) -> InvoiceEntry:
    row = session.scalar(select(InvoiceEntry).where(InvoiceEntry.id == item_id,
                                                    scope.filter_for(InvoiceEntry)))
    if row is None:
        raise CollectionNotFound()
    return row


def update_entry(session: Session, scope: Scope, actor: Actor, item_id: int,
                 data: BaseModel) -> InvoiceEntry:
    row = _entry(session, scope, item_id)
    scope.require_writable(row.park_id, row.enterprise_id)
    before = audit.snapshot(row)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None or key in ("document_no", "supplier", "amount_cny", "note"):
            setattr(row, key, value)
    session.flush()
    b, a = audit.diff(before, audit.snapshot(row))
    audit.record(session, actor, "update", object_type="invoice_entry", object_id=row.id,
                 before=b, after=a, park_id=row.park_id, enterprise_id=row.enterprise_id)
    return row


def delete_entry(session: Session, scope: Scope, actor: Actor, item_id: int) -> None:
    row = _entry(session, scope, item_id)
    scope.require_writable(row.park_id, row.enterprise_id)
    before = audit.snapshot(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "delete", object_type="invoice_entry", object_id=item_id,
                 before=before, park_id=before["park_id"], enterprise_id=before["enterprise_id"])


def list_entries(session: Session, scope: Scope, *, page: int, size: int,
                 enterprise_id: int | None = None, point_id: int | None = None,
                 year: int | None = None) -> Page[InvoiceEntry]:
    stmt = select(InvoiceEntry).where(scope.filter_for(InvoiceEntry))
    if enterprise_id:
        stmt = stmt.where(InvoiceEntry.enterprise_id == enterprise_id)
    if point_id:
        stmt = stmt.where(InvoiceEntry.point_id == point_id)
    if year:
        stmt = stmt.where(InvoiceEntry.month >= date(year, 1, 1),
                          InvoiceEntry.month <= date(year, 12, 1))
    return paginate(session, stmt.order_by(InvoiceEntry.month.desc(), InvoiceEntry.id),
                    page, size)
