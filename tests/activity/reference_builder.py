"""The document builder as it was before it read plain columns (ORM objects, one query per
table, `line_id` with strftime), kept verbatim as the reference the fast builder is tested
against (tests/activity/test_document_builder.py). Not used by the application."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.activity.document import DocumentBuilder
from dualcarbon.activity.errors import ActivityNotFound
from dualcarbon.activity.models import ActivityDataset, ActivityRecord, ActivitySource
from dualcarbon.activity.service import (
    _allocation_key,
    _months_between,
    _options_row,
    document_options,
    grid_location,
)
from dualcarbon.core.accounting import dataio
from dualcarbon.core.accounting.model import ActivityDocument
from dualcarbon.registry.models import Enterprise, Facility, Park, Process


def line_id(code: str, month: date | None) -> str:
    return f"{code}@{month:%Y-%m}" if month is not None else code


def reference_build_document(session: Session, enterprise_id: int, period_start: date,
                   period_end: date) -> ActivityDocument:
    """The engine's activity document of one enterprise for a period, from APPROVED data only
    (one line per source and month, id ``<source code>@<YYYY-MM>``). Internal: no tenancy
    scope — callers (accounting runs) have checked access to the enterprise."""
    ent = session.get(Enterprise, enterprise_id)
    if ent is None:
        raise ActivityNotFound()
    first, last = _months_between(period_start, period_end)
    return _reference_document(session, ent, session.scalars(select(ActivityDataset).where(
        ActivityDataset.enterprise_id == ent.id, ActivityDataset.status == "approved",
        ActivityDataset.month >= first, ActivityDataset.month <= last)),
        period_start, period_end)


def _reference_document(session: Session, ent: Enterprise, sets: Any, period_start: date,
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
        return _careful_build(builder)
    except dataio.DocumentInvalid as exc:
        # name the source (code@month) instead of a list index of the engine document
        for fe in exc.field_errors:
            tag, rest = builder.origin_of(fe.loc)
            if tag is not None:
                fe.loc = (str(tag), *rest)
        raise


def _careful_build(builder: DocumentBuilder) -> ActivityDocument:
    """`builder.build()` as it was: the careful reader of dataio only."""
    doc, errors = dataio.read_carefully(ActivityDocument, builder.as_dict())
    if errors:
        raise dataio.DocumentInvalid("invalid", field_errors=errors)
    return doc
