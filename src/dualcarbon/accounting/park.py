"""Park level: the engine's park function over the enterprises' stored documents, with the
park's own base data (园区基础数据) beside it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from dualcarbon.core.accounting import park_base
from dualcarbon.core.accounting.catalogue import grid
from dualcarbon.core.accounting.dataio import to_dict
from dualcarbon.core.accounting.model import (
    ActivityDocument,
    GridScope,
    Options,
    Park,
    ParkDocument,
    Period,
)
from dualcarbon.core.accounting.parameters import ParameterSet
from dualcarbon.core.accounting.park import account_park
from dualcarbon.core.accounting.park_base import ParkBaseFigures
from dualcarbon.registry import service as registry


def park_info(session: Session, park_id: int) -> dict[str, Any]:
    from dualcarbon.accounting.service import SYSTEM_SCOPE

    park = registry.get_item(session, registry.SPECS["park"], SYSTEM_SCOPE, park_id)
    return {"id": str(park_id), "name": park.get("name", ""), "code": park.get("code", ""),
            "province_code": park.get("province_code"), "grid_region": park.get("grid_region"),
            "province": grid.province_key(park.get("province_code")),
            "region": grid.region_key(park.get("grid_region"))}


def account(info: dict[str, Any], start: date, end: date, docs: list[ActivityDocument],
            params: ParameterSet, base: ParkBaseFigures | None = None) -> dict[str, Any]:
    """Park result as JSON. The boundary grid factor is looked up where the park is (its
    registry province and regional grid mapped to the grid-factor keys), whatever province the
    enterprises' documents name; a park without them (an older stored run) falls back to what
    the documents agree on. The grid scope (auto / province / region / national) and GWP set
    are the ones the enterprises' documents agree on, else the defaults."""
    provinces = {d.enterprise.province for d in docs}
    regions = {d.enterprise.region for d in docs}
    if "province" in info or "region" in info:
        province, region = info.get("province"), info.get("region")
    else:
        province = provinces.pop() if len(provinces) == 1 else None
        region = regions.pop() if len(regions) == 1 else None
    park = Park(id=info["id"], name=info["name"], province=province, region=region)
    scopes = {d.options.grid_scope for d in docs}
    gwp = {d.options.gwp_set for d in docs}
    options = Options(grid_scope=scopes.pop() if len(scopes) == 1 else GridScope.AUTO,
                      gwp_set=gwp.pop() if len(gwp) == 1 else Options().gwp_set)
    pdoc = ParkDocument(park=park, period=Period(start=start, end=end), enterprises=docs,
                        options=options)
    result = account_park(pdoc, params)
    out: dict[str, Any] = to_dict(result)
    if base is not None:
        # the park's own base data beside the result: indicators per GDP, boundary cross-check
        out["park_base"] = to_dict(park_base.check(base, result, docs))
    return out
