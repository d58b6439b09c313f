"""Comprehensive energy consumption in tce per GB/T 2589-2020 (methodology.md §6.1): measured NCV
first (NCV / 29.3076), else the reference coefficient of the carrier, else the default NCV; with
and without feedstock energy (原料用能), with and without non-fossil energy."""

from __future__ import annotations

from decimal import Decimal

from .catalogue.fuels import fuel_unit
from .methodologies.base import ZERO, Ctx
from .model import ActivityDocument, FuelUse
from .parameters import ParameterRef
from .result import ElectricityViews, EnergyLine, EnergyResult
from .tiers import DataQuality


def _fuel_line(f: FuelUse, ctx: Ctx, table: str, gj_per_tce: Decimal,
               refs: list[ParameterRef], prefix: str = "") -> EnergyLine | None:
    unit = f.unit or fuel_unit(f.fuel)
    basis = "ncv"
    used: list[ParameterRef] = list(refs)
    if f.ncv is not None and f.ncv.quality is DataQuality.MEASURED:
        coef = f.ncv.value / gj_per_tce
    elif ctx.has(f"tce.{f.fuel}"):
        p = ctx.p(f"tce.{f.fuel}")
        coef, basis = p.value, "reference"
        used = [p.ref]
    elif f.ncv is not None:
        coef = f.ncv.value / gj_per_tce
    elif ctx.has(f"fuel{table}.{f.fuel}.ncv"):
        p = ctx.p(f"fuel{table}.{f.fuel}.ncv")
        coef = p.value / gj_per_tce
        used.append(p.ref)
    else:
        ctx.warnings.append(f"energy: no NCV or tce coefficient for fuel {f.id} ({f.fuel})")
        return None
    return EnergyLine(id=f"{prefix}{f.id}", carrier=f.fuel, amount=f.amount, unit=unit,
                      coefficient_tce_per_unit=coef, energy_tce=f.amount * coef, basis=basis,
                      is_feedstock=f.use.value == "feedstock", parameters=used)


def energy(ctx: Ctx, doc: ActivityDocument, views: ElectricityViews, heat_net_gj: Decimal
           ) -> EnergyResult:
    gj = ctx.p("tce.gj_per_tce")
    gj_per_tce = gj.value
    table = doc.options.fuel_table
    lines: list[EnergyLine] = []
    for f in doc.fuels:
        line = _fuel_line(f, ctx, table, gj_per_tce, [gj.ref])
        if line is not None:
            lines.append(line)
    for fac in doc.power_facilities:
        coal_tce = ZERO
        coal_t = ZERO
        refs = [gj.ref]
        for m in fac.coal:
            coal_t += m.amount_t
            if m.ncv_ar_gj_per_t is not None:
                coal_tce += m.amount_t * m.ncv_ar_gj_per_t.value / gj_per_tce
            else:
                raw = ctx.p("tce.raw_coal")
                refs.append(raw.ref)
                coal_tce += m.amount_t * raw.value
        if coal_t:
            lines.append(EnergyLine(id=f"{fac.id}:coal", carrier="coal", amount=coal_t, unit="t",
                                    coefficient_tce_per_unit=coal_tce / coal_t,
                                    energy_tce=coal_tce, basis="ncv", parameters=refs))
        for f in fac.other_fuels:
            table_f = "C" if ctx.has(f"fuelC.{f.fuel}.ncv") else table
            line = _fuel_line(f, ctx, table_f, gj_per_tce, [gj.ref], prefix=f"{fac.id}:")
            if line is not None:
                lines.append(line)
    for bm in doc.biomass:
        coef = bm.ncv.value / gj_per_tce
        lines.append(EnergyLine(id=bm.id, carrier="biomass", amount=bm.amount, unit=bm.unit,
                                coefficient_tce_per_unit=coef, energy_tce=bm.amount * coef,
                                basis="ncv", is_non_fossil=True, parameters=[gj.ref]))
    if views.net_mwh or views.green_accepted_mwh:
        key = ("tce.electricity_equal_value" if doc.options.electricity_equal_value
               else "tce.electricity_equivalent")
        p = ctx.p(key)
        basis = "equal_value" if doc.options.electricity_equal_value else "equivalent"
        green = min(views.green_accepted_mwh, max(views.net_mwh, ZERO))
        rest = views.net_mwh - green
        lines.append(EnergyLine(id="electricity:net", carrier="electricity", amount=rest,
                                unit="MWh", coefficient_tce_per_unit=p.value,
                                energy_tce=rest * p.value, basis=basis, parameters=[p.ref]))
        if green:
            lines.append(EnergyLine(id="electricity:green", carrier="electricity", amount=green,
                                    unit="MWh", coefficient_tce_per_unit=p.value,
                                    energy_tce=green * p.value, basis=basis,
                                    is_non_fossil=True, parameters=[p.ref]))
    if heat_net_gj:
        p = ctx.p("tce.heat")
        lines.append(EnergyLine(id="heat:net", carrier="heat", amount=heat_net_gj, unit="GJ",
                                coefficient_tce_per_unit=p.value, energy_tce=heat_net_gj * p.value,
                                basis="equivalent", parameters=[p.ref]))
    total = sum((x.energy_tce for x in lines), ZERO)
    feed = sum((x.energy_tce for x in lines if x.is_feedstock), ZERO)
    nonfossil = sum((x.energy_tce for x in lines if x.is_non_fossil), ZERO)
    return EnergyResult(
        total_tce=total, excluding_feedstock_tce=total - feed,
        excluding_non_fossil_tce=total - nonfossil,
        excluding_feedstock_and_non_fossil_tce=total - feed - nonfossil,
        feedstock_tce=feed, non_fossil_tce=nonfossil, lines=lines,
    )
