"""Electricity and heat factors (methodology.md §3): MEE/NBS location-based factors by year
(national, 7 regional grids, provinces), residual mix and fossil-only factors, national ETS
reporting factors, the legacy NDRC regional factors, heat default.

Keys (valid for the data year the factor was published for):
  grid.location.national | grid.location.region.<region> | grid.location.province.<province>
  grid.residual.national | grid.fossil.national | grid.ets_reporting
  grid.ndrc2012.region.<region>  (legacy, for reproducing 2013-2015 reports)
  heat.default_factor"""

from __future__ import annotations

from datetime import date

from ..parameters import Parameter
from ._build import param, year_range

MEE_NBS = "MEE/NBS-EF"
SRC_2021 = "生态环境部 国家统计局 公告2024年第12号 (2021年电力二氧化碳排放因子)"
SRC_2022 = "生态环境部 国家统计局 2022年电力二氧化碳排放因子 (2024-12-20)"
SRC_2023 = "生态环境部 国家统计局 2023年电力二氧化碳排放因子 (2025-12)"
SOURCES = {2021: SRC_2021, 2022: SRC_2022, 2023: SRC_2023}

REGIONS: dict[str, str] = {
    "north": "华北", "northeast": "东北", "east": "华东", "central": "华中",
    "northwest": "西北", "south": "南方", "southwest": "西南",
}

#: province id -> (中文名, region id)
PROVINCES: dict[str, tuple[str, str]] = {
    "beijing": ("北京", "north"), "tianjin": ("天津", "north"), "hebei": ("河北", "north"),
    "shanxi": ("山西", "north"), "neimenggu": ("内蒙古", "north"), "shandong": ("山东", "north"),
    "liaoning": ("辽宁", "northeast"), "jilin": ("吉林", "northeast"),
    "heilongjiang": ("黑龙江", "northeast"),
    "shanghai": ("上海", "east"), "jiangsu": ("江苏", "east"), "zhejiang": ("浙江", "east"),
    "anhui": ("安徽", "east"), "fujian": ("福建", "east"),
    "henan": ("河南", "central"), "hubei": ("湖北", "central"), "hunan": ("湖南", "central"),
    "jiangxi": ("江西", "central"),
    # 川渝藏: the southwest grid (国网西南分部) of the 7-region MEE/NBS tables
    "chongqing": ("重庆", "southwest"),
    "sichuan": ("四川", "southwest"), "xizang": ("西藏", "southwest"),
    "shaanxi": ("陕西", "northwest"), "gansu": ("甘肃", "northwest"),
    "qinghai": ("青海", "northwest"), "ningxia": ("宁夏", "northwest"),
    "xinjiang": ("新疆", "northwest"),
    "guangdong": ("广东", "south"), "guangxi": ("广西", "south"), "hainan": ("海南", "south"),
    "guizhou": ("贵州", "south"), "yunnan": ("云南", "south"),
}

#: GB/T 2260 province code (as the registry stores a park's province) -> province id above
GB2260: dict[str, str] = {
    "110000": "beijing", "120000": "tianjin", "130000": "hebei", "140000": "shanxi",
    "150000": "neimenggu", "210000": "liaoning", "220000": "jilin", "230000": "heilongjiang",
    "310000": "shanghai", "320000": "jiangsu", "330000": "zhejiang", "340000": "anhui",
    "350000": "fujian", "360000": "jiangxi", "370000": "shandong", "410000": "henan",
    "420000": "hubei", "430000": "hunan", "440000": "guangdong", "450000": "guangxi",
    "460000": "hainan", "500000": "chongqing", "510000": "sichuan", "520000": "guizhou",
    "530000": "yunnan", "540000": "xizang", "610000": "shaanxi", "620000": "gansu",
    "630000": "qinghai", "640000": "ningxia", "650000": "xinjiang",
}


def province_key(value: str | None) -> str | None:
    """The province id of the grid-factor keys from what a user or the registry gives: the id
    itself ("jiangsu"), the GB/T 2260 code ("320000") or the Chinese name ("江苏", "江苏省");
    None when it is none of them."""
    if value is None:
        return None
    v = value.strip()
    if v.lower() in PROVINCES:
        return v.lower()
    if v in GB2260:
        return GB2260[v]
    for key, (zh, _region) in PROVINCES.items():
        if v == zh or (v.startswith(zh) and v[len(zh):] in ("省", "市", "自治区", "壮族自治区",
                                                           "回族自治区", "维吾尔自治区")):
            return key
    return None


def region_key(value: str | None) -> str | None:
    """The regional-grid id of the grid-factor keys ("east") from the id itself, the registry's
    id ("east_china") or the Chinese name ("华东", "华东区域电网"); None when unknown."""
    if value is None:
        return None
    v = value.strip()
    low = v.lower()
    if low in REGIONS:
        return low
    if low.endswith("_china") and low.removesuffix("_china") in REGIONS:
        return low.removesuffix("_china")
    for key, zh in REGIONS.items():
        if v in (zh, f"{zh}区域电网", f"{zh}电网", f"{zh}区域"):
            return key
    return None


# value, tag per year
NATIONAL = {2021: ("0.5568", "S-2"), 2022: ("0.5366", "S-2"), 2023: ("0.5306", "S-1")}
RESIDUAL = {2021: ("0.5942", "M"), 2022: ("0.5856", "S-2"), 2023: ("0.6096", "S-4")}
FOSSIL = {2021: ("0.8426", "S-2"), 2022: ("0.8325", "S-2"), 2023: ("0.8273", "S-4")}
REGIONAL: dict[str, dict[int, tuple[str, str]]] = {
    "north": {2021: ("0.7120", "T-1"), 2022: ("0.6776", "S-2"), 2023: ("0.6361", "S-1")},
    "northeast": {2021: ("0.6012", "T-1"), 2022: ("0.5564", "S-2"), 2023: ("0.5122", "S-1")},
    "east": {2021: ("0.5992", "T-1"), 2022: ("0.5617", "S-2"), 2023: ("0.5500", "S-1")},
    "central": {2021: ("0.5354", "T-1"), 2022: ("0.5395", "S-2"), 2023: ("0.5271", "S-1")},
    "northwest": {2021: ("0.5951", "T-1"), 2022: ("0.5857", "S-2"), 2023: ("0.5543", "S-1")},
    "south": {2021: ("0.4326", "T-1"), 2022: ("0.3869", "S-2"), 2023: ("0.4042", "S-1")},
    "southwest": {2021: ("0.2113", "T-1"), 2022: ("0.2268", "S-2"), 2023: ("0.2472", "S-1")},
}
# province: (2021, 2022)
PROVINCIAL: dict[str, tuple[str, str]] = {
    "beijing": ("0.5688", "0.5580"), "tianjin": ("0.7355", "0.7041"),
    "hebei": ("0.7901", "0.7252"), "shanxi": ("0.7222", "0.7096"),
    "neimenggu": ("0.7025", "0.6849"), "liaoning": ("0.5876", "0.5626"),
    "jilin": ("0.5629", "0.4932"), "heilongjiang": ("0.6342", "0.5368"),
    "shanghai": ("0.5834", "0.5849"), "jiangsu": ("0.6451", "0.5978"),
    "zhejiang": ("0.5422", "0.5153"), "anhui": ("0.7075", "0.6782"),
    "fujian": ("0.4711", "0.4092"), "jiangxi": ("0.5835", "0.5752"),
    "shandong": ("0.6838", "0.6410"), "henan": ("0.6369", "0.6058"),
    "hubei": ("0.3672", "0.4364"), "hunan": ("0.5138", "0.4900"),
    "guangdong": ("0.4715", "0.4403"), "guangxi": ("0.5154", "0.4044"),
    "hainan": ("0.4524", "0.4184"), "chongqing": ("0.4743", "0.5227"),
    "sichuan": ("0.1255", "0.1404"), "guizhou": ("0.5182", "0.4989"),
    "yunnan": ("0.1235", "0.1073"), "shaanxi": ("0.6336", "0.6558"),
    "gansu": ("0.4955", "0.4772"), "qinghai": ("0.1326", "0.1567"),
    "ningxia": ("0.6546", "0.6423"), "xinjiang": ("0.6577", "0.6231"),
}
#: 2022 provincial values also confirmed by [S-2]
PROVINCIAL_2022_CONFIRMED = {
    "hebei", "shanxi", "tianjin", "neimenggu", "anhui", "fujian", "guangxi", "qinghai",
    "sichuan", "yunnan",
}
PROVINCIAL_2023 = {"shandong": ("0.6191", "T-2")}

LEGACY_NDRC_2012 = {
    "north": "0.8843", "northeast": "0.7769", "east": "0.7035", "central": "0.5257",
    "northwest": "0.6671", "south": "0.5271",
}

UNIT = "tCO2/MWh"


def grid_parameters() -> list[Parameter]:
    out: list[Parameter] = []
    for year, (v, tag) in NATIONAL.items():
        lo, hi = year_range(year)
        out.append(param("grid.location.national", v, UNIT, MEE_NBS, str(year), tag, SOURCES[year],
                         "全国电力平均二氧化碳排放因子", valid_from=lo, valid_to=hi))
    for year, (v, tag) in RESIDUAL.items():
        lo, hi = year_range(year)
        out.append(param("grid.residual.national", v, UNIT, MEE_NBS, str(year), tag, SOURCES[year],
                         "全国电力平均二氧化碳排放因子（不包括市场化交易的非化石能源电量）",
                         valid_from=lo, valid_to=hi))
    for year, (v, tag) in FOSSIL.items():
        lo, hi = year_range(year)
        out.append(param("grid.fossil.national", v, UNIT, MEE_NBS, str(year), tag, SOURCES[year],
                         "全国化石能源电力二氧化碳排放因子", valid_from=lo, valid_to=hi))
    for region, years in REGIONAL.items():
        for year, (v, tag) in years.items():
            lo, hi = year_range(year)
            out.append(param(f"grid.location.region.{region}", v, UNIT, MEE_NBS, str(year), tag,
                             SOURCES[year], f"区域电力平均二氧化碳排放因子 {REGIONS[region]}",
                             valid_from=lo, valid_to=hi))
    for prov, (v21, v22) in PROVINCIAL.items():
        zh = PROVINCES[prov][0]
        for year, v, tag in ((2021, v21, "T-1"),
                             (2022, v22, "S-2" if prov in PROVINCIAL_2022_CONFIRMED else "T-1")):
            lo, hi = year_range(year)
            out.append(param(f"grid.location.province.{prov}", v, UNIT, MEE_NBS, str(year), tag,
                             SOURCES[year], f"省级电力平均二氧化碳排放因子 {zh}",
                             valid_from=lo, valid_to=hi))
    for prov, (v, tag) in PROVINCIAL_2023.items():
        lo, hi = year_range(2023)
        out.append(param(f"grid.location.province.{prov}", v, UNIT, MEE_NBS, "2023", tag,
                         SOURCES[2023], f"省级电力平均二氧化碳排放因子 {PROVINCES[prov][0]}",
                         valid_from=lo, valid_to=hi))
    out += [
        param("grid.ets_reporting", "0.6101", UNIT, "ETS-MRV-notice", "2015-grid", "S-17",
              "MEE 2019 补充数据表 (2015年全国电网平均排放因子)", "§3.3",
              valid_from=date(2018, 1, 1), valid_to=date(2020, 12, 31)),
        param("grid.ets_reporting", "0.5810", UNIT, "ETS-MRV-notice", "2021", "M",
              "环办气候函〔2022〕111号", "§3.3",
              valid_from=date(2021, 1, 1), valid_to=date(2021, 12, 31)),
        param("grid.ets_reporting", "0.5703", UNIT, "ETS-MRV-notice", "2022", "M",
              "环办气候函〔2023〕43号", "§3.3", valid_from=date(2022, 1, 1),
              note="used for 2022 data onward; corroborated only by T-2"),
    ]
    for region, v in LEGACY_NDRC_2012.items():
        out.append(param(f"grid.ndrc2012.region.{region}", v, UNIT, "NDRC-2012-regional-grid",
                         "2012", "M", "2012年中国区域电网平均CO2排放因子 (NDRC)",
                         f"legacy regional factor {REGIONS[region]}"))
    out.append(param("heat.default_factor", "0.11", "tCO2/GJ", "NDRC-2013-chemical", "2013", "M",
                     SOURCE_HEAT, "§1.7 / §3.4 热力排放因子缺省值",
                     note="corroborated by public tools T-1 and T-5"))
    return out


SOURCE_HEAT = "NDRC 2013-2015 核算指南系列 (热力供应排放因子 0.11 tCO2/GJ)"
