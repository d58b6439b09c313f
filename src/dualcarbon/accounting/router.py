"""Accounting runs and results: run, re-run, list, get, totals, breakdowns, provenance of a
result line, intensity and energy figures, the annual report (.docx / .xlsx)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Response

from dualcarbon.accounting import report, service
from dualcarbon.accounting import schemas as s
from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.schematypes import Id, PageNo, PageSize
from dualcarbon.server.deps import Ctx, SessionDep, require

for _role in (Role.PARK_ADMIN, Role.ENTERPRISE_USER, Role.VERIFIER):
    extend_role(_role, "accounting.run:read")
# park-level results (园区核算): park roles only; the web menu is gated by it, the rows by scope
for _role in (Role.PARK_ADMIN, Role.VERIFIER):
    extend_role(_role, "accounting.park_run:read")
extend_role(Role.PARK_ADMIN, "accounting.run:write", "accounting.park_run:write")
extend_role(Role.ENTERPRISE_USER, "accounting.run:write")

router = APIRouter(prefix="/accounting", tags=["accounting"])
ReadCtx = Annotated[Ctx, Depends(require("accounting.run:read"))]
WriteCtx = Annotated[Ctx, Depends(require("accounting.run:write"))]
ParkWriteCtx = Annotated[Ctx, Depends(require("accounting.park_run:write"))]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _summary(run: Any) -> s.RunRead:
    return s.RunRead(**service.run_summary(run))


@router.post("/runs", response_model=s.RunRead, status_code=201,
             operation_id="run_enterprise_accounting")
def run_enterprise(data: s.EnterpriseRunIn, session: SessionDep, ctx: WriteCtx) -> Any:
    run = service.run_enterprise(session, data.enterprise_id, data.period_start,
                                 data.period_end, data.document, actor=ctx.actor,
                                 scope=ctx.scope)
    return _summary(run)


@router.post("/park-runs", response_model=s.RunRead, status_code=201,
             operation_id="run_park_accounting")
def run_park(data: s.ParkRunIn, session: SessionDep, ctx: ParkWriteCtx) -> Any:
    """Aggregate the latest successful enterprise runs of the park for the period (with
    `refresh_enterprises`, after running each enterprise on its approved data)."""
    return _summary(service.run_park(session, data.park_id, data.period_start, data.period_end,
                                     actor=ctx.actor, scope=ctx.scope,
                                     refresh=data.refresh_enterprises))


@router.post("/runs/{run_id}/rerun", response_model=s.RunRead, status_code=201,
             operation_id="rerun_accounting")
def rerun(run_id: Id, session: SessionDep, ctx: WriteCtx) -> Any:
    """Re-run on the stored document with the stored parameter versions (same numbers)."""
    return _summary(service.rerun(session, run_id, actor=ctx.actor, scope=ctx.scope))


@router.get("/runs", operation_id="list_accounting_runs")
def list_runs(session: SessionDep, ctx: ReadCtx, page: PageNo = 1, size: PageSize = 50,
              enterprise_id: Id | None = None, park_id: Id | None = None,
              level: Literal["enterprise", "park"] | None = None,
              status: Literal["succeeded", "failed"] | None = None,
              period_start: date | None = None, period_end: date | None = None
              ) -> dict[str, Any]:
    result = service.list_runs(session, ctx.scope, enterprise_id=enterprise_id,
                               park_id=park_id, level=level, status=status,
                               period_start=period_start, period_end=period_end, page=page,
                               size=size)
    return {"items": [_summary(r) for r in result.items], "total": result.total,
            "page": result.page, "size": result.size}


@router.get("/runs/{run_id}", response_model=s.RunDetail, operation_id="get_accounting_run")
def get_run(run_id: Id, session: SessionDep, ctx: ReadCtx) -> Any:
    run = service.get_run(session, ctx.scope, run_id)
    return s.RunDetail(**service.run_summary(run), parameter_refs=run.parameter_refs,
                       document=run.document, result=run.result)


@router.get("/runs/{run_id}/totals", operation_id="accounting_run_totals")
def totals(run_id: Id, session: SessionDep, ctx: ReadCtx) -> dict[str, Any]:
    return service.totals(service.get_run(session, ctx.scope, run_id))


@router.get("/runs/{run_id}/breakdown", operation_id="accounting_run_breakdown")
def breakdown(run_id: Id, session: SessionDep, ctx: ReadCtx,
              by: Literal["source", "gas", "scope", "facility", "process", "product",
                          "enterprise", "industry_group"] = "source") -> list[dict[str, Any]]:
    """Emissions by source / gas / scope / facility / process / product; for a park run by
    enterprise (with direct, indirect, the internal supply netted, energy) or industry_group
    (direct emissions, which add up to the park's direct emissions)."""
    return service.breakdown(service.get_run(session, ctx.scope, run_id), by, session,
                             ctx.locale)


@router.get("/runs/{run_id}/lines/{line_id}/provenance",
            operation_id="accounting_line_provenance")
def provenance(run_id: Id, line_id: str, session: SessionDep, ctx: ReadCtx) -> dict[str, Any]:
    """Inputs, formula, data-quality tier and parameter versions (with provenance tier, source
    document and clause) behind one result line."""
    return service.provenance(session, service.get_run(session, ctx.scope, run_id), line_id)


@router.get("/runs/{run_id}/indicators", operation_id="accounting_run_indicators")
def indicators(run_id: Id, session: SessionDep, ctx: ReadCtx) -> dict[str, Any]:
    return service.indicators(service.get_run(session, ctx.scope, run_id))


def _download(content: bytes, media: str, name: str) -> Response:
    return Response(content, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"report.{name.rsplit('.', 1)[-1]}\"; "
                               f"filename*=UTF-8''{quote(name)}"})


@router.get("/runs/{run_id}/report.docx", response_class=Response,
            operation_id="accounting_report_docx")
def report_docx(run_id: Id, session: SessionDep, ctx: ReadCtx) -> Response:
    """Annual enterprise GHG report (温室气体排放报告) as Word."""
    run = service.get_run(session, ctx.scope, run_id)
    data = report.build(session, ctx.scope, run)
    return _download(report.to_docx(data), DOCX, f"{data.file_stem}.docx")


@router.get("/runs/{run_id}/report.xlsx", response_class=Response,
            operation_id="accounting_report_xlsx")
def report_xlsx(run_id: Id, session: SessionDep, ctx: ReadCtx) -> Response:
    """The same report as an Excel workbook (one sheet per table)."""
    run = service.get_run(session, ctx.scope, run_id)
    data = report.build(session, ctx.scope, run)
    return _download(report.to_xlsx(data), XLSX, f"{data.file_stem}.xlsx")
