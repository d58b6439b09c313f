"""PATCH semantics: a field left out is unchanged; a field sent as null clears it — allowed only
where the column may be empty."""

from __future__ import annotations

from typing import Any

from dualcarbon.core.errors import FieldError, Invalid


def reject_nulls(model: Any, changes: dict[str, Any]) -> None:
    table = model.__table__
    errors = [FieldError(("body", key), "missing") for key, value in changes.items()
              if value is None and key in table.c and not table.c[key].nullable]
    if errors:
        raise Invalid(field_errors=errors)
