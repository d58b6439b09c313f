"""Global warming potentials (methodology.md §4). Keys: gwp.<SET>.<gas>; CH4_fossil for AR6."""

from __future__ import annotations

from ..parameters import Parameter
from ._build import param

SETS = ("SAR", "AR4", "AR5", "AR6")
#: gas -> values per set (None = not defined), and tags per set
TABLE: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "CO2": ("1", "1", "1", "1"),
    "CH4": ("21", "25", "28", "27.0"),
    "CH4_fossil": ("21", "25", "28", "29.8"),
    "N2O": ("310", "298", "265", "273"),
    "SF6": ("23900", "22800", "23500", "25200"),
    "CF4": ("6500", "7390", "6630", "7380"),
    "C2F6": ("9200", "12200", "11100", "12400"),
    "HFC-23": ("11700", "14800", "12400", "14600"),
    "HFC-134a": ("1300", "1430", "1300", "1530"),
    "NF3": (None, "17200", "16100", "17400"),
}
SOURCES = {
    "SAR": "IPCC Second Assessment Report (1995)",
    "AR4": "IPCC Fourth Assessment Report (2007)",
    "AR5": "IPCC Fifth Assessment Report (2014)",
    "AR6": "IPCC Sixth Assessment Report (2021)",
}


def _tag(gwp_set: str, gas: str) -> str:
    if gas == "CO2":
        return "calc"
    if gwp_set == "SAR" and gas in ("CH4", "CH4_fossil", "N2O"):
        return "S-18"
    if gwp_set == "AR6":
        return "T-7"
    return "M"


def gwp_parameters() -> list[Parameter]:
    out: list[Parameter] = []
    for gas, values in TABLE.items():
        for gwp_set, v in zip(SETS, values, strict=True):
            if v is None:
                continue
            out.append(param(f"gwp.{gwp_set}.{gas}", v, "tCO2e/t", f"IPCC-{gwp_set}", gwp_set,
                             _tag(gwp_set, gas), SOURCES[gwp_set], f"100-year GWP {gas}"))
    return out
