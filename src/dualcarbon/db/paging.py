"""Paging, sorting and Decimal-safe helpers shared by every list endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_PAGE_SIZE = 500


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


def paginate(session: Session, stmt: Select[Any], page: int, size: int) -> Page[Any]:
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(size).offset((page - 1) * size)))
    return Page(items=rows, total=total, page=page, size=size)


def apply_sort(
    stmt: Select[Any], model: Any, sort: str | None, allowed: set[str], default: str = "id"
) -> Select[Any]:
    """`sort` is `field` or `-field`; unknown fields fall back to the default (never raw SQL)."""
    key = (sort or default).strip()
    desc = key.startswith("-")
    name = key.lstrip("-+")
    if name not in allowed:
        name, desc = default.lstrip("-"), default.startswith("-")
    column = getattr(model, name)
    order = column.desc() if desc else column.asc()
    return stmt.order_by(order, model.id.asc())
