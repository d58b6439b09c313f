from dualcarbon.core.errors import Conflict, NotFound
from dualcarbon.server.i18n import register


class MonitoringNotFound(NotFound):
    code = "monitoring.not-found"


class BadTransition(Conflict):
    code = "monitoring.bad-transition"


register(MonitoringNotFound.code, "对象不存在或无权访问", "Not found or not accessible")
register(BadTransition.code, "当前状态下不能执行该操作", "Not possible in the current state")
register("monitoring.alarm.threshold-high", "测量值 {value} 超过上限 {limit}", "Value {value} above the limit {limit}")
register("monitoring.alarm.threshold-low", "测量值 {value} 低于下限 {limit}", "Value {value} below the limit {limit}")
register("monitoring.alarm.rate-of-change", "变化速率 {rate}/h 超过 {limit}/h", "Rate of change {rate}/h above {limit}/h")
register("monitoring.alarm.flat-line", "数据连续 {minutes} 分钟无变化（疑似卡滞）", "No change for {minutes} minutes (stuck signal)")
register("monitoring.alarm.missing-data", "超过 {minutes} 分钟未收到数据", "No data for {minutes} minutes")
register("monitoring.alarm.cems-invalid", "CEMS 数据无效（标记 {flag}）", "CEMS data invalid (flag {flag})")
register("monitoring.alarm.calibration-overdue", "计量器具检定已过期（有效期至 {due}）", "Device calibration overdue (due {due})")
register("monitoring.rule.point-or-device", "请选择计量点（或计量器具）", "Choose a metering point (or a device)")
register("monitoring.qc.needs-value", "漂移检查须填写满量程；相对误差检查的参比值不能为 0", "Drift checks need the full scale; relative checks need a non-zero reference")
register("monitoring.alarm.incomplete-data",
         "{minutes} 分钟内数据完整率 {pct}%（应收 {expected} 条，实收 {received} 条），低于 {limit}%",
         "Data completeness {pct}% over {minutes} minutes ({received} of {expected} expected "
         "readings), below {limit}%")
register("monitoring.rule.completeness-range", "最低完整率应在 0～100% 之间",
         "For a missing-data rule the threshold is the minimum completeness in %, 0–100")
