"""Power generation (MEE power-sector guideline, methodology.md §2.3): E = E_燃烧 + E_电 for an
enterprise whose sources are power facilities (e.g. a park CHP company). Purchased electricity
and heat count; supplied or exported electricity and heat are not deducted."""

from __future__ import annotations

from ..assemble import assemble
from ..flows import electricity, heat
from ..model import EnergyUse
from ..power_facility import power_facility
from ..result import EnterpriseResult, PowerFacilityReport, ResultLine, SourceCategory
from ..sources import biomass_line, combustion_line
from .base import Ctx, register


class PowerMethodology:
    id = "MEE-power-2022"
    aliases: tuple[str, ...] = ("power",)
    title = "企业温室气体排放核算与报告指南 发电设施 (环办气候函〔2022〕485号)"

    def account(self, ctx: Ctx) -> EnterpriseResult:
        doc = ctx.doc
        lines: list[ResultLine] = []
        reports: list[PowerFacilityReport] = []
        for fac in doc.power_facilities:
            fac_lines, report = power_facility(fac, ctx)
            lines += fac_lines
            reports.append(report)
        for f in doc.fuels:
            if f.use is not EnergyUse.FUEL:
                ctx.warnings.append(f"fuel {f.id}: feedstock use ignored by the power methodology")
                continue
            table = "C" if ctx.has(f"fuelC.{f.fuel}.ncv") else doc.options.fuel_table
            lines.append(combustion_line(f, ctx, table, SourceCategory.POWER_COMBUSTION))
        if doc.materials or doc.carbonates or doc.acids or doc.co2_recovery:
            ctx.warnings.append("process sources are not part of the power methodology: ignored")
        el_lines, views = electricity(ctx, doc.electricity, doc.green_claims, export_credit=False)
        lines += el_lines
        heat_lines, bought, _sold = heat(ctx, doc.heat, export_credit=False)
        lines += heat_lines
        lines += [biomass_line(b, ctx) for b in doc.biomass]
        return assemble(ctx, self.id, lines, views, bought, reports)


POWER = register(PowerMethodology())
