"""RFC 9457 problem details: the one place where domain errors become HTTP answers."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dualcarbon.core.errors import DomainError, FieldError, FieldValueError
from dualcarbon.server import i18n

log = logging.getLogger("dualcarbon.problems")

STATUS = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "forbidden": 403,
    "unauthenticated": 401,
    "unavailable": 503,
    "too_many_requests": 429,
}
MEDIA_TYPE = "application/problem+json"


def _locale(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"))


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def field_error_json(fe: FieldError, locale: str) -> dict[str, Any]:
    msg = fe.msg or i18n.t(fe.code if "." in fe.code else f"field.{fe.code}", locale, **fe.params)
    field = next((str(x) for x in reversed(fe.loc) if isinstance(x, str)), "")
    return {"loc": list(fe.loc), "field": field, "msg": msg, "type": fe.code}


def problem(
    request: Request,
    *,
    status: int,
    code: str,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    locale = _locale(request)
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": i18n.t(code, locale, **(params or {})),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "request_id": _request_id(request),
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def nul_in_query(request: Request, params: list[str]) -> JSONResponse:
    locale = _locale(request)
    errors = [
        field_error_json(FieldError(("query", name.replace("\x00", "")), "nul_character"), locale)
        for name in params
    ]
    detail = "; ".join(f"{e['field']}: {e['msg']}" for e in errors)
    return problem(request, status=422, code="validation-error", detail=detail, errors=errors)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        locale = _locale(request)
        status = STATUS.get(exc.category, 400)
        errors = [field_error_json(fe, locale) for fe in exc.field_errors] or None
        detail = exc.detail
        if detail is None and errors:
            detail = "; ".join(f"{e['field']}: {e['msg']}" for e in errors)
        headers = {"Retry-After": "60"} if status == 429 else None
        return problem(
            request,
            status=status,
            code=exc.code,
            detail=detail,
            errors=errors,
            params=exc.params,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        locale = _locale(request)
        errors = []
        for err in exc.errors():
            # Limits of Decimal fields arrive as Decimal: keep them (as text) so "{ge}" is filled.
            ctx = {
                k: str(v) if isinstance(v, Decimal) else v
                for k, v in (err.get("ctx") or {}).items()
                if isinstance(v, str | int | float | Decimal)
            }
            code = err.get("type", "unknown")
            custom = (err.get("ctx") or {}).get("error")
            if code == "value_error" and isinstance(custom, FieldValueError):
                code = custom.code
                ctx = custom.params
            key = code if "." in code else f"field.{code}"
            fe = FieldError(
                loc=tuple(err.get("loc", ())), code=code if i18n.has(key) else "unknown", params=ctx
            )
            errors.append(field_error_json(fe, locale))
        detail = "; ".join(
            f"{e['field'] or '.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors
        )
        return problem(request, status=422, code="validation-error", detail=detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "not-found",
            401: "unauthenticated",
            403: "forbidden",
            405: "http-error",
            429: "too-many-requests",
        }.get(exc.status_code, "http-error")
        return problem(
            request,
            status=exc.status_code,
            code=code,
            detail=str(exc.detail) if exc.detail else None,
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error (request_id=%s)", _request_id(request))
        return problem(request, status=500, code="internal-error")
