"""Login, sessions, CSRF, lockout, password policy and history, TOTP (身份鉴别)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from dualcarbon.audit.models import AuditEvent
from dualcarbon.db.types import utcnow
from dualcarbon.identity.models import AuthSession, User
from testkit import PASSWORD, make_enterprise, make_park, make_user


def _login(client, username, password=PASSWORD, **extra):
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password, **extra}
    )


class TestLogin:
    def test_success_sets_httponly_cookie_and_csrf(self, client, session):
        park = make_park(session)
        make_user(session, "park_admin", park=park, username="alice")
        r = _login(client, "alice")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["user"]["username"] == "alice"
        assert "registry.enterprise:write" in body["user"]["permissions"]
        cookies = r.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith("dc_session="))
        assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
        csrf_cookie = next(c for c in cookies if c.startswith("dc_csrf="))
        assert "HttpOnly" not in csrf_cookie
        assert client.get("/api/v1/auth/me").json()["username"] == "alice"

    def test_same_message_for_unknown_user_and_wrong_password(self, client, session):
        make_user(session, username="bob")
        a = _login(client, "bob", "wrong-Password1")
        b = _login(client, "nobody", "wrong-Password1")
        assert a.status_code == b.status_code == 401
        assert a.json()["code"] == b.json()["code"] == "identity.login-failed"
        assert a.json()["title"] == b.json()["title"]

    def test_every_login_is_audited_with_outcome(self, client, session):
        make_user(session, username="carol")
        _login(client, "carol", "bad-Password1")
        _login(client, "carol")
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "login", AuditEvent.object_label == "carol")
            .order_by(AuditEvent.id)
        ).all()
        assert [r.outcome for r in rows] == ["failure", "success"]
        assert rows[0].detail == "wrong-password"
        assert rows[1].source_ip is not None

    def test_lockout_after_threshold_failures_then_generic(self, client, session):
        make_user(session, username="dave")
        for _ in range(5):
            assert _login(client, "dave", "bad-Password1").json()["code"] == "identity.login-failed"
        r = _login(client, "dave")  # right password, but locked
        assert r.status_code == 401 and r.json()["code"] == "identity.account-locked"
        # unknown users lock the same way: no enumeration through the lock message
        for _ in range(5):
            _login(client, "ghost", "bad-Password1")
        assert _login(client, "ghost", "x").json()["code"] == "identity.account-locked"

    def test_login_rate_limit_per_ip(self, client, session, settings):
        settings.security.login_rate_per_minute = 3
        try:
            codes = [_login(client, f"u{i}", "x").status_code for i in range(5)]
        finally:
            settings.security.login_rate_per_minute = 0
        assert codes[:3] == [401, 401, 401] and codes[3] == 429


class TestSessions:
    def test_csrf_required_for_cookie_writes(self, client, session):
        park = make_park(session)
        make_user(session, "park_admin", park=park, username="erin")
        csrf = _login(client, "erin").json()["csrf_token"]
        body = {"enterprise_id": 0, "code": "X", "name": "x", "kind": "boiler"}
        r = client.post("/api/v1/facilities", json=body)
        assert r.status_code == 403 and r.json()["code"] == "identity.csrf-failed"
        r = client.post("/api/v1/facilities", json=body, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 422  # passed CSRF, failed on the enterprise

    def test_idle_timeout(self, client, session):
        make_user(session, username="frank")
        _login(client, "frank")
        row = session.scalars(select(AuthSession).order_by(AuthSession.id.desc())).first()
        row.last_seen_at = utcnow() - timedelta(minutes=31)
        session.flush()
        r = client.get("/api/v1/auth/me")
        assert r.status_code == 401 and r.json()["code"] == "identity.session-expired"

    def test_absolute_lifetime(self, client, session):
        make_user(session, username="gina")
        _login(client, "gina")
        row = session.scalars(select(AuthSession).order_by(AuthSession.id.desc())).first()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.flush()
        assert client.get("/api/v1/auth/me").status_code == 401

    def test_logout_revokes(self, client, session):
        make_user(session, username="hank")
        csrf = _login(client, "hank").json()["csrf_token"]
        assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        client.cookies.set("dc_session", client.cookies.get("dc_session") or "gone")
        assert client.get("/api/v1/auth/me").status_code == 401

    def test_bearer_token_for_api_clients(self, client, session):
        make_user(session, username="ivy")
        csrf = _login(client, "ivy").json()["csrf_token"]
        r = client.post("/api/v1/auth/tokens", json={"name": "erp"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 201
        token = r.json()["token"]
        client.cookies.clear()
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["username"] == "ivy"


class TestPasswords:
    def _change(self, client, csrf, old, new):
        return client.post(
            "/api/v1/auth/change-password",
            json={"old_password": old, "new_password": new},
            headers={"X-CSRF-Token": csrf},
        )

    def test_policy_and_history(self, client, session):
        make_user(session, username="jack")
        csrf = _login(client, "jack").json()["csrf_token"]
        for bad, code in [
            ("short1A!", "identity.password.too-short"),
            ("alllowercaseletters", "identity.password.too-simple"),
            ("Jack#12345678", "identity.password.contains-username"),
        ]:
            r = self._change(client, csrf, PASSWORD, bad)
            assert r.status_code == 422
            assert code in [e["type"] for e in r.json()["errors"]]
            assert r.json()["errors"][0]["field"] == "new_password"
        assert self._change(client, csrf, "Wrong#Old123", "Fresh#Pass2026").status_code == 422
        assert self._change(client, csrf, PASSWORD, "Fresh#Pass2026").status_code == 204
        r = self._change(client, csrf, "Fresh#Pass2026", "Fresh#Pass2026")
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "identity.password.reused"

    def test_stored_hash_is_argon2id_and_not_the_password(self, client, session, settings):
        from dualcarbon.core.context import SYSTEM_ACTOR
        from dualcarbon.identity import service

        user = service.create_user(
            session,
            settings.security,
            SYSTEM_ACTOR,
            username="kate",
            display_name="K",
            password="Blue#Secret2026x",
        )
        assert user.password_hash.startswith("$argon2id$")
        assert "Blue#Secret2026x" not in user.password_hash

    def test_must_change_password_blocks_business_routes(self, client, session):
        park = make_park(session)
        make_user(session, "park_admin", park=park, username="leo", must_change_password=True)
        _login(client, "leo")
        r = client.get("/api/v1/enterprises")
        assert r.status_code == 403 and r.json()["code"] == "identity.password-change-required"
        assert client.get("/api/v1/auth/me").json()["must_change_password"] is True

    def test_expired_password_forces_change(self, client, session):
        park = make_park(session)
        make_user(
            session,
            "park_admin",
            park=park,
            username="mia",
            password_changed_at=utcnow() - timedelta(days=91),
        )
        _login(client, "mia")
        assert (
            client.get("/api/v1/enterprises").json()["code"] == "identity.password-change-required"
        )


class TestTotp:
    def test_required_and_replay_refused(self, client, session):
        secret = pyotp.random_base32()
        make_user(session, username="ned", totp_secret=secret)
        r = _login(client, "ned")
        assert r.status_code == 401 and r.json()["code"] == "identity.totp-required"
        code = pyotp.TOTP(secret).now()
        assert _login(client, "ned", totp_code=code).status_code == 200
        r = _login(client, "ned", totp_code=code)  # same code again
        assert r.status_code == 401 and r.json()["code"] == "identity.totp-required"

    def test_enrolment_flow(self, client, session):
        make_user(session, username="olga")
        csrf = _login(client, "olga").json()["csrf_token"]
        h = {"X-CSRF-Token": csrf}
        secret = client.post("/api/v1/auth/totp/enrol", headers=h).json()["secret"]
        assert (
            client.post("/api/v1/auth/totp/confirm", json={"code": "000000"}, headers=h).status_code
            == 422
        )
        code = pyotp.TOTP(secret).now()
        assert (
            client.post("/api/v1/auth/totp/confirm", json={"code": code}, headers=h).status_code
            == 204
        )
        assert session.scalar(select(User.totp_secret).where(User.username == "olga")) == secret


def test_enterprise_user_permissions_listed(client, session):
    park = make_park(session)
    ent = make_enterprise(session, park)
    make_user(session, "enterprise_user", enterprise=ent, username="pia")
    me = _login(client, "pia").json()["user"]
    assert "registry.facility:write" in me["permissions"]
    assert "registry.enterprise:write" not in me["permissions"]
    assert me["roles"][0]["enterprise_name"] == ent.name


def test_users_list_and_export_for_system_admin(client, session):
    import io

    from openpyxl import load_workbook

    from testkit import As, token_for

    admin = As(client, token_for(session, make_user(session, "system_admin", username="root1")))
    make_user(session, username="zed-export")
    page = admin.get("/api/v1/users?q=zed-export").json()
    assert page["total"] == 1 and page["items"][0]["username"] == "zed-export"
    r = admin.get("/api/v1/users/export?q=zed")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["A1"].value == "用户名" and ws["A2"].value == "zed-export"
