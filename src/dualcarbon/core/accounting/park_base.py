"""Park-level base data (园区层面基础数据) beside a park result: the park's own figures for the
period, its indicators per 10^4 CNY of GDP / value added and per km², and the cross-check of
what the park reports at its boundary (purchased and exported electricity and heat, fossil fuels
consumed) against the sum of what its enterprises report.

Pure: the figures come in already summed over the period (the caller picks annual or monthly
rows and says how many months of the period they cover)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .catalogue.fuels import FUELS
from .model import ActivityDocument
from .result import ParkResult

ZERO = Decimal(0)
#: a boundary figure differing from the enterprises' sum by more than this share is a mismatch
TOLERANCE = Decimal("0.05")


@dataclass(slots=True, kw_only=True)
class ParkFuel:
    fuel: str
    unit: str
    quantity: Decimal


@dataclass(slots=True, kw_only=True)
class ParkBaseFigures:
    """The park's base data summed over a period (flows) or as last reported (area, people)."""

    months_in_period: int
    months_covered: int
    area_km2: Decimal | None = None
    gdp_1e4_cny: Decimal | None = None
    industrial_output_1e4_cny: Decimal | None = None
    value_added_1e4_cny: Decimal | None = None
    population: int | None = None
    employees: int | None = None
    purchased_electricity_mwh: Decimal | None = None
    exported_electricity_mwh: Decimal | None = None
    purchased_heat_gj: Decimal | None = None
    exported_heat_gj: Decimal | None = None
    general_solid_waste_t: Decimal | None = None
    hazardous_waste_t: Decimal | None = None
    fuels: list[ParkFuel] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.months_covered >= self.months_in_period


@dataclass(slots=True, kw_only=True)
class ParkIndicators:
    intensity_tco2e_per_1e4_cny_gdp: Decimal | None = None
    intensity_tce_per_1e4_cny_gdp: Decimal | None = None
    intensity_tco2e_per_1e4_cny_value_added: Decimal | None = None
    intensity_tce_per_1e4_cny_value_added: Decimal | None = None
    tco2e_per_km2: Decimal | None = None


@dataclass(slots=True, kw_only=True)
class CrossCheck:
    """One boundary figure: the park's own against the enterprises' sum.
    status: ok | mismatch (beyond the tolerance) | not_reported (the park gave none) |
    incomplete (the park's data cover only part of the period)."""

    item: str  # electricity_purchase | electricity_export | heat_purchase | heat_export | fuel
    unit: str
    park_reported: Decimal | None
    enterprises_sum: Decimal
    difference: Decimal | None  # park − enterprises
    relative_difference: Decimal | None  # of the park's figure
    status: str
    fuel: str | None = None


@dataclass(slots=True, kw_only=True)
class ParkBaseCheck:
    figures: ParkBaseFigures
    indicators: ParkIndicators
    cross_checks: list[CrossCheck]
    tolerance: Decimal = TOLERANCE


def _per(x: Decimal, d: Decimal | None, complete: bool) -> Decimal | None:
    return x / d if complete and d else None


def enterprise_fuels(docs: list[ActivityDocument]) -> dict[tuple[str, str], Decimal]:
    """(fuel, unit) -> amount the enterprises report (as fuel and as feedstock, including
    power facilities' other fuels; captive-plant coal months name no fuel and are left out)."""
    out: dict[tuple[str, str], Decimal] = {}
    for d in docs:
        uses = [*d.fuels, *(f for pf in d.power_facilities for f in pf.other_fuels)]
        for f in uses:
            unit = f.unit or (FUELS[f.fuel][1] if f.fuel in FUELS else "t")
            out[(f.fuel, unit)] = out.get((f.fuel, unit), ZERO) + f.amount
    return out


def _check(item: str, unit: str, park: Decimal | None, ents: Decimal, complete: bool,
           fuel: str | None = None) -> CrossCheck:
    if park is None:
        return CrossCheck(item=item, unit=unit, park_reported=None, enterprises_sum=ents,
                          difference=None, relative_difference=None, status="not_reported",
                          fuel=fuel)
    diff = park - ents
    rel = diff / park if park else None
    if not complete:
        status = "incomplete"
    elif park == ents or (rel is not None and abs(rel) <= TOLERANCE):
        status = "ok"
    else:
        status = "mismatch"
    return CrossCheck(item=item, unit=unit, park_reported=park, enterprises_sum=ents,
                      difference=diff, relative_difference=rel, status=status, fuel=fuel)


def check(figures: ParkBaseFigures, result: ParkResult, docs: list[ActivityDocument]
          ) -> ParkBaseCheck:
    """Indicators of the park result against the park's own figures, and the cross-checks."""
    ok = figures.complete
    ind = ParkIndicators(
        intensity_tco2e_per_1e4_cny_gdp=_per(result.total_tco2e, figures.gdp_1e4_cny, ok),
        intensity_tce_per_1e4_cny_gdp=_per(result.energy_tce, figures.gdp_1e4_cny, ok),
        intensity_tco2e_per_1e4_cny_value_added=_per(result.total_tco2e,
                                                     figures.value_added_1e4_cny, ok),
        intensity_tce_per_1e4_cny_value_added=_per(result.energy_tce,
                                                   figures.value_added_1e4_cny, ok),
        tco2e_per_km2=_per(result.total_tco2e, figures.area_km2, ok),
    )
    b = result.boundary
    checks = [
        _check("electricity_purchase", "MWh", figures.purchased_electricity_mwh,
               b.electricity_import_mwh, ok),
        _check("electricity_export", "MWh", figures.exported_electricity_mwh,
               b.electricity_export_mwh, ok),
        _check("heat_purchase", "GJ", figures.purchased_heat_gj, b.heat_import_gj, ok),
        _check("heat_export", "GJ", figures.exported_heat_gj, b.heat_export_gj, ok),
    ]
    ents = enterprise_fuels(docs)
    reported = {(f.fuel, f.unit): f.quantity for f in figures.fuels}
    for fuel, unit in sorted(set(reported) | set(ents)):
        checks.append(_check("fuel", unit, reported.get((fuel, unit)),
                             ents.get((fuel, unit), ZERO), ok, fuel=fuel))
    return ParkBaseCheck(figures=figures, indicators=ind, cross_checks=checks)
