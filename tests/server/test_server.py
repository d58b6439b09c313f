"""Problem details, i18n catalogue completeness, security headers, health/readiness/metrics."""

from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

import dualcarbon
from dualcarbon.core.errors import DomainError
from dualcarbon.server import i18n, problems


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_domain_error_translated():
    # Import every module, so the answer does not depend on what other tests imported first.
    for mod in pkgutil.walk_packages(dualcarbon.__path__, "dualcarbon."):
        if not mod.name.endswith("__main__"):
            importlib.import_module(mod.name)
    missing = [c.code for c in _subclasses(DomainError) if not i18n.has(c.code)]
    assert missing == []


def test_negotiate_language():
    assert i18n.negotiate(None) == "zh-CN"
    assert i18n.negotiate("en-US,en;q=0.9") == "en"
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert i18n.negotiate("fr") == "zh-CN"


def test_unauthenticated_problem_in_both_languages(client):
    zh = client.get("/api/v1/enterprises")
    en = client.get("/api/v1/enterprises", headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 401
    assert zh.headers["content-type"] == "application/problem+json"
    assert zh.json()["title"] == "会话已过期，请重新登录"
    assert en.json()["title"] == "Session expired; please sign in again"
    assert zh.json()["request_id"] == zh.headers["x-request-id"]


def test_security_headers(client):
    r = client.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_health_ready_metrics(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json()["status"] == "ready"
    text = client.get("/metrics").text
    assert "dualcarbon_http_requests_total" in text


def test_unknown_api_route_is_problem(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["code"] == "not-found"


def test_openapi_published(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises" in schema["paths"]


def test_nul_character_refused_in_query_and_body(client, session):
    from testkit import As, make_park, make_user, token_for

    park = make_park(session)
    admin = As(client, token_for(session, make_user(session, "park_admin", park=park)))
    r = admin.get("/api/v1/enterprises?status=%00&q=ok")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["status"]
    assert r.json()["errors"][0]["msg"] == "含有不允许的空字符"
    r = admin.post("/api/v1/facilities", json={"enterprise_id": 1, "code": "B1",
                                                "name": "锅炉\u0000", "kind": "boiler"})
    assert r.status_code == 422
    assert any(e["field"] == "name" and e["type"] == "field.nul_character"
               for e in r.json()["errors"])



class _QuantityBody(BaseModel):
    quantity: Annotated[Decimal, Field(ge=0)]


def test_decimal_limit_is_named_in_the_message():
    """A Decimal field's bound reaches the text ("应不小于 0", not "应不小于 {ge}")."""
    app = FastAPI()
    problems.install(app)

    @app.post("/q")
    def q(body: _QuantityBody) -> dict[str, str]:
        return {"ok": str(body.quantity)}

    with TestClient(app) as c:
        zh = c.post("/q", json={"quantity": "-5"}).json()
        en = c.post("/q", json={"quantity": "-5"}, headers={"Accept-Language": "en"}).json()
    assert "应不小于 0" in str(zh) and "{ge}" not in str(zh)
    assert "≥ 0" in str(en)
