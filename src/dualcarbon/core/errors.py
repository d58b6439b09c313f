"""The domain's one exception family. The domain never names an HTTP status; `server/problems.py`
maps each category to one. `code` is the stable problem type; `params` fill the i18n message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class FieldError:
    """One bad field: `loc` is the path (("body", "credit_code") or ("sheet", "row", "col"))."""

    loc: tuple[str | int, ...]
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    msg: str | None = None  # already-resolved message, when the caller has one


class DomainError(Exception):
    category: ClassVar[str] = "invalid"
    code: ClassVar[str] = "invalid"

    def __init__(
        self,
        detail: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        field_errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.params = params or {}
        self.field_errors = field_errors or []


class NotFound(DomainError):
    category = "not_found"
    code = "not-found"


class Conflict(DomainError):
    category = "conflict"
    code = "conflict"


class Invalid(DomainError):
    category = "invalid"
    code = "invalid"


class Forbidden(DomainError):
    category = "forbidden"
    code = "forbidden"


class Unauthenticated(DomainError):
    category = "unauthenticated"
    code = "unauthenticated"


class Unavailable(DomainError):
    category = "unavailable"
    code = "unavailable"


class TooManyRequests(DomainError):
    category = "too_many_requests"
    code = "too-many-requests"


class FieldValueError(ValueError):
    """Raised inside a schema validator to give one field an i18n error code of ours
    (e.g. `registry.credit-code.check-digit`) instead of a generic 'invalid value'."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
