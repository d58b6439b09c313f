"""Accounting engine benchmark: re-account a demo park year (20 chemical enterprises + a CHP,
12 monthly park runs, every source: fuels, feedstock mass balance, carbonates, nitric/adipic
N2O, CO2 recovery, grid and internal electricity, steam by IAPWS-IF97, hot water, green power,
biomass, a CHP with monthly coal tests) and a single enterprise month.

Run: PYTHONPATH=src python3 bench/bench_engine.py [--rounds N]
Targets (issue 3 §7): park year < 2 s, one enterprise month < 50 ms. Baseline in the same run:
parsing the same documents from JSON (json.loads + typed dataclasses)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from decimal import Decimal as D

from dualcarbon.core.accounting.catalogue import default_parameter_set
from dualcarbon.core.accounting.dataio import dumps_json, park_from_json
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import ParkDocument
from dualcarbon.core.accounting.park import account_park

N_ENTERPRISES = 20


def _m(v: str, q: str = "measured") -> dict[str, str]:
    return {"value": v, "quality": q}


def enterprise_month(i: int, month: int) -> dict:  # type: ignore[type-arg]
    k = D(1) + D(i) / D(10) + D(month) / D(100)
    eid = f"ent-{i:02d}"
    t = lambda x: str(D(x) * k)  # noqa: E731
    doc = {
        "period": {"start": date(2023, month, 1).isoformat(),
                   "end": date(2023, month, 28).isoformat()},
        "enterprise": {"id": eid, "name": f"企业{i}", "province": "jiangsu",
                       "industry_group": ["methanol", "nitric", "chlor-alkali", "fine"][i % 4],
                       "value_added_1e4_cny": t(30000)},
        "facilities": [{"id": "F1"}, {"id": "F2"}],
        "processes": [{"id": "p1", "facility": "F1"}, {"id": "p2", "facility": "F2"}],
        "fuels": [
            {"id": "coal", "fuel": "bituminous_coal", "amount": t(4000), "process": "p1"},
            {"id": "coal-m", "fuel": "bituminous_coal", "amount": t(500),
             "carbon_content": _m("0.58"), "oxidation": _m("0.95")},
            {"id": "ng", "fuel": "natural_gas", "amount": t(100), "process": "p2"},
            {"id": "diesel", "fuel": "diesel", "amount": t(25)},
            {"id": "feed", "fuel": "natural_gas", "amount": t(1500), "use": "feedstock",
             "process": "p1",
             "composition": {"CH4": "0.95", "C2H6": "0.03", "CO2": "0.01", "N2": "0.01"}},
        ],
        "materials": [
            {"id": "meoh", "name": "甲醇", "role": "product", "amount": t(16000),
             "material": "methanol", "process": "p1"},
            {"id": "fusel", "name": "杂醇油", "role": "product", "amount": t(160),
             "carbon_content": _m("0.60"), "process": "p1"},
            {"id": "sludge", "name": "污泥", "role": "waste", "amount": t(40),
             "carbon_content": _m("0.05"), "process": "p1"},
        ],
        "carbonates": [{"id": "ls", "carbonate": "CaCO3", "amount_t": t(250),
                        "purity": _m("0.92")},
                       {"id": "soda", "carbonate": "Na2CO3", "amount_t": t(30),
                        "purity": _m("0.98")}],
        "acids": [{"id": "hno3", "acid": "nitric", "technology": "dual_pressure",
                   "output_t": t(12000), "abatement": "nscr", "utilisation": _m("0.9"),
                   "process": "p2"}],
        "co2_recovery": [{"id": "co2", "volume_1e4_nm3": t(80), "purity": _m("0.995")}],
        "electricity": [
            {"id": "grid", "direction": "purchase", "energy_mwh": t(9000)},
            {"id": "chp", "direction": "purchase", "energy_mwh": t(4000), "counterparty": "chp"},
            {"id": "out", "direction": "export", "energy_mwh": t(300)},
        ],
        "heat": [
            {"id": "steam", "direction": "purchase", "medium": "steam", "mass_t": t(15000),
             "temperature_c": str(240 + i), "pressure_mpa": "1.0", "counterparty": "chp"},
            {"id": "lp-steam", "direction": "purchase", "medium": "steam", "mass_t": t(2000),
             "temperature_c": "180", "pressure_mpa": "0.6"},
            {"id": "hw", "direction": "purchase", "medium": "hot_water", "mass_t": t(4000),
             "temperature_c": "90"},
        ],
        "green_claims": [{"id": f"gec-{i}-{month}", "kind": "certificate", "year": 2023,
                          "certificate_count": 500,
                          "certificate_ids": [f"GEC-{i}-{month}-{n}" for n in range(500)]}],
        "biomass": [{"id": "bio", "name": "生物质颗粒", "amount": t(50), "ncv": _m("15"),
                     "carbon_per_heat": _m("0.0275")}],
        "products": [{"id": "x", "name": "甲醇", "amount_t": t(16000), "process": "p1"},
                     {"id": "y", "name": "硝酸", "amount_t": t(12000), "process": "p2"}],
        "allocation_keys": [{"utility": "electricity", "shares": {"p1": "2", "p2": "1"}},
                            {"utility": "heat", "shares": {"p1": "3", "p2": "1"}},
                            {"utility": "unassigned", "shares": {"x": "1", "y": "1"}}],
    }
    if i == 0:
        doc["acids"].append({"id": "ada", "acid": "adipic", "technology": "nitric_oxidation",
                             "output_t": t(5000), "abatement": "catalytic",
                             "utilisation": _m("0.95")})
    return doc


def chp_month(month: int) -> dict:  # type: ignore[type-arg]
    return {
        "period": {"start": date(2023, month, 1).isoformat(),
                   "end": date(2023, month, 28).isoformat()},
        "enterprise": {"id": "chp", "name": "园区热电", "industry_group": "power"},
        "options": {"methodology": "power"},
        "power_facilities": [{"id": "units", "coal": [
            {"month": month, "amount_t": "75000", "ncv_ar_gj_per_t": _m("19.8"),
             **({"carbon_ar": _m("0.50")} if month != 5 else {})}],
            "grid_purchase_mwh": "400", "supplied_mwh": "125000", "heat_supplied_gj": "250000",
            "heat_ratio": "0.25"}],
        "electricity": [{"id": "grid", "direction": "purchase", "energy_mwh": "400"},
                        {"id": "out", "direction": "export", "energy_mwh": "25000"}],
    }


def park_month(month: int) -> dict:  # type: ignore[type-arg]
    return {"park": {"id": "demo", "name": "示例化工园区", "province": "jiangsu"},
            "period": {"start": date(2023, month, 1).isoformat(),
                       "end": date(2023, month, 28).isoformat()},
            "enterprises": [chp_month(month)]
            + [enterprise_month(i, month) for i in range(N_ENTERPRISES)]}


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    params = default_parameter_set()
    texts = [json.dumps(park_month(m), ensure_ascii=False) for m in range(1, 13)]
    parks: list[ParkDocument] = [park_from_json(t) for t in texts]
    n_lines = 0
    for p in parks:  # warm-up (IAPWS cache, imports)
        n_lines += sum(len(e.lines) for e in account_park(p, params).enterprises)

    base, year, year_json = [], [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for t in texts:
            park_from_json(t)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for p in parks:
            account_park(p, params)
        year.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for t in texts:
            dumps_json(account_park(park_from_json(t), params), rounded=True, indent=None)
        year_json.append(time.perf_counter() - t0)

    single = []
    docs = [e for p in parks for e in p.enterprises if e.enterprise.id != "chp"]
    for d in docs:
        t0 = time.perf_counter()
        account(d, params)
        single.append(time.perf_counter() - t0)

    b, y, yj = statistics.median(base), statistics.median(year), statistics.median(year_json)
    print(f"park year: {N_ENTERPRISES} enterprises + CHP x 12 months, "
          f"{n_lines} result lines, {args.rounds} rounds")
    print(f"baseline parse JSON -> documents   p50 {b * 1000:8.1f} ms")
    print(f"re-account park year (in memory)   p50 {y * 1000:8.1f} ms  p95 "
          f"{_pct(year, .95) * 1000:8.1f} ms  ratio {y / b:5.2f}x baseline  target < 2000 ms")
    print(f"parse + account + JSON out         p50 {yj * 1000:8.1f} ms  p95 "
          f"{_pct(year_json, .95) * 1000:8.1f} ms  ratio {yj / b:5.2f}x baseline")
    print(f"single enterprise month ({len(single)})     p50 "
          f"{statistics.median(single) * 1000:8.2f} ms  p95 {_pct(single, .95) * 1000:8.2f} ms"
          f"  max {max(single) * 1000:8.2f} ms  target < 50 ms")


if __name__ == "__main__":
    main()
