"""Message catalogue for problems and field errors: zh-CN first, en complete.

Domain packages register their problem codes here through `register(...)` in their errors module;
a test asserts every DomainError subclass has both languages.
"""

from __future__ import annotations

from typing import Any

LOCALES = ("zh-CN", "en")

_CATALOGUE: dict[str, dict[str, str]] = {
    # generic categories
    "invalid": {"zh-CN": "输入无效", "en": "Invalid input"},
    "not-found": {"zh-CN": "对象不存在或无权访问", "en": "Not found"},
    "conflict": {"zh-CN": "与现有数据冲突", "en": "Conflict with existing data"},
    "forbidden": {"zh-CN": "无权执行此操作", "en": "Forbidden"},
    "unauthenticated": {"zh-CN": "请先登录", "en": "Authentication required"},
    "unavailable": {"zh-CN": "服务暂不可用", "en": "Service unavailable"},
    "too-many-requests": {"zh-CN": "请求过于频繁，请稍后再试", "en": "Too many requests"},
    "validation-error": {
        "zh-CN": "提交的数据有误，请检查标出的字段",
        "en": "The submitted data is invalid; see the marked fields",
    },
    "internal-error": {"zh-CN": "服务器内部错误", "en": "Internal server error"},
    "http-error": {"zh-CN": "请求错误", "en": "Request error"},
    # domain core errors: the pure core cannot import this module, so its codes live here
    "parameter-not-found": {"zh-CN": "找不到所需的参数或排放因子", "en": "Parameter not found"},
    "parameter-conflict": {
        "zh-CN": "同一参数在同一有效期内有多个版本",
        "en": "Conflicting versions of one parameter for the same period",
    },
    "accounting-unknown-methodology": {"zh-CN": "未知的核算方法学", "en": "Unknown methodology"},
    "accounting-missing-input": {"zh-CN": "缺少核算所需的输入数据", "en": "A required input is missing"},
    "accounting-document-invalid": {
        "zh-CN": "活动数据文件格式不正确",
        "en": "The activity document is invalid",
    },
    "accounting-allocation-invalid": {
        "zh-CN": "分摊设置有误（分摊对象、排放源或用量）",
        "en": "Invalid allocation keys (targets, inputs or use)",
    },
    "accounting-steam-state-invalid": {
        "zh-CN": "蒸汽温度或压力超出有效范围",
        "en": "Steam temperature or pressure out of range",
    },
    # field-level (pydantic error types and our own)
    "field.missing": {"zh-CN": "必填项", "en": "Required"},
    "field.string_too_short": {
        "zh-CN": "长度至少为 {min_length}",
        "en": "At least {min_length} characters",
    },
    "field.string_too_long": {
        "zh-CN": "长度不能超过 {max_length}",
        "en": "At most {max_length} characters",
    },
    "field.string_pattern_mismatch": {"zh-CN": "格式不正确", "en": "Invalid format"},
    "field.string_type": {"zh-CN": "应为文本", "en": "Must be text"},
    "field.int_parsing": {"zh-CN": "应为整数", "en": "Must be an integer"},
    "field.int_type": {"zh-CN": "应为整数", "en": "Must be an integer"},
    "field.decimal_parsing": {"zh-CN": "应为数字", "en": "Must be a number"},
    "field.decimal_type": {"zh-CN": "应为数字", "en": "Must be a number"},
    "field.float_parsing": {"zh-CN": "应为数字", "en": "Must be a number"},
    "field.bool_parsing": {"zh-CN": "应为是/否", "en": "Must be true or false"},
    "field.bool_type": {"zh-CN": "应为是/否", "en": "Must be true or false"},
    "field.date_from_datetime_parsing": {
        "zh-CN": "日期格式应为 YYYY-MM-DD",
        "en": "Date must be YYYY-MM-DD",
    },
    "field.date_parsing": {"zh-CN": "日期格式应为 YYYY-MM-DD", "en": "Date must be YYYY-MM-DD"},
    "field.datetime_parsing": {"zh-CN": "时间格式不正确", "en": "Invalid date-time"},
    "field.datetime_from_date_parsing": {"zh-CN": "时间格式不正确", "en": "Invalid date-time"},
    "field.greater_than_equal": {"zh-CN": "应不小于 {ge}", "en": "Must be ≥ {ge}"},
    "field.greater_than": {"zh-CN": "应大于 {gt}", "en": "Must be > {gt}"},
    "field.less_than_equal": {"zh-CN": "应不大于 {le}", "en": "Must be ≤ {le}"},
    "field.less_than": {"zh-CN": "应小于 {lt}", "en": "Must be < {lt}"},
    "field.literal_error": {"zh-CN": "取值应为 {expected} 之一", "en": "Must be one of {expected}"},
    "field.enum": {"zh-CN": "取值应为 {expected} 之一", "en": "Must be one of {expected}"},
    "field.extra_forbidden": {"zh-CN": "不允许的字段", "en": "Unknown field"},
    "field.json_invalid": {"zh-CN": "JSON 格式错误", "en": "Invalid JSON"},
    "field.model_type": {"zh-CN": "应为对象", "en": "Must be an object"},
    "field.list_type": {"zh-CN": "应为列表", "en": "Must be a list"},
    "field.too_long": {
        "zh-CN": "条目过多（最多 {max_length}）",
        "en": "Too many items (max {max_length})",
    },
    "field.value_error": {"zh-CN": "取值无效", "en": "Invalid value"},
    "field.decimal_max_digits": {"zh-CN": "数字位数过多", "en": "Too many digits"},
    "field.decimal_max_places": {"zh-CN": "小数位数过多", "en": "Too many decimal places"},
    "field.email": {"zh-CN": "电子邮箱格式不正确", "en": "Invalid e-mail address"},
    "field.phone": {"zh-CN": "电话号码格式不正确", "en": "Invalid phone number"},
    "field.nul_character": {"zh-CN": "含有不允许的空字符", "en": "Contains a NUL character"},
    "field.unknown": {"zh-CN": "取值无效", "en": "Invalid value"},
}


def register(code: str, zh: str, en: str) -> None:
    _CATALOGUE[code] = {"zh-CN": zh, "en": en}


def has(code: str) -> bool:
    entry = _CATALOGUE.get(code)
    return bool(entry and entry.get("zh-CN") and entry.get("en"))


def negotiate(accept_language: str | None) -> str:
    """Pick zh-CN or en from an Accept-Language header; zh-CN is the default."""
    if not accept_language:
        return "zh-CN"
    best, best_q = "zh-CN", -1.0
    for part in accept_language.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        loc = "en" if tag.startswith("en") else "zh-CN" if tag.startswith("zh") else None
        if loc and q > best_q:
            best, best_q = loc, q
    return best


def t(code: str, locale: str = "zh-CN", **params: Any) -> str:
    entry = _CATALOGUE.get(code) or _CATALOGUE["field.unknown"]
    text = entry.get(locale) or entry["zh-CN"]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
