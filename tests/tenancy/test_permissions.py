"""Least privilege: every route declares a permission; 三权分立 and read-only verifier."""

from __future__ import annotations

from fastapi.routing import APIRoute

from testkit import As, make_enterprise, make_facility, make_park, make_user, token_for

PUBLIC = {"/api/v1/auth/login"}
SELF = {
    "/api/v1/auth/logout",
    "/api/v1/auth/me",
    "/api/v1/auth/change-password",
    "/api/v1/auth/tokens",
    "/api/v1/auth/totp/enrol",
    "/api/v1/auth/totp/confirm",
}


def _declared(route: APIRoute) -> set[str]:
    perms = set()
    for dep in route.dependant.dependencies:
        stack = [dep]
        while stack:
            d = stack.pop()
            perm = getattr(d.call, "required_permission", None)
            if perm:
                perms.add(perm)
            stack.extend(d.dependencies)
    return perms


def test_every_route_declares_a_permission(app):
    missing = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/"):
            continue
        if route.path in PUBLIC or route.path in SELF:
            continue
        if not _declared(route):
            missing.append(f"{sorted(route.methods)} {route.path}")
    assert missing == []


def test_separation_of_duties(client, session):
    park = make_park(session)
    make_enterprise(session, park)
    for role, allowed, denied in [
        (
            "system_admin",
            "/api/v1/users",
            ["/api/v1/enterprises", "/api/v1/audit-events", "/api/v1/overview"],
        ),
        (
            "security_admin",
            "/api/v1/security-policy",
            ["/api/v1/enterprises", "/api/v1/audit-events"],
        ),
        (
            "audit_admin",
            "/api/v1/audit-events",
            ["/api/v1/enterprises", "/api/v1/users", "/api/v1/security-policy"],
        ),
    ]:
        who = As(client, token_for(session, make_user(session, role)))
        assert who.get(allowed).status_code == 200, role
        for url in denied:
            r = who.get(url)
            assert r.status_code == 403, (role, url)
            assert r.json()["code"] == "identity.permission-denied"


def test_verifier_is_read_only(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    fac = make_facility(session, ent)
    v = As(client, token_for(session, make_user(session, "verifier", park=park)))
    assert v.get("/api/v1/facilities").json()["total"] == 1
    assert v.patch(f"/api/v1/facilities/{fac.id}", json={"name": "x"}).status_code == 403
    assert v.delete(f"/api/v1/facilities/{fac.id}").status_code == 403
    assert (
        v.post(
            "/api/v1/facilities",
            json={"enterprise_id": ent.id, "code": "Z", "name": "z", "kind": "boiler"},
        ).status_code
        == 403
    )
    assert v.patch(f"/api/v1/enterprises/{ent.id}", json={"name": "x"}).status_code == 403
