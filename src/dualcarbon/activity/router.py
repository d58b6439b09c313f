"""Activity data routes: sources (accounting configuration), monthly data sets and their
workflow, records, evidence attachments, ledger prefill, Excel/CSV template and import."""

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from dualcarbon.activity import schemas as s
from dualcarbon.activity import service, sheets
from dualcarbon.identity.roles import Role, extend_role
from dualcarbon.schematypes import Id
from dualcarbon.server.deps import Ctx, SessionDep, SettingsDep, require

extend_role(Role.ENTERPRISE_USER, "activity.source:read", "activity.source:write",
            "activity.data:read", "activity.data:write")
extend_role(Role.PARK_ADMIN, "activity.source:read", "activity.source:write",
            "activity.data:read", "activity.data:review")
extend_role(Role.VERIFIER, "activity.source:read", "activity.data:read")

router = APIRouter(tags=["activity"])
SourceRead = Annotated[Ctx, Depends(require("activity.source:read"))]
SourceWrite = Annotated[Ctx, Depends(require("activity.source:write"))]
DataRead = Annotated[Ctx, Depends(require("activity.data:read"))]
DataWrite = Annotated[Ctx, Depends(require("activity.data:write"))]
DataReview = Annotated[Ctx, Depends(require("activity.data:review"))]


def _ds(session: Any, ds: Any) -> s.DatasetRead:
    return s.DatasetRead.model_validate(service.dataset_out(session, ds))


# ------------------------------------------------------------------------------------ sources


@router.get("/activity-sources", response_model=list[s.SourceRead],
            operation_id="list_activity_sources")
def list_sources(session: SessionDep, ctx: SourceRead, enterprise_id: Id | None = None,
                 kind: str | None = None) -> Any:
    return service.list_sources(session, ctx.scope, enterprise_id=enterprise_id, kind=kind)


@router.post("/activity-sources", response_model=s.SourceRead, status_code=201,
             operation_id="create_activity_source")
def create_source(data: s.SourceIn, session: SessionDep, ctx: SourceWrite) -> Any:
    return service.create_source(session, ctx.scope, ctx.actor, data)


@router.get("/activity-sources/{source_id}", response_model=s.SourceRead,
            operation_id="get_activity_source")
def get_source(source_id: Id, session: SessionDep, ctx: SourceRead) -> Any:
    return service.get_source(session, ctx.scope, source_id)


@router.patch("/activity-sources/{source_id}", response_model=s.SourceRead,
              operation_id="update_activity_source")
def update_source(source_id: Id, data: s.SourceUpdate, session: SessionDep,
                  ctx: SourceWrite) -> Any:
    return service.update_source(session, ctx.scope, ctx.actor, source_id, data)


@router.delete("/activity-sources/{source_id}", status_code=204,
               operation_id="delete_activity_source")
def delete_source(source_id: Id, session: SessionDep, ctx: SourceWrite) -> Response:
    service.delete_source(session, ctx.scope, ctx.actor, source_id)
    return Response(status_code=204)


# --------------------------------------------------------------------------- accounting options


@router.get("/accounting-options/{enterprise_id}", response_model=s.OptionsRead,
            operation_id="get_accounting_options")
def get_options(enterprise_id: Id, session: SessionDep, ctx: SourceRead) -> Any:
    """The enterprise's accounting options (defaults when none are stored) and where its grid
    factor is looked up (its own province/region, else the park's)."""
    return service.get_options(session, ctx.scope, enterprise_id)


@router.put("/accounting-options/{enterprise_id}", response_model=s.OptionsRead,
            operation_id="put_accounting_options")
def put_options(enterprise_id: Id, data: s.OptionsIn, session: SessionDep,
                ctx: SourceWrite) -> Any:
    return service.put_options(session, ctx.scope, ctx.actor, enterprise_id, data)


# ------------------------------------------------------------------------------------ datasets


@router.get("/activity-datasets", response_model=list[s.DatasetRead],
            operation_id="list_activity_datasets")
def list_datasets(session: SessionDep, ctx: DataRead, enterprise_id: Id | None = None,
                  month: date | None = None, year: Annotated[int | None, Query(
                      ge=2000, le=2100)] = None, status: str | None = None) -> Any:
    """Every version is listed (history); without records — GET one for its records."""
    return [s.DatasetRead.model_validate(d) for d in service.list_datasets(
        session, ctx.scope, enterprise_id=enterprise_id, month=month, year=year, status=status)]


@router.post("/activity-datasets", response_model=s.DatasetRead, status_code=201,
             operation_id="create_activity_dataset")
def create_dataset(data: s.DatasetIn, session: SessionDep, ctx: DataWrite) -> Any:
    ds = service.create_dataset(session, ctx.scope, ctx.actor, data.enterprise_id, data.month)
    return _ds(session, ds)


@router.get("/activity-datasets/{dataset_id}", response_model=s.DatasetRead,
            operation_id="get_activity_dataset")
def get_dataset(dataset_id: Id, session: SessionDep, ctx: DataRead) -> Any:
    return _ds(session, service.get_dataset(session, ctx.scope, dataset_id))


@router.post("/activity-datasets/{dataset_id}/records", response_model=s.RecordRead,
             operation_id="put_activity_record")
def put_record(dataset_id: Id, data: s.RecordIn, session: SessionDep, ctx: DataWrite) -> Any:
    """Create or replace the record of one source in a draft (or returned) data set."""
    return service.put_record(session, ctx.scope, ctx.actor, dataset_id, data)


@router.post("/activity-datasets/{dataset_id}/prefill", operation_id="prefill_activity_dataset")
def prefill(dataset_id: Id, session: SessionDep, ctx: DataWrite,
            overwrite: bool = False) -> dict[str, Any]:
    """Fill the records of point-bound sources from the monthly meter ledger (月台帐)."""
    return service.prefill(session, ctx.scope, ctx.actor, dataset_id, overwrite=overwrite)


@router.post("/activity-datasets/{dataset_id}/submit", response_model=s.DatasetRead,
             operation_id="submit_activity_dataset")
def submit(dataset_id: Id, session: SessionDep, ctx: DataWrite) -> Any:
    return _ds(session, service.submit(session, ctx.scope, ctx.actor, dataset_id))


@router.post("/activity-datasets/{dataset_id}/approve", response_model=s.DatasetRead,
             operation_id="approve_activity_dataset")
def approve(dataset_id: Id, data: s.ReviewIn, session: SessionDep, ctx: DataReview) -> Any:
    return _ds(session, service.approve(session, ctx.scope, ctx.actor, dataset_id, data.comment))


@router.post("/activity-datasets/{dataset_id}/return", response_model=s.DatasetRead,
             operation_id="return_activity_dataset")
def return_(dataset_id: Id, data: s.ReviewIn, session: SessionDep, ctx: DataReview) -> Any:
    return _ds(session, service.return_(session, ctx.scope, ctx.actor, dataset_id,
                                        data.comment))


@router.post("/activity-datasets/{dataset_id}/correct", response_model=s.DatasetRead,
             status_code=201, operation_id="correct_activity_dataset")
def correct(dataset_id: Id, data: s.CorrectIn, session: SessionDep, ctx: DataWrite) -> Any:
    """A correction of approved data: a new draft version; the approved one stays in force
    until the correction is approved."""
    return _ds(session, service.correct(session, ctx.scope, ctx.actor, dataset_id, data.reason))


@router.get("/activity-datasets/{dataset_id}/template", operation_id="activity_template")
def template(dataset_id: Id, session: SessionDep, ctx: DataRead,
             format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx") -> Response:
    """The data set as the Excel template (one sheet per report table), filled with its
    records; CSV with ``format=csv``."""
    ds = service.get_dataset(session, ctx.scope, dataset_id)
    content, media, ext = sheets.export(session, ds, fmt=format, locale=ctx.locale)
    name = f"活动数据-{ds.month:%Y%m}-v{ds.version}.{ext}"
    return Response(content, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=\"activity.{ext}\"; "
                               f"filename*=UTF-8''{quote(name)}"})


@router.post("/activity-datasets/{dataset_id}/import", response_model=s.DatasetRead,
             operation_id="import_activity_dataset")
def import_file(dataset_id: Id, session: SessionDep, ctx: DataWrite,
                file: Annotated[UploadFile, File(description="the template (.xlsx) or CSV")]
                ) -> Any:
    """All or nothing: every bad cell is reported with sheet, row, column and reason."""
    content = file.file.read(sheets.MAX_FILE_BYTES + 1)
    ds = sheets.import_file(session, ctx.scope, ctx.actor, dataset_id,
                            filename=file.filename or "", content=content, locale=ctx.locale)
    return _ds(session, ds)


# ------------------------------------------------------------------------------------ records


@router.patch("/activity-records/{record_id}", response_model=s.RecordRead,
              operation_id="update_activity_record")
def update_record(record_id: Id, data: s.RecordUpdate, session: SessionDep,
                  ctx: DataWrite) -> Any:
    return service.update_record(session, ctx.scope, ctx.actor, record_id, data)


@router.delete("/activity-records/{record_id}", status_code=204,
               operation_id="delete_activity_record")
def delete_record(record_id: Id, session: SessionDep, ctx: DataWrite) -> Response:
    service.delete_record(session, ctx.scope, ctx.actor, record_id)
    return Response(status_code=204)


@router.post("/activity-records/{record_id}/attachments", response_model=s.AttachmentRead,
             status_code=201, operation_id="add_activity_attachment")
def add_attachment(record_id: Id, session: SessionDep, ctx: DataWrite, settings: SettingsDep,
                   file: Annotated[UploadFile, File(description="evidence (凭证)")]) -> Any:
    content = file.file.read(service.MAX_ATTACHMENT_BYTES + 1)
    return service.add_attachment(session, ctx.scope, ctx.actor, record_id,
                                  filename=file.filename or "file", content=content,
                                  content_type=file.content_type, data_dir=settings.data_dir)


@router.get("/activity-attachments/limits", response_model=s.AttachmentLimits,
            operation_id="activity_attachment_limits")
def attachment_limits(ctx: DataRead) -> Any:
    """What an evidence upload may be: the largest size in bytes and the file extensions."""
    return service.attachment_limits()


@router.get("/activity-attachments/{attachment_id}", operation_id="get_activity_attachment")
def get_attachment(attachment_id: Id, session: SessionDep, ctx: DataRead,
                   settings: SettingsDep) -> Response:
    att, content = service.attachment_content(session, ctx.scope, attachment_id,
                                              settings.data_dir)
    return Response(content, media_type=att.content_type or "application/octet-stream",
                    headers={"Content-Disposition": "attachment; filename=\"evidence\"; "
                                                    f"filename*=UTF-8''{quote(att.filename)}",
                             "X-Content-SHA256": att.sha256})
