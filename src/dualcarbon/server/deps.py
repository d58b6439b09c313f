"""Request dependencies: the unit of work, the principal, the permission-narrowed scope."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from dualcarbon.core.context import Actor
from dualcarbon.db.session import begin_writing
from dualcarbon.db.tenancy import Scope
from dualcarbon.identity import errors as identity_errors
from dualcarbon.identity import service as identity_service
from dualcarbon.identity.service import Principal
from dualcarbon.server import i18n
from dualcarbon.settings import Settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_COOKIE = "dc_session"
CSRF_COOKIE = "dc_csrf"
CSRF_HEADER = "x-csrf-token"


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessionmaker()
    try:
        if request.method not in SAFE_METHODS or request.url.path.endswith("/export"):
            begin_writing(session)  # exports write an audit record
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_session_factory(request: Request) -> Callable[[], AbstractContextManager[Session]]:
    """For work that outlives the request (server-sent events): opens its own short sessions."""
    return request.app.state.sessionmaker  # type: ignore[no-any-return]


SessionFactoryDep = Annotated[Callable[[], AbstractContextManager[Session]],
                              Depends(get_session_factory)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def locale_of(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"))


def _token(request: Request) -> tuple[str | None, bool]:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    return request.cookies.get(SESSION_COOKIE), True


def get_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    token, from_cookie = _token(request)
    if not token:
        raise identity_errors.SessionExpired()
    principal = identity_service.resolve_token(
        session,
        settings.security,
        token,
        privileged_totp_required=settings.security.require_totp_for_privileged,
    )
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
            raise identity_errors.CsrfFailed()
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True)
class Ctx:
    """What a handler needs besides its body: who, in which scope, in which language."""

    principal: Principal
    scope: Scope
    actor: Actor
    locale: str


def _ready(principal: Principal) -> None:
    if principal.must_change_password:
        raise identity_errors.PasswordChangeRequired()
    if principal.must_enroll_totp:
        raise identity_errors.PermissionDenied(detail="totp-enrolment-required")


def require(permission: str) -> Callable[..., Ctx]:
    """Dependency: the caller must hold `permission` in some scope; returns that scope.
    Every business route declares one (tests enumerate routes and fail on one without)."""

    def dependency(request: Request, principal: PrincipalDep) -> Ctx:
        _ready(principal)
        scope = principal.scope(permission)
        if not scope.grants:
            raise identity_errors.PermissionDenied()
        return Ctx(
            principal,
            scope,
            principal.actor(client_ip(request), getattr(request.state, "request_id", None)),
            locale_of(request),
        )

    dependency.required_permission = permission  # type: ignore[attr-defined]
    return dependency


def signed_in(request: Request, principal: PrincipalDep) -> Ctx:
    """Any signed-in user (reference data); no business scope."""
    _ready(principal)
    return Ctx(
        principal,
        Scope("signed-in"),
        principal.actor(client_ip(request), getattr(request.state, "request_id", None)),
        locale_of(request),
    )


signed_in.required_permission = "signed-in"  # type: ignore[attr-defined]
