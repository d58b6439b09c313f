"""HJ 212 data-logger configuration use cases (数采仪配置): devices (MN, password, enterprise,
intervals, gap filling, enabled) and their factor maps (CN + factor code + suffix → metering
point, wire unit, dry/wet basis, state, conversion factor). Scoped by ``db/tenancy.py``, every
change audited, every problem names its field (``hj212.*`` codes, zh-CN/en).

The TCP server reads the same rows (``hj212_service``); nothing here talks to a logger.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.core.codecs import hj212_codes as codes
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.protocols.errors import Hj212NotFound
from dualcarbon.protocols.hj212_service import DEFAULT_SUFFIX
from dualcarbon.protocols.models import Hj212Device, Hj212FactorMap
from dualcarbon.registry import service as registry_service
from dualcarbon.registry.models import MeteringPoint

Loc = tuple[str | int, ...]
_DEVICE_AUDIT_EXCLUDE = frozenset({"password"})


# --------------------------------------------------------------------------- devices


def _load_device(session: Session, scope: Scope, device_id: int) -> Hj212Device:
    dev = session.scalar(select(Hj212Device).where(Hj212Device.id == device_id,
                                                   scope.filter_for(Hj212Device)))
    if dev is None:
        raise Hj212NotFound()
    return dev


def _snapshot(dev: Hj212Device) -> dict[str, Any]:
    snap = audit.snapshot(dev, exclude=_DEVICE_AUDIT_EXCLUDE)
    snap["has_password"] = bool(dev.password)
    return snap


def _device_errors(session: Session, values: dict[str, Any], *, device_id: int | None,
                   nonstandard_mn: bool) -> list[FieldError]:
    errors: list[FieldError] = []

    def check(field: str, problem: str | None, **params: Any) -> None:
        if problem is not None:
            errors.append(FieldError(("body", field), problem, params))

    if "mn" in values:
        mn = values["mn"]
        check("mn", codes.check_mn(mn, nonstandard=nonstandard_mn), mn=mn)
        taken = session.scalar(select(Hj212Device.id).where(Hj212Device.mn == mn))
        if taken is not None and taken != device_id:
            check("mn", "hj212.mn-taken", mn=mn)
    if values.get("password"):
        check("password", codes.check_password(values["password"]))
    if "st" in values:
        check("st", codes.check_st(values["st"]), st=values["st"])
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            check("timezone", "hj212.timezone", timezone=values["timezone"])
    if "rtd_interval_seconds" in values:
        check("rtd_interval_seconds", codes.check_rtd_interval(values["rtd_interval_seconds"]))
    if "min_interval_minutes" in values:
        check("min_interval_minutes", codes.check_min_interval(values["min_interval_minutes"]),
              allowed=", ".join(map(str, codes.MIN_INTERVALS)))
    return errors


def create_device(session: Session, scope: Scope, actor: Actor, data: Any) -> Hj212Device:
    values = data.model_dump()
    nonstandard = values.pop("allow_nonstandard_mn")
    ent = registry_service.require_enterprise(session, scope, values.pop("enterprise_id"))
    scope.require_writable(ent.park_id, ent.id)
    errors = _device_errors(session, values, device_id=None, nonstandard_mn=nonstandard)
    if errors:
        raise Invalid(field_errors=errors)
    values["password"] = values["password"] or None
    dev = Hj212Device(park_id=ent.park_id, enterprise_id=ent.id, **values)
    session.add(dev)
    session.flush()
    audit.record(session, actor, "create", object_type="hj212_device", object_id=dev.id,
                 object_label=dev.mn, after=_snapshot(dev), park_id=dev.park_id,
                 enterprise_id=dev.enterprise_id)
    return dev


def update_device(session: Session, scope: Scope, actor: Actor, device_id: int,
                  data: Any) -> Hj212Device:
    dev = _load_device(session, scope, device_id)
    scope.require_writable(dev.park_id, dev.enterprise_id)
    changes = data.model_dump(exclude_unset=True)
    nonstandard = changes.pop("allow_nonstandard_mn", False)
    nullable = {"password"}
    errors = [FieldError(("body", k), "field.missing") for k, v in changes.items()
              if v is None and k not in nullable]
    if changes.get("mn") == dev.mn:
        changes.pop("mn")  # unchanged: an accepted non-standard MN stays valid
    errors += _device_errors(session, {k: v for k, v in changes.items() if v is not None},
                             device_id=dev.id, nonstandard_mn=nonstandard)
    if errors:
        raise Invalid(field_errors=errors)
    before = _snapshot(dev)
    for key, value in changes.items():
        setattr(dev, key, (value or None) if key == "password" else value)
    session.flush()
    b, a = audit.diff(before, _snapshot(dev))
    if "password" in changes:
        a["password"] = "(changed)"  # noqa: S105 - a marker, never the secret itself
    audit.record(session, actor, "update", object_type="hj212_device", object_id=dev.id,
                 object_label=dev.mn, before=b, after=a, park_id=dev.park_id,
                 enterprise_id=dev.enterprise_id)
    return dev


def delete_device(session: Session, scope: Scope, actor: Actor, device_id: int) -> None:
    """The device and its factor map go; its packet log stays (device reference cleared)."""
    dev = _load_device(session, scope, device_id)
    scope.require_writable(dev.park_id, dev.enterprise_id)
    before = _snapshot(dev)
    maps = session.scalars(select(Hj212FactorMap).where(Hj212FactorMap.device_id == dev.id)).all()
    before["factors"] = [_factor_snapshot(m) for m in maps]
    for m in maps:
        session.delete(m)
    session.flush()
    session.delete(dev)
    session.flush()
    audit.record(session, actor, "delete", object_type="hj212_device", object_id=device_id,
                 object_label=before["mn"], before=before, park_id=before["park_id"],
                 enterprise_id=before["enterprise_id"])


def list_devices(session: Session, scope: Scope, *, page: int, size: int,
                 enterprise_id: int | None = None, q: str | None = None) -> Page[Hj212Device]:
    stmt = select(Hj212Device).where(scope.filter_for(Hj212Device))
    if enterprise_id:
        stmt = stmt.where(Hj212Device.enterprise_id == enterprise_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Hj212Device.mn.ilike(like), Hj212Device.name.ilike(like)))
    return paginate(session, stmt.order_by(Hj212Device.enterprise_id, Hj212Device.mn),
                    page, size)


def get_device(session: Session, scope: Scope, device_id: int) -> Hj212Device:
    return _load_device(session, scope, device_id)


def device_out(session: Session, devices: Sequence[Hj212Device],
               now: datetime | None = None) -> list[dict[str, Any]]:
    """Read model: no password (only whether one is set), factor count, online state (a data
    packet within three record periods of the fastest data kind mapped, at least 5 minutes)."""
    now = now or utcnow()
    ids = [d.id for d in devices]
    counts: dict[int, int] = {}
    kinds: dict[int, set[int]] = {}
    if ids:
        for dev_id, cn, count in session.execute(
                select(Hj212FactorMap.device_id, Hj212FactorMap.cn, func.count())
                .where(Hj212FactorMap.device_id.in_(ids))
                .group_by(Hj212FactorMap.device_id, Hj212FactorMap.cn)):
            counts[dev_id] = counts.get(dev_id, 0) + int(count)
            kinds.setdefault(dev_id, set()).add(int(cn))
    out = []
    for d in devices:
        periods = [codes.record_period_s(cn, rtd_interval_s=d.rtd_interval_seconds,
                                         min_interval_min=d.min_interval_minutes)
                   for cn in kinds.get(d.id, ()) if cn in codes.SUFFIXES]
        window = timedelta(seconds=max(300, 3 * min(periods or [d.rtd_interval_seconds])))
        online = d.last_seen_at is not None and now - d.last_seen_at <= window
        out.append({c.key: getattr(d, c.key) for c in d.__mapper__.column_attrs
                    if c.key != "password"}
                   | {"has_password": bool(d.password), "online": online and d.is_active,
                      "status": ("disabled" if not d.is_active else
                                 "online" if online else "offline"),
                      "factor_count": counts.get(d.id, 0)})
    return out


# --------------------------------------------------------------------------- factor maps


def _factor_snapshot(m: Hj212FactorMap) -> dict[str, Any]:
    return audit.snapshot(m)


def _load_factor(session: Session, scope: Scope, factor_id: int) -> Hj212FactorMap:
    m = session.scalar(select(Hj212FactorMap).where(Hj212FactorMap.id == factor_id,
                                                    scope.filter_for(Hj212FactorMap)))
    if m is None:
        raise Hj212NotFound()
    return m


def _resolve(session: Session, device: Hj212Device, item: dict[str, Any],
             loc: Loc) -> tuple[dict[str, Any], list[FieldError], MeteringPoint | None]:
    """Validate one factor map entry (complete values) and fill its defaults."""
    errors: list[FieldError] = []

    def err(field: str, problem: str | None, **params: Any) -> None:
        if problem is not None:
            errors.append(FieldError((*loc, field), problem, params))

    cn = item["cn"]
    err("cn", codes.check_cn(cn), cn=cn)
    err("factor_code", codes.check_factor_code(item["factor_code"],
                                               nonstandard=item.get("allow_nonstandard_code",
                                                                    False)),
        factor=item["factor_code"])
    suffix = item.get("suffix") or (DEFAULT_SUFFIX.get(cn) if cn in codes.SUFFIXES else None)
    if suffix is not None and not errors:
        err("suffix", codes.check_suffix(cn, suffix), suffix=suffix, cn=cn,
            allowed="/".join(codes.SUFFIXES[cn]))
    point = session.get(MeteringPoint, item["point_id"])
    if point is None or point.enterprise_id != device.enterprise_id:
        err("point_id", "hj212.bad-point")
        point = None
    scale = item.get("scale") or Decimal(1)
    unit = item.get("unit") or (point.unit if point else None)
    if point is not None and unit != point.unit and scale == 1:
        err("unit", "hj212.unit-needs-conversion", unit=unit, point_unit=point.unit)
    values = {"cn": cn, "factor_code": item["factor_code"], "suffix": suffix,
              "point_id": item["point_id"], "unit": unit, "basis": item.get("basis"),
              "state": item.get("state"), "scale": scale,
              "point_unit": point.unit if point else None}
    return values, errors, point


def _clashes(entries: Sequence[tuple[Loc, dict[str, Any]]]) -> list[FieldError]:
    """Within one device: one map per (CN, factor, suffix), one map per metering point (two
    series on one point would collide on its (point, time) key)."""
    errors: list[FieldError] = []
    seen_key: dict[tuple[Any, ...], Loc] = {}
    seen_point: dict[int, Loc] = {}
    for loc, v in entries:
        key = (v["cn"], v["factor_code"], v["suffix"])
        if key in seen_key:
            errors.append(FieldError((*loc, "factor_code"), "hj212.factor-taken",
                                     {"factor": f"{v['factor_code']}-{v['suffix']}",
                                      "cn": v["cn"]}))
        seen_key.setdefault(key, loc)
        if v["point_id"] in seen_point:
            errors.append(FieldError((*loc, "point_id"), "hj212.point-taken"))
        seen_point.setdefault(v["point_id"], loc)
    return errors


def _expect_interval(device: Hj212Device, point: MeteringPoint, cn: int) -> int | None:
    """A point fed by a logger is expected at the logger's record period, unless it already
    carries an expected interval of its own (set on the metering point)."""
    if point.expected_interval_seconds is not None or cn not in codes.SUFFIXES:
        return None
    point.expected_interval_seconds = codes.record_period_s(
        cn, rtd_interval_s=device.rtd_interval_seconds,
        min_interval_min=device.min_interval_minutes)
    return point.expected_interval_seconds


def _others(session: Session, device: Hj212Device,
            exclude: int | None) -> list[tuple[Loc, dict[str, Any]]]:
    rows = session.scalars(select(Hj212FactorMap).where(Hj212FactorMap.device_id == device.id))
    return [(("existing", m.id), {"cn": m.cn, "factor_code": m.factor_code, "suffix": m.suffix,
                                  "point_id": m.point_id})
            for m in rows if m.id != exclude]


def _only_new(errors: list[FieldError]) -> list[FieldError]:
    return [e for e in errors if e.loc[:1] != ("existing",)]


def _record_factor(session: Session, actor: Actor, action: str, device: Hj212Device,
                   m: Hj212FactorMap | None, before: dict[str, Any] | None = None,
                   after: dict[str, Any] | None = None) -> None:
    label = f"{device.mn} {m.cn} {m.factor_code}-{m.suffix}" if m is not None else device.mn
    audit.record(session, actor, action, object_type="hj212_factor_map",
                 object_id=m.id if m is not None else None, object_label=label,
                 before=before, after=after, park_id=device.park_id,
                 enterprise_id=device.enterprise_id)


def add_factor(session: Session, scope: Scope, actor: Actor, device_id: int,
               data: Any) -> Hj212FactorMap:
    device = _load_device(session, scope, device_id)
    scope.require_writable(device.park_id, device.enterprise_id)
    values, errors, point = _resolve(session, device, data.model_dump(), ("body",))
    if not errors:
        errors = _only_new(_clashes([*_others(session, device, None), (("body",), values)]))
    if errors:
        raise Invalid(field_errors=errors)
    assert point is not None
    m = Hj212FactorMap(park_id=device.park_id, enterprise_id=device.enterprise_id,
                       device_id=device.id, **values)
    session.add(m)
    interval = _expect_interval(device, point, m.cn)
    session.flush()
    session.refresh(m)
    after = _factor_snapshot(m) | ({"point_expected_interval_seconds": interval}
                                   if interval else {})
    _record_factor(session, actor, "create", device, m, after=after)
    return m


def update_factor(session: Session, scope: Scope, actor: Actor, factor_id: int,
                  data: Any) -> Hj212FactorMap:
    m = _load_factor(session, scope, factor_id)
    device = session.get(Hj212Device, m.device_id)
    assert device is not None
    scope.require_writable(device.park_id, device.enterprise_id)
    changes = data.model_dump(exclude_unset=True)
    nullable = {"basis", "state", "suffix", "unit", "scale"}
    errors = [FieldError(("body", k), "field.missing") for k, v in changes.items()
              if v is None and k not in nullable]
    if errors:
        raise Invalid(field_errors=errors)
    current = {"cn": m.cn, "factor_code": m.factor_code, "suffix": m.suffix,
               "point_id": m.point_id, "unit": m.unit, "basis": m.basis, "state": m.state,
               "scale": m.scale}
    if "point_id" in changes and "unit" not in changes:
        current["unit"] = None  # a new point: its unit unless one is given
    if "cn" in changes and "suffix" not in changes:
        current["suffix"] = None
    if "factor_code" not in changes:
        changes["allow_nonstandard_code"] = True  # an accepted code stays accepted
    values, errors, point = _resolve(session, device, current | changes, ("body",))
    if not errors:
        errors = _only_new(_clashes([*_others(session, device, m.id), (("body",), values)]))
    if errors:
        raise Invalid(field_errors=errors)
    assert point is not None
    before = _factor_snapshot(m)
    for key, value in values.items():
        setattr(m, key, value)
    interval = _expect_interval(device, point, m.cn)
    session.flush()
    session.refresh(m)
    b, a = audit.diff(before, _factor_snapshot(m))
    if interval:
        a["point_expected_interval_seconds"] = interval
    _record_factor(session, actor, "update", device, m, before=b, after=a)
    return m


def delete_factor(session: Session, scope: Scope, actor: Actor, factor_id: int) -> None:
    m = _load_factor(session, scope, factor_id)
    device = session.get(Hj212Device, m.device_id)
    assert device is not None
    scope.require_writable(device.park_id, device.enterprise_id)
    before = _factor_snapshot(m)
    session.delete(m)
    session.flush()
    audit.record(session, actor, "delete", object_type="hj212_factor_map", object_id=factor_id,
                 object_label=f"{device.mn} {before['cn']} {before['factor_code']}",
                 before=before, park_id=device.park_id, enterprise_id=device.enterprise_id)


def replace_factors(session: Session, scope: Scope, actor: Actor, device_id: int,
                    items: Sequence[Any]) -> list[Hj212FactorMap]:
    """Replace the device's whole factor map (the editor's save): all entries are checked first
    and every problem is reported with its row (``factors[i].field``); nothing changes unless
    all are valid. Entries equal to an existing map keep their id."""
    device = _load_device(session, scope, device_id)
    scope.require_writable(device.park_id, device.enterprise_id)
    resolved: list[tuple[Loc, dict[str, Any]]] = []
    points: dict[int, MeteringPoint] = {}
    errors: list[FieldError] = []
    for i, item in enumerate(items):
        loc: Loc = ("body", "factors", i)
        values, errs, point = _resolve(session, device, item.model_dump(), loc)
        errors += errs
        resolved.append((loc, values))
        if point is not None:
            points[point.id] = point
    errors += _clashes(resolved)  # reported with the other problems, all rows at once
    if errors:
        raise Invalid(field_errors=errors)
    existing = {(m.cn, m.factor_code, m.suffix): m for m in session.scalars(
        select(Hj212FactorMap).where(Hj212FactorMap.device_id == device.id))}
    before = [_factor_snapshot(m) for m in existing.values()]
    keep: list[Hj212FactorMap] = []
    wanted = {(v["cn"], v["factor_code"], v["suffix"]) for _, v in resolved}
    for key, m in list(existing.items()):
        if key not in wanted:
            session.delete(m)
    session.flush()  # free the (device, cn, factor, suffix) keys before re-adding
    intervals: dict[int, int] = {}
    for _, values in resolved:
        key = (values["cn"], values["factor_code"], values["suffix"])
        m = existing.get(key) or Hj212FactorMap(park_id=device.park_id,
                                                enterprise_id=device.enterprise_id,
                                                device_id=device.id)
        for name, value in values.items():
            setattr(m, name, value)
        session.add(m)
        keep.append(m)
        interval = _expect_interval(device, points[values["point_id"]], values["cn"])
        if interval:
            intervals[values["point_id"]] = interval
    session.flush()
    after: dict[str, Any] = {"factors": [_factor_snapshot(m) for m in keep]}
    if intervals:
        after["point_expected_interval_seconds"] = intervals
    audit.record(session, actor, "update", object_type="hj212_factor_map", object_label=device.mn,
                 detail="replace factor map", before={"factors": before}, after=after,
                 park_id=device.park_id, enterprise_id=device.enterprise_id)
    for m in keep:
        session.refresh(m)  # values as stored (decimal scale)
    return sorted(keep, key=lambda m: (m.cn, m.factor_code, m.suffix))


def list_factors(session: Session, scope: Scope, device_id: int) -> list[Hj212FactorMap]:
    device = _load_device(session, scope, device_id)
    return list(session.scalars(select(Hj212FactorMap).where(
        Hj212FactorMap.device_id == device.id).order_by(
        Hj212FactorMap.cn, Hj212FactorMap.factor_code, Hj212FactorMap.suffix)))


def factor_out(session: Session, maps: Sequence[Hj212FactorMap],
               locale: str) -> list[dict[str, Any]]:
    pts = {p.id: p for p in session.scalars(select(MeteringPoint).where(
        MeteringPoint.id.in_({m.point_id for m in maps})))} if maps else {}
    out = []
    for m in maps:
        p = pts[m.point_id]
        known = codes.FACTORS.get(m.factor_code)
        out.append({c.key: getattr(m, c.key) for c in m.__mapper__.column_attrs}
                   | {"point_code": p.code, "point_name": p.name, "point_unit": p.unit,
                      "factor_name": (known.en if locale == "en" else known.zh)
                      if known else None})
    return out


def factor_codes(locale: str) -> list[dict[str, str]]:
    return [{"code": code, "name": f.en if locale == "en" else f.zh, "unit": f.unit}
            for code, f in codes.FACTORS.items()]
