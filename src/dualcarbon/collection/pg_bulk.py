"""The PostgreSQL path of the ingestion service: a handful of statements per batch whatever its
size (docs/decisions/0020-ingestion-pipeline.md, 0036-ingest-rollups-in-one-pass.md).

1. (service._prior_reads has locked the newest stored read of the batch's cumulative points:
   two batches of one register are serialised, so each sees the other's last read)
2. ``COPY`` the validated rows straight into ``readings`` under a savepoint. If a (point, ts) is
   already stored the savepoint is rolled back and the rows go through a temporary staging
   table and ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (first write wins): only the rows
   this batch stored count;
3. the hour/day/month aggregates of the new rows in Python, one pass (core/rollup.py, the same
   code the SQLite path uses), then ``COPY`` into a staging table and one
   ``INSERT … ON CONFLICT DO UPDATE`` into ``reading_rollups``;
4. one upsert of ``point_latest`` (only ever forward in time).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from dualcarbon.collection import partitions
from dualcarbon.collection.models import PointLatest, ReadingRollup
from dualcarbon.core.readings import Acc

if TYPE_CHECKING:
    from dualcarbon.collection import service

STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    point_id bigint, ts timestamptz, value numeric, quality varchar(2)) ON COMMIT DELETE ROWS;
DELETE FROM ingest_stage;
"""
# (DELETE, not TRUNCATE: the table is empty unless an earlier call of the same transaction used
# it, and TRUNCATE of a temporary table creates new files every time.)

ROLLUP_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS rollup_stage (
    point_id bigint, grain varchar(1), bucket timestamptz, count integer, sum_value numeric,
    min_value numeric, max_value numeric, first_ts timestamptz, first_value numeric,
    last_ts timestamptz, last_value numeric, consumption numeric) ON COMMIT DELETE ROWS;
DELETE FROM rollup_stage;
"""

# some (point, ts) of the batch were stored already (a resend, an overlap): first write wins
INSERT_NEW = text("""
INSERT INTO readings (point_id, ts, value, quality, batch_id)
SELECT point_id, ts, value, quality, :batch FROM ingest_stage
ON CONFLICT (point_id, ts) DO NOTHING
RETURNING point_id, ts
""")

MERGE_ROLLUPS = text("""
INSERT INTO reading_rollups AS r (point_id, grain, bucket, count, sum_value, min_value,
    max_value, first_ts, first_value, last_ts, last_value, consumption)
SELECT point_id, grain, bucket, count, sum_value, min_value, max_value, first_ts, first_value,
       last_ts, last_value, consumption FROM rollup_stage
ORDER BY point_id, grain, bucket
ON CONFLICT (point_id, grain, bucket) DO UPDATE SET
    count = r.count + excluded.count,
    sum_value = r.sum_value + excluded.sum_value,
    min_value = least(r.min_value, excluded.min_value),  -- least/greatest skip NULLs
    max_value = greatest(r.max_value, excluded.max_value),
    first_value = CASE WHEN excluded.first_ts < r.first_ts OR r.first_ts IS NULL
                       THEN excluded.first_value ELSE r.first_value END,
    first_ts = CASE WHEN excluded.first_ts < r.first_ts OR r.first_ts IS NULL
                    THEN excluded.first_ts ELSE r.first_ts END,
    last_value = CASE WHEN excluded.last_ts > r.last_ts OR r.last_ts IS NULL
                      THEN excluded.last_value ELSE r.last_value END,
    last_ts = CASE WHEN excluded.last_ts > r.last_ts OR r.last_ts IS NULL
                   THEN excluded.last_ts ELSE r.last_ts END,
    consumption = CASE WHEN excluded.consumption IS NULL THEN r.consumption
                       ELSE coalesce(r.consumption, 0) + excluded.consumption END
""")

LATEST_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS latest_stage (
    point_id bigint, enterprise_id bigint, ts timestamptz, value numeric, quality varchar(2))
    ON COMMIT DELETE ROWS;
DELETE FROM latest_stage;
"""

UPSERT_LATEST = text("""
INSERT INTO point_latest AS p (point_id, park_id, enterprise_id, ts, value, quality, seq,
                               updated_at)
SELECT point_id, :park, enterprise_id, ts, value, quality, :seq, :now FROM latest_stage
ORDER BY 1
ON CONFLICT (point_id) DO UPDATE SET ts = excluded.ts, value = excluded.value,
    quality = excluded.quality, seq = excluded.seq, updated_at = excluded.updated_at
WHERE p.ts < excluded.ts
""")


def _copy(session: Session, sql: str, data: bytes) -> None:
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(sql) as copy:
        copy.write(data)


def store_readings(session: Session, batch_id: int, rows: service.Valid) -> service.Valid:
    """Store the rows (first write wins); the rows this batch stored."""
    conn = session.connection()
    iso = {ts: ts.isoformat() for ts in set(rows.ts)}
    partitions.ensure(session, {partitions.month_of(ts) for ts in iso})
    # COPY text format built directly: values are plain decimals, quality flags are letters
    lines = [f"{pid}\t{iso[ts]}\t{v}\t{q}\t{batch_id}\n" for pid, ts, v, q in
             zip(rows.point_id, rows.ts, rows.value, rows.quality, strict=True)]
    try:
        with conn.begin_nested():
            _copy(session, "COPY readings (point_id, ts, value, quality, batch_id) FROM STDIN",
                  "".join(lines).encode())
        return rows
    except psycopg.errors.UniqueViolation:
        pass
    conn.exec_driver_sql(STAGE)
    _copy(session, "COPY ingest_stage (point_id, ts, value, quality) FROM STDIN",
          "".join(line.rsplit("\t", 1)[0] + "\n" for line in lines).encode())
    stored = {(pid, ts) for pid, ts in conn.execute(INSERT_NEW, {"batch": batch_id})}
    return rows.only(stored)


def _num(v: Decimal | None) -> str:
    # str() of a Decimal may use an exponent (1.5E-7); numeric reads it with the same scale
    return "\\N" if v is None else str(v)


def merge_rollups(session: Session, accs: dict[tuple[int, str, datetime], Acc]) -> None:
    """Add ``accs`` into the stored rollups: one COPY and one upsert."""
    if not accs:
        return
    iso: dict[datetime | None, str] = {None: "\\N"}

    def when(t: datetime | None) -> str:
        s = iso.get(t)
        if s is None:
            s = iso[t] = t.isoformat()  # type: ignore[union-attr]
        return s

    data = "".join([
        f"{pid}\t{g}\t{when(b)}\t{a.count}\t{a.sum_value}\t{_num(a.min_value)}\t"
        f"{_num(a.max_value)}\t{when(a.first_ts)}\t{_num(a.first_value)}\t{when(a.last_ts)}\t"
        f"{_num(a.last_value)}\t{_num(a.consumption)}\n"
        for (pid, g, b), a in accs.items()])
    session.connection().exec_driver_sql(ROLLUP_STAGE)
    _copy(session, "COPY rollup_stage FROM STDIN", data.encode())
    session.connection().execute(MERGE_ROLLUPS)
    _expire(session)


def upsert_latest(session: Session, park_id: int, rows: service.Valid,
                  newest: dict[int, int], seq: int, now: datetime) -> None:
    points, ts, value, quality = rows.points, rows.ts, rows.value, rows.quality
    data = "".join([f"{p}\t{points[p].enterprise_id}\t{ts[i].isoformat()}\t{value[i]}\t"
                    f"{quality[i]}\n" for p, i in newest.items()])
    session.connection().exec_driver_sql(LATEST_STAGE)
    _copy(session, "COPY latest_stage FROM STDIN", data.encode())
    session.connection().execute(UPSERT_LATEST, {"park": park_id, "seq": seq, "now": now})
    _expire(session)


def _expire(session: Session) -> None:
    # rows changed behind the ORM's back: objects already loaded must not show stale values
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ReadingRollup | PointLatest):
            session.expire(obj)
