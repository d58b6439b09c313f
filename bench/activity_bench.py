"""Activity document builder benchmark: build the engine documents of a demo park year from
approved monthly records in the database (20 enterprises × 12 months × 15 sources: fuels,
feedstock, carbonate, nitric acid, CO2 recovery, electricity, steam, materials, product, value
added), and of a single enterprise month.

Run: PYTHONPATH=src python3 bench/activity_bench.py [--url sqlite:///...] [--rounds N]
Baseline in the same run: fetching the same record rows with one plain SELECT (no mapping)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from dualcarbon.activity.models import ActivityDataset, ActivityRecord, ActivitySource
from dualcarbon.activity.service import build_document
from dualcarbon.db import crypto
from dualcarbon.db.engine import make_engine
from dualcarbon.db.migrate import upgrade
from dualcarbon.registry.models import Enterprise, Park

N_ENT, N_MONTHS = 20, 12
SOURCES = [
    ("coal", "fuel", "t", {"fuel": "bituminous_coal"}, {"ncv": "23.5"}),
    ("ng", "fuel", "1e4_nm3", {"fuel": "natural_gas"}, {}),
    ("diesel", "fuel", "t", {"fuel": "diesel"}, {}),
    ("ng-feed", "fuel", "1e4_nm3", {"fuel": "natural_gas", "use": "feedstock"}, {}),
    ("coke", "fuel", "t", {"fuel": "coke"}, {"carbon_content": "0.86"}),
    ("lime", "carbonate", "t", {"carbonate": "CaCO3"}, {"purity": "0.95"}),
    ("hno3", "acid", "t", {"acid": "nitric", "technology": "dual_pressure"}, {}),
    ("rec", "co2_recovery", "1e4_nm3", {"destination": "sold"}, {"purity": "0.99"}),
    ("grid", "electricity", "MWh", {"direction": "purchase"}, {}),
    ("grid-out", "electricity", "MWh", {"direction": "export"}, {}),
    ("steam", "heat", "GJ", {"direction": "purchase"}, {}),
    ("methanol", "material", "t", {"role": "product"}, {"carbon_content": "0.375"}),
    ("ash", "material", "t", {"role": "waste"}, {"carbon_content": "0.05"}),
    ("prod", "product", "t", {}, {}),
    ("va", "value_added", "1e4_cny", {}, {}),
]


def seed(session: Session) -> list[int]:
    park = Park(code="BENCH", name="基准园区", province_code="320000", grid_region="east")
    session.add(park)
    session.flush()
    ids = []
    for i in range(N_ENT):
        ent = Enterprise(park_id=park.id, code=f"E{i:02d}", name=f"企业{i}",
                         credit_code=f"91320000MA{i:08d}", industry_code="2614")
        session.add(ent)
        session.flush()
        ids.append(ent.id)
        srcs = []
        for j, (code, kind, unit, settings, _) in enumerate(SOURCES):
            s = ActivitySource(park_id=park.id, enterprise_id=ent.id, code=code, name=code,
                               kind=kind, unit=unit, settings=settings, sort_order=j)
            srcs.append(s)
        session.add_all(srcs)
        session.flush()
        for m in range(1, N_MONTHS + 1):
            ds = ActivityDataset(park_id=park.id, enterprise_id=ent.id, month=date(2023, m, 1),
                                 version=1, status="approved", created_by="bench")
            session.add(ds)
            session.flush()
            recs = []
            for s, (_, _, _, _, params) in zip(srcs, SOURCES, strict=True):
                ncv = params.get("ncv")
                cc = params.get("carbon_content")
                rest = {k: v for k, v in params.items() if k not in ("ncv", "carbon_content")}
                recs.append(ActivityRecord(
                    park_id=park.id, enterprise_id=ent.id, dataset_id=ds.id, source_id=s.id,
                    quantity=D(100 + i + m), unit=s.unit, ncv=D(ncv) if ncv else None,
                    carbon_content=D(cc) if cc else None, params=rest,
                    data_source="meter_ledger", updated_by="bench"))
            session.add_all(recs)
    session.commit()
    return ids


def timed(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    crypto.configure("bench-secret-key-bench-secret-key")
    tmp = tempfile.mkdtemp()
    url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        ids = seed(session)
        n_records = len(ids) * N_MONTHS * len(SOURCES)

        def park_year() -> None:
            for eid in ids:
                doc = build_document(session, eid, date(2023, 1, 1), date(2023, 12, 31))
                assert len(doc.fuels) == 5 * N_MONTHS

        def one_month() -> None:
            build_document(session, ids[0], date(2023, 6, 1), date(2023, 6, 30))

        def baseline() -> None:
            session.execute(text("SELECT * FROM activity_records")).all()

        park_s = timed(park_year, args.rounds)
        month_s = timed(one_month, args.rounds * 4)
        base_s = timed(baseline, args.rounds)
        session.rollback()
    print(f"database: {engine.dialect.name}; records: {n_records}")
    print(f"park year ({N_ENT} enterprises × {N_MONTHS} months): {park_s * 1000:.1f} ms")
    print(f"one enterprise month: {month_s * 1000:.2f} ms")
    print(f"baseline plain SELECT of all records: {base_s * 1000:.1f} ms "
          f"(park year / baseline = {park_s / base_s:.1f}×)")


if __name__ == "__main__":
    main()
