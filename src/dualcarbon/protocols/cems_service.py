"""CO2 CEMS results from ingested readings: hourly CO2 (HJ 212 eq. 33) per CEMS unit with validity
flags and configurable substitution, and day/month totals. The arithmetic is ``core.cems``; this
module reads the readings the doors stored, writes ``cems_hours`` and sums them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.collection.models import Reading
from dualcarbon.core import cems
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.protocols.errors import CemsNotFound
from dualcarbon.protocols.models import CemsHour, CemsUnit
from dualcarbon.registry import service as registry_service
from dualcarbon.registry.models import MeteringPoint

HOUR = timedelta(hours=1)
_PARAMS = (("co2_pct", "co2_point_id"), ("flow", "flow_point_id"),
           ("moisture_pct", "moisture_point_id"), ("temperature_c", "temperature_point_id"),
           ("static_kpa", "pressure_point_id"))


def create_unit(session: Session, *, enterprise_id: int, code: str, name: str,
                co2_point_id: int, flow_point_id: int, **kw: object) -> CemsUnit:
    """A CEMS unit whose points all belong to ``enterprise_id``."""
    ids = {"co2_point_id": co2_point_id, "flow_point_id": flow_point_id,
           **{k: v for k, v in kw.items() if k.endswith("_point_id") and v is not None}}
    points = {p.id: p for p in session.scalars(
        select(MeteringPoint).where(MeteringPoint.id.in_(set(ids.values()))))}
    bad = [FieldError(("body", k), "cems.bad-point") for k, v in ids.items()
           if v not in points or points[v].enterprise_id != enterprise_id]  # type: ignore[comparison-overlap]
    if bad:
        raise Invalid(field_errors=bad)
    park_id = points[co2_point_id].park_id
    unit = CemsUnit(park_id=park_id, enterprise_id=enterprise_id, code=code, name=name,
                    co2_point_id=co2_point_id, flow_point_id=flow_point_id, **kw)
    session.add(unit)
    session.flush()
    return unit


def config_of(unit: CemsUnit) -> cems.CemsConfig:
    return cems.CemsConfig(co2_basis=unit.co2_basis,  # type: ignore[arg-type]
                           flow_state=unit.flow_state,  # type: ignore[arg-type]
                           flow_unit=unit.flow_unit,  # type: ignore[arg-type]
                           ambient_pa=unit.ambient_pa, molar_volume_l=unit.molar_volume_l)


def policy_of(unit: CemsUnit) -> cems.SubstitutionPolicy:
    return cems.SubstitutionPolicy(short_gap_hours=unit.short_gap_hours,
                                   lookback_hours=unit.lookback_hours,
                                   enabled=unit.substitution_enabled)


def _minute_values(rows: list[tuple[datetime, Decimal, str]]) -> list[cems.Obs]:
    """Readings (real-time every ≥ 30 s, or minute data) → one value per minute: the mean of its
    valid readings, flagged normal when > 75 % of them are normal."""
    by_min: dict[datetime, list[cems.Obs]] = defaultdict(list)
    for ts, value, quality in rows:
        by_min[ts.replace(second=0, microsecond=0)].append(cems.Obs(ts, value, quality))
    out = []
    for minute, obs in sorted(by_min.items()):
        agg = cems.aggregate(obs, 1)
        if agg.mean is not None:
            out.append(cems.Obs(minute, agg.mean, agg.flag if agg.is_valid else "D"))
        else:
            out.append(cems.Obs(minute, obs[0].value, obs[0].flag))
    return out


def compute_hours(session: Session, unit: CemsUnit, start: datetime, end: datetime,
                  now: datetime | None = None) -> list[CemsHour]:
    """(Re)compute the hours in [start, end) (UTC, whole hours) and store them; invalid hours are
    substituted per the unit's policy (history before ``start`` is not consulted here)."""
    now = now or utcnow()
    start = start.replace(minute=0, second=0, microsecond=0)
    points = {name: getattr(unit, attr) for name, attr in _PARAMS if getattr(unit, attr)}
    rows = session.execute(select(Reading.point_id, Reading.ts, Reading.value, Reading.quality)
                           .where(Reading.point_id.in_(set(points.values())),
                                  Reading.ts >= start, Reading.ts < end)
                           .order_by(Reading.ts))
    by_point_hour: dict[tuple[int, datetime], list[tuple[datetime, Decimal, str]]] = \
        defaultdict(list)
    for pid, ts, value, quality in rows:
        by_point_hour[(pid, ts.replace(minute=0, second=0, microsecond=0))].append(
            (ts, value, quality))
    cfg, results = config_of(unit), []
    hour = start
    while hour < end:
        inputs = {name: _minute_values(by_point_hour.get((pid, hour), []))
                  for name, pid in points.items()}
        results.append((hour, cems.compute_hour(cems.HourInputs(**inputs), cfg)))
        hour += HOUR
    filled = cems.substitute_hours([(h, r.rate_kg_h) for h, r in results], policy_of(unit))
    existing = {h.hour: h for h in session.scalars(select(CemsHour).where(
        CemsHour.unit_id == unit.id, CemsHour.hour >= start, CemsHour.hour < end))}
    out = []
    for (hour, r), sub in zip(results, filled, strict=True):
        row = existing.get(hour) or CemsHour(park_id=unit.park_id,
                                             enterprise_id=unit.enterprise_id, unit_id=unit.id,
                                             hour=hour)
        row.co2_dry_pct, row.flow_std_dry_m3_h = r.co2_dry_pct, r.flow_std_dry_m3_h
        row.co2_kg = sub.value
        row.minute_sum_kg, row.valid_minutes = r.minute_sum_kg, r.valid_minutes
        row.is_valid, row.flag = r.is_valid, r.flag
        row.is_substituted, row.substitution_rule = sub.is_substituted, sub.rule
        row.reasons, row.computed_at = list(r.reasons), now
        session.add(row)
        out.append(row)
    session.flush()
    return out


# a corrected reading changes its hour, and through substitution (adjacent means) its neighbours
CORRECTION_CONTEXT = timedelta(hours=3)


def recompute_after_correction(session: Session, point_id: int, ts: datetime,
                               now: datetime | None = None) -> list[CemsHour]:
    """The stored hours of every active CEMS unit that reads ``point_id``, around the hour of a
    corrected reading at ``ts`` (no hour later than the last one that has ended)."""
    now = now or utcnow()
    hour = ts.replace(minute=0, second=0, microsecond=0)
    last = now.replace(minute=0, second=0, microsecond=0)
    start, end = hour - CORRECTION_CONTEXT, min(hour + CORRECTION_CONTEXT + HOUR, last)
    if end <= hour:  # the hour has not ended: the scheduled job will compute it
        return []
    units = session.scalars(select(CemsUnit).where(CemsUnit.is_active, or_(
        *(getattr(CemsUnit, attr) == point_id for _, attr in _PARAMS))))
    out: list[CemsHour] = []
    for unit in units:
        out += compute_hours(session, unit, start, end, now)
    return out


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    start: datetime
    end: datetime
    co2_t: Decimal
    hours: int
    valid_hours: int
    substituted_hours: int
    missing_hours: int


def period_total(session: Session, unit: CemsUnit, start: datetime,
                 end: datetime) -> PeriodTotal:
    """CO2 mass over [start, end) from the stored hours: G_d = Σ G_h (eq. 34, no stray 10⁻⁶)."""
    hours = session.scalars(select(CemsHour).where(
        CemsHour.unit_id == unit.id, CemsHour.hour >= start, CemsHour.hour < end)).all()
    kg = sum((h.co2_kg for h in hours if h.co2_kg is not None), Decimal(0))
    expected = int((end - start) / HOUR)
    return PeriodTotal(start, end, kg / 1000, len(hours), sum(h.is_valid for h in hours),
                       sum(h.is_substituted for h in hours),
                       expected - sum(h.co2_kg is not None for h in hours))


# --------------------------------------------------------------------------- scoped use cases


def list_units(session: Session, scope: Scope) -> list[CemsUnit]:
    return list(session.scalars(select(CemsUnit).where(scope.filter_for(CemsUnit))
                                .order_by(CemsUnit.id)))


def get_unit(session: Session, scope: Scope, unit_id: int) -> CemsUnit:
    unit = session.scalar(select(CemsUnit).where(CemsUnit.id == unit_id,
                                                 scope.filter_for(CemsUnit)))
    if unit is None:
        raise CemsNotFound()
    return unit


def create_unit_scoped(session: Session, scope: Scope, actor: Actor,
                       values: dict[str, Any]) -> CemsUnit:
    ent = registry_service.require_enterprise(session, scope, values["enterprise_id"])
    scope.require_writable(ent.park_id, ent.id)
    unit = create_unit(session, **values)
    audit.record(session, actor, "create", object_type="cems_unit", object_id=unit.id,
                 object_label=unit.name, after=audit.snapshot(unit), park_id=unit.park_id,
                 enterprise_id=unit.enterprise_id)
    return unit


def compute_scoped(session: Session, scope: Scope, actor: Actor, unit_id: int,
                   start: datetime, end: datetime) -> list[CemsHour]:
    unit = get_unit(session, scope, unit_id)
    scope.require_writable(unit.park_id, unit.enterprise_id)
    if end <= start or end - start > timedelta(days=92):
        raise Invalid(field_errors=[FieldError(("body", "end"), "cems.bad-window")])
    hours = compute_hours(session, unit, start, end)
    audit.record(session, actor, "compute", object_type="cems_unit", object_id=unit.id,
                 object_label=unit.name, after={"start": start.isoformat(),
                                                "end": end.isoformat(), "hours": len(hours)},
                 park_id=unit.park_id, enterprise_id=unit.enterprise_id)
    return hours


def list_hours(session: Session, scope: Scope, unit_id: int, start: datetime,
               end: datetime) -> list[CemsHour]:
    unit = get_unit(session, scope, unit_id)
    return list(session.scalars(select(CemsHour).where(
        CemsHour.unit_id == unit.id, CemsHour.hour >= start, CemsHour.hour < end)
        .order_by(CemsHour.hour)))
