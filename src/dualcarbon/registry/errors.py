from dualcarbon.core.errors import Conflict, Forbidden, NotFound
from dualcarbon.server.i18n import register


class RegistryNotFound(NotFound):
    code = "registry.not-found"


class CodeTaken(Conflict):
    code = "registry.code-taken"


class InUse(Conflict):
    code = "registry.in-use"


class PlatformOnly(Forbidden):
    code = "registry.platform-only"


register(RegistryNotFound.code, "对象不存在或无权访问", "Not found or not accessible")
register(CodeTaken.code, "编码已被使用", "This code is already in use")
register(
    InUse.code, "该对象仍被其他数据引用，不能删除", "Still referenced by other data; cannot delete"
)
register(
    PlatformOnly.code,
    "只有平台管理员可以新建或删除园区",
    "Only a platform administrator may add or remove parks",
)
register(
    "registry.credit-code.length",
    "统一社会信用代码应为 18 位",
    "The unified social credit code must have 18 characters",
)
register(
    "registry.credit-code.charset",
    "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）",
    "The credit code contains characters not allowed (no I, O, Z, S, V)",
)
register(
    "registry.credit-code.org-check-digit",
    "统一社会信用代码中组织机构代码校验码错误",
    "The organisation-code check digit inside the credit code is wrong",
)
register(
    "registry.credit-code.check-digit",
    "统一社会信用代码校验码错误（GB 32100）",
    "The credit code's check digit is wrong (GB 32100)",
)
register(
    "registry.industry-code.unknown",
    "不是有效的国民经济行业分类代码（GB/T 4754）",
    "Not a GB/T 4754 industry code",
)
register(
    "registry.province-code.unknown", "不是有效的省级行政区划代码", "Not a valid province code"
)
register("registry.grid-region.unknown", "不是有效的区域电网", "Not a valid grid region")
register("registry.device-type.unknown", "不是有效的计量器具类型", "Unknown device type")
register("registry.medium.unknown", "不是有效的计量介质", "Unknown medium")
register(
    "registry.reference.other-enterprise",
    "所选对象不属于该企业",
    "The referenced object belongs to another enterprise",
)
