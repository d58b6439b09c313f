"""The parameter library: versions, the parameter set an accounting run uses, seeding from the
engine's catalogue. Services flush, never commit; every change writes an audit record."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.core.accounting.catalogue import CATALOGUE_VERSION, all_parameters
from dualcarbon.core.accounting.parameters import Parameter, ParameterRef, ParameterSet
from dualcarbon.core.accounting.tiers import ProvenanceTier
from dualcarbon.core.context import SYSTEM_ACTOR, Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.factors.errors import FactorNotFound, VersionExists, VersionNotLatest
from dualcarbon.factors.models import FactorParameter


@dataclass(frozen=True, slots=True)
class VersionIn:
    """One new version of a parameter (API body, import row or catalogue entry)."""

    park_id: int | None
    methodology: str
    key: str
    version: str
    value: Decimal
    unit: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    source_document: str = ""
    clause: str = ""
    tier: ProvenanceTier = ProvenanceTier.USER
    note: str = ""


def decimal_text(value: Decimal) -> str:
    """The exact text of a decimal as stored (no exponent, no float, digits kept)."""
    return format(value, "f")


def to_parameter(row: FactorParameter) -> Parameter:
    return Parameter(
        key=row.key, value=row.value, unit=row.unit, methodology=row.methodology,
        version=row.version, valid_from=row.valid_from, valid_to=row.valid_to,
        source_document=row.source_document, clause=row.clause,
        tier=ProvenanceTier(row.tier), note=row.note,
    )


# --- the parameter set of a run --------------------------------------------------------------

def _rows_for(session: Session, park_id: int | None) -> list[FactorParameter]:
    cond = FactorParameter.park_id.is_(None)
    if park_id is not None:
        cond = or_(cond, FactorParameter.park_id == park_id)
    stmt = select(FactorParameter).where(cond).order_by(FactorParameter.id)
    return list(session.scalars(stmt))


# Built parameter sets by (database, park), with the fingerprint of the rows they came from.
# Rows are only ever added (a new version closes the previous one's validity in the same
# transaction), so (count, max id, newest created_at) changes with every change of the library.
_BUILT: dict[tuple[str, int | None], tuple[tuple[Any, ...], ParameterSet]] = {}
_BUILT_LOCK = threading.Lock()


def _fingerprint(session: Session, park_id: int | None) -> tuple[Any, ...]:
    cond = FactorParameter.park_id.is_(None)
    if park_id is not None:
        cond = or_(cond, FactorParameter.park_id == park_id)
    row = session.execute(select(func.count(FactorParameter.id), func.max(FactorParameter.id),
                                 func.max(FactorParameter.created_at)).where(cond)).one()
    return tuple(row)


def _current_set(session: Session, park_id: int | None) -> ParameterSet:
    """The library as a ParameterSet, rebuilt only when the rows changed (a run of one
    enterprise month spent half its time rebuilding the same ~430 parameters)."""
    key = (str(session.get_bind().engine.url), park_id)
    mark = _fingerprint(session, park_id)
    with _BUILT_LOCK:
        hit = _BUILT.get(key)
    if hit is not None and hit[0] == mark:
        return hit[1]
    rows = _rows_for(session, park_id)
    platform = [to_parameter(r) for r in rows if r.park_id is None]
    park = [to_parameter(r) for r in rows if r.park_id is not None]
    name = CATALOGUE_VERSION if park_id is None else f"{CATALOGUE_VERSION}+park{park_id}"
    ps = ParameterSet.of(platform, name=name).with_overrides(park)
    with _BUILT_LOCK:
        _BUILT[key] = (mark, ps)
    return ps


def parameter_set(session: Session, park_id: int | None, *,
                  versions: Iterable[ParameterRef] | None = None) -> ParameterSet:
    """The parameters a run of `park_id` uses: platform defaults with the park's overrides put
    over them (a park row replaces platform rows of the same key whose validity it overlaps).

    `versions` pins exact versions (the ParameterRef list of an earlier run): for each pinned key
    only the pinned version(s) are kept, so a re-run reproduces the earlier numbers even after
    newer versions were added. A key pinned to one version is valid on every date (its validity
    may have been closed since). A pinned version that no longer exists raises NotFound."""
    ps = _current_set(session, park_id)
    name = ps.name
    if versions is None:
        return ps.recorder()  # shared index, a usage record of its own
    rows = _rows_for(session, park_id)
    platform = [to_parameter(r) for r in rows if r.park_id is None]
    park = [to_parameter(r) for r in rows if r.park_id is not None]
    pinned: dict[str, list[Parameter]] = {}
    by_version: dict[tuple[str, str, str], Parameter] = {}
    for p in platform:  # park rows win over platform rows of the same version id
        by_version[(p.methodology, p.key, p.version)] = p
    for p in park:
        by_version[(p.methodology, p.key, p.version)] = p
    for ref in versions:
        p = by_version.get((ref.methodology, ref.key, ref.version))
        if p is None or p.value != ref.value:
            raise FactorNotFound(f"pinned parameter {ref.methodology}/{ref.key}/{ref.version}",
                                 params={"key": ref.key})
        pinned.setdefault(ref.key, []).append(p)
    out = ParameterSet(name=name)
    for p in ps:
        if p.key not in pinned:
            out.add(p)
    for plist in pinned.values():
        if len(plist) == 1:
            p = plist[0]
            out.add(Parameter(**{**_fields(p), "valid_from": None, "valid_to": None}))
        else:
            for p in plist:
                out.add(p)
    return out


def _fields(p: Parameter) -> dict[str, Any]:
    return {s: getattr(p, s) for s in Parameter.__slots__}  # type: ignore[attr-defined]


# --- seeding ---------------------------------------------------------------------------------

def sync_catalogue(session: Session, actor: Actor = SYSTEM_ACTOR) -> int:
    """Insert the engine catalogue's parameters as platform rows where that (methodology, key,
    version) is not there yet. Idempotent; never changes an existing row. Returns rows added."""
    have = {
        (m, k, v)
        for m, k, v in session.execute(
            select(FactorParameter.methodology, FactorParameter.key, FactorParameter.version)
            .where(FactorParameter.park_id.is_(None)))
    }
    added = 0
    for p in all_parameters():
        if (p.methodology, p.key, p.version) in have:
            continue
        session.add(FactorParameter(
            park_id=None, methodology=p.methodology, key=p.key, version=p.version,
            value_text=decimal_text(p.value), unit=p.unit, valid_from=p.valid_from,
            valid_to=p.valid_to, source_document=p.source_document, clause=p.clause,
            tier=p.tier.value, note=p.note, origin="catalogue", created_by=actor.username))
        have.add((p.methodology, p.key, p.version))
        added += 1
    if added:
        session.flush()
        audit.record(session, actor, "seed", object_type="factor_parameter",
                     object_label=CATALOGUE_VERSION, detail=f"{added} catalogue parameters")
    return added


# --- reading ---------------------------------------------------------------------------------

def _readable(scope: Scope) -> Any:
    return select(FactorParameter).where(scope.filter_for(FactorParameter))


def list_parameters(session: Session, scope: Scope, *, methodology: str | None = None,
                    key: str | None = None, tier: str | None = None,
                    valid_on: date | None = None, q: str | None = None,
                    park_id: int | None = None, platform: bool | None = None,
                    page: int = 1, size: int = 50) -> Page[Any]:
    stmt = _filtered(scope, methodology=methodology, key=key, tier=tier, valid_on=valid_on, q=q,
                     park_id=park_id, platform=platform)
    stmt = stmt.order_by(FactorParameter.methodology, FactorParameter.key,
                         FactorParameter.valid_from, FactorParameter.id)
    return paginate(session, stmt, page, size)


def _filtered(scope: Scope, *, methodology: str | None, key: str | None, tier: str | None,
              valid_on: date | None, q: str | None, park_id: int | None,
              platform: bool | None) -> Any:
    stmt = _readable(scope)
    if methodology:
        stmt = stmt.where(FactorParameter.methodology == methodology)
    if key:
        stmt = stmt.where(FactorParameter.key == key)
    if tier:
        stmt = stmt.where(FactorParameter.tier == tier)
    if valid_on is not None:
        stmt = stmt.where(
            or_(FactorParameter.valid_from.is_(None), FactorParameter.valid_from <= valid_on),
            or_(FactorParameter.valid_to.is_(None), FactorParameter.valid_to >= valid_on))
    if q:
        esc = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{esc}%"
        stmt = stmt.where(or_(*(c.ilike(like, escape="\\") for c in (
            FactorParameter.key, FactorParameter.source_document, FactorParameter.note,
            FactorParameter.clause))))
    if park_id is not None:
        stmt = stmt.where(FactorParameter.park_id == park_id)
    if platform is True:
        stmt = stmt.where(FactorParameter.park_id.is_(None))
    elif platform is False:
        stmt = stmt.where(FactorParameter.park_id.is_not(None))
    return stmt


def all_filtered(session: Session, scope: Scope, **filters: Any) -> list[FactorParameter]:
    stmt = _filtered(scope, **filters).order_by(
        FactorParameter.methodology, FactorParameter.key, FactorParameter.park_id,
        FactorParameter.valid_from, FactorParameter.id)
    return list(session.scalars(stmt))


def get_parameter(session: Session, scope: Scope, parameter_id: int) -> FactorParameter:
    row = session.scalar(_readable(scope).where(FactorParameter.id == parameter_id))
    if row is None:
        raise FactorNotFound()
    return row


def history(session: Session, scope: Scope, methodology: str, key: str) -> list[FactorParameter]:
    """Every readable version of one key, platform rows first, then each park's, by start."""
    stmt = _readable(scope).where(FactorParameter.methodology == methodology,
                                  FactorParameter.key == key)
    rows = list(session.scalars(stmt))
    if not rows:
        raise FactorNotFound()
    rows.sort(key=lambda r: (r.park_id or 0, r.valid_from or date.min, r.id))
    return rows


# --- writing ---------------------------------------------------------------------------------

def create_version(session: Session, scope: Scope, actor: Actor, data: VersionIn,
                   *, origin: str = "manual") -> FactorParameter:
    """Add a version. Platform rows need a global scope; park rows the park's. The previous
    open version of the same (park, methodology, key) is closed the day before this one starts."""
    scope.require_writable(data.park_id)
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise Invalid(field_errors=[FieldError(("body", "valid_to"), "factors.valid-range")])
    same = list(session.scalars(select(FactorParameter).where(
        FactorParameter.methodology == data.methodology, FactorParameter.key == data.key,
        FactorParameter.park_id.is_(None) if data.park_id is None
        else FactorParameter.park_id == data.park_id)))
    if any(r.version == data.version for r in same):
        raise VersionExists(params={"key": data.key, "version": data.version})
    if same:
        if data.valid_from is None:
            raise Invalid(field_errors=[FieldError(("body", "valid_from"),
                                                   "factors.valid-from-required")])
        latest = max((r.valid_from or date.min) for r in same)
        if data.valid_from <= latest:
            raise VersionNotLatest(params={"latest": latest.isoformat()})
    row = FactorParameter(
        park_id=data.park_id, methodology=data.methodology, key=data.key, version=data.version,
        value_text=decimal_text(data.value), unit=data.unit, valid_from=data.valid_from,
        valid_to=data.valid_to, source_document=data.source_document, clause=data.clause,
        tier=ProvenanceTier(data.tier).value, note=data.note, origin=origin,
        created_by=actor.username)
    for prev in same:
        if data.valid_from is not None and (prev.valid_to is None or prev.valid_to
                                            >= data.valid_from):
            before = audit.snapshot(prev)
            prev.valid_to = data.valid_from - timedelta(days=1)
            audit.record(session, actor, "close", object_type="factor_parameter",
                         object_id=prev.id, object_label=f"{prev.key}@{prev.version}",
                         before=before, after=audit.snapshot(prev), park_id=prev.park_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", object_type="factor_parameter", object_id=row.id,
                 object_label=f"{row.key}@{row.version}", after=audit.snapshot(row),
                 park_id=row.park_id)
    return row


def create_versions(session: Session, scope: Scope, actor: Actor,
                    items: Sequence[VersionIn], *, origin: str) -> list[FactorParameter]:
    return [create_version(session, scope, actor, it, origin=origin) for it in items]


def find_version(session: Session, park_id: int | None, methodology: str, key: str,
                 version: str) -> FactorParameter | None:
    """The library row of one version as a run of `park_id` sees it (park row first)."""
    rows = session.scalars(select(FactorParameter).where(
        FactorParameter.methodology == methodology, FactorParameter.key == key,
        FactorParameter.version == version,
        or_(FactorParameter.park_id.is_(None), FactorParameter.park_id == park_id)))
    found = sorted(rows, key=lambda r: r.park_id is None)
    return found[0] if found else None
