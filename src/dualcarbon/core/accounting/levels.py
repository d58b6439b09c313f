"""Facility, process and product levels. Lines tagged with a process go to it; untagged shared
utilities (electricity, heat, other) are split by the measured use in the allocation keys;
process emissions go to the process's products by output mass. Every level sums to the
enterprise total; what cannot be placed stays in an explicit "(unallocated)" entry."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .methodologies.base import ZERO
from .model import ActivityDocument
from .result import LevelShare, LevelTotal, ResultLine, SourceCategory

UNALLOCATED = "(unallocated)"


def _utility(line: ResultLine) -> str:
    if line.source is SourceCategory.ELECTRICITY:
        return "electricity"
    if line.source is SourceCategory.HEAT:
        return "heat"
    return "unassigned"


def levels(doc: ActivityDocument, lines: list[ResultLine]
           ) -> tuple[list[LevelTotal], list[LevelTotal], list[LevelTotal]]:
    processes = {p.id: p for p in doc.processes}
    products = {p.id: p for p in doc.products}
    by_process: dict[str, list[str]] = defaultdict(list)
    for pr in doc.products:
        if pr.process is not None:
            by_process[pr.process].append(pr.id)
    keys = {k.utility: k for k in doc.allocation_keys}

    proc_sh: dict[str, list[LevelShare]] = defaultdict(list)
    prod_sh: dict[str, list[LevelShare]] = defaultdict(list)
    fac_sh: dict[str, list[LevelShare]] = defaultdict(list)

    def facility_of(process: str | None, product: str | None) -> str | None:
        if product is not None and product in products:
            process = products[product].process
        if process is not None and process in processes:
            return processes[process].facility
        return None

    def to_process(line: ResultLine, process: str, amount: Decimal, method: str) -> None:
        proc_sh[process].append(LevelShare(line_id=line.id, method=method,
                                           emissions_tco2e=amount))
        outs = by_process.get(process, [])
        total_out = sum((products[p].amount_t for p in outs), ZERO)
        if outs and total_out:
            for p in outs:
                prod_sh[p].append(LevelShare(
                    line_id=line.id, method=f"{method}+output_mass",
                    emissions_tco2e=amount * products[p].amount_t / total_out))
        else:
            prod_sh[UNALLOCATED].append(LevelShare(line_id=line.id, method=method,
                                                   emissions_tco2e=amount))
        fac = line.facility or facility_of(process, None) or UNALLOCATED
        fac_sh[fac].append(LevelShare(line_id=line.id, method=method, emissions_tco2e=amount))

    for line in lines:
        if not line.in_total:
            continue
        e = line.emissions_tco2e
        if line.process is not None:
            to_process(line, line.process, e, "tagged")
            continue
        key = keys.get(_utility(line)) or keys.get("unassigned")
        total_use = sum(key.shares.values(), ZERO) if key else ZERO
        if key is None or not total_use:
            proc_sh[UNALLOCATED].append(LevelShare(line_id=line.id, method="none",
                                                   emissions_tco2e=e))
            prod_sh[UNALLOCATED].append(LevelShare(line_id=line.id, method="none",
                                                   emissions_tco2e=e))
            fac_sh[line.facility or UNALLOCATED].append(
                LevelShare(line_id=line.id, method="tagged" if line.facility else "none",
                           emissions_tco2e=e))
            continue
        method = f"key:{key.utility}"
        for target, use in sorted(key.shares.items()):
            part = e * use / total_use
            if target in products:
                prod_sh[target].append(LevelShare(line_id=line.id, method=method,
                                                  emissions_tco2e=part))
                proc = products[target].process or UNALLOCATED
                proc_sh[proc].append(LevelShare(line_id=line.id, method=method,
                                                emissions_tco2e=part))
                fac = line.facility or facility_of(None, target) or UNALLOCATED
                fac_sh[fac].append(LevelShare(line_id=line.id, method=method,
                                              emissions_tco2e=part))
            else:
                to_process(line, target, part, method)

    def build(level: str, shares: dict[str, list[LevelShare]], names: dict[str, str]
              ) -> list[LevelTotal]:
        out = []
        for ident in sorted(shares):
            total = sum((s.emissions_tco2e for s in shares[ident]), ZERO)
            lt = LevelTotal(level=level, id=ident, name=names.get(ident, ""),
                            emissions_tco2e=total, shares=shares[ident])
            if level == "product" and ident in products and products[ident].amount_t:
                lt.output_t = products[ident].amount_t
                lt.intensity_tco2e_per_t = total / products[ident].amount_t
            out.append(lt)
        return out

    fac_names = {f.id: f.name for f in doc.facilities}
    fac_names.update({p.id: p.name for p in doc.power_facilities})
    return (
        build("facility", fac_sh, fac_names),
        build("process", proc_sh, {p.id: p.name for p in doc.processes}),
        build("product", prod_sh, {p.id: p.name for p in doc.products}),
    )
