"""Power facilities by the MEE power-sector guideline (methodology.md §2.3): monthly
element-carbon rule with the high default for months without a valid test, oil and gas by NCV ×
carbon per heat (table C, else A), ETS facility report with purchased electricity at the ETS
reporting factor, and the facility's own supply factors (heat split by the heat ratio)."""

from __future__ import annotations

from decimal import Decimal

from .methodologies.base import C_TO_CO2, ONE, ZERO, Ctx, LineBuilder, MissingInput
from .model import CoalMonth, PowerFacility
from .result import PowerFacilityReport, ResultLine, Scope, SourceCategory
from .sources import combustion_line
from .tiers import DataQuality

F_COAL = "E = FC_m × C_ar,m × OF × 44/12;  C_ar = NCV_ar × 0.03085 for months without a valid test"
F_CAR_AD = "C_ar = C_ad × (100 − M_ar) / (100 − M_ad)"


def coal_line(fac: PowerFacility, m: CoalMonth, ctx: Ctx) -> tuple[ResultLine, bool]:
    """One month's coal; returns the line and whether the high default was applied."""
    tag = f"m{m.month:02d}" if m.month is not None else "year"
    b = LineBuilder(id=f"power_combustion:{fac.id}:coal:{tag}",
                    source=SourceCategory.POWER_COMBUSTION, scope=Scope.DIRECT,
                    formula_id="mee_power.coal_monthly", formula=F_COAL, facility=fac.id,
                    process=fac.process)
    fc = b.datum("coal_t", m.amount_t, m.quality)
    high_default = False
    if m.carbon_ar is not None:
        car = b.datum("carbon_ar_tc_per_t", m.carbon_ar.value, m.carbon_ar.quality)
    elif (m.carbon_ad is not None and m.moisture_ar_pct is not None
          and m.moisture_ad_pct is not None):
        cad = b.datum("carbon_ad_tc_per_t", m.carbon_ad.value, m.carbon_ad.quality)
        mar = b.datum("moisture_ar_pct", m.moisture_ar_pct, m.quality)
        mad = b.datum("moisture_ad_pct", m.moisture_ad_pct, m.quality)
        car = cad * (Decimal(100) - mar) / (Decimal(100) - mad)
        b.datum("carbon_ar_tc_per_t", car, DataQuality.CALCULATED)
        b.notes.append(F_CAR_AD)
    else:
        if m.ncv_ar_gj_per_t is None:
            raise MissingInput(f"{b.id}: no element-carbon test and no NCV_ar for the high default",
                               params={"line": b.id, "input": "ncv_ar_gj_per_t"})
        ncv = b.datum("ncv_ar_gj_per_t", m.ncv_ar_gj_per_t.value, m.ncv_ar_gj_per_t.quality)
        hi = b.param("high_default_carbon_per_heat_tc_per_gj",
                     ctx.p("power.coal.high_default_carbon_per_heat"))
        car = ncv * hi
        b.inputs["carbon_ar_tc_per_t"] = car
        b.notes.append("no valid element-carbon test this month: high default applied")
        high_default = True
    of = b.param("oxidation", ctx.p("power.coal.oxidation"))
    return b.build("CO2", fc * car * of * C_TO_CO2, ONE), high_default


def power_facility(fac: PowerFacility, ctx: Ctx) -> tuple[list[ResultLine], PowerFacilityReport]:
    lines: list[ResultLine] = []
    hi_months: list[int] = []
    coal_t = ZERO
    carbon_t = ZERO
    for m in sorted(fac.coal, key=lambda x: x.month or 0):
        line, hi = coal_line(fac, m, ctx)
        lines.append(line)
        coal_t += m.amount_t
        carbon_t += m.amount_t * line.inputs["carbon_ar_tc_per_t"]
        if hi:
            hi_months.append(m.month or 0)
    for f in fac.other_fuels:
        table = "C" if ctx.has(f"fuelC.{f.fuel}.ncv") else ctx.doc.options.fuel_table
        line = combustion_line(f, ctx, table, SourceCategory.POWER_COMBUSTION)
        line.id = f"power_combustion:{fac.id}:{f.id}"
        line.facility = fac.id
        line.formula_id = "mee_power.fuel"
        lines.append(line)
    burn = sum((x.emissions_tco2e for x in lines), ZERO)
    ets = ctx.p("grid.ets_reporting") if fac.grid_purchase_mwh else None
    e_el = fac.grid_purchase_mwh * ets.value if ets is not None else ZERO
    heat_factor = power_factor = None
    if fac.heat_ratio is not None:
        if fac.heat_supplied_gj:
            heat_factor = burn * fac.heat_ratio / fac.heat_supplied_gj
        if fac.supplied_mwh:
            power_factor = burn * (ONE - fac.heat_ratio) / fac.supplied_mwh
    report = PowerFacilityReport(
        id=fac.id, name=fac.name, combustion_tco2=burn, electricity_tco2=e_el,
        verified_tco2=burn + e_el, coal_t=coal_t,
        weighted_carbon_ar_tc_per_t=(carbon_t / coal_t) if coal_t else None,
        months_with_high_default=hi_months, generation_mwh=fac.generation_mwh,
        supplied_mwh=fac.supplied_mwh, heat_supplied_gj=fac.heat_supplied_gj,
        heat_ratio=fac.heat_ratio, heat_factor_tco2_per_gj=heat_factor,
        power_factor_tco2_per_mwh=power_factor, line_ids=[x.id for x in lines],
    )
    return lines, report
