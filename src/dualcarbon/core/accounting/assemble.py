"""Turns result lines into an enterprise result: totals, energy, intensities, levels."""

from __future__ import annotations

from decimal import Decimal

from .energy import energy
from .levels import levels
from .methodologies.base import ZERO, Ctx
from .result import (
    ElectricityViews,
    EnterpriseResult,
    Intensities,
    PowerFacilityReport,
    ResultLine,
    Scope,
    SourceCategory,
    Totals,
)


def _sum(lines: list[ResultLine], *sources: SourceCategory) -> Decimal:
    return sum((x.emissions_tco2e for x in lines if x.source in sources), ZERO)


def totals(lines: list[ResultLine]) -> Totals:
    S = SourceCategory
    combustion = _sum(lines, S.COMBUSTION, S.POWER_COMBUSTION)
    mb = _sum(lines, S.PROCESS_MASS_BALANCE)
    carb = _sum(lines, S.CARBONATE)
    n2o_lines = [x for x in lines if x.gas == "N2O" and x.in_total]
    direct = sum((x.emissions_tco2e for x in lines if x.scope is Scope.DIRECT), ZERO)
    indirect = sum((x.emissions_tco2e for x in lines if x.scope is Scope.INDIRECT), ZERO)
    return Totals(
        combustion_tco2=combustion,
        process_co2_tco2=mb + carb,
        process_mass_balance_tco2=mb,
        carbonate_tco2=carb,
        process_n2o_t=sum((x.gas_mass_t for x in n2o_lines), ZERO),
        process_n2o_tco2e=sum((x.emissions_tco2e for x in n2o_lines), ZERO),
        recovery_tco2=-_sum(lines, S.CO2_RECOVERY),
        direct_tco2e=direct,
        electricity_tco2=_sum(lines, S.ELECTRICITY),
        heat_tco2=_sum(lines, S.HEAT),
        indirect_tco2e=indirect,
        total_tco2e=direct + indirect,
        biomass_tco2=_sum(lines, S.BIOMASS),
        co2_t=sum((x.gas_mass_t for x in lines if x.gas == "CO2" and x.in_total), ZERO),
        n2o_t=sum((x.gas_mass_t for x in n2o_lines), ZERO),
    )


def assemble(ctx: Ctx, methodology: str, lines: list[ResultLine], views: ElectricityViews,
             heat_net_gj: Decimal, reports: list[PowerFacilityReport]) -> EnterpriseResult:
    doc = ctx.doc
    t = totals(lines)
    en = energy(ctx, doc, views, heat_net_gj)
    va = doc.enterprise.value_added_1e4_cny
    intens = Intensities(value_added_1e4_cny=va)
    if va:
        intens.intensity_tco2e_per_1e4_cny = t.total_tco2e / va
        intens.intensity_tce_per_1e4_cny = en.total_tce / va
    facs, procs, prods = levels(doc, lines)
    for p in prods:
        if p.intensity_tco2e_per_t is not None:
            intens.products[p.id] = p.intensity_tco2e_per_t
    return EnterpriseResult(
        enterprise_id=doc.enterprise.id,
        enterprise_name=doc.enterprise.name,
        industry_group=doc.enterprise.industry_group,
        period_start=doc.period.start.isoformat(),
        period_end=doc.period.end.isoformat(),
        methodology=methodology,
        gwp_set=doc.options.gwp_set,
        parameter_set=ctx.params.name,
        totals=t,
        electricity=views,
        energy=en,
        intensities=intens,
        lines=lines,
        facilities=facs,
        processes=procs,
        products=prods,
        power_facilities=reports,
        parameters_used=ctx.params.used_refs(),
        warnings=ctx.warnings,
    )
