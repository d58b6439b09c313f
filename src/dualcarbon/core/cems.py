"""CO2 continuous emission monitoring (GHG-CEMS) arithmetic, pure — Decimal, no I/O.

Formulas of HJ 212-2017 附录 D (protocols.md §2.2; equation numbers as in the standard):

* (18) actual → standard state: ``C_sn = C_s × 101325/(Ba+Ps) × (273+ts)/273``;
* (19) wet → dry: ``C_dry = C_wet / (1 − Xsw)``;
* (20) ``C [mg/m³] = M/22.4 × C_V [µmol/mol]`` — for CO2 in % v/v: ``% × 10⁴ × 44.01/22.4``;
* (29)(30) ``Q_sh = 3600 × F × Kv × Vp`` (m³/h actual, wet);
* (31) ``Q_snh = Q_sh × 273/(273+ts) × (Ba+Ps)/101325 × (1 − Xsw)`` (m³/h standard, dry);
* (33) ``G_h [kg/h] = C × Q_snh × 10⁻⁶``; (34) ``G_d = Σ G_h`` (the printed × 10⁻⁶ is an erratum).

Validity (§2.4, [V] unless noted): a valid hour has ≥ 45 valid minute values, a valid day ≥ 20
valid hours, a valid month ≥ 25 valid days (February ≥ 23) [S]; a derived value is flagged normal
when more than 75 % of its inputs are normal. Missing-data substitution (§2.5) is [M] — it lives in
a versioned :class:`SubstitutionPolicy` with its source, never hard-coded.

Both concentration and flow must be dry and at standard state before they are multiplied; the
functions here convert explicitly and say on which basis each result is.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Literal

__all__ = [
    "CO2_MOLAR_MASS",
    "MOLAR_VOLUME_L",
    "SECONDS_PER_HOUR",
    "STANDARD_PRESSURE_PA",
    "Aggregate",
    "CemsConfig",
    "Comparison",
    "HourInputs",
    "HourResult",
    "Obs",
    "SubstitutedHour",
    "SubstitutionPolicy",
    "ValidityRules",
    "actual_flow_m3_h",
    "aggregate",
    "co2_mass_concentration_mg_m3",
    "co2_rate_kg_h",
    "compare",
    "compute_hour",
    "day_total",
    "is_valid_month",
    "standard_dry_flow_m3_h",
    "substitute_hours",
    "to_dry",
    "to_standard_concentration",
]

CO2_MOLAR_MASS: Final = Decimal("44.01")  # g/mol
MOLAR_VOLUME_L: Final = Decimal("22.4")  # L/mol at 273 K, 101325 Pa (HJ 212 eq. 20)
STANDARD_PRESSURE_PA: Final = Decimal(101325)
STANDARD_T_K: Final = Decimal(273)  # the standard writes 273, not 273.15
SECONDS_PER_HOUR: Final = Decimal(3600)
NORMAL: Final = "N"

Basis = Literal["dry", "wet"]
FlowState = Literal["standard_dry", "actual_wet"]


# --------------------------------------------------------------------------- formulas


def to_dry(value_wet: Decimal, moisture_pct: Decimal) -> Decimal:
    """(19) ``C_dry = C_wet / (1 − Xsw)``; ``moisture_pct`` is Xsw in % (a01014)."""
    x = moisture_pct / 100
    if not Decimal(0) <= x < 1:
        raise ValueError(f"moisture must be in [0, 100) %, got {moisture_pct}")
    return value_wet / (1 - x)


def to_standard_concentration(
    c_actual: Decimal, *, temperature_c: Decimal, ambient_pa: Decimal, static_pa: Decimal
) -> Decimal:
    """(18) mass concentration at actual state → standard state (273 K, 101325 Pa)."""
    return (c_actual * STANDARD_PRESSURE_PA / (ambient_pa + static_pa)
            * (STANDARD_T_K + temperature_c) / STANDARD_T_K)


def co2_mass_concentration_mg_m3(co2_pct: Decimal,
                                 molar_volume_l: Decimal = MOLAR_VOLUME_L) -> Decimal:
    """(20) CO2 % v/v → mg/m³ at standard state: ``% × 10⁴ µmol/mol × 44.01/22.4``."""
    return co2_pct * Decimal(10000) * CO2_MOLAR_MASS / molar_volume_l


def actual_flow_m3_h(duct_area_m2: Decimal, velocity_m_s: Decimal,
                     kv: Decimal = Decimal(1)) -> Decimal:
    """(29)(30) ``Q_sh = 3600 × F × Kv × Vp``: actual, wet flue-gas flow."""
    return SECONDS_PER_HOUR * duct_area_m2 * kv * velocity_m_s


def standard_dry_flow_m3_h(
    q_actual_wet_m3_h: Decimal, *, temperature_c: Decimal, ambient_pa: Decimal,
    static_pa: Decimal, moisture_pct: Decimal,
) -> Decimal:
    """(31) ``Q_snh = Q_sh × 273/(273+ts) × (Ba+Ps)/101325 × (1 − Xsw)``."""
    return (q_actual_wet_m3_h * STANDARD_T_K / (STANDARD_T_K + temperature_c)
            * (ambient_pa + static_pa) / STANDARD_PRESSURE_PA * (1 - moisture_pct / 100))


def co2_rate_kg_h(co2_dry_pct: Decimal, flow_std_dry_m3_h: Decimal,
                  molar_volume_l: Decimal = MOLAR_VOLUME_L) -> Decimal:
    """(33) ``G = C [mg/m³] × Q_snh [m³/h] × 10⁻⁶`` in kg/h; both inputs dry, standard state."""
    return (co2_mass_concentration_mg_m3(co2_dry_pct, molar_volume_l) * flow_std_dry_m3_h
            / Decimal(10) ** 6)


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class CemsConfig:
    """How one CEMS reports: CO2 in % v/v on ``co2_basis``; flow in m³/h or m³/s, either already
    standard-dry or actual-wet (then T, p and moisture convert it); static pressure in kPa (a01013),
    ambient pressure Ba in Pa (a fixed site value unless measured)."""

    co2_basis: Basis = "dry"
    flow_state: FlowState = "standard_dry"
    flow_unit: Literal["m3/h", "m3/s"] = "m3/h"
    ambient_pa: Decimal = STANDARD_PRESSURE_PA
    molar_volume_l: Decimal = MOLAR_VOLUME_L


@dataclass(frozen=True, slots=True)
class ValidityRules:
    """Counts making a mean valid; versioned with its source (protocols.md §2.4)."""

    min_valid_minutes_per_hour: int = 45  # HJ 212 eq. (24) [V]
    min_valid_hours_per_day: int = 20  # HJ 212 eq. (25) [V]
    min_valid_days_per_month: int = 25  # HJ 76-2017 附录 B [S]
    min_valid_days_february: int = 23  # HJ 76-2017 附录 B [S]
    normal_share_for_normal_flag: Decimal = Decimal("0.75")  # > 75 % normal (Annex C notes) [V]
    source: str = "HJ 212-2017 附录 D eq. (23)–(25); HJ 76-2017 附录 B"


# --------------------------------------------------------------------------- aggregation


@dataclass(frozen=True, slots=True)
class Obs:
    """One observed value with its HJ 212 flag (N = normal, valid)."""

    ts: datetime
    value: Decimal
    flag: str = NORMAL

    @property
    def is_valid(self) -> bool:
        return self.flag == NORMAL


@dataclass(frozen=True, slots=True)
class Aggregate:
    mean: Decimal | None  # mean of the valid values
    valid_count: int
    total_count: int
    is_valid: bool
    flag: str  # N when > 75 % of the inputs are normal, else D (instrument fault)


def aggregate(values: Sequence[Obs], min_valid: int,
              rules: ValidityRules = ValidityRules()) -> Aggregate:
    """Mean of the valid values; valid if at least ``min_valid`` of them (eq. 23–25)."""
    valid = [o.value for o in values if o.is_valid]
    mean = sum(valid, Decimal(0)) / len(valid) if valid else None
    share = Decimal(len(valid)) / len(values) if values else Decimal(0)
    flag = NORMAL if share > rules.normal_share_for_normal_flag else "D"
    return Aggregate(mean, len(valid), len(values), len(valid) >= min_valid and mean is not None,
                     flag)


def is_valid_month(valid_days: int, *, month: int, rules: ValidityRules = ValidityRules()) -> bool:
    need = rules.min_valid_days_february if month == 2 else rules.min_valid_days_per_month
    return valid_days >= need


@dataclass(frozen=True, slots=True)
class HourInputs:
    """Minute values of one hour per parameter. ``co2`` and ``flow`` are required; moisture,
    temperature and static pressure (kPa) are needed only where a conversion uses them."""

    co2_pct: Sequence[Obs]
    flow: Sequence[Obs]
    moisture_pct: Sequence[Obs] = ()
    temperature_c: Sequence[Obs] = ()
    static_kpa: Sequence[Obs] = ()


@dataclass(frozen=True, slots=True)
class HourResult:
    co2_dry_pct: Decimal | None
    flow_std_dry_m3_h: Decimal | None
    rate_kg_h: Decimal | None  # HJ 212 eq. (33): product of hour means → kg in this hour
    minute_sum_kg: Decimal | None  # Σ minute mass over minutes with every input valid
    valid_minutes: int
    is_valid: bool
    flag: str
    reasons: tuple[str, ...] = field(default_factory=tuple)


def _by_minute(values: Sequence[Obs]) -> dict[datetime, Obs]:
    return {o.ts.replace(second=0, microsecond=0): o for o in values}


def _flow_m3_h(value: Decimal, cfg: CemsConfig) -> Decimal:
    return value * SECONDS_PER_HOUR if cfg.flow_unit == "m3/s" else value


def _convert(co2: Decimal, flow: Decimal, moisture: Decimal | None, temp: Decimal | None,
             static_kpa: Decimal | None, cfg: CemsConfig) -> tuple[Decimal, Decimal]:
    """(co2 dry %, flow standard-dry m³/h) from one set of inputs."""
    if cfg.co2_basis == "wet":
        if moisture is None:
            raise ValueError("wet CO2 needs moisture")
        co2 = to_dry(co2, moisture)
    q = _flow_m3_h(flow, cfg)
    if cfg.flow_state == "actual_wet":
        if moisture is None or temp is None or static_kpa is None:
            raise ValueError("actual-wet flow needs moisture, temperature and static pressure")
        q = standard_dry_flow_m3_h(q, temperature_c=temp, ambient_pa=cfg.ambient_pa,
                                   static_pa=static_kpa * 1000, moisture_pct=moisture)
    return co2, q


def _needs(cfg: CemsConfig) -> tuple[str, ...]:
    need = ["co2_pct", "flow"]
    if cfg.co2_basis == "wet" or cfg.flow_state == "actual_wet":
        need.append("moisture_pct")
    if cfg.flow_state == "actual_wet":
        need += ["temperature_c", "static_kpa"]
    return tuple(need)


def compute_hour(inputs: HourInputs, cfg: CemsConfig = CemsConfig(),
                 rules: ValidityRules = ValidityRules()) -> HourResult:
    """One hour of CO2 emission from minute values: each needed parameter's hour mean must be
    valid (≥ 45 valid minutes); the rate is eq. (33) on the converted hour means (HJ 212 style,
    the reported figure), and the minute-mass sum is returned next to it for reconciliation
    (product of means ≠ mean of products, §2.2)."""
    need = _needs(cfg)
    aggs = {name: aggregate(getattr(inputs, name), rules.min_valid_minutes_per_hour, rules)
            for name in need}
    reasons = tuple(f"{name}: {a.valid_count} valid minutes"
                    for name, a in aggs.items() if not a.is_valid)
    flag = NORMAL if all(a.flag == NORMAL for a in aggs.values()) else "D"

    # minute-by-minute mass over minutes where every needed input is valid
    minutes = [_by_minute([o for o in getattr(inputs, n) if o.is_valid]) for n in need]
    common = set(minutes[0]).intersection(*minutes[1:]) if minutes else set()
    minute_sum: Decimal | None = None
    if common:
        minute_sum = Decimal(0)
        for m in common:
            vals = {n: minutes[i][m].value for i, n in enumerate(need)}
            c, q = _convert(vals["co2_pct"], vals["flow"], vals.get("moisture_pct"),
                            vals.get("temperature_c"), vals.get("static_kpa"), cfg)
            minute_sum += co2_rate_kg_h(c, q, cfg.molar_volume_l) / 60

    if reasons:
        return HourResult(None, None, None, minute_sum, len(common), False, flag, reasons)
    means = {n: a.mean for n, a in aggs.items()}
    c, q = _convert(means["co2_pct"], means["flow"], means.get("moisture_pct"),  # type: ignore[arg-type]
                    means.get("temperature_c"), means.get("static_kpa"), cfg)
    return HourResult(c, q, co2_rate_kg_h(c, q, cfg.molar_volume_l), minute_sum, len(common),
                      True, flag)


# --------------------------------------------------------------------------- substitution


@dataclass(frozen=True, slots=True)
class SubstitutionPolicy:
    """Missing/invalid hour substitution, HJ 75-2017 style — recorded from memory [M]: a gap of
    at most ``short_gap_hours`` takes the mean of the valid hours either side; a longer gap the
    maximum valid hour of the preceding ``lookback_hours`` valid hours. Versioned config."""

    rule_id: str = "hj75-2017-m:v1"
    short_gap_hours: int = 24
    lookback_hours: int = 720
    enabled: bool = True
    source: str = "HJ 75-2017 (from memory, unverified — protocols.md §2.5)"


@dataclass(frozen=True, slots=True)
class SubstitutedHour:
    hour: datetime
    value: Decimal | None
    is_substituted: bool
    rule: str | None = None  # "<rule_id>:adjacent-mean" | "<rule_id>:lookback-max"


def substitute_hours(series: Sequence[tuple[datetime, Decimal | None]],
                     policy: SubstitutionPolicy = SubstitutionPolicy()) -> list[SubstitutedHour]:
    """``series``: consecutive hours in order, ``None`` where the hour is missing or invalid.
    Returns every hour, measured ones unchanged, gaps filled per ``policy`` and marked; a gap
    that cannot be filled (no valid hour before it) stays ``None``."""
    out = [SubstitutedHour(h, v, False) for h, v in series]
    if not policy.enabled:
        return out
    for a, b in itertools.pairwise(series):
        if b[0] - a[0] != timedelta(hours=1):
            raise ValueError("series must be consecutive hours")
    i = 0
    n = len(series)
    while i < n:
        if series[i][1] is not None:
            i += 1
            continue
        j = i
        while j < n and series[j][1] is None:
            j += 1
        gap = j - i
        before = series[i - 1][1] if i > 0 else None
        after = series[j][1] if j < n else None
        value: Decimal | None
        if gap <= policy.short_gap_hours and before is not None and after is not None:
            value, how = (before + after) / 2, "adjacent-mean"
        else:
            history = [v for _, v in series[:i] if v is not None][-policy.lookback_hours:]
            value, how = (max(history), "lookback-max") if history else (None, "")
        if value is not None:
            for k in range(i, j):
                out[k] = SubstitutedHour(series[k][0], value, True, f"{policy.rule_id}:{how}")
        i = j
    return out


def day_total(hours: Sequence[SubstitutedHour | HourResult]) -> Decimal:
    """(34) ``G_d = Σ G_h`` over the hours that have a value (kg). No stray 10⁻⁶ (erratum)."""
    total = Decimal(0)
    for h in hours:
        v = h.value if isinstance(h, SubstitutedHour) else h.rate_kg_h
        if v is not None:
            total += v
    return total


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class Comparison:
    measured_t: Decimal
    calculated_t: Decimal
    difference_t: Decimal  # measured − calculated
    relative_pct: Decimal | None  # difference / calculated × 100
    within_tolerance: bool


def compare(measured_t: Decimal, calculated_t: Decimal,
            tolerance_pct: Decimal = Decimal(5)) -> Comparison:
    """CEMS-measured vs accounting-calculated emissions of the same facility and period."""
    diff = measured_t - calculated_t
    rel = diff / calculated_t * 100 if calculated_t else None
    ok = rel is not None and abs(rel) <= tolerance_pct
    return Comparison(measured_t, calculated_t, diff, rel, ok)


def rates_by_hour(values: Mapping[datetime, HourResult]) -> dict[datetime, Decimal | None]:
    return {h: r.rate_kg_h for h, r in values.items()}
