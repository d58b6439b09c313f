"""Activity data (活动水平数据): the enterprise's accounting configuration (which emission
sources it has, each optionally bound to a metering point), monthly data sets per enterprise with
their review workflow and versions, one record per source and month, and evidence attachments.

A data set (企业月度数据) moves draft → submitted → approved | returned; returned goes back to
draft on the next edit. Approved data is locked; a correction copies it into a new version (a new
draft), and when that version is approved the previous one becomes `superseded` (kept, visible).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dualcarbon.db.base import Base, EnterpriseScoped, IdMixin, TimestampMixin
from dualcarbon.db.types import ExactDecimal, IdPK, JSONDoc, UTCDateTime


class ActivitySource(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """One emission source / flow of the enterprise's accounting boundary (核算边界内的排放源)."""

    __tablename__ = "activity_sources"
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # see core kinds in activity.kinds
    unit: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    facility_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("facilities.id", ondelete="RESTRICT"))
    process_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("processes.id", ondelete="RESTRICT"))
    point_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("metering_points.id", ondelete="RESTRICT"))
    point_factor: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 10))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # a shared utility's split by measured use (分摊):
    # {"level": "facility"|"process", "basis": "measured"|"fraction",
    #  "shares": [{"target_id": <facility/process id>, "use": "<decimal>"}]}
    allocation: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class ActivityDataset(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """One enterprise × month × version of activity data, with its workflow state."""

    __tablename__ = "activity_datasets"
    __table_args__ = (UniqueConstraint("enterprise_id", "month", "version"),)

    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by: Mapped[str] = mapped_column(String(60))
    submitted_by: Mapped[str | None] = mapped_column(String(60))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(60))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    previous_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("activity_datasets.id", ondelete="RESTRICT"))


class ActivityRecord(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """The month's figure of one source (活动数据) with its measured parameters and data source."""

    __tablename__ = "activity_records"
    __table_args__ = (UniqueConstraint("dataset_id", "source_id"),)

    dataset_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("activity_datasets.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("activity_sources.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(24, 8))
    unit: Mapped[str] = mapped_column(String(20))
    ncv: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 8))  # GJ/unit 低位发热量
    carbon_content: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 8))  # tC/unit
    params: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    data_source: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(60))


class ActivityAttachment(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """Evidence (凭证): a file stored under DUALCARBON_DATA_DIR, identified by its SHA-256."""

    __tablename__ = "activity_attachments"

    record_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("activity_records.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(60))


class AccountingOptions(IdMixin, TimestampMixin, EnterpriseScoped, Base):
    """The enterprise's accounting options (核算方法学、GWP 版本、燃料缺省值表、电网排放因子口径与
    地区), part of its accounting configuration; `build_document` puts them in the engine
    document. Grid province and region are registry codes (GB/T 2260, regional-grid id); empty
    means the park's. One row per enterprise; no row means the defaults."""

    __tablename__ = "accounting_options"
    __table_args__ = (UniqueConstraint("enterprise_id"),)

    methodology: Mapped[str] = mapped_column(String(40), default="NDRC-2013-chemical")
    gwp_set: Mapped[str] = mapped_column(String(8), default="SAR")
    fuel_table: Mapped[str] = mapped_column(String(1), default="A")
    grid_scope: Mapped[str] = mapped_column(String(10), default="auto")
    grid_province_code: Mapped[str | None] = mapped_column(String(6))
    grid_region: Mapped[str | None] = mapped_column(String(20))
    grid_year: Mapped[int | None] = mapped_column(Integer)
    electricity_view_for_total: Mapped[str] = mapped_column(String(10), default="location")
    electricity_equal_value: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(60))
