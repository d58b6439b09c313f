"""Accounting runs (核算): one row per run of the engine over an enterprise or a park for a
period, holding everything needed to show and reproduce the numbers: the input document
snapshot, the exact parameter versions used, the result, who ran it and when."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dualcarbon.db.base import Base, IdMixin
from dualcarbon.db.types import ExactDecimal, IdPK, JSONDoc, UTCDateTime, utcnow


class AccountingRun(IdMixin, Base):
    __tablename__ = "accounting_runs"
    __table_args__ = (
        Index("ix_accounting_runs_latest", "enterprise_id", "period_start", "period_end"),
    )

    park_id: Mapped[int] = mapped_column(
        IdPK, ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    # NULL for a park run (visible to the park's administrators, not to its enterprises)
    enterprise_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(12))  # enterprise | park
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    period_kind: Mapped[str] = mapped_column(String(8))  # month | quarter | year | custom
    methodology: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(10))  # succeeded | failed
    trigger: Mapped[str] = mapped_column(String(10), default="manual")  # manual|job|rerun
    rerun_of: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("accounting_runs.id", ondelete="SET NULL"))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    parameter_refs: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    error: Mapped[str | None] = mapped_column(Text)
    total_tco2e: Mapped[Decimal | None] = mapped_column(ExactDecimal(28, 10))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
