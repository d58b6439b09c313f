"""Park base data problems (zh-CN / en)."""

from dualcarbon.core.errors import Conflict, NotFound
from dualcarbon.server.i18n import register


class BaseDataNotFound(NotFound):
    code = "parkbase.not-found"


class PeriodTaken(Conflict):
    code = "parkbase.period-taken"


register(BaseDataNotFound.code, "园区基础数据不存在或无权访问",
         "Park base data not found or not accessible")
register(PeriodTaken.code, "该园区 {period} 已有基础数据", "The park already has base data for {period}")
register("parkbase.fuel-unit", "单位应为 {expected}", "Unit must be {expected}")
register("parkbase.fuel-duplicate", "同一燃料重复出现", "Fuel listed more than once")
register("parkbase.park", "园区不存在或无权访问", "Park not found or not accessible")
