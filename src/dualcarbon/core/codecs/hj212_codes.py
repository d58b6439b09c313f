"""HJ 212-2017 code tables and checks for the data-logger configuration (pure, no I/O).

- MN (设备唯一标识): 24 characters ``0-9A-F`` (表 3, EPC-96). Many deployed loggers use other
  identifiers (``ZLDSZ20210127``, ``NJGDKYYC202101q0001w0001``, protocols.md §1.2), so a
  non-standard MN is accepted only when the caller asks for it explicitly.
- ST system codes (表 5), MinInterval values (表 4), RtdInterval range (30–3600 s).
- Factor codes (附录 B): a category letter — ``a`` gas, ``w`` water, ``e``/``g`` process
  (工况, 6.4.1), ``i`` site information (表 B.10) — and five digits; the HJ/T 212-2005 codes
  listed as "原编码" are accepted too (legacy loggers send them). ``FACTORS`` names the codes a
  carbon platform meets most, for pick lists; it is not the whole annex.
- Value suffixes per data kind: ``Rtd`` (and ``ZsRtd``) for CN 2011, ``Avg/Min/Max/Cou`` (and the
  ``Zs…`` O2-corrected ones) for 2051/2061/2031.

Each check returns ``None`` or the i18n code of the problem (``hj212.*``).
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from dualcarbon.core.codecs.hj212 import LEGACY_GAS_CODES, Cn

MN_STRICT: Final = re.compile(r"^[0-9A-F]{24}$")
MN_LENIENT: Final = re.compile(r"^[0-9A-Za-z_.\-]{1,40}$")
PASSWORD: Final = re.compile(r"^[0-9A-Za-z]{6}$")
FACTOR_CODE: Final = re.compile(r"^[awegi][0-9]{5}$")
FACTOR_LENIENT: Final = re.compile(r"^[0-9A-Za-z_.]{1,16}$")

# 表 5: environmental quality 21–27, pollution sources 31–39 and 41, process 51–52.
ST_CODES: Final = frozenset({"21", "22", "23", "24", "25", "26", "27", "31", "32", "33", "34",
                             "35", "36", "37", "38", "39", "41", "51", "52"})
MIN_INTERVALS: Final = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)  # MinInterval, minutes (表 4)
RTD_INTERVAL_RANGE: Final = (30, 3600)  # RtdInterval, seconds (表 4)

DATA_KINDS: Final = (Cn.REALTIME, Cn.MINUTE, Cn.HOUR, Cn.DAY)
SUFFIXES: Final[dict[int, tuple[str, ...]]] = {
    Cn.REALTIME: ("Rtd", "ZsRtd"),
    Cn.MINUTE: ("Avg", "Min", "Max", "Cou", "ZsAvg", "ZsMin", "ZsMax"),
    Cn.HOUR: ("Avg", "Min", "Max", "Cou", "ZsAvg", "ZsMin", "ZsMax"),
    Cn.DAY: ("Avg", "Min", "Max", "Cou", "ZsAvg", "ZsMin", "ZsMax"),
}
# the nominal period of one record of each kind, seconds (2011: the device's RtdInterval)
PERIOD_S: Final[dict[int, int]] = {Cn.HOUR: 3600, Cn.DAY: 86400}


class Factor(NamedTuple):
    zh: str
    en: str
    unit: str  # default concentration / value unit of 附录 B (sites often configure another)


# 附录 B 表 B.1/B.2 (the subset protocols.md §1.7 lists) — for pick lists and labels.
FACTORS: Final[dict[str, Factor]] = {
    "a00000": Factor("废气（烟气流量）", "Flue gas flow", "m3/s"),
    "a01011": Factor("烟气流速", "Flue gas velocity", "m/s"),
    "a01012": Factor("烟气温度", "Flue gas temperature", "℃"),
    "a01013": Factor("烟气压力", "Flue gas static pressure", "kPa"),
    "a01014": Factor("烟气湿度", "Flue gas moisture", "%"),
    "a01015": Factor("制冷温度", "Chiller temperature", "℃"),
    "a01016": Factor("烟道截面积", "Duct cross-section", "m2"),
    "a01017": Factor("烟气动压", "Flue gas dynamic pressure", "kPa"),
    "a19001": Factor("氧气含量", "Oxygen (O2)", "%"),
    "a05001": Factor("二氧化碳", "Carbon dioxide (CO2)", "mg/m3"),
    "a05002": Factor("甲烷", "Methane (CH4)", "ng/m3"),
    "a21005": Factor("一氧化碳", "Carbon monoxide (CO)", "mg/m3"),
    "a21026": Factor("二氧化硫", "Sulphur dioxide (SO2)", "mg/m3"),
    "a21002": Factor("氮氧化物", "Nitrogen oxides (NOx)", "mg/m3"),
    "a34013": Factor("烟尘", "Particulate matter", "mg/m3"),
    "a24088": Factor("非甲烷总烃", "Non-methane hydrocarbons", "mg/m3"),
    "a01001": Factor("温度", "Ambient temperature", "℃"),
    "a01002": Factor("湿度", "Ambient humidity", "%"),
    "a01006": Factor("气压", "Ambient pressure", "kPa"),
    "w00000": Factor("污水（流量）", "Wastewater flow", "L/s"),
    "w01001": Factor("pH 值", "pH", "pH"),
    "w01018": Factor("化学需氧量", "Chemical oxygen demand (COD)", "mg/L"),
    "w21003": Factor("氨氮", "Ammonia nitrogen", "mg/L"),
}


def check_mn(mn: str, *, nonstandard: bool = False) -> str | None:
    if MN_STRICT.match(mn):
        return None
    if nonstandard:
        return None if MN_LENIENT.match(mn) else "hj212.mn-format"
    return "hj212.mn-standard"


def check_password(pw: str) -> str | None:
    return None if PASSWORD.match(pw) else "hj212.password-format"


def check_st(st: str) -> str | None:
    return None if st in ST_CODES or re.match(r"^[A-Z][0-9]$", st) else "hj212.st-unknown"


def check_min_interval(minutes: int) -> str | None:
    return None if minutes in MIN_INTERVALS else "hj212.min-interval"


def check_rtd_interval(seconds: int) -> str | None:
    lo, hi = RTD_INTERVAL_RANGE
    return None if lo <= seconds <= hi else "hj212.rtd-interval"


def check_factor_code(code: str, *, nonstandard: bool = False) -> str | None:
    if FACTOR_CODE.match(code) or code in LEGACY_GAS_CODES:
        return None
    if nonstandard:
        return None if FACTOR_LENIENT.match(code) else "hj212.factor-format"
    return "hj212.factor-standard"


def check_cn(cn: int) -> str | None:
    return None if cn in SUFFIXES else "hj212.bad-cn"


def check_suffix(cn: int, suffix: str) -> str | None:
    allowed = SUFFIXES.get(cn)
    return None if allowed is None or suffix in allowed else "hj212.suffix"


def record_period_s(cn: int, *, rtd_interval_s: int, min_interval_min: int) -> int:
    """Seconds between two records of data kind ``cn`` of a logger."""
    if cn == Cn.REALTIME:
        return rtd_interval_s
    if cn == Cn.MINUTE:
        return min_interval_min * 60
    return PERIOD_S[cn]
