"""Factor-library problems."""

from dualcarbon.core.errors import Conflict, Invalid, NotFound
from dualcarbon.server.i18n import register


class FactorNotFound(NotFound):
    code = "factors.not-found"


class VersionExists(Conflict):
    code = "factors.version-exists"


class VersionNotLatest(Conflict):
    code = "factors.version-not-latest"


class FactorImportRejected(Invalid):
    code = "factors.import.rejected"


register(FactorNotFound.code, "参数不存在或无权访问", "Parameter not found or not accessible")
register(VersionExists.code, "该参数的此版本已存在（版本不可覆盖，请使用新版本号）",
         "This version of the parameter exists already (versions are never overwritten)")
register(VersionNotLatest.code,
         "新版本的生效日期必须晚于该参数现有各版本的生效日期 {latest}",
         "A new version must start after every existing version of the parameter ({latest})")
register(FactorImportRejected.code, "导入文件有 {count} 处错误，未导入任何数据",
         "The file has {count} errors; nothing was imported")
register("factors.valid-from-required", "已有版本时，新版本须填写生效日期",
         "A new version of an existing parameter needs a start date")
register("factors.valid-range", "失效日期不能早于生效日期", "The end date is before the start date")
register("factors.import.missing-column", "缺少列：{column}", "Missing column: {column}")
register("factors.import.required", "必填", "Required")
register("factors.import.number", "应为十进制数字", "Must be a decimal number")
register("factors.import.date", "应为日期（YYYY-MM-DD）", "Must be a date (YYYY-MM-DD)")
register("factors.import.tier", "可信等级应为 {allowed} 之一", "Tier must be one of {allowed}")
register("factors.import.too-long", "长度不能超过 {max}", "At most {max} characters")
register("factors.import.file-type", "仅支持 .xlsx 或 .csv 文件", "Only .xlsx or .csv files")
register("factors.import.unreadable", "文件无法读取", "The file cannot be read")
register("factors.import.duplicate-row", "与第 {row} 行重复", "Duplicates row {row}")
