"""The app factory. Nothing connects at import: the engine, the sessionmaker and the job runner
are built in the lifespan from the settings passed in."""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from dualcarbon import __version__
from dualcarbon.db import crypto
from dualcarbon.db.engine import make_engine, make_sessionmaker
from dualcarbon.server import metrics, problems
from dualcarbon.server.routes import api_router
from dualcarbon.settings import Settings, get_settings

log = logging.getLogger("dualcarbon")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'"
    ),
}
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' "
    "https://cdn.jsdelivr.net; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "frame-ancestors 'none'"
)


def _nul_query_params(request: Request) -> list[str]:
    """Query parameters carrying a NUL character: no database can store one, so they are refused
    here, once, instead of failing deep in a query."""
    return [k for k, v in request.query_params.multi_items() if "\x00" in k or "\x00" in v]


def find_webui(settings: Settings) -> Path | None:
    candidates = [Path(settings.web.dist_dir)] if settings.web.dist_dir else []
    candidates += [
        Path(__file__).resolve().parent.parent / "webui",
        Path(__file__).resolve().parents[3] / "web" / "dist",
    ]
    for c in candidates:
        if (c / "index.html").is_file():
            return c
    return None


def create_app(settings: Settings | None = None, *, run_jobs: bool | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if run_jobs if run_jobs is not None else settings.jobs.run_in_process:
            from dualcarbon.jobs.service import Runner

            runner = Runner(
                app.state.sessionmaker, settings.jobs.poll_seconds, settings.jobs.lease_seconds
            )
            runner.start()
        # What exists now (routes, schemas, ORM mappers, modules) lives as long as the process:
        # out of the cyclic collector's sight, so that the full collections a large request
        # triggers (a device batch allocates tens of thousands of objects) do not walk it again
        # and again (docs/decisions/0023-ingest-throughput.md).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            if runner:
                runner.stop()

    app = FastAPI(
        title="dualcarbon — 化工园区双碳管理信息系统 API",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        description="The public JSON API: the web UI uses nothing else. See docs/api.md.",
    )
    app.state.settings = settings
    crypto.configure(settings.security.secret_key.get_secret_value())
    app.state.engine = make_engine(
        settings.database.url, echo=settings.database.echo, pool_size=settings.database.pool_size
    )
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    problems.install(app)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()
        bad = _nul_query_params(request)
        response = (
            problems.nul_in_query(request, bad) if bad else await call_next(request)
        )
        elapsed = time.perf_counter() - started
        metrics.observe(request, response.status_code, elapsed)
        response.headers["X-Request-ID"] = request.state.request_id
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if request.url.path.startswith("/docs"):
            response.headers["Content-Security-Policy"] = DOCS_CSP
        if settings.security.cookie_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    if settings.security.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.security.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    app.include_router(api_router, prefix="/api/v1")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        try:
            with app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, 503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    _mount_webui(app, settings)
    return app


def _mount_webui(app: FastAPI, settings: Settings) -> None:
    dist = find_webui(settings)
    if dist is None:

        @app.get("/", include_in_schema=False)
        def no_ui() -> dict[str, Any]:
            return {
                "name": "dualcarbon",
                "api": "/api/v1",
                "docs": "/docs",
                "note": "web UI not built: npm --prefix web ci && npm --prefix web run build",
            }

        return

    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    index = dist / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    def spa(path: str) -> Response:
        if path == "api" or path.startswith(("api/", "docs", "healthz", "readyz", "metrics")):
            # not a client route: the problem handlers answer (RFC 9457), never index.html
            raise StarletteHTTPException(status_code=404)
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
