"""Accounting results. Every line carries its provenance: the inputs it used, the parameters
(key, methodology, version, value, tier), the formula, and its data-quality tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .parameters import ParameterRef
from .tiers import DataQuality


class SourceCategory(StrEnum):
    COMBUSTION = "combustion"  # 化石燃料燃烧
    PROCESS_MASS_BALANCE = "process_mass_balance"  # 原料碳平衡
    CARBONATE = "carbonate"  # 碳酸盐使用
    NITRIC_ACID = "nitric_acid"  # 硝酸生产 N2O
    ADIPIC_ACID = "adipic_acid"  # 己二酸生产 N2O
    CO2_RECOVERY = "co2_recovery"  # CO2回收利用 (deducted)
    POWER_COMBUSTION = "power_combustion"  # 自备电厂燃料燃烧 (MEE power guideline)
    ELECTRICITY = "electricity"  # 净购入电力
    HEAT = "heat"  # 净购入热力
    BIOMASS = "biomass"  # 生物质燃烧 (reported apart)


class Scope(StrEnum):
    DIRECT = "direct"
    INDIRECT = "indirect"
    MEMO = "memo"  # reported apart, not in the total


@dataclass(slots=True, kw_only=True)
class ResultLine:
    id: str
    source: SourceCategory
    scope: Scope
    gas: str
    gas_mass_t: Decimal  # mass of the gas before GWP conversion (negative for deductions)
    gwp: Decimal
    emissions_tco2e: Decimal
    formula_id: str
    formula: str
    inputs: dict[str, Decimal] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    parameters: list[ParameterRef] = field(default_factory=list)
    data_quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None
    counterparty: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def in_total(self) -> bool:
        return self.scope is not Scope.MEMO


@dataclass(slots=True, kw_only=True)
class ElectricityViews:
    """Electricity side by side: location-based, market-based (green deducted against the
    residual factor), and the ETS reporting factor. Only one view enters the total."""

    purchased_mwh: Decimal
    exported_mwh: Decimal
    net_mwh: Decimal
    grid_net_mwh: Decimal
    internal_net_mwh: Decimal
    internal_tco2: Decimal
    green_claimed_mwh: Decimal
    green_accepted_mwh: Decimal
    location_factor_tco2_per_mwh: Decimal
    location_factor_key: str
    residual_factor_tco2_per_mwh: Decimal
    ets_factor_tco2_per_mwh: Decimal
    location_tco2: Decimal
    market_tco2: Decimal
    ets_tco2: Decimal
    view_in_total: str
    rejected_claims: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class EnergyLine:
    id: str
    carrier: str
    amount: Decimal
    unit: str
    coefficient_tce_per_unit: Decimal
    energy_tce: Decimal
    basis: str  # "ncv" | "reference" | "equivalent" | "equal_value"
    is_feedstock: bool = False
    is_non_fossil: bool = False
    parameters: list[ParameterRef] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class EnergyResult:
    """Comprehensive energy consumption per GB/T 2589 (tce)."""

    total_tce: Decimal
    excluding_feedstock_tce: Decimal
    excluding_non_fossil_tce: Decimal
    excluding_feedstock_and_non_fossil_tce: Decimal
    feedstock_tce: Decimal
    non_fossil_tce: Decimal
    lines: list[EnergyLine] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Totals:
    combustion_tco2: Decimal
    process_co2_tco2: Decimal
    process_mass_balance_tco2: Decimal
    carbonate_tco2: Decimal
    process_n2o_t: Decimal
    process_n2o_tco2e: Decimal
    recovery_tco2: Decimal  # deducted (positive number)
    direct_tco2e: Decimal
    electricity_tco2: Decimal
    heat_tco2: Decimal
    indirect_tco2e: Decimal
    total_tco2e: Decimal
    biomass_tco2: Decimal  # memo, not in the total
    co2_t: Decimal
    n2o_t: Decimal


@dataclass(slots=True, kw_only=True)
class LevelShare:
    line_id: str
    method: str  # tagged | key:<utility> | output_mass
    emissions_tco2e: Decimal


@dataclass(slots=True, kw_only=True)
class LevelTotal:
    level: str  # facility | process | product
    id: str
    name: str = ""
    emissions_tco2e: Decimal
    output_t: Decimal | None = None
    intensity_tco2e_per_t: Decimal | None = None
    shares: list[LevelShare] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Intensities:
    value_added_1e4_cny: Decimal | None = None
    intensity_tco2e_per_1e4_cny: Decimal | None = None
    intensity_tce_per_1e4_cny: Decimal | None = None
    products: dict[str, Decimal] = field(default_factory=dict)  # tCO2e/t by product id


@dataclass(slots=True, kw_only=True)
class PowerFacilityReport:
    """ETS facility report of a (self-owned) power facility (MEE power-sector guideline)."""

    id: str
    name: str
    combustion_tco2: Decimal
    electricity_tco2: Decimal
    verified_tco2: Decimal
    coal_t: Decimal
    weighted_carbon_ar_tc_per_t: Decimal | None
    months_with_high_default: list[int] = field(default_factory=list)
    generation_mwh: Decimal | None = None
    supplied_mwh: Decimal | None = None
    heat_supplied_gj: Decimal | None = None
    heat_ratio: Decimal | None = None
    heat_factor_tco2_per_gj: Decimal | None = None
    power_factor_tco2_per_mwh: Decimal | None = None
    line_ids: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class EnterpriseResult:
    enterprise_id: str
    enterprise_name: str
    industry_group: str
    period_start: str
    period_end: str
    methodology: str
    gwp_set: str
    parameter_set: str
    totals: Totals
    electricity: ElectricityViews
    energy: EnergyResult
    intensities: Intensities
    lines: list[ResultLine] = field(default_factory=list)
    facilities: list[LevelTotal] = field(default_factory=list)
    processes: list[LevelTotal] = field(default_factory=list)
    products: list[LevelTotal] = field(default_factory=list)
    power_facilities: list[PowerFacilityReport] = field(default_factory=list)
    parameters_used: list[ParameterRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class InternalSupply:
    buyer: str
    supplier: str
    carrier: str  # electricity | heat
    amount: Decimal
    unit: str
    buyer_tco2: Decimal  # the buyer's indirect emissions for it, netted out of the park total
    factor: Decimal
    factor_source: str  # supplier | default


@dataclass(slots=True, kw_only=True)
class BoundaryExchange:
    electricity_import_mwh: Decimal
    electricity_export_mwh: Decimal
    heat_import_gj: Decimal
    heat_export_gj: Decimal
    electricity_factor_tco2_per_mwh: Decimal
    electricity_factor_key: str
    heat_factor_tco2_per_gj: Decimal
    import_tco2: Decimal
    export_tco2: Decimal
    net_tco2: Decimal


@dataclass(slots=True, kw_only=True)
class GroupTotal:
    group: str
    enterprise_ids: list[str]
    direct_tco2e: Decimal
    total_tco2e: Decimal
    energy_tce: Decimal


@dataclass(slots=True, kw_only=True)
class ParkResult:
    park_id: str
    park_name: str
    period_start: str
    period_end: str
    gwp_set: str
    parameter_set: str
    direct_tco2e: Decimal  # scope 1, territorial
    total_tco2e: Decimal  # direct + net boundary exchange
    total_imports_only_tco2e: Decimal
    biomass_tco2: Decimal
    energy_tce: Decimal
    energy_excluding_feedstock_tce: Decimal
    boundary: BoundaryExchange
    sum_of_enterprise_totals_tco2e: Decimal
    internal_supply_tco2e: Decimal  # netted out: enterprises' indirect emissions from park supply
    export_adjustment_tco2e: Decimal  # boundary export credit not already in enterprise totals
    internal_supplies: list[InternalSupply] = field(default_factory=list)
    industry_groups: list[GroupTotal] = field(default_factory=list)
    enterprises: list[EnterpriseResult] = field(default_factory=list)
    value_added_1e4_cny: Decimal | None = None
    intensity_tco2e_per_1e4_cny: Decimal | None = None
    parameters_used: list[ParameterRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
