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
register("activity.wrong-sheet", "{kind}类排放源应填在工作表“{sheet}”",
         "A source of kind {kind_en} belongs on sheet {sheet} ({sheet_en})")
register("activity.workbook.sheet", "缺少工作表“{sheet}”", "Sheet {sheet} is missing")
register("activity.workbook.item", "未知项目“{item}”", "Unknown item {item}")
register("activity.workbook.required", "缺少必填项目“{item}”", "Required item {item} is missing")
register("activity.workbook.province", "不是有效的省份（填省份名称或6位行政区划代码，如 江苏 或 320000）",
         "Not a province (a name or the 6-digit GB/T 2260 code, e.g. 320000)")
register("activity.workbook.region", "不是有效的区域电网（{choices}）",
         "Not a regional grid ({choices})")
register("activity.workbook.year", "年份无效", "Not a valid year")
register("activity.workbook.period", "核算期起止日期无效（YYYY-MM-DD，结束不早于开始，两项都要填）",
         "Invalid period (both dates, YYYY-MM-DD, end not before start)")
register("activity.workbook.period-twice", "已填核算年度，不能再填起止日期",
         "Give either the year or the period dates, not both")
register("activity.workbook.choice", "取值应为 {choices} 之一", "Must be one of {choices}")
register("activity.workbook.composition",
         "气体组分格式应为 CH4=0.95; C2H6=0.03（体积分数，0 到 1）",
         "Composition must read CH4=0.95; C2H6=0.03 (volume fractions 0 to 1)")
register("activity.workbook.catalogue", "不在缺省值库中（可填的名称见“说明”工作表）",
         "Not in the default library (see the 说明 sheet for the names)")
register("activity.workbook.custom-fuel",
         "不是缺省值库中的燃料，须填写实测含碳量或单位热值含碳量",
         "Not a library fuel: give its measured carbon content or carbon per heat")
register("activity.workbook.unknown-ref", "“{ref}”未在“设施和工艺”工作表中定义",
         "{ref} is not defined on the facilities and processes sheet")
register("activity.workbook.unknown-target", "“{ref}”不是已定义的工艺或产品",
         "{ref} is not a defined process or product")
register("activity.workbook.month-outside", "月份不在核算期内", "Month outside the period")
register("activity.workbook.allocation-key", "应为 电力 / 热力 / 其他未分配，或本文件中排放源的编码",
         "Must be 电力 / 热力 / 其他未分配 or the code of a source in this file")
register("activity.workbook.allocation-mixed", "同一分摊的各行应使用相同的层级和依据",
         "Every row of one split must have the same level and basis")
register("activity.workbook.allocation", "分摊设置有误：{problem}", "Invalid split: {problem}")
register("activity.allocation.kind",
         "只有燃烧的化石燃料、碳酸盐、硝酸/己二酸、CO2回收、电力和热力可以分摊（原料和含碳物料在所属工艺的碳平衡中）",
         "Only fuels burnt, carbonates, acids, CO2 recovery, electricity and heat can be split "
         "(feedstock and materials are in their process's carbon balance)")
register("activity.allocation.tagged", "已指定生产工艺的排放源全部计入该工艺，不能再分摊",
         "A source tagged with a process goes to it whole; it cannot be split too")
register("activity.allocation.duplicate", "同一分摊对象重复出现", "Target listed more than once")
register("activity.allocation.fraction", "分摊比例合计应为 1（现为 {total}）",
         "The fractions must add up to 1 (they add up to {total})")
register("activity.allocation.zero", "分摊用量合计应大于 0", "The measured use must add up to more than 0")
register("activity.attachment-type", "凭证文件类型不支持，允许：{allowed}",
         "File type not accepted; allowed: {allowed}")
register("activity.attachment-size", "凭证文件不能超过 {max_mb} MB",
         "The evidence file must not exceed {max_mb} MB")
register("activity.attachment-empty", "凭证文件为空", "The evidence file is empty")
