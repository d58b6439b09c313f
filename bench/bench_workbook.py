"""Enterprise workbook benchmark (`dualcarbon calc FILE.xlsx`): a large enterprise year entered
month by month — N fuel, electricity, heat, carbonate and product sources × 12 months — written
by `activity.workbook.write`, then read (every cell checked, engine document built) and
accounted. Baseline in the same run: openpyxl reading every cell of the same file (read-only),
which any import must do.

Run: PYTHONPATH=src python3 bench/bench_workbook.py [--sources 200] [--rounds 3]"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import date
from decimal import Decimal as D

from openpyxl import load_workbook

from dualcarbon.activity import workbook
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import (
    ActivityDocument,
    CarbonateUse,
    ElectricityFlow,
    Enterprise,
    Facility,
    FlowDirection,
    FuelUse,
    HeatFlow,
    HeatMedium,
    Measured,
    Options,
    Period,
    ProductOutput,
)


def document(n_sources: int) -> ActivityDocument:
    fuels, carbonates, el, heat, products = [], [], [], [], []
    kinds = ("bituminous_coal", "natural_gas", "diesel", "coke", "fuel_oil")
    for i in range(n_sources):
        for m in range(1, 13):
            ident = f"s{i:03d}@2023-{m:02d}"
            match i % 5:
                case 0 | 1:
                    fuels.append(FuelUse(id=ident, fuel=kinds[i % 5], amount=D(1000 + i + m),
                                         ncv=Measured(value=D("23.5")) if i % 2 else None,
                                         facility=f"F{i % 7}"))
                case 2:
                    el.append(ElectricityFlow(id=ident, direction=FlowDirection.PURCHASE,
                                              energy_mwh=D(500 + m)))
                case 3:
                    heat.append(HeatFlow(id=ident, direction=FlowDirection.PURCHASE,
                                         medium=HeatMedium.HEAT, heat_gj=D(2000 + m)))
                case _:
                    carbonates.append(CarbonateUse(id=ident, carbonate="CaCO3",
                                                   amount_t=D(100 + m),
                                                   purity=Measured(value=D("0.95"))))
        if i % 10 == 0:
            products.append(ProductOutput(id=f"p{i:03d}", name=f"产品{i}", amount_t=D(10000)))
    return ActivityDocument(
        period=Period(start=date(2023, 1, 1), end=date(2023, 12, 31), label="2023"),
        enterprise=Enterprise(id="bench", name="基准企业", province="jiangsu"),
        options=Options(), facilities=[Facility(id=f"F{k}") for k in range(7)],
        fuels=fuels, carbonates=carbonates, electricity=el, heat=heat, products=products)


def timed(fn, rounds: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    doc = document(args.sources)
    content, lost = workbook.write(doc)
    assert not lost
    rows = args.sources * 12

    def baseline() -> int:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        return sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))

    base, _ = timed(baseline, args.rounds)
    read_ms, got = timed(lambda: workbook.read(content), args.rounds)
    acc_ms, result = timed(lambda: account(got[0]), args.rounds)  # type: ignore[index]
    write_ms, _ = timed(lambda: workbook.write(doc), args.rounds)
    expected = account(doc).totals.total_tco2e
    assert result.totals.total_tco2e == expected  # type: ignore[attr-defined]
    print(f"workbook: {rows} data rows, {len(content) / 1024:.0f} KiB")
    print(f"baseline: openpyxl reads every cell       {base:8.0f} ms")
    print(f"read: cells checked, engine document built {read_ms:8.0f} ms "
          f"({read_ms / base:.1f}x baseline)")
    print(f"account the document                       {acc_ms:8.0f} ms")
    print(f"write the workbook from the document       {write_ms:8.0f} ms")
    print(f"same total as the document accounted directly: {expected:.2f} t")


if __name__ == "__main__":
    main()
