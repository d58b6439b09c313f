"""The emission-factor and parameter library (排放因子与参数库): one row per version of a
parameter. Rows are never overwritten: an update is a new version, and the previous version's
validity is closed the day before the new one starts. `park_id` NULL is a platform default
(readable by every business user, written by platform administrators only); a park row is that
park's override of the platform default of the same key."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dualcarbon.db.base import Base, IdMixin
from dualcarbon.db.types import IdPK, UTCDateTime, utcnow


class FactorParameter(IdMixin, Base):
    __tablename__ = "factor_parameters"
    __table_args__ = (
        Index("ix_factor_parameters_lookup", "methodology", "key", "park_id"),
    )
    # tenancy.py: rows with park_id NULL are platform rows, readable by every business user
    platform_rows_readable = True

    park_id: Mapped[int | None] = mapped_column(
        IdPK, ForeignKey("parks.id", ondelete="RESTRICT"), index=True)
    methodology: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(60))
    # the exact decimal text as entered (no float, no padding): SQLite's NUMERIC loses digits
    value_text: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(40), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source_document: Mapped[str] = mapped_column(String(500), default="")
    clause: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(12), default="manual")  # catalogue|manual|import
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def value(self) -> Decimal:
        return Decimal(self.value_text)
