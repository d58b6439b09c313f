from dualcarbon.core.errors import Conflict, Invalid, NotFound
from dualcarbon.server.i18n import register


class ActivityNotFound(NotFound):
    code = "activity.not-found"


class Locked(Conflict):
    """Approved (or submitted, superseded) data cannot be edited; make a correction instead."""

    code = "activity.locked"


class BadTransition(Conflict):
    code = "activity.bad-transition"


class CodeTaken(Conflict):
    code = "activity.code-taken"


class SourceInUse(Conflict):
    code = "activity.source-in-use"


class DatasetExists(Conflict):
    code = "activity.dataset-exists"


class ImportRejected(Invalid):
    code = "activity.import.rejected"


register(ActivityNotFound.code, "对象不存在或无权访问", "Not found or not accessible")
register(Locked.code, "{month} 第 {version} 版数据状态为“{status}”，已锁定不能修改；如需更正请创建更正版本",
         "Data of {month} version {version} is {status} and locked; create a correction instead")
register(BadTransition.code, "当前状态“{status}”下不能执行“{action}”",
         "Cannot {action} in state {status}")
register(CodeTaken.code, "该企业已有编码为 {source_code} 的排放源",
         "Source code {source_code} already used")
register(SourceInUse.code, "该排放源已有活动数据，不能删除（可停用）",
         "The source has activity data; deactivate it instead of deleting")
register(DatasetExists.code, "{month} 已有数据集（第 {version} 版）",
         "{month} already has a data set (version {version})")
register(ImportRejected.code, "导入文件有 {count} 处错误，未导入任何数据",
         "The file has {count} errors; nothing was imported")
register("activity.kind", "排放源类型无效", "Unknown source kind")
register("activity.unit", "单位应为 {expected}", "Unit must be {expected}")
register("activity.data-source", "数据来源无效（计量台账/结算凭证/检测报告/缺省值）",
         "Invalid data source (meter_ledger / invoice / lab_test / default)")
register("activity.number", "不是有效数值", "Not a valid number")
register("activity.negative", "不能为负数", "Must not be negative")
register("activity.required", "必填", "Required")
register("activity.unknown-source", "排放源编码不存在或已停用", "Unknown or inactive source code")
register("activity.duplicate-source", "同一排放源重复出现", "Source appears more than once")
register("activity.setting", "配置项 {name} 无效：{reason}", "Setting {name} invalid: {reason}")
register("activity.param", "参数 {name} 不适用于该类排放源", "Parameter {name} does not apply")
register("activity.reference", "引用的对象不存在或不属于该企业",
         "Referenced object not found in this enterprise")
register("activity.month", "月份格式应为 YYYY-MM", "Month must be YYYY-MM")
register("activity.file", "无法读取文件（应为 .xlsx 或 .csv）",
         "Cannot read the file (.xlsx or .csv expected)")
register("activity.header", "缺少列 {column}", "Missing column {column}")
register("activity.incomplete", "数据不完整，无法核算：{problem}",
         "Incomplete for accounting: {problem}")
register("activity.attachment-type", "凭证文件类型不支持，允许：{allowed}",
         "File type not accepted; allowed: {allowed}")
register("activity.attachment-size", "凭证文件不能超过 {max_mb} MB",
         "The evidence file must not exceed {max_mb} MB")
register("activity.attachment-empty", "凭证文件为空", "The evidence file is empty")
