"""Activity data use cases: sources (accounting configuration), monthly data sets with their
workflow and versions, records, evidence, ledger prefill, and the engine document builder.
Tenancy comes from `Scope` (db.tenancy) only; every change is audited."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.activity import kinds as K
from dualcarbon.activity.document import DocumentBuilder, line_id
from dualcarbon.activity.errors import (
    ActivityNotFound,
    BadTransition,
    CodeTaken,
    DatasetExists,
    Locked,
    SourceInUse,
)
from dualcarbon.activity.models import (
    AccountingOptions,
    ActivityAttachment,
    ActivityDataset,
    ActivityRecord,
    ActivitySource,
)
from dualcarbon.audit import service as audit
from dualcarbon.core.accounting import dataio
from dualcarbon.core.accounting.catalogue import grid
from dualcarbon.core.accounting.levels import AllocationInvalid, check_allocation
from dualcarbon.core.accounting.model import ActivityDocument
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.tenancy import Scope
from dualcarbon.db.types import utcnow
from dualcarbon.jobs import service as jobs
from dualcarbon.registry import reference
from dualcarbon.registry.models import Enterprise, Facility, MeteringPoint, Park, Process

EDITABLE = ("draft", "returned")
RERUN_JOB = "accounting.rerun"
STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "approved": "已审核", "returned": "已退回",
             "superseded": "已被更正"}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# Evidence (凭证) file types: scans and photos of invoices and test reports, the e-invoice
# formats (PDF, OFD), spreadsheets and documents; nothing executable or rendered as a page.
ATTACHMENT_EXTENSIONS = (".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".csv",
                         ".docx", ".doc", ".zip")


def attachment_limits() -> dict[str, Any]:
    return {"max_bytes": MAX_ATTACHMENT_BYTES, "extensions": list(ATTACHMENT_EXTENSIONS)}


def month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def _one(session: Session, scope: Scope, model: Any, item_id: int) -> Any:
    obj = session.scalar(select(model).where(model.id == item_id, scope.filter_for(model)))
    if obj is None:
        raise ActivityNotFound()
    return obj


def _enterprise(session: Session, scope: Scope, enterprise_id: int) -> Enterprise:
    ent = session.scalar(select(Enterprise).where(Enterprise.id == enterprise_id,
                                                  scope.filter_for(Enterprise)))
    if ent is None:
        raise ActivityNotFound()
    scope.require_writable(ent.park_id, ent.id)
    return ent


def _audit(session: Session, actor: Actor, action: str, obj: Any, label: str,
           before: dict[str, Any] | None = None, detail: str | None = None) -> None:
    audit.record(session, actor, action, object_type=obj.__tablename__.removesuffix("s"),
                 object_id=obj.id, object_label=label[:100], before=before,
                 after=None if action == "delete" else audit.snapshot(obj), detail=detail,
                 park_id=obj.park_id, enterprise_id=obj.enterprise_id)


# ------------------------------------------------------------------------------------ sources


def _check_source(session: Session, ent: Enterprise, kind: str, unit: str,
                  settings: dict[str, Any], refs: dict[str, Any],
                  allocation: dict[str, Any] | None = None) -> None:
    k = K.KINDS[kind]
    errors: list[FieldError] = []
    if unit not in k.units:
        errors.append(FieldError(("body", "unit"), "activity.unit",
                                 {"expected": " / ".join(k.units)}))
    for name in K.REQUIRED_SETTINGS.get(kind, ()):
        if not settings.get(name):
            errors.append(FieldError(("body", "settings", name), "activity.required"))
    for name, value in settings.items():
        if name not in k.settings:
            errors.append(FieldError(("body", "settings", name), "activity.setting",
                                     {"name": name, "reason": "unknown"}))
        elif name in K.SETTING_CHOICES and value not in K.SETTING_CHOICES[name]:
            errors.append(FieldError(("body", "settings", name), "activity.setting",
                                     {"name": name,
                                      "reason": " / ".join(K.SETTING_CHOICES[name])}))
    for field, model in (("facility_id", Facility), ("process_id", Process),
                         ("point_id", MeteringPoint)):
        ref = refs.get(field)
        if ref is not None and session.scalar(select(model.id).where(
                model.id == ref, model.enterprise_id == ent.id)) is None:
            errors.append(FieldError(("body", field), "activity.reference"))
    if allocation is not None:
        errors += _check_allocation(session, ent, kind, settings, refs, allocation)
    if errors:
        raise Invalid(field_errors=errors)


ALLOCATABLE = ("fuel", "carbonate", "acid", "co2_recovery", "electricity", "heat")


def _check_allocation(session: Session, ent: Enterprise, kind: str, settings: dict[str, Any],
                      refs: dict[str, Any], allocation: dict[str, Any]) -> list[FieldError]:
    """A split by measured use: a source whose line the engine can split (not a feedstock or
    material, which are in their process's carbon mass balance), not tagged with a process,
    shares of existing facilities/processes of the enterprise, each once, adding up to more
    than 0 — or, as fractions, to exactly 1."""
    loc = ("body", "allocation")
    errors: list[FieldError] = []
    if kind not in ALLOCATABLE or (kind == "fuel" and settings.get("use") == "feedstock"):
        errors.append(FieldError(loc, "activity.allocation.kind"))
    if refs.get("process_id") is not None:
        errors.append(FieldError(loc, "activity.allocation.tagged"))
    model = Facility if allocation["level"] == "facility" else Process
    ids = set(session.scalars(select(model.id).where(model.enterprise_id == ent.id)))
    seen: set[int] = set()
    for i, share in enumerate(allocation["shares"]):
        if share["target_id"] not in ids:
            errors.append(FieldError((*loc, "shares", i, "target_id"), "activity.reference"))
        elif share["target_id"] in seen:
            errors.append(FieldError((*loc, "shares", i, "target_id"),
                                     "activity.allocation.duplicate"))
        seen.add(share["target_id"])
    total = sum((Decimal(str(x["use"])) for x in allocation["shares"]), Decimal(0))
    if allocation.get("basis") == "fraction" and total != 1:
        errors.append(FieldError((*loc, "shares"), "activity.allocation.fraction",
                                 {"total": format(total, "f")}))
    elif total <= 0:
        errors.append(FieldError((*loc, "shares"), "activity.allocation.zero"))
    return errors


def _allocation_json(value: Any) -> dict[str, Any] | None:
    """The split as stored: decimals as exact strings."""
    if value is None:
        return None
    return {"level": value["level"], "basis": value.get("basis", "measured"),
            "shares": [{"target_id": x["target_id"], "use": format(Decimal(str(x["use"])), "f")}
                       for x in value["shares"]]}


def list_sources(session: Session, scope: Scope, *, enterprise_id: int | None = None,
                 kind: str | None = None) -> list[ActivitySource]:
    stmt = select(ActivitySource).where(scope.filter_for(ActivitySource))
    if enterprise_id is not None:
        stmt = stmt.where(ActivitySource.enterprise_id == enterprise_id)
    if kind is not None:
        stmt = stmt.where(ActivitySource.kind == kind)
    return list(session.scalars(stmt.order_by(ActivitySource.enterprise_id,
                                              ActivitySource.sort_order, ActivitySource.id)))


def get_source(session: Session, scope: Scope, source_id: int) -> ActivitySource:
    return _one(session, scope, ActivitySource, source_id)  # type: ignore[no-any-return]


def create_source(session: Session, scope: Scope, actor: Actor, data: Any) -> ActivitySource:
    ent = _enterprise(session, scope, data.enterprise_id)
    values = data.model_dump()
    values["allocation"] = _allocation_json(values.get("allocation"))
    _check_source(session, ent, data.kind, data.unit, data.settings,
                  {"facility_id": data.facility_id, "process_id": data.process_id,
                   "point_id": data.point_id}, values["allocation"])
    if session.scalar(select(ActivitySource.id).where(
            ActivitySource.enterprise_id == ent.id, ActivitySource.code == data.code)):
        raise CodeTaken(params={"source_code": data.code})
    src = ActivitySource(park_id=ent.park_id, **values)
    session.add(src)
    session.flush()
    _audit(session, actor, "create", src, src.name)
    return src


def update_source(session: Session, scope: Scope, actor: Actor, source_id: int,
                  data: Any) -> ActivitySource:
    src = get_source(session, scope, source_id)
    ent = _enterprise(session, scope, src.enterprise_id)
    before = audit.snapshot(src)
    changes = data.model_dump(exclude_unset=True)
    if "allocation" in changes:
        changes["allocation"] = _allocation_json(changes["allocation"])
    merged = {**audit.snapshot(src), **changes}
    _check_source(session, ent, src.kind, merged["unit"], merged["settings"] or {}, merged,
                  merged.get("allocation"))
    if changes.get("unit", src.unit) != src.unit and session.scalar(
            select(ActivityRecord.id).where(ActivityRecord.source_id == src.id).limit(1)):
        raise SourceInUse()
    for key, value in changes.items():
        setattr(src, key, value)
    session.flush()
    _audit(session, actor, "update", src, src.name, before)
    return src


def delete_source(session: Session, scope: Scope, actor: Actor, source_id: int) -> None:
    src = get_source(session, scope, source_id)
    scope.require_writable(src.park_id, src.enterprise_id)
    if session.scalar(select(ActivityRecord.id).where(ActivityRecord.source_id == src.id)
                      .limit(1)):
        raise SourceInUse()
    before = audit.snapshot(src)
    session.delete(src)
    session.flush()
    _audit(session, actor, "delete", src, src.name, before)


# ------------------------------------------------------------------------------------ datasets


def list_datasets(session: Session, scope: Scope, *, enterprise_id: int | None = None,
                  month: date | None = None, status: str | None = None,
                  year: int | None = None) -> list[ActivityDataset]:
    stmt = select(ActivityDataset).where(scope.filter_for(ActivityDataset))
    if enterprise_id is not None:
        stmt = stmt.where(ActivityDataset.enterprise_id == enterprise_id)
    if month is not None:
        stmt = stmt.where(ActivityDataset.month == month_start(month))
    if year is not None:
        stmt = stmt.where(ActivityDataset.month >= date(year, 1, 1),
                          ActivityDataset.month <= date(year, 12, 1))
    if status is not None:
        stmt = stmt.where(ActivityDataset.status == status)
    return list(session.scalars(stmt.order_by(ActivityDataset.enterprise_id,
                                              ActivityDataset.month.desc(),
                                              ActivityDataset.version.desc())))


def get_dataset(session: Session, scope: Scope, dataset_id: int) -> ActivityDataset:
    return _one(session, scope, ActivityDataset, dataset_id)  # type: ignore[no-any-return]


def dataset_out(session: Session, ds: ActivityDataset) -> dict[str, Any]:
    records = list(session.scalars(select(ActivityRecord).where(
        ActivityRecord.dataset_id == ds.id).order_by(ActivityRecord.id)))
    atts: dict[int, list[ActivityAttachment]] = {}
    if records:
        for a in session.scalars(select(ActivityAttachment).where(
                ActivityAttachment.record_id.in_([r.id for r in records]))
                .order_by(ActivityAttachment.id)):
            atts.setdefault(a.record_id, []).append(a)
    out = audit.snapshot(ds)
    out["records"] = [{**audit.snapshot(r), "updated_at": r.updated_at,
                       "attachments": atts.get(r.id, [])} for r in records]
    for key in ("submitted_at", "reviewed_at", "created_at", "updated_at"):
        out[key] = getattr(ds, key)
    out["month"] = ds.month
    return out


def create_dataset(session: Session, scope: Scope, actor: Actor, enterprise_id: int,
                   month: date) -> ActivityDataset:
    ent = _enterprise(session, scope, enterprise_id)
    m = month_start(month)
    last = session.scalar(select(ActivityDataset).where(
        ActivityDataset.enterprise_id == ent.id, ActivityDataset.month == m)
        .order_by(ActivityDataset.version.desc()).limit(1))
    if last is not None:
        raise DatasetExists(params={"month": m.strftime("%Y-%m"), "version": last.version})
    ds = ActivityDataset(park_id=ent.park_id, enterprise_id=ent.id, month=m, version=1,
                         status="draft", created_by=actor.username)
    session.add(ds)
    session.flush()
    _audit(session, actor, "create", ds, f"{m:%Y-%m} v1")
    return ds


def _locked(ds: ActivityDataset) -> Locked:
    return Locked(params={"month": ds.month.strftime("%Y-%m"), "version": ds.version,
                          "status": STATUS_ZH.get(ds.status, ds.status)})


def _editable(session: Session, scope: Scope, ds: ActivityDataset) -> None:
    scope.require_writable(ds.park_id, ds.enterprise_id)
    if ds.status not in EDITABLE:
        raise _locked(ds)
    if ds.status == "returned":
        ds.status = "draft"


def _transition(session: Session, scope: Scope, actor: Actor, dataset_id: int, action: str,
                allowed: tuple[str, ...], new: str, comment: str | None = None
                ) -> ActivityDataset:
    ds = get_dataset(session, scope, dataset_id)
    scope.require_writable(ds.park_id, ds.enterprise_id)
    if ds.status not in allowed:
        raise BadTransition(params={"status": STATUS_ZH.get(ds.status, ds.status),
                                    "action": action})
    before = audit.snapshot(ds)
    now = utcnow()
    if action == "submit":
        ds.submitted_by, ds.submitted_at = actor.username, now
    else:
        ds.reviewed_by, ds.reviewed_at, ds.review_comment = actor.username, now, comment
    ds.status = new
    session.flush()
    _audit(session, actor, action, ds, f"{ds.month:%Y-%m} v{ds.version}", before, comment)
    return ds


def submit(session: Session, scope: Scope, actor: Actor, dataset_id: int) -> ActivityDataset:
    """Submit for review; the month must already make a valid engine document (e.g. a carbonate
    needs its purity), every problem named by source code and field."""
    ds = get_dataset(session, scope, dataset_id)
    ent = session.get(Enterprise, ds.enterprise_id)
    assert ent is not None
    last = date(ds.month.year + ds.month.month // 12, ds.month.month % 12 + 1, 1)
    try:
        check_allocation(_document(session, ent, [ds], ds.month,
                                   date.fromordinal(last.toordinal() - 1)))
    except (dataio.DocumentInvalid, AllocationInvalid) as exc:
        raise Invalid(field_errors=[FieldError(("records", *fe.loc), "activity.incomplete",
                                               {"problem": fe.msg or fe.code})
                                    for fe in exc.field_errors]) from None
    return _transition(session, scope, actor, dataset_id, "submit", EDITABLE, "submitted")


def return_(session: Session, scope: Scope, actor: Actor, dataset_id: int,
            comment: str | None) -> ActivityDataset:
    if not comment:
        raise Invalid(field_errors=[FieldError(("body", "comment"), "activity.required")])
    return _transition(session, scope, actor, dataset_id, "return", ("submitted",), "returned",
                       comment)


def approve(session: Session, scope: Scope, actor: Actor, dataset_id: int,
            comment: str | None = None) -> ActivityDataset:
    ds = _transition(session, scope, actor, dataset_id, "approve", ("submitted",), "approved",
                     comment)
    for old in session.scalars(select(ActivityDataset).where(
            ActivityDataset.enterprise_id == ds.enterprise_id, ActivityDataset.month == ds.month,
            ActivityDataset.status == "approved", ActivityDataset.id != ds.id)):
        before = audit.snapshot(old)
        old.status = "superseded"
        session.flush()
        _audit(session, actor, "supersede", old, f"{old.month:%Y-%m} v{old.version}", before)
    last = date(ds.month.year + ds.month.month // 12, ds.month.month % 12 + 1, 1)
    jobs.enqueue(session, RERUN_JOB,
                 {"enterprise_id": ds.enterprise_id, "period_start": ds.month.isoformat(),
                  "period_end": date.fromordinal(last.toordinal() - 1).isoformat()},
                 park_id=ds.park_id, enterprise_id=ds.enterprise_id)
    return ds


def correct(session: Session, scope: Scope, actor: Actor, dataset_id: int,
            reason: str) -> ActivityDataset:
    """A correction (更正) of approved data: a new draft version with the records copied."""
    ds = get_dataset(session, scope, dataset_id)
    scope.require_writable(ds.park_id, ds.enterprise_id)
    if ds.status != "approved":
        raise BadTransition(params={"status": STATUS_ZH.get(ds.status, ds.status),
                                    "action": "correct"})
    newest = session.scalar(select(func.max(ActivityDataset.version)).where(
        ActivityDataset.enterprise_id == ds.enterprise_id, ActivityDataset.month == ds.month))
    if newest != ds.version:
        raise DatasetExists(params={"month": ds.month.strftime("%Y-%m"), "version": newest})
    new = ActivityDataset(park_id=ds.park_id, enterprise_id=ds.enterprise_id, month=ds.month,
                          version=ds.version + 1, status="draft", created_by=actor.username,
                          correction_reason=reason, previous_id=ds.id)
    session.add(new)
    session.flush()
    for r in session.scalars(select(ActivityRecord).where(ActivityRecord.dataset_id == ds.id)):
        copy = ActivityRecord(park_id=r.park_id, enterprise_id=r.enterprise_id,
                              dataset_id=new.id, source_id=r.source_id, quantity=r.quantity,
                              unit=r.unit, ncv=r.ncv, carbon_content=r.carbon_content,
                              params=dict(r.params), data_source=r.data_source,
                              comment=r.comment, updated_by=r.updated_by)
        session.add(copy)
        session.flush()
        for a in session.scalars(select(ActivityAttachment).where(
                ActivityAttachment.record_id == r.id)):
            session.add(ActivityAttachment(
                park_id=a.park_id, enterprise_id=a.enterprise_id, record_id=copy.id,
                filename=a.filename, content_type=a.content_type, size_bytes=a.size_bytes,
                sha256=a.sha256, storage_key=a.storage_key, created_by=a.created_by))
    session.flush()
    _audit(session, actor, "correct", new, f"{new.month:%Y-%m} v{new.version}", detail=reason)
    return new


# ------------------------------------------------------------------------------------ records


def _check_record(src: ActivitySource, unit: str | None, params: dict[str, Any],
                  loc: tuple[str | int, ...] = ("body",)) -> list[FieldError]:
    errors: list[FieldError] = []
    if unit is not None and unit != src.unit:
        errors.append(FieldError((*loc, "unit"), "activity.unit", {"expected": src.unit}))
    k = K.KINDS[src.kind]
    allowed = (k.measured | k.plain) - {"ncv", "carbon_content"}
    for name in params:
        if name not in allowed:
            errors.append(FieldError((*loc, "params", name), "activity.param", {"name": name}))
    return errors


def _source_for(session: Session, ds: ActivityDataset, source_id: int,
                loc: tuple[str | int, ...] = ("body", "source_id")) -> ActivitySource:
    src = session.get(ActivitySource, source_id)
    if src is None or src.enterprise_id != ds.enterprise_id or not src.is_active:
        raise Invalid(field_errors=[FieldError(loc, "activity.unknown-source")])
    return src


def put_record(session: Session, scope: Scope, actor: Actor, dataset_id: int,
               data: Any) -> ActivityRecord:
    """Create or replace the dataset's record of one source."""
    ds = get_dataset(session, scope, dataset_id)
    _editable(session, scope, ds)
    src = _source_for(session, ds, data.source_id)
    errors = _check_record(src, data.unit, data.params)
    if errors:
        raise Invalid(field_errors=errors)
    return _upsert(session, actor, ds, src, data.model_dump(exclude={"source_id", "unit"}))


def _upsert(session: Session, actor: Actor, ds: ActivityDataset, src: ActivitySource,
            values: dict[str, Any]) -> ActivityRecord:
    values = {**values, "params": {k: str(v) for k, v in (values.get("params") or {}).items()}}
    rec = session.scalar(select(ActivityRecord).where(ActivityRecord.dataset_id == ds.id,
                                                      ActivityRecord.source_id == src.id))
    before = audit.snapshot(rec) if rec is not None else None
    if rec is None:
        rec = ActivityRecord(park_id=ds.park_id, enterprise_id=ds.enterprise_id,
                             dataset_id=ds.id, source_id=src.id, unit=src.unit,
                             updated_by=actor.username, **values)
        session.add(rec)
    else:
        for key, value in values.items():
            setattr(rec, key, value)
        rec.updated_by = actor.username
    session.flush()
    _audit(session, actor, "update" if before else "create", rec,
           f"{ds.month:%Y-%m} v{ds.version} {src.code}", before)
    return rec


def _record(session: Session, scope: Scope, record_id: int) -> tuple[ActivityRecord,
                                                                      ActivityDataset]:
    rec: ActivityRecord = _one(session, scope, ActivityRecord, record_id)
    ds = session.get(ActivityDataset, rec.dataset_id)
    assert ds is not None
    return rec, ds


def update_record(session: Session, scope: Scope, actor: Actor, record_id: int,
                  data: Any) -> ActivityRecord:
    rec, ds = _record(session, scope, record_id)
    _editable(session, scope, ds)
    src = session.get(ActivitySource, rec.source_id)
    assert src is not None
    changes = data.model_dump(exclude_unset=True)
    errors = _check_record(src, None, changes.get("params") or {})
    if errors:
        raise Invalid(field_errors=errors)
    if "quantity" in changes and changes["quantity"] is None:
        raise Invalid(field_errors=[FieldError(("body", "quantity"), "activity.required")])
    return _upsert(session, actor, ds, src, {**changes, "params": changes.get(
        "params", rec.params)})


def delete_record(session: Session, scope: Scope, actor: Actor, record_id: int) -> None:
    rec, ds = _record(session, scope, record_id)
    _editable(session, scope, ds)
    before = audit.snapshot(rec)
    session.delete(rec)
    session.flush()
    _audit(session, actor, "delete", rec, f"{ds.month:%Y-%m} v{ds.version}", before)


def prefill(session: Session, scope: Scope, actor: Actor, dataset_id: int, *,
            overwrite: bool = False) -> dict[str, Any]:
    """Fill records of point-bound sources from the collection's monthly ledger (月台帐)."""
    from dualcarbon.collection import ledgers

    ds = get_dataset(session, scope, dataset_id)
    _editable(session, scope, ds)
    sources = [s for s in list_sources(session, scope, enterprise_id=ds.enterprise_id)
               if s.point_id is not None and s.is_active]
    lines = {line["point_id"]: line for line in ledgers.monthly_quantities(
        session, scope, enterprise_id=ds.enterprise_id, year=ds.month.year,
        month=ds.month.month)}
    existing = set(session.scalars(select(ActivityRecord.source_id).where(
        ActivityRecord.dataset_id == ds.id)))
    filled, skipped = [], []
    for src in sources:
        line = lines.get(src.point_id)
        if line is None or line["quantity"] is None:
            skipped.append({"source_id": src.id, "reason": "no-ledger-data"})
            continue
        if src.id in existing and not overwrite:
            skipped.append({"source_id": src.id, "reason": "has-record"})
            continue
        factor = src.point_factor
        if factor is None:
            conv = K.UNIT_CONVERSIONS.get((line["unit"], src.unit))
            if conv is None:
                skipped.append({"source_id": src.id, "reason": "unit-mismatch"})
                continue
            factor = Decimal(conv)
        qty = Decimal(line["quantity"]) * factor
        data_source = "invoice" if line["source"] == "invoice" else "meter_ledger"
        rec = _upsert(session, actor, ds, src, {
            "quantity": qty, "data_source": data_source,
            "comment": f"台帐预填 {line['point_code']} {line['quantity']} {line['unit']}"})
        filled.append({"source_id": src.id, "record_id": rec.id, "quantity": qty})
    return {"filled": filled, "skipped": skipped}


# --------------------------------------------------------------------------------- attachments


def add_attachment(session: Session, scope: Scope, actor: Actor, record_id: int, *,
                   filename: str, content: bytes, content_type: str | None,
                   data_dir: Path) -> ActivityAttachment:
    rec, ds = _record(session, scope, record_id)
    _editable(session, scope, ds)
    ext = Path(filename).suffix.lower()
    if ext not in ATTACHMENT_EXTENSIONS:
        raise Invalid(field_errors=[FieldError(("body", "file"), "activity.attachment-type", {
            "allowed": " ".join(ATTACHMENT_EXTENSIONS)})])
    if not content:
        raise Invalid(field_errors=[FieldError(("body", "file"), "activity.attachment-empty")])
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(field_errors=[FieldError(("body", "file"), "activity.attachment-size", {
            "max_mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)})])
    digest = hashlib.sha256(content).hexdigest()
    key = f"activity/{digest[:2]}/{digest}"
    path = data_dir / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    att = ActivityAttachment(park_id=rec.park_id, enterprise_id=rec.enterprise_id,
                             record_id=rec.id, filename=Path(filename).name[:200] or "file",
                             content_type=content_type, size_bytes=len(content), sha256=digest,
                             storage_key=key, created_by=actor.username)
    session.add(att)
    session.flush()
    _audit(session, actor, "create", att, att.filename)
    return att


def attachment_content(session: Session, scope: Scope, attachment_id: int,
                       data_dir: Path) -> tuple[ActivityAttachment, bytes]:
    att: ActivityAttachment = _one(session, scope, ActivityAttachment, attachment_id)
    content = (data_dir / att.storage_key).read_bytes()
    if hashlib.sha256(content).hexdigest() != att.sha256:
        raise Invalid(detail="activity.attachment-corrupt")
    return att, content


# --------------------------------------------------------------------------- accounting options

OPTION_FIELDS = ("methodology", "gwp_set", "fuel_table", "grid_scope", "grid_province_code",
                 "grid_region", "grid_year", "electricity_view_for_total",
                 "electricity_equal_value")
DEFAULT_OPTIONS: dict[str, Any] = {
    "methodology": "NDRC-2013-chemical", "gwp_set": "SAR", "fuel_table": "A",
    "grid_scope": "auto", "grid_province_code": None, "grid_region": None, "grid_year": None,
    "electricity_view_for_total": "location", "electricity_equal_value": False}


def _options_row(session: Session, enterprise_id: int) -> AccountingOptions | None:
    return session.scalar(select(AccountingOptions).where(
        AccountingOptions.enterprise_id == enterprise_id))


def grid_location(park: Park, opts: AccountingOptions | None) -> dict[str, str | None]:
    """Where the enterprise's grid factor is looked up: its own province/region when its
    options name them, else the park's (registry codes); and the engine's grid-factor keys
    for them (`grid.location.province.<province>`, `grid.location.region.<region>`)."""
    province_code = (opts.grid_province_code if opts is not None else None) or park.province_code
    region = opts.grid_region if opts is not None else None
    if region is None:
        region = (reference.grid_region_of(province_code)
                  if province_code != park.province_code else park.grid_region) or None
    return {"province_code": province_code, "grid_region": region,
            "province": grid.province_key(province_code), "region": grid.region_key(region)}


def options_out(session: Session, ent: Enterprise) -> dict[str, Any]:
    row = _options_row(session, ent.id)
    park = session.get(Park, ent.park_id)
    assert park is not None
    values = ({f: getattr(row, f) for f in OPTION_FIELDS} if row is not None
              else dict(DEFAULT_OPTIONS))
    return {"enterprise_id": ent.id, **values, "is_default": row is None,
            "updated_by": row.updated_by if row is not None else None,
            "updated_at": row.updated_at if row is not None else None,
            "grid_location": grid_location(park, row)}


def get_options(session: Session, scope: Scope, enterprise_id: int) -> dict[str, Any]:
    ent = session.scalar(select(Enterprise).where(Enterprise.id == enterprise_id,
                                                  scope.filter_for(Enterprise)))
    if ent is None:
        raise ActivityNotFound()
    return options_out(session, ent)


def put_options(session: Session, scope: Scope, actor: Actor, enterprise_id: int,
                data: Any) -> dict[str, Any]:
    """Store the enterprise's accounting options (all fields; audited)."""
    ent = _enterprise(session, scope, enterprise_id)
    row = _options_row(session, ent.id)
    before = audit.snapshot(row) if row is not None else None
    values = {f: getattr(data, f) for f in OPTION_FIELDS}
    if row is None:
        row = AccountingOptions(park_id=ent.park_id, enterprise_id=ent.id,
                                updated_by=actor.username, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_by = actor.username
    session.flush()
    _audit(session, actor, "update" if before else "create", row, ent.name, before)
    return options_out(session, ent)


def document_options(opts: AccountingOptions | None) -> dict[str, Any]:
    """The engine document's `options` from the stored accounting options."""
    values = ({f: getattr(opts, f) for f in OPTION_FIELDS} if opts is not None
              else dict(DEFAULT_OPTIONS))
    out = {k: v for k, v in values.items()
           if k not in ("grid_province_code", "grid_region") and v is not None}
    return out


# ---------------------------------------------------------------------------- engine document


def _months_between(start: date, end: date) -> tuple[date, date]:
    return month_start(start), month_start(end)


def build_document(session: Session, enterprise_id: int, period_start: date,
                   period_end: date) -> ActivityDocument:
    """The engine's activity document of one enterprise for a period, from APPROVED data only
    (one line per source and month, id ``<source code>@<YYYY-MM>``). Internal: no tenancy
    scope — callers (accounting runs) have checked access to the enterprise."""
    ent = session.get(Enterprise, enterprise_id)
    if ent is None:
        raise ActivityNotFound()
    first, last = _months_between(period_start, period_end)
    return _document(session, ent, session.scalars(select(ActivityDataset).where(
        ActivityDataset.enterprise_id == ent.id, ActivityDataset.status == "approved",
        ActivityDataset.month >= first, ActivityDataset.month <= last)),
        period_start, period_end)


def _document(session: Session, ent: Enterprise, sets: Any, period_start: date,
              period_end: date) -> ActivityDocument:
    park = session.get(Park, ent.park_id)
    assert park is not None
    datasets = {d.id: d for d in sets}
    records = list(session.scalars(select(ActivityRecord).where(
        ActivityRecord.dataset_id.in_(list(datasets))).order_by(ActivityRecord.id))) \
        if datasets else []
    sources = {s.id: s for s in session.scalars(select(ActivitySource).where(
        ActivitySource.enterprise_id == ent.id))}
    facilities = {f.id: f for f in session.scalars(select(Facility).where(
        Facility.enterprise_id == ent.id))}
    processes = {p.id: p for p in session.scalars(select(Process).where(
        Process.enterprise_id == ent.id))}
    opts = _options_row(session, ent.id)
    where = grid_location(park, opts)
    doc: dict[str, Any] = {
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(),
                   "label": f"{period_start:%Y-%m}..{period_end:%Y-%m}"},
        "enterprise": {"id": ent.code, "name": ent.name, "province": where["province"],
                       "region": where["region"], "industry_group": ent.industry_code},
        "options": document_options(opts),
        "facilities": [{"id": f.code, "name": f.name, "kind": f.kind}
                       for f in facilities.values()],
        "processes": [{"id": p.code, "name": p.name} for p in processes.values()],
    }
    builder = DocumentBuilder(doc)
    records.sort(key=lambda r: (sources[r.source_id].sort_order, r.source_id,
                                datasets[r.dataset_id].month))
    lines_of: dict[int, list[str]] = {}
    for r in records:
        src = sources[r.source_id]
        month = datasets[r.dataset_id].month
        lines_of.setdefault(src.id, []).append(line_id(src.code, month))
        builder.add(kind=src.kind, code=src.code, name=src.name, unit=src.unit,
                    settings=dict(src.settings or {}), quantity=r.quantity, year=month.year,
                    month=month, ncv=r.ncv, carbon_content=r.carbon_content,
                    params=dict(r.params or {}), data_source=r.data_source, comment=r.comment,
                    facility=facilities[src.facility_id].code
                    if src.facility_id in facilities else None,
                    process=processes[src.process_id].code
                    if src.process_id in processes else None)
    keys = [_allocation_key(src, lines_of[src.id], facilities, processes)
            for src in sources.values() if src.allocation and src.id in lines_of]
    if keys:
        builder.doc["allocation_keys"] = keys
    try:
        return builder.build()
    except dataio.DocumentInvalid as exc:
        # name the source (code@month) instead of a list index of the engine document
        for fe in exc.field_errors:
            tag, rest = builder.origin_of(fe.loc)
            if tag is not None:
                fe.loc = (str(tag), *rest)
        raise


def _allocation_key(src: ActivitySource, line_ids: list[str], facilities: dict[int, Facility],
                    processes: dict[int, Process]) -> dict[str, Any]:
    """The engine's allocation key of a source's split: its lines of the period, the shares by
    facility or process code (a target deleted since is named `#<id>`; the engine refuses it)."""
    alloc = src.allocation or {}
    targets: dict[int, Any] = facilities if alloc["level"] == "facility" else processes
    return {"inputs": line_ids, "level": alloc["level"], "basis": alloc.get("basis", "measured"),
            "utility": src.kind if src.kind in ("electricity", "heat") else "unassigned",
            "shares": {(targets[x["target_id"]].code if x["target_id"] in targets
                        else f"#{x['target_id']}"): x["use"] for x in alloc["shares"]}}
