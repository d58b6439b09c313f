"""Where the time of one device batch goes (not part of the test run).

Calls the device door (``devicekeys.receive_batch``: key lookup, signature, gunzip, JSON,
validation, store, rollups, point_latest, alarms, commit) in-process on a throw-away PostgreSQL
database, batch after batch as an agent sends them, and prints

- wall time per batch and readings/s of the in-process door (no HTTP, no client);
- the time spent in each SQL statement (SQLAlchemy cursor events; the COPY is timed apart);
- optionally a cProfile of the whole run (``--cprofile``, top functions by own time).

    PYTHONPATH=src python3 bench/ingest_profile.py [--points 1000] [--slots 100] [--batch 5000]
        [--senders 4] [--cprofile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import pstats
import re
import sys
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import ingest_bench as ib  # noqa: E402

from dualcarbon.collection import devicekeys  # noqa: E402
from dualcarbon.core import devicecrypto  # noqa: E402
from dualcarbon.db.engine import make_engine  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--slots", type=int, default=100)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--senders", type=int, default=4,
                    help="agents, each with its own share of the points (as the HTTP bench)")
    ap.add_argument("--cprofile", action="store_true")
    ap.add_argument("--setup-sql", default="",
                    help="SQL run on the bench database before the batches (experiments)")
    args = ap.parse_args()
    url, points = ib.setup(args.points)
    try:
        engine = make_engine(url)
        if args.setup_sql:
            with engine.begin() as conn:
                conn.exec_driver_sql(args.setup_sql)
        sql_time: dict[str, float] = defaultdict(float)
        sql_count: dict[str, int] = defaultdict(int)

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            conn.info.setdefault("t", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            dt = time.perf_counter() - conn.info["t"].pop()
            key = re.sub(r"\s+", " ", statement.strip())[:90]
            sql_time[key] += dt
            sql_count[key] += 1

        rows = ib.rows_for(points, args.slots, ib.T0)
        per_sender = ib.make_bodies(rows, args.batch, args.senders)
        # the agents' batches interleaved, as they reach the server
        bodies = [b for batch in itertools.zip_longest(*per_sender) for b in batch if b]
        warm = ib.make_bodies(ib.rows_for(points, 4, ib.T0 - timedelta(days=1)), args.batch, 1)[0]

        def send(items: list[tuple[str, bytes]]) -> list[float]:
            lat = []
            for bid, body in items:
                ts = int(time.time())
                headers = {"Content-Encoding": "gzip", "X-Device-Key": "dk-bench",
                           "X-Timestamp": str(ts), "X-Batch-Id": bid,
                           "X-Signature": devicecrypto.sign(ib.SECRET.encode(), "hmac-sm3", ts,
                                                            bid, body)}
                t = time.perf_counter()
                with Session(engine) as s:
                    answer = devicekeys.receive_batch(s, headers, body)
                assert answer.status == 200, answer.body
                lat.append(time.perf_counter() - t)
            return lat

        send(warm)
        gc_time = [0.0, 0]
        gc_start = [0.0]

        def _gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_start[0] = time.perf_counter()
            else:
                gc_time[0] += time.perf_counter() - gc_start[0]
                gc_time[1] += 1

        gc.callbacks.append(_gc)
        sql_time.clear()
        sql_count.clear()
        prof = cProfile.Profile() if args.cprofile else None
        pg = ib.backends()
        cpu0 = time.process_time()
        t = time.perf_counter()
        if prof:
            prof.enable()
        lat = send(bodies)
        if prof:
            prof.disable()
        total = time.perf_counter() - t
        py_cpu, pg_cpu = time.process_time() - cpu0, ib.backend_cpu(pg)
        n = len(rows)
        print(f"in-process door: {n} readings in {total:.2f} s = {n / total:,.0f} readings/s; "
              f"batch p50 {sorted(lat)[len(lat) // 2] * 1000:.0f} ms; CPU per batch: Python "
              f"{py_cpu / len(lat) * 1000:.1f} ms, PostgreSQL {pg_cpu / len(lat) * 1000:.1f} ms "
              f"(load average {ib.load()})")
        gc.callbacks.remove(_gc)
        print(f"garbage collector: {gc_time[1]} collections, {gc_time[0]:.2f} s")
        sql_total = sum(sql_time.values())
        print(f"SQL (cursor execute, excl. COPY): {sql_total:.2f} s = {sql_total / total:.0%}")
        for key, dt in sorted(sql_time.items(), key=lambda kv: -kv[1])[:15]:
            print(f"  {dt * 1000:8.0f} ms {sql_count[key]:5d}×  {key}")
        if prof:
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        engine.dispose()
    finally:
        ib.admin(f'DROP DATABASE IF EXISTS "{ib.DB}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
