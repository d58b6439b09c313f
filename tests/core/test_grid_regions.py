"""The registry (a park's province and regional grid) and the accounting catalogue (which
regional factor a province takes) agree for every province: a park in 重庆 must not be given the
西南 grid on its page and the 华中 factor in its results."""

from dualcarbon.core.accounting.catalogue import grid
from dualcarbon.core.registry_rules import PROVINCES


def test_every_registry_province_has_the_catalogues_region() -> None:
    checked = 0
    for p in PROVINCES:
        code, name, region = p.code, p.name_zh, p.grid_region
        key = grid.province_key(code)
        if key is None:  # Hong Kong, Macao, Taiwan: no MEE/NBS provincial factor
            continue
        assert grid.PROVINCES[key][1] == grid.region_key(region), (code, name, region)
        assert grid.province_key(name) == key
        checked += 1
    assert checked == 31


def test_chongqing_takes_the_southwest_grid() -> None:
    assert grid.PROVINCES[grid.province_key("500000")][1] == "southwest"  # type: ignore[index]
