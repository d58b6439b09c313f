"""The enterprise activity document (企业活动水平数据): what one enterprise reports for one period,
the input of the accounting engine, and the park document (a park's enterprises for a period).

Amounts are Decimal with the unit in the field name; each measured parameter is a `Measured`
(value + data-quality tier 检测值/计算值/缺省值). Every energy flow is tagged fuel (燃料) or
feedstock (原料): fuel goes to combustion, feedstock to the carbon mass balance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .tiers import DataQuality

SCHEMA_VERSION = "1"


class EnergyUse(StrEnum):
    FUEL = "fuel"  # 燃料
    FEEDSTOCK = "feedstock"  # 原料


class MaterialRole(StrEnum):
    INPUT = "input"  # 含碳输入 (原料)
    PRODUCT = "product"  # 含碳产品 (主产品/联产品/副产品)
    WASTE = "waste"  # 其他含碳输出 (炉渣、粉尘、污泥、废液)


class AcidKind(StrEnum):
    NITRIC = "nitric"  # 硝酸
    ADIPIC = "adipic"  # 己二酸


class RecoveryDestination(StrEnum):
    SOLD = "sold"  # 外供
    RAW_MATERIAL = "raw_material"  # 自用作原料, carbon not counted as product carbon
    INTO_PRODUCT = "into_product"  # carbon already leaves the mass balance as product carbon


class FlowDirection(StrEnum):
    PURCHASE = "purchase"
    EXPORT = "export"


class HeatMedium(StrEnum):
    STEAM = "steam"
    HOT_WATER = "hot_water"
    HEAT = "heat"  # heat quantity metered directly in GJ


class GreenKind(StrEnum):
    GREEN_POWER_TRADE = "green_power_trade"  # 绿电交易 (with certificates attached)
    CERTIFICATE = "certificate"  # 绿证 (unbundled)


class ElectricityView(StrEnum):
    LOCATION = "location"
    MARKET = "market"
    ETS = "ets"


class GridScope(StrEnum):
    AUTO = "auto"  # province if known and published, else region, else national
    PROVINCE = "province"
    REGION = "region"
    NATIONAL = "national"


GRID = "grid"  # counterparty of flows with the public grid / outside the park


@dataclass(slots=True, kw_only=True)
class Measured:
    """A value with its data-quality tier (数据来源)."""

    value: Decimal
    quality: DataQuality = DataQuality.MEASURED
    source: str = ""


@dataclass(slots=True, kw_only=True)
class Period:
    start: date
    end: date
    label: str = ""

    @property
    def year(self) -> int:
        return self.start.year


@dataclass(slots=True, kw_only=True)
class Enterprise:
    id: str
    name: str = ""
    province: str | None = None
    region: str | None = None
    industry_group: str = ""
    value_added_1e4_cny: Decimal | None = None  # 工业增加值 (万元)


@dataclass(slots=True, kw_only=True)
class Options:
    methodology: str = "chemical"
    gwp_set: str = "SAR"
    fuel_table: str = "A"
    grid_scope: GridScope = GridScope.AUTO
    grid_year: int | None = None  # use this year's factors instead of the period's
    electricity_view_for_total: ElectricityView = ElectricityView.LOCATION
    electricity_equal_value: bool = False  # tce of electricity at 等价值 instead of 当量值


@dataclass(slots=True, kw_only=True)
class Facility:
    id: str
    name: str = ""
    kind: str = ""


@dataclass(slots=True, kw_only=True)
class Process:
    id: str
    name: str = ""
    facility: str | None = None


@dataclass(slots=True, kw_only=True)
class FuelUse:
    """A fossil fuel consumed, as fuel (combustion) or as feedstock (carbon mass balance)."""

    id: str
    fuel: str  # catalogue fuel id (e.g. bituminous_coal) or a custom name
    amount: Decimal  # t, or 1e4 Nm3 for gases (see unit)
    unit: str | None = None  # "t" | "1e4_nm3"; default from the catalogue
    use: EnergyUse = EnergyUse.FUEL
    quality: DataQuality = DataQuality.MEASURED
    carbon_content: Measured | None = None  # tC/unit (元素碳含量)
    ncv: Measured | None = None  # GJ/unit (低位发热量)
    carbon_per_heat: Measured | None = None  # tC/GJ (单位热值含碳量)
    oxidation: Measured | None = None  # fraction (碳氧化率)
    composition: dict[str, Decimal] | None = None  # gas volume fractions, e.g. {"CH4": 0.95}
    composition_quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None
    name: str = ""


@dataclass(slots=True, kw_only=True)
class MaterialFlow:
    """A carbon-containing input or output of the mass balance (other than feedstock fuels)."""

    id: str
    name: str
    role: MaterialRole
    amount: Decimal
    unit: str = "t"
    carbon_content: Measured | None = None  # tC/unit
    material: str | None = None  # catalogue product id for stoichiometric carbon (化学计算)
    composition: dict[str, Decimal] | None = None  # gases: volume fractions
    quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class CarbonateUse:
    id: str
    carbonate: str  # CaCO3, Na2CO3, ...
    amount_t: Decimal
    purity: Measured  # fraction
    ef: Measured | None = None  # tCO2/t, else catalogue default
    quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class AcidProduction:
    """Nitric or adipic acid made by one technology, with its N2O abatement if any."""

    id: str
    acid: AcidKind
    technology: str  # catalogue technology id (dual_pressure, nitric_oxidation, ...)
    output_t: Decimal
    quality: DataQuality = DataQuality.MEASURED
    generation_factor_kg_per_t: Measured | None = None
    abatement: str | None = None  # catalogue technique id (nscr, catalytic, ...)
    abatement_efficiency: Measured | None = None  # fraction η
    utilisation: Measured | None = None  # fraction μ (operating time / production time)
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class CO2Recovery:
    id: str
    volume_1e4_nm3: Decimal
    purity: Measured  # fraction
    destination: RecoveryDestination = RecoveryDestination.SOLD
    quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class ElectricityFlow:
    id: str
    direction: FlowDirection
    energy_mwh: Decimal
    counterparty: str = GRID  # "grid" or the id of the supplying/receiving park enterprise
    supplier_factor: Measured | None = None  # tCO2/MWh of the supplier (internal supply)
    quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class HeatFlow:
    """Heat bought or sold: steam (mass + temperature + pressure, or enthalpy), hot water (mass +
    temperature) or heat metered in GJ."""

    id: str
    direction: FlowDirection
    medium: HeatMedium = HeatMedium.STEAM
    heat_gj: Decimal | None = None
    mass_t: Decimal | None = None
    temperature_c: Decimal | None = None
    pressure_mpa: Decimal | None = None  # absolute
    enthalpy_kj_per_kg: Measured | None = None  # given instead of T and P
    counterparty: str = GRID
    supplier_factor: Measured | None = None  # tCO2/GJ of the supplier (waste heat = 0)
    quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class GreenClaim:
    """Green electricity claimed for the market-based view: a green-power trade or certificates."""

    id: str
    kind: GreenKind
    year: int  # production/consumption year the claim is for
    energy_mwh: Decimal | None = None
    certificate_count: int | None = None  # 1 certificate = 1 MWh
    certificate_ids: list[str] = field(default_factory=list)
    evidence: str = ""


@dataclass(slots=True, kw_only=True)
class BiomassUse:
    """Biomass burned: CO2 reported apart (not in the total); energy is non-fossil."""

    id: str
    name: str
    amount: Decimal
    unit: str = "t"
    ncv: Measured  # GJ/unit
    carbon_per_heat: Measured  # tC/GJ
    oxidation: Measured | None = None
    quality: DataQuality = DataQuality.MEASURED
    facility: str | None = None
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class CoalMonth:
    """One month (or the year when month is None) of as-fired coal of a power facility."""

    month: int | None
    amount_t: Decimal
    ncv_ar_gj_per_t: Measured | None = None  # received-basis NCV
    carbon_ar: Measured | None = None  # received-basis element carbon tC/t (valid monthly test)
    carbon_ad: Measured | None = None  # air-dry basis, converted with the moistures below
    moisture_ar_pct: Decimal | None = None
    moisture_ad_pct: Decimal | None = None
    quality: DataQuality = DataQuality.MEASURED


@dataclass(slots=True, kw_only=True)
class PowerFacility:
    """A (self-owned) power or CHP facility accounted by the MEE power-sector guideline."""

    id: str
    name: str = ""
    coal: list[CoalMonth] = field(default_factory=list)
    other_fuels: list[FuelUse] = field(default_factory=list)
    grid_purchase_mwh: Decimal = Decimal(0)  # for the ETS facility report
    generation_mwh: Decimal | None = None
    supplied_mwh: Decimal | None = None
    heat_supplied_gj: Decimal | None = None
    heat_ratio: Decimal | None = None  # 供热比 (fraction of fuel attributed to heat)
    process: str | None = None


@dataclass(slots=True, kw_only=True)
class ProductOutput:
    id: str
    name: str
    amount_t: Decimal
    process: str | None = None


class AllocationBasis(StrEnum):
    MEASURED = "measured"  # measured use in any one unit (e.g. metered steam t): pro rata
    FRACTION = "fraction"  # fractions that sum to 1


class AllocationLevel(StrEnum):
    FACILITY = "facility"
    PROCESS = "process"
    PRODUCT = "product"


@dataclass(slots=True, kw_only=True)
class AllocationKey:
    """How the emissions of a shared utility are split by its measured use.

    Without `inputs`: every line of one utility without a process tag ("electricity", "heat",
    or "unassigned" for any other untagged line). With `inputs`: the lines of those inputs only
    (ids of fuels burnt, carbonates, acids, CO2 recovery, electricity and heat flows, biomass) —
    a source serving several facilities, processes or products; it wins over the utility-wide key.
    `shares` maps target ids to their use; the targets are of `level`, or, without it, each id is
    looked up among products, then processes, then facilities."""

    utility: str = "unassigned"  # "electricity" | "heat" | "unassigned"
    shares: dict[str, Decimal]
    inputs: list[str] = field(default_factory=list)
    level: AllocationLevel | None = None
    basis: AllocationBasis = AllocationBasis.MEASURED


@dataclass(slots=True, kw_only=True)
class ActivityDocument:
    period: Period
    enterprise: Enterprise
    schema_version: str = SCHEMA_VERSION
    options: Options = field(default_factory=Options)
    facilities: list[Facility] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    fuels: list[FuelUse] = field(default_factory=list)
    materials: list[MaterialFlow] = field(default_factory=list)
    carbonates: list[CarbonateUse] = field(default_factory=list)
    acids: list[AcidProduction] = field(default_factory=list)
    co2_recovery: list[CO2Recovery] = field(default_factory=list)
    electricity: list[ElectricityFlow] = field(default_factory=list)
    heat: list[HeatFlow] = field(default_factory=list)
    green_claims: list[GreenClaim] = field(default_factory=list)
    biomass: list[BiomassUse] = field(default_factory=list)
    power_facilities: list[PowerFacility] = field(default_factory=list)
    products: list[ProductOutput] = field(default_factory=list)
    allocation_keys: list[AllocationKey] = field(default_factory=list)
    notes: str = ""


@dataclass(slots=True, kw_only=True)
class Park:
    id: str
    name: str = ""
    province: str | None = None
    region: str | None = None


class InternalFactors(StrEnum):
    """Factor for an enterprise's purchases from another park enterprise when the flow gives none:
    the supplier's own supply factor (its power facility, split by heat ratio) or the default
    (location grid factor, heat 0.11)."""

    SUPPLIER = "supplier"
    DEFAULT = "default"


@dataclass(slots=True, kw_only=True)
class ParkDocument:
    park: Park
    period: Period
    enterprises: list[ActivityDocument]
    schema_version: str = SCHEMA_VERSION
    options: Options = field(default_factory=Options)  # boundary factors (grid scope, GWP set)
    internal_supply_factors: InternalFactors = InternalFactors.SUPPLIER
