"""Net purchased electricity and heat (methodology.md §1.7, §3): result lines for the view that
enters the total, and the three electricity views side by side."""

from __future__ import annotations

from decimal import Decimal

from .catalogue.grid import PROVINCES
from .methodologies.base import ONE, ZERO, Ctx, LineBuilder, MissingInput
from .model import (
    GRID,
    ElectricityFlow,
    ElectricityView,
    FlowDirection,
    GreenClaim,
    GridScope,
    HeatFlow,
    HeatMedium,
)
from .parameters import Parameter
from .result import ElectricityViews, ResultLine, Scope, SourceCategory
from .steam import steam_enthalpy_kj_per_kg
from .tiers import DataQuality

F_ELEC = "E = ±AD_MWh × EF_grid  (purchases +, exports −)"
F_ELEC_GREEN = "E_market = (AD_net − AD_green) × EF_residual + AD_green × 0"
F_HEAT = "E = ±AD_GJ × EF_heat  (purchases +, exports −)"
F_STEAM = "AD_st = Ma × (En − 83.74) × 10^-3  [GJ]; En from IAPWS-IF97 at T, P if not given"
F_HOT_WATER = "AD_w = Ma × (T − 20) × 4.1868 × 10^-3  [GJ]"


def location_factor(ctx: Ctx, province: str | None, region: str | None) -> Parameter:
    """Location-based grid factor: province if known and published, else region, else national;
    the period's year (or options.grid_year), else the latest published year before it."""
    opts = ctx.doc.options
    if region is None and province is not None and province in PROVINCES:
        region = PROVINCES[province][1]
    candidates: list[str] = []
    scope = opts.grid_scope
    if scope in (GridScope.AUTO, GridScope.PROVINCE) and province:
        candidates.append(f"grid.location.province.{province}")
    if scope in (GridScope.AUTO, GridScope.REGION, GridScope.PROVINCE) and region:
        candidates.append(f"grid.location.region.{region}")
    candidates.append("grid.location.national")
    year = opts.grid_year or ctx.on.year
    for y in range(year, 2009, -1):
        on = ctx.on.replace(year=y)
        for key in candidates:
            p = ctx.params.find(key, on)
            if p is not None:
                return ctx.params.lookup(key, on)
    for y in range(year + 1, year + 30):  # before the first published year: the earliest one
        on = ctx.on.replace(year=y)
        for key in candidates:
            if ctx.params.find(key, on) is not None:
                ctx.warnings.append(f"no location grid factor published for {year}: "
                                    f"the earliest ({y}) used")
                return ctx.params.lookup(key, on)
    return ctx.params.lookup("grid.location.national", ctx.on)


def _year_param(ctx: Ctx, key: str, fallback: Parameter, what: str) -> Parameter:
    """The factor for the period's year, else the latest published; before the first published
    year, the location factor stands in (with a warning)."""
    year = ctx.doc.options.grid_year or ctx.on.year
    on = ctx.on.replace(year=year)
    if ctx.params.find(key, on) is None and not any(
            (p.valid_from or on) <= on for p in ctx.params.versions(key)):
        ctx.warnings.append(f"no {what} factor published for {year}: location factor used")
        return fallback
    return ctx.params.lookup_latest(key, on)


def _claim_mwh(c: GreenClaim, per_cert: Decimal) -> Decimal | None:
    if c.energy_mwh is not None:
        return c.energy_mwh
    if c.certificate_count is not None:
        return Decimal(c.certificate_count) * per_cert
    if c.certificate_ids:
        return Decimal(len(c.certificate_ids)) * per_cert
    return None


def accepted_green(ctx: Ctx, claims: list[GreenClaim], grid_purchase_mwh: Decimal,
                   seen_certificates: set[str] | None = None) -> tuple[Decimal, Decimal, list[str]]:
    """Green MWh claimed and accepted: same year as the period, each certificate claimed once,
    capped at the grid purchases. Returns (claimed, accepted, rejected claim ids)."""
    seen = seen_certificates if seen_certificates is not None else set()
    per_cert = ctx.p("green_certificate.mwh_per_certificate").value if claims else ONE
    claimed = ZERO
    accepted = ZERO
    rejected: list[str] = []
    for c in claims:
        mwh = _claim_mwh(c, per_cert)
        if mwh is None:
            rejected.append(c.id)
            ctx.warnings.append(f"green claim {c.id}: no MWh, certificate count or ids")
            continue
        claimed += mwh
        if c.year != ctx.doc.period.year:
            rejected.append(c.id)
            ctx.warnings.append(f"green claim {c.id}: year {c.year} does not match the period")
            continue
        dup = [i for i in c.certificate_ids if i in seen]
        if dup or len(set(c.certificate_ids)) != len(c.certificate_ids):
            rejected.append(c.id)
            ctx.warnings.append(f"green claim {c.id}: certificate(s) already claimed: "
                                f"{', '.join(dup) or 'repeated within the claim'}")
            continue
        if c.certificate_ids and c.certificate_count is not None and (
                len(c.certificate_ids) != c.certificate_count):
            ctx.warnings.append(f"green claim {c.id}: {len(c.certificate_ids)} ids listed for "
                                f"{c.certificate_count} certificates")
        seen.update(c.certificate_ids)
        accepted += mwh
    if accepted > grid_purchase_mwh:
        ctx.warnings.append(f"green claims {accepted} MWh exceed grid purchases "
                            f"{grid_purchase_mwh} MWh: capped")
        accepted = grid_purchase_mwh
    return claimed, accepted, rejected


def electricity(ctx: Ctx, flows: list[ElectricityFlow], claims: list[GreenClaim], *,
                export_credit: bool = True, province: str | None = None,
                region: str | None = None,
                ) -> tuple[list[ResultLine], ElectricityViews]:
    ent = ctx.doc.enterprise
    loc = location_factor(ctx, province or ent.province, region or ent.region)
    residual = _year_param(ctx, "grid.residual.national", loc, "residual-mix")
    ets = _year_param(ctx, "grid.ets_reporting", loc, "ETS reporting")
    view = ctx.doc.options.electricity_view_for_total
    view_factor = {ElectricityView.LOCATION: loc, ElectricityView.MARKET: residual,
                   ElectricityView.ETS: ets}[view]
    purchased = exported = grid_net = internal_net = internal_tco2 = grid_purchase = ZERO
    lines: list[ResultLine] = []
    for f in flows:
        sign = ONE if f.direction is FlowDirection.PURCHASE else -ONE
        if f.direction is FlowDirection.EXPORT and not export_credit:
            exported += f.energy_mwh
            continue
        internal = f.counterparty != GRID
        b = LineBuilder(id=f"electricity:{f.id}", source=SourceCategory.ELECTRICITY,
                        scope=Scope.INDIRECT, formula_id="chem.net_electricity", formula=F_ELEC,
                        facility=f.facility, process=f.process, counterparty=f.counterparty)
        b.labels["direction"] = f.direction.value
        mwh = b.datum("energy_mwh", f.energy_mwh, f.quality)
        if internal and f.supplier_factor is not None:
            ef = b.datum("ef_tco2_per_mwh", f.supplier_factor.value, f.supplier_factor.quality)
        else:
            ef = b.constant("ef_tco2_per_mwh", loc if internal else view_factor)
            b.qualities.append(DataQuality.DEFAULT)
        line = b.build("CO2", sign * mwh * ef, ONE)
        lines.append(line)
        if f.direction is FlowDirection.PURCHASE:
            purchased += mwh
        else:
            exported += mwh
        if internal:
            internal_net += sign * mwh
            internal_tco2 += line.emissions_tco2e
        else:
            grid_net += sign * mwh
            if sign > 0:
                grid_purchase += mwh
    claimed, green, rejected = accepted_green(ctx, claims, grid_purchase, ctx.seen_certificates)
    if view is ElectricityView.MARKET and green:
        b = LineBuilder(id="electricity:green_deduction", source=SourceCategory.ELECTRICITY,
                        scope=Scope.INDIRECT, formula_id="market.green_deduction",
                        formula=F_ELEC_GREEN)
        b.datum("green_mwh", green, DataQuality.MEASURED)
        ef = b.constant("residual_ef_tco2_per_mwh", residual)
        lines.append(b.build("CO2", -green * ef, ONE))
    views = ElectricityViews(
        purchased_mwh=purchased, exported_mwh=exported,
        net_mwh=grid_net + internal_net, grid_net_mwh=grid_net, internal_net_mwh=internal_net,
        internal_tco2=internal_tco2, green_claimed_mwh=claimed, green_accepted_mwh=green,
        location_factor_tco2_per_mwh=loc.value, location_factor_key=f"{loc.key}@{loc.version}",
        residual_factor_tco2_per_mwh=residual.value, ets_factor_tco2_per_mwh=ets.value,
        location_tco2=grid_net * loc.value + internal_tco2,
        market_tco2=(grid_net - green) * residual.value + internal_tco2,
        ets_tco2=grid_net * ets.value + internal_tco2,
        view_in_total=view.value, rejected_claims=rejected,
    )
    return lines, views


def heat_gj(b: LineBuilder, h: HeatFlow, ctx: Ctx) -> Decimal:
    if h.heat_gj is not None:
        return b.datum("heat_gj", h.heat_gj, h.quality)
    if h.mass_t is None:
        raise MissingInput(f"heat flow {h.id}: heat_gj or mass_t required",
                           params={"line": h.id, "input": "mass_t"})
    mass = b.datum("mass_t", h.mass_t, h.quality)
    if h.medium is HeatMedium.HOT_WATER:
        if h.temperature_c is None:
            raise MissingInput(f"heat flow {h.id}: temperature_c required for hot water",
                               params={"line": h.id, "input": "temperature_c"})
        t = b.datum("temperature_c", h.temperature_c, h.quality)
        t0 = b.constant("reference_temperature_c", ctx.p("hot_water.reference_temperature"))
        cp = b.constant("specific_heat_kj_per_kg_k", ctx.p("hot_water.specific_heat"))
        b.notes.append(F_HOT_WATER)
        gj = mass * (t - t0) * cp / Decimal(1000)
    else:
        if h.enthalpy_kj_per_kg is not None:
            en = b.datum("enthalpy_kj_per_kg", h.enthalpy_kj_per_kg.value,
                         h.enthalpy_kj_per_kg.quality)
        elif h.temperature_c is not None and h.pressure_mpa is not None:
            b.datum("temperature_c", h.temperature_c, h.quality)
            b.datum("pressure_mpa", h.pressure_mpa, h.quality)
            en = steam_enthalpy_kj_per_kg(h.temperature_c, h.pressure_mpa)
            b.datum("enthalpy_kj_per_kg", en, DataQuality.CALCULATED)
            b.labels["enthalpy_method"] = "IAPWS-IF97"
        else:
            raise MissingInput(f"heat flow {h.id}: enthalpy or temperature and pressure required",
                               params={"line": h.id, "input": "enthalpy_kj_per_kg"})
        en0 = b.constant("feedwater_enthalpy_kj_per_kg", ctx.p("steam.feedwater_enthalpy"))
        b.notes.append(F_STEAM)
        gj = mass * (en - en0) / Decimal(1000)
    b.inputs["heat_gj"] = gj
    return gj


def heat(ctx: Ctx, flows: list[HeatFlow], *, export_credit: bool = True
         ) -> tuple[list[ResultLine], Decimal, Decimal]:
    """Heat lines; returns (lines, purchased GJ, exported GJ)."""
    lines: list[ResultLine] = []
    bought = sold = ZERO
    default = ctx.p("heat.default_factor") if flows else None
    for h in flows:
        sign = ONE if h.direction is FlowDirection.PURCHASE else -ONE
        b = LineBuilder(id=f"heat:{h.id}", source=SourceCategory.HEAT, scope=Scope.INDIRECT,
                        formula_id="chem.net_heat", formula=F_HEAT, facility=h.facility,
                        process=h.process, counterparty=h.counterparty)
        b.labels.update(direction=h.direction.value, medium=h.medium.value)
        gj = heat_gj(b, h, ctx)
        if sign > 0:
            bought += gj
        else:
            sold += gj
            if not export_credit:
                continue
        if h.supplier_factor is not None:
            ef = b.datum("ef_tco2_per_gj", h.supplier_factor.value, h.supplier_factor.quality)
        else:
            assert default is not None
            ef = b.param("ef_tco2_per_gj", default)
        lines.append(b.build("CO2", sign * gj * ef, ONE))
    return lines, bought, sold
