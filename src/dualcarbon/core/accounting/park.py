"""Industry-group and park levels (methodology.md §7 Ex9, §8.6). The park total is territorial
scope 1 plus the net exchange across the park boundary; supplies between park enterprises (a CHP
selling power and steam inside the park) are counted once, at the supplier, and the buyers'
indirect emissions for them are shown and netted out."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal

from .catalogue import default_parameter_set
from .engine import account
from .flows import heat_gj, location_factor
from .methodologies.base import ONE, ZERO, Ctx, LineBuilder
from .model import (
    GRID,
    ActivityDocument,
    ElectricityFlow,
    Enterprise,
    FlowDirection,
    HeatFlow,
    InternalFactors,
    Measured,
    ParkDocument,
)
from .parameters import ParameterRef, ParameterSet
from .power_facility import power_facility
from .result import (
    BoundaryExchange,
    EnterpriseResult,
    GroupTotal,
    InternalSupply,
    ParkResult,
    ResultLine,
    Scope,
    SourceCategory,
)
from .tiers import DataQuality


def supply_factors(doc: ActivityDocument, params: ParameterSet
                   ) -> tuple[Decimal | None, Decimal | None]:
    """(tCO2/MWh, tCO2/GJ) of an enterprise's power facilities, fuel split by heat ratio."""
    ctx = Ctx.for_doc(doc, params.recorder())
    burn_el = burn_heat = supplied = heat_out = ZERO
    for fac in doc.power_facilities:
        if fac.heat_ratio is None:
            continue
        _, rep = power_facility(fac, ctx)
        burn_heat += rep.combustion_tco2 * fac.heat_ratio
        burn_el += rep.combustion_tco2 * (ONE - fac.heat_ratio)
        supplied += fac.supplied_mwh or ZERO
        heat_out += fac.heat_supplied_gj or ZERO
    return (burn_el / supplied if supplied else None, burn_heat / heat_out if heat_out else None)


def _with_supplier_factors(doc: ActivityDocument, factors: dict[str, tuple[Decimal | None,
                           Decimal | None]]) -> ActivityDocument:
    changed = False
    el: list[ElectricityFlow] = []
    for f in doc.electricity:
        fe = factors.get(f.counterparty, (None, None))[0]
        if f.supplier_factor is None and fe is not None:
            f = dataclasses.replace(f, supplier_factor=Measured(
                value=fe, quality=DataQuality.CALCULATED,
                source=f"supply factor of {f.counterparty}"))
            changed = True
        el.append(f)
    ht: list[HeatFlow] = []
    for h in doc.heat:
        fh = factors.get(h.counterparty, (None, None))[1]
        if h.supplier_factor is None and fh is not None:
            h = dataclasses.replace(h, supplier_factor=Measured(
                value=fh, quality=DataQuality.CALCULATED,
                source=f"supply factor of {h.counterparty}"))
            changed = True
        ht.append(h)
    return dataclasses.replace(doc, electricity=el, heat=ht) if changed else doc


def _internal(line: ResultLine, members: set[str], buyer: str) -> InternalSupply | None:
    if line.source not in (SourceCategory.ELECTRICITY, SourceCategory.HEAT):
        return None
    if line.counterparty is None or line.counterparty == GRID or line.counterparty not in members:
        return None
    el = line.source is SourceCategory.ELECTRICITY
    amount = line.inputs["energy_mwh"] if el else line.inputs["heat_gj"]
    sign = ONE if line.labels.get("direction") == "purchase" else -ONE
    factor = line.inputs["ef_tco2_per_mwh" if el else "ef_tco2_per_gj"]
    supplied_factor = any(k.startswith("ef_") for k in line.inputs) and not any(
        p.key.startswith(("grid.", "heat.")) for p in line.parameters)
    return InternalSupply(
        buyer=buyer if sign > 0 else line.counterparty,
        supplier=line.counterparty if sign > 0 else buyer,
        carrier="electricity" if el else "heat", amount=sign * amount,
        unit="MWh" if el else "GJ", buyer_tco2=line.emissions_tco2e, factor=factor,
        factor_source="supplier" if supplied_factor else "default")


def account_park(park_doc: ParkDocument, params: ParameterSet | None = None) -> ParkResult:
    base = params or default_parameter_set()
    warnings: list[str] = []
    members = {d.enterprise.id for d in park_doc.enterprises}
    if len(members) != len(park_doc.enterprises):
        warnings.append("duplicate enterprise ids in the park document")
    docs = list(park_doc.enterprises)
    if park_doc.internal_supply_factors is InternalFactors.SUPPLIER:
        factors = {d.enterprise.id: supply_factors(d, base) for d in docs if d.power_facilities}
        factors = {k: v for k, v in factors.items() if v != (None, None)}
        if factors:
            docs = [_with_supplier_factors(d, factors) for d in docs]
    seen: set[str] = set()
    results: list[EnterpriseResult] = []
    for d in docs:
        if (d.period.start, d.period.end) != (park_doc.period.start, park_doc.period.end):
            warnings.append(f"{d.enterprise.id}: period differs from the park period")
        results.append(account(d, base, seen_certificates=seen))

    # boundary exchange, from the flows of every enterprise
    pdoc = ActivityDocument(period=park_doc.period, enterprise=Enterprise(
        id=park_doc.park.id, province=park_doc.park.province, region=park_doc.park.region),
        options=park_doc.options)
    ctx = Ctx.for_doc(pdoc, base.recorder())
    loc = location_factor(ctx, park_doc.park.province, park_doc.park.region)
    heat_f = ctx.p("heat.default_factor")
    e_imp = e_exp = h_imp = h_exp = ZERO
    internal_el_net = internal_heat_net = ZERO
    for d in docs:
        for f in d.electricity:
            if f.counterparty != GRID and f.counterparty in members:
                if f.direction is FlowDirection.PURCHASE:
                    internal_el_net += f.energy_mwh
                continue
            if f.direction is FlowDirection.PURCHASE:
                e_imp += f.energy_mwh
            else:
                e_exp += f.energy_mwh
        for h in d.heat:
            b = LineBuilder(id=h.id, source=SourceCategory.HEAT, scope=Scope.INDIRECT,
                            formula_id="", formula="")
            gj = heat_gj(b, h, Ctx.for_doc(d, base.recorder()))
            if h.counterparty != GRID and h.counterparty in members:
                if h.direction is FlowDirection.PURCHASE:
                    internal_heat_net += gj
                continue
            if h.direction is FlowDirection.PURCHASE:
                h_imp += gj
            else:
                h_exp += gj
    imp = e_imp * loc.value + h_imp * heat_f.value
    exp = e_exp * loc.value + h_exp * heat_f.value
    boundary = BoundaryExchange(
        electricity_import_mwh=e_imp, electricity_export_mwh=e_exp, heat_import_gj=h_imp,
        heat_export_gj=h_exp, electricity_factor_tco2_per_mwh=loc.value,
        electricity_factor_key=f"{loc.key}@{loc.version}", heat_factor_tco2_per_gj=heat_f.value,
        import_tco2=imp, export_tco2=exp, net_tco2=imp - exp)

    internal: list[InternalSupply] = []
    for r in results:
        for line in r.lines:
            s = _internal(line, members, r.enterprise_id)
            if s is not None:
                internal.append(s)
    internal_tco2 = sum((s.buyer_tco2 for s in internal), ZERO)
    direct = sum((r.totals.direct_tco2e for r in results), ZERO)
    total = direct + boundary.net_tco2
    sum_totals = sum((r.totals.total_tco2e for r in results), ZERO)

    groups: dict[str, list[EnterpriseResult]] = defaultdict(list)
    for r in results:
        groups[r.industry_group or "(none)"].append(r)
    group_totals = [
        GroupTotal(group=g, enterprise_ids=[r.enterprise_id for r in rs],
                   direct_tco2e=sum((r.totals.direct_tco2e for r in rs), ZERO),
                   total_tco2e=sum((r.totals.total_tco2e for r in rs), ZERO),
                   energy_tce=sum((r.energy.total_tce for r in rs), ZERO))
        for g, rs in sorted(groups.items())
    ]
    tce_el = ctx.p("tce.electricity_equivalent").value
    tce_heat = ctx.p("tce.heat").value
    energy_sum = sum((r.energy.total_tce for r in results), ZERO)
    internal_energy = internal_el_net * tce_el + internal_heat_net * tce_heat
    feed = sum((r.energy.feedstock_tce for r in results), ZERO)
    va_list = [r.intensities.value_added_1e4_cny for r in results]
    va = sum((v for v in va_list if v is not None), ZERO) if all(
        v is not None for v in va_list) and va_list else None

    used: dict[tuple[str, str, str], ParameterRef] = {}
    for r in results:
        for p in r.parameters_used:
            used[(p.methodology, p.key, p.version)] = p
    for p in ctx.params.used_refs():
        used[(p.methodology, p.key, p.version)] = p
    for r in results:
        warnings += [f"{r.enterprise_id}: {w}" for w in r.warnings]
    return ParkResult(
        park_id=park_doc.park.id, park_name=park_doc.park.name,
        period_start=park_doc.period.start.isoformat(), period_end=park_doc.period.end.isoformat(),
        gwp_set=park_doc.options.gwp_set, parameter_set=base.name,
        direct_tco2e=direct, total_tco2e=total, total_imports_only_tco2e=direct + imp,
        biomass_tco2=sum((r.totals.biomass_tco2 for r in results), ZERO),
        energy_tce=energy_sum - internal_energy,
        energy_excluding_feedstock_tce=energy_sum - internal_energy - feed,
        boundary=boundary, sum_of_enterprise_totals_tco2e=sum_totals,
        internal_supply_tco2e=internal_tco2,
        export_adjustment_tco2e=total - (sum_totals - internal_tco2),
        internal_supplies=internal, industry_groups=group_totals, enterprises=results,
        value_added_1e4_cny=va,
        intensity_tco2e_per_1e4_cny=(total / va) if va else None,
        parameters_used=[used[k] for k in sorted(used)], warnings=warnings,
    )
