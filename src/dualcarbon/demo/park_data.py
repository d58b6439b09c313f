"""The demo park as plain data: a Jiangsu coastal chemical park with the typical chemical
industries, a coal-fired CHP (自备电厂) that sells power and steam inside the park, a wastewater
plant, and their facilities, processes, products, metering devices and metering points.

Deterministic (a fixed seed), so the end-to-end tests and screenshots see the same park each run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dualcarbon.core.registry_rules import add_months, make_credit_code, make_org_code

PARK_CODE = "DEMO-NT"


@dataclass(frozen=True)
class ParkSpec:
    code: str
    name: str
    province_code: str
    city: str
    grid_region: str
    timezone: str
    area_km2: Decimal
    address: str
    description: str


@dataclass(frozen=True)
class ProcessSpec:
    code: str
    name: str
    technology: str | None = None


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    unit: str
    process_code: str | None = None
    is_main_product: bool = False


@dataclass(frozen=True)
class FacilitySpec:
    code: str
    name: str
    kind: str
    capacity: Decimal | None = None
    capacity_unit: str | None = None
    is_key_facility: bool = True
    commissioned_on: date | None = None


@dataclass(frozen=True)
class DeviceSpec:
    code: str
    name: str
    device_type: str
    manufacturer: str
    model: str
    serial_no: str
    accuracy_class: str
    calibration_interval_months: int
    last_calibrated_on: date
    calibration_due_on: date


@dataclass(frozen=True)
class PointSpec:
    code: str
    name: str
    medium: str
    unit: str
    measurement: str
    direction: str
    facility_code: str | None
    device_code: str | None


@dataclass
class EnterpriseSpec:
    code: str
    name: str
    credit_code: str
    industry_code: str
    is_key_emitter: bool
    has_captive_power_plant: bool
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    contact_email: str
    processes: list[ProcessSpec] = field(default_factory=list)
    products: list[ProductSpec] = field(default_factory=list)
    facilities: list[FacilitySpec] = field(default_factory=list)
    devices: list[DeviceSpec] = field(default_factory=list)
    metering_points: list[PointSpec] = field(default_factory=list)


@dataclass(frozen=True)
class DemoPark:
    park: ParkSpec
    enterprises: list[EnterpriseSpec]


# (code, name, industry, key emitter, captive plant,
#  processes [(code, name, technology)],
#  products [(code, name, unit, process code, main)],
#  facilities [(code, name, kind, capacity, unit)],
#  fuels metered: subset of coal / natural_gas / fuel_gas / diesel / steam_in / steam_out)
_E = tuple[
    str, str, str, bool, bool,
    tuple[tuple[str, str, str], ...],
    tuple[tuple[str, str, str, str, bool], ...],
    tuple[tuple[str, str, str, str, str], ...],
    tuple[str, ...],
]

ENTERPRISES: tuple[_E, ...] = (
    ("HX-NH3", "华星化肥有限公司", "2621", True, False,
     (("NH3", "合成氨", "水煤浆气化+低温甲醇洗"), ("UREA", "尿素", "CO2汽提法")),
     (("NH3", "液氨", "t", "NH3", True), ("UREA", "尿素", "t", "UREA", True)),
     (("GAS-1", "1#水煤浆气化炉", "气化炉", "1500", "t煤/d"),
      ("GAS-2", "2#水煤浆气化炉", "气化炉", "1500", "t煤/d"),
      ("SYN-1", "氨合成塔", "反应器", "1000", "t/d"),
      ("BLR-1", "1#燃煤锅炉", "锅炉", "130", "t/h")),
     ("coal", "steam_in")),
    ("JN-MEOH", "江能甲醇有限公司", "2614", True, False,
     (("REF", "天然气转化", "蒸汽转化"), ("MEOH", "甲醇合成及精馏", "低压合成")),
     (("MEOH", "精甲醇", "t", "MEOH", True), ("H2", "副产氢气", "1e4Nm3", "REF", False)),
     (("REF-1", "一段转化炉", "转化炉", "300000", "t/a"),
      ("SYN-1", "甲醇合成塔", "反应器", "300000", "t/a"),
      ("BLR-1", "燃气锅炉", "锅炉", "75", "t/h")),
     ("natural_gas", "fuel_gas")),
    ("HY-CA", "海益氯碱化工股份有限公司", "2612", True, True,
     (("ELEC", "离子膜电解", "离子膜法"), ("PVC", "聚氯乙烯", "电石法"),
      ("CHP", "自备热电", "煤粉锅炉")),
     (("NAOH", "烧碱（折百）", "t", "ELEC", True), ("PVC", "聚氯乙烯树脂", "t", "PVC", True),
      ("CL2", "液氯", "t", "ELEC", False), ("HCL", "盐酸（31%）", "t", "ELEC", False)),
     (("EL-1", "离子膜电解槽", "电解槽", "300000", "t/a"),
      ("VCM-1", "氯乙烯合成转化器", "反应器", "200000", "t/a"),
      ("CHP-1", "自备电厂1#机组", "发电机组", "50", "MW"),
      ("CHP-B1", "自备电厂1#锅炉", "锅炉", "220", "t/h")),
     ("coal", "diesel")),
    ("TH-HNO3", "通海硝酸有限公司", "2611", True, False,
     (("HNO3", "稀硝酸", "双加压法"),),
     (("HNO3", "硝酸（折100%）", "t", "HNO3", True),),
     (("OX-1", "氨氧化炉", "反应器", "270000", "t/a"),
      ("ABS-1", "吸收塔", "吸收塔", "270000", "t/a"),
      ("NSCR-1", "N2O 分解装置", "尾气处理", "", "")),
     ("natural_gas", "steam_out")),
    ("BJ-ETH", "滨江石化乙烯有限公司", "2614", True, False,
     (("CRACK", "蒸汽裂解", "管式炉裂解"), ("SEP", "分离", "深冷分离")),
     (("C2H4", "乙烯", "t", "CRACK", True), ("C3H6", "丙烯", "t", "CRACK", True),
      ("PGAS", "裂解汽油", "t", "SEP", False)),
     (("CF-1", "1#裂解炉", "裂解炉", "150000", "t/a"),
      ("CF-2", "2#裂解炉", "裂解炉", "150000", "t/a"),
      ("CF-3", "3#裂解炉", "裂解炉", "150000", "t/a"),
      ("FL-1", "火炬系统", "火炬", "", "")),
     ("fuel_gas", "natural_gas", "steam_in")),
    ("XD-CAC2", "新达电石有限公司", "2619", True, False,
     (("CAC2", "电石", "密闭电石炉"), ("LIME", "石灰", "气烧石灰窑")),
     (("CAC2", "电石", "t", "CAC2", True), ("CAO", "生石灰", "t", "LIME", False)),
     (("EF-1", "1#密闭电石炉", "电石炉", "40.5", "MVA"),
      ("EF-2", "2#密闭电石炉", "电石炉", "40.5", "MVA"),
      ("LK-1", "气烧石灰窑", "窑炉", "600", "t/d")),
     ("coal", "fuel_gas")),
    ("HC-SODA", "华晨纯碱有限公司", "2612", True, False,
     (("SOLVAY", "纯碱", "氨碱法"),),
     (("NA2CO3", "纯碱（重质）", "t", "SOLVAY", True), ("CACL2", "氯化钙", "t", "SOLVAY", False)),
     (("LK-1", "石灰窑", "窑炉", "800", "t/d"),
      ("CALC-1", "重碱煅烧炉", "煅烧炉", "600000", "t/a"),
      ("BLR-1", "燃煤锅炉", "锅炉", "75", "t/h")),
     ("coal", "coke", "steam_in")),
    ("AD-ADA", "安达己二酸有限公司", "2614", True, False,
     (("ADA", "己二酸", "环己醇硝酸氧化法"),),
     (("ADA", "己二酸", "t", "ADA", True),),
     (("OXR-1", "硝酸氧化反应器", "反应器", "150000", "t/a"),
      ("TD-1", "N2O 热分解装置", "尾气处理", "", "")),
     ("natural_gas", "steam_in")),
    ("JS-PE", "金石聚烯烃有限公司", "2651", False, False,
     (("PE", "聚乙烯", "气相法"), ("PP", "聚丙烯", "环管法")),
     (("HDPE", "高密度聚乙烯", "t", "PE", True), ("PP", "聚丙烯", "t", "PP", True)),
     (("PER-1", "聚乙烯反应器", "反应器", "300000", "t/a"),
      ("PPR-1", "聚丙烯反应器", "反应器", "200000", "t/a")),
     ("steam_in", "nitrogen")),
    ("DF-SBR", "东方合成橡胶有限公司", "2652", False, False,
     (("SBR", "丁苯橡胶", "乳液聚合"),),
     (("SBR", "丁苯橡胶", "t", "SBR", True),),
     (("POL-1", "聚合釜组", "反应器", "100000", "t/a"),
      ("DRY-1", "干燥线", "干燥设备", "", "")),
     ("steam_in", "natural_gas")),
    ("LH-PEST", "绿禾农化有限公司", "2631", False, False,
     (("GLY", "草甘膦原药", "甘氨酸法"),),
     (("GLY", "草甘膦原药", "t", "GLY", True),),
     (("SYN-1", "合成釜组", "反应器", "30000", "t/a"),
      ("RTO-1", "RTO 焚烧炉", "焚烧炉", "40000", "Nm3/h")),
     ("natural_gas", "steam_in")),
    ("CM-COAT", "彩美涂料有限公司", "2641", False, False,
     (("COAT", "工业涂料", "分散研磨"),),
     (("COAT", "工业涂料", "t", "COAT", True),),
     (("MIX-1", "分散研磨生产线", "生产线", "50000", "t/a"),),
     ("natural_gas",)),
    ("YC-DYE", "亚彩染料有限公司", "2645", False, False,
     (("DYE", "分散染料", "重氮偶合"),),
     (("DYE", "分散染料", "t", "DYE", True),),
     (("SYN-1", "重氮偶合釜组", "反应器", "20000", "t/a"),
      ("SD-1", "喷雾干燥塔", "干燥设备", "", "")),
     ("steam_in",)),
    ("RS-CHEM", "瑞盛精细化工有限公司", "2669", False, False,
     (("FINE", "医药中间体", "多功能间歇装置"),),
     (("INT-A", "医药中间体A", "t", "FINE", True), ("INT-B", "电子化学品B", "t", "FINE", False)),
     (("MP-1", "多功能车间", "生产线", "5000", "t/a"),
      ("RTO-1", "RTO 焚烧炉", "焚烧炉", "20000", "Nm3/h")),
     ("natural_gas", "steam_in")),
    ("KY-REAG", "科跃化学试剂有限公司", "2661", False, False,
     (("REAG", "化学试剂", "提纯精制"),),
     (("REAG", "电子级试剂", "t", "REAG", True),),
     (("PUR-1", "精馏提纯装置", "精馏塔", "10000", "t/a"),),
     ("steam_in",)),
    ("YD-GAS", "园达工业气体有限公司", "2619", False, False,
     (("ASU", "空分", "深冷空分"),),
     (("O2", "氧气", "1e4Nm3", "ASU", True), ("N2", "氮气", "1e4Nm3", "ASU", True)),
     (("ASU-1", "空分装置", "空分", "60000", "Nm3/h"),
      ("CMP-1", "空压机组", "压缩机", "20", "MW")),
     ()),
    ("TR-PET", "泰润聚酯有限公司", "2653", True, False,
     (("PTA", "精对苯二甲酸", "PX 氧化"), ("PET", "聚酯切片", "连续缩聚")),
     (("PTA", "精对苯二甲酸", "t", "PTA", True), ("PET", "聚酯切片", "t", "PET", True)),
     (("OXR-1", "PX 氧化反应器", "反应器", "1200000", "t/a"),
      ("HTM-1", "热媒炉", "加热炉", "30", "MW")),
     ("coal", "steam_in")),
    ("HN-PA", "恒纳锦纶有限公司", "2821", False, False,
     (("PA6", "锦纶6切片及纺丝", "连续聚合"),),
     (("PA6", "锦纶6切片", "t", "PA6", True),),
     (("POL-1", "聚合装置", "反应器", "100000", "t/a"),),
     ("natural_gas", "steam_in")),
    ("ZK-API", "中科原料药有限公司", "2710", False, False,
     (("API", "化学原料药", "多步合成"),),
     (("API-1", "原料药（头孢类）", "t", "API", True),),
     (("SYN-1", "合成车间", "生产线", "2000", "t/a"),),
     ("steam_in",)),
    ("NT-CHP", "园区热电有限公司", "4412", True, False,
     (("CHP", "热电联产", "循环流化床锅炉+抽凝机组"),),
     (("POWER", "供电", "MWh", "CHP", True), ("STEAM", "供热（蒸汽）", "GJ", "CHP", True)),
     (("U1", "1#机组", "发电机组", "150", "MW"),
      ("U2", "2#机组", "发电机组", "150", "MW"),
      ("B1", "1#锅炉", "锅炉", "480", "t/h"),
      ("B2", "2#锅炉", "锅炉", "480", "t/h")),
     ("coal", "diesel", "steam_out", "power_out")),
    ("NT-WWT", "园区污水处理有限公司", "4620", False, False,
     (("WWT", "工业污水处理", "A/O+深度处理"),),
     (("WW", "处理污水量", "m3", "WWT", True),),
     (("AO-1", "生化池", "污水处理", "50000", "m3/d"),
      ("SLG-1", "污泥干化装置", "干燥设备", "100", "t/d")),
     ("natural_gas",)),
    ("XT-HW", "鑫泰危废处置有限公司", "7724", False, False,
     (("INC", "危险废物焚烧", "回转窑"),),
     (("HW", "危险废物处置量", "t", "INC", True),),
     (("RK-1", "回转窑焚烧线", "焚烧炉", "30000", "t/a"),),
     ("diesel", "natural_gas")),
    ("GT-TANK", "港通危化品仓储有限公司", "5942", False, False,
     (("STORE", "液体化工品仓储", "储罐区"),),
     (("THRU", "周转量", "t", "STORE", True),),
     (("TF-1", "储罐区", "储罐", "300000", "m3"),),
     ("steam_in",)),
)

_FUEL_POINTS: dict[str, tuple[str, str, str, str, str]] = {
    # key: (medium, unit, device type, direction, name)
    "coal": ("coal", "t", "belt_scale", "import", "入炉煤"),
    "coke": ("coke", "t", "weighbridge", "import", "焦炭进厂"),
    "natural_gas": ("natural_gas", "Nm3", "gas_flowmeter", "import", "天然气进线"),
    "fuel_gas": ("fuel_gas", "Nm3", "gas_flowmeter", "internal", "燃料气"),
    "diesel": ("diesel", "t", "fuel_flowmeter", "import", "柴油"),
    "steam_in": ("steam", "t", "steam_flowmeter", "import", "外购蒸汽"),
    "steam_out": ("steam", "t", "steam_flowmeter", "export", "外供蒸汽"),
    "power_out": ("electricity", "kWh", "electricity_meter", "export", "上网/外供电量"),
    "nitrogen": ("nitrogen", "Nm3", "gas_flowmeter", "import", "外购氮气"),
}
_MAKERS: dict[str, tuple[str, str]] = {
    "electricity_meter": ("威胜集团", "DTSD341"),
    "steam_flowmeter": ("横河电机", "DY050"),
    "gas_flowmeter": ("艾默生", "Micro Motion F200"),
    "fuel_flowmeter": ("艾默生", "Micro Motion CMF100"),
    "belt_scale": ("赛摩电气", "ICS-20A"),
    "weighbridge": ("梅特勒-托利多", "VTC221"),
    "water_meter": ("宁波水表", "LXLC-150"),
    "cems_analyzer": ("聚光科技", "CEMS-2000B"),
}
_ACCURACY = {"electricity_meter": "0.5S", "belt_scale": "0.5", "weighbridge": "III",
             "cems_analyzer": "2%FS", "water_meter": "2"}
_INTERVAL = {"electricity_meter": 12, "belt_scale": 6, "weighbridge": 12, "water_meter": 24,
             "cems_analyzer": 12}
_PEOPLE = ("王建国", "李卫东", "张海燕", "刘志强", "陈晓明", "杨立新", "赵红梅", "黄志刚",
           "周振华", "吴国庆", "徐丽娟", "孙建华")
_TODAY = date(2026, 11, 1)


def _device(rng: random.Random, code: str, name: str, device_type: str) -> DeviceSpec:
    maker, model = _MAKERS.get(device_type, ("上海自动化仪表", "GENERIC"))
    months = _INTERVAL.get(device_type, 12)
    # Mostly in date, a few due within 30 days, a few overdue: the overview shows all three.
    roll = rng.random()
    back = months + 1 if roll < 0.05 else months - 1 if roll < 0.12 else rng.randint(1, months - 2)
    last = add_months(_TODAY, -back)
    return DeviceSpec(
        code=code, name=name, device_type=device_type, manufacturer=maker, model=model,
        serial_no=f"SN{rng.randint(10**7, 10**8 - 1)}",
        accuracy_class=_ACCURACY.get(device_type, "1.0"), calibration_interval_months=months,
        last_calibrated_on=last, calibration_due_on=add_months(last, months))


def _metering(rng: random.Random, ent: EnterpriseSpec, fuels: tuple[str, ...]) -> None:
    def add(code: str, name: str, medium: str, unit: str, device_type: str, direction: str,
            facility: str | None, measurement: str = "cumulative") -> None:
        device_code = f"D-{code}"
        ent.devices.append(_device(rng, device_code, f"{name}计量表", device_type))
        ent.metering_points.append(PointSpec(
            code=f"{ent.code}.{code}", name=name, medium=medium, unit=unit,
            measurement=measurement, direction=direction, facility_code=facility,
            device_code=device_code))

    add("EL-IN", "总进线电量", "electricity", "kWh", "electricity_meter", "import", None)
    add("WATER", "新水取水量", "water", "m3", "water_meter", "import", None)
    for f in ent.facilities:
        add(f"EL-{f.code}", f"{f.name}用电", "electricity", "kWh", "electricity_meter",
            "internal", f.code)
        if f.kind in {"锅炉", "气化炉", "转化炉", "裂解炉", "加热炉", "窑炉", "电石炉",
                      "焚烧炉", "煅烧炉"}:
            add(f"FG-{f.code}", f"{f.name}烟气流量", "flue_gas", "m3/h", "cems_analyzer",
                "internal", f.code, "instantaneous")
            add(f"CO2-{f.code}", f"{f.name}烟气CO2浓度", "co2", "%", "cems_analyzer",
                "internal", f.code, "instantaneous")
    first = ent.facilities[0].code if ent.facilities else None
    for key in fuels:
        medium, unit, dtype, direction, name = _FUEL_POINTS[key]
        add(f"{key.upper().replace('_', '-')}", name, medium, unit, dtype, direction, first)
    for p in ent.products:
        add(f"PRD-{p.code}", f"{p.name}产量", "product", p.unit, "weighbridge", "export", None)


def build_demo_park() -> DemoPark:
    rng = random.Random(2026)
    park = ParkSpec(
        code=PARK_CODE, name="南通滨江化学工业园区（演示）", province_code="320000", city="南通市",
        grid_region="east_china", timezone="Asia/Shanghai", area_km2=Decimal("32.500"),
        address="江苏省南通市滨江大道 88 号",
        description="演示数据：园区由合成氨、甲醇、氯碱、硝酸、乙烯、电石、纯碱等化工企业及园区"
                    "热电、污水处理、危废处置等公用工程企业组成。",
    )
    enterprises: list[EnterpriseSpec] = []
    for i, (code, name, industry, key, captive, processes, products, facilities, fuels) in (
        enumerate(ENTERPRISES, start=1)
    ):
        org = make_org_code(f"{71380000 + i * 137:08d}")
        person = _PEOPLE[i % len(_PEOPLE)]
        ent = EnterpriseSpec(
            code=code, name=name, credit_code=make_credit_code(f"91320600{org}"),
            industry_code=industry, is_key_emitter=key, has_captive_power_plant=captive,
            address=f"南通滨江化学工业园区 {i} 号地块",
            legal_representative=_PEOPLE[(i * 5) % len(_PEOPLE)], contact_name=person,
            contact_phone=f"0513-8{rng.randint(1000000, 9999999)}",
            contact_email=f"energy@{code.lower()}.example.cn",
            processes=[ProcessSpec(*p) for p in processes],
            products=[ProductSpec(*p) for p in products],
            facilities=[
                FacilitySpec(
                    code=c, name=n, kind=k, capacity=Decimal(cap) if cap else None,
                    capacity_unit=u or None,
                    commissioned_on=date(2008 + rng.randint(0, 14), rng.randint(1, 12), 1))
                for c, n, k, cap, u in facilities
            ],
        )
        _metering(rng, ent, fuels)
        enterprises.append(ent)
    return DemoPark(park=park, enterprises=enterprises)
