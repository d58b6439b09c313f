"""Source kinds: how a configured source and its monthly record become a line of the engine's
activity document (core.accounting.model), and on which sheet of the Excel template it goes
(the guideline's report tables). Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    doc_list: str  # ActivityDocument attribute ("" for value_added / power_coal)
    quantity_field: str
    units: tuple[str, ...]
    sheet: str  # template sheet (报告表)
    label_zh: str
    label_en: str
    settings: frozenset[str] = frozenset()  # static configuration copied into the engine line
    measured: frozenset[str] = frozenset()  # monthly parameters sent as Measured
    plain: frozenset[str] = frozenset()  # monthly parameters sent as plain decimals


SHEET_COMBUSTION = "化石燃料燃烧"
SHEET_PROCESS = "工业生产过程"
SHEET_RECOVERY = "CO2回收利用"
SHEET_ENERGY = "净购入电力和热力"
SHEET_OTHER = "产品产量及其他"

KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("fuel", "fuels", "amount", ("t", "1e4_nm3"), SHEET_COMBUSTION, "化石燃料", "Fossil fuel",
         frozenset({"fuel", "use", "composition", "composition_quality"}),
         frozenset({"ncv", "carbon_content", "carbon_per_heat", "oxidation"})),
    Kind("material", "materials", "amount", ("t", "1e4_nm3"), SHEET_PROCESS, "含碳原料/产品",
         "Carbon-containing material", frozenset({"role", "material", "composition"}),
         frozenset({"carbon_content"})),
    Kind("carbonate", "carbonates", "amount_t", ("t",), SHEET_PROCESS, "碳酸盐", "Carbonate",
         frozenset({"carbonate"}), frozenset({"purity", "ef"})),
    Kind("acid", "acids", "output_t", ("t",), SHEET_PROCESS, "硝酸/己二酸生产",
         "Nitric/adipic acid",
         frozenset({"acid", "technology", "abatement"}),
         frozenset({"generation_factor_kg_per_t", "abatement_efficiency", "utilisation"})),
    Kind("co2_recovery", "co2_recovery", "volume_1e4_nm3", ("1e4_nm3",), SHEET_RECOVERY,
         "CO2回收利用", "CO2 recovery", frozenset({"destination"}), frozenset({"purity"})),
    Kind("electricity", "electricity", "energy_mwh", ("MWh",), SHEET_ENERGY, "电力", "Electricity",
         frozenset({"direction", "counterparty"}), frozenset({"supplier_factor"})),
    Kind("heat", "heat", "heat_gj", ("GJ", "t"), SHEET_ENERGY, "热力", "Heat",
         frozenset({"direction", "medium", "counterparty"}),
         frozenset({"enthalpy_kj_per_kg", "supplier_factor"}),
         frozenset({"temperature_c", "pressure_mpa"})),
    Kind("green_power", "green_claims", "energy_mwh", ("MWh",), SHEET_ENERGY, "绿电/绿证",
         "Green power", frozenset({"kind"})),
    Kind("biomass", "biomass", "amount", ("t", "1e4_nm3"), SHEET_COMBUSTION, "生物质燃料",
         "Biomass", frozenset(), frozenset({"ncv", "carbon_per_heat", "oxidation"})),
    Kind("power_coal", "", "amount_t", ("t",), SHEET_COMBUSTION, "自备电厂燃煤",
         "Captive plant coal",
         frozenset({"power_facility"}), frozenset({"ncv", "carbon_content"}),
         frozenset({"moisture_ar_pct", "moisture_ad_pct"})),
    Kind("product", "products", "amount_t", ("t",), SHEET_OTHER, "产品产量", "Product output"),
    Kind("value_added", "", "value_added_1e4_cny", ("1e4_cny",), SHEET_OTHER, "工业增加值",
         "Value added"),
)}

SHEETS = (SHEET_COMBUSTION, SHEET_PROCESS, SHEET_RECOVERY, SHEET_ENERGY, SHEET_OTHER)
SHEETS_EN = {SHEET_COMBUSTION: "Fossil fuel combustion", SHEET_PROCESS: "Industrial processes",
             SHEET_RECOVERY: "CO2 recovery", SHEET_ENERGY: "Net purchased electricity and heat",
             SHEET_OTHER: "Products and other"}

DATA_SOURCES = {
    "meter_ledger": "计量台账",
    "invoice": "结算凭证",
    "lab_test": "检测报告",
    "default": "缺省值",
}
DATA_SOURCE_OF_LABEL = {v: k for k, v in DATA_SOURCES.items()} | {k: k for k in DATA_SOURCES}

# metering point unit -> (source unit, factor) for ledger prefill
UNIT_CONVERSIONS: dict[tuple[str, str], str] = {
    ("kWh", "MWh"): "0.001", ("MWh", "MWh"): "1", ("GJ", "GJ"): "1", ("MJ", "GJ"): "0.001",
    ("t", "t"): "1", ("kg", "t"): "0.001", ("m3", "1e4_nm3"): "0.0001",
    ("Nm3", "1e4_nm3"): "0.0001", ("1e4_nm3", "1e4_nm3"): "1", ("10^4 Nm3", "1e4_nm3"): "1",
}

# fixed values of settings that the schema checks
SETTING_CHOICES: dict[str, tuple[str, ...]] = {
    "use": ("fuel", "feedstock"),
    "role": ("input", "product", "waste"),
    "acid": ("nitric", "adipic"),
    "destination": ("sold", "raw_material", "into_product"),
    "direction": ("purchase", "export"),
    "medium": ("steam", "hot_water", "heat"),
    "kind": ("green_power_trade", "certificate"),
}
REQUIRED_SETTINGS: dict[str, tuple[str, ...]] = {
    "fuel": ("fuel",), "material": ("role",), "carbonate": ("carbonate",),
    "acid": ("acid", "technology"), "electricity": ("direction",), "heat": ("direction",),
    "green_power": ("kind",), "power_coal": ("power_facility",),
}
