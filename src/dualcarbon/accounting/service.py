"""Accounting runs: account an enterprise (or a park) for a period with the engine, store the
input snapshot, the parameter versions used and the result; re-run with the same versions;
read totals, breakdowns, provenance and indicators out of a stored result.

Documents come from the activity package (`dualcarbon.activity.service.build_document`) when the
caller does not pass one. Services flush, never commit; every run writes an audit record."""

from __future__ import annotations

import dataclasses
import importlib
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.accounting.errors import (
    DocumentSourceMissing,
    LineNotFound,
    NoEnterpriseRuns,
    RunFailed,
    RunNotFound,
)
from dualcarbon.accounting.models import AccountingRun
from dualcarbon.audit import service as audit
from dualcarbon.core.accounting.dataio import from_dict, to_dict
from dualcarbon.core.accounting.engine import account
from dualcarbon.core.accounting.model import ActivityDocument
from dualcarbon.core.accounting.parameters import ParameterRef
from dualcarbon.core.accounting.tiers import ProvenanceTier
from dualcarbon.core.context import SYSTEM_ACTOR, Actor
from dualcarbon.core.errors import DomainError, FieldError, Invalid
from dualcarbon.db.paging import Page, paginate
from dualcarbon.db.tenancy import Grant, Scope
from dualcarbon.factors import service as factors
from dualcarbon.registry import reference
from dualcarbon.registry import service as registry

SYSTEM_SCOPE = Scope("system", frozenset({Grant("system")}))


def period_kind(start: date, end: date) -> str:
    if start.day != 1 or (end + timedelta(days=1)).day != 1:
        return "custom"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 1:
        return "month"
    if months == 3 and start.month in (1, 4, 7, 10):
        return "quarter"
    if months == 12 and start.month == 1:
        return "year"
    return "custom"


def _q10(v: Decimal) -> Decimal:
    """The listing column's scale (ExactDecimal(28, 10)); the exact figure is in `result`."""
    return v.quantize(Decimal("1e-10"))


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise Invalid(field_errors=[FieldError(("body", "period_end"),
                                               "accounting.period-range")])


def build_document(session: Session, enterprise_id: int, period_start: date,
                   period_end: date) -> ActivityDocument:
    """The activity document of approved inputs, from the activity package."""
    try:
        activity = importlib.import_module("dualcarbon.activity.service")
    except ImportError as exc:
        raise DocumentSourceMissing() from exc
    doc = activity.build_document(session, enterprise_id, period_start, period_end)
    return doc if isinstance(doc, ActivityDocument) else from_dict(ActivityDocument, doc)


def refs_to_json(refs: list[ParameterRef]) -> list[dict[str, Any]]:
    return [to_dict(r) for r in refs]


def refs_from_json(data: list[dict[str, Any]]) -> list[ParameterRef]:
    return [ParameterRef(key=d["key"], methodology=d["methodology"], version=d["version"],
                         value=Decimal(d["value"]), unit=d["unit"],
                         tier=ProvenanceTier(d["tier"])) for d in data]


def _execute(session: Session, *, park_id: int, enterprise_id: int, doc: ActivityDocument,
             actor: Actor, trigger: str, versions: list[ParameterRef] | None = None,
             rerun_of: int | None = None) -> AccountingRun:
    run = AccountingRun(
        park_id=park_id, enterprise_id=enterprise_id, level="enterprise",
        period_start=doc.period.start, period_end=doc.period.end,
        period_kind=period_kind(doc.period.start, doc.period.end),
        methodology=doc.options.methodology, trigger=trigger, rerun_of=rerun_of,
        document=to_dict(doc), created_by=actor.username)
    try:
        params = factors.parameter_set(session, park_id, versions=versions)
        result = account(doc, params)
    except DomainError as exc:
        run.status, run.error, run.parameter_refs = "failed", str(exc.detail or exc.code), []
    except ArithmeticError as exc:  # e.g. a zero the engine divides by: the input's fault
        run.status, run.error, run.parameter_refs = "failed", f"arithmetic: {exc}", []
    else:
        run.status = "succeeded"
        run.result = to_dict(result)
        run.parameter_refs = refs_to_json(result.parameters_used)
        run.total_tco2e = _q10(result.totals.total_tco2e)
    session.add(run)
    session.flush()
    audit.record(session, actor, "run" if trigger != "rerun" else "rerun",
                 object_type="accounting_run", object_id=run.id,
                 object_label=f"{enterprise_id}:{run.period_start}..{run.period_end}",
                 after={"status": run.status, "total_tco2e": run.total_tco2e,
                        "parameters": len(run.parameter_refs), "rerun_of": rerun_of},
                 park_id=park_id, enterprise_id=enterprise_id)
    return run


def run_enterprise(session: Session, enterprise_id: int, period_start: date, period_end: date,
                   document: ActivityDocument | dict[str, Any] | None = None, *,
                   actor: Actor = SYSTEM_ACTOR, scope: Scope = SYSTEM_SCOPE,
                   trigger: str = "manual") -> AccountingRun:
    """Account one enterprise for [period_start, period_end]. Without `document`, the document
    is built from the enterprise's approved activity data. A run whose engine call fails is
    stored too (status failed, with the reason) so the attempt is visible."""
    _check_period(period_start, period_end)
    ent = registry.require_enterprise(session, scope, enterprise_id)
    if document is None:
        doc = build_document(session, enterprise_id, period_start, period_end)
    elif isinstance(document, ActivityDocument):
        doc = document
    else:
        doc = from_dict(ActivityDocument, document)
    if (doc.period.start, doc.period.end) != (period_start, period_end):
        raise Invalid(field_errors=[FieldError(("body", "document", "period"),
                                               "accounting.document-enterprise")])
    return _execute(session, park_id=ent.park_id, enterprise_id=ent.id, doc=doc, actor=actor,
                    trigger=trigger)


def rerun(session: Session, run_id: int, *, actor: Actor = SYSTEM_ACTOR,
          scope: Scope = SYSTEM_SCOPE) -> AccountingRun:
    """Run again on the stored document with the stored parameter versions: the same numbers,
    whatever was added to the library since."""
    old = get_run(session, scope, run_id)
    scope.require_writable(old.park_id, old.enterprise_id)
    if old.level != "enterprise" or old.enterprise_id is None:
        return _park_run(session, old.park_id, old.period_start, old.period_end, actor=actor,
                         trigger="rerun", rerun_of=old.id)
    doc = from_dict(ActivityDocument, old.document)
    versions = refs_from_json(old.parameter_refs) if old.status == "succeeded" else None
    return _execute(session, park_id=old.park_id, enterprise_id=old.enterprise_id, doc=doc,
                    actor=actor, trigger="rerun", versions=versions, rerun_of=old.id)


# --- park runs ------------------------------------------------------------------------------

def latest_enterprise_runs(session: Session, park_id: int, period_start: date,
                           period_end: date) -> list[AccountingRun]:
    """The latest successful run of each enterprise of the park for exactly this period."""
    sub = (select(func.max(AccountingRun.id))
           .where(AccountingRun.park_id == park_id, AccountingRun.level == "enterprise",
                  AccountingRun.status == "succeeded",
                  AccountingRun.period_start == period_start,
                  AccountingRun.period_end == period_end)
           .group_by(AccountingRun.enterprise_id))
    return list(session.scalars(select(AccountingRun).where(AccountingRun.id.in_(sub))
                                .order_by(AccountingRun.enterprise_id)))


def run_park(session: Session, park_id: int, period_start: date, period_end: date, *,
             actor: Actor = SYSTEM_ACTOR, scope: Scope = SYSTEM_SCOPE,
             refresh: bool = False) -> AccountingRun:
    """Aggregate the park for the period. With `refresh`, every enterprise of the park that has
    approved activity data in the period is first accounted for exactly this period from that
    data (so a quarter or a year can be run when only the monthly runs after approval exist)."""
    _check_period(period_start, period_end)
    scope.require_writable(park_id)
    refreshed = (refresh_enterprises(session, park_id, period_start, period_end, actor=actor,
                                     scope=scope) if refresh else None)
    return _park_run(session, park_id, period_start, period_end, actor=actor, trigger="manual",
                     refreshed=refreshed)


def enterprises_with_approved_data(session: Session, park_id: int, period_start: date,
                                   period_end: date) -> list[int]:
    """Enterprises of the park with approved activity data in a month of the period."""
    try:
        models = importlib.import_module("dualcarbon.activity.models")
    except ImportError:
        return []
    ds = models.ActivityDataset
    first = date(period_start.year, period_start.month, 1)
    return list(session.scalars(
        select(ds.enterprise_id).where(ds.park_id == park_id, ds.status == "approved",
                                       ds.month >= first, ds.month <= period_end)
        .distinct().order_by(ds.enterprise_id)))


def refresh_enterprises(session: Session, park_id: int, period_start: date, period_end: date,
                        *, actor: Actor = SYSTEM_ACTOR, scope: Scope = SYSTEM_SCOPE
                        ) -> list[dict[str, Any]]:
    """Run each enterprise with approved data for the period; a document that cannot be built
    is reported, not raised (the park run then uses that enterprise's latest earlier run)."""
    out: list[dict[str, Any]] = []
    for ent_id in enterprises_with_approved_data(session, park_id, period_start, period_end):
        try:
            r = run_enterprise(session, ent_id, period_start, period_end, actor=actor,
                               scope=scope)
        except DomainError as exc:
            out.append({"enterprise_id": ent_id, "run_id": None, "status": "failed",
                        "error": str(exc.detail or exc.code)})
        else:
            out.append({"enterprise_id": ent_id, "run_id": r.id, "status": r.status,
                        "error": r.error})
    return out


def _park_run(session: Session, park_id: int, period_start: date, period_end: date, *,
              actor: Actor, trigger: str, rerun_of: int | None = None,
              refreshed: list[dict[str, Any]] | None = None) -> AccountingRun:
    """Aggregate the latest enterprise runs with the engine's park function (on their stored
    documents, with the park's current parameter set)."""
    from dualcarbon.accounting import park as park_level
    from dualcarbon.parkbase import service as parkbase

    runs = latest_enterprise_runs(session, park_id, period_start, period_end)
    if not runs:
        raise NoEnterpriseRuns()
    docs = [from_dict(ActivityDocument, r.document) for r in runs]
    park_info = park_level.park_info(session, park_id)
    base, base_rows = parkbase.figures_for(session, park_id, period_start, period_end)
    run = AccountingRun(
        park_id=park_id, enterprise_id=None, level="park", period_start=period_start,
        period_end=period_end, period_kind=period_kind(period_start, period_end),
        methodology="park", trigger=trigger, rerun_of=rerun_of,
        document={"enterprise_runs": [r.id for r in runs], "park": park_info,
                  "park_base": {"rows": base_rows, "figures": to_dict(base)},
                  **({"refreshed": refreshed} if refreshed is not None else {})},
        created_by=actor.username)
    try:
        params = factors.parameter_set(session, park_id)
        result = park_level.account(park_info, period_start, period_end, docs, params, base)
    except DomainError as exc:
        run.status, run.error, run.parameter_refs = "failed", str(exc.detail or exc.code), []
    except ArithmeticError as exc:  # e.g. a zero the engine divides by: the input's fault
        run.status, run.error, run.parameter_refs = "failed", f"arithmetic: {exc}", []
    else:
        run.status = "succeeded"
        run.result = result
        run.parameter_refs = result.get("parameters_used", [])
        run.total_tco2e = _q10(Decimal(result["total_tco2e"]))
    session.add(run)
    session.flush()
    audit.record(session, actor, "run", object_type="accounting_run", object_id=run.id,
                 object_label=f"park {park_id}:{period_start}..{period_end}",
                 after={"status": run.status, "total_tco2e": run.total_tco2e,
                        "enterprise_runs": [r.id for r in runs]}, park_id=park_id)
    return run


# --- reading --------------------------------------------------------------------------------

def list_runs(session: Session, scope: Scope, *, enterprise_id: int | None = None,
              park_id: int | None = None, level: str | None = None, status: str | None = None,
              period_start: date | None = None, period_end: date | None = None,
              page: int = 1, size: int = 50) -> Page[Any]:
    stmt = select(AccountingRun).where(scope.filter_for(AccountingRun))
    for col, val in ((AccountingRun.enterprise_id, enterprise_id),
                     (AccountingRun.park_id, park_id), (AccountingRun.level, level),
                     (AccountingRun.status, status)):
        if val is not None:
            stmt = stmt.where(col == val)
    if period_start is not None:
        stmt = stmt.where(AccountingRun.period_end >= period_start)
    if period_end is not None:
        stmt = stmt.where(AccountingRun.period_start <= period_end)
    return paginate(session, stmt.order_by(AccountingRun.id.desc()), page, size)


def get_run(session: Session, scope: Scope, run_id: int) -> AccountingRun:
    run = session.scalar(select(AccountingRun).where(AccountingRun.id == run_id,
                                                     scope.filter_for(AccountingRun)))
    if run is None:
        raise RunNotFound()
    return run


def result_of(run: AccountingRun) -> dict[str, Any]:
    if run.status != "succeeded" or run.result is None:
        raise RunFailed(params={"error": run.error or ""})
    return run.result


def _d(v: Any) -> Decimal:
    return Decimal(str(v)) if v is not None else Decimal(0)


def totals(run: AccountingRun) -> dict[str, Any]:
    res = result_of(run)
    if run.level == "park":
        keys = ("direct_tco2e", "total_tco2e", "total_imports_only_tco2e", "biomass_tco2",
                "energy_tce", "sum_of_enterprise_totals_tco2e", "internal_supply_tco2e")
        return {k: res.get(k) for k in keys}
    return dict(res["totals"])


BREAKDOWNS = ("source", "gas", "scope", "facility", "process", "product", "enterprise",
              "industry_group")


def park_members(session: Session, run: AccountingRun) -> dict[str, dict[str, Any]]:
    """The enterprises of a park run by their document id: the registry enterprise (name,
    credit code, industry code) and the enterprise run the park run used."""
    ids = [int(i) for i in (run.document or {}).get("enterprise_runs", [])]
    out: dict[str, dict[str, Any]] = {}
    if not ids:
        return out
    from dualcarbon.registry.models import Enterprise

    for r in session.scalars(select(AccountingRun).where(AccountingRun.id.in_(ids))):
        ent = session.get(Enterprise, r.enterprise_id) if r.enterprise_id else None
        doc_id = str((r.document or {}).get("enterprise", {}).get("id", ""))
        out[doc_id] = {"enterprise_id": r.enterprise_id, "run_id": r.id,
                       "name": ent.name if ent else "",
                       "credit_code": ent.credit_code if ent else "",
                       "industry_code": ent.industry_code if ent else "",
                       "methodology": r.methodology}
    return out


def industry_label(group: str, locale: str = "zh-CN") -> str:
    """An industry group as shown: "2614 有机化学原料制造" for a GB/T 4754 code, else as is."""
    if group in ("", "(none)"):
        return "未分类" if locale.startswith("zh") else "unclassified"
    name = reference.industry_name(group, "en" if locale == "en" else "zh")
    return f"{group} {name}" if name and name != group else group


def _share(part: Decimal, whole: Decimal) -> str | None:
    return format(part / whole * 100, "f") if whole else None


def breakdown(run: AccountingRun, by: str, session: Session | None = None,
              locale: str = "zh-CN") -> list[dict[str, Any]]:
    """Emissions (tCO2e) grouped by source category, gas, scope, or the facility / process /
    product levels of the result; `enterprise` and `industry_group` for a park run (with
    direct, indirect and energy figures, the registry names, and the share of park direct
    emissions; an industry group's `emissions_tco2e` is its direct emissions, which add up to
    the park's direct emissions without counting a park supply twice)."""
    res = result_of(run)
    if by == "enterprise":
        ents = res.get("enterprises", []) if run.level == "park" else [res]
        members = park_members(session, run) if session is not None and \
            run.level == "park" else {}
        park_direct = _d(res.get("direct_tco2e")) if run.level == "park" else Decimal(0)
        netted: dict[str, Decimal] = defaultdict(Decimal)
        for s in res.get("internal_supplies", []):
            netted[s["buyer"]] += _d(s["buyer_tco2"])
        rows = []
        for e in ents:
            m = members.get(str(e["enterprise_id"]), {})
            t = e["totals"]
            row = {"key": e["enterprise_id"], "name": m.get("name") or e.get("enterprise_name", ""),
                   "emissions_tco2e": t["total_tco2e"]}
            if run.level == "park":
                group = e.get("industry_group", "")
                row |= {"enterprise_id": m.get("enterprise_id"), "run_id": m.get("run_id"),
                        "industry_group": group,
                        "industry_group_name": industry_label(group, locale),
                        "direct_tco2e": t["direct_tco2e"], "indirect_tco2e": t["indirect_tco2e"],
                        "internal_supply_tco2e": format(netted[str(e["enterprise_id"])], "f"),
                        "energy_tce": e.get("energy", {}).get("total_tce"),
                        "share_of_park_direct_pct": _share(_d(t["direct_tco2e"]), park_direct)}
            rows.append(row)
        return rows
    if by == "industry_group":
        if run.level != "park":
            raise Invalid(field_errors=[FieldError(("query", "by"), "invalid")])
        park_direct = _d(res.get("direct_tco2e"))
        return [{"key": g["group"], "name": industry_label(g["group"], locale),
                 "enterprise_count": len(g.get("enterprise_ids", [])),
                 "emissions_tco2e": g["direct_tco2e"], "direct_tco2e": g["direct_tco2e"],
                 "total_tco2e": g["total_tco2e"], "energy_tce": g["energy_tce"],
                 "share_of_park_direct_pct": _share(_d(g["direct_tco2e"]), park_direct)}
                for g in res.get("industry_groups", [])]
    if by in ("facility", "process", "product"):
        if run.level == "park":
            raise Invalid(field_errors=[FieldError(("query", "by"), "invalid")])
        rows = res.get({"facility": "facilities", "process": "processes",
                        "product": "products"}[by], [])
        return [{"key": r["id"], "name": r.get("name", ""),
                 "emissions_tco2e": r["emissions_tco2e"], "output_t": r.get("output_t"),
                 "intensity_tco2e_per_t": r.get("intensity_tco2e_per_t")} for r in rows]
    lines = _lines(run)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    gas_mass: dict[str, Decimal] = defaultdict(Decimal)
    for ln in lines:
        if ln["scope"] == "memo" and by != "scope":
            continue
        k = ln[{"source": "source", "gas": "gas", "scope": "scope"}[by]]
        sums[k] += _d(ln["emissions_tco2e"])
        gas_mass[k] += _d(ln["gas_mass_t"])
    out = []
    for k in sorted(sums):
        row: dict[str, Any] = {"key": k, "emissions_tco2e": format(sums[k], "f")}
        if by == "gas":
            row["gas_mass_t"] = format(gas_mass[k], "f")
        out.append(row)
    return out


def _lines(run: AccountingRun) -> list[dict[str, Any]]:
    res = result_of(run)
    if run.level == "park":
        return [ln for e in res.get("enterprises", []) for ln in e.get("lines", [])]
    return list(res.get("lines", []))


def provenance(session: Session, run: AccountingRun, line_id: str) -> dict[str, Any]:
    """One result line with everything behind it: inputs, the formula, data-quality tier, and
    each parameter version used with its tier, source document and clause from the library."""
    line = next((ln for ln in _lines(run) if ln["id"] == line_id), None)
    if line is None:
        raise LineNotFound()
    params = []
    for p in line.get("parameters", []):
        src = factors.find_version(session, run.park_id, p["methodology"], p["key"],
                                   p["version"])
        params.append({**p, "tier_label_zh": ProvenanceTier(p["tier"]).label_zh,
                       "library_id": src.id if src else None,
                       "source_document": src.source_document if src else "",
                       "clause": src.clause if src else "",
                       "scope": (None if src is None else
                                 "platform" if src.park_id is None else "park")})
    return {"run_id": run.id, "line": {k: v for k, v in line.items() if k != "parameters"},
            "formula_id": line.get("formula_id"), "formula": line.get("formula"),
            "inputs": line.get("inputs", {}), "data_quality": line.get("data_quality"),
            "parameters": params, "entered_by": run.created_by,
            "computed_at": run.created_at.isoformat()}


def indicators(run: AccountingRun) -> dict[str, Any]:
    """Intensity and energy figures of a run."""
    res = result_of(run)
    if run.level == "park":
        base = res.get("park_base") or {}
        return {"energy_tce": res.get("energy_tce"),
                "energy_excluding_feedstock_tce": res.get("energy_excluding_feedstock_tce"),
                "value_added_1e4_cny": res.get("value_added_1e4_cny"),
                "intensity_tco2e_per_1e4_cny": res.get("intensity_tco2e_per_1e4_cny"),
                "park_base": base.get("indicators"),
                "park_base_figures": base.get("figures"),
                "cross_checks": base.get("cross_checks", [])}
    energy = {k: v for k, v in res["energy"].items() if k != "lines"}
    return {"energy": energy, "intensities": res.get("intensities", {}),
            "electricity": res.get("electricity", {}),
            "products": [{"id": p["id"], "name": p.get("name", ""), "output_t": p.get("output_t"),
                          "intensity_tco2e_per_t": p.get("intensity_tco2e_per_t")}
                         for p in res.get("products", [])]}


def run_summary(run: AccountingRun) -> dict[str, Any]:
    return {c: getattr(run, c) for c in (
        "id", "park_id", "enterprise_id", "level", "period_start", "period_end", "period_kind",
        "methodology", "status", "trigger", "rerun_of", "error", "total_tco2e", "created_by",
        "created_at")} | {"parameter_count": len(run.parameter_refs or [])}


def as_dataclass_dict(obj: Any) -> dict[str, Any]:
    return to_dict(obj) if dataclasses.is_dataclass(obj) else dict(obj)
