"""GB/T 2589-2020 comprehensive-energy coefficients (methodology.md §6.1), in tce per unit of
the carrier (t, 1e4 Nm3, MWh, GJ). Keys: tce.<carrier>, tce.gj_per_tce."""

from __future__ import annotations

from ..parameters import Parameter
from ._build import param

M = "GB/T 2589-2020"
V = "2020"
SRC = "GB/T 2589-2020 综合能耗计算通则 附录A"

#: carrier -> (中文, tce per unit, unit, tag)
COEFFICIENTS: dict[str, tuple[str, str, str, str]] = {
    "raw_coal": ("原煤", "0.7143", "t", "S-19"),
    "washed_coal": ("洗精煤", "0.9000", "t", "M"),
    "coke": ("焦炭", "0.9714", "t", "S-19"),
    "crude_oil": ("原油", "1.4286", "t", "S-19"),
    "fuel_oil": ("燃料油", "1.4286", "t", "S-19"),
    "gasoline": ("汽油", "1.4714", "t", "S-19"),
    "kerosene": ("煤油", "1.4714", "t", "S-19"),
    "diesel": ("柴油", "1.4571", "t", "S-19"),
    "lpg": ("液化石油气", "1.7143", "t", "S-19"),
    "refinery_gas": ("炼厂干气", "1.5714", "t", "S-19"),
    "natural_gas": ("油田天然气", "13.300", "1e4_nm3", "S-19"),
    "blast_furnace_gas": ("高炉煤气", "1.286", "1e4_nm3", "M"),
    "tar": ("煤焦油", "1.1429", "t", "M"),
    "crude_benzene": ("粗苯", "1.4286", "t", "M"),
    "heat": ("热力(当量值)", "0.03412", "GJ", "M"),
    "electricity_equivalent": ("电力(当量值)", "0.1229", "MWh", "M"),
    "electricity_equal_value": ("电力(等价值)", "0.300", "MWh", "M"),
}


def energy_parameters() -> list[Parameter]:
    out = [
        param(f"tce.{c}", v, f"tce/{unit}", M, V, tag, SRC, f"折标准煤系数 {zh}")
        for c, (zh, v, unit, tag) in COEFFICIENTS.items()
    ]
    out.append(param("tce.gj_per_tce", "29.3076", "GJ/tce", M, V, "M", SRC,
                     "1 kgce = 29307.6 kJ (7000 kcal)"))
    return out
