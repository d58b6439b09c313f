"""Combine the documents of shorter periods (months, quarters) of one enterprise into one
document for a longer period, so a quarter or a year is accounted from monthly data. Every datum
is kept as its own line (ids prefixed by the part's label), so monthly measured values stay
weighted by their own amounts and power-facility coal stays month by month."""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from decimal import Decimal

from dualcarbon.core.errors import Invalid

from .model import (
    ActivityDocument,
    AllocationKey,
    AllocationLevel,
    Period,
    PowerFacility,
    ProductOutput,
)


class PeriodsInvalid(Invalid):
    code = "accounting-document-invalid"


def _label(doc: ActivityDocument) -> str:
    return doc.period.label or doc.period.start.strftime("%Y-%m")


def _prefixed(items: list, label: str) -> list:  # type: ignore[type-arg]
    return [dataclasses.replace(x, id=f"{label}/{x.id}") for x in items]


def combine(docs: list[ActivityDocument], period: Period | None = None) -> ActivityDocument:
    """One document covering all `docs` (same enterprise, non-overlapping periods)."""
    if not docs:
        raise PeriodsInvalid("no documents to combine")
    docs = sorted(docs, key=lambda d: d.period.start)
    first = docs[0]
    if len({d.enterprise.id for d in docs}) != 1:
        raise PeriodsInvalid("documents of different enterprises cannot be combined")
    for a, b in itertools.pairwise(docs):
        if b.period.start <= a.period.end:
            raise PeriodsInvalid(f"periods overlap: {_label(a)} and {_label(b)}")
    period = period or Period(start=first.period.start, end=docs[-1].period.end,
                              label=f"{_label(first)}..{_label(docs[-1])}")
    va = [d.enterprise.value_added_1e4_cny for d in docs]
    va_known = [v for v in va if v is not None]
    enterprise = dataclasses.replace(
        first.enterprise,
        value_added_1e4_cny=sum(va_known, Decimal(0)) if len(va_known) == len(va) else None,
    )
    out = ActivityDocument(period=period, enterprise=enterprise, options=first.options,
                           facilities=first.facilities, processes=first.processes)
    facilities: dict[str, PowerFacility] = {}
    products: dict[str, ProductOutput] = {}
    shares: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    levels: dict[str, set[AllocationLevel | None]] = {}
    keyed: list[AllocationKey] = []
    for d in docs:
        label = _label(d)
        out.fuels += _prefixed(d.fuels, label)
        out.materials += _prefixed(d.materials, label)
        out.carbonates += _prefixed(d.carbonates, label)
        out.acids += _prefixed(d.acids, label)
        out.co2_recovery += _prefixed(d.co2_recovery, label)
        out.electricity += _prefixed(d.electricity, label)
        out.heat += _prefixed(d.heat, label)
        out.green_claims += _prefixed(d.green_claims, label)
        out.biomass += _prefixed(d.biomass, label)
        for fac in d.power_facilities:
            acc = facilities.get(fac.id)
            if acc is None:
                facilities[fac.id] = dataclasses.replace(
                    fac, coal=list(fac.coal), other_fuels=_prefixed(fac.other_fuels, label))
                continue
            acc.coal += fac.coal
            acc.other_fuels += _prefixed(fac.other_fuels, label)
            acc.grid_purchase_mwh += fac.grid_purchase_mwh
            for name in ("generation_mwh", "supplied_mwh", "heat_supplied_gj"):
                a, b = getattr(acc, name), getattr(fac, name)
                setattr(acc, name, None if a is None or b is None else a + b)
        for p in d.products:
            if p.id in products:
                products[p.id].amount_t += p.amount_t
            else:
                products[p.id] = dataclasses.replace(p)
        for k in d.allocation_keys:
            if k.inputs:  # a source's own key: its inputs carry the part's prefix now
                keyed.append(dataclasses.replace(k, shares=dict(k.shares),
                                                 inputs=[f"{label}/{i}" for i in k.inputs]))
                continue
            levels.setdefault(k.utility, set()).add(k.level)
            for target, use in k.shares.items():
                shares[k.utility][target] += use
    out.power_facilities = list(facilities.values())
    out.products = list(products.values())
    # utility-wide keys: the parts' uses (or fractions) summed are the weights of the whole
    out.allocation_keys = [
        AllocationKey(utility=u, shares=dict(s),
                      level=next(iter(levels[u])) if len(levels[u]) == 1 else None)
        for u, s in shares.items()] + keyed
    return out
