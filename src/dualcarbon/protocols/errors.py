from dualcarbon.core.errors import NotFound
from dualcarbon.server.i18n import register


class CemsNotFound(NotFound):
    code = "cems.not-found"


register(CemsNotFound.code, "对象不存在或无权访问", "Not found or not accessible")
register("cems.bad-point", "计量点不存在或不属于该企业", "Metering point unknown or of another enterprise")
register("hj212.mn-taken", "设备编码 MN {mn} 已存在", "Device MN {mn} already exists")
register("hj212.bad-cn", "不支持的命令编码 {cn}", "Unsupported command code {cn}")
register("hj212.bad-point", "计量点不存在或不属于该企业", "Metering point unknown or of another enterprise")
register("cems.bad-window", "计算时段无效（结束须晚于开始，且不超过 92 天）", "Invalid window (end after start, at most 92 days)")
