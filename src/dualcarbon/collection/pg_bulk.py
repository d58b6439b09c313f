"""The PostgreSQL path of the ingestion service: set-based, a handful of statements per batch
whatever its size (docs/decisions/0020-ingestion-pipeline.md).

1. ``COPY`` the validated rows into a temporary staging table;
2. one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` into ``readings`` (first write
   wins), the stored rows kept in a second temporary table;
3. interval consumption of cumulative registers with a window over (latest read ∪ new reads),
   rollover and reset as in core/meter.py — points with late reads or with meter replacements
   go through the Python path instead (the same functions SQLite uses);
4. one ``INSERT … ON CONFLICT DO UPDATE`` for the hour, day and month rollups together;
5. one upsert of ``point_latest``.

Same results as the portable path, checked by the same tests on both databases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from dualcarbon.collection import partitions
from dualcarbon.collection.models import PointLatest, ReadingRollup
from dualcarbon.core.readings import Acc

STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    point_id bigint, ts timestamptz, value numeric, quality varchar(2)) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_new (
    point_id bigint, ts timestamptz, value numeric, quality varchar(2)) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_delta (
    point_id bigint, ts timestamptz, delta numeric) ON COMMIT DELETE ROWS;
TRUNCATE ingest_stage, ingest_new, ingest_delta;
"""

INSERT_NEW = text("""
WITH ins AS (
    INSERT INTO readings (point_id, ts, value, quality, batch_id)
    SELECT point_id, ts, value, quality, :batch FROM ingest_stage
    ON CONFLICT (point_id, ts) DO NOTHING
    RETURNING point_id, ts, value, quality)
INSERT INTO ingest_new SELECT point_id, ts, value, quality FROM ins
""")

SLOW_POINTS = text("""
SELECT n.point_id FROM ingest_new n
LEFT JOIN point_latest pl ON pl.point_id = n.point_id
WHERE n.point_id = ANY(:cum)
GROUP BY n.point_id, pl.ts
HAVING (pl.ts IS NOT NULL AND min(n.ts) < pl.ts)
    OR EXISTS (SELECT 1 FROM meter_replacements m WHERE m.point_id = n.point_id)
""")

# interval consumption of in-order cumulative reads; modulus = 10^(digits of the integer part)
DELTAS = text("""
INSERT INTO ingest_delta (point_id, ts, delta)
SELECT point_id, ts,
       CASE WHEN value >= v0 THEN value - v0
            WHEN v0 >= 0.9 * m AND value < 0.1 * m THEN m - v0 + value
            ELSE value END * mult
FROM (
    SELECT c.point_id, c.ts, c.value, c.is_new, mp.multiplier AS mult,
           lag(c.value) OVER w AS v0,
           power(10::numeric, length(trunc(abs(lag(c.value) OVER w))::text)) AS m
    FROM (SELECT point_id, ts, value, true AS is_new FROM ingest_new
          WHERE point_id = ANY(:fast)
          UNION ALL
          SELECT point_id, ts, value, false FROM point_latest WHERE point_id = ANY(:fast)) c
    JOIN metering_points mp ON mp.id = c.point_id
    WINDOW w AS (PARTITION BY c.point_id ORDER BY c.ts)
) x
WHERE is_new AND v0 IS NOT NULL
""")

# Hours first (one pass over the new rows), then day and month from the hours. The first/last
# value of a bucket is taken with min/max over [epoch, value] arrays: no per-group sort.
ROLLUPS = text("""
WITH g(grain, unit) AS (VALUES ('h', 'hour'), ('d', 'day'), ('m', 'month')),
hr AS (
    SELECT point_id, date_trunc('hour', ts AT TIME ZONE :tz) AS lb,
           count(*) AS cnt, sum(value) AS s, min(value) AS mn, max(value) AS mx,
           min(ts) AS ft, max(ts) AS lt,
           min(ARRAY[extract(epoch FROM ts), value]) AS fa,
           max(ARRAY[extract(epoch FROM ts), value]) AS la
    FROM ingest_new GROUP BY 1, 2),
a AS (
    SELECT point_id, g.grain, date_trunc(g.unit, lb) AT TIME ZONE :tz AS bucket,
           sum(cnt) AS cnt, sum(s) AS s, min(mn) AS mn, max(mx) AS mx, min(ft) AS ft,
           (min(fa))[2] AS fv, max(lt) AS lt, (max(la))[2] AS lv
    FROM hr CROSS JOIN g GROUP BY 1, 2, 3),
dh AS (
    SELECT point_id, date_trunc('hour', (ts - interval '1 microsecond') AT TIME ZONE :tz) AS lb,
           sum(delta) AS cons
    FROM ingest_delta GROUP BY 1, 2),
c AS (
    SELECT point_id, g.grain, date_trunc(g.unit, lb) AT TIME ZONE :tz AS bucket,
           sum(cons) AS cons
    FROM dh CROSS JOIN g GROUP BY 1, 2, 3)
INSERT INTO reading_rollups AS r (point_id, grain, bucket, count, sum_value, min_value,
    max_value, first_ts, first_value, last_ts, last_value, consumption)
SELECT coalesce(a.point_id, c.point_id), coalesce(a.grain, c.grain),
       coalesce(a.bucket, c.bucket), coalesce(a.cnt, 0), coalesce(a.s, 0), a.mn, a.mx,
       a.ft, a.fv, a.lt, a.lv, c.cons
FROM a FULL JOIN c ON a.point_id = c.point_id AND a.grain = c.grain AND a.bucket = c.bucket
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
""")

LATEST = text("""
INSERT INTO point_latest AS p (point_id, park_id, enterprise_id, ts, value, quality, seq,
                               updated_at)
SELECT DISTINCT ON (n.point_id) n.point_id, mp.park_id, mp.enterprise_id, n.ts, n.value,
       n.quality, :seq, :now
FROM ingest_new n JOIN metering_points mp ON mp.id = n.point_id
ORDER BY n.point_id, n.ts DESC
ON CONFLICT (point_id) DO UPDATE SET ts = excluded.ts, value = excluded.value,
    quality = excluded.quality, seq = excluded.seq, updated_at = excluded.updated_at
WHERE p.ts < excluded.ts
""")


def store(session: Session, batch_id: int, rows: Sequence[Any], tz: str,
          now: datetime) -> int:
    """Store validated rows (service._Row) of one batch; returns how many were new."""
    from dualcarbon.collection import service

    session.flush()
    conn = session.connection()
    partitions.ensure(session, {partitions.month_of(r.ts) for r in rows})
    conn.exec_driver_sql(STAGE)
    raw = conn.connection.driver_connection
    assert raw is not None
    # COPY text format built directly: values are plain decimals, quality flags are letters
    data = "".join([f"{r.point.id}\t{r.ts.isoformat()}\t{r.value:f}\t{r.quality}\n"
                    for r in rows]).encode()
    with raw.cursor() as cur, cur.copy(
            "COPY ingest_stage (point_id, ts, value, quality) FROM STDIN") as copy:
        copy.write(data)
    accepted = conn.execute(INSERT_NEW, {"batch": batch_id}).rowcount
    if not accepted:
        return 0
    cumulative = sorted({r.point.id for r in rows if r.point.cumulative})
    slow: list[int] = []
    if cumulative:
        slow = [pid for (pid,) in conn.execute(SLOW_POINTS, {"cum": cumulative})]
        fast = sorted(set(cumulative) - set(slow))
        if fast:
            conn.execute(DELTAS, {"fast": fast})
    # consumption of late points (and points with replacements) in Python, before the rollup
    # statement and before point_latest moves: the same code as the portable path
    accs: dict[tuple[int, str, datetime], Acc] = defaultdict(Acc)
    if slow:
        multipliers = {r.point.id: r.point.multiplier for r in rows}
        latest = {pid: (ts, v) for pid, ts, v in conn.execute(text(
            "SELECT point_id, ts, value FROM point_latest WHERE point_id = ANY(:p)"),
            {"p": slow})}
        new: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
        for pid, ts, v in conn.execute(text(
                "SELECT point_id, ts, value FROM ingest_new WHERE point_id = ANY(:p)"),
                {"p": slow}):
            new[pid].append((ts, v))
        swaps = service._replacements(session, slow)
        for pid, reads in new.items():
            changes = service.point_consumption(session, pid, sorted(reads), latest.get(pid),
                                                swaps.get(pid, []), multipliers[pid], tz)
            for (g, bucket), delta in changes.items():
                accs[(pid, g, bucket)].add_consumption(delta)
    conn.execute(ROLLUPS, {"tz": tz})
    if accs:
        service.merge_rollups(session, accs)
    conn.execute(LATEST, {"seq": batch_id, "now": now})
    # rows changed behind the ORM's back: objects already loaded must not show stale values
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ReadingRollup | PointLatest):
            session.expire(obj)
    return int(accepted)
