"""Input handling (入侵防范): schemathesis generates requests from the OpenAPI schema for every
operation, signed in as a park administrator; no request may cause a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from testkit import make_enterprise, make_park, make_user, token_for

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app):
    app.openapi()  # build (and cache) the schema first: the loader's own read times out at 10 s
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture
def admin_token(session):
    park = make_park(session)
    make_enterprise(session, park)
    return token_for(session, make_user(session, "park_admin", park=park))


@schema.parametrize()
@settings(max_examples=6, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, admin_token):
    if case.path == "/api/v1/auth/logout":
        return  # would end the session the other examples use
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
