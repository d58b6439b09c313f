"""Process-emission defaults (methodology.md §1.3-§1.7): carbonate factors, nitric and adipic acid
N2O factors and abatement efficiencies, CO2 density, gas composition constants, steam/hot-water
conversion constants, stoichiometric carbon contents of pure products, MEE power defaults."""

from __future__ import annotations

from datetime import date

from ..parameters import Parameter
from ._build import param

CHEM = "NDRC-2013-chemical"
V = "2013"
SRC = "中国化工生产企业温室气体排放核算方法与报告指南（试行）"
IPCC = "2006 IPCC Guidelines Vol.3"

#: carbonate id -> (formula, EF tCO2/t, tag)
CARBONATES: dict[str, tuple[str, str]] = {
    "CaCO3": ("石灰石", "0.4397"), "MgCO3": ("菱镁石", "0.5220"), "Na2CO3": ("纯碱", "0.4149"),
    "NaHCO3": ("碳酸氢钠", "0.5237"), "FeCO3": ("菱铁矿", "0.3799"), "MnCO3": ("菱锰矿", "0.3829"),
    "BaCO3": ("碳酸钡", "0.2230"), "Li2CO3": ("碳酸锂", "0.5955"), "K2CO3": ("碳酸钾", "0.3184"),
    "SrCO3": ("碳酸锶", "0.2980"), "CaMg(CO3)2": ("白云石", "0.4773"),
}

#: technology id -> (中文, kg N2O/t HNO3, tag)
NITRIC_TECH: dict[str, tuple[str, str, str]] = {
    "high_pressure": ("高压法(无NSCR)", "13.9", "T-3"),
    "high_pressure_nscr": ("高压法(有NSCR)", "2.0", "M"),
    "medium_pressure": ("中压法", "11.77", "M"),
    "atmospheric": ("常压法", "9.72", "M"),
    "dual_pressure": ("双加压法", "8.0", "T-3"),
    "combined": ("综合法", "7.5", "T-3"),
    "low_pressure": ("低压法", "5.0", "T-3"),
}
NITRIC_ABATEMENT: dict[str, tuple[str, str, str]] = {
    "nscr": ("非选择性催化还原 NSCR", "0.85", "T-3"),
    "scr": ("选择性催化还原 SCR", "0", "T-3"),
    "extended_absorption": ("延长吸收", "0", "T-3"),
}
ADIPIC_TECH: dict[str, tuple[str, str, str]] = {
    "nitric_oxidation": ("硝酸氧化(环己酮/环己醇)", "300", "M"),
}
ADIPIC_ABATEMENT: dict[str, tuple[str, str, str]] = {
    "catalytic": ("催化分解", "0.925", "M"),
    "thermal": ("热分解", "0.985", "M"),
    "recycle_to_nitric": ("回收为硝酸", "0.985", "M"),
    "recycle_to_adipic": ("回收用作己二酸原料", "0.94", "M"),
}

#: product -> (中文, tC/t) stoichiometric [calc]
PRODUCT_CARBON: dict[str, tuple[str, str]] = {
    "methane": ("甲烷", "0.7487"), "ethane": ("乙烷", "0.7989"), "propane": ("丙烷", "0.8171"),
    "ethylene": ("乙烯", "0.8563"), "propylene": ("丙烯", "0.8563"),
    "butadiene": ("丁二烯", "0.8882"), "acetic_acid": ("醋酸", "0.4000"),
    "pta": ("PTA", "0.5784"), "benzene": ("苯", "0.9226"), "toluene": ("甲苯", "0.9125"),
    "px": ("对二甲苯", "0.9051"), "methanol": ("甲醇", "0.3749"),
    "ethylene_glycol": ("乙二醇", "0.3870"), "ethylene_oxide": ("环氧乙烷", "0.5453"),
    "adipic_acid": ("己二酸", "0.4931"), "urea": ("尿素", "0.2000"),
    "ammonium_bicarbonate": ("碳酸氢铵", "0.1519"), "vcm": ("氯乙烯", "0.3844"),
    "edc": ("二氯乙烷", "0.2428"), "acrylonitrile": ("丙烯腈", "0.6790"),
    "acetonitrile": ("乙腈", "0.5851"), "hcn": ("氢氰酸", "0.4444"),
    "cac2_pure": ("碳化钙(纯)", "0.3748"), "co": ("一氧化碳", "0.4288"),
    "co2": ("二氧化碳", "0.2729"),
}

#: gas component -> carbon atoms per molecule (for CC of a gas from its composition)
GAS_CARBON_ATOMS: dict[str, int] = {
    "CH4": 1, "C2H6": 2, "C2H4": 2, "C3H8": 3, "C3H6": 3, "C4H10": 4, "C4H8": 4, "C5H12": 5,
    "CO": 1, "CO2": 1, "H2": 0, "N2": 0, "O2": 0, "H2O": 0, "H2S": 0, "Ar": 0, "He": 0,
}


def process_parameters() -> list[Parameter]:
    out: list[Parameter] = []
    for c, (zh, ef) in CARBONATES.items():
        out.append(param(f"carbonate.{c}.ef", ef, "tCO2/t", CHEM, V, "T-5", IPCC,
                         f"Table 2.1 碳酸盐排放因子 {zh}"))
    for t, (zh, v, tag) in NITRIC_TECH.items():
        out.append(param(f"n2o.nitric.{t}.generation_factor", v, "kgN2O/t", CHEM, V, tag, SRC,
                         f"硝酸生产N2O生成因子 {zh}"))
    for t, (zh, v, tag) in NITRIC_ABATEMENT.items():
        out.append(param(f"n2o.nitric_abatement.{t}.efficiency", v, "1", CHEM, V, tag, SRC,
                         f"N2O去除率 {zh}"))
    for t, (zh, v, tag) in ADIPIC_TECH.items():
        out.append(param(f"n2o.adipic.{t}.generation_factor", v, "kgN2O/t", CHEM, V, tag, IPCC,
                         f"Table 3.4 己二酸N2O生成因子 {zh}"))
    for t, (zh, v, tag) in ADIPIC_ABATEMENT.items():
        out.append(param(f"n2o.adipic_abatement.{t}.efficiency", v, "1", CHEM, V, tag, IPCC,
                         f"Table 3.4 N2O去除率 {zh}"))
    for p, (zh, v) in PRODUCT_CARBON.items():
        out.append(param(f"product.{p}.carbon_content", v, "tC/t", CHEM, V, "calc",
                         "stoichiometry (methodology.md §1.4)", f"化学计算 {zh}"))
    out += [
        param("co2.density", "19.77", "t/1e4_nm3", CHEM, V, "M", SRC,
              "CO2回收利用: ρ = 1.977 kg/m3 at 0 °C, 101.325 kPa",
              note="some transcriptions show 19.7; ideal gas 19.63"),
        param("gas.molar_volume", "22.4", "Nm3/kmol", CHEM, V, "M", SRC,
              "气体燃料含碳量 CC = Σ 12 × V_n × CN_n × 10 / 22.4"),
        param("steam.feedwater_enthalpy", "83.74", "kJ/kg", CHEM, V, "M", SRC,
              "蒸汽热量 AD = Ma × (En − 83.74) × 10^-3"),
        param("hot_water.reference_temperature", "20", "°C", CHEM, V, "M", SRC,
              "热水热量 AD = Ma × (T − 20) × 4.1868 × 10^-3"),
        param("hot_water.specific_heat", "4.1868", "kJ/(kg·K)", CHEM, V, "M", SRC,
              "热水热量 AD = Ma × (T − 20) × 4.1868 × 10^-3"),
        param("green_certificate.mwh_per_certificate", "1", "MWh", "NDRC-NEA-1044-2023", "2023",
              "S-11", "发改能源〔2023〕1044号", "1 个绿证 = 1000 kWh"),
        # MEE power-sector guideline
        param("power.coal.oxidation", "0.99", "1", "MEE-power-2022", "2022", "M",
              "企业温室气体排放核算与报告指南 发电设施 (环办气候函〔2022〕485号)", "燃煤碳氧化率"),
        param("power.coal.high_default_carbon_per_heat", "0.03356", "tC/GJ", "MEE-power-2021",
              "2021", "M", "企业温室气体排放核算方法与报告指南 发电设施 (环办气候〔2021〕9号)",
              "未实测元素碳含量时单位热值含碳量高限值", valid_to=date(2021, 12, 31)),
        param("power.coal.high_default_carbon_per_heat", "0.03085", "tC/GJ", "MEE-power-2022",
              "2022", "M", "环办气候函〔2022〕111号 (2022 revision)",
              "未实测元素碳含量时单位热值含碳量高限值", valid_from=date(2022, 1, 1),
              note="timing of 0.03356 -> 0.03085 unverified"),
    ]
    return out
