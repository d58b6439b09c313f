"""Ingestion and ledger benchmark on PostgreSQL (not part of the test run).

1. HTTP batch ingestion: the real app (uvicorn, ``--workers``) on loopback, device batches exactly
   as the edge agent sends them (gzip JSON, HMAC-SM3 signature), several senders in parallel, each
   an agent with its own share of the points; readings/s and batch latency, against a raw
   ``COPY`` of the same rows into the same (emptied) ``readings`` table measured in the same run
   (before and after), with the CPU seconds spent by the server, PostgreSQL and the client, and
   the machine's load average (the machine is shared: the ratio is the honest figure).
2. A year of 15-minute data for ``--year-points`` points (1 000: 35 040 000 readings) loaded
   through the ingestion service by ``--year-loaders`` processes (rollups and latest values
   maintained as it goes, as the product does), then the monthly ledger (月台帐) query timed
   through the service: p50/p95 over repeated queries for the enterprise's month, single points
   and months, and whole years.

The bench database is dropped afterwards.

    PYTHONPATH=src python3 bench/ingest_bench.py [--points 1000] [--slots 200] [--batch 5000]
        [--senders 4] [--workers 2] [--year-points 1000] [--year-loaders 2]
        [--year-batch 10000] [--skip-http] [--skip-year] [--py-spy DIR]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import io
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dualcarbon.collection import ledgers, partitions  # noqa: E402
from dualcarbon.collection.models import DeviceKey  # noqa: E402
from dualcarbon.core import devicecrypto  # noqa: E402
from dualcarbon.db import crypto  # noqa: E402
from dualcarbon.db.engine import make_engine  # noqa: E402
from dualcarbon.db.migrate import upgrade  # noqa: E402
from dualcarbon.db.tenancy import Grant, Scope  # noqa: E402
from dualcarbon.registry.models import Enterprise, MeteringPoint, Park  # noqa: E402

PG = os.environ.get("DUALCARBON_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = f"dc_ingest_bench_{os.getpid()}"
T0 = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # 2025-01-01 00:00 Asia/Shanghai
SECRET = "bench-secret-" + "x" * 20


def admin(sql: str) -> None:
    with psycopg.connect(PG + "/postgres", autocommit=True) as c:
        c.execute(sql)


def setup(n_points: int) -> tuple[str, list[tuple[int, str]]]:
    admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DB}"')
    url = f"postgresql+psycopg://{PG.split('://', 1)[1]}/{DB}"
    engine = make_engine(url)
    upgrade(engine)
    crypto.configure(SECRET)
    with Session(engine) as s:
        park = Park(code="BENCH", name="基准园区", province_code="320000",
                    grid_region="east_china")
        s.add(park)
        s.flush()
        ent = Enterprise(park_id=park.id, code="E1", name="基准企业",
                         credit_code="91320500000000001X", industry_code="2614")
        s.add(ent)
        s.flush()
        pts = [MeteringPoint(park_id=park.id, enterprise_id=ent.id, code=f"BM{i:05d}",
                             name=f"表{i}", medium="electricity", unit="kWh",
                             measurement="cumulative") for i in range(n_points)]
        s.add_all(pts)
        s.add(DeviceKey(park_id=park.id, enterprise_id=ent.id, key_id="dk-bench", name="bench",
                        secret=SECRET, algorithm="hmac-sm3", created_by="bench"))
        s.commit()
        points = [(p.id, p.code) for p in pts]
    with engine.connect() as c:
        c.execute(text("ANALYZE"))  # as a database in use would have its statistics
        c.commit()
    engine.dispose()
    return url, points


def rows_for(points: list[tuple[int, str]], slots: int, start: datetime
             ) -> list[tuple[int, str, datetime, str]]:
    out = []
    for k in range(slots):
        ts = start + timedelta(minutes=15 * k)
        for pid, code in points:
            out.append((pid, code, ts, f"{pid * 1000 + k * 0.25:.2f}"))
    return out


def raw_copy(rows: list[tuple[int, str, datetime, str]]) -> float:
    buf = io.StringIO()
    for pid, _, ts, value in rows:
        buf.write(f"{pid}\t{ts.isoformat()}\t{value}\tN\t\\N\n")
    data = buf.getvalue().encode()
    with psycopg.connect(PG + "/" + DB) as c:
        months = {(ts.year, ts.month) for _, _, ts, _ in rows}
        for y, m in months:
            start = datetime(y, m, 1, tzinfo=UTC)
            c.execute(f"CREATE TABLE IF NOT EXISTS {partitions.partition_name(start.date())} "
                      f"PARTITION OF readings FOR VALUES FROM ('{start.isoformat()}') TO "
                      f"('{datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC).isoformat()}')")
        c.commit()
        t = time.perf_counter()
        with c.cursor() as cur, cur.copy(
                "COPY readings (point_id, ts, value, quality, batch_id) FROM STDIN") as cp:
            cp.write(data)
        c.commit()
        elapsed = time.perf_counter() - t
        c.execute("TRUNCATE readings, reading_rollups, point_latest, ingest_batches")
        c.commit()
    return elapsed


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DUALCARBON_DATABASE_URL": url, "DUALCARBON_SECURITY__SECRET_KEY": SECRET,
           "DUALCARBON_ENV": "test", "DUALCARBON_JOBS__RUN_IN_PROCESS": "false",
           "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "dualcarbon.server.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"], env=env)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def make_bodies(rows: list[tuple[int, str, datetime, str]], batch: int,
                senders: int) -> list[list[tuple[str, bytes]]]:
    """Per sender (a disjoint share of the points), its batches oldest first: (id, gzip JSON)
    exactly as the edge agent builds them."""
    out: list[list[tuple[str, bytes]]] = []
    for k in range(senders):
        mine = [r for r in rows if r[0] % senders == k]
        bodies = []
        for i in range(0, len(mine), batch):
            bid = f"bench-{k}-{i // batch:06d}-{secrets.token_hex(4)}"
            doc = {"batch_id": bid, "agent_id": f"bench{k}", "readings": [
                {"point": code, "ts": ts.isoformat().replace("+00:00", "Z"), "value": v,
                 "quality": "N"} for _, code, ts, v in mine[i:i + batch]]}
            bodies.append((bid, gzip.compress(json.dumps(doc, separators=(",", ":")).encode(),
                                              1)))
        out.append(bodies)
    return out


def proc_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes (gone ones count 0)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            out.extend(children(int(child)))
    return out


def backends() -> dict[int, float]:
    """The bench database's backends and the CPU seconds each has used so far."""
    with psycopg.connect(PG + "/postgres", autocommit=True) as c:
        pids = [pid for (pid,) in c.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = %s",
            (DB, "client backend"))]
    return {pid: proc_cpu([pid]) for pid in pids}


def backend_cpu(before: dict[int, float]) -> float:
    """CPU seconds the bench database's backends used since ``before`` (a backend that started
    since counts whole; one that ended since is lost, so connections are kept open)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in backends().items())


def http_ingest(port: int, queues: list[list[tuple[str, bytes]]]
                ) -> tuple[float, int, list[float]]:
    """Each sender is one edge agent with its own meters (a disjoint share of the points),
    sending its readings oldest first in batches of ``batch``, one after the other on one
    keep-alive connection. The bodies are built before the clock starts; the client signs each
    just before sending (the timestamp is part of the signature) with http.client, so that the
    client's own CPU stays small next to the server's (it is measured and printed)."""
    queues = [list(reversed(bodies)) for bodies in queues]
    accepted = 0
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def sender(queue: list[tuple[str, bytes]]) -> None:
        nonlocal accepted
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            while queue:
                bid, body = queue.pop()
                ts = int(time.time())
                headers = {"Content-Encoding": "gzip", "Content-Type": "application/json",
                           "X-Device-Key": "dk-bench", "X-Timestamp": str(ts),
                           "X-Batch-Id": bid,
                           "X-Signature": devicecrypto.sign(SECRET.encode(), "hmac-sm3", ts,
                                                            bid, body)}
                t = time.perf_counter()
                conn.request("POST", "/api/v1/ingest/batches", body=body, headers=headers)
                resp = conn.getresponse()
                answer = resp.read()
                dt = time.perf_counter() - t
                if resp.status != 200:
                    raise RuntimeError(f"{resp.status}: {answer[:300]!r}")
                with lock:
                    accepted += json.loads(answer)["accepted"]
                    latencies.append(dt)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=sender, args=(q,)) for q in queues]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    if errors:
        raise errors[0]
    return elapsed, accepted, latencies


def check_rollups(n_readings: int, n_points: int, slots: int) -> None:
    """What the concurrent senders left is what one ordered load gives: every reading counted
    once in each grain, each point's consumption (slots − 1) × 0.25 kWh, its latest read the
    last quarter-hour."""
    with psycopg.connect(PG + "/" + DB) as c:
        counts = dict(c.execute("SELECT grain, sum(count) FROM reading_rollups GROUP BY grain")
                      .fetchall())
        assert counts == dict.fromkeys("hdm", n_readings), counts
        bad = c.execute("""
            SELECT point_id, sum(consumption) FROM reading_rollups WHERE grain = 'm'
            GROUP BY point_id HAVING sum(consumption) IS DISTINCT FROM %s""",
                        (Decimal(slots - 1) / 4,)).fetchall()
        assert not bad, bad[:5]
        last = c.execute("SELECT count(*) FROM point_latest WHERE ts = %s",
                         (T0 + timedelta(minutes=15 * (slots - 1)),)).fetchone()
        assert last is not None and last[0] == n_points, last


def wal_lsn() -> int:
    with psycopg.connect(PG + "/postgres", autocommit=True) as c:
        row = c.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
    return int(row[0]) if row else 0


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _year_worker(url: str, park_id: int, points: list[tuple[int, str]], batch: int,
                 group: int, out: Any) -> None:
    """One loader process: its points in groups of ``group``, each group's year oldest first in
    batches of ``batch`` readings (group × consecutive quarter-hours), each batch through the
    ingestion service and committed — what an agent draining a backlog causes."""
    from dualcarbon.collection import service

    engine = make_engine(url)
    now = T0 + timedelta(days=400)
    n = 0
    with Session(engine) as s:
        for g in range(0, len(points), group):
            pts = points[g:g + group]
            slots_per_batch = max(1, batch // len(pts))
            for k0 in range(0, YEAR_SLOTS, slots_per_batch):
                readings = []
                for k in range(k0, min(k0 + slots_per_batch, YEAR_SLOTS)):
                    ts = T0 + timedelta(minutes=15 * k)
                    readings.extend((code, ts, Decimal(pid * 1000) + Decimal(k) / 4, "N", None)
                                    for pid, code in pts)
                res = service.ingest(s, park_id=park_id, readings=readings, source="import",
                                     batch_ref=None, now=now)
                s.commit()
                n += res.accepted
    engine.dispose()
    out.put(n)


YEAR_SLOTS = 365 * 96


def year(url: str, points: list[tuple[int, str]], n_points: int, loaders: int,
         batch: int) -> dict[str, Any]:
    """A year of 15-minute data for ``n_points`` points loaded through the ingestion service
    (rollups and point_latest maintained as it goes), then the monthly ledger queried."""
    import multiprocessing as mp

    engine = make_engine(url)
    pts = points[:n_points]
    out: dict[str, Any] = {}
    with engine.begin() as c:
        c.execute(text("TRUNCATE readings, reading_rollups, point_latest, ingest_batches"))
        park_id = c.execute(text("SELECT id FROM parks LIMIT 1")).scalar_one()
    print(f"year: loading {len(pts) * YEAR_SLOTS:,} readings with {loaders} loader processes, "
          f"batches of {batch} (load average {load()})", flush=True)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares = [pts[i::loaders] for i in range(loaders)]
    procs = [ctx.Process(target=_year_worker, args=(url, park_id, share, batch, 50, queue))
             for share in shares]
    t = time.perf_counter()
    for p in procs:
        p.start()
    loaded = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
        assert p.exitcode == 0, p.exitcode
    out["load_s"] = time.perf_counter() - t
    out["readings"] = loaded
    out["load_avg"] = load()
    with engine.begin() as c:
        out["stored"] = c.execute(text("SELECT count(*) FROM readings")).scalar_one()
        out["rollups"] = c.execute(text("SELECT count(*) FROM reading_rollups")).scalar_one()
        out["size"] = c.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))"
                                     )).scalar_one()
        c.execute(text("ANALYZE"))
    print(f"year: {loaded:,} readings loaded in {out['load_s']:.0f} s = "
          f"{loaded / out['load_s']:,.0f} readings/s ({out['rollups']:,} rollup rows, database "
          f"{out['size']}; load average {out['load_avg']})", flush=True)
    assert out["stored"] == loaded == len(pts) * YEAR_SLOTS, out
    engine.dispose()
    return out


def ledger_queries(url: str) -> dict[str, Any]:
    """The monthly ledger over the loaded year: p50/p95 (ms) over repeated queries."""
    engine = make_engine(url)
    out: dict[str, Any] = {}
    with engine.connect() as c:
        pts = [tuple(r) for r in c.execute(text(
            "SELECT DISTINCT point_id FROM point_latest ORDER BY 1"))]
    scope = Scope("collection.reading:read", frozenset({Grant("park_admin", None, None)}))
    rng = random.Random(4)
    with Session(engine) as s:
        ent = s.scalar(text("SELECT id FROM enterprises LIMIT 1"))

        def timed(runs: int, **kw: Any) -> tuple[list[float], int]:
            times, lines = [], 0
            for _ in range(runs):
                t = time.perf_counter()
                lines = len(ledgers.monthly_ledger(s, scope, year=2025, **kw))
                times.append((time.perf_counter() - t) * 1000)
                s.expunge_all()
                s.rollback()
            return times, lines

        for label, cases in (
                ("enterprise, one month", [{"enterprise_id": ent, "month": m}
                                           for m in range(1, 13) for _ in range(3)]),
                ("one point, one month", [{"point_id": rng.choice(pts)[0],
                                           "month": rng.randint(1, 12)} for _ in range(40)]),
                ("one point, whole year", [{"point_id": rng.choice(pts)[0]} for _ in range(20)]),
                ("enterprise, whole year", [{"enterprise_id": ent} for _ in range(5)])):
            times: list[float] = []
            lines = 0
            for kw in cases:
                t1, lines = timed(1, **kw)
                times += t1
            times.sort()
            out[label] = (times[len(times) // 2], times[min(len(times) - 1,
                                                           int(len(times) * 0.95))],
                          len(times), lines)
        june = ledgers.monthly_ledger(s, scope, year=2025, enterprise_id=ent, month=6)
        # 30 days × 96 quarter-hours × 0.25 kWh per point
        assert len(june) == len(pts), (len(june), len(pts))
        assert all(line["meter_quantity"] == Decimal("720") for line in june), june[0]
    engine.dispose()
    return out


def http_part(args: argparse.Namespace, points: list[tuple[int, str]]) -> None:
    rows = rows_for(points[:args.points], args.slots, T0)
    print(f"load average (1/5/15 min) at start: {load()}", flush=True)
    copy_before = len(rows) / raw_copy(rows)
    port = 18000 + os.getpid() % 1000
    proc = serve(args.url, port, args.workers)
    try:
        # warm-up (every worker and connection; other rows, then removed)
        http_ingest(port, make_bodies(rows_for(points[:args.points], 4, T0 - timedelta(days=1)),
                                      args.batch, args.senders))
        with psycopg.connect(PG + "/" + DB) as c:
            c.execute("TRUNCATE readings, reading_rollups, point_latest, ingest_batches")
        queues = make_bodies(rows, args.batch, args.senders)
        server = children(proc.pid)
        pg = backends()
        spies = [subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--rate", "200",
                                   "--format", "raw", "--nonblocking", "--output",
                                   f"{args.py_spy}/worker-{pid}.txt"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for pid in server[1:]] if args.py_spy else []
        time.sleep(1 if spies else 0)
        cpu0 = resource.getrusage(resource.RUSAGE_SELF), proc_cpu(server)
        wal0 = wal_lsn()
        elapsed, accepted, lat = http_ingest(port, queues)
        wal = wal_lsn() - wal0
        me = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = me.ru_utime + me.ru_stime - cpu0[0].ru_utime - cpu0[0].ru_stime
        server_cpu = proc_cpu(server) - cpu0[1]
        pg_cpu = backend_cpu(pg)
        load_http = load()
        for spy in spies:
            spy.send_signal(2)
            spy.wait(30)
    finally:
        proc.terminate()
        proc.wait(30)
    assert accepted == len(rows), (accepted, len(rows))
    check_rollups(len(rows), args.points, args.slots)
    with psycopg.connect(PG + "/" + DB) as c:
        c.execute("TRUNCATE readings, reading_rollups, point_latest, ingest_batches")
    copy_after = len(rows) / raw_copy(rows)
    copy_rate = (copy_before + copy_after) / 2
    rate = accepted / elapsed
    lat.sort()
    per = 100_000 / accepted
    print(f"raw COPY into readings: {len(rows)} rows, {copy_before:,.0f} rows/s before and "
          f"{copy_after:,.0f} rows/s after the HTTP run (mean {copy_rate:,.0f})")
    print(f"HTTP batch ingestion: {accepted} readings in {elapsed:.2f} s = {rate:,.0f} "
          f"readings/s ({args.senders} senders, batches of {args.batch}, "
          f"{args.workers} workers; batch latency p50 {lat[len(lat) // 2] * 1000:.0f} ms, "
          f"p95 {lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000:.0f} ms)")
    print(f"CPU seconds per 100 000 readings: server (uvicorn) {server_cpu * per:.2f}, "
          f"PostgreSQL backends {pg_cpu * per:.2f}, bench client {client_cpu * per:.2f}; "
          f"WAL {wal * per / 2**20:.0f} MiB (whole cluster: other databases' writes included); "
          f"load average at the end of the HTTP run {load_http}")
    print(f"ratio HTTP ingestion / raw COPY: {rate / copy_rate:.1%} "
          f"(target ≥ 50 %); absolute target ≥ 30 000 readings/s: "
          f"{'met' if rate >= 30000 else 'MISSED'}")
    print(f"load average (1/5/15 min) at the end: {load()}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--slots", type=int, default=200)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--senders", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--year-points", type=int, default=1000)
    ap.add_argument("--year-loaders", type=int, default=2, help="loader processes")
    ap.add_argument("--year-batch", type=int, default=10000)
    ap.add_argument("--skip-year", action="store_true")
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the bench database")
    ap.add_argument("--query-db", metavar="NAME",
                    help="only the ledger queries, on a database kept by an earlier --keep run")
    ap.add_argument("--py-spy", metavar="DIR",
                    help="record the uvicorn workers with py-spy (raw stacks) into DIR; needs "
                         "py-spy on the PATH (pip install py-spy, not a project dependency)")
    args = ap.parse_args()
    global DB
    if args.query_db:
        DB = args.query_db
        url, points = f"postgresql+psycopg://{PG.split('://', 1)[1]}/{DB}", []
        args.skip_http = True
    else:
        url, points = setup(max(args.points, args.year_points))
    args.url = url
    try:
        if not args.skip_http:
            http_part(args, points)
        if not args.skip_year:
            if not args.query_db:
                year(url, points, args.year_points, args.year_loaders, args.year_batch)
            y = ledger_queries(url)
            for label in ("enterprise, one month", "one point, one month",
                          "one point, whole year", "enterprise, whole year"):
                p50, p95, n, lines = y[label]
                print(f"monthly ledger query ({label}, {lines} lines): p50 {p50:.0f} ms, "
                      f"p95 {p95:.0f} ms over {n} queries (target < 300 ms)")
            print(f"load average (1/5/15 min) at the end: {load()}", flush=True)
    finally:
        if args.keep:
            print(f"database kept: {DB} (drop it: DROP DATABASE \"{DB}\")")
        else:
            admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
