"""Power-sector ETS allowance by the benchmark method and the compliance gap (methodology.md
§5.2-§5.3, §7 Examples 6-8). Benchmarks are parameters versioned per compliance year.

Supply basis (2019-2022):  A = Q_e × B_e × F_l × F_r × F_f + Q_h × B_h   (gas: Q_e × B_e × F_r)
Generation basis (2023-24): A = Q_gen × B_gen × F_f + Q_h × B_h"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .parameters import ParameterRef, ParameterSet

ONE = Decimal(1)


@dataclass(slots=True, kw_only=True)
class Allowance:
    basis: str  # supply | generation
    category: str
    power_allowance_t: Decimal
    heat_allowance_t: Decimal
    allowance_t: Decimal
    f_cooling: Decimal
    f_heat: Decimal
    f_load: Decimal
    parameters: list[ParameterRef] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class ComplianceGap:
    verified_t: Decimal
    allowance_t: Decimal
    gap_t: Decimal  # positive = shortfall
    gap_share: Decimal
    ccer_cap_t: Decimal
    relief_cap_t: Decimal
    costs_cny: dict[str, Decimal] = field(default_factory=dict)


def load_factor_correction(load_factor: Decimal) -> Decimal:
    """F_f for coal units by load (output) factor F (Example 8)."""
    f = load_factor
    if f >= Decimal("0.85"):
        return ONE
    if f >= Decimal("0.80"):
        return ONE + Decimal("0.0014") * (85 - 100 * f)
    if f >= Decimal("0.75"):
        return Decimal("1.007") + Decimal("0.0016") * (80 - 100 * f)
    return Decimal("1.015") ** (16 - 20 * f)


def power_allowance(params: ParameterSet, year: int, category: str, *, supplied_mwh: Decimal,
                    heat_supplied_gj: Decimal, heat_ratio: Decimal = Decimal(0),
                    air_cooled: bool = False, load_factor: Decimal | None = None,
                    generation_mwh: Decimal | None = None) -> Allowance:
    """Allowance of one unit for a compliance year; the generation basis is used when
    `generation_mwh` is given (2023-24 plan), else the supply basis."""
    on = date(year, 6, 30)
    ps = params.recorder()
    gas = category == "gas"
    f_load = load_factor_correction(load_factor) if (load_factor is not None and not gas) else ONE
    if generation_mwh is not None:
        b_e = ps.lookup(f"ets.power.generation.{category}.power", on)
        b_h = ps.lookup(f"ets.power.generation.{category}.heat", on)
        a_e = generation_mwh * b_e.value * f_load
        f_l = f_r = ONE
        basis = "generation"
    else:
        b_e = ps.lookup(f"ets.power.supply.{category}.power", on)
        b_h = ps.lookup(f"ets.power.supply.{category}.heat", on)
        f_l = Decimal("1.05") if (air_cooled and not gas) else ONE
        f_r = ONE - (Decimal("0.6") if gas else Decimal("0.22")) * heat_ratio
        a_e = supplied_mwh * b_e.value * f_l * f_r * f_load
        basis = "supply"
    a_h = heat_supplied_gj * b_h.value
    return Allowance(basis=basis, category=category, power_allowance_t=a_e, heat_allowance_t=a_h,
                     allowance_t=a_e + a_h, f_cooling=f_l, f_heat=f_r, f_load=f_load,
                     parameters=ps.used_refs())


def compliance_gap(params: ParameterSet, year: int, verified_t: Decimal, allowance_t: Decimal,
                   prices_cny_per_t: dict[str, Decimal] | None = None) -> ComplianceGap:
    on = date(year, 6, 30)
    gap = verified_t - allowance_t
    ccer = params.lookup("ets.ccer_cap_share", on).value
    relief = params.lookup("ets.relief_cap_share", on).value
    return ComplianceGap(
        verified_t=verified_t, allowance_t=allowance_t, gap_t=gap,
        gap_share=gap / verified_t if verified_t else Decimal(0),
        ccer_cap_t=verified_t * ccer, relief_cap_t=verified_t * relief,
        costs_cny={k: max(gap, Decimal(0)) * p for k, p in (prices_cny_per_t or {}).items()},
    )
