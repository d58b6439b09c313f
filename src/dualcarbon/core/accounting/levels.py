"""Facility, process and product levels. Lines tagged with a process go to it; a source serving
several facilities, processes or products is split by the measured use in its own allocation key
(`inputs`); other untagged shared utilities (electricity, heat, other) by the utility-wide keys;
process emissions go to the process's products by output mass. Every level sums to the
enterprise total (the last share of a split takes the remainder); what cannot be placed stays in
an explicit "(unallocated)" entry."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from dualcarbon.core.errors import FieldError, Invalid

from .methodologies.base import ZERO
from .model import (
    AcidProduction,
    ActivityDocument,
    AllocationBasis,
    AllocationKey,
    AllocationLevel,
    CarbonateUse,
    CO2Recovery,
    ElectricityFlow,
    EnergyUse,
    FuelUse,
    HeatFlow,
)
from .result import LevelShare, LevelTotal, ResultLine, SourceCategory

UNALLOCATED = "(unallocated)"
UTILITIES = ("electricity", "heat", "unassigned")
ONE = Decimal(1)


class AllocationInvalid(Invalid):
    code = "accounting-allocation-invalid"


def _utility(line: ResultLine) -> str:
    if line.source is SourceCategory.ELECTRICITY:
        return "electricity"
    if line.source is SourceCategory.HEAT:
        return "heat"
    return "unassigned"


def _input_of(line: ResultLine) -> str:
    """The id of the document item a line comes from (line ids are `<category>:<item id>`)."""
    return line.id.split(":", 1)[1] if ":" in line.id else line.id


def _allocatable(doc: ActivityDocument) -> dict[str, str | None]:
    """Items whose line a key may split, with their process tag."""
    items: list[FuelUse | CarbonateUse | AcidProduction | CO2Recovery | ElectricityFlow
                | HeatFlow] = [f for f in doc.fuels if f.use is EnergyUse.FUEL]
    items += [*doc.carbonates, *doc.acids, *doc.co2_recovery, *doc.electricity, *doc.heat]
    return {x.id: x.process for x in items}


def _known(doc: ActivityDocument) -> dict[AllocationLevel, set[str]]:
    tagged: list[Any] = [*doc.fuels, *doc.materials, *doc.carbonates, *doc.acids,
                         *doc.co2_recovery, *doc.electricity, *doc.heat, *doc.biomass]
    facilities = {f.id for f in doc.facilities} | {p.id for p in doc.power_facilities}
    facilities |= {p.facility for p in doc.processes if p.facility is not None}
    facilities |= {x.facility for x in tagged if x.facility is not None}
    processes = {p.id for p in doc.processes}
    processes |= {x.process for x in [*tagged, *doc.products] if x.process is not None}
    return {AllocationLevel.FACILITY: facilities, AllocationLevel.PROCESS: processes,
            AllocationLevel.PRODUCT: {p.id for p in doc.products}}


def check_allocation(doc: ActivityDocument) -> None:
    """Allocation keys must name known targets and inputs, carry non-negative use that adds up
    to more than 0 (fractions: to exactly 1), and split each input at most once; an input
    tagged with a process, a feedstock fuel or a material (carbon mass balance of its process)
    cannot be split. Raises `AllocationInvalid` listing every problem by path."""
    errors: list[FieldError] = []

    def err(path: tuple[str | int, ...], msg: str) -> None:
        errors.append(FieldError(loc=("allocation_keys", *path), code="allocation", msg=msg))

    known = _known(doc)
    anywhere = set().union(*known.values())
    allocatable = _allocatable(doc)
    split: dict[str, int] = {}
    utilities: set[str] = set()
    for i, key in enumerate(doc.allocation_keys):
        if not key.shares:
            err((i, "shares"), "no shares")
        for target, use in key.shares.items():
            if use < 0:
                err((i, "shares", target), "measured use must not be negative")
            targets = known[key.level] if key.level is not None else anywhere
            if target not in targets:
                err((i, "shares", target), f"unknown {key.level.value if key.level else 'target'}"
                    f" {target!r}")
        total = sum(key.shares.values(), ZERO)
        if key.basis is AllocationBasis.FRACTION and key.shares and total != ONE:
            err((i, "shares"), f"fractions add up to {total}, not 1")
        elif key.shares and total <= 0:
            err((i, "shares"), "the measured use adds up to 0")
        if not key.inputs:
            if key.utility not in UTILITIES:
                err((i, "utility"), f"utility must be one of {', '.join(UTILITIES)}")
            elif key.utility in utilities:
                err((i, "utility"), f"a second key for {key.utility}")
            utilities.add(key.utility)
        for j, ident in enumerate(key.inputs):
            if ident not in allocatable:
                err((i, "inputs", j), f"{ident!r} is not a fuel burnt, carbonate, acid, CO2 "
                    "recovery, electricity or heat flow of the document (feedstock and "
                    "materials are in the carbon mass balance of their process)")
            elif allocatable[ident] is not None:
                err((i, "inputs", j), f"{ident!r} is tagged with process "
                    f"{allocatable[ident]!r}: it goes there whole")
            elif ident in split:
                err((i, "inputs", j), f"{ident!r} is split by key {split[ident]} already")
            split.setdefault(ident, i)
    if errors:
        raise AllocationInvalid("; ".join(f"{'/'.join(map(str, e.loc))}: {e.msg}"
                                          for e in errors[:20]), field_errors=errors)


def levels(doc: ActivityDocument, lines: list[ResultLine]
           ) -> tuple[list[LevelTotal], list[LevelTotal], list[LevelTotal]]:
    processes = {p.id: p for p in doc.processes}
    products = {p.id: p for p in doc.products}
    known = _known(doc)
    by_process: dict[str, list[str]] = defaultdict(list)
    for pr in doc.products:
        if pr.process is not None:
            by_process[pr.process].append(pr.id)
    keys = {k.utility: k for k in doc.allocation_keys if not k.inputs}
    by_input = {ident: k for k in doc.allocation_keys for ident in k.inputs}

    proc_sh: dict[str, list[LevelShare]] = defaultdict(list)
    prod_sh: dict[str, list[LevelShare]] = defaultdict(list)
    fac_sh: dict[str, list[LevelShare]] = defaultdict(list)

    def facility_of(process: str | None, product: str | None) -> str | None:
        if product is not None and product in products:
            process = products[product].process
        if process is not None and process in processes:
            return processes[process].facility
        return None

    def to_process(line: ResultLine, process: str, amount: Decimal, method: str,
                   facility: str | None) -> None:
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
        fac_sh[facility or UNALLOCATED].append(LevelShare(line_id=line.id, method=method,
                                                         emissions_tco2e=amount))

    def level_of(key: AllocationKey, target: str) -> AllocationLevel:
        if key.level is not None:
            return key.level
        for level in (AllocationLevel.PRODUCT, AllocationLevel.PROCESS):
            if target in known[level]:
                return level
        return (AllocationLevel.FACILITY if target in known[AllocationLevel.FACILITY]
                else AllocationLevel.PROCESS)

    for line in lines:
        if not line.in_total:
            continue
        e = line.emissions_tco2e
        key = by_input.get(_input_of(line))
        if key is None and line.process is not None:
            to_process(line, line.process, e, "tagged",
                       line.facility or facility_of(line.process, None))
            continue
        if key is None:
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
        method = "key:input" if key.inputs else f"key:{key.utility}"
        shares = sorted(key.shares.items())
        placed = ZERO
        for n, (target, use) in enumerate(shares):
            # the last share takes the remainder: the parts add up to the line exactly
            part = e * use / total_use if n < len(shares) - 1 else e - placed
            placed += part
            level = level_of(key, target)
            if level is AllocationLevel.PRODUCT:
                prod_sh[target].append(LevelShare(line_id=line.id, method=method,
                                                  emissions_tco2e=part))
                proc = products[target].process or UNALLOCATED
                proc_sh[proc].append(LevelShare(line_id=line.id, method=method,
                                                emissions_tco2e=part))
                fac = facility_of(None, target) or line.facility or UNALLOCATED
                fac_sh[fac].append(LevelShare(line_id=line.id, method=method,
                                              emissions_tco2e=part))
            elif level is AllocationLevel.FACILITY:
                fac_sh[target].append(LevelShare(line_id=line.id, method=method,
                                                 emissions_tco2e=part))
                for sh in (proc_sh, prod_sh):
                    sh[UNALLOCATED].append(LevelShare(line_id=line.id, method=method,
                                                      emissions_tco2e=part))
            else:
                to_process(line, target, part, method,
                           facility_of(target, None) or line.facility)

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
