"""Declarative base with one naming convention (SQLite batch migrations find constraints by name)
and the mixins every table uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from dualcarbon.db.types import IdPK, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class IdMixin:
    id: Mapped[int] = mapped_column(IdPK, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ParkScoped:
    """Rows that belong to a park. Tenancy filters read this column (identity.scope)."""

    @declared_attr
    def park_id(cls) -> Mapped[int]:
        return mapped_column(IdPK, ForeignKey("parks.id", ondelete="RESTRICT"), index=True)


class EnterpriseScoped(ParkScoped):
    """Rows that belong to an enterprise (and so to its park)."""

    @declared_attr
    def enterprise_id(cls) -> Mapped[int]:
        return mapped_column(IdPK, ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
