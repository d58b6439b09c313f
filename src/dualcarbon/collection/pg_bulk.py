"""The PostgreSQL path of the ingestion service: set-based, a handful of statements per batch
whatever its size (docs/decisions/0020-ingestion-pipeline.md).

1. ``COPY`` the validated rows into a temporary staging table;
2. one ``INSERT … SELECT`` into ``readings`` under a savepoint; if a (point, ts) is already
   stored it is rolled back and ``INSERT … ON CONFLICT DO NOTHING`` stores the others (first
   write wins). When every row was new (the common case) the staging table *is* the set of new
   rows, otherwise they are picked by this batch's id into a second temporary table;
3. one ``INSERT … ON CONFLICT DO UPDATE`` for the hour, day and month rollups together, the
   interval consumption of cumulative registers computed in the same statement by a window over
   (latest read ∪ new reads), rollover and reset as in core/meter.py — points with late reads
   or with meter replacements go through the Python path instead (the same functions SQLite
   uses) — and, in the same statement, the upsert of ``point_latest``.

Same results as the portable path, checked by the same tests on both databases.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dualcarbon.collection import partitions
from dualcarbon.collection.models import PointLatest, ReadingRollup
from dualcarbon.core.readings import Acc

if TYPE_CHECKING:
    from dualcarbon.collection import service

STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    point_id bigint, ts timestamptz, value numeric, quality varchar(2)) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_new (
    point_id bigint, ts timestamptz, value numeric, quality varchar(2)) ON COMMIT DELETE ROWS;
DELETE FROM ingest_stage;
DELETE FROM ingest_new;
"""
# (DELETE, not TRUNCATE: the tables are empty unless an earlier call of the same transaction
# used them, and TRUNCATE of a temporary table creates new files every time.)

# Most batches carry only new readings: a plain INSERT first (under a savepoint), and only if
# some (point, ts) is already stored the INSERT … ON CONFLICT DO NOTHING, whose speculative
# insertion costs about half as much again per row.
INSERT_ALL = text("""
INSERT INTO readings (point_id, ts, value, quality, batch_id)
SELECT point_id, ts, value, quality, :batch FROM ingest_stage
""")

INSERT = text("""
INSERT INTO readings (point_id, ts, value, quality, batch_id)
SELECT point_id, ts, value, quality, :batch FROM ingest_stage
ON CONFLICT (point_id, ts) DO NOTHING
""")

# some rows were already stored (a resend, an overlap): the new ones are those this batch wrote
PICK_NEW = text("""
INSERT INTO ingest_new
SELECT s.point_id, s.ts, s.value, s.quality FROM ingest_stage s
JOIN readings r ON r.point_id = s.point_id AND r.ts = s.ts
WHERE r.batch_id = :batch
""")

# cumulative points whose new reads are not all after the latest stored read (late data), or
# with a meter replacement: their consumption goes through the Python path
SLOW_POINTS = """
SELECT n.point_id
FROM (SELECT point_id, min(ts) AS first_ts FROM {new} GROUP BY point_id) n
JOIN metering_points mp ON mp.id = n.point_id
LEFT JOIN point_latest pl ON pl.point_id = n.point_id
WHERE mp.measurement = 'cumulative'
  AND (pl.ts > n.first_ts
       OR EXISTS (SELECT 1 FROM meter_replacements m WHERE m.point_id = n.point_id))
"""

# One statement for the three grains. Consumption of in-order cumulative reads by a window over
# (latest stored read ∪ new reads), rollover and reset as in core/meter.py (modulus =
# 10^(digits of the integer part), at least 10); hours first (one pass over the new rows, the
# reads and the interval consumption keyed apart: a read at hh:00 closes the previous hour),
# then day and month from the hours with grouping sets. First/last value of a bucket with
# min/max over [epoch, value] arrays: no per-group sort.
ROLLUPS = """
WITH d AS (
    SELECT point_id, ts,
           CASE WHEN value >= v0 THEN value - v0
                WHEN v0 >= 0.9 * power(10::numeric, length(trunc(abs(v0))::text))
                     AND value < 0.1 * power(10::numeric, length(trunc(abs(v0))::text))
                THEN power(10::numeric, length(trunc(abs(v0))::text)) - v0 + value
                ELSE value END * mult AS delta
    FROM (
        SELECT c.point_id, c.ts, c.value, c.is_new, mp.multiplier AS mult,
               lag(c.value) OVER (PARTITION BY c.point_id ORDER BY c.ts) AS v0
        FROM (SELECT point_id, ts, value, true AS is_new FROM {new}
              UNION ALL
              SELECT pl.point_id, pl.ts, pl.value, false FROM point_latest pl
              WHERE pl.point_id IN (SELECT point_id FROM {new})) c
        JOIN metering_points mp ON mp.id = c.point_id
        WHERE mp.measurement = 'cumulative' AND c.point_id <> ALL(:slow)
    ) x
    WHERE is_new AND v0 IS NOT NULL),
hr AS (
    SELECT point_id, date_trunc('hour', ts AT TIME ZONE :tz) AS lb,
           count(*) AS cnt, sum(value) AS s, min(value) AS mn, max(value) AS mx,
           min(ts) AS ft, max(ts) AS lt,
           min(ARRAY[extract(epoch FROM ts), value]) AS fa,
           max(ARRAY[extract(epoch FROM ts), value]) AS la
    FROM {new} GROUP BY 1, 2),
ch AS (
    SELECT point_id,
           date_trunc('hour', (ts - interval '1 microsecond') AT TIME ZONE :tz) AS lb,
           sum(delta) AS cons
    FROM d GROUP BY 1, 2),
h AS (
    SELECT coalesce(hr.point_id, ch.point_id) AS point_id, coalesce(hr.lb, ch.lb) AS lb,
           date_trunc('day', coalesce(hr.lb, ch.lb)) AS ld,
           date_trunc('month', coalesce(hr.lb, ch.lb)) AS lm,
           hr.cnt, hr.s, hr.mn, hr.mx, hr.ft, hr.lt, hr.fa, hr.la, ch.cons
    FROM hr FULL JOIN ch ON hr.point_id = ch.point_id AND hr.lb = ch.lb),
agg AS (
    SELECT point_id,
           CASE WHEN GROUPING(lb) = 0 THEN 'h' WHEN GROUPING(ld) = 0 THEN 'd' ELSE 'm' END
               AS grain,
           coalesce(lb, ld, lm) AT TIME ZONE :tz AS bucket,
           coalesce(sum(cnt), 0) AS cnt, coalesce(sum(s), 0) AS s, min(mn) AS mn,
           max(mx) AS mx, min(ft) AS ft, (min(fa))[2] AS fv, max(lt) AS lt,
           (max(la))[2] AS lv, sum(cons) AS cons
    FROM h GROUP BY GROUPING SETS ((point_id, lb), (point_id, ld), (point_id, lm))),
-- point_latest in the same statement (it reads the latest values of before it, as d does)
latest AS (
    INSERT INTO point_latest AS p (point_id, park_id, enterprise_id, ts, value, quality, seq,
                                   updated_at)
    SELECT n.point_id, mp.park_id, mp.enterprise_id, n.ts, n.value, n.quality, :seq, :now
    FROM (SELECT point_id, max(lt) AS lt FROM hr GROUP BY point_id) t
    JOIN {new} n ON n.point_id = t.point_id AND n.ts = t.lt
    JOIN metering_points mp ON mp.id = n.point_id
    ORDER BY 1
    ON CONFLICT (point_id) DO UPDATE SET ts = excluded.ts, value = excluded.value,
        quality = excluded.quality, seq = excluded.seq, updated_at = excluded.updated_at
    WHERE p.ts < excluded.ts)
INSERT INTO reading_rollups AS r (point_id, grain, bucket, count, sum_value, min_value,
    max_value, first_ts, first_value, last_ts, last_value, consumption)
SELECT point_id, grain, bucket, cnt, s, mn, mx, ft, fv, lt, lv, cons FROM agg
ORDER BY 1, 2, 3
ON CONFLICT (point_id, grain, bucket) DO UPDATE SET
    count = r.count + excluded.count,
    sum_value = r.sum_value + excluded.sum_value,
    min_value = least(r.min_value, excluded.min_value),
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
"""

# the statements over the new rows, for each table they may sit in
_OVER = {table: {name: text(sql.format(new=table)) for name, sql in
                 (("slow", SLOW_POINTS), ("rollups", ROLLUPS))}
         for table in ("ingest_stage", "ingest_new")}


def store(session: Session, batch_id: int, rows: service.Valid, tz: str,
          now: datetime) -> int:
    """Store the validated rows of one batch; returns how many were new."""
    from dualcarbon.collection import service

    session.flush()
    conn = session.connection()
    iso = {ts: ts.isoformat() for ts in set(rows.ts)}
    partitions.ensure(session, {partitions.month_of(ts) for ts in iso})
    conn.exec_driver_sql(STAGE)
    raw = conn.connection.driver_connection
    assert raw is not None
    # COPY text format built directly: values are plain decimals, quality flags are letters
    data = "".join([f"{pid}\t{iso[ts]}\t{v:f}\t{q}\n" for pid, ts, v, q in
                    zip(rows.point_id, rows.ts, rows.value, rows.quality, strict=True)]).encode()
    with raw.cursor() as cur, cur.copy(
            "COPY ingest_stage (point_id, ts, value, quality) FROM STDIN") as copy:
        copy.write(data)
    try:
        with conn.begin_nested():
            accepted = conn.execute(INSERT_ALL, {"batch": batch_id}).rowcount
    except IntegrityError:  # some were stored already: first write wins
        accepted = conn.execute(INSERT, {"batch": batch_id}).rowcount
    if not accepted:
        return 0
    new_table = "ingest_stage"  # all rows new: the common case, nothing more to copy
    if accepted != len(rows):
        conn.execute(PICK_NEW, {"batch": batch_id})
        new_table = "ingest_new"
    sql = _OVER[new_table]
    slow = [pid for (pid,) in conn.execute(sql["slow"])]
    # consumption of late points (and points with replacements) in Python, before the rollup
    # statement moves point_latest: the same code as the portable path
    accs: dict[tuple[int, str, datetime], Acc] = defaultdict(Acc)
    if slow:
        multipliers = {pid: p.multiplier for pid, p in rows.points.items()}
        latest = {pid: (ts, v) for pid, ts, v in conn.execute(text(
            "SELECT point_id, ts, value FROM point_latest WHERE point_id = ANY(:p)"),
            {"p": slow})}
        new: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
        for pid, ts, v in conn.execute(text(
                f"SELECT point_id, ts, value FROM {new_table} WHERE point_id = ANY(:p)"),  # noqa: S608
                {"p": slow}):
            new[pid].append((ts, v))
        swaps = service._replacements(session, slow)
        for pid, reads in new.items():
            changes = service.point_consumption(session, pid, sorted(reads), latest.get(pid),
                                                swaps.get(pid, []), multipliers[pid], tz)
            for (g, bucket), delta in changes.items():
                accs[(pid, g, bucket)].add_consumption(delta)
    conn.execute(sql["rollups"], {"tz": tz, "slow": slow, "seq": batch_id, "now": now})
    if accs:
        service.merge_rollups(session, accs)
    # rows changed behind the ORM's back: objects already loaded must not show stale values
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ReadingRollup | PointLatest):
            session.expire(obj)
    return int(accepted)
