"""Identity use cases: login/logout, sessions and tokens, password changes, users and grants,
security policy. Services flush; the caller's unit of work commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.core.context import Actor
from dualcarbon.core.errors import FieldError, Invalid
from dualcarbon.db.paging import Page, apply_sort, paginate
from dualcarbon.db.tenancy import Grant, Scope
from dualcarbon.db.types import utcnow
from dualcarbon.identity import errors
from dualcarbon.identity.models import (
    AuthSession,
    LoginAttempt,
    PasswordHistory,
    PolicySetting,
    RoleGrant,
    User,
)
from dualcarbon.identity.passwords import DUMMY_HASH, check_policy, hash_password, verify_password
from dualcarbon.identity.roles import (
    BUSINESS_ROLES,
    PRIVILEGED_ROLES,
    Role,
    permissions_of,
)
from dualcarbon.registry import service as registry_service
from dualcarbon.settings import SecuritySettings


@dataclass
class Policy:
    password_min_length: int
    password_min_classes: int
    password_history: int
    password_max_age_days: int
    lockout_threshold: int
    lockout_window_minutes: int
    lockout_minutes: int
    session_idle_minutes: int
    session_absolute_hours: int


POLICY_KEYS = tuple(f.name for f in fields(Policy))


def effective_policy(session: Session, defaults: SecuritySettings) -> Policy:
    values = {k: getattr(defaults, k) for k in POLICY_KEYS}
    for row in session.scalars(select(PolicySetting)):
        if row.key in values:
            values[row.key] = row.value
    return Policy(**values)


def update_policy(
    session: Session, defaults: SecuritySettings, actor: Actor, changes: dict[str, int]
) -> Policy:
    before = effective_policy(session, defaults).__dict__.copy()
    for key, value in changes.items():
        if key not in POLICY_KEYS:
            continue
        row = session.get(PolicySetting, key)
        if row is None:
            session.add(PolicySetting(key=key, value=value))
        else:
            row.value = value
    session.flush()
    after = effective_policy(session, defaults)
    b, a = audit.diff(before, after.__dict__)
    audit.record(
        session,
        actor,
        "update",
        object_type="security_policy",
        object_id="policy",
        before=b,
        after=a,
    )
    return after


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    grants: frozenset[Grant]
    must_change_password: bool
    must_enroll_totp: bool
    session_id: int
    session_kind: str
    csrf_token: str | None
    locale: str

    @property
    def roles(self) -> set[Role]:
        return {Role(g.role) for g in self.grants}

    @property
    def permissions(self) -> set[str]:
        return permissions_of(self.roles)

    def scope(self, permission: str) -> Scope:
        """The grants of this principal that carry `permission` (may be empty)."""
        return Scope(
            permission,
            frozenset(g for g in self.grants if permission in permissions_of({Role(g.role)})),
        )

    def actor(self, source_ip: str | None, request_id: str | None) -> Actor:
        return Actor(
            user_id=self.user_id,
            username=self.username,
            roles=roles_text(self.grants),
            source_ip=source_ip,
            request_id=request_id,
            locale=self.locale,
        )


def roles_text(grants: frozenset[Grant] | set[Grant]) -> str:
    parts = []
    for g in sorted(grants, key=lambda g: (g.role, g.park_id or 0, g.enterprise_id or 0)):
        where = (
            f"@enterprise:{g.enterprise_id}"
            if g.enterprise_id
            else f"@park:{g.park_id}"
            if g.park_id
            else ""
        )
        parts.append(g.role + where)
    return ",".join(parts)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _grants(user: User) -> frozenset[Grant]:
    return frozenset(Grant(g.role, g.park_id, g.enterprise_id) for g in user.grants)


# --- login -------------------------------------------------------------------------------------


@dataclass
class LoginResult:
    token: str
    csrf_token: str
    user: User


def _is_locked(session: Session, username: str, policy: Policy, now: datetime) -> bool:
    window_start = now - timedelta(
        minutes=max(policy.lockout_window_minutes, policy.lockout_minutes)
    )
    attempts = list(
        session.scalars(
            select(LoginAttempt)
            .where(LoginAttempt.username == username, LoginAttempt.occurred_at >= window_start)
            .order_by(LoginAttempt.occurred_at.desc())
        )
    )
    failures: list[datetime] = []
    for a in attempts:
        if a.succeeded:
            break
        failures.append(a.occurred_at)
    if len(failures) < policy.lockout_threshold:
        return False
    # Locked from the threshold-th failure inside one window, for lockout_minutes after the last.
    recent = failures[: policy.lockout_threshold]
    in_window = recent[0] - recent[-1] <= timedelta(minutes=policy.lockout_window_minutes)
    return in_window and now - recent[0] < timedelta(minutes=policy.lockout_minutes)


def login(
    session: Session,
    security: SecuritySettings,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    source_ip: str | None,
    request_id: str | None,
) -> (
    LoginResult
    | errors.LoginFailed
    | errors.AccountLocked
    | errors.TotpRequired
    | errors.LoginRateLimited
):
    """Returns the error instead of raising it: the failed attempt and its audit record must be
    committed by the caller before the error is answered."""
    policy = effective_policy(session, security)
    now = utcnow()
    username = username.strip()
    actor = Actor(user_id=None, username=username[:64], source_ip=source_ip, request_id=request_id)

    def fail(
        reason: str,
        exc: errors.LoginFailed | errors.AccountLocked | errors.TotpRequired,
        user: User | None = None,
    ) -> errors.LoginFailed | errors.AccountLocked | errors.TotpRequired:
        session.add(
            LoginAttempt(
                username=username[:64], succeeded=False, source_ip=source_ip, occurred_at=now
            )
        )
        audit.record(
            session,
            actor,
            "login",
            object_type="user",
            object_id=user.id if user else None,
            object_label=username[:64],
            outcome="failure",
            detail=reason,
        )
        return exc

    if source_ip and security.login_rate_per_minute > 0:
        recent = session.scalar(
            select(func.count(LoginAttempt.id)).where(
                LoginAttempt.source_ip == source_ip,
                LoginAttempt.occurred_at >= now - timedelta(minutes=1),
            )
        )
        if (recent or 0) >= security.login_rate_per_minute:
            return errors.LoginRateLimited()
    if _is_locked(session, username, policy, now):
        return fail("locked", errors.AccountLocked())
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(DUMMY_HASH, password)
        return fail("unknown-user", errors.LoginFailed())
    if not verify_password(user.password_hash, password):
        return fail("wrong-password", errors.LoginFailed(), user)
    if not user.is_active:
        return fail("inactive", errors.LoginFailed(), user)
    if user.totp_secret:
        if not totp_code:
            return errors.TotpRequired()
        step = _verify_totp(user, totp_code, now)
        if step is None:
            return fail("wrong-totp", errors.TotpRequired(), user)
        user.totp_last_step = step

    session.add(
        LoginAttempt(username=username, succeeded=True, source_ip=source_ip, occurred_at=now)
    )
    user.last_login_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(
        AuthSession(
            token_hash=_hash_token(token),
            user_id=user.id,
            kind="web",
            csrf_token=csrf,
            source_ip=source_ip,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=policy.session_absolute_hours),
        )
    )
    session.flush()
    audit.record(
        session,
        Actor(user.id, user.username, roles_text(_grants(user)), source_ip, request_id),
        "login",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
    )
    return LoginResult(token=token, csrf_token=csrf, user=user)


def _verify_totp(user: User, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(user.totp_secret or "")
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=30 * offset)
        step = int(at.timestamp()) // 30
        if totp.at(at) == code.strip():
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return None  # replayed code
            return step
    return None


def start_totp_enrolment(session: Session, principal: Principal) -> dict[str, str]:
    user = session.get_one(User, principal.user_id)
    secret = pyotp.random_base32()
    user.totp_secret = "pending:" + secret
    session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="dualcarbon")
    return {"secret": secret, "otpauth_uri": uri}


def confirm_totp_enrolment(session: Session, principal: Principal, actor: Actor, code: str) -> None:
    user = session.get_one(User, principal.user_id)
    if not user.totp_secret or not user.totp_secret.startswith("pending:"):
        raise Invalid(field_errors=[FieldError(("body", "code"), "identity.totp-not-pending")])
    secret = user.totp_secret.removeprefix("pending:")
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise Invalid(field_errors=[FieldError(("body", "code"), "identity.totp-wrong")])
    user.totp_secret = secret
    user.totp_last_step = int(utcnow().timestamp()) // 30
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
        after={"totp": "enrolled"},
    )


def resolve_token(
    session: Session, security: SecuritySettings, token: str, *, privileged_totp_required: bool
) -> Principal:
    now = utcnow()
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == _hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise errors.SessionExpired()
    policy = effective_policy(session, security)
    if row.kind == "web" and now - row.last_seen_at > timedelta(
        minutes=policy.session_idle_minutes
    ):
        raise errors.SessionExpired()
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise errors.SessionExpired()
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now  # idle tracking at minute resolution; avoids a write per request
        session.flush()
    grants = _grants(user)
    expired = policy.password_max_age_days > 0 and now - user.password_changed_at > timedelta(
        days=policy.password_max_age_days
    )
    privileged = any(Role(g.role) in PRIVILEGED_ROLES for g in grants)
    enrolled = bool(user.totp_secret) and not user.totp_secret.startswith("pending:")
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        grants=grants,
        must_change_password=user.must_change_password or expired,
        must_enroll_totp=privileged_totp_required and privileged and not enrolled,
        session_id=row.id,
        session_kind=row.kind,
        csrf_token=row.csrf_token,
        locale=user.locale,
    )


def logout(session: Session, principal: Principal, actor: Actor) -> None:
    row = session.get(AuthSession, principal.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "logout",
        object_type="user",
        object_id=principal.user_id,
        object_label=principal.username,
    )


def create_api_token(
    session: Session, principal: Principal, actor: Actor, name: str, expires_days: int
) -> tuple[str, AuthSession]:
    now = utcnow()
    token = "dct_" + secrets.token_urlsafe(32)
    row = AuthSession(
        token_hash=_hash_token(token),
        user_id=principal.user_id,
        kind="api",
        name=name,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        object_type="api_token",
        object_id=row.id,
        object_label=name,
        after={"name": name, "expires_at": row.expires_at},
    )
    return token, row


# --- passwords ---------------------------------------------------------------------------------


def _set_password(session: Session, user: User, new_password: str, policy: Policy) -> None:
    check_policy(
        new_password,
        username=user.username,
        min_length=policy.password_min_length,
        min_classes=policy.password_min_classes,
    )
    recent = (
        list(
            session.scalars(
                select(PasswordHistory.password_hash)
                .where(PasswordHistory.user_id == user.id)
                .order_by(PasswordHistory.id.desc())
                .limit(max(policy.password_history, 0))
            )
        )
        if user.id
        else []
    )
    if policy.password_history > 0 and any(verify_password(h, new_password) for h in recent):
        raise Invalid(
            field_errors=[FieldError(("body", "new_password"), "identity.password.reused")]
        )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    session.flush()
    session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))


def change_password(
    session: Session,
    security: SecuritySettings,
    principal: Principal,
    actor: Actor,
    old_password: str,
    new_password: str,
) -> None:
    user = session.get_one(User, principal.user_id)
    if not verify_password(user.password_hash, old_password):
        raise Invalid(
            field_errors=[FieldError(("body", "old_password"), "identity.wrong-password")]
        )
    _set_password(session, user, new_password, effective_policy(session, security))
    user.must_change_password = False
    session.flush()
    audit.record(
        session,
        actor,
        "change_password",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
    )


# --- users and grants --------------------------------------------------------------------------


def _validate_grants(session: Session, grants: list[Grant]) -> list[Grant]:
    out = []
    for i, g in enumerate(grants):
        loc: tuple[str | int, ...] = ("body", "roles", i)
        try:
            role = Role(g.role)
        except ValueError:
            raise Invalid(field_errors=[FieldError((*loc, "role"), "identity.bad-grant")]) from None
        park_id, enterprise_id = g.park_id, g.enterprise_id
        if role in BUSINESS_ROLES:
            if enterprise_id is not None:
                ent_park = registry_service.park_of_enterprise(session, enterprise_id)
                if ent_park is None or role == Role.PARK_ADMIN:
                    raise Invalid(
                        field_errors=[FieldError((*loc, "enterprise_id"), "identity.bad-grant")]
                    )
                park_id = ent_park
            elif park_id is not None:
                if (
                    not registry_service.park_exists(session, park_id)
                    or role == Role.ENTERPRISE_USER
                ):
                    raise Invalid(
                        field_errors=[FieldError((*loc, "park_id"), "identity.bad-grant")]
                    )
            elif role != Role.PARK_ADMIN:
                raise Invalid(field_errors=[FieldError((*loc, "park_id"), "identity.bad-grant")])
        else:
            park_id = enterprise_id = None
        out.append(Grant(role.value, park_id, enterprise_id))
    return out


def create_user(
    session: Session,
    security: SecuritySettings,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    email: str | None = None,
    grants: list[Grant] | None = None,
    must_change_password: bool = True,
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise errors.UsernameTaken(
            field_errors=[FieldError(("body", "username"), "identity.username-taken")]
        )
    policy = effective_policy(session, security)
    check_policy(
        password,
        username=username,
        min_length=policy.password_min_length,
        min_classes=policy.password_min_classes,
        field="password",
    )
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))
    for g in _validate_grants(session, grants or []):
        user.grants.append(RoleGrant(role=g.role, park_id=g.park_id, enterprise_id=g.enterprise_id))
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        object_type="user",
        object_id=user.id,
        object_label=username,
        after={**audit.snapshot(user), "roles": roles_text(_grants(user))},
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise errors.UserNotFound()
    return user


def list_users(
    session: Session, *, page: int, size: int, q: str | None, sort: str | None
) -> Page[User]:
    stmt = select(User)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    stmt = apply_sort(
        stmt,
        User,
        sort,
        {"username", "display_name", "created_at", "last_login_at", "id"},
        default="username",
    )
    return paginate(session, stmt, page, size)


def update_user(session: Session, actor: Actor, user_id: int, changes: dict[str, object]) -> User:
    user = get_user(session, user_id)
    before = audit.snapshot(user)
    for key in ("display_name", "email", "is_active", "must_change_password"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("unlock"):
        session.query(LoginAttempt).filter(
            LoginAttempt.username == user.username, LoginAttempt.succeeded.is_(False)
        ).delete()
    session.flush()
    b, a = audit.diff(before, audit.snapshot(user))
    if changes.get("unlock"):
        a["unlocked"] = True
    audit.record(
        session,
        actor,
        "update",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
        before=b,
        after=a,
    )
    return user


def set_grants(session: Session, actor: Actor, user_id: int, grants: list[Grant]) -> User:
    user = get_user(session, user_id)
    before = roles_text(_grants(user))
    valid = _validate_grants(session, grants)
    user.grants.clear()
    session.flush()
    for g in dict.fromkeys(valid):
        user.grants.append(RoleGrant(role=g.role, park_id=g.park_id, enterprise_id=g.enterprise_id))
    session.flush()
    audit.record(
        session,
        actor,
        "grant",
        object_type="user",
        object_id=user.id,
        object_label=user.username,
        before={"roles": before},
        after={"roles": roles_text(_grants(user))},
    )
    return user


def is_locked(session: Session, security: SecuritySettings, username: str) -> bool:
    return _is_locked(session, username, effective_policy(session, security), utcnow())


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0
