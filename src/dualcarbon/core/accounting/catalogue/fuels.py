"""Default fuel parameters: NCV (GJ/unit), carbon per heat (tC/GJ), oxidation rate (fraction).
Three tables (methodology.md §1.8), never mixed within one report:
A = NDRC 2013-2015 guideline family (demo default), B = a public transcription [T-4],
C = MEE power-sector guideline style [T-5].
Keys: fuel<Table>.<fuel>.{ncv,carbon_per_heat,oxidation}."""

from __future__ import annotations

from ..parameters import Parameter
from ._build import param

SOURCE_A = (
    "中国化工生产企业温室气体排放核算方法与报告指南（试行）(发改办气候〔2013〕2526号) 附录二"
    " — best reconstruction"
)
SOURCE_B = "third-party transcription labelled NDRC defaults [T-4]"
SOURCE_C = "MEE 发电设施核算指南-style constants in third-party tool [T-5]"

#: fuel id -> (中文名, unit of amount, is_gas)
FUELS: dict[str, tuple[str, str]] = {
    "anthracite": ("无烟煤", "t"),
    "bituminous_coal": ("烟煤", "t"),
    "lignite": ("褐煤", "t"),
    "washed_coal": ("洗精煤", "t"),
    "other_washed_coal": ("其他洗煤", "t"),
    "briquette": ("型煤", "t"),
    "coke": ("焦炭", "t"),
    "crude_oil": ("原油", "t"),
    "fuel_oil": ("燃料油", "t"),
    "gasoline": ("汽油", "t"),
    "diesel": ("柴油", "t"),
    "kerosene": ("一般煤油", "t"),
    "lng": ("液化天然气", "t"),
    "lpg": ("液化石油气", "t"),
    "naphtha": ("石脑油", "t"),
    "petroleum_coke": ("石油焦", "t"),
    "tar": ("焦油", "t"),
    "crude_benzene": ("粗苯", "t"),
    "refinery_gas": ("炼厂干气", "t"),
    "natural_gas": ("天然气", "1e4_nm3"),
    "coke_oven_gas": ("焦炉煤气", "1e4_nm3"),
    "blast_furnace_gas": ("高炉煤气", "1e4_nm3"),
    "converter_gas": ("转炉煤气", "1e4_nm3"),
    "carbide_furnace_gas": ("密闭电石炉炉气", "1e4_nm3"),
    "other_gas": ("其他煤气", "1e4_nm3"),
}

# fuel: (NCV, EF tC/GJ, OF, (tag NCV, tag EF, tag OF))
SET_A: dict[str, tuple[str, str, str, tuple[str, str, str]]] = {
    "anthracite": ("26.7", "0.0274", "0.94", ("M", "M", "M")),
    "bituminous_coal": ("19.570", "0.0261", "0.93", ("M", "M", "M")),
    "lignite": ("11.9", "0.0280", "0.96", ("M", "M", "M")),
    "washed_coal": ("26.334", "0.02541", "0.90", ("M", "M", "M")),
    "other_washed_coal": ("12.545", "0.02541", "0.90", ("M", "M", "M")),
    "briquette": ("17.460", "0.0336", "0.90", ("M", "M", "M")),
    "coke": ("28.435", "0.0295", "0.93", ("S-19", "S-19", "S-19")),
    "crude_oil": ("41.816", "0.0201", "0.98", ("S-19", "S-19", "S-19")),
    "fuel_oil": ("41.816", "0.0211", "0.98", ("S-19", "S-19", "S-19")),
    "gasoline": ("43.070", "0.0189", "0.98", ("S-19", "S-19", "S-19")),
    "diesel": ("42.652", "0.0202", "0.98", ("S-19", "S-19", "S-19")),
    "kerosene": ("43.070", "0.0196", "0.98", ("M", "M", "M")),
    "lng": ("44.2", "0.0172", "0.98", ("M", "M", "M")),
    "lpg": ("50.179", "0.0172", "0.98", ("S-19", "S-19", "S-19")),
    "naphtha": ("44.5", "0.0200", "0.98", ("M", "M", "M")),
    "tar": ("33.453", "0.0220", "0.98", ("M", "M", "M")),
    "crude_benzene": ("41.816", "0.0227", "0.98", ("M", "M", "M")),
    "refinery_gas": ("45.998", "0.0182", "0.98", ("M", "S-19", "M")),
    "natural_gas": ("389.31", "0.0153", "0.99", ("S-19", "S-19", "S-19")),
    "coke_oven_gas": ("179.81", "0.01358", "0.99", ("M", "M", "M")),
    "blast_furnace_gas": ("33.000", "0.0708", "0.99", ("M", "M", "M")),
    "converter_gas": ("84.000", "0.0496", "0.99", ("M", "M", "M")),
    "carbide_furnace_gas": ("111.19", "0.03951", "0.99", ("M", "M", "M")),
    "other_gas": ("52.270", "0.0122", "0.99", ("M", "M", "M")),
}

_T4 = ("T-4", "T-4", "T-4")
SET_B: dict[str, tuple[str, str, str, tuple[str, str, str]]] = {
    "anthracite": ("24.515", "0.02749", "0.94", _T4),
    "bituminous_coal": ("23.204", "0.02618", "0.93", _T4),
    "lignite": ("14.449", "0.02800", "0.96", _T4),
    "washed_coal": ("26.344", "0.02540", "0.93", _T4),
    "other_washed_coal": ("15.373", "0.02540", "0.90", _T4),
    "briquette": ("17.46", "0.03360", "0.90", _T4),
    "coke": ("28.446", "0.02940", "0.93", _T4),
    "crude_oil": ("42.62", "0.02010", "0.98", _T4),
    "fuel_oil": ("40.19", "0.02110", "0.98", _T4),
    "gasoline": ("44.80", "0.01890", "0.98", _T4),
    "diesel": ("43.33", "0.02020", "0.98", _T4),
    "kerosene": ("44.75", "0.01960", "0.98", _T4),
    "naphtha": ("41.031", "0.0200", "0.98", _T4),
    "petroleum_coke": ("31.00", "0.02750", "0.98", _T4),
    "tar": ("33.453", "0.02200", "0.98", _T4),
    "crude_benzene": ("41.816", "0.02270", "0.98", _T4),
    "refinery_gas": ("46.05", "0.01820", "0.99", _T4),
    "lpg": ("47.31", "0.01720", "0.99", _T4),
    "lng": ("41.868", "0.01530", "0.99", _T4),
    "natural_gas": ("389.31", "0.01530", "0.99", _T4),
    "coke_oven_gas": ("173.854", "0.01360", "0.99", _T4),
    "blast_furnace_gas": ("37.69", "0.07080", "0.99", _T4),
    "converter_gas": ("79.54", "0.04960", "0.99", _T4),
    "carbide_furnace_gas": ("111.19", "0.03951", "0.99", _T4),
    "other_gas": ("52.34", "0.01220", "0.99", _T4),
}

_T5 = ("T-5", "T-5", "T-5")
SET_C: dict[str, tuple[str, str, str, tuple[str, str, str]]] = {
    "crude_oil": ("41.816", "0.02008", "0.98", _T5),
    "fuel_oil": ("41.816", "0.02110", "0.98", _T5),
    "gasoline": ("43.070", "0.01890", "0.98", _T5),
    "diesel": ("42.652", "0.02020", "0.98", _T5),
    "kerosene": ("43.070", "0.01960", "0.98", _T5),
    "lng": ("51.498", "0.01720", "0.98", _T5),
    "lpg": ("50.179", "0.01720", "0.98", _T5),
    "natural_gas": ("389.31", "0.01532", "0.99", _T5),
    "coke_oven_gas": ("173.854", "0.01210", "0.99", _T5),
    "blast_furnace_gas": ("33.000", "0.07080", "0.99", _T5),
    "converter_gas": ("84.000", "0.04960", "0.99", _T5),
}

TABLES = {
    "A": ("NDRC-2013-chemical", "setA-2013", SOURCE_A, SET_A),
    "B": ("transcription-T4", "setB", SOURCE_B, SET_B),
    "C": ("MEE-power-2022", "setC", SOURCE_C, SET_C),
}


def fuel_unit(fuel: str) -> str:
    return FUELS[fuel][1] if fuel in FUELS else "t"


def fuel_parameters() -> list[Parameter]:
    out: list[Parameter] = []
    for table, (methodology, version, source, rows) in TABLES.items():
        for fuel, (ncv, ef, of, tags) in rows.items():
            unit = fuel_unit(fuel)
            zh = FUELS[fuel][0]
            base = f"fuel{table}.{fuel}"
            clause = f"§1.8 Set {table}: {zh}"
            out.append(param(f"{base}.ncv", ncv, f"GJ/{unit}", methodology, version, tags[0],
                             source, clause))
            out.append(param(f"{base}.carbon_per_heat", ef, "tC/GJ", methodology, version, tags[1],
                             source, clause))
            out.append(param(f"{base}.oxidation", of, "1", methodology, version, tags[2],
                             source, clause))
    return out
