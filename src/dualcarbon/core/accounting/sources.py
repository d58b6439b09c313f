"""Direct-emission sources of the chemical guideline (methodology.md §1.3-§1.6, GB/T 32150
biomass rule). Each function returns result lines with full provenance."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from .catalogue.fuels import fuel_unit
from .catalogue.process import GAS_CARBON_ATOMS
from .methodologies.base import C_TO_CO2, ONE, ZERO, Ctx, LineBuilder, MissingInput
from .model import (
    AcidKind,
    AcidProduction,
    BiomassUse,
    CarbonateUse,
    CO2Recovery,
    EnergyUse,
    FuelUse,
    MaterialFlow,
    MaterialRole,
    RecoveryDestination,
)
from .result import ResultLine, Scope, SourceCategory
from .tiers import DataQuality

F_COMBUSTION = "E = AD × CC × OF × 44/12;  CC = NCV × EF when not measured"
F_GAS_CC = "CC = Σ 12 × V_n × CN_n × 10 / 22.4  [tC/10^4 Nm3]"
F_MASS_BALANCE = "E = (Σ AD_r × CC_r − Σ AD_p × CC_p − Σ AD_w × CC_w) × 44/12"
F_CARBONATE = "E = AD × EF × PUR"
F_N2O = "E_N2O = AD × EF × (1 − η × μ) × 10^-3;  CO2e = E_N2O × GWP_N2O"
F_RECOVERY = "R = Q × PUR × ρ_CO2  (deducted)"
F_BIOMASS = "E = AD × NCV × EF × OF × 44/12  (reported apart, not in the total)"


def gas_carbon_content(b: LineBuilder, prefix: str, composition: dict[str, Decimal],
                       quality: DataQuality, ctx: Ctx) -> Decimal:
    """tC per 10^4 Nm3 of a gas from its volume composition."""
    molar_volume = b.constant("gas_molar_volume_nm3_per_kmol", ctx.p("gas.molar_volume"))
    atoms = ZERO
    for comp, frac in sorted(composition.items()):
        if comp not in GAS_CARBON_ATOMS:
            raise MissingInput(f"{b.id}: unknown gas component {comp!r}",
                               params={"line": b.id, "input": comp})
        b.datum(f"{prefix}v_{comp}", frac, quality)
        atoms += frac * GAS_CARBON_ATOMS[comp]
    b.notes.append(F_GAS_CC)
    cc = Decimal(12) * atoms * Decimal(10) / molar_volume
    b.qualities.append(DataQuality.CALCULATED)
    return cc


def fuel_carbon_content(b: LineBuilder, f: FuelUse, ctx: Ctx, table: str) -> Decimal:
    """tC per unit of fuel: measured, from gas composition, or NCV × carbon per heat."""
    if f.carbon_content is not None:
        return b.datum("carbon_content_tc_per_unit", f.carbon_content.value,
                       f.carbon_content.quality)
    if f.composition:
        cc = gas_carbon_content(b, "", f.composition, f.composition_quality, ctx)
        b.inputs["carbon_content_tc_per_unit"] = cc
        return cc
    base = f"fuel{table}.{f.fuel}"
    ncv = b.measured_or_default("ncv_gj_per_unit", f.ncv, ctx, f"{base}.ncv")
    ef = b.measured_or_default("carbon_per_heat_tc_per_gj", f.carbon_per_heat, ctx,
                               f"{base}.carbon_per_heat")
    cc = ncv * ef
    b.inputs["carbon_content_tc_per_unit"] = cc
    return cc


def combustion_line(f: FuelUse, ctx: Ctx, table: str,
                    source: SourceCategory = SourceCategory.COMBUSTION) -> ResultLine:
    b = LineBuilder(id=f"{source.value}:{f.id}", source=source, scope=Scope.DIRECT,
                    formula_id="chem.combustion", formula=F_COMBUSTION,
                    facility=f.facility, process=f.process)
    b.labels.update(fuel=f.fuel, unit=f.unit or fuel_unit(f.fuel), name=f.name or f.fuel)
    ad = b.datum("amount", f.amount, f.quality)
    cc = fuel_carbon_content(b, f, ctx, table)
    of = b.measured_or_default("oxidation", f.oxidation, ctx, f"fuel{table}.{f.fuel}.oxidation")
    co2 = ad * cc * of * C_TO_CO2
    return b.build("CO2", co2, ONE)


def _material_carbon(b: LineBuilder, m: MaterialFlow, ctx: Ctx) -> tuple[Decimal, DataQuality]:
    if m.carbon_content is not None:
        return m.carbon_content.value, m.carbon_content.quality
    if m.composition:
        before = len(b.qualities)
        cc = gas_carbon_content(b, f"{m.id}.", m.composition, m.quality, ctx)
        del b.qualities[before:]
        return cc, DataQuality.CALCULATED
    if m.material is not None:
        p = ctx.p(f"product.{m.material}.carbon_content")
        b.refs.append(p.ref)
        return p.value, DataQuality.CALCULATED  # 化学计算
    raise MissingInput(f"material {m.id}: carbon content, composition or material required",
                       params={"line": m.id, "input": "carbon_content"})


def mass_balance_lines(fuels: list[FuelUse], materials: list[MaterialFlow], ctx: Ctx,
                       table: str) -> list[ResultLine]:
    """Carbon mass balance per process (feedstock fuels and carbon-bearing materials)."""
    groups: dict[str | None, tuple[list[FuelUse], list[MaterialFlow]]] = defaultdict(
        lambda: ([], []))
    for f in fuels:
        if f.use is EnergyUse.FEEDSTOCK:
            groups[f.process][0].append(f)
    for m in materials:
        groups[m.process][1].append(m)
    lines: list[ResultLine] = []
    for process, (feeds, mats) in sorted(groups.items(), key=lambda kv: kv[0] or ""):
        b = LineBuilder(id=f"process_mass_balance:{process or 'enterprise'}",
                        source=SourceCategory.PROCESS_MASS_BALANCE, scope=Scope.DIRECT,
                        formula_id="chem.mass_balance", formula=F_MASS_BALANCE, process=process)
        c_in = ZERO
        c_out = ZERO
        facilities = {x.facility for x in feeds} | {x.facility for x in mats}
        if len(facilities) == 1:
            b.facility = next(iter(facilities))
        for f in feeds:
            sub = LineBuilder(id=f.id, source=b.source, scope=b.scope, formula_id="", formula="")
            cc = fuel_carbon_content(sub, f, ctx, table)
            for k, v in sub.inputs.items():
                b.inputs[f"{f.id}.{k}"] = v
            b.refs += sub.refs
            b.qualities += sub.qualities
            b.notes += [n for n in sub.notes if n not in b.notes]
            ad = b.datum(f"{f.id}.amount", f.amount, f.quality)
            b.inputs[f"{f.id}.carbon_tc"] = ad * cc
            c_in += ad * cc
        for m in mats:
            cc, q = _material_carbon(b, m, ctx)
            b.datum(f"{m.id}.carbon_content_tc_per_unit", cc, q)
            ad = b.datum(f"{m.id}.amount", m.amount, m.quality)
            b.labels[m.id] = f"{m.role.value}: {m.name}"
            b.inputs[f"{m.id}.carbon_tc"] = ad * cc
            if m.role is MaterialRole.INPUT:
                c_in += ad * cc
            else:
                c_out += ad * cc
        b.inputs["carbon_in_tc"] = c_in
        b.inputs["carbon_out_tc"] = c_out
        if c_in < c_out:
            ctx.warnings.append(
                f"{b.id}: carbon out {c_out} tC exceeds carbon in {c_in} tC (negative process CO2)")
        lines.append(b.build("CO2", (c_in - c_out) * C_TO_CO2, ONE))
    return lines


def carbonate_line(c: CarbonateUse, ctx: Ctx) -> ResultLine:
    b = LineBuilder(id=f"carbonate:{c.id}", source=SourceCategory.CARBONATE, scope=Scope.DIRECT,
                    formula_id="chem.carbonate", formula=F_CARBONATE, facility=c.facility,
                    process=c.process)
    b.labels["carbonate"] = c.carbonate
    ad = b.datum("amount_t", c.amount_t, c.quality)
    ef = b.measured_or_default("ef_tco2_per_t", c.ef, ctx, f"carbonate.{c.carbonate}.ef")
    pur = b.datum("purity", c.purity.value, c.purity.quality)
    return b.build("CO2", ad * ef * pur, ONE)


def acid_line(a: AcidProduction, ctx: Ctx) -> ResultLine:
    source = (SourceCategory.NITRIC_ACID if a.acid is AcidKind.NITRIC
              else SourceCategory.ADIPIC_ACID)
    b = LineBuilder(id=f"{source.value}:{a.id}", source=source, scope=Scope.DIRECT,
                    formula_id=f"chem.n2o.{a.acid.value}", formula=F_N2O, facility=a.facility,
                    process=a.process)
    b.labels.update(technology=a.technology, abatement=a.abatement or "none")
    ad = b.datum("output_t", a.output_t, a.quality)
    ef = b.measured_or_default("generation_factor_kg_per_t", a.generation_factor_kg_per_t, ctx,
                               f"n2o.{a.acid.value}.{a.technology}.generation_factor")
    if a.abatement is None and a.abatement_efficiency is None:
        eta, mu = ZERO, ZERO
    else:
        key = f"n2o.{a.acid.value}_abatement.{a.abatement}.efficiency"
        eta = b.measured_or_default("abatement_efficiency", a.abatement_efficiency, ctx, key)
        if a.utilisation is None:
            mu = ONE
            b.notes.append("utilisation rate μ not given: 1 assumed (缺省)")
            b.datum("utilisation", mu, DataQuality.DEFAULT)
        else:
            mu = b.datum("utilisation", a.utilisation.value, a.utilisation.quality)
    n2o = ad * ef * (ONE - eta * mu) / Decimal(1000)
    gwp = b.constant("gwp_n2o", ctx.gwp("N2O"))
    return b.build("N2O", n2o, gwp)


def recovery_line(r: CO2Recovery, ctx: Ctx) -> ResultLine:
    b = LineBuilder(id=f"co2_recovery:{r.id}", source=SourceCategory.CO2_RECOVERY,
                    scope=Scope.DIRECT, formula_id="chem.co2_recovery", formula=F_RECOVERY,
                    facility=r.facility, process=r.process)
    b.labels["destination"] = r.destination.value
    q = b.datum("volume_1e4_nm3", r.volume_1e4_nm3, r.quality)
    pur = b.datum("purity", r.purity.value, r.purity.quality)
    rho = b.constant("density_t_per_1e4_nm3", ctx.p("co2.density"))
    recovered = q * pur * rho
    b.inputs["recovered_t"] = recovered
    if r.destination is RecoveryDestination.INTO_PRODUCT:
        b.notes.append("carbon already leaves the mass balance as product carbon: not deducted")
        return b.build("CO2", ZERO, ONE)
    return b.build("CO2", -recovered, ONE)


def biomass_line(bm: BiomassUse, ctx: Ctx) -> ResultLine:
    b = LineBuilder(id=f"biomass:{bm.id}", source=SourceCategory.BIOMASS, scope=Scope.MEMO,
                    formula_id="gbt32150.biomass", formula=F_BIOMASS, facility=bm.facility,
                    process=bm.process)
    b.labels.update(name=bm.name, unit=bm.unit)
    ad = b.datum("amount", bm.amount, bm.quality)
    ncv = b.datum("ncv_gj_per_unit", bm.ncv.value, bm.ncv.quality)
    ef = b.datum("carbon_per_heat_tc_per_gj", bm.carbon_per_heat.value, bm.carbon_per_heat.quality)
    of = b.datum("oxidation", bm.oxidation.value, bm.oxidation.quality) if bm.oxidation else ONE
    return b.build("CO2", ad * ncv * ef * of * C_TO_CO2, ONE)
