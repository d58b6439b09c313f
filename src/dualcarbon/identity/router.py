"""Authentication, users, grants and security policy routes."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcarbon.audit import service as audit
from dualcarbon.db.session import commit
from dualcarbon.db.tenancy import Grant
from dualcarbon.identity import schemas as s
from dualcarbon.identity import service
from dualcarbon.identity.errors import PasswordChangeRequired
from dualcarbon.identity.models import User
from dualcarbon.identity.service import Principal
from dualcarbon.registry.models import Enterprise, Park
from dualcarbon.schematypes import Id, PageNo, PageSize
from dualcarbon.server.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Ctx,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    client_ip,
    require,
)
from dualcarbon.server.xlsx import workbook_bytes, xlsx_response

router = APIRouter(tags=["identity"])


def _grant_names(session: Session, grants: list[Any]) -> list[s.GrantIO]:
    parks = {
        p.id: p.name
        for p in session.scalars(
            select(Park).where(Park.id.in_({g.park_id for g in grants if g.park_id}))
        )
    }
    ents = {
        e.id: e.name
        for e in session.scalars(
            select(Enterprise).where(
                Enterprise.id.in_({g.enterprise_id for g in grants if g.enterprise_id})
            )
        )
    }
    return [
        s.GrantIO(
            role=g.role,
            park_id=g.park_id,
            enterprise_id=g.enterprise_id,
            park_name=parks.get(g.park_id),
            enterprise_name=ents.get(g.enterprise_id),
        )
        for g in sorted(grants, key=lambda g: (g.role, g.park_id or 0, g.enterprise_id or 0))
    ]


def _me(session: Session, p: Principal) -> s.Me:
    return s.Me(
        id=p.user_id,
        username=p.username,
        display_name=p.display_name,
        locale=p.locale,
        roles=_grant_names(session, list(p.grants)),
        permissions=sorted(p.permissions),
        must_change_password=p.must_change_password,
        must_enroll_totp=p.must_enroll_totp,
    )


@router.post("/auth/login", response_model=s.LoginOut, operation_id="login")
def login(
    data: s.LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> s.LoginOut:
    result = service.login(
        session,
        settings.security,
        username=data.username,
        password=data.password,
        totp_code=data.totp_code,
        source_ip=client_ip(request),
        request_id=getattr(request.state, "request_id", None),
    )
    if isinstance(result, Exception):
        commit(session)  # the failed attempt and its audit record must survive the error answer
        raise result
    principal = service.resolve_token(
        session,
        settings.security,
        result.token,
        privileged_totp_required=settings.security.require_totp_for_privileged,
    )
    policy = service.effective_policy(session, settings.security)
    max_age = policy.session_absolute_hours * 3600
    secure = settings.security.cookie_secure
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        result.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return s.LoginOut(user=_me(session, principal), csrf_token=result.csrf_token)


@router.post("/auth/logout", status_code=204, operation_id="logout")
def logout(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    service.logout(
        session,
        principal,
        principal.actor(client_ip(request), getattr(request.state, "request_id", None)),
    )
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/auth/me", response_model=s.Me, operation_id="me")
def me(session: SessionDep, principal: PrincipalDep) -> s.Me:
    return _me(session, principal)


@router.post("/auth/change-password", status_code=204, operation_id="change_password")
def change_password(
    data: s.ChangePasswordIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> Response:
    service.change_password(
        session,
        settings.security,
        principal,
        principal.actor(client_ip(request), getattr(request.state, "request_id", None)),
        data.old_password,
        data.new_password,
    )
    return Response(status_code=204)


@router.post("/auth/totp/enrol", operation_id="totp_enrol")
def totp_enrol(session: SessionDep, principal: PrincipalDep) -> dict[str, str]:
    return service.start_totp_enrolment(session, principal)


@router.post("/auth/totp/confirm", status_code=204, operation_id="totp_confirm")
def totp_confirm(
    data: s.TotpCodeIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    service.confirm_totp_enrolment(
        session,
        principal,
        principal.actor(client_ip(request), getattr(request.state, "request_id", None)),
        data.code,
    )
    return Response(status_code=204)


@router.post(
    "/auth/tokens", response_model=s.TokenOut, status_code=201, operation_id="create_token"
)
def create_token(
    data: s.TokenIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> s.TokenOut:
    if principal.must_change_password:
        raise PasswordChangeRequired()
    token, row = service.create_api_token(
        session,
        principal,
        principal.actor(client_ip(request), getattr(request.state, "request_id", None)),
        data.name,
        data.expires_days,
    )
    return s.TokenOut(id=row.id, name=data.name, token=token, expires_at=row.expires_at)


# --- users (system administrator), grants and policy (security administrator) ------------------

UserRead = Annotated[Ctx, Depends(require("identity.user:read"))]
UserWrite = Annotated[Ctx, Depends(require("identity.user:write"))]
GrantWrite = Annotated[Ctx, Depends(require("identity.grant:write"))]
PolicyRead = Annotated[Ctx, Depends(require("identity.policy:read"))]
PolicyWrite = Annotated[Ctx, Depends(require("identity.policy:write"))]


def _user_out(session: Session, settings: Any, user: User) -> s.UserRead:
    return s.UserRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        is_active=user.is_active,
        is_locked=service.is_locked(session, settings.security, user.username),
        must_change_password=user.must_change_password,
        roles=_grant_names(
            session, [Grant(g.role, g.park_id, g.enterprise_id) for g in user.grants]
        ),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


@router.get("/users", operation_id="list_users")
def list_users(
    session: SessionDep,
    settings: SettingsDep,
    ctx: UserRead,
    page: PageNo = 1,
    size: PageSize = 20,
    q: str | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    result = service.list_users(session, page=page, size=size, q=q, sort=sort)
    return {
        "items": [_user_out(session, settings, u) for u in result.items],
        "total": result.total,
        "page": result.page,
        "size": result.size,
    }


_USER_COLUMNS = {
    "zh-CN": [("username", "用户名"), ("display_name", "姓名"), ("email", "电子邮箱"),
              ("roles", "角色"), ("is_active", "启用"), ("is_locked", "已锁定"),
              ("must_change_password", "须修改密码"), ("created_at", "创建时间（UTC）"),
              ("last_login_at", "最近登录（UTC）")],
    "en": [("username", "User name"), ("display_name", "Name"), ("email", "E-mail"),
           ("roles", "Roles"), ("is_active", "Active"), ("is_locked", "Locked"),
           ("must_change_password", "Must change password"), ("created_at", "Created (UTC)"),
           ("last_login_at", "Last login (UTC)")],
}


@router.get("/users/export", operation_id="export_users", response_class=Response)
def export_users(
    session: SessionDep, settings: SettingsDep, ctx: UserRead, q: str | None = None
) -> Response:
    result = service.list_users(session, page=1, size=100_000, q=q, sort=None)
    rows = []
    for user in result.items:
        row = _user_out(session, settings, user).model_dump()
        row["roles"] = service.roles_text(
            frozenset(Grant(g.role, g.park_id, g.enterprise_id) for g in user.grants)
        )
        for key in ("created_at", "last_login_at"):
            row[key] = row[key].replace(tzinfo=None) if row[key] else None
        rows.append(row)
    audit.record(session, ctx.actor, "export", object_type="user", detail=f"{len(rows)} rows")
    yes_no = ("Yes", "No") if ctx.locale == "en" else ("是", "否")
    cols = _USER_COLUMNS["en" if ctx.locale == "en" else "zh-CN"]
    return xlsx_response(workbook_bytes(rows, cols, "users", yes_no), "users.xlsx")


@router.post("/users", response_model=s.UserRead, status_code=201, operation_id="create_user")
def create_user(
    data: s.UserCreate, session: SessionDep, settings: SettingsDep, ctx: UserWrite
) -> s.UserRead:
    user = service.create_user(
        session,
        settings.security,
        ctx.actor,
        username=data.username,
        display_name=data.display_name,
        email=data.email,
        password=data.password,
        grants=[Grant(g.role, g.park_id, g.enterprise_id) for g in data.roles],
    )
    return _user_out(session, settings, user)


@router.get("/users/{user_id}", response_model=s.UserRead, operation_id="get_user")
def get_user(user_id: Id, session: SessionDep, settings: SettingsDep, ctx: UserRead) -> s.UserRead:
    return _user_out(session, settings, service.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=s.UserRead, operation_id="update_user")
def update_user(
    user_id: Id, data: s.UserUpdate, session: SessionDep, settings: SettingsDep, ctx: UserWrite
) -> s.UserRead:
    user = service.update_user(session, ctx.actor, user_id, data.model_dump(exclude_unset=True))
    return _user_out(session, settings, user)


@router.put("/users/{user_id}/roles", response_model=s.UserRead, operation_id="set_user_roles")
def set_roles(
    user_id: Id, data: list[s.GrantIn], session: SessionDep, settings: SettingsDep, ctx: GrantWrite
) -> s.UserRead:
    user = service.set_grants(
        session, ctx.actor, user_id, [Grant(g.role, g.park_id, g.enterprise_id) for g in data]
    )
    return _user_out(session, settings, user)


@router.get("/security-policy", response_model=s.PolicyIO, operation_id="get_security_policy")
def get_policy(session: SessionDep, settings: SettingsDep, ctx: PolicyRead) -> Any:
    return service.effective_policy(session, settings.security).__dict__


@router.put("/security-policy", response_model=s.PolicyIO, operation_id="set_security_policy")
def set_policy(
    data: s.PolicyIO, session: SessionDep, settings: SettingsDep, ctx: PolicyWrite
) -> Any:
    return service.update_policy(session, settings.security, ctx.actor, data.model_dump()).__dict__
