"""Registry use cases. All seven master-data resources share one list/get/create/update/delete
mechanism driven by a `ResourceSpec`; what differs (names to show, derived fields, references to
check) is in the spec. Tenancy comes from `Scope` (db.tenancy) and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.core import registry_rules as rules
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.nulls import reject_nulls
from dualcarbon.db.paging import Page, apply_sort, paginate
from dualcarbon.db.tenancy import Scope
from dualcarbon.registry import reference
from dualcarbon.registry.errors import CodeTaken, InUse, PlatformOnly, RegistryNotFound
from dualcarbon.registry.models import (
    Device,
    Enterprise,
    Facility,
    MeteringPoint,
    Park,
    Process,
    Product,
)

DUE_SOON_DAYS = 30

Enricher = Callable[[Session, Sequence[Any], str], list[dict[str, Any]]]


@dataclass(frozen=True)
class ResourceSpec:
    name: str  # "enterprise"; permission resource and audit object type
    path: str  # "/enterprises"
    model: Any
    search: tuple[str, ...]
    filters: tuple[str, ...]
    sorts: frozenset[str]
    default_sort: str
    unique_in: str  # column that scopes the code's uniqueness: park_id | enterprise_id | ""
    enrich: Enricher
    references: dict[str, Any] = field(default_factory=dict)  # field -> model (same enterprise)
    extra_filters: Callable[[Select[Any], dict[str, Any]], Select[Any]] | None = None


def _names(
    session: Session, model: Any, ids: set[int | None], attr: str = "name"
) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(model.id, getattr(model, attr)).where(model.id.in_(ids)))
    return {r[0]: r[1] for r in rows}


def _columns(obj: Any) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}


def _counts(session: Session, model: Any, fk: str, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    col = getattr(model, fk)
    rows = session.execute(select(col, func.count()).where(col.in_(ids)).group_by(col))
    return {r[0]: r[1] for r in rows}


# --- enrichers: turn rows into the Read shape with names, counts and derived fields ------------


def _enrich_parks(session: Session, rows: Sequence[Park], locale: str) -> list[dict[str, Any]]:
    counts = _counts(session, Enterprise, "park_id", {r.id for r in rows})
    return [
        {
            **_columns(r),
            "province_name": reference.province_name(r.province_code, locale),
            "enterprise_count": counts.get(r.id, 0),
        }
        for r in rows
    ]


def _enrich_enterprises(
    session: Session, rows: Sequence[Enterprise], locale: str
) -> list[dict[str, Any]]:
    ids = {r.id for r in rows}
    parks = _names(session, Park, {r.park_id for r in rows})
    facilities = _counts(session, Facility, "enterprise_id", ids)
    points = _counts(session, MeteringPoint, "enterprise_id", ids)
    return [
        {
            **_columns(r),
            "park_name": parks.get(r.park_id, ""),
            "industry_name": reference.industry_name(r.industry_code, locale),
            "facility_count": facilities.get(r.id, 0),
            "metering_point_count": points.get(r.id, 0),
        }
        for r in rows
    ]


def _with_enterprise(session: Session, rows: Sequence[Any], locale: str) -> list[dict[str, Any]]:
    names = _names(session, Enterprise, {r.enterprise_id for r in rows})
    return [{**_columns(r), "enterprise_name": names.get(r.enterprise_id, "")} for r in rows]


def _enrich_products(
    session: Session, rows: Sequence[Product], locale: str
) -> list[dict[str, Any]]:
    processes = _names(session, Process, {r.process_id for r in rows})
    return [
        {**d, "process_name": processes.get(d["process_id"])}
        for d in _with_enterprise(session, rows, locale)
    ]


def calibration_status(due: date | None, today: date | None = None) -> str:
    if due is None:
        return "unknown"
    today = today or date.today()
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


def _enrich_devices(session: Session, rows: Sequence[Device], locale: str) -> list[dict[str, Any]]:
    return [
        {
            **d,
            "device_type_name": reference.device_type_name(d["device_type"], locale),
            "calibration_status": calibration_status(d["calibration_due_on"]),
        }
        for d in _with_enterprise(session, rows, locale)
    ]


def _enrich_points(
    session: Session, rows: Sequence[MeteringPoint], locale: str
) -> list[dict[str, Any]]:
    facilities = _names(session, Facility, {r.facility_id for r in rows})
    devices = _names(session, Device, {r.device_id for r in rows}, "code")
    return [
        {
            **d,
            "facility_name": facilities.get(d["facility_id"]),
            "device_code": devices.get(d["device_id"]),
            "medium_name": reference.medium_name(d["medium"], locale),
        }
        for d in _with_enterprise(session, rows, locale)
    ]


def _device_filters(stmt: Select[Any], filters: dict[str, Any]) -> Select[Any]:
    status = filters.get("calibration_status")
    today = date.today()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    if status == "overdue":
        stmt = stmt.where(Device.calibration_due_on < today)
    elif status == "due_soon":
        stmt = stmt.where(Device.calibration_due_on >= today, Device.calibration_due_on <= soon)
    elif status == "ok":
        stmt = stmt.where(Device.calibration_due_on > soon)
    elif status == "unknown":
        stmt = stmt.where(Device.calibration_due_on.is_(None))
    return stmt


_COMMON_SORTS = frozenset({"id", "code", "name", "created_at", "updated_at"})

SPECS: dict[str, ResourceSpec] = {
    s.name: s
    for s in (
        ResourceSpec(
            "park",
            "/parks",
            Park,
            ("code", "name", "city"),
            (),
            _COMMON_SORTS | {"province_code"},
            "code",
            "",
            _enrich_parks,
        ),
        ResourceSpec(
            "enterprise",
            "/enterprises",
            Enterprise,
            ("code", "name", "credit_code"),
            ("park_id", "industry_code", "is_key_emitter", "has_captive_power_plant", "status"),
            _COMMON_SORTS | {"industry_code", "credit_code", "is_key_emitter"},
            "code",
            "park_id",
            _enrich_enterprises,
        ),
        ResourceSpec(
            "facility",
            "/facilities",
            Facility,
            ("code", "name", "kind"),
            ("enterprise_id", "kind", "is_key_facility"),
            _COMMON_SORTS | {"kind", "capacity", "enterprise_id"},
            "code",
            "enterprise_id",
            _with_enterprise,
        ),
        ResourceSpec(
            "process",
            "/processes",
            Process,
            ("code", "name", "technology"),
            ("enterprise_id",),
            _COMMON_SORTS | {"enterprise_id"},
            "code",
            "enterprise_id",
            _with_enterprise,
        ),
        ResourceSpec(
            "product",
            "/products",
            Product,
            ("code", "name"),
            ("enterprise_id", "is_main_product", "process_id"),
            _COMMON_SORTS | {"enterprise_id", "unit"},
            "code",
            "enterprise_id",
            _enrich_products,
            references={"process_id": Process},
        ),
        ResourceSpec(
            "device",
            "/devices",
            Device,
            ("code", "name", "serial_no", "model"),
            ("enterprise_id", "device_type"),
            _COMMON_SORTS | {"device_type", "calibration_due_on", "enterprise_id"},
            "code",
            "enterprise_id",
            _enrich_devices,
            extra_filters=_device_filters,
        ),
        ResourceSpec(
            "metering_point",
            "/metering-points",
            MeteringPoint,
            ("code", "name"),
            ("enterprise_id", "facility_id", "medium", "direction", "device_id"),
            _COMMON_SORTS | {"medium", "direction", "enterprise_id"},
            "code",
            "park_id",
            _enrich_points,
            references={"facility_id": Facility, "device_id": Device},
        ),
    )
}


# --- queries -------------------------------------------------------------------------------------


def readable(spec: ResourceSpec, scope: Scope) -> Select[Any]:
    return select(spec.model).where(scope.filter_for(spec.model))


def _filtered(
    spec: ResourceSpec, scope: Scope, q: str | None, filters: dict[str, Any], sort: str | None
) -> Select[Any]:
    stmt = readable(spec, scope)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(*(getattr(spec.model, c).ilike(like) for c in spec.search)))
    for key in spec.filters:
        value = filters.get(key)
        if value is not None and value != "":
            stmt = stmt.where(getattr(spec.model, key) == value)
    if spec.extra_filters:
        stmt = spec.extra_filters(stmt, filters)
    return apply_sort(stmt, spec.model, sort, set(spec.sorts), spec.default_sort)


def list_items(
    session: Session,
    spec: ResourceSpec,
    scope: Scope,
    *,
    page: int,
    size: int,
    q: str | None = None,
    sort: str | None = None,
    filters: dict[str, Any] | None = None,
    locale: str = "zh-CN",
) -> Page[dict[str, Any]]:
    result = paginate(session, _filtered(spec, scope, q, filters or {}, sort), page, size)
    return Page(spec.enrich(session, result.items, locale), result.total, result.page, result.size)


def all_items(
    session: Session,
    spec: ResourceSpec,
    scope: Scope,
    *,
    q: str | None = None,
    sort: str | None = None,
    filters: dict[str, Any] | None = None,
    locale: str = "zh-CN",
    limit: int = 100_000,
) -> list[dict[str, Any]]:
    stmt = _filtered(spec, scope, q, filters or {}, sort).limit(limit)
    return spec.enrich(session, list(session.scalars(stmt)), locale)


def _load(session: Session, spec: ResourceSpec, scope: Scope, item_id: int) -> Any:
    obj = session.scalar(readable(spec, scope).where(spec.model.id == item_id))
    if obj is None:
        raise RegistryNotFound()
    return obj


def get_item(
    session: Session, spec: ResourceSpec, scope: Scope, item_id: int, locale: str = "zh-CN"
) -> dict[str, Any]:
    return spec.enrich(session, [_load(session, spec, scope, item_id)], locale)[0]


# --- writes --------------------------------------------------------------------------------------


def _check_code_unique(
    session: Session, spec: ResourceSpec, values: dict[str, Any], exclude_id: int | None = None
) -> None:
    code = values.get("code")
    if code is None:
        return
    stmt = select(spec.model.id).where(spec.model.code == code)
    if spec.unique_in:
        stmt = stmt.where(getattr(spec.model, spec.unique_in) == values[spec.unique_in])
    if exclude_id is not None:
        stmt = stmt.where(spec.model.id != exclude_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise CodeTaken(field_errors=[FieldError(("body", "code"), "registry.code-taken")])
    if spec.name == "enterprise" and values.get("credit_code"):
        stmt = select(Enterprise.id).where(Enterprise.credit_code == values["credit_code"])
        if exclude_id is not None:
            stmt = stmt.where(Enterprise.id != exclude_id)
        if session.scalar(stmt.limit(1)) is not None:
            raise CodeTaken(
                field_errors=[FieldError(("body", "credit_code"), "registry.code-taken")]
            )


def _check_references(session: Session, spec: ResourceSpec, values: dict[str, Any]) -> None:
    for key, model in spec.references.items():
        _require_owner(session, model, values.get(key), values["enterprise_id"], key)

def _derive(spec: ResourceSpec, values: dict[str, Any]) -> None:
    if spec.name == "park" and values.get("province_code") and not values.get("grid_region"):
        values["grid_region"] = reference.grid_region_of(values["province_code"])
    if spec.name == "device":
        last, months = values.get("last_calibrated_on"), values.get("calibration_interval_months")
        if months is None and values.get("device_type"):
            months = reference.attr(
                reference.device_types().get(values["device_type"]), "calibration_interval_months"
            )
            values["calibration_interval_months"] = months
        values["calibration_due_on"] = (
            rules.calibration_due(last, months) if last and months else None
        )


def _owner_ids(spec: ResourceSpec, obj: Any) -> tuple[int | None, int | None]:
    if spec.name == "park":
        return obj.id, None
    if spec.name == "enterprise":
        return obj.park_id, obj.id
    return obj.park_id, obj.enterprise_id


def _label(obj: Any) -> str:
    return f"{getattr(obj, 'code', '')} {getattr(obj, 'name', '')}".strip()


def create_item(
    session: Session,
    spec: ResourceSpec,
    scope: Scope,
    actor: Actor,
    data: BaseModel,
    locale: str = "zh-CN",
) -> dict[str, Any]:
    values = data.model_dump()
    if spec.name == "park":
        if not scope.is_global:
            raise PlatformOnly()
    elif spec.name == "enterprise":
        if not park_exists(session, values["park_id"]) or not scope.covers(values["park_id"]):
            raise Invalid(field_errors=[FieldError(("body", "park_id"), "registry.not-found")])
    else:
        ent = require_enterprise(session, scope, values["enterprise_id"])
        values["park_id"] = ent.park_id
        _check_references(session, spec, values)
    _derive(spec, values)
    _check_code_unique(session, spec, values)
    obj = spec.model(**{k: v for k, v in values.items() if v is not None})
    session.add(obj)
    session.flush()
    session.refresh(obj)  # values as the database stores them (scale of decimals)
    park_id, enterprise_id = _owner_ids(spec, obj)
    audit.record(
        session,
        actor,
        "create",
        object_type=spec.name,
        object_id=obj.id,
        object_label=_label(obj),
        after=audit.snapshot(obj),
        park_id=park_id,
        enterprise_id=enterprise_id,
    )
    return spec.enrich(session, [obj], locale)[0]


def update_item(
    session: Session,
    spec: ResourceSpec,
    scope: Scope,
    actor: Actor,
    item_id: int,
    data: BaseModel,
    locale: str = "zh-CN",
) -> dict[str, Any]:
    obj = _load(session, spec, scope, item_id)
    scope.require_writable(*_owner_ids(spec, obj))
    before = audit.snapshot(obj)
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(spec.model, changes)
    values = {**_columns(obj), **changes}
    if spec.name not in ("park", "enterprise"):
        _check_references(session, spec, values)
    _derive(spec, values)
    _check_code_unique(session, spec, values, exclude_id=obj.id)
    for key in set(changes) | _DERIVED.get(spec.name, set()):
        setattr(obj, key, values[key])
    session.flush()
    session.refresh(obj)
    b, a = audit.diff(before, audit.snapshot(obj))
    park_id, enterprise_id = _owner_ids(spec, obj)
    audit.record(
        session,
        actor,
        "update",
        object_type=spec.name,
        object_id=obj.id,
        object_label=_label(obj),
        before=b,
        after=a,
        park_id=park_id,
        enterprise_id=enterprise_id,
    )
    return spec.enrich(session, [obj], locale)[0]


_DERIVED = {
    "park": {"grid_region"},
    "device": {"calibration_due_on", "calibration_interval_months"},
}


def delete_item(
    session: Session, spec: ResourceSpec, scope: Scope, actor: Actor, item_id: int
) -> None:
    obj = _load(session, spec, scope, item_id)
    if spec.name == "park" and not scope.is_global:
        raise PlatformOnly()
    scope.require_writable(*_owner_ids(spec, obj))
    before = audit.snapshot(obj)
    park_id, enterprise_id = _owner_ids(spec, obj)
    try:
        with session.begin_nested():
            session.delete(obj)
            session.flush()
    except IntegrityError:
        raise InUse() from None
    audit.record(
        session,
        actor,
        "delete",
        object_type=spec.name,
        object_id=item_id,
        object_label=_label(obj),
        before=before,
        park_id=park_id,
        enterprise_id=enterprise_id,
    )


# --- lookups used by other domains ---------------------------------------------------------------


def require_enterprise(
    session: Session, scope: Scope, enterprise_id: int, field: str = "enterprise_id"
) -> Enterprise:
    """The enterprise a new row will belong to: it must be inside the caller's (write) scope,
    else the body field is reported as not found."""
    ent = session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id, scope.filter_for(Enterprise))
    )
    if ent is None or not scope.covers(ent.park_id, ent.id):
        raise Invalid(field_errors=[FieldError(("body", field), "registry.not-found")])
    return ent


_REFERENCE_MODELS = {"metering_point": MeteringPoint, "device": Device, "facility": Facility,
                     "process": Process, "product": Product}


def require_same_enterprise(
    session: Session, model_name: str, ref_id: int | None, enterprise_id: int, field: str
) -> None:
    """A referenced point/device/facility/process/product must belong to the same enterprise."""
    _require_owner(session, _REFERENCE_MODELS[model_name], ref_id, enterprise_id, field)


def _require_owner(
    session: Session, model: Any, ref_id: int | None, enterprise_id: int, field: str
) -> None:
    if ref_id is None:
        return
    owner = session.scalar(select(model.enterprise_id).where(model.id == ref_id))
    if owner != enterprise_id:
        raise Invalid(
            field_errors=[FieldError(("body", field), "registry.reference.other-enterprise")]
        )

def park_exists(session: Session, park_id: int) -> bool:
    return session.scalar(select(Park.id).where(Park.id == park_id)) is not None


def park_of_enterprise(session: Session, enterprise_id: int) -> int | None:
    return session.scalar(select(Enterprise.park_id).where(Enterprise.id == enterprise_id))


def find_park_by_code(session: Session, code: str) -> Park | None:
    return session.scalar(select(Park).where(Park.code == code))


def point_ids_by_code(session: Session, park_id: int, codes: set[str]) -> dict[str, Any]:
    rows = session.execute(
        select(
            MeteringPoint.code,
            MeteringPoint.id,
            MeteringPoint.enterprise_id,
            MeteringPoint.unit,
            MeteringPoint.measurement,
        ).where(MeteringPoint.park_id == park_id, MeteringPoint.code.in_(codes))
    )
    return {r.code: r for r in rows}


def overview(session: Session, scope: Scope, park_id: int | None, locale: str) -> dict[str, Any]:
    """Counts and breakdowns for the park overview page, within the caller's scope."""

    def count(model: Any, *where: Any) -> int:
        stmt = select(func.count(model.id)).where(scope.filter_for(model), *where)
        if park_id is not None and model is not Park:
            stmt = stmt.where(model.park_id == park_id)
        return session.scalar(stmt) or 0

    park = None
    if park_id is not None:
        row = session.scalar(select(Park).where(Park.id == park_id, scope.filter_for(Park)))
        if row is None:
            raise RegistryNotFound()
        park = _enrich_parks(session, [row], locale)[0]
    today = date.today()
    by_industry_stmt = (
        select(Enterprise.industry_code, func.count(Enterprise.id))
        .where(scope.filter_for(Enterprise))
        .group_by(Enterprise.industry_code)
    )
    by_medium_stmt = (
        select(MeteringPoint.medium, func.count(MeteringPoint.id))
        .where(scope.filter_for(MeteringPoint))
        .group_by(MeteringPoint.medium)
    )
    if park_id is not None:
        by_industry_stmt = by_industry_stmt.where(Enterprise.park_id == park_id)
        by_medium_stmt = by_medium_stmt.where(MeteringPoint.park_id == park_id)
    by_industry = sorted(
        (
            {"industry_code": c, "industry_name": reference.industry_name(c, locale), "count": n}
            for c, n in session.execute(by_industry_stmt)
        ),
        key=lambda x: -x["count"],
    )
    by_medium = sorted(
        (
            {"medium": m, "name": reference.medium_name(m, locale), "count": n}
            for m, n in session.execute(by_medium_stmt)
        ),
        key=lambda x: -x["count"],
    )
    return {
        "park": park,
        "enterprise_count": count(Enterprise),
        "key_emitter_count": count(Enterprise, Enterprise.is_key_emitter.is_(True)),
        "captive_power_count": count(Enterprise, Enterprise.has_captive_power_plant.is_(True)),
        "facility_count": count(Facility),
        "key_facility_count": count(Facility, Facility.is_key_facility.is_(True)),
        "product_count": count(Product),
        "device_count": count(Device),
        "metering_point_count": count(MeteringPoint),
        "calibration_overdue_count": count(Device, Device.calibration_due_on < today),
        "calibration_due_soon_count": count(
            Device,
            Device.calibration_due_on >= today,
            Device.calibration_due_on <= today + timedelta(days=DUE_SOON_DAYS),
        ),
        "enterprises_by_industry": by_industry,
        "metering_points_by_medium": by_medium,
    }
