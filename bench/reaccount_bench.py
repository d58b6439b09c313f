"""Re-accounting from the DATABASE, end to end: a demo park year (20 enterprises × 12 approved
months × 15 sources, seeded as in bench/activity_bench.py) and one enterprise month.

Figures (p50 / p95 over --rounds):
  baseline       one plain SELECT of all 3,600 activity records (no mapping)
  park year, engine path
                 build the 20 enterprise-year documents from approved data
                 (`activity.service.build_document`), the park's parameter set from the factor
                 library once, the engine on each document, the park aggregation
                 (`accounting.park.account`, as `run_park` does) — nothing stored
  park year, run_park(refresh=True)
                 the service call behind "重新核算": every enterprise run stored (document,
                 result JSON, parameter refs, audit), then the park run; rolled back after each
                 round
  enterprise month, engine path / run_enterprise
                 the same for one enterprise and one month

Run: PYTHONPATH=src python3 bench/reaccount_bench.py [--url URL] [--rounds N]
The machine is shared: `uptime` load is printed before and after; compare the ×baseline ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from activity_bench import N_ENT, N_MONTHS, SOURCES, seed
from sqlalchemy import text
from sqlalchemy.orm import Session

from dualcarbon.accounting import park as park_level
from dualcarbon.accounting import service as accounting
from dualcarbon.activity.service import build_document
from dualcarbon.core.accounting.engine import account
from dualcarbon.db import crypto
from dualcarbon.db.engine import make_engine
from dualcarbon.db.migrate import upgrade
from dualcarbon.factors import service as factors
from dualcarbon.parkbase import service as parkbase

YEAR = (date(2023, 1, 1), date(2023, 12, 31))
MONTH = (date(2023, 6, 1), date(2023, 6, 30))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    out.sort()
    return statistics.median(out), out[min(len(out) - 1, round(0.95 * (len(out) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    crypto.configure("bench-secret-key-bench-secret-key")
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    print(f"load average before: {load()} (shared 2-core machine)")
    with Session(engine) as session:
        factors.sync_catalogue(session)
        ids = seed(session)
        park_id = session.execute(text("SELECT park_id FROM enterprises WHERE id = :i"),
                                  {"i": ids[0]}).scalar_one()
        session.commit()

        def baseline() -> None:
            session.execute(text("SELECT * FROM activity_records")).all()

        def park_engine() -> None:
            docs = [build_document(session, eid, *YEAR) for eid in ids]
            params = factors.parameter_set(session, park_id)
            for doc in docs:
                account(doc, params)
            base, _ = parkbase.figures_for(session, park_id, *YEAR)
            res = park_level.account(park_level.park_info(session, park_id), *YEAR, docs,
                                     params, base)
            assert len(res["enterprises"]) == N_ENT

        def park_service() -> None:
            run = accounting.run_park(session, park_id, *YEAR, refresh=True)
            assert run.status == "succeeded", run.error
            session.rollback()

        def month_engine() -> None:
            doc = build_document(session, ids[0], *MONTH)
            account(doc, factors.parameter_set(session, park_id))

        def month_service() -> None:
            run = accounting.run_enterprise(session, ids[0], *MONTH)
            assert run.status == "succeeded", run.error
            session.rollback()

        park_engine()  # warm up (statement caches, catalogue)
        month_service()
        rows = [
            ("baseline: plain SELECT of all records", timed(baseline, args.rounds * 3)),
            ("park year, engine path (build + account + park)", timed(park_engine,
                                                                       args.rounds)),
            ("park year, run_park(refresh=True), stored", timed(park_service, args.rounds)),
            ("enterprise month, engine path", timed(month_engine, args.rounds * 4)),
            ("enterprise month, run_enterprise, stored", timed(month_service,
                                                               args.rounds * 4)),
        ]
    base = rows[0][1][0]
    print(f"database: {engine.dialect.name}; {N_ENT} enterprises × {N_MONTHS} months × "
          f"{len(SOURCES)} sources = {N_ENT * N_MONTHS * len(SOURCES)} records; "
          f"rounds: {args.rounds}")
    for name, (p50, p95) in rows:
        print(f"{name:<52} p50 {p50 * 1000:9.1f} ms  p95 {p95 * 1000:9.1f} ms  "
              f"({p50 / base:.1f}× baseline)")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
