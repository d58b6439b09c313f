"""Tenant isolation, enforced here and nowhere else.

A `Scope` is the set of grants of the current principal that carry one permission. Every
repository query over tenant rows goes through `Scope.filter_for(Model)`; every write goes through
`Scope.require_writable(park_id, enterprise_id)`. Objects outside the scope are reported as not
found (404), never as forbidden, so their existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from dualcarbon.core.errors import NotFound


@dataclass(frozen=True)
class Grant:
    role: str
    park_id: int | None = None
    enterprise_id: int | None = None


@dataclass(frozen=True)
class Scope:
    permission: str
    grants: frozenset[Grant] = field(default_factory=frozenset)

    @property
    def is_global(self) -> bool:
        return any(g.park_id is None and g.enterprise_id is None for g in self.grants)

    @property
    def park_ids(self) -> set[int]:
        """Parks the scope covers wholly."""
        return {g.park_id for g in self.grants if g.park_id is not None and g.enterprise_id is None}

    @property
    def enterprise_ids(self) -> set[int]:
        return {g.enterprise_id for g in self.grants if g.enterprise_id is not None}

    @property
    def parks_touched(self) -> set[int]:
        """Parks the scope covers wholly or through one of its enterprises."""
        return {g.park_id for g in self.grants if g.park_id is not None}

    def filter_for(self, model: Any) -> ColumnElement[bool]:
        """The WHERE clause that limits `model` rows to this scope."""
        if self.is_global:
            return true()
        table = model.__tablename__
        if table == "parks":
            ids = self.parks_touched
            return model.id.in_(ids) if ids else false()
        if table == "enterprises":
            clauses = []
            if self.park_ids:
                clauses.append(model.park_id.in_(self.park_ids))
            if self.enterprise_ids:
                clauses.append(model.id.in_(self.enterprise_ids))
            return or_(*clauses) if clauses else false()
        if hasattr(model, "enterprise_id"):
            clauses = []
            if self.park_ids:
                clauses.append(model.park_id.in_(self.park_ids))
            if self.enterprise_ids:
                clauses.append(model.enterprise_id.in_(self.enterprise_ids))
            return or_(*clauses) if clauses else false()
        if getattr(model, "platform_rows_readable", False):
            # Platform rows (park_id NULL, e.g. factor-library defaults) are readable by every
            # holder of the permission; park rows only within the parks the scope touches.
            # Writing a platform row needs a global scope (require_writable(None)).
            ids = self.parks_touched
            platform = model.park_id.is_(None)
            return or_(platform, model.park_id.in_(ids)) if ids else platform
        if hasattr(model, "park_id"):
            ids = self.park_ids if not self.enterprise_ids else self.parks_touched
            # Park-level rows (park base data) are visible to the park's enterprises too.
            return model.park_id.in_(ids) if ids else false()
        raise TypeError(f"{table} carries no tenant column; it cannot be scoped")

    def covers(self, park_id: int | None, enterprise_id: int | None = None) -> bool:
        if self.is_global:
            return True
        if enterprise_id is not None:
            return park_id in self.park_ids or enterprise_id in self.enterprise_ids
        return park_id in self.park_ids

    def require_writable(self, park_id: int | None, enterprise_id: int | None = None) -> None:
        """A write must land inside the scope; otherwise the target 'does not exist'."""
        if not self.covers(park_id, enterprise_id):
            raise NotFound()
