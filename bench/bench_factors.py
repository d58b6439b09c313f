"""Factor library and accounting runs: what the database adds to the pure engine.

Run: PYTHONPATH=src python3 bench/bench_factors.py [--rounds N]
Baseline in the same run: building the catalogue ParameterSet in memory and accounting
methodology.md §7 Example 5 with it (the pure engine). Measured on SQLite (a temp file)."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dualcarbon.accounting import service as accounting
from dualcarbon.core.accounting.catalogue import CATALOGUE_VERSION, all_parameters
from dualcarbon.core.accounting.dataio import from_dict
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import ActivityDocument
from dualcarbon.core.accounting.parameters import ParameterSet
from dualcarbon.db.engine import make_engine, make_sessionmaker
from dualcarbon.db.migrate import upgrade
from dualcarbon.db.session import unit_of_work
from dualcarbon.factors import service as factors
from dualcarbon.registry.models import Enterprise, Park

EX5 = Path(__file__).resolve().parents[1] / "docs" / "examples" / "accounting" / \
    "ex5-enterprise-total.json"


def timed(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    xs = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return statistics.median(xs), xs[int(0.95 * (len(xs) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    rounds = ap.parse_args().rounds
    raw = json.loads(EX5.read_text("utf-8"))
    doc = from_dict(ActivityDocument, raw)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        factory = make_sessionmaker(engine)
        with unit_of_work(factory) as s:
            factors.sync_catalogue(s)
            park = Park(code="B", name="bench", province_code="320000", grid_region="east")
            s.add(park)
            s.flush()
            ent = Enterprise(park_id=park.id, code="E", name="e", credit_code="9" * 18,
                             industry_code="2614")
            s.add(ent)
            s.flush()
            park_id, ent_id = park.id, ent.id
        rows: list[tuple[str, float, float]] = []
        b = timed(lambda: ParameterSet.of(all_parameters(), name=CATALOGUE_VERSION), rounds)
        rows.append(("baseline: catalogue ParameterSet in memory", *b))
        with unit_of_work(factory, writes=False) as s:
            rows.append(("parameter_set from the library (398 rows)",
                         *timed(lambda: factors.parameter_set(s, park_id), rounds)))
            refs = account(doc, factors.parameter_set(s, park_id)).parameters_used
            rows.append(("parameter_set pinned to a run's versions",
                         *timed(lambda: factors.parameter_set(s, park_id, versions=refs),
                                rounds)))
        ps = ParameterSet.of(all_parameters())
        a = timed(lambda: account(doc, ps), rounds)
        rows.append(("baseline: account Example 5 (pure engine)", *a))

        def run() -> None:
            with unit_of_work(factory) as s:
                accounting.run_enterprise(s, ent_id, date(2023, 1, 1), date(2023, 12, 31), raw)

        r = timed(run, rounds)
        rows.append(("run_enterprise: library + engine + store + audit (commit)", *r))
        with unit_of_work(factory) as s:
            first = accounting.run_enterprise(s, ent_id, date(2023, 1, 1), date(2023, 12, 31),
                                              raw).id

        def rerun() -> None:
            with unit_of_work(factory) as s:
                accounting.rerun(s, first)

        rows.append(("rerun with pinned versions (commit)", *timed(rerun, rounds)))
        engine.dispose()
    print(f"{'figure':62} {'p50 ms':>9} {'p95 ms':>9} {'× baseline':>10}")
    for name, p50, p95 in rows:
        base = b[0] if "arameter" in name else a[0]
        print(f"{name:62} {p50:9.2f} {p95:9.2f} {p50 / base:10.1f}")


if __name__ == "__main__":
    main()
