"""National ETS power-sector allocation benchmarks and compliance parameters (methodology.md §5.2,
§5.3). Keys by compliance year (validity = the year the allowance is for):
  ets.power.supply.<category>.{power,heat}   (2019-2022, supply basis, tCO2/MWh and tCO2/GJ)
  ets.power.generation.<category>.{power,heat}   (2023-24 generation basis)
  ets.ccer_cap_share, ets.relief_cap_share"""

from __future__ import annotations

from datetime import date

from ..parameters import Parameter
from ._build import param

CATEGORIES = {
    "coal_above_300mw": "300MW等级以上常规燃煤机组",
    "coal_300mw_and_below": "300MW等级及以下常规燃煤机组",
    "coal_unconventional": "非常规燃煤机组（含燃煤矸石、煤泥、水煤浆等）",
    "gas": "燃气机组",
}
# category -> {period: (power, heat)}
SUPPLY = {
    "coal_above_300mw": {"2019-20": ("0.877", "0.126"), "2021": ("0.8218", "0.1111"),
                         "2022": ("0.8177", "0.1105")},
    "coal_300mw_and_below": {"2019-20": ("0.979", "0.126"), "2021": ("0.8773", "0.1111"),
                             "2022": ("0.8729", "0.1105")},
    "coal_unconventional": {"2019-20": ("1.146", "0.126"), "2021": ("0.9350", "0.1111"),
                            "2022": ("0.9303", "0.1105")},
    "gas": {"2019-20": ("0.392", "0.059"), "2021": ("0.3920", "0.0560"),
            "2022": ("0.3901", "0.0557")},
}
PERIODS = {
    "2019-20": (date(2019, 1, 1), date(2020, 12, 31), "ETS-plan-2019-20", "国环规气候〔2020〕3号"),
    "2021": (date(2021, 1, 1), date(2021, 12, 31), "ETS-plan-2021-22", "国环规气候〔2023〕1号"),
    "2022": (date(2022, 1, 1), date(2022, 12, 31), "ETS-plan-2021-22", "国环规气候〔2023〕1号"),
}
SRC_2324 = "2023、2024年度全国碳排放权交易发电行业配额总量和分配方案"


def ets_parameters() -> list[Parameter]:
    out: list[Parameter] = []
    for cat, periods in SUPPLY.items():
        for period, (pw, ht) in periods.items():
            lo, hi, meth, src = PERIODS[period]
            clause = f"供电/供热基准值 {CATEGORIES[cat]}"
            out.append(param(f"ets.power.supply.{cat}.power", pw, "tCO2/MWh", meth, period, "M",
                             src, clause, valid_from=lo, valid_to=hi))
            out.append(param(f"ets.power.supply.{cat}.heat", ht, "tCO2/GJ", meth, period, "M",
                             src, clause, valid_from=lo, valid_to=hi))
    out += [
        param("ets.power.generation.coal_300mw_and_below.power", "0.8049", "tCO2/MWh",
              "ETS-plan-2023-24", "2024", "T-2", SRC_2324,
              "发电基准值 300MW等级及以下常规燃煤机组 (2024)",
              valid_from=date(2024, 1, 1), valid_to=date(2024, 12, 31)),
        param("ets.power.generation.coal_300mw_and_below.heat", "0.1105", "tCO2/GJ",
              "ETS-plan-2023-24", "2024-placeholder", "M", SRC_2324,
              "供热基准值 — placeholder (2022 value), load the official table",
              valid_from=date(2024, 1, 1), valid_to=date(2024, 12, 31)),
        param("ets.ccer_cap_share", "0.05", "1", "ETS-measures-2020", "2020", "M",
              "碳排放权交易管理办法（试行）第29条", "CCER抵销比例不超过应清缴配额的5%"),
        param("ets.relief_cap_share", "0.20", "1", "ETS-plan-2021-22", "2021-22", "M",
              "国环规气候〔2023〕1号", "配额缺口上限为经核查排放量的20%"),
    ]
    return out
