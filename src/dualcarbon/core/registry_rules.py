"""Reference data and rules of the master data (主数据), pure and framework-free:

- GB 32100-2015 unified social credit code (统一社会信用代码) with its GB 11714 organisation-code
  check digit and its own mod-31 check character;
- GB/T 4754-2017 industry classification (国民经济行业分类), the divisions, groups and classes a
  chemical park meets;
- GB/T 2260 provincial divisions with the regional grid (区域电网) each belongs to in the MEE
  regional electricity factor tables (methodology.md §3.1);
- metering device types with default verification intervals (检定周期), metering media, units.

Default calibration intervals are common practice under the JJG verification regulations; they
are defaults only (a device may carry its own interval) and are marked as such in the API.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

# --- GB 32100 credit code -----------------------------------------------------------------------

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CHARS)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    """The 18th character of a credit code (GB 32100-2015 §4.2, mod 31)."""
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """The check character of a GB 11714 organisation code (mod 11; 10 → X, 11 → 0)."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "0" if c9 == 11 else "X" if c9 == 10 else str(c9)


def validate_credit_code(code: str) -> str | None:
    """None if `code` is a valid credit code, else the slug of the first problem:
    `length`, `charset`, `org-check-digit` or `check-digit`."""
    if len(code) != 18:
        return "length"
    if any(c not in _CREDIT_VALUE for c in code):
        return "charset"
    org = code[8:17]
    if not org[:8].isalnum() or org_check_char(org[:8]) != org[8]:
        return "org-check-digit"
    if credit_check_char(code[:17]) != code[17]:
        return "check-digit"
    return None


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with the check character (test data, demo park)."""
    return first17 + credit_check_char(first17)


def make_org_code(body8: str) -> str:
    return body8 + org_check_char(body8)


# --- GB/T 4754-2017 industries ------------------------------------------------------------------


@dataclass(frozen=True)
class Industry:
    code: str
    name_zh: str
    name_en: str
    level: str  # division (大类, 2 digits) | group (中类, 3) | class (小类, 4)
    parent_code: str | None


def _industries(rows: tuple[tuple[str, str, str], ...]) -> tuple[Industry, ...]:
    level = {2: "division", 3: "group", 4: "class"}
    return tuple(
        Industry(code, zh, en, level[len(code)], code[:-1] if len(code) > 2 else None)
        for code, zh, en in rows
    )


INDUSTRIES: tuple[Industry, ...] = _industries((
    ("25", "石油、煤炭及其他燃料加工业", "Petroleum, coal and other fuel processing"),
    ("251", "精炼石油产品制造", "Refined petroleum products"),
    ("2511", "原油加工及石油制品制造", "Crude oil processing and petroleum products"),
    ("2519", "其他原油制造", "Other crude oil manufacturing"),
    ("252", "煤炭加工", "Coal processing"),
    ("2521", "炼焦", "Coking"),
    ("2522", "煤制合成气生产", "Coal-to-syngas"),
    ("2523", "煤制液体燃料生产", "Coal-to-liquid fuels"),
    ("2524", "煤制品制造", "Coal products"),
    ("2529", "其他煤炭加工", "Other coal processing"),
    ("254", "生物质燃料加工", "Biomass fuel processing"),
    ("2541", "生物质液体燃料生产", "Biomass liquid fuels"),
    ("2542", "生物质致密成型燃料加工", "Biomass densified fuels"),
    ("26", "化学原料和化学制品制造业", "Chemical raw materials and chemical products"),
    ("261", "基础化学原料制造", "Basic chemical raw materials"),
    ("2611", "无机酸制造", "Inorganic acids"),
    ("2612", "无机碱制造", "Inorganic alkalis"),
    ("2613", "无机盐制造", "Inorganic salts"),
    ("2614", "有机化学原料制造", "Organic chemical raw materials"),
    ("2619", "其他基础化学原料制造", "Other basic chemical raw materials"),
    ("262", "肥料制造", "Fertilisers"),
    ("2621", "氮肥制造", "Nitrogen fertilisers"),
    ("2622", "磷肥制造", "Phosphate fertilisers"),
    ("2623", "钾肥制造", "Potash fertilisers"),
    ("2624", "复混肥料制造", "Compound fertilisers"),
    ("2625", "有机肥料及微生物肥料制造", "Organic and microbial fertilisers"),
    ("2629", "其他肥料制造", "Other fertilisers"),
    ("263", "农药制造", "Pesticides"),
    ("2631", "化学农药制造", "Chemical pesticides"),
    ("2632", "生物化学农药及微生物农药制造", "Biochemical and microbial pesticides"),
    ("264", "涂料、油墨、颜料及类似产品制造", "Coatings, inks, pigments and similar products"),
    ("2641", "涂料制造", "Coatings"),
    ("2642", "油墨及类似产品制造", "Inks and similar products"),
    ("2643", "工业颜料制造", "Industrial pigments"),
    ("2645", "染料制造", "Dyes"),
    ("2646", "密封用填料及类似品制造", "Sealing fillers"),
    ("265", "合成材料制造", "Synthetic materials"),
    ("2651", "初级形态塑料及合成树脂制造", "Primary plastics and synthetic resins"),
    ("2652", "合成橡胶制造", "Synthetic rubber"),
    ("2653", "合成纤维单（聚合）体制造", "Synthetic fibre monomers and polymers"),
    ("2659", "其他合成材料制造", "Other synthetic materials"),
    ("266", "专用化学产品制造", "Specialty chemical products"),
    ("2661", "化学试剂和助剂制造", "Chemical reagents and auxiliaries"),
    ("2662", "专项化学用品制造", "Special-purpose chemicals"),
    ("2663", "林产化学产品制造", "Forest chemical products"),
    ("2664", "文化用信息化学品制造", "Information chemicals for culture"),
    ("2665", "医学生产用信息化学品制造", "Information chemicals for medicine"),
    ("2666", "环境污染处理专用药剂材料制造", "Agents for pollution treatment"),
    ("2667", "动物胶制造", "Animal glue"),
    ("2669", "其他专用化学产品制造", "Other specialty chemical products"),
    ("267", "炸药、火工及焰火产品制造", "Explosives, pyrotechnics and fireworks"),
    ("2671", "炸药及火工产品制造", "Explosives and pyrotechnic products"),
    ("2672", "焰火、鞭炮产品制造", "Fireworks and firecrackers"),
    ("268", "日用化学产品制造", "Daily-use chemical products"),
    ("2681", "肥皂及洗涤剂制造", "Soap and detergents"),
    ("2682", "化妆品制造", "Cosmetics"),
    ("2684", "香料、香精制造", "Flavours and fragrances"),
    ("2689", "其他日用化学产品制造", "Other daily-use chemical products"),
    ("27", "医药制造业", "Pharmaceuticals"),
    ("271", "化学药品原料药制造", "Chemical active pharmaceutical ingredients"),
    ("2710", "化学药品原料药制造", "Chemical active pharmaceutical ingredients"),
    ("272", "化学药品制剂制造", "Chemical drug preparations"),
    ("2720", "化学药品制剂制造", "Chemical drug preparations"),
    ("28", "化学纤维制造业", "Chemical fibres"),
    ("282", "合成纤维制造", "Synthetic fibres"),
    ("2821", "锦纶纤维制造", "Polyamide fibre"),
    ("2822", "涤纶纤维制造", "Polyester fibre"),
    ("2829", "其他合成纤维制造", "Other synthetic fibres"),
    ("29", "橡胶和塑料制品业", "Rubber and plastic products"),
    ("291", "橡胶制品业", "Rubber products"),
    ("292", "塑料制品业", "Plastic products"),
    ("44", "电力、热力生产和供应业", "Electricity and heat production and supply"),
    ("441", "电力生产", "Electricity generation"),
    ("4411", "火力发电", "Thermal power generation"),
    ("4412", "热电联产", "Combined heat and power"),
    ("4415", "风力发电", "Wind power"),
    ("4416", "太阳能发电", "Solar power"),
    ("4417", "生物质能发电", "Biomass power"),
    ("442", "电力供应", "Electricity supply"),
    ("4420", "电力供应", "Electricity supply"),
    ("443", "热力生产和供应", "Heat production and supply"),
    ("4430", "热力生产和供应", "Heat production and supply"),
    ("45", "燃气生产和供应业", "Gas production and supply"),
    ("451", "燃气生产和供应业", "Gas production and supply"),
    ("4511", "天然气生产和供应业", "Natural gas supply"),
    ("4512", "液化石油气生产和供应业", "LPG supply"),
    ("4513", "煤气生产和供应业", "Town gas supply"),
    ("452", "生物质燃气生产和供应业", "Biogas supply"),
    ("4520", "生物质燃气生产和供应业", "Biogas supply"),
    ("46", "水的生产和供应业", "Water production and supply"),
    ("461", "自来水生产和供应", "Tap water supply"),
    ("4610", "自来水生产和供应", "Tap water supply"),
    ("462", "污水处理及其再生利用", "Wastewater treatment and reuse"),
    ("4620", "污水处理及其再生利用", "Wastewater treatment and reuse"),
    ("59", "仓储业", "Warehousing"),
    ("594", "危险品仓储", "Dangerous goods warehousing"),
    ("5941", "油气仓储", "Oil and gas storage"),
    ("5942", "危险化学品仓储", "Hazardous chemicals storage"),
    ("77", "生态保护和环境治理业", "Ecological protection and environmental treatment"),
    ("772", "环境治理业", "Environmental treatment"),
    ("7723", "固体废物治理", "Solid waste treatment"),
    ("7724", "危险废物治理", "Hazardous waste treatment"),
))
_INDUSTRY_CODES = frozenset(i.code for i in INDUSTRIES)


def is_valid_industry_code(code: str) -> bool:
    return code in _INDUSTRY_CODES


# --- GB/T 2260 provinces and regional grids -----------------------------------------------------

# The seven regional grids of the MEE/NBS regional electricity factor tables (2021 onward).
GRID_REGIONS: dict[str, tuple[str, str]] = {
    "north_china": ("华北区域电网", "North China grid"),
    "northeast_china": ("东北区域电网", "Northeast China grid"),
    "east_china": ("华东区域电网", "East China grid"),
    "central_china": ("华中区域电网", "Central China grid"),
    "northwest_china": ("西北区域电网", "Northwest China grid"),
    "south_china": ("南方区域电网", "China Southern grid"),
    "southwest_china": ("西南区域电网", "Southwest China grid"),
}


@dataclass(frozen=True)
class Province:
    code: str
    name_zh: str
    name_en: str
    grid_region: str


PROVINCES: tuple[Province, ...] = tuple(
    Province(*row)
    for row in (
        ("110000", "北京市", "Beijing", "north_china"),
        ("120000", "天津市", "Tianjin", "north_china"),
        ("130000", "河北省", "Hebei", "north_china"),
        ("140000", "山西省", "Shanxi", "north_china"),
        ("150000", "内蒙古自治区", "Inner Mongolia", "north_china"),
        ("210000", "辽宁省", "Liaoning", "northeast_china"),
        ("220000", "吉林省", "Jilin", "northeast_china"),
        ("230000", "黑龙江省", "Heilongjiang", "northeast_china"),
        ("310000", "上海市", "Shanghai", "east_china"),
        ("320000", "江苏省", "Jiangsu", "east_china"),
        ("330000", "浙江省", "Zhejiang", "east_china"),
        ("340000", "安徽省", "Anhui", "east_china"),
        ("350000", "福建省", "Fujian", "east_china"),
        ("360000", "江西省", "Jiangxi", "central_china"),
        ("370000", "山东省", "Shandong", "north_china"),
        ("410000", "河南省", "Henan", "central_china"),
        ("420000", "湖北省", "Hubei", "central_china"),
        ("430000", "湖南省", "Hunan", "central_china"),
        ("440000", "广东省", "Guangdong", "south_china"),
        ("450000", "广西壮族自治区", "Guangxi", "south_china"),
        ("460000", "海南省", "Hainan", "south_china"),
        ("500000", "重庆市", "Chongqing", "southwest_china"),
        ("510000", "四川省", "Sichuan", "southwest_china"),
        ("520000", "贵州省", "Guizhou", "south_china"),
        ("530000", "云南省", "Yunnan", "south_china"),
        ("540000", "西藏自治区", "Tibet", "southwest_china"),
        ("610000", "陕西省", "Shaanxi", "northwest_china"),
        ("620000", "甘肃省", "Gansu", "northwest_china"),
        ("630000", "青海省", "Qinghai", "northwest_china"),
        ("640000", "宁夏回族自治区", "Ningxia", "northwest_china"),
        ("650000", "新疆维吾尔自治区", "Xinjiang", "northwest_china"),
    )
)


# --- metering devices, media, units -------------------------------------------------------------


@dataclass(frozen=True)
class DeviceType:
    code: str
    name_zh: str
    name_en: str
    default_unit: str
    calibration_interval_months: int  # default only; a device may carry its own


DEVICE_TYPES: tuple[DeviceType, ...] = (
    DeviceType("electricity_meter", "电能表", "Electricity meter", "kWh", 12),
    DeviceType("steam_flowmeter", "蒸汽流量计", "Steam flowmeter", "t", 12),
    DeviceType("heat_meter", "热量表", "Heat meter", "GJ", 24),
    DeviceType("gas_flowmeter", "气体流量计", "Gas flowmeter", "Nm3", 12),
    DeviceType("fuel_flowmeter", "燃料流量计", "Fuel flowmeter", "t", 12),
    DeviceType("liquid_flowmeter", "液体流量计", "Liquid flowmeter", "m3", 12),
    DeviceType("weighbridge", "汽车衡/轨道衡", "Weighbridge", "t", 12),
    DeviceType("belt_scale", "皮带秤", "Belt scale", "t", 6),
    DeviceType("water_meter", "水表", "Water meter", "m3", 24),
    DeviceType("cems_analyzer", "CEMS 分析仪", "CEMS analyser", "mg/m3", 12),
    DeviceType("gas_chromatograph", "气相色谱仪", "Gas chromatograph", "%", 24),
    DeviceType("calorimeter", "量热仪", "Calorimeter", "MJ/kg", 12),
    DeviceType("pressure_transmitter", "压力变送器", "Pressure transmitter", "MPa", 12),
    DeviceType("temperature_transmitter", "温度变送器", "Temperature transmitter", "℃", 12),
    DeviceType("other", "其他计量器具", "Other instrument", "", 12),
)


@dataclass(frozen=True)
class Medium:
    code: str
    name_zh: str
    name_en: str
    default_unit: str


MEDIA: tuple[Medium, ...] = (
    Medium("electricity", "电力", "Electricity", "kWh"),
    Medium("steam", "蒸汽", "Steam", "t"),
    Medium("hot_water", "热水", "Hot water", "GJ"),
    Medium("natural_gas", "天然气", "Natural gas", "Nm3"),
    Medium("coal", "煤炭", "Coal", "t"),
    Medium("coke", "焦炭", "Coke", "t"),
    Medium("fuel_oil", "燃料油", "Fuel oil", "t"),
    Medium("diesel", "柴油", "Diesel", "t"),
    Medium("lpg", "液化石油气", "LPG", "t"),
    Medium("coke_oven_gas", "焦炉煤气", "Coke oven gas", "Nm3"),
    Medium("fuel_gas", "燃料气/驰放气", "Fuel gas / purge gas", "Nm3"),
    Medium("raw_material", "原料", "Raw material", "t"),
    Medium("product", "产品", "Product", "t"),
    Medium("water", "新水", "Fresh water", "m3"),
    Medium("compressed_air", "压缩空气", "Compressed air", "Nm3"),
    Medium("nitrogen", "氮气", "Nitrogen", "Nm3"),
    Medium("flue_gas", "烟气（CEMS）", "Flue gas (CEMS)", "m3/h"),
    Medium("co2", "二氧化碳", "CO2", "t"),
    Medium("n2o", "氧化亚氮", "N2O", "t"),
)


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    name_en: str


UNITS: tuple[Unit, ...] = tuple(
    Unit(*row)
    for row in (
        ("kWh", "千瓦时", "kilowatt-hour"),
        ("MWh", "兆瓦时", "megawatt-hour"),
        ("t", "吨", "tonne"),
        ("kg", "千克", "kilogram"),
        ("Nm3", "标准立方米", "normal cubic metre"),
        ("1e4Nm3", "万标准立方米", "10^4 normal cubic metres"),
        ("m3", "立方米", "cubic metre"),
        ("GJ", "吉焦", "gigajoule"),
        ("MJ", "兆焦", "megajoule"),
        ("MJ/kg", "兆焦/千克", "megajoule per kilogram"),
        ("t/h", "吨/小时", "tonne per hour"),
        ("Nm3/h", "标准立方米/小时", "normal cubic metre per hour"),
        ("m3/h", "立方米/小时", "cubic metre per hour"),
        ("m3/s", "立方米/秒", "cubic metre per second"),
        ("kW", "千瓦", "kilowatt"),
        ("MW", "兆瓦", "megawatt"),
        ("mg/m3", "毫克/立方米", "milligram per cubic metre"),
        ("%", "百分比", "percent"),
        ("℃", "摄氏度", "degree Celsius"),
        ("kPa", "千帕", "kilopascal"),
        ("MPa", "兆帕", "megapascal"),
        ("tce", "吨标准煤", "tonne of coal equivalent"),
        ("tCO2", "吨二氧化碳", "tonne CO2"),
        ("tCO2e", "吨二氧化碳当量", "tonne CO2 equivalent"),
        ("1e4CNY", "万元", "10^4 CNY"),
        ("piece", "件/台", "piece"),
    )
)


# --- calibration ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def calibration_due(last_calibrated: date, interval_months: int) -> date:
    """The date the next verification (检定/校准) is due."""
    return add_months(last_calibrated, interval_months)
