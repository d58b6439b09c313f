"""JSON (de)serialisation of the activity documents and results: plain dicts <-> typed dataclasses.

Decimals are written as strings (exact) and read from JSON numbers or strings (numbers are parsed
as Decimal, never through float). Reading collects every problem with its JSON path and raises
`Invalid` with field errors. Pure: no file or network I/O (callers pass text or dicts)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, TypeVar, get_args, get_origin

from dualcarbon.core.errors import FieldError, Invalid

from .model import ActivityDocument, ParkDocument

T = TypeVar("T")
_MISSING = dataclasses.MISSING


class DocumentInvalid(Invalid):
    code = "accounting-document-invalid"


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _err(errors: list[FieldError], path: tuple[str | int, ...], code: str, msg: str) -> None:
    errors.append(FieldError(loc=path, code=code, msg=msg))


def _convert(tp: Any, data: Any, path: tuple[str | int, ...], errors: list[FieldError]) -> Any:
    if tp is str and type(data) is str:
        return data
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return _convert(args[0], data, path, errors)
    if origin is list:
        if not isinstance(data, list):
            _err(errors, path, "type", "expected a list")
            return []
        (item_tp,) = get_args(tp)
        return [_convert(item_tp, x, (*path, i), errors) for i, x in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            _err(errors, path, "type", "expected an object")
            return {}
        _, val_tp = get_args(tp)
        return {str(k): _convert(val_tp, v, (*path, str(k)), errors) for k, v in data.items()}
    if tp is Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float | str | Decimal):
            _err(errors, path, "decimal", "expected a number")
            return Decimal(0)
        try:
            d = Decimal(str(data)) if isinstance(data, float) else Decimal(data)
        except InvalidOperation:
            _err(errors, path, "decimal", f"not a number: {data!r}")
            return Decimal(0)
        if not d.is_finite():
            _err(errors, path, "decimal", "not a finite number")
            return Decimal(0)
        return d
    if tp is date:
        try:
            return date.fromisoformat(str(data))
        except ValueError:
            _err(errors, path, "date", f"not an ISO date: {data!r}")
            return date(1970, 1, 1)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in tp)
            _err(errors, path, "enum", f"{data!r} is not one of: {allowed}")
            return next(iter(tp))
    if tp is bool:
        if not isinstance(data, bool):
            _err(errors, path, "type", "expected true or false")
        return bool(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int | Decimal):
            _err(errors, path, "type", "expected an integer")
            return 0
        return int(data)
    if tp is str:
        if not isinstance(data, str):
            _err(errors, path, "type", "expected a string")
            return str(data)
        return data
    if dataclasses.is_dataclass(tp):
        return _from_dict(tp, data, path, errors)
    if tp is Any:
        return data
    raise TypeError(f"unsupported type {tp!r}")  # pragma: no cover - programming error


def _from_dict(cls: Any, data: Any, path: tuple[str | int, ...], errors: list[FieldError]) -> Any:
    if not isinstance(data, dict):
        _err(errors, path, "type", "expected an object")
        data = {}
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    names = set()
    for f in dataclasses.fields(cls):
        names.add(f.name)
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name], (*path, f.name), errors)
        elif f.default is _MISSING and f.default_factory is _MISSING:
            _err(errors, (*path, f.name), "required", "field required")
            kwargs[f.name] = _placeholder(hints[f.name])
    for k in data:
        if k not in names and not str(k).startswith("$"):
            _err(errors, (*path, str(k)), "unknown", "unknown field")
    return cls(**kwargs)


def _placeholder(tp: Any) -> Any:
    if tp is Decimal:
        return Decimal(0)
    if tp is date:
        return date(1970, 1, 1)
    if get_origin(tp) is list:
        return []
    if get_origin(tp) is dict:
        return {}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return next(iter(tp))
    if dataclasses.is_dataclass(tp):
        return None
    if tp is int:
        return 0
    return ""


# ---- fast path -------------------------------------------------------------------------------
# A converter compiled once per type that reads VALID input to exactly what `_convert` makes of
# it, without JSON paths or error lists; at the first thing `_convert` would complain about (or
# anything unusual) it gives up with `_Slow`, and `from_dict` reads the whole input again the
# careful way above to report every problem with its path.

_Conv = typing.Callable[[Any], Any]


class _Slow(Exception):
    pass


def _conv_str(data: Any) -> Any:
    if type(data) is str:
        return data
    raise _Slow


def _conv_decimal(data: Any) -> Any:
    t = type(data)
    if t is str:
        try:
            d = Decimal(data)
        except InvalidOperation:
            raise _Slow from None
        if not d.is_finite():
            raise _Slow
        return d
    if t is Decimal:
        if not data.is_finite():
            raise _Slow
        return data
    if t is int:
        return Decimal(data)
    if t is float:
        d = Decimal(str(data))
        if not d.is_finite():
            raise _Slow
        return d
    raise _Slow


def _conv_date(data: Any) -> Any:
    if type(data) is date:
        return data
    try:
        return date.fromisoformat(str(data))
    except ValueError:
        raise _Slow from None


def _conv_bool(data: Any) -> Any:
    if type(data) is bool:
        return data
    raise _Slow


def _conv_int(data: Any) -> Any:
    if type(data) is int:
        return data
    if type(data) is Decimal:
        return int(data)
    raise _Slow


def _conv_any(data: Any) -> Any:
    return data


@cache
def _converter(tp: Any) -> _Conv:
    if tp is str:
        return _conv_str
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = _converter(next(a for a in get_args(tp) if a is not type(None)))

        def conv_optional(data: Any) -> Any:
            return None if data is None else inner(data)
        return conv_optional
    if origin is list:
        item = _converter(get_args(tp)[0])

        def conv_list(data: Any) -> Any:
            if type(data) is not list:
                raise _Slow
            return [item(x) for x in data]
        return conv_list
    if origin is dict:
        val = _converter(get_args(tp)[1])

        def conv_dict(data: Any) -> Any:
            if type(data) is not dict:
                raise _Slow
            return {str(k): val(v) for k, v in data.items()}
        return conv_dict
    if tp is Decimal:
        return _conv_decimal
    if tp is date:
        return _conv_date
    if isinstance(tp, type) and issubclass(tp, Enum):
        members: dict[Any, Any] = {m.value: m for m in tp}
        enum_tp = tp

        def conv_enum(data: Any) -> Any:
            if type(data) is str:
                m = members.get(data)
                if m is not None:
                    return m
            if type(data) is enum_tp:
                return data
            raise _Slow
        return conv_enum
    if tp is bool:
        return _conv_bool
    if tp is int:
        return _conv_int
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(tp)
    if tp is Any:
        return _conv_any
    raise TypeError(f"unsupported type {tp!r}")  # pragma: no cover - programming error


def _dataclass_converter(cls: Any) -> _Conv:
    hints = _hints(cls)
    fields = dataclasses.fields(cls)
    names = frozenset(f.name for f in fields)
    required = frozenset(f.name for f in fields
                         if f.default is _MISSING and f.default_factory is _MISSING)
    convs: dict[str, _Conv] = {}

    def conv_dataclass(data: Any) -> Any:
        if type(data) is not dict or not required.issubset(data) or not names.issuperset(data):
            raise _Slow  # not an object, a field missing, or keys to look at ($comments)
        if not convs:  # filled on first use: dataclasses may refer to each other
            convs.update({f.name: _converter(hints[f.name]) for f in fields})
        return cls(**{k: convs[k](v) for k, v in data.items()})
    return conv_dataclass


def read_carefully(cls: type[T], data: Any) -> tuple[T, list[FieldError]]:
    """The dataclass and every problem with its JSON path (the path `from_dict` takes when its
    fast converter gives up; the reference the fast path is tested against)."""
    errors: list[FieldError] = []
    return typing.cast(T, _from_dict(cls, data, (), errors)), errors


def from_dict(cls: type[T], data: Any) -> T:
    """Build a dataclass from parsed JSON; raises DocumentInvalid listing every problem."""
    try:
        return typing.cast(T, _converter(typing.cast(Any, cls))(data))
    except _Slow:
        pass
    obj, errors = read_carefully(cls, data)
    if errors:
        raise DocumentInvalid(
            "; ".join(f"{'/'.join(map(str, e.loc))}: {e.msg}" for e in errors[:20]),
            field_errors=errors,
        )
    return obj


def loads_json(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise DocumentInvalid(f"not valid JSON: {e}") from e


def activity_from_json(text: str) -> ActivityDocument:
    return from_dict(ActivityDocument, loads_json(text))


def park_from_json(text: str) -> ParkDocument:
    return from_dict(ParkDocument, loads_json(text))


# ---- writing ---------------------------------------------------------------------------------

_Q = {2: Decimal("0.01"), 4: Decimal("0.0001"), 6: Decimal("0.000001")}
_QUANTITY_SUFFIXES = ("_t", "_tc", "_tco2", "_tco2e", "_tce", "_gj", "_mwh", "_1e4_nm3", "_cny")


@cache
def _places_for(name: str) -> int | None:
    """Decimal places for a result field: quantities (t, tCO2e, tce, GJ, MWh) 2 places,
    intensities and factors 6, anything else as computed."""
    if "_per_" in name or name.startswith("intensity"):
        return 6
    if name.endswith(_QUANTITY_SUFFIXES):
        return 2
    return None


def _dec_out(d: Decimal, places: int | None) -> str:
    if places is not None:
        d = d.quantize(_Q[places], rounding=ROUND_HALF_UP)
        return format(d, "f")
    if d == d.to_integral_value() and abs(d) < Decimal("1e15"):
        return format(d.quantize(Decimal(1)), "f")
    return format(d.normalize(), "f")


@cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return None


def to_dict(obj: Any, *, rounded: bool = False, _name: str = "") -> Any:
    """A JSON-ready structure. With `rounded`, result quantities are rounded half-up by their
    field name (see `_places_for`); without, Decimals are written exactly."""
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    if isinstance(obj, Decimal):
        return _dec_out(obj, _places_for(_name)) if rounded else str(obj)
    names = _field_names(typing.cast(Any, type(obj)))
    if names is not None:
        return {n: to_dict(getattr(obj, n), rounded=rounded, _name=n) for n in names}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): to_dict(v, rounded=rounded, _name=_name) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_dict(v, rounded=rounded, _name=_name) for v in obj]
    return obj


def dumps_json(obj: Any, *, rounded: bool = False, indent: int | None = 2) -> str:
    return json.dumps(to_dict(obj, rounded=rounded), ensure_ascii=False, indent=indent)
