"""Chemical enterprises: NDRC 2013 chemical guideline / GB/T 32151.10-2015 (methodology.md §1).

E_GHG = E_燃烧 + E_过程(CO2 mass balance + carbonates) + E_N2O × GWP − R_回收 + E_净电 + E_净热;
a self-owned power facility is accounted by the MEE power guideline and its combustion counts
once, as the enterprise's direct emissions (cross-sector rule, §2.3); biomass reported apart."""

from __future__ import annotations

from ..assemble import assemble
from ..flows import electricity, heat
from ..model import EnergyUse
from ..power_facility import power_facility
from ..result import EnterpriseResult, PowerFacilityReport, ResultLine
from ..sources import (
    acid_line,
    biomass_line,
    carbonate_line,
    combustion_line,
    mass_balance_lines,
    recovery_line,
)
from .base import Ctx, register


class ChemicalMethodology:
    id = "NDRC-2013-chemical"
    aliases: tuple[str, ...] = ("chemical", "GB/T 32151.10-2015")
    title = "中国化工生产企业温室气体排放核算方法与报告指南（试行） / GB/T 32151.10-2015"

    def account(self, ctx: Ctx) -> EnterpriseResult:
        doc = ctx.doc
        table = doc.options.fuel_table
        lines: list[ResultLine] = [
            combustion_line(f, ctx, table) for f in doc.fuels if f.use is EnergyUse.FUEL
        ]
        lines += mass_balance_lines(doc.fuels, doc.materials, ctx, table)
        lines += [carbonate_line(c, ctx) for c in doc.carbonates]
        lines += [acid_line(a, ctx) for a in doc.acids]
        lines += [recovery_line(r, ctx) for r in doc.co2_recovery]
        reports: list[PowerFacilityReport] = []
        for fac in doc.power_facilities:
            fac_lines, report = power_facility(fac, ctx)
            lines += fac_lines
            reports.append(report)
        el_lines, views = electricity(ctx, doc.electricity, doc.green_claims)
        lines += el_lines
        heat_lines, bought, sold = heat(ctx, doc.heat)
        lines += heat_lines
        lines += [biomass_line(b, ctx) for b in doc.biomass]
        return assemble(ctx, self.id, lines, views, bought - sold, reports)


CHEMICAL = register(ChemicalMethodology())
