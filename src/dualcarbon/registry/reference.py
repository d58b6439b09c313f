"""Reference tables (GB/T 4754 industries, GB/T 2260 provinces, device types, media, units) as
lookups by code, named in the caller's language. The data itself lives in core.registry_rules."""

from __future__ import annotations

from functools import cache
from typing import Any

from dualcarbon.core import registry_rules as rules


def _get(entry: Any, key: str, default: Any = None) -> Any:
    if isinstance(entry, dict):
        return entry.get(key, default)
    return getattr(entry, key, default)


def _by_code(items: Any) -> dict[str, Any]:
    if isinstance(items, dict):
        return {str(k): v for k, v in items.items()}
    return {str(_get(i, "code")): i for i in items}


@cache
def industries() -> dict[str, Any]:
    return _by_code(rules.INDUSTRIES)


@cache
def provinces() -> dict[str, Any]:
    return _by_code(rules.PROVINCES)


@cache
def device_types() -> dict[str, Any]:
    return _by_code(rules.DEVICE_TYPES)


@cache
def media() -> dict[str, Any]:
    return _by_code(rules.MEDIA)


@cache
def units() -> dict[str, Any]:
    return _by_code(rules.UNITS)


def name(entry: Any, locale: str) -> str:
    if entry is None:
        return ""
    if locale == "en":
        return str(_get(entry, "name_en") or _get(entry, "name_zh") or _get(entry, "code"))
    return str(_get(entry, "name_zh") or _get(entry, "name_en") or _get(entry, "code"))


def industry_name(code: str, locale: str) -> str:
    return name(industries().get(code), locale) or code


def province_name(code: str, locale: str) -> str:
    return name(provinces().get(code), locale) or code


def grid_region_of(province_code: str) -> str | None:
    entry = provinces().get(province_code)
    return None if entry is None else str(_get(entry, "grid_region"))


def device_type_name(code: str, locale: str) -> str:
    return name(device_types().get(code), locale) or code


def medium_name(code: str, locale: str) -> str:
    return name(media().get(code), locale) or code


def attr(entry: Any, key: str, default: Any = None) -> Any:
    return _get(entry, key, default)
